import { invalidParameter, invalidQuery, tooManyPixels } from './errors';
import { negotiateFormat, sourceFormat } from './negotiate';
import type { QueryRules } from './rules';
import {
  DEFAULT_FIT,
  type Fit,
  FITS,
  isLossy,
  OUTPUT_FORMATS,
  type OutputFormat,
  type ResizeSpec,
} from './spec';

/**
 * Query parsing: the one place that decides which requests are valid. The viewer function, the edge
 * handler, the batch resizer and the local edge all call `parseQuery`, so the rules cannot drift.
 * The code avoids classes, for-of and spreads: it must also run in the CloudFront Functions runtime.
 */

/** Every value given for each parameter name, in order. */
export type QueryValues = Record<string, readonly string[]>;

/** Parameter names and their aliases. An alias counts as the same parameter. */
const ALIASES: Record<string, string> = {
  width: 'width',
  w: 'width',
  height: 'height',
  h: 'height',
  fit: 'fit',
  format: 'format',
  fm: 'format',
  quality: 'quality',
  q: 'quality',
  dpr: 'dpr',
  enlarge: 'enlarge',
};

/** The canonical name of a recognised parameter (`w` → `width`), or undefined for anything else. */
export function canonicalParameterName(given: string): string | undefined {
  const lower = given.toLowerCase();
  return Object.prototype.hasOwnProperty.call(ALIASES, lower) ? ALIASES[lower] : undefined;
}

/**
 * imgix's URL API names (https://docs.imgix.com/apis/rendering) this project does not implement. Asked
 * for, they are a 400 saying so rather than a silent plain resize (issue 12). Families (`mark-*`, `txt-*`,
 * `blend-*`, …) are matched by prefix so the viewer bundle stays small. `s` and `expires` are left out:
 * they are this project's own signature parameters. `auto` is left out too, until it is implemented:
 * it only asks for a smaller encoding, so ignoring it still gives the right picture, while refusing it
 * would break most imgix URLs in use (`auto=format,compress`); every name here changes the picture. Any
 * other unknown name (cache busters, `utm_*`) stays dropped from the key.
 */
const UNSUPPORTED =
  /^((mark|txt|blend|border|mask|trim|pad|fill|fp|max|min|face|usm|duotone)(-.*)?|ar|bri|con|exp|gam|high|hue|invert|sat|shad|sharp|vib|bg|palette|colorquant|cs|dpi|lossless|nr|nrs|page|flip|orient|rot|crop|rect|blur|htn|monochrome|px|sepia|faces|facepad|faceindex|usmrad)$/;

/** Collects the recognised parameters, one value each; unknown names are dropped. */
function pickParameters(query: QueryValues): Record<string, string> {
  const picked: Record<string, string> = Object.create(null);
  const names = Object.keys(query);
  for (let i = 0; i < names.length; i++) {
    const given = names[i] as string;
    const name = canonicalParameterName(given);
    if (!name) {
      if (UNSUPPORTED.test(given.toLowerCase())) throw invalidParameter(given, 'is not supported');
      continue;
    }
    const values = query[given] as readonly string[];
    if (values.length !== 1 || picked[name] !== undefined) throw invalidParameter(name, 'must be given once');
    const value = (values[0] as string).trim();
    if (value === '') throw invalidParameter(name, 'must not be empty');
    picked[name] = value;
  }
  return picked;
}

function parsePositiveInt(name: string, value: string, max: number): number {
  if (!/^[0-9]+$/.test(value)) throw invalidParameter(name, 'must be a whole number of pixels');
  const number = value.length > 9 ? Infinity : parseInt(value, 10);
  if (number < 1) throw invalidParameter(name, 'must be at least 1');
  if (number > max) throw invalidParameter(name, 'must be at most ' + max);
  return number;
}

function parseEnum<T extends string>(name: string, value: string, allowed: readonly T[]): T {
  const lower = value.toLowerCase() as T;
  if (allowed.indexOf(lower) < 0) throw invalidParameter(name, 'must be one of ' + allowed.join(', '));
  return lower;
}

/**
 * imgix's `fit` spellings that mean one of sharp's fits (https://docs.imgix.com/apis/rendering/size/fit).
 * imgix's own `fill` (pad with a colour) is not among them: `fill` keeps sharp's meaning (stretch).
 */
const FIT_ALIASES = ['crop', 'clip', 'max', 'scale'];
const FIT_ALIASED: readonly Fit[] = ['cover', 'inside', 'inside', 'fill'];

function parseFit(value: string): Fit {
  const alias = FIT_ALIASES.indexOf(value.toLowerCase());
  return alias < 0 ? parseEnum<Fit>('fit', value, FITS) : (FIT_ALIASED[alias] as Fit);
}

function parseDpr(value: string, maxDpr: number): number {
  if (!/^[0-9]{1,2}(\.[0-9]{1,3})?$/.test(value))
    throw invalidParameter('dpr', 'must be a number like 2 or 1.5');
  const dpr = parseFloat(value);
  if (dpr < 1 || dpr > maxDpr) throw invalidParameter('dpr', 'must be between 1 and ' + maxDpr);
  return dpr;
}

function parseBoolean(name: string, value: string): boolean {
  const lower = value.toLowerCase();
  if (lower === 'true' || lower === '1') return true;
  if (lower === 'false' || lower === '0') return false;
  throw invalidParameter(name, 'must be true or false');
}

/** Rounds up to the next allowed width; null when the width is above them all. */
function roundUpToAllowed(width: number, allowed: readonly number[]): number | null {
  for (let i = 0; i < allowed.length; i++) {
    if ((allowed[i] as number) >= width) return allowed[i] as number;
  }
  return null;
}

function resolveFormat(
  value: string | undefined,
  originalKey: string,
  accept: string | undefined,
  rules: QueryRules,
) {
  if (value === undefined) {
    // Keeping an AVIF original's format is not possible with AVIF off: fall back as `auto` does.
    const source = sourceFormat(originalKey);
    return source === 'avif' && !rules.enableAvif ? 'png' : source;
  }
  const requested = parseEnum<OutputFormat | 'auto' | 'jpg'>(
    'format',
    value,
    ['auto', 'jpg'].concat(OUTPUT_FORMATS) as (OutputFormat | 'auto' | 'jpg')[],
  );
  if (requested === 'auto') return negotiateFormat(accept, originalKey, rules.enableAvif);
  if (requested === 'jpg') return 'jpeg';
  if (requested === 'avif' && !rules.enableAvif) throw invalidParameter('format', 'avif is disabled');
  return requested;
}

/** The configured maxima, applied to what will really be produced. */
function checkOutputSize(width: number | undefined, height: number | undefined, rules: QueryRules): void {
  if (width !== undefined && width > rules.maxWidth)
    throw invalidParameter('width', 'must be at most ' + rules.maxWidth);
  if (height !== undefined && height > rules.maxHeight)
    throw invalidParameter('height', 'must be at most ' + rules.maxHeight);
  if (width !== undefined && height !== undefined && width * height > rules.maxPixels)
    throw tooManyPixels('Invalid size: width × height must be at most ' + rules.maxPixels + ' pixels');
}

/**
 * Parses a request's query into a canonical spec, or null when it asks for no transform (the original
 * is then served unchanged). Throws a 400 ImageError naming the parameter for any invalid value.
 *
 * `dpr` multiplies width and height; the allow-list then rounds the width up and scales the height by
 * the same factor; finally the configured maxima apply to what will really be produced.
 */
export function parseQuery(
  query: QueryValues,
  originalKey: string,
  accept: string | undefined,
  rules: QueryRules,
): ResizeSpec | null {
  const params = pickParameters(query);
  if (Object.keys(params).length === 0) return null;

  const limit = 1_000_000;
  let width = params.width === undefined ? undefined : parsePositiveInt('width', params.width, limit);
  let height = params.height === undefined ? undefined : parsePositiveInt('height', params.height, limit);
  const dpr = params.dpr === undefined ? 1 : parseDpr(params.dpr, rules.maxDpr);
  const fit = params.fit === undefined ? DEFAULT_FIT : parseFit(params.fit);
  const format = resolveFormat(params.format, originalKey, accept, rules);
  const quality = params.quality === undefined ? undefined : parsePositiveInt('quality', params.quality, 100);
  const enlarge = params.enlarge === undefined ? false : parseBoolean('enlarge', params.enlarge);

  if (width !== undefined) width = Math.round(width * dpr);
  if (height !== undefined) height = Math.round(height * dpr);
  if (width !== undefined && rules.allowedWidths.length > 0) {
    const allowed = roundUpToAllowed(width, rules.allowedWidths);
    if (allowed === null)
      throw invalidParameter(
        'width',
        'must be at most ' + rules.allowedWidths[rules.allowedWidths.length - 1],
      );
    if (height !== undefined) height = Math.max(1, Math.round((height * allowed) / width));
    width = allowed;
  }
  checkOutputSize(width, height, rules);

  const spec: { -readonly [K in keyof ResizeSpec]: ResizeSpec[K] } = { format };
  if (width !== undefined) spec.width = width;
  if (height !== undefined) spec.height = height;
  if (width !== undefined && height !== undefined) spec.fit = fit;
  if (isLossy(format))
    spec.quality = quality === undefined ? rules.defaultQuality[format as 'avif'] : quality;
  // Without a size nothing is resized, so enlarge would change nothing: it stays out of the key.
  if (enlarge && (width !== undefined || height !== undefined)) spec.enlarge = true;
  return spec;
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
  checkOutputSize(width, spec.height, rules);
  if (spec.format === 'avif' && !rules.enableAvif) throw invalidParameter('format', 'avif is disabled');
}
