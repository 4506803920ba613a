import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';

import { HeadObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import sharp from 'sharp';

import { createOriginResponseHandler } from '../../functions/edge/origin-response';
import { createS3ImageStore } from '../../functions/storage/image-store';
import { localEdgeConfig } from '../../local/stack';
import { originResponseEvent } from '../support/edge-event';
import { type Fault, type FaultProxy, startFaultProxy } from '../support/fault-proxy';
import * as images from '../support/images';
import { useLocalS3 } from '../support/local-s3';

/** A short S3 budget, so stalls are detected quickly: 2 attempts × 600 ms. */
const config = { ...localEdgeConfig(), s3TimeoutMs: 600 };
const BUDGET_MS = 4_000;

describe('origin-response handler under S3 faults (fault-injecting proxy in front of s3rver)', function () {
  this.timeout(30_000);
  const local = useLocalS3([config.originalsBucket, config.derivativesBucket]);
  let proxy: FaultProxy | undefined;
  let client: S3Client | undefined;
  const logs: Array<Record<string, unknown>> = [];

  before(async () => {
    await local.client.send(
      new PutObjectCommand({
        Bucket: config.originalsBucket,
        Key: 'cat.jpg',
        Body: await images.photoJpeg(800, 600),
      }),
    );
  });

  afterEach(async () => {
    client?.destroy();
    await proxy?.close();
    proxy = undefined;
    logs.length = 0;
  });

  async function handlerBehind(choose: (req: IncomingMessage) => Fault | undefined) {
    proxy = await startFaultProxy(local.s3.port, choose);
    client = local.s3.client({ endpoint: proxy.endpoint, timeoutMs: config.s3TimeoutMs });
    const store = createS3ImageStore({
      client,
      originalsBucket: config.originalsBucket,
      derivativesBucket: config.derivativesBucket,
    });
    return createOriginResponseHandler({ store, config, log: (entry) => logs.push(entry) });
  }

  async function derivativeExists(key: string): Promise<boolean> {
    try {
      await local.client.send(new HeadObjectCommand({ Bucket: config.derivativesBucket, Key: key }));
      return true;
    } catch {
      return false;
    }
  }

  const onGet = (fault: Fault) => (req: IncomingMessage) => (req.method === 'GET' ? fault : undefined);

  const readFaults: Array<[string, Fault]> = [
    ['500 InternalError', { kind: 'status', status: 500, code: 'InternalError' }],
    ['503 SlowDown', { kind: 'status', status: 503, code: 'SlowDown' }],
    ['a connection reset', { kind: 'reset' }],
    ['a response stalled past the S3 timeout', { kind: 'stall' }],
    ['a truncated body', { kind: 'truncate-response' }],
  ];
  for (const [name, fault] of readFaults) {
    it(`answers 503 no-store within budget on ${name} reading the original, after one retry`, async () => {
      const width = 100 + readFaults.findIndex(([n]) => n === name);
      const key = `cat.jpg/_w${width}_q80.jpeg`;
      const handler = await handlerBehind(onGet(fault));
      const started = Date.now();
      const response = await handler(originResponseEvent(`/${key}`, '404'));
      const elapsed = Date.now() - started;

      assert.equal(response.status, '503');
      assert.equal(response.headers?.['cache-control']?.[0]?.value, 'no-store');
      assert.ok(elapsed < BUDGET_MS, `${elapsed} ms`);
      const gets = proxy!.requests.filter((r) => r.startsWith('GET'));
      assert.equal(gets.length, 2, `GET is safe to retry once: ${gets.join(', ')}`);
      assert.equal(await derivativeExists(key), false);
      assert.equal(logs.at(-1)?.outcome, 'storage_fault');
    });
  }

  it('answers 503 no-store at its configured deadline even when S3 is slower than that', async () => {
    proxy = await startFaultProxy(local.s3.port, () => ({ kind: 'stall' }));
    client = local.s3.client({ endpoint: proxy.endpoint, timeoutMs: 5000 });
    const store = createS3ImageStore({
      client,
      originalsBucket: config.originalsBucket,
      derivativesBucket: config.derivativesBucket,
    });
    const handler = createOriginResponseHandler({
      store,
      config: { ...config, deadlineMs: 300 },
      log: () => {},
    });
    const started = Date.now();
    const response = await handler(originResponseEvent('/cat.jpg/_w150_q80.jpeg', '404'));
    const elapsed = Date.now() - started;
    assert.equal(response.status, '503');
    assert.equal(response.headers?.['cache-control']?.[0]?.value, 'no-store');
    // The handler's own deadline answered (`timeout`), not the 5 s S3 timeout (`storage_fault`): no upper
    // wall-clock bound, which a loaded machine could pass.
    assert.equal(response.headers?.['x-image-error']?.[0]?.value, 'timeout');
    assert.ok(elapsed >= 290, `${elapsed} ms`);
  });

  for (const [name, fault] of [
    ['a 500', { kind: 'status', status: 500, code: 'InternalError' }],
    ['a reset mid-upload', { kind: 'truncate-request' }],
  ] as Array<[string, Fault]>) {
    it(`still returns the image when the PUT fails with ${name}, logs it, and leaves nothing half-written`, async () => {
      const key = name === 'a 500' ? 'cat.jpg/_w210_q80.jpeg' : 'cat.jpg/_w220_q80.jpeg';
      const handler = await handlerBehind((req) => (req.method === 'PUT' ? fault : undefined));
      const response = await handler(originResponseEvent(`/${key}`, '404'));

      assert.equal(response.status, '200');
      const meta = await sharp(Buffer.from(response.body ?? '', 'base64')).metadata();
      assert.equal(meta.format, 'jpeg');
      assert.ok(logs.some((entry) => entry.outcome === 'put-failed' && entry.key === key));
      // The miss's metric line counts the fallback (functions/metrics/emf.ts).
      assert.ok(
        logs.some((entry) => entry.outcome === 'resized' && entry.key === key && entry.StoreFallbacks === 1),
      );
      assert.equal(await derivativeExists(key), false);
    });
  }
});
