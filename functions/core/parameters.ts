import { invalidParameter } from './errors';
import { CROPS, FITS, OUTPUT_FORMATS } from './spec';

/**
 * The parameter table: every query parameter the image path reads, its names, how its value is read,
 * and its token in a derivative key. parse (params.ts), the key codec (key.ts) and signing all read
 * this one table, so a parameter is declared once. It runs in the CloudFront Function too (10 KB in
 * all): entries are compact calls, and every kind of value shares one reader.
 *
 * Names follow imgix's URL API (https://docs.imgix.com/apis/rendering) where imgix has the parameter.
 */

/** How a value is read: a whole number, a decimal, words from a list, whole numbers, or a hex colour. */
export const INT = 0;
export const DECIMAL = 1;
export const WORDS = 2;
export const INTS = 3;
export const COLOUR = 4;
/** `true`/`1` or `false`/`0`. */
export const FLAG = 5;

export interface Parameter {
  /** The ResizeSpec field, or for parameters outside the key (format, dpr, auto, preset) its name. */
  readonly field: string;
  /** Every accepted spelling, lower case; the first is the canonical name (signed, and in errors). */
  readonly names: readonly string[];
  /** Its token in a derivative name (before the value), or null when it is not spelled there. */
  readonly token: string | null;
  readonly kind: number;
  /** Bounds of a number (of each number of a list). */
  readonly low: number;
  readonly high: number;
  /** WORDS: the accepted words, in canonical order. */
  readonly words?: readonly string[];
  /** WORDS: more than one word may be given, comma-separated. */
  readonly list?: boolean;
  /** INT: the value must be a multiple of this (rot: 90). */
  readonly step?: number;
}

function param(
  names: string,
  token: string | null,
  kind: number,
  low: number,
  high: number,
  words?: readonly string[],
  list?: boolean,
  step?: number,
): Parameter {
  // The field is the canonical name without its dash (`fp-x` → `fpx`).
  return {
    field: names.replace(/-| .*/g, ''),
    names: names.split(' '),
    token,
    kind,
    low,
    high,
    words,
    list,
    step,
  };
}

/**
 * imgix's `fit` spellings (FIT_ALIASES[i] means FITS_ALIASED[i]) that mean one of sharp's; imgix's own
 * `fill` (a colour pad) is not one. Arrays, not a map: a lookup must never reach Object.prototype.
 */
const FIT_ALIASES = ['crop', 'clip', 'max', 'scale'];
const FITS_ALIASED = ['cover', 'inside', 'inside', 'fill'];

/**
 * In key order: a derivative name spells its tokens in this order. The first five keep the scheme's
 * original spelling (`_w400_h300_cover_q80_up`), so every key stored before the table still reads back.
 */
export const PARAMETERS: readonly Parameter[] = [
  param('width w', 'w', INT, 1, 999_999),
  param('height h', 'h', INT, 1, 999_999),
  param('fit', '', WORDS, 0, 0, FITS),
  param('quality q', 'q', INT, 1, 100),
  param('enlarge', 'up', FLAG, 0, 0),
  param('rect', 'rect', INTS, 0, 99_999),
  param('crop', 'crop-', WORDS, 0, 0, CROPS, true),
  param('fp-x', 'fx', DECIMAL, 0, 1),
  param('fp-y', 'fy', DECIMAL, 0, 1),
  param('rot', 'rot', INT, 0, 270, undefined, false, 90),
  param('flip', 'flip-', WORDS, 0, 0, ['h', 'v', 'hv']),
  param('trim', 'trim-', WORDS, 0, 0, ['auto']),
  param('pad', 'pad', INT, 0, 1000),
  param('bg', 'bg-', COLOUR, 0, 0),
  param('blur', 'blur', INT, 0, 2000),
  param('sharp', 'sharp', INT, 0, 100),
  param('sat', 'sat', INT, -100, 100),
  // Outside the key: they decide the values above, or the format (the key's extension).
  param('format fm', null, WORDS, 0, 0, ['auto', 'jpg'].concat(OUTPUT_FORMATS)),
  // The stack's maxDpr (at most 5) applies after.
  param('dpr', null, DECIMAL, 1, 5),
  param('auto', null, WORDS, 0, 0, ['format', 'compress'], true),
  // Never read as a value: params.ts expands it into the preset's parameters first.
  param('preset', null, WORDS, 0, 0),
];

/** The table entry a given name (any case, any alias) denotes, or undefined. */
export function parameterNamed(given: string): Parameter | undefined {
  const lower = given.toLowerCase();
  for (let i = 0; i < PARAMETERS.length; i++) {
    if ((PARAMETERS[i] as Parameter).names.indexOf(lower) >= 0) return PARAMETERS[i];
  }
  return undefined;
}

/** The canonical name of a recognised parameter (`w` → `width`), or undefined for anything else. */
export function canonicalParameterName(given: string): string | undefined {
  const entry = parameterNamed(given);
  return entry ? (entry.names[0] as string) : undefined;
}

/**
 * Reads one value by its parameter's kind, into its canonical form: a number, a word (or words joined
 * by commas in canonical order), numbers, or a colour. Throws a 400 naming the parameter. A whole
 * number's zero and `false` come back as undefined: they change nothing.
 */
export function readValue(entry: Parameter, value: string): unknown {
  const kind = entry.kind;
  const lower = value.toLowerCase();
  const words = entry.words;
  let read: unknown;
  let problem: string | undefined;
  if (kind === FLAG) {
    read = lower === 'true' || lower === '1' ? true : lower === 'false' || lower === '0' ? undefined : null;
    problem = 'true or false';
  } else if (kind === COLOUR) {
    // imgix's hex forms RGB, ARGB, RRGGBB, AARRGGBB; canonical `rrggbb`, or `aarrggbb` when not opaque.
    const hex = lower.length < 5 ? lower.replace(/./g, '$&$&') : lower;
    read = /^[0-9a-f]{6}([0-9a-f]{2})?$/.test(hex) ? hex.replace(/^ff(.{6})$/, '$1') : null;
    problem = 'hex RGB, ARGB, RRGGBB or AARRGGBB';
  } else if (words) {
    read = readWords(entry, words, lower);
    problem = 'one of ' + words.join(', ');
  } else if (kind === INTS) {
    // rect: x,y,w,h with w and h at least 1.
    const numbers = value.split(',').map((part) => readNumber(entry, part));
    read = numbers.length === 4 && numbers.indexOf(null) < 0 && numbers[2] && numbers[3] ? numbers : null;
    problem = 'x,y,w,h in pixels, w and h at least 1';
  } else {
    read = readNumber(entry, value);
    // A whole number of zero (rot, pad, blur, sharp, sat) changes nothing; a decimal's zero (fp-x) does.
    if (read === 0 && kind === INT) read = undefined;
    problem = (kind === DECIMAL ? 'a number' : 'a whole number') + ' from ' + entry.low + ' to ' + entry.high;
    if (entry.step) problem += ', a multiple of ' + entry.step;
  }
  if (read === null) throw invalidParameter(entry.names[0] as string, 'must be ' + problem);
  return read;
}

/** The number `value` spells within the entry's bounds (and step), or null. */
function readNumber(entry: Parameter, value: string): number | null {
  const number = (entry.kind === DECIMAL ? /^\d{1,2}(\.\d{1,3})?$/ : /^-?\d{1,9}$/).test(value)
    ? parseFloat(value)
    : NaN;
  return number >= entry.low && number <= entry.high && !(entry.step && number % entry.step) ? number : null;
}

/**
 * Words from the entry's list (`fit` also takes imgix's spellings), deduplicated and in the list's
 * order; a crop keeps one side per axis or uses one strategy alone. Null when anything else is given.
 */
function readWords(entry: Parameter, words: readonly string[], lower: string): string | null {
  const given = entry.list
    ? lower.split(',')
    : [(entry.field === 'fit' && FITS_ALIASED[FIT_ALIASES.indexOf(lower)]) || lower];
  const picked: string[] = [];
  for (let i = 0; i < given.length; i++) {
    const word = (given[i] as string).trim();
    if (words.indexOf(word) < 0) return null;
    if (picked.indexOf(word) < 0) picked.push(word);
  }
  picked.sort((a, b) => words.indexOf(a) - words.indexOf(b));
  const joined = picked.join(',');
  return entry.field !== 'crop' || /^(top|bottom)?,?(left|right)?$|^[a-z]+$/.test(joined) ? joined : null;
}
