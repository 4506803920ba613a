import assert from 'node:assert/strict';

import fc from 'fast-check';

import { DEFAULT_RULES } from '../../functions/core/rules';
import { signUrl } from '../../functions/signing/sign-url';
import { buildViewerFunction } from '../../functions/viewer/build';
import type { ViewerEvent, ViewerRequest } from '../../functions/viewer/viewer-request';
import { isViewerResponse, loadViewerFunction } from '../../local/viewer-sandbox';
import { documentedViewerEvent } from '../support/viewer-event';

/**
 * Issue 11, item 1, as a property: whatever an attacker does to a signed URL (case, aliases,
 * percent-encoding of names and values, repeats, reordering, added parameters of any spelling), the
 * viewer either refuses it or serves exactly what was signed, and never anything once it has expired.
 */

const SECRET = 'fuzz-signing-secret-42';
const viewer = loadViewerFunction(
  buildViewerFunction({
    rules: DEFAULT_RULES,
    originalsOriginId: 'originals',
    errorMaxAge: 30,
    signingSecret: SECRET,
  }),
);

type Pair = [name: string, value: string];

/** The CloudFront Functions event for raw (still percent-encoded) pairs, repeats in `multiValue`. */
function eventFor(path: string, pairs: readonly Pair[]): ViewerEvent {
  const querystring: ViewerEvent['request']['querystring'] = Object.create(null);
  for (const [name, value] of pairs) {
    const entry = querystring[name];
    if (entry) entry.multiValue = (entry.multiValue ?? [{ value: entry.value }]).concat({ value });
    else querystring[name] = { value };
  }
  return documentedViewerEvent(path, querystring);
}

function outcome(path: string, pairs: readonly Pair[]): number | string {
  const { result } = viewer(eventFor(path, pairs));
  return isViewerResponse(result) ? result.statusCode : (result as ViewerRequest).uri;
}

const ALIASES: Record<string, string[]> = {
  width: ['width', 'w'],
  height: ['height', 'h'],
  format: ['format', 'fm'],
  quality: ['quality', 'q'],
  fit: ['fit'],
  enlarge: ['enlarge'],
  expires: ['expires'],
  s: ['s'],
};

const percent = (char: string) => '%' + char.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0');

/** Re-spells a name or value: any case (names only), some characters percent-encoded. */
function respell(text: string, seed: number, changeCase: boolean): string {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const char = text.charAt(i);
    const bits = (seed >> (i % 16)) & 3;
    const cased = changeCase && bits & 1 ? char.toUpperCase() : char;
    out += bits === 2 ? percent(cased) : cased;
  }
  return out;
}

const mutation = fc.record({
  aliasSeed: fc.nat(),
  spellSeed: fc.nat(),
  valueSeed: fc.nat(),
  shuffle: fc.array(fc.nat(), { maxLength: 8 }),
  extra: fc.option(
    fc.tuple(
      fc.constantFrom('utm', 'width', 'W', 'expires', 'EXPIRES', 's', 'S', 'format', 'q', 'enlarge', 'x%26y'),
      fc.constantFrom('1', '0', '400', 'webp', '99999999999', 'a%26width%3D9', ''),
    ),
    { nil: undefined, freq: 2 },
  ),
  duplicate: fc.option(fc.nat(), { nil: undefined, freq: 2 }),
  change: fc.option(fc.tuple(fc.nat(), fc.constantFrom('401', 'png', '1', '9999999999')), {
    nil: undefined,
    freq: 2,
  }),
});

const signed = fc.record({
  width: fc.option(fc.constantFrom('100', '400', '640'), { nil: undefined }),
  height: fc.option(fc.constantFrom('100', '300'), { nil: undefined }),
  format: fc.option(fc.constantFrom('webp', 'png', 'jpeg', 'auto'), { nil: undefined }),
  quality: fc.option(fc.constantFrom('50', '80'), { nil: undefined }),
  enlarge: fc.option(fc.constantFrom('1', 'true'), { nil: undefined }),
  expiresIn: fc.option(fc.constantFrom(-3600, -5, 3600), { nil: undefined, freq: 2 }),
});

describe('signed URL fuzzing (built artifact in the vm sandbox)', function () {
  this.timeout(120_000);

  it('serves exactly what was signed or refuses, under 5,000 mutated signed URLs', () => {
    const now = Math.floor(Date.now() / 1000);
    let accepted = 0;
    let refused = 0;
    fc.assert(
      fc.property(signed, mutation, (s, m) => {
        const query = Object.entries(s)
          .filter(([name, value]) => name !== 'expiresIn' && value !== undefined)
          .map(([name, value]) => `${name}=${value}`)
          .join('&');
        const url = signUrl(`/photos/cat.jpg?${query}`, SECRET, { expiresIn: s.expiresIn, now });
        const question = url.indexOf('?');
        const pairs: Pair[] = url
          .slice(question + 1)
          .split('&')
          .map((pair) => pair.split('=') as Pair);
        const expected = outcome('/photos/cat.jpg', pairs);
        const expired = s.expiresIn !== undefined && s.expiresIn < 0;
        assert.equal(expected === 403, expired, `${url} → ${expected}`);

        // Mutate: aliases, case and encoding of names, encoding of values, order, repeats, additions.
        let mutated: Pair[] = pairs.map(([name, value], i) => {
          const aliases = ALIASES[name] ?? [name];
          const alias = aliases[(m.aliasSeed >> i) % aliases.length] ?? name;
          return [respell(alias, m.spellSeed >> i, true), respell(value, m.valueSeed >> i, false)];
        });
        if (m.change) {
          const at = m.change[0] % mutated.length;
          mutated[at] = [mutated[at]![0], m.change[1]];
        }
        if (m.duplicate !== undefined) mutated.push(mutated[m.duplicate % mutated.length]!);
        if (m.extra) mutated.push(m.extra);
        for (const swap of m.shuffle) {
          const i = swap % mutated.length;
          mutated = mutated.slice(i).concat(mutated.slice(0, i));
        }

        const got = outcome('/photos/cat.jpg', mutated);
        if (typeof got === 'string') {
          accepted++;
          assert.ok(!expired, `expired URL accepted: ${JSON.stringify(mutated)}`);
          assert.equal(got, expected, `served something other than signed: ${JSON.stringify(mutated)}`);
        } else {
          refused++;
          assert.ok(got === 403 || got === 400, `${got} for ${JSON.stringify(mutated)}`);
        }
      }),
      { seed: 20261203, numRuns: 5000 },
    );
    // Both sides were exercised: the property is not passing by refusing everything.
    assert.ok(accepted > 400 && refused > 400, `${accepted} accepted, ${refused} refused`);
  });
});
