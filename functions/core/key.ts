import { invalidKey } from './errors';
import { FLAG, INTS, type Parameter, PARAMETERS, readValue } from './parameters';
import {
  canonicalize,
  isLossy,
  type MutableSpec,
  OUTPUT_FORMATS,
  type OutputFormat,
  type ResizeSpec,
} from './spec';

/**
 * The key scheme. A derivative lives under its original's key, in one extra segment that spells the
 * canonical spec: `photos/cat.jpg` at 400 px wide in WebP is `photos/cat.jpg/_w400_q80.webp`.
 * Each field of the spec is one token, its parameter's token and value (functions/core/parameters.ts),
 * in the table's order: `w400`, `h300`, the fit alone (`cover`), `q80`, `up`, then `rect10-20-300-200`,
 * `crop-top-left`, `fx0.3`, `fy0.7`, `rot90`, `flip-h`, `trim-auto`, `pad10`, `bg-ff0000`, `blur20`,
 * `sharp10`, `sat-100`. Lists join with `-` in a key (commas in a query). Only fields that change the
 * output are present (canonicalize).
 */

/** One field's token: the flag's token alone, or the token then the value (lists joined by `-`). */
function token(entry: Parameter, value: unknown): string {
  if (entry.kind === FLAG) return entry.token as string;
  return entry.token + String(value).replace(/,/g, '-');
}

/** The last segment of a derivative key, e.g. `_w400_h300_cover_q80.webp`. */
export function derivativeName(spec: ResizeSpec): string {
  const tokens: string[] = [];
  for (let i = 0; i < PARAMETERS.length; i++) {
    const entry = PARAMETERS[i] as Parameter;
    const value = (spec as unknown as Record<string, unknown>)[entry.field];
    if (entry.token !== null && value !== undefined) tokens.push(token(entry, value));
  }
  return '_' + tokens.join('_') + '.' + spec.format;
}

/**
 * S3 refuses keys over 1,024 bytes of UTF-8 ("Naming Amazon S3 objects":
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-keys.html).
 */
export const S3_MAX_KEY_BYTES = 1024;

/**
 * The most bytes a resize adds to its original's key: `/` and the longest name of a spec made of
 * width, height, fit, quality and enlarge, `/_w999999_h999999_contain_q100_up.avif`. maxKeyBytes may not
 * leave less room than this, so every resize of an accepted original has a key S3 takes. The other
 * operations spell longer names: derivativeKey checks each such key against S3's limit itself. A literal
 * rather than computed, so the viewer bundle stays small; test/core/key-bounds.test.ts checks it.
 */
export const MAX_DERIVATIVE_SUFFIX_BYTES = 38;

/** The longest original key whose every resize key still fits in S3: maxKeyBytes may not exceed it. */
export const MAX_ORIGINAL_KEY_BYTES = S3_MAX_KEY_BYTES - MAX_DERIVATIVE_SUFFIX_BYTES;

/** The derivative's key; a 400 when it would be longer than S3 allows (a long path and many operations). */
export function derivativeKey(originalKey: string, spec: ResizeSpec): string {
  const key = originalKey + '/' + derivativeName(spec);
  if (utf8Length(key) > S3_MAX_KEY_BYTES) throw invalidKey('over 1024 bytes with these operations');
  return key;
}

/** The table entry whose token starts `text`, the longest such (`crop-` before the fit's empty token). */
function entryForToken(text: string): Parameter | undefined {
  let found: Parameter | undefined;
  for (let i = 0; i < PARAMETERS.length; i++) {
    const entry = PARAMETERS[i] as Parameter;
    const tok = entry.token;
    if (tok !== null && text.indexOf(tok) === 0 && (!found || tok.length > (found.token as string).length))
      found = entry;
  }
  return found;
}

/** Reads a derivative name back into its spec, or returns null when the name is not canonical. */
export function parseDerivativeName(name: string): ResizeSpec | null {
  const dot = name.lastIndexOf('.');
  if (name.charAt(0) !== '_' || dot < 1) return null;
  const format = name.slice(dot + 1) as OutputFormat;
  if (OUTPUT_FORMATS.indexOf(format) < 0) return null;
  const spec: Record<string, unknown> = { format };
  const body = name.slice(1, dot);
  const tokens = body === '' ? [] : body.split('_');
  for (let i = 0; i < tokens.length; i++) {
    const text = tokens[i] as string;
    const entry = entryForToken(text);
    if (!entry) return null;
    const raw = text.slice((entry.token as string).length);
    let value: unknown;
    try {
      // A flag's token stands alone (`up`): read as `true`; anything after it fails to spell back.
      value = readValue(entry, entry.kind === INTS || entry.list ? raw.replace(/-/g, ',') : raw || 'true');
    } catch {
      return null;
    }
    if (value === undefined) return null;
    spec[entry.field] = value;
  }
  const typed = spec as MutableSpec;
  if ((typed.quality !== undefined) !== isLossy(format)) return null;
  // Only the canonical spelling counts: no field that changes nothing, the table's order, no repeats.
  const canonical = canonicalize(typed);
  return derivativeName(canonical) === name ? canonical : null;
}

/** Whether `spec` spells its output one way only: what its own key reads back to. */
export function isCanonicalSpec(spec: ResizeSpec): boolean {
  return parseDerivativeName(derivativeName(spec)) !== null;
}

export interface ParsedDerivativeKey {
  readonly originalKey: string;
  readonly spec: ResizeSpec;
}

/** Splits a derivative key into its original key and spec; null for anything else (e.g. an original). */
export function parseDerivativeKey(key: string): ParsedDerivativeKey | null {
  const slash = key.lastIndexOf('/');
  if (slash < 1) return null;
  const spec = parseDerivativeName(key.slice(slash + 1));
  return spec ? { originalKey: key.slice(0, slash), spec } : null;
}

/**
 * UTF-8 length without TextEncoder, which the CloudFront Functions runtime lacks: a surrogate pair is 4
 * bytes, then U+0080–U+07FF 2 and the rest of the BMP 3 (a lone surrogate counts as the 3 bytes of
 * its replacement character).
 */
function utf8Length(text: string): number {
  return text
    .replace(/[\ud800-\udbff][\udc00-\udfff]/g, '....')
    .replace(/[\u0080-\u07ff]/g, '..')
    .replace(/[\u0800-\uffff]/g, '...').length;
}

/**
 * Throws a 400 unless `key` is a safe original key: no empty, `.` or `..` segments, no control
 * characters (C0, DEL and C1, e.g. U+0085 NEL) or backslashes, not over-long (maxKeyBytes, and never so
 * long that a derivative key would pass S3's limit), and not itself shaped like a derivative key.
 */
export function validateOriginalKey(key: string, maxKeyBytes: number): void {
  const limit = Math.min(maxKeyBytes, MAX_ORIGINAL_KEY_BYTES);
  if (utf8Length(key) > limit) throw invalidKey('longer than ' + limit + ' bytes');
  // An empty key is one empty segment.
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is refused
  if (/[\u0000-\u001f\u007f-\u009f\\]|(^|\/)\.{0,2}(\/|$)/.test(key))
    throw invalidKey('control character, backslash, or empty, . or .. segment');
  if (parseDerivativeName(key.slice(key.lastIndexOf('/') + 1))) throw invalidKey('looks like a derivative');
}

/** Decodes a request URI (`/photos/my%20cat.jpg`) into an object key (`photos/my cat.jpg`). */
export function uriToKey(uri: string): string {
  if (uri.charAt(0) !== '/') throw invalidKey('must start with /');
  try {
    return decodeURIComponent(uri.slice(1));
  } catch {
    throw invalidKey('malformed percent-encoding');
  }
}

/** Encodes an object key as a canonical request URI, one encoded segment at a time. */
export function keyToUri(key: string): string {
  return '/' + key.split('/').map(encodeURIComponent).join('/');
}
