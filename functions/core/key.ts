import { invalidKey } from './errors';
import { type Fit, FITS, isCanonicalSpec, OUTPUT_FORMATS, type OutputFormat, type ResizeSpec } from './spec';

/**
 * The key scheme. A derivative lives under its original's key, in one extra segment that spells the
 * canonical spec: `photos/cat.jpg` at 400 px wide in WebP is `photos/cat.jpg/_w400_q80.webp`.
 * Tokens come in a fixed order: w<width>, h<height>, <fit>, q<quality>, up (enlarge allowed); only those
 * that change the image are present (isCanonicalSpec).
 */

/** The last segment of a derivative key, e.g. `_w400_h300_cover_q80.webp`. */
export function derivativeName(spec: ResizeSpec): string {
  const tokens: string[] = [];
  if (spec.width !== undefined) tokens.push('w' + spec.width);
  if (spec.height !== undefined) tokens.push('h' + spec.height);
  if (spec.fit !== undefined) tokens.push(spec.fit);
  if (spec.quality !== undefined) tokens.push('q' + spec.quality);
  if (spec.enlarge) tokens.push('up');
  return '_' + tokens.join('_') + '.' + spec.format;
}

export function derivativeKey(originalKey: string, spec: ResizeSpec): string {
  return originalKey + '/' + derivativeName(spec);
}

/** A width, height or quality token's number: at most six digits. */
const POSITIVE_INT = /^[1-9][0-9]{0,5}$/;

/**
 * S3 refuses keys over 1,024 bytes of UTF-8 ("Naming Amazon S3 objects":
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-keys.html).
 */
export const S3_MAX_KEY_BYTES = 1024;

/**
 * The most bytes a derivative key adds to its original's: `/` and the longest name the scheme can spell,
 * `/_w999999_h999999_contain_q100_up.avif` (both sides at six digits, a seven-letter fit and four-letter
 * lossy format, q100, up). A literal rather than computed, so the viewer bundle stays small;
 * test/core/key-bounds.test.ts checks it against every spec the scheme can spell. All ASCII.
 */
export const MAX_DERIVATIVE_SUFFIX_BYTES = 38;

/** The longest original key whose every derivative key still fits in S3: maxKeyBytes may not exceed it. */
export const MAX_ORIGINAL_KEY_BYTES = S3_MAX_KEY_BYTES - MAX_DERIVATIVE_SUFFIX_BYTES;

/** Reads a derivative name back into its spec, or returns null when the name is not canonical. */
export function parseDerivativeName(name: string): ResizeSpec | null {
  const dot = name.lastIndexOf('.');
  if (name.charAt(0) !== '_' || dot < 1) return null;
  const format = name.slice(dot + 1) as OutputFormat;
  if (OUTPUT_FORMATS.indexOf(format) < 0) return null;
  const body = name.slice(1, dot);
  const tokens = body === '' ? [] : body.split('_');
  let width: number | undefined;
  let height: number | undefined;
  let fit: Fit | undefined;
  let quality: number | undefined;
  let enlarge = false;
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i] as string;
    const head = token.charAt(0);
    const digits = token.slice(1);
    if (head === 'w' && POSITIVE_INT.test(digits)) width = parseInt(digits, 10);
    else if (head === 'h' && POSITIVE_INT.test(digits)) height = parseInt(digits, 10);
    else if (head === 'q' && POSITIVE_INT.test(digits)) quality = parseInt(digits, 10);
    else if (FITS.indexOf(token as Fit) >= 0) fit = token as Fit;
    else if (token === 'up') enlarge = true;
    else return null;
  }
  const spec: { -readonly [K in keyof ResizeSpec]: ResizeSpec[K] } = { format };
  if (width !== undefined) spec.width = width;
  if (height !== undefined) spec.height = height;
  if (fit !== undefined) spec.fit = fit;
  if (quality !== undefined) spec.quality = quality;
  if (enlarge) spec.enlarge = true;
  // Only the canonical spelling counts: no field that changes nothing, and the order is fixed.
  return isCanonicalSpec(spec) && derivativeName(spec) === name ? spec : null;
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

/** UTF-8 length without TextEncoder, which the CloudFront Functions runtime lacks. */
function utf8Length(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x80) bytes += 1;
    else if (code < 0x800) bytes += 2;
    else if (code >= 0xd800 && code <= 0xdbff) {
      bytes += 4;
      i++;
    } else bytes += 3;
  }
  return bytes;
}

/**
 * Throws a 400 unless `key` is a safe original key: no empty, `.` or `..` segments, no control
 * characters (C0, DEL and C1, e.g. U+0085 NEL) or backslashes, not over-long (maxKeyBytes, and never so
 * long that a derivative key would pass S3's limit), and not itself shaped like a derivative key.
 */
export function validateOriginalKey(key: string, maxKeyBytes: number): void {
  if (key === '') throw invalidKey('empty');
  const limit = Math.min(maxKeyBytes, MAX_ORIGINAL_KEY_BYTES);
  if (utf8Length(key) > limit) throw invalidKey('longer than ' + limit + ' bytes');
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is refused
  if (/[\u0000-\u001f\u007f-\u009f\\]/.test(key)) throw invalidKey('control character or backslash');
  const segments = key.split('/');
  for (let i = 0; i < segments.length; i++) {
    const segment = segments[i];
    if (segment === '' || segment === '.' || segment === '..') throw invalidKey('empty, . or .. segment');
  }
  if (parseDerivativeName(segments[segments.length - 1] as string))
    throw invalidKey('looks like a derivative');
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
