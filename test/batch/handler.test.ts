import assert from 'node:assert/strict';

import sharp from 'sharp';

import { type BatchHandlerDeps, createBatchHandler } from '../../functions/batch/handler';
import { derivativeKey } from '../../functions/core/key';
import { parseQuery, parseQueryString } from '../../functions/core/params';
import { DEFAULT_RULES } from '../../functions/core/rules';
import { s3EventRecord } from '../../local/batch-trigger';
import {
  batchConfig,
  deleteObject,
  DERIVATIVES,
  getObject,
  headObject,
  listKeys,
  logSink,
  ORIGINALS,
  putOriginal,
  s3Event,
} from '../support/batch';
import * as images from '../support/images';
import { useLocalS3 } from '../support/local-s3';

const QUERIES = ['width=32&format=webp', 'w=48&fm=avif', 'width=24&height=24&fit=cover&format=jpeg'];

/** The key the CDN uses for `query` on `originalKey`, through the edge's own parser (any Accept). */
function cdnKey(originalKey: string, query: string) {
  const spec = parseQuery(parseQueryString(query), originalKey, 'image/avif,image/webp,*/*', DEFAULT_RULES);
  return derivativeKey(originalKey, spec!);
}

describe('batch handler against a local S3', function () {
  this.timeout(20_000);
  const local = useLocalS3([ORIGINALS, DERIVATIVES], { perTest: true, client: { maxAttempts: 1 } });
  let image: Buffer;

  before(async () => {
    image = await images.photoJpeg(160, 120);
  });

  function handlerWith(overrides: Partial<BatchHandlerDeps> = {}, config = batchConfig(QUERIES)) {
    return createBatchHandler({ config, client: local.client, concurrency: 2, log: () => {}, ...overrides });
  }

  it('writes every rendition at the CDN key, with the right size, format and headers', async () => {
    const etag = await putOriginal(local.client, 'photos/cat.jpg', image);
    const result = await handlerWith()(s3Event(s3EventRecord(ORIGINALS, 'photos/cat.jpg', { eTag: etag })));

    const expected = QUERIES.map((query) => cdnKey('photos/cat.jpg', query));
    assert.deepEqual(expected, [
      'photos/cat.jpg/_w32_q80.webp',
      'photos/cat.jpg/_w48_q50.avif',
      'photos/cat.jpg/_w24_h24_cover_q80.jpeg',
    ]);
    assert.deepEqual(await listKeys(local.client, DERIVATIVES), [...expected].sort());
    assert.deepEqual([...result.written].sort(), [...expected].sort());
    assert.equal(result.records?.[0]?.outcome, 'processed');

    const sizes = [
      [32, 24, 'webp', 'image/webp'],
      [48, 36, 'heif', 'image/avif'],
      [24, 24, 'jpeg', 'image/jpeg'],
    ] as const;
    for (let i = 0; i < expected.length; i++) {
      const stored = await getObject(local.client, DERIVATIVES, expected[i] as string);
      const meta = await sharp(stored.body).metadata();
      const [width, height, format, contentType] = sizes[i]!;
      assert.deepEqual([meta.width, meta.height, meta.format], [width, height, format], expected[i]);
      assert.equal(stored.contentType, contentType);
      assert.equal(stored.cacheControl, 'public, max-age=31536000');
      assert.equal(stored.metadata['source-etag'], etag);
    }
  });

  it('decodes keys with spaces, + and unicode as S3 encodes them', async () => {
    const key = 'albums/été 2026/a+b c 🐱.jpg';
    const etag = await putOriginal(local.client, key, image);
    const record = s3EventRecord(ORIGINALS, key, { eTag: etag });
    assert.equal(record.s3.object.key, 'albums/%C3%A9t%C3%A9+2026/a%2Bb+c+%F0%9F%90%B1.jpg');
    const result = await handlerWith()(s3Event(record));
    assert.equal(result.records?.[0]?.key, key);
    assert.deepEqual(
      await listKeys(local.client, DERIVATIVES),
      QUERIES.map((query) => cdnKey(key, query)).sort(),
    );
  });

  it('is idempotent: a retried or duplicated event writes nothing new', async () => {
    const etag = await putOriginal(local.client, 'a.jpg', image);
    const handler = handlerWith();
    const event = s3Event(s3EventRecord(ORIGINALS, 'a.jpg', { eTag: etag }));
    const first = await handler(event);
    assert.equal(first.written.length, 3);
    const before = await Promise.all(first.written.map((key) => headObject(local.client, DERIVATIVES, key)));

    const retried = await handler(event);
    assert.deepEqual(retried.written, []);
    assert.equal(retried.unchanged, 3);
    assert.deepEqual(
      retried.records?.[0]?.renditions?.map((r) => r.outcome),
      ['unchanged', 'unchanged', 'unchanged'],
    );
    const after = await Promise.all(first.written.map((key) => headObject(local.client, DERIVATIVES, key)));
    assert.deepEqual(
      after.map((head) => head.LastModified?.getTime()),
      before.map((head) => head.LastModified?.getTime()),
    );

    // The same record twice in one event: still exactly one object per rendition.
    await handler(
      s3Event(
        s3EventRecord(ORIGINALS, 'a.jpg', { eTag: etag }),
        s3EventRecord(ORIGINALS, 'a.jpg', { eTag: etag }),
      ),
    );
    assert.deepEqual(
      await listKeys(local.client, DERIVATIVES),
      QUERIES.map((query) => cdnKey('a.jpg', query)).sort(),
    );
  });

  it('rewrites renditions when the original is replaced (new ETag, same keys)', async () => {
    const handler = handlerWith();
    const first = await putOriginal(local.client, 'a.jpg', image);
    await handler(s3Event(s3EventRecord(ORIGINALS, 'a.jpg', { eTag: first })));
    const second = await putOriginal(local.client, 'a.jpg', await images.photoJpeg(200, 100));
    assert.notEqual(first, second);
    const current = await handler(s3Event(s3EventRecord(ORIGINALS, 'a.jpg', { eTag: second })));
    assert.equal(current.written.length, 3);
    const stored = await getObject(local.client, DERIVATIVES, cdnKey('a.jpg', QUERIES[0]!));
    assert.equal(stored.metadata['source-etag'], second);
    assert.equal((await sharp(stored.body).metadata()).height, 16);
    // A late retry of the first version's event: the version actually read is already done.
    const late = await handler(s3Event(s3EventRecord(ORIGINALS, 'a.jpg', { eTag: first })));
    assert.deepEqual(late.written, []);
    assert.equal(late.unchanged, 3);
    assert.equal(
      (await getObject(local.client, DERIVATIVES, cdnKey('a.jpg', QUERIES[0]!))).metadata['source-etag'],
      second,
    );
    assert.equal((await listKeys(local.client, DERIVATIVES)).length, 3);
  });

  it('refuses an event for the derivatives bucket, for a derivative key, and for a foreign bucket', async () => {
    const derivative = cdnKey('a.jpg', QUERIES[0]!);
    await putOriginal(local.client, derivative, image);
    const lines = logSink();
    const result = await handlerWith({ log: lines.sink })(
      s3Event(
        s3EventRecord(DERIVATIVES, derivative),
        s3EventRecord(ORIGINALS, derivative),
        s3EventRecord('someone-elses-bucket', 'a.jpg'),
      ),
    );
    assert.deepEqual(
      result.records?.map((record) => [record.outcome, record.code]),
      [
        ['refused', 'derivatives_bucket'],
        ['refused', 'derivative_key'],
        ['refused', 'wrong_bucket'],
      ],
    );
    assert.deepEqual(await listKeys(local.client, DERIVATIVES), []);
    const refused = lines.lines.filter((line) => line.outcome === 'refused');
    assert.equal(refused.length, 3);
    assert.equal(refused[0]?.key, derivative);
  });

  it('summarises each invocation with its metrics in Embedded Metric Format, by trigger', async () => {
    await putOriginal(local.client, 'a.jpg', image);
    const lines = logSink();
    await handlerWith({ log: lines.sink })(s3Event(s3EventRecord(ORIGINALS, 'a.jpg')));
    const summary = lines.lines.find((line) => line.event === 'batch.summary') as Record<string, unknown> & {
      _aws: {
        CloudWatchMetrics: { Namespace: string; Dimensions: string[][]; Metrics: { Name: string }[] }[];
      };
    };
    const directive = summary._aws.CloudWatchMetrics[0]!;
    assert.equal(directive.Namespace, 'ImageCdn');
    assert.deepEqual(directive.Dimensions, [['Trigger']]);
    assert.equal(summary.Trigger, 's3');
    assert.deepEqual(
      directive.Metrics.map((metric) => metric.Name),
      ['Originals', 'RenditionsWritten', 'RenditionsUnchanged', 'Skipped', 'Failed', 'Duration'],
    );
    assert.deepEqual(
      [
        summary.Originals,
        summary.RenditionsWritten,
        summary.RenditionsUnchanged,
        summary.Skipped,
        summary.Failed,
      ],
      [1, QUERIES.length, 0, 0, 0],
    );
    assert.equal(typeof summary.Duration, 'number');
  });

  it('ignores events other than ObjectCreated', async () => {
    const result = await handlerWith()(
      s3Event(s3EventRecord(ORIGINALS, 'a.jpg', { eventName: 'ObjectRemoved:Delete' })),
    );
    assert.equal(result.records?.[0]?.outcome, 'ignored');
    assert.deepEqual(await listKeys(local.client, DERIVATIVES), []);
  });

  it('skips and reports each permanent error, logged as JSON with key and reason, and does not throw', async () => {
    const jpeg = await images.photoJpeg(160, 120);
    const tags = {
      text: await putOriginal(local.client, 'bad/text.jpg', Buffer.from('this is not an image')),
      truncated: await putOriginal(local.client, 'bad/truncated.jpg', jpeg.subarray(0, 300)),
      huge: await putOriginal(local.client, 'bad/huge.jpg', jpeg),
      good: await putOriginal(local.client, 'good.jpg', jpeg),
    };
    const lines = logSink();
    // 160×120 is over this input limit, so one original stands for decompression bombs.
    const lowLimit = handlerWith(
      { log: lines.sink },
      batchConfig(QUERIES, {}, (json) => ({
        ...json,
        transform: { ...json.transform, inputPixelLimit: 19000 },
      })),
    );
    const result = await handlerWith({ log: lines.sink })(
      s3Event(
        s3EventRecord(ORIGINALS, 'bad/text.jpg', { eTag: tags.text }),
        s3EventRecord(ORIGINALS, 'bad/truncated.jpg', { eTag: tags.truncated }),
        s3EventRecord(ORIGINALS, 'deleted.jpg', { eTag: 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa' }),
        s3EventRecord(ORIGINALS, 'good.jpg', { eTag: tags.good }),
      ),
    );
    const huge = await lowLimit(s3Event(s3EventRecord(ORIGINALS, 'bad/huge.jpg', { eTag: tags.huge })));
    const outcomes = [...(result.records ?? []), ...(huge.records ?? [])].map((r) => [
      r.key,
      r.outcome,
      r.code,
    ]);
    assert.deepEqual(outcomes, [
      ['bad/text.jpg', 'skipped', 'unsupported_input'],
      ['bad/truncated.jpg', 'skipped', 'corrupt_input'],
      ['deleted.jpg', 'skipped', 'not_found'],
      ['good.jpg', 'processed', undefined],
      ['bad/huge.jpg', 'skipped', 'too_many_pixels'],
    ]);
    assert.deepEqual(
      result.skipped.map((item) => item.key),
      ['bad/text.jpg', 'bad/truncated.jpg', 'deleted.jpg'],
    );
    for (const key of ['bad/text.jpg', 'bad/truncated.jpg', 'deleted.jpg', 'bad/huge.jpg']) {
      const line = lines.lines.find((entry) => entry.key === key);
      assert.equal(line?.outcome, 'skipped', key);
      assert.equal(typeof line?.reason, 'string', key);
      assert.ok((line?.reason as string).length > 0);
    }
    assert.deepEqual(
      await listKeys(local.client, DERIVATIVES),
      QUERIES.map((query) => cdnKey('good.jpg', query)).sort(),
    );
  });

  it('skips an original deleted between upload and processing', async () => {
    const etag = await putOriginal(local.client, 'gone.jpg', image);
    await deleteObject(local.client, ORIGINALS, 'gone.jpg');
    const result = await handlerWith()(s3Event(s3EventRecord(ORIGINALS, 'gone.jpg', { eTag: etag })));
    assert.deepEqual(result.skipped, [
      { key: 'gone.jpg', outcome: 'skipped', code: 'not_found', reason: 'Original image not found' },
    ]);
  });

  it('lists a rendition impossible for one original as skipped and writes the rest', async () => {
    const etag = await putOriginal(local.client, 'a.jpg', image);
    // The output limit of the transform only (no stack sets it below the query rules' limit), so the
    // rendition passes the cold-start check and fails on the original.
    const handler = handlerWith(
      {},
      batchConfig(['width=32&format=webp', 'width=100&height=100&fit=fill&format=png'], {}, (json) => ({
        ...json,
        transform: { ...json.transform, maxPixels: 5000 },
      })),
    );
    const result = await handler(s3Event(s3EventRecord(ORIGINALS, 'a.jpg', { eTag: etag })));
    assert.deepEqual(result.written, ['a.jpg/_w32_q80.webp']);
    assert.deepEqual(
      result.skipped.map((item) => [item.key, item.code]),
      [['a.jpg/_w100_h100_fill.png', 'too_many_pixels']],
    );
  });
});
