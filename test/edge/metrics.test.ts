import assert from 'node:assert/strict';

import { PutObjectCommand } from '@aws-sdk/client-s3';

import { keyToUri } from '../../functions/core/key';
import type { OriginResponseHandler } from '../../functions/edge/origin-response';
import type { LocalS3 } from '../../local/s3-server';
import { localEdgeConfig } from '../../local/stack';
import { originResponseEvent } from '../support/edge-event';
import { startEdgeHandler } from '../support/edge-handler';
import * as images from '../support/images';

type Line = Record<string, unknown> & {
  _aws?: {
    CloudWatchMetrics: {
      Namespace: string;
      Dimensions: string[][];
      Metrics: { Name: string; Unit: string }[];
    }[];
  };
};

/** The handler's metrics, in the one log line it writes per generated answer (Embedded Metric Format). */
describe('edge metrics (Embedded Metric Format in the log line of each miss)', function () {
  this.timeout(30_000);
  const config = { ...localEdgeConfig(), metricsNamespace: 'Test/ImageCdn' };
  const lines: Line[] = [];
  let s3: LocalS3;
  let handler: OriginResponseHandler;
  let original: Buffer;

  before(async () => {
    ({ s3, handler } = await startEdgeHandler(config, {
      timeoutMs: 5_000,
      log: (entry) => lines.push(entry),
    }));
    original = await images.photoJpeg(320, 240);
    await s3
      .client()
      .send(new PutObjectCommand({ Bucket: config.originalsBucket, Key: 'cat.jpg', Body: original }));
  });

  after(async () => {
    await s3.close();
  });

  function metricsOf(line: Line) {
    const directive = line._aws?.CloudWatchMetrics[0];
    assert.ok(directive, 'the line carries an EMF directive');
    return directive;
  }

  it('a resized miss: 2xx, its duration, S3 and resize times, original and output bytes', async () => {
    lines.length = 0;
    const answer = await handler(originResponseEvent(keyToUri('cat.jpg/_w160_q80.webp'), '404'));
    assert.equal(answer.status, '200');
    const [line] = lines as [Line];
    const directive = metricsOf(line);
    assert.equal(directive.Namespace, 'Test/ImageCdn');
    assert.deepEqual(directive.Dimensions, [['StatusClass']]);
    assert.equal(line.StatusClass, '2xx');
    assert.deepEqual(
      directive.Metrics.map((metric) => `${metric.Name}:${metric.Unit}`),
      [
        'Requests:Count',
        'Duration:Milliseconds',
        'S3GetTime:Milliseconds',
        'ResizeTime:Milliseconds',
        'S3PutTime:Milliseconds',
        'OriginalBytes:Bytes',
        'OutputBytes:Bytes',
        'StoreFallbacks:Count',
      ],
    );
    assert.equal(line.Requests, 1);
    assert.equal(line.OriginalBytes, original.length);
    assert.equal(line.OutputBytes, Buffer.from(answer.body ?? '', 'base64').length);
    assert.equal(line.StoreFallbacks, 0);
    for (const name of ['Duration', 'S3GetTime', 'ResizeTime', 'S3PutTime'])
      assert.ok(typeof line[name] === 'number' && (line[name] as number) >= 0, name);
  });

  it('a refused miss: its status class and duration only', async () => {
    lines.length = 0;
    const answer = await handler(originResponseEvent(keyToUri('missing.jpg/_w160_q80.webp'), '404'));
    assert.equal(answer.status, '404');
    const [line] = lines as [Line];
    assert.equal(line.StatusClass, '4xx');
    assert.deepEqual(
      metricsOf(line).Metrics.map((metric) => metric.Name),
      ['Requests', 'Duration'],
    );
  });

  it('a pass-through: no line, so no metric (CloudFront counts those)', async () => {
    lines.length = 0;
    await handler(originResponseEvent(keyToUri('cat.jpg/_w160_q80.webp'), '200'));
    assert.deepEqual(lines, []);
  });
});
