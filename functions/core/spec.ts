/**
 * The resize spec: what one derivative is, after parsing and normalising a request.
 *
 * A spec is canonical (see isCanonicalSpec): a field is present only when it changes the image. Equal
 * requests therefore give deep-equal specs, and one key.
 */
export const OUTPUT_FORMATS = ['avif', 'webp', 'jpeg', 'png', 'gif'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

export const FITS = ['cover', 'contain', 'fill', 'inside', 'outside'] as const;
export type Fit = (typeof FITS)[number];

/** How both sides are met when a spec names no fit (sharp's own default). */
export const DEFAULT_FIT: Fit = 'cover';

/** Formats whose encoders take a quality; PNG and GIF are lossless here, so quality is dropped. */
export const LOSSY_FORMATS: readonly OutputFormat[] = ['avif', 'webp', 'jpeg'];

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
};

export interface ResizeSpec {
  readonly width?: number;
  readonly height?: number;
  readonly fit?: Fit;
  readonly format: OutputFormat;
  readonly quality?: number;
  /** Allow output larger than the original. Off unless asked for. */
  readonly enlarge?: boolean;
}

export function isLossy(format: OutputFormat): boolean {
  return LOSSY_FORMATS.indexOf(format) >= 0;
}

/**
 * Whether `spec` spells its image one way only: `fit` only with both sides (with one side every fit
 * gives the same image), `quality` 1–100 exactly for lossy formats, `enlarge` only as `true` and with a
 * side to resize to (without one nothing is resized, so it would change nothing).
 */
export function isCanonicalSpec(spec: ResizeSpec): boolean {
  const sized = spec.width !== undefined || spec.height !== undefined;
  if ((spec.fit !== undefined) !== (spec.width !== undefined && spec.height !== undefined)) return false;
  if ((spec.quality !== undefined) !== isLossy(spec.format)) return false;
  if (spec.quality !== undefined && !(spec.quality >= 1 && spec.quality <= 100)) return false;
  return spec.enlarge === undefined || (spec.enlarge === true && sized);
}
