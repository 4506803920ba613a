import assert from 'node:assert/strict';

import fc from 'fast-check';

import {
  decodeS3EventKey,
  encodeS3EventKey,
  InvalidPayloadError,
  parseBackfillPayload,
} from '../../functions/batch/event';

describe('batch event adapter', () => {
  it('decodes keys exactly as S3 encodes them', () => {
    assert.equal(decodeS3EventKey('photos/my+cat.jpg'), 'photos/my cat.jpg');
    assert.equal(decodeS3EventKey('a%2Bb+c.jpg'), 'a+b c.jpg');
    assert.equal(decodeS3EventKey('caf%C3%A9/%F0%9F%90%B1.png'), 'café/🐱.png');
    assert.equal(encodeS3EventKey('photos/a+b c(1)é.jpg'), 'photos/a%2Bb+c%281%29%C3%A9.jpg');
  });

  it('round-trips any key through the S3 encoding', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 40 }), (key) => {
        assert.equal(decodeS3EventKey(encodeS3EventKey(key)), key);
      }),
    );
  });

  it('validates backfill payloads', () => {
    assert.deepEqual(parseBackfillPayload({ keys: ['a.jpg', 'b/c.png'] }), { keys: ['a.jpg', 'b/c.png'] });
    assert.deepEqual(parseBackfillPayload({ prefix: 'photos/' }), { prefix: 'photos/' });
    assert.deepEqual(parseBackfillPayload({ prefix: '', startAfter: 'x.jpg' }), {
      prefix: '',
      startAfter: 'x.jpg',
    });
    for (const bad of [
      null,
      [],
      {},
      { keys: [] },
      { keys: [1] },
      { keys: ['a'], prefix: 'b' },
      { prefix: 3 },
    ])
      assert.throws(() => parseBackfillPayload(bad), InvalidPayloadError, JSON.stringify(bad));
  });
});
