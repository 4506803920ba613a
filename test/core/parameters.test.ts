import assert from 'node:assert/strict';

import fc from 'fast-check';

import { isImageError } from '../../functions/core/errors';
import { derivativeKey, derivativeName, isCanonicalSpec, parseDerivativeKey } from '../../functions/core/key';
import { PARAMETERS } from '../../functions/core/parameters';
import { parseQuery, parseQueryString, type RequestHeader } from '../../functions/core/params';
import { DEFAULT_RULES, type QueryRules } from '../../functions/core/rules';
import {
  canonicalize,
  CROPS,
  FITS,
  isLossy,
  type MutableSpec,
  OUTPUT_FORMATS,
  type ResizeSpec,
} from '../../functions/core/spec';

/** Issue 12: the parameters imgix users know, canonicalised into one key per output. */

const rules = DEFAULT_RULES;
const CHROME = 'image/avif,image/webp,image/apng,image/*,*/*;q=0.8';

function parse(
  query: string,
  options: { rules?: QueryRules; headers?: Record<string, string>; key?: string } = {},
) {
  const headers = options.headers ?? {};
  const header: RequestHeader = (name) => headers[name];
  return parseQuery(
    parseQueryString(query),
    options.key ?? 'a.jpg',
    headers.accept,
    options.rules ?? rules,
    header,
  );
}

function name(query: string, options: Parameters<typeof parse>[1] = {}) {
  return derivativeName(parse(query, options) as ResizeSpec);
}

function refuses(query: string, parameter: string, options: Parameters<typeof parse>[1] = {}) {
  assert.throws(
    () => parse(query, options),
    (error: unknown) => {
      assert.ok(isImageError(error) && error.status === 400, `${query}: ${String(error)}`);
      assert.match(error.message, new RegExp(`'${parameter}'`), query);
      return true;
    },
  );
}

describe('parameters (issue 12): parse and canonicalise', () => {
  it('spells each new operation as one token, in the table order', () => {
    assert.equal(
      name(
        'sat=-40&sharp=10&blur=20&bg=F00&pad=4&trim=auto&flip=hv&rot=90&fp-y=0.7&fp-x=0.3&crop=focalpoint&rect=1,2,300,200&w=100&h=50',
      ),
      '_w100_h50_cover_q80_rect1-2-300-200_crop-focalpoint_fx0.3_fy0.7_rot90_flip-hv_trim-auto_pad4_bg-ff0000_blur20_sharp10_sat-40.jpeg',
    );
  });

  it('gives one key to every spelling of one output', () => {
    const groups: string[][] = [
      ['w=100&h=100&crop=top,left', 'w=100&h=100&crop=left,top', 'w=100&h=100&crop=LEFT, top&fit=crop'],
      ['w=10&pad=2&bg=f00', 'w=10&pad=2&bg=FF0000', 'w=10&pad=2&bg=ffff0000', 'w=10&pad=2&bg=ff00'],
      ['w=10', 'w=10&rot=0', 'w=10&blur=0&sharp=0&sat=0&pad=0'],
      // A focal point at the centre is the default; one without crop=focalpoint changes nothing.
      ['w=10&h=10&crop=focalpoint', 'w=10&h=10&crop=focalpoint&fp-x=0.5&fp-y=0.500'],
      ['w=10&h=10', 'w=10&h=10&fp-x=0.2', 'w=10&h=10&fit=cover'],
      // crop needs the crop of fit=cover; bg needs something it paints (pad, contain bars, JPEG alpha).
      ['w=10&fm=png', 'w=10&crop=top&fm=png', 'w=10&bg=123&fm=png'],
      [
        'w=10&h=10&fit=inside&fm=png',
        'w=10&h=10&fit=inside&crop=top&fm=png',
        'w=10&h=10&fit=max&bg=abc&fm=png',
      ],
      ['format=auto', 'auto=format', 'auto=format,format'],
      ['fm=json', 'fm=json&w=100&blur=3', 'fm=JSON&rot=90&q=5'],
    ];
    for (const group of groups) {
      const names = group.map((query) => name(query, { headers: { accept: CHROME } }));
      assert.equal(new Set(names).size, 1, `${group.join(' | ')}: ${names.join(' | ')}`);
    }
  });

  it('refuses invalid values with a 400 naming the parameter', () => {
    const cases: [string, string][] = [
      ['rot=45', 'rot'],
      ['rot=360', 'rot'],
      ['flip=x', 'flip'],
      ['crop=top,bottom&w=1&h=1', 'crop'],
      ['crop=entropy,left&w=1&h=1', 'crop'],
      ['crop=faces&w=1&h=1', 'crop'],
      ['rect=1,2,3', 'rect'],
      ['rect=0,0,0,5', 'rect'],
      ['rect=-1,0,5,5', 'rect'],
      ['bg=ggg&pad=1', 'bg'],
      ['bg=12345&pad=1', 'bg'],
      ['pad=-1', 'pad'],
      ['pad=1001', 'pad'],
      ['blur=2001', 'blur'],
      ['blur=1.5', 'blur'],
      ['sat=-101', 'sat'],
      ['sharp=101', 'sharp'],
      ['fp-x=1.5&crop=focalpoint&w=1&h=1', 'fp-x'],
      ['fp-y=-0.1', 'fp-y'],
      ['trim=yes', 'trim'],
      ['auto=magic', 'auto'],
      ['fm=bmp', 'format'],
      ['preset=thumb', 'preset'],
      ['blur=1&blur=2', 'blur'],
      ['w=4000&pad=100', 'width'],
    ];
    for (const [query, parameter] of cases) refuses(query, parameter);
  });

  it('lowers the default quality by a quarter for auto=compress and Save-Data: on, never an explicit one', () => {
    assert.equal(parse('w=10&auto=compress')?.quality, 60);
    assert.equal(parse('w=10&fm=avif&auto=compress')?.quality, 38);
    assert.equal(parse('w=10', { headers: { 'save-data': 'on' } })?.quality, 60);
    assert.equal(parse('w=10', { headers: { 'save-data': 'off' } })?.quality, 80);
    assert.equal(parse('w=10&q=90', { headers: { 'save-data': 'on' } })?.quality, 90);
    assert.equal(parse('w=10&fm=png&auto=compress')?.quality, undefined);
  });

  it('lets fm win over auto=format', () => {
    assert.equal(parse('auto=format&fm=png', { headers: { accept: CHROME } })?.format, 'png');
    assert.equal(parse('auto=format', { headers: { accept: CHROME } })?.format, 'avif');
  });

  describe('presets', () => {
    const withPresets: QueryRules = {
      ...rules,
      presets: { thumb: { width: '200', height: '200', fit: 'cover', crop: 'edges' }, gray: { sat: '-100' } },
    };
    it('expands a preset into the key its parameters spell, explicit parameters overriding it', () => {
      assert.equal(name('preset=thumb', { rules: withPresets }), name('w=200&h=200&crop=edges'));
      assert.equal(
        name('preset=thumb&w=300&fm=webp', { rules: withPresets }),
        name('w=300&h=200&crop=edges&fm=webp'),
      );
      assert.equal(name('PRESET=gray&w=5', { rules: withPresets }), name('w=5&sat=-100'));
    });
    it('refuses an unknown preset, and names that only an object prototype has', () => {
      for (const preset of ['nope', '__proto__', 'constructor', 'toString'])
        refuses(`preset=${preset}`, 'preset', { rules: withPresets });
    });
  });

  describe('client hints', () => {
    const allowList: QueryRules = { ...rules, allowedWidths: [320, 640, 1280] };
    it('takes the width from Sec-CH-Width (device pixels) when the URL gives no side, rounded up to the allow-list', () => {
      assert.equal(
        parse('format=auto', { rules: allowList, headers: { 'sec-ch-width': '500' } })?.width,
        640,
      );
      assert.equal(parse('format=auto', { rules: allowList, headers: { width: '500' } })?.width, 640);
      // Capped by the viewport: 300 CSS px × dpr 2 = 600 device px.
      const capped = { 'sec-ch-width': '1000', 'sec-ch-viewport-width': '300', 'sec-ch-dpr': '2' };
      assert.equal(parse('format=auto', { rules: allowList, headers: capped })?.width, 640);
      // Beyond the allow-list: its largest width, never a 400.
      assert.equal(
        parse('format=auto', { rules: allowList, headers: { 'sec-ch-width': '9000' } })?.width,
        1280,
      );
      // Without an allow-list: up to a multiple of 100, at most maxWidth.
      assert.equal(parse('format=auto', { headers: { 'sec-ch-width': '411' } })?.width, 500);
      assert.equal(parse('format=auto', { headers: { 'sec-ch-width': '99999' } })?.width, rules.maxWidth);
    });
    it('applies the DPR hint to the URL’s sides when it gives no dpr, rounded up to a half and capped', () => {
      assert.equal(parse('w=200', { headers: { 'sec-ch-dpr': '2' } })?.width, 400);
      assert.equal(parse('w=200', { headers: { dpr: '1.3' } })?.width, 300);
      assert.equal(parse('w=200', { headers: { 'sec-ch-dpr': '7' } })?.width, 200 * rules.maxDpr);
      assert.equal(parse('w=200&dpr=1', { headers: { 'sec-ch-dpr': '3' } })?.width, 200);
      assert.equal(parse('w=200', { rules: allowList, headers: { 'sec-ch-dpr': '2' } })?.width, 640);
    });
    it('leaves the URL’s width alone, asks nothing of an original, and never 400s on a junk hint', () => {
      assert.equal(parse('w=100', { headers: { 'sec-ch-width': '900' } })?.width, 100);
      assert.equal(parse('', { headers: { 'sec-ch-width': '900' } }), null);
      for (const junk of ['', 'abc', '-5', '0', '1e400', 'NaN', '  ', '3;q=1'])
        assert.doesNotThrow(
          () => parse('h=10&fm=png', { headers: { 'sec-ch-dpr': junk, 'sec-ch-width': junk } }),
          junk,
        );
    });
  });
});

/** Any canonical spec over the whole space the table spells. */
const canonicalSpecArb: fc.Arbitrary<ResizeSpec> = fc
  .record(
    {
      width: fc.integer({ min: 1, max: 4096 }),
      height: fc.integer({ min: 1, max: 4096 }),
      fit: fc.constantFrom(...FITS),
      format: fc.constantFrom(...OUTPUT_FORMATS),
      quality: fc.integer({ min: 1, max: 100 }),
      enlarge: fc.constant(true),
      rect: fc.tuple(
        fc.integer({ min: 0, max: 99_999 }),
        fc.integer({ min: 0, max: 99_999 }),
        fc.integer({ min: 1, max: 99_999 }),
        fc.integer({ min: 1, max: 99_999 }),
      ),
      crop: fc.constantFrom(
        'top',
        'bottom',
        'left',
        'right',
        'top,left',
        'top,right',
        'bottom,left',
        'bottom,right',
        ...CROPS.slice(4),
      ),
      fpx: fc.integer({ min: 0, max: 1000 }).map((n) => n / 1000),
      fpy: fc.integer({ min: 0, max: 1000 }).map((n) => n / 1000),
      rot: fc.constantFrom(90, 180, 270),
      flip: fc.constantFrom('h' as const, 'v' as const, 'hv' as const),
      trim: fc.constant('auto' as const),
      pad: fc.integer({ min: 1, max: 1000 }),
      bg: fc.oneof(
        fc.stringMatching(/^[0-9a-f]{6}$/),
        fc.stringMatching(/^([0-9a-e][0-9a-f]|f[0-9a-e])[0-9a-f]{6}$/),
      ),
      blur: fc.integer({ min: 1, max: 2000 }),
      sharp: fc.integer({ min: 1, max: 100 }),
      sat: fc.integer({ min: -100, max: 100 }).filter((n) => n !== 0),
    },
    { requiredKeys: ['format'] },
  )
  .map((drawn) => {
    const spec = { ...drawn } as MutableSpec;
    if (isLossy(spec.format) && spec.quality === undefined) spec.quality = 80;
    return canonicalize(spec);
  });

describe('parameters: one key per output, over the whole space (issue 12)', () => {
  it('parse(key(spec)) == spec for every canonical spec', () => {
    fc.assert(
      fc.property(canonicalSpecArb, (spec) => {
        assert.ok(isCanonicalSpec(spec), JSON.stringify(spec));
        assert.deepEqual(parseDerivativeKey(derivativeKey('photos/a.jpg', spec)), {
          originalKey: 'photos/a.jpg',
          spec,
        });
      }),
      { seed: 1212, numRuns: 5000 },
    );
  });

  it('query(spec) parses back to spec: the key spells a request the viewer would canonicalise to it', () => {
    const permissive: QueryRules = { ...rules, maxWidth: 999_999, maxHeight: 999_999, maxPixels: Infinity };
    fc.assert(
      fc.property(canonicalSpecArb, (spec) => {
        const pairs: string[] = [`fm=${spec.format}`];
        for (const entry of PARAMETERS) {
          const value = (spec as unknown as Record<string, unknown>)[entry.field];
          if (entry.token !== null && value !== undefined)
            pairs.push(`${entry.names[0]}=${encodeURIComponent(String(value))}`);
        }
        assert.deepEqual(parse(pairs.join('&'), { rules: permissive }), spec, pairs.join('&'));
      }),
      { seed: 1213, numRuns: 3000 },
    );
  });

  it('random queries over the new names give a canonical spec whose key reads back, or a typed 400', () => {
    const names = fc.constantFrom(...PARAMETERS.flatMap((entry) => entry.names), 'mark', 'utm_source');
    const values = fc.constantFrom(
      '0',
      '1',
      '0.5',
      '90',
      '-50',
      'h',
      'hv',
      'top,left',
      'entropy',
      'focalpoint',
      'f00',
      '10,10,20,20',
      'auto',
      'format,compress',
      'webp',
      'json',
      'cover',
      'contain',
      'true',
      '2000',
    );
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.tuple(names, values), { maxLength: 8, selector: ([n]) => n }),
        (pairs) => {
          let spec: ResizeSpec | null;
          try {
            spec = parse(pairs.map(([n, v]) => `${n}=${v}`).join('&'), { headers: { accept: CHROME } });
          } catch (error) {
            assert.ok(isImageError(error) && error.status === 400, String(error));
            return;
          }
          if (spec === null) return;
          assert.deepEqual(parseDerivativeKey(derivativeKey('a.jpg', spec)), { originalKey: 'a.jpg', spec });
        },
      ),
      { seed: 1214, numRuns: 5000 },
    );
  });

  it('refuses a derivative key past S3’s 1,024 bytes with a 400, rather than storing what S3 refuses', () => {
    const spec = parse(
      'w=100&h=100&crop=focalpoint&fp-x=0.123&fp-y=0.456&rect=99999,99999,99999,99999&rot=270&flip=hv&pad=1000&bg=12345678&blur=2000&sharp=100&sat=-100',
    ) as ResizeSpec;
    const longKey = 'k'.repeat(986 - 1) + '.jpg';
    assert.throws(
      () => derivativeKey(longKey, spec),
      (error: unknown) => isImageError(error) && error.code === 'invalid_key',
    );
    assert.doesNotThrow(() => derivativeKey(longKey, parse('w=999') as ResizeSpec));
  });
});

describe('cost guard (issue 12): hints cannot fragment the cache', () => {
  it('keeps the keys one URL can reach to the allow-list × formats × Save-Data, whatever the hints', () => {
    const allowList: QueryRules = { ...rules, allowedWidths: [320, 640, 960, 1280, 1920] };
    const keys = new Set<string>();
    const accepts = [CHROME, 'image/webp,*/*', '*/*'];
    for (let width = 1; width <= 4000; width += 7)
      for (const dpr of ['1', '1.25', '2', '2.625', '3', '4'])
        for (const viewport of [undefined, '360', '1440'])
          for (const saveData of [undefined, 'on'])
            for (const accept of accepts) {
              const headers: Record<string, string> = {
                accept,
                'sec-ch-width': String(width),
                'sec-ch-dpr': dpr,
              };
              if (viewport) headers['sec-ch-viewport-width'] = viewport;
              if (saveData) headers['save-data'] = saveData;
              keys.add(name('format=auto', { rules: allowList, headers }));
            }
    // 5 widths × 3 formats × 2 qualities.
    assert.ok(keys.size <= 5 * 3 * 2, `${keys.size} keys: ${[...keys].join(' ')}`);
  });

  it('without an allow-list, keeps them to widths in steps of 100 and dpr in steps of a half', () => {
    const hinted = new Set<string>();
    for (let width = 1; width <= 6000; width += 3)
      hinted.add(name('format=webp', { headers: { 'sec-ch-width': String(width) } }));
    // 100, 200, … 4000, and maxWidth (4096) for every hint above 4000.
    assert.equal(hinted.size, 41, [...hinted].join(' '));
    const scaled = new Set<string>();
    for (let dpr = 0.5; dpr <= 6; dpr += 0.01)
      scaled.add(name('w=300&fm=webp', { headers: { 'sec-ch-dpr': dpr.toFixed(2) } }));
    // dpr 1, 1.5, 2, 2.5 and 3 (maxDpr).
    assert.deepEqual([...scaled].sort(), [
      '_w300_q80.webp',
      '_w450_q80.webp',
      '_w600_q80.webp',
      '_w750_q80.webp',
      '_w900_q80.webp',
    ]);
  });

  it('keeps the keys an explicit width with any DPR hint reaches to the allow-list', () => {
    const allowList: QueryRules = { ...rules, allowedWidths: [320, 640, 960, 1280, 1920] };
    const keys = new Set<string>();
    for (let dpr = 0.5; dpr <= 6; dpr += 0.01)
      keys.add(name('w=300&fm=webp', { rules: allowList, headers: { 'sec-ch-dpr': dpr.toFixed(2) } }));
    assert.ok(keys.size <= 5, [...keys].join(' '));
  });
});
