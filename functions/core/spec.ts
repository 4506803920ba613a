/**
 * The resize spec: what one derivative is, after parsing and normalising a request.
 *
 * A spec is canonical (see canonicalize): a field is present only when it changes the output. Equal
 * requests therefore give deep-equal specs, and one key.
 */
export const IMAGE_FORMATS = ['avif', 'webp', 'jpeg', 'png', 'gif'] as const;
export type ImageFormat = (typeof IMAGE_FORMATS)[number];

/**
 * Outputs that describe the original instead of picturing it (imgix's `fm=json`, and a ThumbHash
 * placeholder). Every other parameter is dropped from their specs: they read the original as it is.
 */
export const DESCRIPTION_FORMATS = ['json', 'thumbhash'] as const;
export type DescriptionFormat = (typeof DESCRIPTION_FORMATS)[number];

/** Written out rather than spread: the viewer function's runtime has no spread syntax. */
export const OUTPUT_FORMATS = ['avif', 'webp', 'jpeg', 'png', 'gif', 'json', 'thumbhash'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

export const FITS = ['cover', 'contain', 'fill', 'inside', 'outside'] as const;
export type Fit = (typeof FITS)[number];

/** How both sides are met when a spec names no fit (sharp's own default). */
export const DEFAULT_FIT: Fit = 'cover';

/** Formats whose encoders take a quality; PNG and GIF are lossless here, so quality is dropped. */
export const LOSSY_FORMATS: readonly OutputFormat[] = ['avif', 'webp', 'jpeg'];

/**
 * `crop`'s words, in their canonical order: edges to keep (a side, or a corner as two sides), or a
 * strategy (`entropy` and `edges` are sharp's entropy and attention strategies; `focalpoint` uses
 * `fp-x`/`fp-y`).
 */
export const CROPS = ['top', 'bottom', 'left', 'right', 'entropy', 'edges', 'focalpoint'] as const;

/**
 * The file extensions of originals, with their content types: every raster format the transform admits
 * (functions/transform/admission.ts). The batch trigger's suffixes and the local edge's uploads use it.
 */
export const ORIGINAL_CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.png': 'image/png',
  '.webp': 'image/webp',
  '.gif': 'image/gif',
  '.avif': 'image/avif',
  '.tif': 'image/tiff',
  '.tiff': 'image/tiff',
};

export const CONTENT_TYPES: Record<OutputFormat, string> = {
  avif: 'image/avif',
  webp: 'image/webp',
  jpeg: 'image/jpeg',
  png: 'image/png',
  gif: 'image/gif',
  json: 'application/json',
  thumbhash: 'text/plain; charset=utf-8',
};

/**
 * One derivative. The operations apply in this order: auto-orientation, `rect`, `trim`, `rot`, `flip`,
 * the resize (`width`, `height`, `fit`, `crop`, `fpX`/`fpY`, `enlarge`), `pad` in `bg`, then `sat`,
 * `blur` and `sharp`, and the encode (`format`, `quality`). See docs/transformations.md.
 */
export interface ResizeSpec {
  readonly width?: number;
  readonly height?: number;
  readonly fit?: Fit;
  readonly format: OutputFormat;
  readonly quality?: number;
  /** Allow output larger than the original. Off unless asked for. */
  readonly enlarge?: boolean;
  /** Region of the upright original cut out first: x, y, width, height in pixels. */
  readonly rect?: readonly number[];
  /** With `fit: cover`, what to keep: comma-separated CROPS words in canonical order. */
  readonly crop?: string;
  /** With `crop: focalpoint`: the point (0–1 of the width and height) the crop centres on. */
  readonly fpx?: number;
  readonly fpy?: number;
  /** Clockwise rotation after auto-orientation: 90, 180 or 270. */
  readonly rot?: number;
  readonly flip?: 'h' | 'v' | 'hv';
  /** `auto`: remove a uniform border before resizing. */
  readonly trim?: 'auto';
  /** Pixels added on every side, in `bg`. */
  readonly pad?: number;
  /** Background, lower-case hex `rrggbb`, or `aarrggbb` when not opaque. */
  readonly bg?: string;
  /** imgix's blur, 1–2000 (sigma = blur / 20). */
  readonly blur?: number;
  /** imgix's sharpen, 1–100. */
  readonly sharp?: number;
  /** Saturation change, −100 (greyscale) to 100. */
  readonly sat?: number;
}

export type MutableSpec = { -readonly [K in keyof ResizeSpec]: ResizeSpec[K] };

export function isLossy(format: OutputFormat): boolean {
  return LOSSY_FORMATS.indexOf(format) >= 0;
}

export function isDescription(format: OutputFormat): boolean {
  return DESCRIPTION_FORMATS.indexOf(format as DescriptionFormat) >= 0;
}

/**
 * Drops, in place, every field that cannot change the output, so that one output has one spelling, and
 * names the default fit when both sides are given (as sharp applies it). Dropped: `fit` without both
 * sides (one side gives the same image whatever the fit), `crop` unless the fit crops, `fpx`/`fpy`
 * without `crop: focalpoint` or at the centre (their default), `enlarge` with no side, `bg` when nothing
 * is painted (no `pad`, no `contain` bars, not JPEG, which flattens alpha onto it), and `quality` for
 * lossless formats. A description keeps its format alone (a new spec).
 */
export function canonicalize(spec: MutableSpec): MutableSpec {
  if (isDescription(spec.format)) return { format: spec.format };
  // Sides are at least 1 when present, so truthiness is presence here.
  if (!(spec.width && spec.height)) delete spec.fit;
  else if (!spec.fit) spec.fit = DEFAULT_FIT;
  if (spec.fit !== 'cover') delete spec.crop;
  if (spec.crop !== 'focalpoint' || spec.fpx === 0.5) delete spec.fpx;
  if (spec.crop !== 'focalpoint' || spec.fpy === 0.5) delete spec.fpy;
  if (!spec.enlarge || !(spec.width || spec.height)) delete spec.enlarge;
  if (!spec.pad && spec.fit !== 'contain' && spec.format !== 'jpeg') delete spec.bg;
  if (!isLossy(spec.format)) delete spec.quality;
  return spec;
}
