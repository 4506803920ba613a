import assert from 'node:assert/strict';
import fc from 'fast-check';
import { DEFAULT_RULES } from '../../functions/core/rules';
import {
  BatchConfigError,
  loadBatchConfig,
  parseRenditions,
  renditionSpec,
} from '../../functions/batch/config';
import {
  decodeS3EventKey,
  encodeS3EventKey,
  InvalidPayloadError,
  parseBackfillPayload,
} from '../../functions/batch/event';
import { createLogger } from '../../functions/batch/log';

const ENV = {
  ORIGINALS_BUCKET: 'originals',
  DERIVED_BUCKET: 'derived',
  RENDITIONS: 'width=320&format=webp;width=640&format=webp;width=1280&format=avif',
};

describe('batch config (cold start)', () => {
  it('parses RENDITIONS with the edge parser into canonical specs', () => {
    const config = loadBatchConfig(ENV);
    assert.deepEqual(
      config.renditions.map((rendition) => renditionSpec(rendition, 'a.jpg', config.rules)),
      [
        { width: 320, format: 'webp', quality: 80 },
        { width: 640, format: 'webp', quality: 80 },
        { width: 1280, format: 'avif', quality: 50 },
      ],
    );
  });

  it('uses thorough encoder effort even when TRANSFORM_SETTINGS asks for fast', () => {
    assert.equal(loadBatchConfig(ENV).transform.effort, 'thorough');
    const config = loadBatchConfig({ ...ENV, TRANSFORM_SETTINGS: '{"effort":"fast","maxFrames":5}' });
    assert.equal(config.transform.effort, 'thorough');
    assert.equal(config.transform.maxFrames, 5);
  });

  it('reads CACHE_MAX_AGE for the renditions it stores, defaulting to a year', () => {
    assert.equal(loadBatchConfig(ENV).cacheMaxAge, 31_536_000);
    assert.equal(loadBatchConfig({ ...ENV, CACHE_MAX_AGE: '3600' }).cacheMaxAge, 3600);
    assert.throws(
      () => loadBatchConfig({ ...ENV, CACHE_MAX_AGE: 'soon' }),
      /CACHE_MAX_AGE must be a number of seconds/,
    );
  });

  it('reads IMAGE_RULES as JSON over the defaults', () => {
    const config = loadBatchConfig({ ...ENV, IMAGE_RULES: '{"allowedWidths":[300,700,1400]}' });
    assert.deepEqual(config.rules.allowedWidths, [300, 700, 1400]);
    assert.equal(config.rules.maxWidth, DEFAULT_RULES.maxWidth);
    assert.equal(renditionSpec(config.renditions[0]!, 'a.jpg', config.rules).width, 700);
  });

  for (const auto of ['format=auto', 'fm=AUTO', 'Format=Auto']) {
    it(`refuses ${auto} with a clear message`, () => {
      assert.throws(
        () => loadBatchConfig({ ...ENV, RENDITIONS: `width=320&format=webp;width=640&${auto}` }),
        (error: Error) =>
          error instanceof BatchConfigError &&
          /RENDITIONS entry 2/.test(error.message) &&
          /format=auto is refused/.test(error.message),
      );
    });
  }

  it('names the entry and the parameter of an invalid value', () => {
    assert.throws(
      () => parseRenditions('width=320;width=abc&format=webp', DEFAULT_RULES),
      /RENDITIONS entry 2 \('width=abc&format=webp'\): Invalid 'width': must be a whole number/,
    );
    assert.throws(
      () => parseRenditions('width=99999', DEFAULT_RULES),
      /entry 1.*'width': must be at most 4096/,
    );
    assert.throws(() => parseRenditions('width=300&format=tiff', DEFAULT_RULES), /'format': must be one of/);
  });

  it('refuses an entry that asks for no transform, and an empty list', () => {
    assert.throws(
      () => parseRenditions('width=320;foo=bar', DEFAULT_RULES),
      /entry 2.*asks for no transform/,
    );
    assert.throws(() => parseRenditions(' ; ', DEFAULT_RULES), /at least one rendition/);
  });

  it('names a missing or bad variable', () => {
    assert.throws(() => loadBatchConfig({ ...ENV, DERIVED_BUCKET: undefined }), /DERIVED_BUCKET must be set/);
    assert.throws(() => loadBatchConfig({ ...ENV, RENDITIONS: '' }), /RENDITIONS must be set/);
    assert.throws(() => loadBatchConfig({ ...ENV, DERIVED_BUCKET: 'originals' }), /must differ/);
    assert.throws(() => loadBatchConfig({ ...ENV, IMAGE_RULES: '{oops' }), /IMAGE_RULES is not valid JSON/);
  });
});

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

describe('batch log', () => {
  it('writes one JSON object per line to stdout by default', () => {
    const written: string[] = [];
    const original = process.stdout.write;
    process.stdout.write = ((chunk: string) => written.push(chunk) > 0) as typeof process.stdout.write;
    try {
      createLogger()('batch.original', { key: 'a\nb.jpg', outcome: 'skipped', reason: 'corrupt' });
    } finally {
      process.stdout.write = original;
    }
    assert.equal(written.length, 1);
    assert.ok(written[0]!.endsWith('\n'));
    assert.equal(written[0]!.trimEnd().split('\n').length, 1);
    const entry = JSON.parse(written[0]!);
    assert.equal(entry.event, 'batch.original');
    assert.equal(entry.key, 'a\nb.jpg');
    assert.equal(entry.reason, 'corrupt');
    assert.ok(!Number.isNaN(Date.parse(entry.time)));
  });
});
