import assert from 'node:assert/strict';

import fc from 'fast-check';

import { keyToUri, parseDerivativeKey, uriToKey, validateOriginalKey } from '../../functions/core/key';
import { validateSpec } from '../../functions/core/params';
import { DEFAULT_RULES, type QueryRules } from '../../functions/core/rules';
import { isLossy, type OutputFormat } from '../../functions/core/spec';
import { buildViewerFunction } from '../../functions/viewer/build';
import type { ViewerEvent } from '../../functions/viewer/viewer-request';
import { isViewerResponse, loadViewerFunction, type ViewerOutcome } from '../../local/viewer-sandbox';
import { documentedViewerEvent } from '../support/viewer-event';

/**
 * Fuzzing the on-demand path's front door: the built viewer-request artifact, run in the vm sandbox
 * the way CloudFront runs it, gets tens of thousands of random and adversarial URLs. Whatever it is
 * given, it must answer a 4xx, the original untouched, or a canonical derivative key that stays inside
 * the originals' key space.
 */

const ORIGINALS = 'originals-origin';
const SEED = 20261126;

type QueryString = ViewerEvent['request']['querystring'];

function viewerEvent(uri: string, querystring: QueryString, accept?: string): ViewerEvent {
  return documentedViewerEvent(uri, querystring, accept === undefined ? {} : { accept: { value: accept } });
}

// eslint-disable-next-line no-control-regex -- the point is to find control characters
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

/** A key in the originals' key space: relative, no empty, `.` or `..` segment, no control character. */
function assertInsideKeySpace(key: string) {
  assert.ok(key.length > 0, `empty key`);
  assert.notEqual(key.charAt(0), '/', `leading slash in ${JSON.stringify(key)}`);
  assert.doesNotMatch(key, CONTROL, `control character in ${JSON.stringify(key)}`);
  assert.ok(!key.includes('\\'), `backslash in ${JSON.stringify(key)}`);
  for (const segment of key.split('/')) {
    assert.ok(
      segment !== '' && segment !== '.' && segment !== '..',
      `segment ${JSON.stringify(segment)} in ${JSON.stringify(key)}`,
    );
  }
}

type Kind = 'rejected' | 'original' | 'derivative';

/**
 * The fuzzing invariants for one request and the function's answer; returns what kind of answer it was.
 * A rewritten request must carry a canonical URI (keyToUri(uriToKey(uri)) === uri), no query string, and
 * must address the very original the viewer asked for.
 */
function checkOutcome(rules: QueryRules, event: ViewerEvent, outcome: ViewerOutcome): Kind {
  const { result, originId } = outcome;
  // fast-check reports the whole failing event with any failure, so messages name only what broke.
  if (isViewerResponse(result)) {
    assert.ok(result.statusCode >= 400 && result.statusCode < 500, `status ${result.statusCode}`);
    assert.equal(typeof result.body.data, 'string');
    assert.ok(result.body.data.length > 0 && result.body.data.length < 300, 'a short plain message');
    assert.match(result.headers['content-type']?.value ?? '', /^text\/plain/);
    return 'rejected';
  }
  assert.deepEqual(result.querystring, {}, `query string kept`);
  const key = uriToKey(result.uri);
  assert.equal(keyToUri(key), result.uri, `non-canonical URI ${result.uri}`);
  assertInsideKeySpace(key);
  const asked = uriToKey(event.request.uri);
  if (originId === ORIGINALS) {
    assert.equal(parseDerivativeKey(key), null, `original origin given a derivative key`);
    validateOriginalKey(key, rules.maxKeyBytes);
    assert.equal(key, asked, `original request rewritten to another key`);
    return 'original';
  }
  assert.equal(originId, undefined, `unexpected origin ${originId}`);
  const parsed = parseDerivativeKey(key);
  assert.ok(parsed, `rewritten to a non-derivative key ${JSON.stringify(key)}`);
  validateOriginalKey(parsed.originalKey, rules.maxKeyBytes);
  assertInsideKeySpace(parsed.originalKey);
  validateSpec(parsed.spec, rules);
  // Either a canonical derivative URL served as it is, or a derivative of exactly the original asked for.
  if (parseDerivativeKey(asked)) assert.equal(key, asked, `derivative URL changed`);
  else assert.equal(parsed.originalKey, asked, `derivative of another original`);
  return 'derivative';
}

// ---- Arbitraries: URIs ----

const hexByte = fc
  .tuple(fc.integer({ min: 0, max: 255 }), fc.boolean())
  .map(([b, upper]) => '%' + (upper ? b.toString(16).toUpperCase() : b.toString(16)).padStart(2, '0'));

const TRICKS = [
  '.',
  '..',
  '...',
  '%2e',
  '%2e%2e',
  '%2E%2E',
  '.%2e',
  '%2e.',
  '%252e%252e',
  '%25',
  '%c0%ae%c0%ae',
  '%00',
  '\u0000',
  '%0a',
  '%0d%0a',
  '\t',
  '%09',
  '%7f',
  '%c2%85',
  '%c2%9f',
  '%2f',
  '%2F',
  '%2f%2e%2e%2f',
  '%5c',
  '\\',
  '..%5c',
  '%3f',
  '?',
  '%23',
  '#',
  ';',
  '..;',
  '%',
  '%2',
  '%zz',
  '%%32%65',
  '%E2%82',
  '%ED%A0%80',
  '%F4%90%80%80',
  '%FF',
  '\uD800',
  '\uDC00x',
  '%e2%80%ae',
  '%ef%bc%8f',
  '%ef%bc%8e%ef%bc%8e',
  '\u2028',
  '\u202e',
  ' ',
  '+',
  '%20',
  '_w400_q80.webp',
  '_w400_h300_cover_q80.jpeg',
  '_w99999999_q80.webp',
  '_.png',
  '_w400.png',
  '_q80.webp',
  'cat.jpg',
];

const segmentPiece = fc.oneof(
  { weight: 8, arbitrary: fc.stringMatching(/^[a-z0-9][a-z0-9_-]{0,10}$/) },
  { weight: 4, arbitrary: fc.constantFrom(...TRICKS) },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 5 }) },
  {
    weight: 2,
    arbitrary: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 5 }).map(encodeURIComponent),
  },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 4 }) },
  { weight: 1, arbitrary: fc.array(hexByte, { minLength: 1, maxLength: 6 }).map((bytes) => bytes.join('')) },
);

const segment = fc.array(segmentPiece, { minLength: 0, maxLength: 3 }).map((pieces) => pieces.join(''));

const EXTENSIONS = ['.jpg', '.jpeg', '.JPG', '.png', '.webp', '.gif', '.avif', '.svg', '.tif', '', '.'];

const ordinaryUri = fc
  .tuple(
    fc.constantFrom('/', '/', '/', '/', '//', '', '/./', '/%2e%2e/', '\\', '%2f', '/%2F'),
    fc.array(fc.tuple(segment, fc.constantFrom('/', '/', '/', '//', '/./', '/../', '%2f')), {
      minLength: 0,
      maxLength: 5,
    }),
    segment,
    fc.constantFrom(...EXTENSIONS),
    fc.option(
      fc.constantFrom(...TRICKS.filter((t) => t.startsWith('_'))).map((name) => '/' + name),
      {
        freq: 4,
      },
    ),
  )
  .map(
    ([prefix, parts, last, ext, derivative]) =>
      prefix + parts.map(([s, sep]) => s + sep).join('') + last + ext + (derivative ?? ''),
  );

/** Very long URIs: around the key-length limit (in bytes, not characters) and up to 8 KB and beyond. */
const longUri = fc
  .tuple(
    fc.constantFrom('a', 'é', '%C3%A9', '€', '😀', '%F0%9F%98%80', 'ab/', '../', '%2e%2e/', '/'),
    fc.oneof(fc.integer({ min: 100, max: 1000 }), fc.integer({ min: 7_000, max: 9_000 })),
    fc.constantFrom('.jpg', '.png', '/_w400_q80.webp', ''),
  )
  .map(([unit, length, tail]) => {
    const body = unit.repeat(Math.ceil(length / unit.length)).slice(0, length);
    return '/photos/' + body + tail;
  });

/** Plausible paths (ASCII or Unicode names, raw or percent-encoded), so many requests get past the key checks. */
const plausibleSegment = fc.oneof(
  { weight: 4, arbitrary: fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9 ._+-]{0,12}$/).map(encodeURIComponent) },
  {
    weight: 2,
    arbitrary: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 6 }).map(encodeURIComponent),
  },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 6 }) },
);
const plausibleUri = fc
  .tuple(
    fc.array(plausibleSegment, { minLength: 0, maxLength: 3 }),
    plausibleSegment,
    fc.constantFrom(...EXTENSIONS),
  )
  .map(([dirs, name, ext]) => '/' + dirs.map((d) => d + '/').join('') + name + ext);

const uriArb = fc.oneof(
  { weight: 5, arbitrary: ordinaryUri },
  { weight: 4, arbitrary: plausibleUri },
  { weight: 1, arbitrary: longUri },
);

// ---- Arbitraries: query strings ----

const KNOWN_NAMES = [
  'width',
  'w',
  'W',
  'Width',
  'height',
  'h',
  'fit',
  'format',
  'fm',
  'FM',
  'quality',
  'q',
  'dpr',
  'enlarge',
  '%77',
  'wid%74h',
  'w%00',
  'w ',
  '__proto__',
  'constructor',
  'hasOwnProperty',
  'toString',
  'prototype',
  'utm_source',
  's',
  '',
  '%',
  '%zz',
  'w%ED%A0%80',
];

const nameArb = fc.oneof(
  { weight: 8, arbitrary: fc.constantFrom(...KNOWN_NAMES) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 8 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 4 }) },
);

const NUMBERS = [
  '0',
  '1',
  '-1',
  '+400',
  ' 400',
  '400 ',
  '400.0',
  '4e2',
  '0x10',
  '0400',
  '0000000000400',
  '4096',
  '4097',
  '1000000',
  '999999999',
  '9999999999',
  '99999999999999999999999999999999',
  '1e308',
  'Infinity',
  'NaN',
  '１００',
  '%34%30%30',
  '400%00',
  '400&w=1',
  '1.5',
  '3',
  '3.001',
  '2.999',
  '00000000000000000000000000000000002',
];

const ENUMS = [
  'auto',
  'AUTO',
  'webp',
  'WebP',
  'jpeg',
  'jpg',
  'png',
  'gif',
  'avif',
  'svg',
  'tiff',
  'cover',
  'contain',
  'inside',
  'outside',
  'fill',
  'true',
  'false',
  'TRUE',
  '1',
  '0',
  'yes',
];

const valueArb = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: 1, max: 5000 }).map(String) },
  { weight: 3, arbitrary: fc.constantFrom(...NUMBERS) },
  { weight: 1, arbitrary: fc.bigInt({ min: 0n, max: 10n ** 40n }).map(String) },
  { weight: 4, arbitrary: fc.constantFrom(...ENUMS) },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 300 }).map((n) => (n / 100).toString()) },
  { weight: 1, arbitrary: fc.constantFrom(...TRICKS) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 10 }) },
  { weight: 1, arbitrary: fc.array(hexByte, { maxLength: 6 }).map((bytes) => bytes.join('')) },
  { weight: 1, arbitrary: fc.constant('') },
);

/** CloudFront's shape: `value` is the first value; a repeated name also lists every value in multiValue. */
const entryArb = fc.oneof(
  { weight: 5, arbitrary: valueArb.map((value) => ({ value })) },
  {
    weight: 1,
    arbitrary: fc.array(valueArb, { minLength: 1, maxLength: 4 }).map((values) => ({
      value: values[0] as string,
      multiValue: values.map((value) => ({ value })),
    })),
  },
  {
    weight: 1,
    arbitrary: fc.array(valueArb, { maxLength: 3 }).map((values) => ({
      value: values[0] ?? '',
      multiValue: values.map((value) => ({ value })),
    })),
  },
);

const ordinaryQuery = fc.dictionary(nameArb, entryArb, { maxKeys: 6, noNullPrototype: true });

/** Hundreds of parameters, or 8 KB values. */
const hugeQuery = fc.oneof(
  fc.integer({ min: 50, max: 200 }).map((count) => {
    const query: QueryString = {};
    for (let i = 0; i < count; i++) query['p' + i] = { value: String(i) };
    query.w = { value: '400' };
    return query;
  }),
  fc
    .tuple(
      fc.constantFrom(...KNOWN_NAMES),
      fc.constantFrom('9', '%41', 'é', 'a', '4'),
      fc.integer({ min: 7000, max: 9000 }),
    )
    .map(
      ([name, unit, length]) => ({ [name]: { value: unit.repeat(length).slice(0, length) } }) as QueryString,
    ),
);

/** Mostly valid transforms, so the rewrite branch is exercised as hard as the refusals. */
const plausibleQuery = fc
  .record(
    {
      w: fc.integer({ min: 1, max: 4096 }).map(String),
      h: fc.integer({ min: 1, max: 4096 }).map(String),
      fit: fc.constantFrom('cover', 'contain', 'inside', 'outside', 'fill'),
      fm: fc.constantFrom('auto', 'webp', 'jpeg', 'jpg', 'png', 'gif', 'avif', 'AVIF'),
      q: fc.integer({ min: 1, max: 100 }).map(String),
      dpr: fc.constantFrom('1', '1.5', '2', '3'),
      enlarge: fc.constantFrom('true', 'false', '1', '0'),
      utm_source: fc.string({ unit: 'grapheme', maxLength: 6 }).map(encodeURIComponent),
    },
    { requiredKeys: [] },
  )
  .map((picked) => {
    const query: QueryString = {};
    for (const [name, value] of Object.entries(picked)) query[name] = { value: value as string };
    return query;
  });

const queryArb = fc.oneof(
  { weight: 10, arbitrary: ordinaryQuery },
  { weight: 9, arbitrary: plausibleQuery },
  { weight: 1, arbitrary: hugeQuery },
);

const acceptArb = fc.option(
  fc.oneof(
    fc.constantFrom(
      'image/avif,image/webp,*/*',
      'image/webp,*/*;q=0.8',
      'image/avif;q=0,image/webp',
      '*/*',
      '',
      'image/*',
      'IMAGE/AVIF',
    ),
    fc.string({ unit: 'grapheme', maxLength: 20 }),
    fc.constant('image/webp,'.repeat(800)),
  ),
  { nil: undefined },
);

const eventArb = fc
  .tuple(uriArb, queryArb, acceptArb)
  .map(([uri, query, accept]) => viewerEvent(uri, query, accept));

describe('viewer-request fuzzing (built artifact in the vm sandbox)', function () {
  this.timeout(120_000);

  const rules = DEFAULT_RULES;
  const run = loadViewerFunction(
    buildViewerFunction({ rules, originalsOriginId: ORIGINALS, errorMaxAge: 60 }),
  );

  it('answers hand-picked traversal and encoding attacks with a 400', () => {
    const hostile = [
      '/%2e%2e/%2e%2e/etc/passwd',
      '/photos/%2e%2e/secret.jpg',
      '/photos/%2E%2E%2Fsecret.jpg',
      '/photos/..%2fsecret.jpg',
      '/photos//cat.jpg',
      '//cat.jpg',
      '/photos/./cat.jpg',
      '/photos/cat.jpg%00.png',
      '/photos/cat%0a.jpg',
      '/photos/cat%c2%85.jpg',
      '/photos\\cat.jpg',
      '/photos/cat.jpg/',
      '/',
      '',
      'photos/cat.jpg',
      '/photos/%E2%82.jpg',
      '/photos/%ED%A0%80.jpg',
      '/photos/\uD800.jpg',
      '/photos/' + 'a'.repeat(8192) + '.jpg',
      '/photos/cat.jpg/_w400_q80.webp/_w200_q80.webp',
    ];
    for (const uri of hostile) {
      const { result } = run(viewerEvent(uri, { w: { value: '400' } }));
      assert.ok(isViewerResponse(result), `${JSON.stringify(uri)} got through as ${JSON.stringify(result)}`);
      assert.equal(result.statusCode, 400, uri);
    }
    const params: QueryString[] = [
      { w: { value: '99999999999999999999' } },
      { w: { value: '400', multiValue: [{ value: '400' }, { value: '800' }] } },
      { w: { value: '400' }, W: { value: '400' } },
      { w: { value: '400' }, width: { value: '400' } },
      { w: { value: '%ZZ' } },
      { w: { value: '' } },
      { dpr: { value: '1e3' }, w: { value: '10' } },
      { fm: { value: 'svg' } },
    ];
    for (const query of params) {
      const { result } = run(viewerEvent('/photos/cat.jpg', query));
      assert.ok(
        isViewerResponse(result),
        `${JSON.stringify(query)} got through as ${JSON.stringify(result)}`,
      );
      assert.equal(result.statusCode, 400, JSON.stringify(query));
    }
  });

  it('keeps its invariants over 20,000 random and adversarial requests', () => {
    const counts: Record<Kind, number> = { rejected: 0, original: 0, derivative: 0 };
    let longUris = 0;
    const started = Date.now();
    fc.assert(
      fc.property(eventArb, (event) => {
        if (event.request.uri.length >= 7000) longUris++;
        const outcome = run(event); // a throw here (or a vm timeout) fails the property
        counts[checkOutcome(rules, event, outcome)]++;
      }),
      { seed: SEED, numRuns: 20_000, endOnFailure: true },
    );
    const total = counts.rejected + counts.original + counts.derivative;
    assert.equal(total, 20_000);
    // The generators must exercise every branch, not just bounce everything off a 400.
    assert.ok(counts.rejected > 2000, JSON.stringify(counts));
    assert.ok(counts.original > 500, JSON.stringify(counts));
    assert.ok(counts.derivative > 2000, JSON.stringify(counts));
    assert.ok(longUris > 200, `${longUris} URIs of 7 KB or more`);
    console.log(`      fuzz: ${total} requests in ${Date.now() - started} ms, ${JSON.stringify(counts)}`);
  });
});

describe('cost guard: the width allow-list bounds the derivatives of one original', function () {
  this.timeout(60_000);

  const ALLOWED = [64, 128, 256, 384, 640, 750, 828, 1080, 1200, 1920, 2048, 3840];
  const rules: QueryRules = { ...DEFAULT_RULES, allowedWidths: ALLOWED };
  const run = loadViewerFunction(
    buildViewerFunction({ rules, originalsOriginId: ORIGINALS, errorMaxAge: 60 }),
  );
  /** What the test lets vary besides the width: these formats and qualities, and enlarge. */
  const FORMATS: OutputFormat[] = ['webp', 'jpeg', 'avif'];
  const QUALITIES = ['60', '80'];

  it('maps 10,000 random widths and other parameters to at most |widths| × formats × qualities × 2 keys', () => {
    // Reachable qualities per format: the ones asked for, plus the default when none is given.
    let bound = 0;
    for (const format of FORMATS) {
      const qualities = new Set(QUALITIES.map(Number));
      if (isLossy(format)) qualities.add(rules.defaultQuality[format as 'webp']);
      bound += ALLOWED.length * qualities.size * 2; // × enlarge on/off
    }

    const widthValue = fc.oneof(
      { weight: 12, arbitrary: fc.integer({ min: 1, max: 1300 }) },
      { weight: 4, arbitrary: fc.integer({ min: 1, max: 4096 }) },
      { weight: 2, arbitrary: fc.integer({ min: 1, max: 1_000_000 }) },
      { weight: 1, arbitrary: fc.integer({ min: 1, max: 2 ** 31 }) },
    );
    const request = fc.record({
      width: widthValue,
      widthName: fc.constantFrom('w', 'width', 'W', 'Width'),
      dpr: fc.option(fc.constantFrom('1', '1.5', '2', '2.625', '3', '4'), { nil: undefined, freq: 2 }),
      format: fc.constantFrom(...FORMATS, 'WEBP', 'jpg', 'auto'),
      accept: fc.constantFrom('image/avif,image/webp,*/*', 'image/webp,*/*', '*/*'),
      quality: fc.option(fc.constantFrom(...QUALITIES), { nil: undefined }),
      fit: fc.option(fc.constantFrom('cover', 'contain', 'inside'), { nil: undefined }),
      enlarge: fc.option(fc.constantFrom('true', 'false', '1', '0'), { nil: undefined }),
      noise: fc.dictionary(fc.stringMatching(/^(utm_|x)[a-z]{1,6}$/), fc.string({ maxLength: 8 }), {
        maxKeys: 3,
        noNullPrototype: true,
      }),
      direct: fc.integer({ min: 0, max: 9 }),
    });

    const keys = new Set<string>();
    const widths = new Set<number>();
    let rejected = 0;
    let passedThrough = 0;
    let runs = 0;
    fc.assert(
      fc.property(request, (r) => {
        runs++;
        let event: ViewerEvent;
        if (r.direct === 0) {
          // Asking for a canonical derivative URL directly, with any width at all.
          const quality = r.quality ?? '80';
          event = viewerEvent(`/photos/cat.jpg/_w${r.width}_q${quality}.webp`, {});
        } else {
          const query: QueryString = {};
          for (const [name, value] of Object.entries(r.noise)) query[name] = { value };
          query[r.widthName] = { value: String(r.width) };
          if (r.dpr !== undefined) query.dpr = { value: r.dpr };
          query.fm = { value: r.format };
          if (r.quality !== undefined) query.q = { value: r.quality };
          if (r.fit !== undefined) query.fit = { value: r.fit };
          if (r.enlarge !== undefined) query.enlarge = { value: r.enlarge };
          event = viewerEvent('/photos/cat.jpg', query, r.accept);
        }
        const outcome = run(event);
        const kind = checkOutcome(rules, event, outcome);
        if (kind === 'rejected') {
          rejected++;
          return;
        }
        if (kind === 'original') {
          // `_w2147483647_q80.webp` is no canonical name (widths have at most 6 digits): it is an
          // original's key, passed through untouched, and makes no derivative.
          assert.equal(r.direct, 0);
          assert.ok(r.width > 999_999, `width ${r.width} read as an original`);
          passedThrough++;
          return;
        }
        assert.equal(kind, 'derivative');
        const key = uriToKey((outcome.result as { uri: string }).uri);
        const parsed = parseDerivativeKey(key);
        assert.ok(parsed && parsed.originalKey === 'photos/cat.jpg', key);
        assert.ok(ALLOWED.includes(parsed.spec.width as number), `width ${parsed.spec.width} not allowed`);
        assert.ok(FORMATS.includes(parsed.spec.format), parsed.spec.format);
        widths.add(parsed.spec.width as number);
        keys.add(key);
      }),
      { seed: SEED + 1, numRuns: 10_000, endOnFailure: true },
    );
    assert.equal(runs, 10_000);
    assert.ok(keys.size <= bound, `${keys.size} distinct keys, over the bound of ${bound}`);
    // Not vacuous: most requests were answered, and every allowed width was reached.
    assert.ok(rejected + passedThrough < 5_000, `${rejected} rejected, ${passedThrough} passed through`);
    assert.deepEqual(
      [...widths].sort((a, b) => a - b),
      ALLOWED,
    );
    console.log(
      `      cost guard: 10000 requests → ${keys.size} keys (bound ${bound}), ${rejected} rejected`,
    );
  });

  it('without an allow-list, the same requests spread over far more keys (the guard is what bounds them)', () => {
    const open = loadViewerFunction(
      buildViewerFunction({ rules: DEFAULT_RULES, originalsOriginId: ORIGINALS, errorMaxAge: 60 }),
    );
    const keys = new Set<string>();
    for (const width of fc.sample(fc.integer({ min: 1, max: 4096 }), { seed: SEED + 2, numRuns: 2_000 })) {
      const { result } = open(
        viewerEvent('/photos/cat.jpg', { w: { value: String(width) }, fm: { value: 'webp' } }),
      );
      if (!isViewerResponse(result)) keys.add(result.uri);
    }
    assert.ok(keys.size > 1_000, `${keys.size} keys`);
  });
});
