import assert from 'node:assert/strict';

import { InvalidPayloadError } from '../../functions/batch/event';
import { type BatchHandlerDeps, createBatchHandler } from '../../functions/batch/handler';
import { batchConfig, DERIVATIVES, listKeys, ORIGINALS, putOriginal } from '../support/batch';
import * as images from '../support/images';
import { useLocalS3 } from '../support/local-s3';

const config = batchConfig(['width=32&format=webp', 'width=16&format=jpeg']);

describe('batch backfill (synchronous invocation)', function () {
  this.timeout(20_000);
  const local = useLocalS3([ORIGINALS, DERIVATIVES], { perTest: true, client: { maxAttempts: 1 } });
  let image: Buffer;

  before(async () => {
    image = await images.photoJpeg(80, 60);
  });

  const handlerWith = (overrides: Partial<BatchHandlerDeps> = {}) =>
    createBatchHandler({ config, client: local.client, concurrency: 2, log: () => {}, ...overrides });

  it('processes the given keys and answers with what was written and skipped', async () => {
    await putOriginal(local.client, 'a.jpg', image);
    await putOriginal(local.client, 'b/c d.png', image);
    const result = await handlerWith()({
      keys: ['a.jpg', 'b/c d.png', 'missing.jpg', 'a.jpg/_w32_q80.webp'],
    });
    assert.equal(result.trigger, 'keys');
    assert.equal(result.originals, 4);
    assert.deepEqual([...result.written].sort(), [
      'a.jpg/_w16_q80.jpeg',
      'a.jpg/_w32_q80.webp',
      'b/c d.png/_w16_q80.jpeg',
      'b/c d.png/_w32_q80.webp',
    ]);
    assert.deepEqual(
      result.skipped.map((item) => [item.key, item.outcome, item.code]),
      [
        ['missing.jpg', 'skipped', 'not_found'],
        ['a.jpg/_w32_q80.webp', 'refused', 'derivative_key'],
      ],
    );
    assert.deepEqual(await listKeys(local.client, DERIVATIVES), [...result.written].sort());
    const again = await handlerWith()({ keys: ['a.jpg'] });
    assert.deepEqual([again.written, again.unchanged], [[], 2]);
  });

  it('processes every original under a prefix and nothing else', async () => {
    for (const key of ['photos/1.jpg', 'photos/2.jpg', 'photos/sub/3.jpg', 'other/4.jpg', 'photosX.jpg'])
      await putOriginal(local.client, key, image);
    const result = await handlerWith()({ prefix: 'photos/' });
    assert.equal(result.complete, true);
    assert.equal(result.resumeAfter, undefined);
    assert.equal(result.originals, 3);
    assert.deepEqual(
      [
        ...new Set(
          (await listKeys(local.client, DERIVATIVES)).map((key) => key.slice(0, key.lastIndexOf('/'))),
        ),
      ],
      ['photos/1.jpg', 'photos/2.jpg', 'photos/sub/3.jpg'],
    );
  });

  it('stops cleanly before the timeout, says where, and resumes from there', async () => {
    const keys = ['p/1.jpg', 'p/2.jpg', 'p/3.jpg', 'p/4.jpg', 'p/5.jpg'];
    for (const key of keys) await putOriginal(local.client, key, image);
    // A clock that loses a second per finished original: with a 10 s reserve and 12.5 s left,
    // three originals start before the function stops starting new ones.
    let remaining = 12_500;
    const context = { getRemainingTimeInMillis: () => remaining };
    const handler = handlerWith({
      concurrency: 1,
      reserveMs: 10_000,
      log: (line) => {
        if (JSON.parse(line).event === 'batch.original') remaining -= 1000;
      },
    });
    const first = await handler({ prefix: 'p/' }, context);
    assert.equal(first.complete, false);
    assert.equal(first.resumeAfter, 'p/3.jpg');
    assert.equal(first.originals, 3);
    assert.deepEqual(
      [
        ...new Set(
          (await listKeys(local.client, DERIVATIVES)).map((key) => key.slice(0, key.lastIndexOf('/'))),
        ),
      ],
      keys.slice(0, 3),
    );

    remaining = 60_000;
    const rest = await handler({ prefix: 'p/', startAfter: first.resumeAfter }, context);
    assert.equal(rest.complete, true);
    assert.equal(rest.originals, 2);
    assert.equal((await listKeys(local.client, DERIVATIVES)).length, keys.length * 2);
  });

  it('stops a keys backfill before the timeout and lists the keys not started', async () => {
    const keys = ['k/1.jpg', 'k/2.jpg', 'k/3.jpg', 'k/4.jpg'];
    for (const key of keys) await putOriginal(local.client, key, image);
    let remaining = 11_500;
    const handler = handlerWith({
      concurrency: 1,
      reserveMs: 10_000,
      log: (line) => {
        if (JSON.parse(line).event === 'batch.original') remaining -= 1000;
      },
    });
    const result = await handler({ keys }, { getRemainingTimeInMillis: () => remaining });
    assert.equal(result.complete, false);
    assert.equal(result.originals, 2);
    assert.deepEqual(result.remainingKeys, ['k/3.jpg', 'k/4.jpg']);
    assert.equal((await listKeys(local.client, DERIVATIVES)).length, 4);
  });

  it('rejects a malformed payload with a message saying what is expected', async () => {
    await assert.rejects(handlerWith()({ key: 'a.jpg' } as never), (error: unknown) => {
      return error instanceof InvalidPayloadError && /expected \{"keys"/.test(error.message);
    });
  });
});
