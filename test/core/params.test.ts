import assert from 'node:assert/strict';

import fc from 'fast-check';

import { isImageError } from '../../functions/core/errors';
import {
  derivativeKey,
  isCanonicalSpec,
  keyToUri,
  parseDerivativeKey,
  uriToKey,
  validateOriginalKey,
} from '../../functions/core/key';
import { accepts, negotiateFormat } from '../../functions/core/negotiate';
import { parseQuery, parseQueryString, validateSpec } from '../../functions/core/params';
import { DEFAULT_RULES, type QueryRules } from '../../functions/core/rules';
import { FITS, IMAGE_FORMATS as OUTPUT_FORMATS, isLossy, type ResizeSpec } from '../../functions/core/spec';

const rules = DEFAULT_RULES;

function parse(query: string, key = 'photos/cat.jpg', accept?: string, with_: QueryRules = rules) {
  return parseQuery(parseQueryString(query), key, accept, with_);
}

function rejects(query: string, parameter: string, with_: QueryRules = rules) {
  assert.throws(
    () => parse(query, 'photos/cat.jpg', undefined, with_),
    (error: unknown) => {
      assert.ok(isImageError(error), String(error));
      assert.equal(error.status, 400);
      assert.match(error.message, new RegExp(`'${parameter}'|${parameter}`));
      return true;
    },
  );
}

const CHROME = 'image/avif,image/webp,image/apng,image/svg+xml,image/*,*/*;q=0.8';
const SAFARI =
  'image/webp,image/avif,image/jxl,image/heic,image/heic-sequence,video/*;q=0.8,image/png,image/svg+xml,image/*;q=0.8,*/*;q=0.5';
const FIREFOX = 'image/avif,image/webp,image/png,image/svg+xml,image/*;q=0.8,*/*;q=0.5';
const OLD_SAFARI = 'image/png,image/svg+xml,image/*;q=0.8,video/*;q=0.8,*/*;q=0.5';

describe('query parsing', () => {
  it('no transform parameter means the original', () => {
    assert.equal(parse(''), null);
    assert.equal(parse('utm_source=x&v=3'), null);
  });

  it('parses width, height, fit, format and quality with defaults', () => {
    assert.deepEqual(parse('width=400'), { width: 400, format: 'jpeg', quality: 80 });
    assert.deepEqual(parse('w=400&h=300&fit=contain&fm=webp&q=70'), {
      width: 400,
      height: 300,
      fit: 'contain',
      format: 'webp',
      quality: 70,
    });
    assert.deepEqual(parse('width=400&height=300'), {
      width: 400,
      height: 300,
      fit: 'cover',
      format: 'jpeg',
      quality: 80,
    });
    assert.deepEqual(parse('width=10', 'logo.png'), { width: 10, format: 'png' });
    assert.deepEqual(parse('format=avif'), { format: 'avif', quality: 50 });
    assert.deepEqual(
      parse('format=jpg&enlarge=true&width=5000', 'a.png', undefined, { ...rules, maxWidth: 5000 }),
      {
        width: 5000,
        format: 'jpeg',
        quality: 80,
        enlarge: true,
      },
    );
  });

  it('gives equal specs for equivalent requests', () => {
    const canonical = parse('width=400&format=webp');
    for (const query of [
      'format=webp&width=400',
      'w=400&fm=webp',
      'width=400&format=webp&quality=80',
      'width=400&format=WEBP&fit=inside',
      'width=200&dpr=2&format=webp',
      'width=400&format=webp&utm=1',
    ]) {
      assert.deepEqual(parse(query), canonical, query);
    }
  });

  it('applies dpr to both dimensions', () => {
    assert.deepEqual(parse('w=100&h=50&dpr=1.5&fm=png'), {
      width: 150,
      height: 75,
      fit: 'cover',
      format: 'png',
    });
  });

  it('rounds widths up to the allow-list and scales the height with them', () => {
    const allowList = { ...rules, allowedWidths: [320, 640, 1280] };
    assert.deepEqual(parse('width=500&fm=png', 'a.jpg', undefined, allowList), { width: 640, format: 'png' });
    assert.deepEqual(parse('width=320&height=100&fm=png', 'a.jpg', undefined, allowList), {
      width: 320,
      height: 100,
      fit: 'cover',
      format: 'png',
    });
    assert.deepEqual(parse('width=160&height=100&fm=png', 'a.jpg', undefined, allowList), {
      width: 320,
      height: 200,
      fit: 'cover',
      format: 'png',
    });
    rejects('width=1281', 'width', allowList);
  });

  const invalid: Array<[string, string]> = [
    ['width=400&width=500', 'width'],
    ['width=400&w=500', 'width'],
    ['width=', 'width'],
    ['width=abc', 'width'],
    ['width=0', 'width'],
    ['width=-5', 'width'],
    ['width=12.5', 'width'],
    ['width=1e3', 'width'],
    ['width=4097', 'width'],
    ['width=99999999999999999999', 'width'],
    ['height=4097', 'height'],
    ['width=2000&dpr=3', 'width'],
    ['dpr=0.5&width=10', 'dpr'],
    ['dpr=4&width=10', 'dpr'],
    ['dpr=two&width=10', 'dpr'],
    ['quality=0', 'quality'],
    ['quality=101', 'quality'],
    ['fit=stretch&width=1&height=1', 'fit'],
    ['format=bmp', 'format'],
    ['enlarge=maybe', 'enlarge'],
    ['width=%ZZ', 'query string'],
  ];
  for (const [query, parameter] of invalid) {
    it(`400 for ${query}`, () => rejects(query, parameter));
  }

  // issue 12: imgix's names this project does not implement are refused, not silently ignored.
  for (const name of ['mark', 'mark-align', 'txt', 'txt-size', 'blend-mode', 'mask', 'border', 'faces']) {
    it(`400 naming ${name} as not supported`, () => {
      rejects(`w=400&${name}=1`, name);
      assert.throws(() => parse(`w=400&${name}=1`), /is not supported/);
    });
  }

  it('still drops names outside imgix vocabulary (cache busters, utm_*), and reads auto', () => {
    assert.deepEqual(parse('w=400&v=3&cb=9&utm_source=x&maxage=1&padding=2'), parse('w=400'));
    assert.deepEqual(parse('w=400&auto=compress'), { width: 400, format: 'jpeg', quality: 60 });
  });

  it("reads imgix's fit spellings as sharp's fits, and refuses facearea", () => {
    const both = 'w=400&h=300&fit=';
    assert.deepEqual(parse(both + 'crop'), parse(both + 'cover'));
    assert.deepEqual(parse(both + 'clip'), parse(both + 'inside'));
    assert.deepEqual(parse(both + 'MAX'), parse(both + 'inside'));
    assert.deepEqual(parse(both + 'scale'), parse(both + 'fill'));
    rejects(both + 'facearea', 'fit');
  });

  it('bounds width × height by maxPixels', () => {
    const small = { ...rules, maxPixels: 1_000_000 };
    assert.throws(
      () => parse('width=2000&height=1000', 'a.jpg', undefined, small),
      (e: unknown) => isImageError(e) && e.code === 'too_many_pixels',
    );
    assert.ok(parse('width=1000&height=1000', 'a.jpg', undefined, small));
  });

  it('refuses avif when it is disabled', () =>
    rejects('format=avif', 'format', { ...rules, enableAvif: false }));

  it('gives an AVIF original PNG output when AVIF is disabled and no format is asked for', () => {
    const noAvif = { ...rules, enableAvif: false };
    const spec = parse('width=100', 'x.avif', undefined, noAvif);
    assert.deepEqual(spec, { width: 100, format: 'png' });
    assert.doesNotThrow(() => validateSpec(spec!, noAvif));
  });
});

describe('format negotiation', () => {
  it('picks AVIF for current Chrome, Safari and Firefox, WebP or the original elsewhere', () => {
    assert.equal(negotiateFormat(CHROME, 'a.jpg', true), 'avif');
    assert.equal(negotiateFormat(SAFARI, 'a.jpg', true), 'avif');
    assert.equal(negotiateFormat(FIREFOX, 'a.jpg', true), 'avif');
    assert.equal(negotiateFormat(CHROME, 'a.jpg', false), 'webp');
    assert.equal(negotiateFormat(OLD_SAFARI, 'a.jpg', true), 'jpeg');
    assert.equal(negotiateFormat('*/*', 'a.jpg', true), 'jpeg');
    assert.equal(negotiateFormat('*/*', 'a.png', true), 'png');
    assert.equal(negotiateFormat(undefined, 'a.webp', true), 'png');
  });

  it('keeps GIF animation: WebP when accepted, else GIF', () => {
    assert.equal(negotiateFormat(CHROME, 'a.gif', true), 'webp');
    assert.equal(negotiateFormat('*/*', 'a.gif', true), 'gif');
  });

  it('honours q=0 as refusal', () => {
    assert.equal(accepts('image/avif;q=0,image/webp', 'image/avif'), false);
    assert.equal(accepts('image/avif;q=0.5', 'image/avif'), true);
  });
});

describe('key scheme', () => {
  const specArb: fc.Arbitrary<ResizeSpec> = fc
    .record({
      width: fc.option(fc.integer({ min: 1, max: 4096 }), { nil: undefined }),
      height: fc.option(fc.integer({ min: 1, max: 4096 }), { nil: undefined }),
      fit: fc.constantFrom(...FITS),
      format: fc.constantFrom(...OUTPUT_FORMATS),
      quality: fc.integer({ min: 1, max: 100 }),
      enlarge: fc.boolean(),
    })
    .map((r) => {
      const spec: Record<string, unknown> = { format: r.format };
      if (r.width !== undefined) spec.width = r.width;
      if (r.height !== undefined) spec.height = r.height;
      if (r.width !== undefined && r.height !== undefined) spec.fit = r.fit;
      if (isLossy(r.format)) spec.quality = r.quality;
      // enlarge changes the image only when there is a size to resize to.
      if (r.enlarge && (r.width !== undefined || r.height !== undefined)) spec.enlarge = true;
      return spec as unknown as ResizeSpec;
    });
  const segmentArb = fc
    .stringMatching(/^[A-Za-z0-9 ._+()éü-]{1,20}$/)
    .filter((s) => s !== '.' && s !== '..' && !s.startsWith('_'));
  const keyArb = fc.array(segmentArb, { minLength: 1, maxLength: 4 }).map((segments) => segments.join('/'));

  it('parse(key(spec)) == spec for every canonical spec', () => {
    fc.assert(
      fc.property(keyArb, specArb, (originalKey, spec) => {
        assert.deepEqual(parseDerivativeKey(derivativeKey(originalKey, spec)), { originalKey, spec });
      }),
      { seed: 20261126, numRuns: 2000 },
    );
  });

  it('every canonical spec is canonical, and dropping enlarge without a size is what makes it so', () => {
    fc.assert(
      fc.property(specArb, (spec) => assert.ok(isCanonicalSpec(spec), JSON.stringify(spec))),
      { seed: 3, numRuns: 1000 },
    );
    assert.equal(isCanonicalSpec({ format: 'jpeg', quality: 80, enlarge: true }), false);
  });

  it('parses any query into a canonical spec whose key reads back to it', () => {
    const value = fc.constantFrom(
      '1',
      '0',
      'true',
      '80',
      '100',
      '400',
      '1.5',
      '2',
      'webp',
      'png',
      'gif',
      'jpg',
      'auto',
      'cover',
      'fill',
      'inside',
    );
    const name = fc.constantFrom(
      'w',
      'width',
      'h',
      'height',
      'fit',
      'fm',
      'format',
      'q',
      'quality',
      'dpr',
      'enlarge',
    );
    fc.assert(
      fc.property(fc.uniqueArray(fc.tuple(name, value), { maxLength: 6, selector: ([n]) => n }), (pairs) => {
        let spec: ResizeSpec | null;
        try {
          spec = parse(pairs.map(([n, v]) => `${n}=${v}`).join('&'), 'a.jpg', CHROME);
        } catch (error) {
          assert.ok(isImageError(error) && error.status === 400, String(error));
          return;
        }
        if (spec === null) return;
        assert.ok(isCanonicalSpec(spec), JSON.stringify(spec));
        assert.deepEqual(parseDerivativeKey(derivativeKey('a.jpg', spec)), { originalKey: 'a.jpg', spec });
      }),
      { seed: 11, numRuns: 5000 },
    );
  });

  it('gives enlarge without a size no key of its own (it would resize nothing)', () => {
    assert.deepEqual(parse('enlarge=1'), parse('format=jpeg'));
    assert.deepEqual(parse('enlarge=true&dpr=2&fit=fill'), { format: 'jpeg', quality: 80 });
    assert.deepEqual(parse('enlarge=1&w=10'), { width: 10, format: 'jpeg', quality: 80, enlarge: true });
    assert.deepEqual(parse('enlarge=1&h=10'), { height: 10, format: 'jpeg', quality: 80, enlarge: true });
  });

  it('query → spec → key → spec round-trips through the parser', () => {
    fc.assert(
      fc.property(specArb, (spec) => {
        const query = [
          spec.width !== undefined ? `w=${spec.width}` : '',
          spec.height !== undefined ? `h=${spec.height}` : '',
          spec.fit ? `fit=${spec.fit}` : '',
          `fm=${spec.format}`,
          spec.quality !== undefined ? `q=${spec.quality}` : '',
          spec.enlarge ? 'enlarge=1' : '',
        ].filter(Boolean);
        const parsed = parse(query.join('&'), 'a.jpg', undefined, { ...rules, maxPixels: 4096 * 4096 });
        assert.deepEqual(parsed, spec);
      }),
      { seed: 7, numRuns: 1000 },
    );
  });

  it('random query strings never throw anything but the typed 400', () => {
    const noise = fc.string({
      unit: fc.constantFrom(...'wWhHqfmtdpr=&%2e0123456789.-+_ ,;autowebpavifjpegcoverx'.split('')),
      maxLength: 60,
    });
    fc.assert(
      fc.property(
        fc.oneof(noise, fc.string({ maxLength: 60 }), fc.string({ unit: 'grapheme', maxLength: 30 })),
        fc.option(fc.string()),
        (query, accept) => {
          try {
            parse(query, 'a.jpg', accept ?? undefined);
          } catch (error) {
            assert.ok(isImageError(error), `non-typed error for ${JSON.stringify(query)}: ${String(error)}`);
            assert.equal(error.status, 400);
          }
        },
      ),
      { seed: 42, numRuns: 5000 },
    );
  });

  it('validates original keys', () => {
    for (const bad of [
      '',
      '/a.jpg',
      'a//b.jpg',
      'a/../b.jpg',
      './a.jpg',
      'a/',
      'a\u0000.jpg',
      'a\\b.jpg',
      'a\u007f',
      'x'.repeat(901),
      'a.jpg/_w400_q80.webp',
    ]) {
      assert.throws(
        () => validateOriginalKey(bad, 900),
        (e: unknown) => isImageError(e) && e.status === 400 && e.code === 'invalid_key',
        JSON.stringify(bad),
      );
    }
    for (const good of ['a.jpg', 'photos/2024/cat 1.jpg', 'ünï/cödé+plus.png', 'a.jpg/_notderivative.txt']) {
      assert.doesNotThrow(() => validateOriginalKey(good, 900), good);
    }
  });

  it('decodes URIs to keys and encodes keys canonically', () => {
    assert.equal(uriToKey('/photos/my%20cat%2B1.jpg'), 'photos/my cat+1.jpg');
    assert.equal(keyToUri('photos/my cat+1.jpg'), '/photos/my%20cat%2B1.jpg');
    assert.equal(keyToUri(uriToKey('/photos/%63at.jpg')), '/photos/cat.jpg');
    assert.throws(
      () => uriToKey('/%E0%A4%A'),
      (e: unknown) => isImageError(e) && e.code === 'invalid_key',
    );
  });

  it('rejects non-canonical derivative names', () => {
    for (const name of [
      '_w0400_q80.jpeg',
      '_q80_w400.jpeg',
      '_w400.jpeg',
      '_w400_q80.png',
      '_w400_h300_q80.jpeg',
      '_w400_cover_q80.jpeg',
      '_q101.jpeg',
      'w400_q80.jpeg',
      '_w400_q80.bmp',
      // Tokens that change nothing: enlarge without a size, fit with one side, quality for lossless.
      '_q80_up.jpeg',
      '_up.png',
      '_up.gif',
      '_h300_cover_q80.jpeg',
      '_w400_inside.png',
      '_q100.png',
      '_w400_q80_up_up.jpeg',
    ]) {
      assert.equal(parseDerivativeKey(`a.jpg/${name}`), null, name);
    }
  });

  it('validateSpec holds derivative URLs to the same rules', () => {
    assert.doesNotThrow(() => validateSpec({ width: 400, format: 'webp', quality: 80 }, rules));
    assert.throws(() => validateSpec({ width: 5000, format: 'webp', quality: 80 }, rules), /width/);
    assert.throws(
      () =>
        validateSpec({ width: 500, format: 'webp', quality: 80 }, { ...rules, allowedWidths: [320, 640] }),
      /width/,
    );
    assert.throws(
      () => validateSpec({ format: 'avif', quality: 50 }, { ...rules, enableAvif: false }),
      /avif/,
    );
  });
});
