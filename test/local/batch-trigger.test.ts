import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';

import type { S3Event } from 'aws-lambda';

import type { BatchResult } from '../../functions/batch/handler';
import { createBatchHandler } from '../../functions/batch/handler';
import { toS3Event, triggerBatch } from '../../local/batch-trigger';
import { localFunctionConfigs } from '../../local/local-config';
import { batchConfig, DERIVATIVES, listKeys, ORIGINALS, putOriginal } from '../support/batch';
import * as images from '../support/images';
import { useLocalS3 } from '../support/local-s3';

describe('local batch trigger (local/batch-trigger.ts)', function () {
  this.timeout(20_000);

  const local = useLocalS3([ORIGINALS, DERIVATIVES]);

  it('turns s3rver uploads into S3-encoded events and writes the renditions', async () => {
    const { s3, client } = local;
    const handler = createBatchHandler({
      config: batchConfig(['width=24&format=webp']),
      client,
      concurrency: 2,
      log: () => {},
    });
    const seen: S3Event[] = [];
    const results: Promise<BatchResult>[] = [];
    let bothArrived: () => void = () => {};
    const both = new Promise<void>((resolve) => (bothArrived = resolve));
    s3.onEvent((event) => {
      seen.push(toS3Event(event));
      results.push(triggerBatch(handler, event));
      if (results.length === 2) bothArrived();
    });
    await putOriginal(client, 'my photos/a+b ü.jpg', await images.photoJpeg(64, 48));
    // s3rver also reports the derivative's write; delivered here too, it must be refused (no recursion).
    await both;
    const [original, derivative] = await Promise.all(results);

    assert.equal(seen[0]?.Records[0]?.s3.object.key, 'my+photos/a%2Bb+%C3%BC.jpg');
    assert.equal(original?.records?.[0]?.key, 'my photos/a+b ü.jpg');
    assert.deepEqual(original?.written, ['my photos/a+b ü.jpg/_w24_q80.webp']);
    assert.deepEqual(await listKeys(client, DERIVATIVES), ['my photos/a+b ü.jpg/_w24_q80.webp']);
    assert.equal(seen[1]?.Records[0]?.s3.object.key, 'my+photos/a%2Bb+%C3%BC.jpg/_w24_q80.webp');
    assert.deepEqual(
      derivative?.records?.map((record) => [record.outcome, record.code]),
      [['refused', 'derivatives_bucket']],
    );
  });

  it('fails at cold start with a clear message for a bad rendition in BATCH_CONFIG', () => {
    const run = spawnSync(
      process.execPath,
      ['--import', 'tsx', '-e', "require('./functions/batch/index.ts')"],
      {
        env: {
          ...process.env,
          BATCH_CONFIG: JSON.stringify({
            ...localFunctionConfigs().batch,
            renditions: ['width=320&format=webp', 'width=640&format=auto'],
          }),
        },
        encoding: 'utf8',
        timeout: 15_000,
      },
    );
    assert.notEqual(run.status, 0);
    assert.match(
      run.stderr,
      /BatchConfigError: renditions entry 2 \('width=640&format=auto'\): format=auto is refused/,
    );
  });
});
