import assert from 'node:assert/strict';

import { createBatchHandler, RetryableBatchError } from '../../functions/batch/handler';
import { s3EventRecord } from '../../local/batch-trigger';
import {
  batchConfig,
  DERIVATIVES,
  listKeys,
  logSink,
  ORIGINALS,
  putOriginal,
  s3Event,
} from '../support/batch';
import { type Fault, startFaultProxy } from '../support/fault-proxy';
import * as images from '../support/images';
import { useLocalS3 } from '../support/local-s3';

const config = batchConfig(['width=32&format=webp', 'width=48&format=png']);

describe('batch handler under transient S3 faults', function () {
  this.timeout(20_000);
  const local = useLocalS3([ORIGINALS, DERIVATIVES], { perTest: true, client: { maxAttempts: 1 } });
  let image: Buffer;

  before(async () => {
    image = await images.photoJpeg(120, 90);
  });

  for (const [name, fault] of [
    ['503 SlowDown on the derivative PUT', { kind: 'status', status: 503, code: 'SlowDown' }],
    ['500 InternalError on the derivative PUT', { kind: 'status', status: 500, code: 'InternalError' }],
    ['a connection reset on the derivative PUT', { kind: 'reset' }],
  ] as Array<[string, Fault]>) {
    it(`throws on ${name}, so Lambda retries; the retry then succeeds`, async () => {
      const etag = await putOriginal(local.client, 'a.jpg', image);
      let failing = true;
      const proxy = await startFaultProxy(local.s3.port, (req) =>
        failing && req.method === 'PUT' && req.url?.startsWith(`/${DERIVATIVES}/`) ? fault : undefined,
      );
      const client = local.s3.client({ endpoint: proxy.endpoint, maxAttempts: 1 });
      const lines = logSink();
      const handler = createBatchHandler({ config, client, concurrency: 2, log: lines.sink });
      const event = s3Event(s3EventRecord(ORIGINALS, 'a.jpg', { eTag: etag }));
      try {
        const error = await handler(event).then(
          () => assert.fail('the handler must throw on a transient fault'),
          (thrown: unknown) => thrown,
        );
        assert.ok(error instanceof RetryableBatchError);
        assert.match(error.message, /a\.jpg/);
        assert.deepEqual(
          error.result.failed.map((item) => [item.key, item.code]),
          [['a.jpg', 'storage_fault']],
        );
        assert.ok(proxy.requests.some((line) => line.startsWith(`PUT /${DERIVATIVES}/`)));
        assert.equal(lines.lines.find((line) => line.event === 'batch.original')?.outcome, 'failed');

        failing = false; // the fault clears; Lambda's retry delivers the same event
        const retried = await handler(event);
        assert.equal(retried.failed.length, 0);
        assert.deepEqual(await listKeys(local.client, DERIVATIVES), [
          'a.jpg/_w32_q80.webp',
          'a.jpg/_w48.png',
        ]);
      } finally {
        client.destroy();
        await proxy.close();
      }
    });
  }

  it('throws on throttling while reading the original, and still processes the other records', async () => {
    const tags = [
      await putOriginal(local.client, 'slow.jpg', image),
      await putOriginal(local.client, 'fine.jpg', image),
    ];
    const proxy = await startFaultProxy(local.s3.port, (req) =>
      req.method === 'GET' && req.url?.startsWith(`/${ORIGINALS}/slow.jpg`)
        ? ({ kind: 'status', status: 503, code: 'SlowDown' } as const)
        : undefined,
    );
    const client = local.s3.client({ endpoint: proxy.endpoint, maxAttempts: 1 });
    try {
      const handler = createBatchHandler({ config, client, concurrency: 2, log: () => {} });
      await assert.rejects(
        handler(
          s3Event(
            s3EventRecord(ORIGINALS, 'slow.jpg', { eTag: tags[0] }),
            s3EventRecord(ORIGINALS, 'fine.jpg', { eTag: tags[1] }),
          ),
        ),
        (error: unknown) =>
          error instanceof RetryableBatchError &&
          /1 of 2 record/.test(error.message) &&
          error.result.records?.[1]?.outcome === 'processed',
      );
      assert.deepEqual(await listKeys(local.client, DERIVATIVES), [
        'fine.jpg/_w32_q80.webp',
        'fine.jpg/_w48.png',
      ]);
    } finally {
      client.destroy();
      await proxy.close();
    }
  });

  it('throws when the S3 server is stopped', async () => {
    const etag = await putOriginal(local.client, 'a.jpg', image);
    await local.s3.close();
    const handler = createBatchHandler({ config, client: local.client, concurrency: 2, log: () => {} });
    await assert.rejects(
      handler(s3Event(s3EventRecord(ORIGINALS, 'a.jpg', { eTag: etag }))),
      RetryableBatchError,
    );
  });

  it('reports transient failures in a backfill answer instead of throwing', async () => {
    await putOriginal(local.client, 'a.jpg', image);
    const proxy = await startFaultProxy(local.s3.port, (req) =>
      req.method === 'HEAD' ? ({ kind: 'status', status: 503, code: 'SlowDown' } as const) : undefined,
    );
    const client = local.s3.client({ endpoint: proxy.endpoint, maxAttempts: 1 });
    try {
      const handler = createBatchHandler({ config, client, concurrency: 2, log: () => {} });
      const result = await handler({ keys: ['a.jpg'] });
      assert.deepEqual(
        result.failed.map((item) => [item.key, item.code]),
        [['a.jpg', 'storage_fault']],
      );
      assert.deepEqual(result.written, []);
    } finally {
      client.destroy();
      await proxy.close();
    }
  });
  it('reports a failed listing in a prefix backfill, with where to resume', async () => {
    await putOriginal(local.client, 'p/a.jpg', image);
    const proxy = await startFaultProxy(local.s3.port, (req) =>
      req.method === 'GET' && /[?&]list-type=2/.test(req.url ?? '')
        ? ({ kind: 'status', status: 503, code: 'SlowDown' } as const)
        : undefined,
    );
    const client = local.s3.client({ endpoint: proxy.endpoint, maxAttempts: 1 });
    try {
      const handler = createBatchHandler({ config, client, concurrency: 2, log: () => {} });
      const result = await handler({ prefix: 'p/', startAfter: 'p/0.jpg' });
      assert.equal(result.complete, false);
      assert.equal(result.resumeAfter, 'p/0.jpg');
      assert.deepEqual(
        result.failed.map((item) => [item.key, item.code]),
        [['p/', 'storage_fault']],
      );
      assert.deepEqual(await listKeys(local.client, DERIVATIVES), []);
    } finally {
      client.destroy();
      await proxy.close();
    }
  });
});
