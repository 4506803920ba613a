import assert from 'node:assert/strict';

import fc from 'fast-check';

import { isImageError } from '../../functions/core/errors';
import {
  derivativeKey,
  isCanonicalSpec,
  keyToUri,
  MAX_DERIVATIVE_SUFFIX_BYTES,
  MAX_ORIGINAL_KEY_BYTES,
  S3_MAX_KEY_BYTES,
  validateOriginalKey,
} from '../../functions/core/key';
import { DEFAULT_RULES } from '../../functions/core/rules';
import { FITS, IMAGE_FORMATS as OUTPUT_FORMATS, isLossy, type ResizeSpec } from '../../functions/core/spec';
import { buildViewerFunction } from '../../functions/viewer/build';
import { parseConfig, type StackContext } from '../../infra/config';
import { isViewerResponse, loadViewerFunction } from '../../local/viewer-sandbox';

/**
 * Issue 11, item 8: S3 keys are at most 1,024 bytes of UTF-8 ("Naming Amazon S3 objects",
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-keys.html), and a derivative key is its
 * original's key plus a suffix, so the original must leave room for the longest suffix.
 */

const bytes = (text: string) => Buffer.byteLength(text, 'utf8');

/** Every canonical spec the key scheme can spell: sides up to its six digits, any fit, format, quality. */
const specArb: fc.Arbitrary<ResizeSpec> = fc
  .record({
    width: fc.option(fc.integer({ min: 1, max: 999_999 }), { nil: undefined }),
    height: fc.option(fc.integer({ min: 1, max: 999_999 }), { nil: undefined }),
    fit: fc.constantFrom(...FITS),
    format: fc.constantFrom(...OUTPUT_FORMATS),
    quality: fc.integer({ min: 1, max: 100 }),
    enlarge: fc.boolean(),
  })
  .map((r) => {
    const spec: { -readonly [K in keyof ResizeSpec]: ResizeSpec[K] } = { format: r.format };
    if (r.width !== undefined) spec.width = r.width;
    if (r.height !== undefined) spec.height = r.height;
    if (r.width !== undefined && r.height !== undefined) spec.fit = r.fit;
    if (isLossy(r.format)) spec.quality = r.quality;
    if (r.enlarge && (r.width !== undefined || r.height !== undefined)) spec.enlarge = true;
    return spec;
  });

/** A valid original key of exactly `size` UTF-8 bytes, with 1- to 4-byte characters and several segments. */
const keyOfBytes = (size: number) =>
  fc
    .array(fc.constantFrom('a', 'Z', '9', ' ', '+', 'é', '€', '😀', '/'), { minLength: 1, maxLength: 400 })
    .map((chars) => {
      let key = 'k';
      for (const char of chars) {
        if (bytes(key + char) > size - 1) break;
        if (char === '/' && key.endsWith('/')) continue;
        key += char;
      }
      while (bytes(key) < size) key += 'x';
      return key;
    });

describe('key bounds: every derivative key fits in S3 (issue 11, item 8)', () => {
  it('knows the longest suffix the scheme can spell, and the original key bound it leaves', () => {
    assert.equal(S3_MAX_KEY_BYTES, 1024);
    assert.equal(MAX_DERIVATIVE_SUFFIX_BYTES, bytes('/_w999999_h999999_outside_q100_up.jpeg'));
    assert.equal(MAX_ORIGINAL_KEY_BYTES, 1024 - MAX_DERIVATIVE_SUFFIX_BYTES);
    assert.ok(DEFAULT_RULES.maxKeyBytes <= MAX_ORIGINAL_KEY_BYTES);
  });

  it('no canonical spec spells a longer suffix', () => {
    fc.assert(
      fc.property(specArb, (spec) => {
        assert.ok(isCanonicalSpec(spec));
        assert.ok(bytes(derivativeKey('', spec)) <= MAX_DERIVATIVE_SUFFIX_BYTES, JSON.stringify(spec));
      }),
      { seed: 8, numRuns: 5000 },
    );
    // The extremes, for every fit and format.
    let longest = 0;
    for (const fit of FITS)
      for (const format of OUTPUT_FORMATS) {
        const spec = { width: 999_999, height: 999_999, fit, format, enlarge: true, quality: 100 };
        if (!isLossy(format)) delete (spec as Partial<typeof spec>).quality;
        longest = Math.max(longest, bytes(derivativeKey('', spec)));
      }
    assert.equal(longest, MAX_DERIVATIVE_SUFFIX_BYTES);
  });

  it('a maximal original key is valid, and its longest derivative key is at most 1,024 bytes', () => {
    fc.assert(
      fc.property(keyOfBytes(MAX_ORIGINAL_KEY_BYTES), specArb, (key, spec) => {
        assert.equal(bytes(key), MAX_ORIGINAL_KEY_BYTES);
        assert.doesNotThrow(() => validateOriginalKey(key, S3_MAX_KEY_BYTES), key);
        assert.ok(bytes(derivativeKey(key, spec)) <= S3_MAX_KEY_BYTES);
      }),
      { seed: 1024, numRuns: 500 },
    );
    const key = 'é'.repeat(MAX_ORIGINAL_KEY_BYTES / 2);
    const longest = derivativeKey(key, {
      width: 999_999,
      height: 999_999,
      fit: 'outside',
      format: 'jpeg',
      quality: 100,
      enlarge: true,
    });
    assert.equal(bytes(longest), S3_MAX_KEY_BYTES);
  });

  it('refuses a longer original key even when maxKeyBytes says 1024', () => {
    fc.assert(
      fc.property(keyOfBytes(MAX_ORIGINAL_KEY_BYTES + 1), (key) => {
        assert.throws(
          () => validateOriginalKey(key, S3_MAX_KEY_BYTES),
          (e: unknown) => isImageError(e) && e.status === 400 && e.code === 'invalid_key',
        );
      }),
      { seed: 1025, numRuns: 200 },
    );
  });

  it('the built viewer function answers 400 for such a key under maxKeyBytes 1024', () => {
    const viewer = loadViewerFunction(
      buildViewerFunction({
        rules: { ...DEFAULT_RULES, maxKeyBytes: 1024 },
        originalsOriginId: 'originals',
        errorMaxAge: 30,
      }),
    );
    const request = (key: string) => ({
      request: {
        method: 'GET',
        uri: keyToUri(key),
        querystring: { width: { value: '400' } },
        headers: {},
        cookies: {},
      },
    });
    const fits = viewer(request('a'.repeat(MAX_ORIGINAL_KEY_BYTES - 4) + '.jpg')).result;
    assert.ok(!isViewerResponse(fits));
    assert.ok(bytes(decodeURIComponent(fits.uri.slice(1))) <= S3_MAX_KEY_BYTES);
    const tooLong = viewer(request('a'.repeat(MAX_ORIGINAL_KEY_BYTES - 3) + '.jpg')).result;
    assert.ok(isViewerResponse(tooLong));
    assert.equal(tooLong.statusCode, 400);
  });

  it('stack config refuses a maxKeyBytes that would let a derivative key pass 1,024 bytes', () => {
    const context: StackContext = { project: 'image-cdn', stack: 'test', region: 'eu-west-1' };
    const parse = (maxKeyBytes: number) =>
      parseConfig((key) => (key === 'maxKeyBytes' ? String(maxKeyBytes) : undefined), context);
    assert.equal(parse(MAX_ORIGINAL_KEY_BYTES).rules.maxKeyBytes, MAX_ORIGINAL_KEY_BYTES);
    for (const bad of [MAX_ORIGINAL_KEY_BYTES + 1, 1024])
      assert.throws(() => parse(bad), /image-cdn:maxKeyBytes: must be between 1 and 986/);
  });
});
