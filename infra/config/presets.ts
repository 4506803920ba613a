// The stack's presets (`image-cdn:presets`): named queries the viewer function expands (`preset=thumb`),
// checked here at config time so a typo or a value the rules refuse fails `pulumi preview`, not a request.
import { isImageError } from '../../functions/core/errors';
import { canonicalParameterName, parseQuery, parseQueryString } from '../../functions/core/params';
import type { QueryRules } from '../../functions/core/rules';

/** A preset's name: what `preset=` may say. Lower case, so a URL's spelling is never ambiguous. */
export const PRESET_NAME = /^[a-z0-9][a-z0-9-_]{0,31}$/;

/**
 * Most presets a stack may declare. Each is baked into the viewer function, whose code CloudFront caps at
 * 10 KB (functions/viewer/build.ts), and into the edge and batch configs.
 */
export const MAX_PRESETS = 20;

/** Parameters a preset may not set: another preset, and the signature (it signs the URL as sent). */
const REFUSED = ['preset', 's', 'expires'];

/** Originals a preset is tried on: a spec may depend on the original's format (lossy or not). */
const PROBE_KEYS = ['probe.jpg', 'probe.png', 'probe.gif', 'probe.webp'];

/**
 * Reads `text` (a JSON object of preset name to query string, `{"thumb": "w=200&h=200&fit=cover"}`) into
 * rules.presets: each preset split into canonical parameter names and values. `fail(reason)` builds the
 * error to throw, naming the config key; every reason names the preset. `rules` are the stack's rules
 * without presets: each preset is parsed with them as a request would be, so `w=99999` fails here.
 */
export function parsePresets(
  text: string,
  rules: QueryRules,
  fail: (reason: string) => Error,
): Record<string, Record<string, string>> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw fail(`must be a JSON object of preset name to query string, got ${JSON.stringify(text)}`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed))
    throw fail(`must be a JSON object of preset name to query string, got ${JSON.stringify(text)}`);
  const entries = Object.entries(parsed as Record<string, unknown>);
  if (entries.length > MAX_PRESETS)
    throw fail(`declares ${entries.length} presets, at most ${MAX_PRESETS} are allowed`);
  // No prototype: a preset named `constructor` must not reach Object.prototype's.
  const presets: Record<string, Record<string, string>> = Object.create(null);
  for (const [name, query] of entries) {
    if (!PRESET_NAME.test(name))
      throw fail(`preset "${name}": names are 1-32 of a-z, 0-9, - and _, starting with a letter or digit`);
    presets[name] = parsePreset(name, query, rules, fail);
  }
  return { ...presets };
}

function parsePreset(
  name: string,
  query: unknown,
  rules: QueryRules,
  fail: (reason: string) => Error,
): Record<string, string> {
  const where = `preset "${name}"`;
  if (typeof query !== 'string' || query.trim() === '')
    throw fail(`${where}: must be a non-empty query string such as "w=200&h=200&fit=cover"`);
  const values = (() => {
    try {
      return parseQueryString(query.trim());
    } catch (error) {
      throw fail(`${where}: ${(error as Error).message}`);
    }
  })();
  const canonical: Record<string, string> = {};
  for (const [given, list] of Object.entries(values)) {
    const parameter = canonicalParameterName(given);
    if (REFUSED.includes(parameter ?? given.toLowerCase()))
      throw fail(`${where}: '${given}' cannot be set in a preset`);
    if (parameter === undefined)
      throw fail(`${where}: '${given}' is not a parameter (docs/transformations.md lists them)`);
    if (canonical[parameter] !== undefined || list.length !== 1)
      throw fail(`${where}: '${parameter}' is given more than once`);
    const value = list[0]!.trim();
    if (value === '') throw fail(`${where}: '${parameter}' has no value`);
    canonical[parameter] = value;
  }
  // The request the preset stands for, parsed as the viewer would parse it (no Accept, no hints).
  for (const key of PROBE_KEYS) {
    try {
      parseQuery(values, key, undefined, rules);
    } catch (error) {
      if (isImageError(error)) throw fail(`${where}: ${error.message}`);
      throw error;
    }
  }
  return canonical;
}
