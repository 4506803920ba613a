import { invalidParameter, invalidQuery, tooManyPixels } from './errors';
import { negotiateFormat, sourceFormat } from './negotiate';
import { type Parameter, parameterNamed, PARAMETERS, readValue } from './parameters';
import type { QueryRules } from './rules';
import { canonicalize, isLossy, type MutableSpec, type OutputFormat, type ResizeSpec } from './spec';

export { canonicalParameterName } from './parameters';

/**
 * Query parsing: the one place that decides which requests are valid. The viewer function, the edge
 * handler, the batch resizer and the local edge all call `parseQuery`, so the rules cannot drift.
 * Which parameters exist and how each value reads is the table in parameters.ts.
 * The code avoids classes, for-of and spreads: it must also run in the CloudFront Functions runtime.
 */

/** Every value given for each parameter name, in order. */
export type QueryValues = Record<string, readonly string[]>;

/**
 * A request header's value by lower-case name, or undefined. parseQuery reads the client hints a
 * browser sends once told to (`Sec-CH-DPR`, `Sec-CH-Width`, `Sec-CH-Viewport-Width`, each also under
 * its legacy name without `Sec-CH-`) and `Save-Data`.
 */
export type RequestHeader = (name: string) => string | undefined;

/** A client hint's positive number, or undefined (a hint never causes a 400: it is only a hint). */
function hint(header: RequestHeader, name: string): number | undefined {
  const number = parseFloat(header('sec-ch-' + name) || header(name) || '');
  return number > 0 && number < 100_000 ? number : undefined;
}

/**
 * imgix's URL API names (https://docs.imgix.com/apis/rendering) this project does not implement. Asked
 * for, they are a 400 saying so rather than a silent plain resize (issue 12). Families (`mark-*`, `txt-*`,
 * `blend-*`, `pad-left`, `fp-z`, …) are matched by prefix so the viewer bundle stays small; the names the
 * table implements (`pad`, `fp-x`, `trim`) are recognised before this is asked. `s` and `expires` are
 * this project's own signature parameters. Any other unknown name (cache busters, `utm_*`) is dropped.
 */
const UNSUPPORTED =
  /^((mark|txt|blend|border|mask|trim|pad|fill|fp|max|min|face|usm|duotone)(-.*)?|ar|bri|con|exp|gam|high|hue|invert|shad|vib|palette|colorquant|cs|dpi|lossless|nrs?|page|orient|htn|monochrome|px|sepia|face(s|pad|index)|usmrad)$/;

/** The recognised parameters by canonical name, one value each; unknown names are dropped. */
function pickParameters(query: QueryValues): Record<string, string> {
  const picked: Record<string, string> = Object.create(null);
  const names = Object.keys(query);
  for (let i = 0; i < names.length; i++) {
    const given = names[i] as string;
    const entry = parameterNamed(given);
    if (!entry) {
      if (UNSUPPORTED.test(given.toLowerCase())) throw invalidParameter(given, 'is not supported');
      continue;
    }
    const name = entry.names[0] as string;
    const values = query[given] as readonly string[];
    if (values.length !== 1 || picked[name] !== undefined) throw invalidParameter(name, 'must be given once');
    const value = (values[0] as string).trim();
    if (value === '') throw invalidParameter(name, 'must not be empty');
    picked[name] = value;
  }
  return picked;
}

/**
 * Whether preset expansion is in this build. The viewer function is built with `__PRESETS__` defined as
 * whether the stack has presets, so a stack without them does not carry the code (10 KB); everywhere
 * else (edge, batch, tests) the name is undeclared and presets are read from the rules.
 */
declare const __PRESETS__: boolean | undefined;
const PRESETS_BUILT = typeof __PRESETS__ === 'undefined' || __PRESETS__;

/**
 * Adds a preset's parameters under the ones given beside it: an explicit parameter overrides the
 * preset's (`preset=thumb&w=300`). Presets are the stack's named queries (`image-cdn:presets`), stored
 * split into canonical names and values (infra/config/presets.ts).
 */
function expandPreset(picked: Record<string, string>, rules: QueryRules): Record<string, string> {
  const name = picked.preset;
  if (name === undefined) return picked;
  if (!PRESETS_BUILT) throw invalidParameter('preset', 'no presets are set');
  const presets = rules.presets || {};
  // Own names only: `__proto__` or `constructor` are not presets.
  if (!Object.prototype.hasOwnProperty.call(presets, name))
    throw invalidParameter('preset', 'must be one of ' + Object.keys(presets).join(', '));
  const preset = presets[name] as Record<string, string>;
  for (const given in preset) if (picked[given] === undefined) picked[given] = preset[given] as string;
  delete picked.preset;
  return picked;
}

/** Rounds up to the next allowed width; null when the width is above them all. */
function roundUpToAllowed(width: number, allowed: readonly number[]): number | null {
  for (let i = 0; i < allowed.length; i++) {
    if ((allowed[i] as number) >= width) return allowed[i] as number;
  }
  return null;
}

/** The format a request asks for (`auto` negotiated from Accept), or the original's by default. */
function resolveFormat(
  requested: string | undefined,
  originalKey: string,
  accept: string | undefined,
  rules: QueryRules,
): OutputFormat {
  if (requested === undefined) {
    // Keeping an AVIF original's format is not possible with AVIF off: fall back as `auto` does.
    const source = sourceFormat(originalKey);
    return source === 'avif' && !rules.enableAvif ? 'png' : source;
  }
  if (requested === 'auto') return negotiateFormat(accept, originalKey, rules.enableAvif);
  if (requested === 'avif' && !rules.enableAvif) throw invalidParameter('format', 'avif is disabled');
  return requested === 'jpg' ? 'jpeg' : (requested as OutputFormat);
}

/**
 * The width the hints ask for, in device pixels (Sec-CH-Width is in device pixels already), capped by
 * the viewport's (CSS pixels × dpr) and by the largest width a URL may ask for, then rounded up to the
 * allow-list (or to a multiple of 100 without one): hints add no width a URL could not ask for. 0 when
 * there is no width hint.
 */
function hintedWidth(
  header: RequestHeader,
  dpr: number,
  allowed: readonly number[],
  largest: number,
): number {
  const width = Math.min(
    hint(header, 'width') || 0,
    (hint(header, 'viewport-width') || Infinity) * dpr,
    largest,
  );
  if (!width || allowed.length === 0) return Math.min(Math.ceil(width / 100) * 100, largest);
  return roundUpToAllowed(width, allowed) as number;
}

/** The configured maxima, applied to what will really be produced (`pad` adds to both sides). */
function checkOutputSize(spec: ResizeSpec, rules: QueryRules): void {
  const pad = 2 * (spec.pad || 0);
  const width = (spec.width || 0) + pad;
  const height = (spec.height || 0) + pad;
  if (spec.width && width > rules.maxWidth)
    throw invalidParameter('width', 'must be at most ' + (rules.maxWidth - pad));
  if (spec.height && height > rules.maxHeight)
    throw invalidParameter('height', 'must be at most ' + (rules.maxHeight - pad));
  if (spec.width && spec.height && width * height > rules.maxPixels)
    throw tooManyPixels('Invalid size: over ' + rules.maxPixels + ' pixels');
}

/**
 * Parses a request's query into a canonical spec, or null when it asks for no transform (the original
 * is then served unchanged). Throws a 400 ImageError naming the parameter for any invalid value.
 *
 * `dpr` multiplies width and height; the allow-list then rounds the width up and scales the height by
 * the same factor; finally the configured maxima apply to what will really be produced. Client hints
 * fill in what the URL leaves open (the width when it gives no side, the dpr when it gives none), and
 * `Save-Data: on` or `auto=compress` lower the default quality by a quarter.
 */
export function parseQuery(
  query: QueryValues,
  originalKey: string,
  accept: string | undefined,
  rules: QueryRules,
  requestHeader?: RequestHeader,
): ResizeSpec | null {
  const header = requestHeader || (() => undefined);
  const params = expandPreset(pickParameters(query), rules);
  if (Object.keys(params).length === 0) return null;

  const read: Record<string, unknown> = {};
  for (let i = 0; i < PARAMETERS.length; i++) {
    const entry = PARAMETERS[i] as Parameter;
    const value = params[entry.names[0] as string];
    // A value that changes nothing (zero, false) leaves no field behind, not even an undefined one.
    const parsed = value === undefined ? undefined : readValue(entry, value);
    if (parsed !== undefined) read[entry.field] = parsed;
  }
  const auto = (read.auto as string) || '';
  const allowedWidths = rules.allowedWidths;
  const largest =
    allowedWidths.length > 0 ? (allowedWidths[allowedWidths.length - 1] as number) : rules.maxWidth;
  const givenWidth = (read.width as number) || 1;
  const givenHeight = (read.height as number) || 1;
  // A hinted dpr is rounded up to a half (hints must not fragment the cache) and capped so that what it
  // asks for stays within the limits: a hint is never refused. A dpr in the URL is checked instead.
  const dpr =
    (read.dpr as number) ||
    Math.max(
      1,
      Math.min(
        Math.ceil((hint(header, 'dpr') || 1) * 2) / 2,
        rules.maxDpr,
        largest / givenWidth,
        rules.maxHeight / givenHeight,
        Math.sqrt(rules.maxPixels / givenWidth / givenHeight),
      ),
    );
  if (dpr > rules.maxDpr) throw invalidParameter('dpr', 'must be at most ' + rules.maxDpr);
  read.format = resolveFormat(
    (read.format as string) || (auto.indexOf('format') >= 0 ? 'auto' : undefined),
    originalKey,
    accept,
    rules,
  );
  delete read.auto;
  delete read.dpr;
  const typed = read as MutableSpec;

  // Sides are at least 1, so 0 stands for "not given" here.
  let width =
    Math.round((typed.width || 0) * dpr) ||
    (typed.height ? 0 : hintedWidth(header, dpr, allowedWidths, largest));
  let height = Math.round((typed.height || 0) * dpr);
  if (width && allowedWidths.length > 0) {
    const allowed = roundUpToAllowed(width, allowedWidths);
    if (!allowed) throw invalidParameter('width', 'must be at most ' + largest);
    if (height) height = Math.max(1, Math.round((height * allowed) / width));
    width = allowed;
  }
  delete typed.width;
  delete typed.height;
  if (width) typed.width = width;
  if (height) typed.height = height;
  if (isLossy(typed.format) && typed.quality === undefined) {
    const quality = rules.defaultQuality[typed.format as 'avif'];
    const compress = auto.indexOf('compress') >= 0 || /^ *on *$/i.test(header('save-data') || '');
    typed.quality = compress ? Math.round(quality * 0.75) || 1 : quality;
  }
  const canonical = canonicalize(typed);
  checkOutputSize(canonical, rules);
  return canonical;
}

/**
 * Splits a raw query string (`width=400&w=5`) into QueryValues. `+` means space, as in forms.
 * Malformed percent-encoding is a 400, never an exception of another kind.
 */
export function parseQueryString(queryString: string): QueryValues {
  // No prototype, so names like `__proto__` or `constructor` are plain keys.
  const values: Record<string, string[]> = Object.create(null);
  const text = queryString.charAt(0) === '?' ? queryString.slice(1) : queryString;
  if (text === '') return values;
  const pairs = text.split('&');
  for (let i = 0; i < pairs.length; i++) {
    const pair = pairs[i] as string;
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    const name = decodeComponent(eq < 0 ? pair : pair.slice(0, eq));
    const value = decodeComponent(eq < 0 ? '' : pair.slice(eq + 1));
    const list = values[name];
    if (list) list.push(value);
    else values[name] = [value];
  }
  return values;
}

export function decodeComponent(text: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    throw invalidQuery('malformed percent-encoding');
  }
}

/**
 * Checks a spec read back from a derivative key against the rules, so a canonical derivative URL
 * (what the edge redirects to) can be requested directly but never outside the configured limits.
 */
export function validateSpec(spec: ResizeSpec, rules: QueryRules): void {
  const width = spec.width;
  if (width !== undefined && rules.allowedWidths.length > 0 && rules.allowedWidths.indexOf(width) < 0)
    throw invalidParameter('width', 'must be one of ' + rules.allowedWidths.join(', '));
  checkOutputSize(spec, rules);
  if (spec.format === 'avif' && !rules.enableAvif) throw invalidParameter('format', 'avif is disabled');
}
