import sharp, { type Metadata, type OutputInfo, type Sharp } from 'sharp';
import { imageError, isImageError, type ImageError } from '../core/errors';
import { CONTENT_TYPES, type OutputFormat, type ResizeSpec } from '../core/spec';
import { transform, type TransformResult } from '../transform/transform';
import type { TransformSettings } from '../transform/settings';
import type { Limiter } from './limit';

/**
 * Many renditions from one original, decoding as few pixels as possible.
 *
 * - **Decode once** (the default): the original is decoded once, auto-oriented and converted to 8-bit
 *   sRGB, into raw pixels; each rendition is a `clone()` of one sharp instance over those pixels, so the
 *   compressed original is never decoded twice. (A clone over the *compressed* buffer would decode it
 *   again in every clone.) This is what PNG, TIFF, HEIF and GIF originals get.
 * - **Shrink-on-load**: JPEG and WebP decoders can decode straight at 1/2, 1/4 or 1/8 scale. When the
 *   renditions are small enough that decoding each at its own reduced scale reads fewer pixels in total
 *   than one full decode (the shares sum to less than 1), each rendition is made by `transform()` itself,
 *   the edge's own function. Measured on 12 MP JPEGs with 320/640/1280 outputs, a full decode plus three
 *   resizes from full resolution costs about three times the three reduced decodes (see bench/batch.ts).
 *
 * The checks and encoder settings mirror functions/transform/transform.ts (`admit`, `encode`), which does
 * not export them; the tests compare this pipeline's output with `transform()` for every format so the two
 * cannot drift unnoticed. Animated originals with an animated output (GIF/WebP) also go through
 * `transform()`, one decode per rendition, because their frames must be kept.
 */

/** A rendition's outcome: the derivative, or the permanent reason it cannot be made. */
export type Rendered =
  | { readonly spec: ResizeSpec; readonly result: TransformResult }
  | { readonly spec: ResizeSpec; readonly error: ImageError };

const ACCEPTED_INPUTS = ['jpeg', 'png', 'webp', 'gif', 'tiff', 'heif'];
const ANIMATED_OUTPUTS: readonly OutputFormat[] = ['gif', 'webp'];

const unsupported = (message: string) => imageError(415, 'unsupported_input', message);
const corrupt = () => imageError(422, 'corrupt_input', 'The original image is corrupt or truncated');
const tooManyPixels = (message: string) => imageError(413, 'too_many_pixels', message);

function looksLikeSvg(input: Buffer): boolean {
  const head = input
    .subarray(0, 512)
    .toString('utf8')
    .replace(/^\uFEFF/, '')
    .trimStart();
  return head.startsWith('<') && /<svg[\s>]/i.test(input.subarray(0, 4096).toString('utf8'));
}

async function readMetadata(input: Buffer): Promise<Metadata> {
  try {
    return await sharp(input, { limitInputPixels: false }).metadata();
  } catch (error) {
    const message = error instanceof Error ? error.message : '';
    throw /unsupported image format/i.test(message)
      ? unsupported('The original is not a supported image')
      : corrupt();
  }
}

/** Header checks that concern the original whatever the rendition: format, size, decompression bombs. */
function admitOriginal(meta: Metadata, settings: TransformSettings) {
  const accepted = settings.allowSvg ? ACCEPTED_INPUTS.concat('svg') : ACCEPTED_INPUTS;
  if (!meta.format || accepted.indexOf(meta.format) < 0)
    throw unsupported(
      meta.format === 'svg' ? 'SVG originals are disabled' : 'The original is not a supported image',
    );
  const width = meta.width ?? 0;
  const height = meta.pageHeight ?? meta.height ?? 0;
  if (width < 1 || height < 1) throw corrupt();
  if (width * height > settings.inputPixelLimit)
    throw tooManyPixels(
      `The original is ${width}×${height}, over the ${settings.inputPixelLimit}-pixel input limit`,
    );
  const rotated = (meta.orientation ?? 1) >= 5;
  return { width: rotated ? height : width, height: rotated ? width : height, frames: meta.pages ?? 1 };
}

/** The size sharp will produce for `spec` (same rule as transform.ts). */
function plannedSize(spec: ResizeSpec, sourceWidth: number, sourceHeight: number) {
  let width = spec.width;
  let height = spec.height;
  if (width === undefined && height === undefined) return { width: sourceWidth, height: sourceHeight };
  if (width === undefined) width = Math.round(((height as number) * sourceWidth) / sourceHeight);
  if (height === undefined) height = Math.round((width * sourceHeight) / sourceWidth);
  if (!spec.enlarge && (width > sourceWidth || height > sourceHeight)) {
    const scale = Math.min(sourceWidth / width, sourceHeight / height);
    return { width: Math.round(width * scale), height: Math.round(height * scale) };
  }
  return { width, height };
}

/** Per-rendition checks: the output size, and the frame budget of an animation that stays animated. */
function admitRendition(
  spec: ResizeSpec,
  source: { width: number; height: number; frames: number },
  settings: TransformSettings,
): { animated: boolean } {
  const animated = source.frames > 1 && ANIMATED_OUTPUTS.indexOf(spec.format) >= 0;
  const pixels = source.width * source.height;
  if (animated && (source.frames > settings.maxFrames || pixels * source.frames > settings.inputPixelLimit))
    throw tooManyPixels(
      `The animation has ${source.frames} frames of ${source.width}×${source.height}, over the input limits`,
    );
  const planned = plannedSize(spec, source.width, source.height);
  if (planned.width * planned.height > settings.maxPixels)
    throw tooManyPixels(
      `The output would be ${planned.width}×${planned.height}, over the ${settings.maxPixels}-pixel limit`,
    );
  return { animated };
}

/** Encoder options: the `thorough`/`fast` choices of transform.ts. */
export function encode(pipeline: Sharp, spec: ResizeSpec, settings: TransformSettings): Sharp {
  const thorough = settings.effort === 'thorough';
  switch (spec.format) {
    case 'jpeg':
      return pipeline.jpeg({ quality: spec.quality, mozjpeg: thorough });
    case 'webp':
      return pipeline.webp({ quality: spec.quality, effort: thorough ? 5 : 2 });
    case 'avif':
      return pipeline.avif({ quality: spec.quality, effort: thorough ? 5 : 2 });
    case 'png':
      return pipeline.png({ compressionLevel: thorough ? 9 : 6 });
    case 'gif':
      return pipeline.gif({ effort: thorough ? 7 : 3 });
  }
}

export type Strategy = 'decode-once' | 'shrink-on-load';

/** sharp's canvas rule for each fit (ResolveShrink in sharp's src/common.cc). */
function shrinkFor(spec: ResizeSpec, width: number, height: number): number {
  if (spec.width === undefined && spec.height === undefined) return 1;
  let h = spec.width === undefined ? undefined : width / spec.width;
  let v = spec.height === undefined ? undefined : height / spec.height;
  if (h !== undefined && v !== undefined) {
    const fit = spec.fit ?? 'cover';
    if (fit === 'cover' || fit === 'outside') h = v = Math.min(h, v);
    else if (fit === 'contain' || fit === 'inside') h = v = Math.max(h, v);
  }
  h ??= v as number;
  v ??= h;
  if (!spec.enlarge) {
    h = Math.max(1, h);
    v = Math.max(1, v);
  }
  return Math.min(h, v);
}

/**
 * The share of the original's pixels sharp decodes for `spec` (sharp's src/pipeline.cc): JPEG loads at
 * 1/2, 1/4 or 1/8 scale when the shrink allows (one step less when the shrink is exactly that integer),
 * WebP at any scale below 1; other formats decode in full.
 */
export function decodedShare(meta: Metadata, spec: ResizeSpec): number {
  const rotated = (meta.orientation ?? 1) >= 5;
  const width = meta.width ?? 1;
  const height = meta.pageHeight ?? meta.height ?? 1;
  const shrink = shrinkFor(spec, rotated ? height : width, rotated ? width : height);
  if (meta.format === 'jpeg') {
    let factor = shrink >= 8 ? 8 : shrink >= 4 ? 4 : shrink >= 2 ? 2 : 1;
    if (factor > 1 && Math.trunc(shrink) === factor) factor /= 2;
    return 1 / (factor * factor);
  }
  if (meta.format === 'webp' && shrink > 1) return 1 / (shrink * shrink);
  return 1;
}

/** Decode once, unless decoding each rendition at its own reduced scale reads fewer pixels in total. */
export function chooseStrategy(meta: Metadata, specs: readonly ResizeSpec[]): Strategy {
  const total = specs.reduce((sum, spec) => sum + decodedShare(meta, spec), 0);
  return specs.length > 0 && total < 1 ? 'shrink-on-load' : 'decode-once';
}

interface Decoded {
  readonly data: Buffer;
  readonly info: OutputInfo;
}

async function decodeOnce(input: Buffer, settings: TransformSettings): Promise<Decoded> {
  try {
    return await sharp(input, {
      limitInputPixels: settings.inputPixelLimit,
      failOn: 'error',
      pages: 1,
      autoOrient: true,
    })
      .toColourspace('srgb')
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
  } catch (error) {
    if (error instanceof Error && /pixel limit/i.test(error.message))
      throw tooManyPixels('The original is too large');
    throw corrupt();
  }
}

async function renderFromPixels(
  base: Sharp,
  hasAlpha: boolean,
  spec: ResizeSpec,
  settings: TransformSettings,
) {
  let pipeline = base.clone();
  if (spec.width !== undefined || spec.height !== undefined)
    pipeline = pipeline.resize({
      width: spec.width,
      height: spec.height,
      fit: spec.fit ?? 'cover',
      withoutEnlargement: !spec.enlarge,
    });
  if (spec.format === 'jpeg' && hasAlpha) pipeline = pipeline.flatten({ background: settings.background });
  const { data, info } = await encode(pipeline, spec, settings).toBuffer({ resolveWithObject: true });
  return {
    data,
    format: spec.format,
    contentType: CONTENT_TYPES[spec.format],
    width: info.width,
    height: info.height,
  };
}

export interface RenderedSet {
  readonly strategy: Strategy;
  /** One entry per spec, in order. */
  readonly rendered: Rendered[];
}

/**
 * Renders every spec from `input`. Throws a permanent ImageError when the original itself is unusable
 * (not an image, corrupt, too many pixels); a spec that alone is impossible (output over the pixel limit)
 * comes back with its error. Every sharp task runs through `limit`, which bounds CPU use. `strategy`
 * forces one way of decoding (the benchmark compares them); by default it is chosen per original.
 */
export async function renderRenditions(
  input: Buffer,
  specs: readonly ResizeSpec[],
  settings: TransformSettings,
  limit: Limiter,
  options: { readonly strategy?: Strategy } = {},
): Promise<RenderedSet> {
  if (input.length === 0) throw corrupt();
  if (!settings.allowSvg && looksLikeSvg(input)) throw unsupported('SVG originals are disabled');
  const meta = await readMetadata(input);
  const source = admitOriginal(meta, settings);

  const plans = specs.map((spec) => {
    try {
      return { spec, animated: admitRendition(spec, source, settings).animated };
    } catch (error) {
      if (isImageError(error)) return { spec, error };
      throw error;
    }
  });
  const still = plans.filter((plan) => !('error' in plan) && !plan.animated);
  const strategy =
    options.strategy ??
    chooseStrategy(
      meta,
      still.map((plan) => plan.spec),
    );
  let base: { sharp: Sharp; hasAlpha: boolean } | undefined;
  if (strategy === 'decode-once' && still.length > 0) {
    const { data, info } = await limit(() => decodeOnce(input, settings));
    const raw = { width: info.width, height: info.height, channels: info.channels };
    base = { sharp: sharp(data, { raw }), hasAlpha: info.channels === 2 || info.channels === 4 };
  }

  const rendered = await Promise.all(
    plans.map(async (plan): Promise<Rendered> => {
      if ('error' in plan) return { spec: plan.spec, error: plan.error as ImageError };
      const pixels = base;
      // Every per-rendition limit was checked above: an error from here on concerns the original
      // (corrupt data found while decoding) and fails it as a whole.
      const result =
        pixels && !plan.animated
          ? await limit(() => renderFromPixels(pixels.sharp, pixels.hasAlpha, plan.spec, settings))
          : await limit(() => transform(input, plan.spec, settings));
      return { spec: plan.spec, result };
    }),
  );
  return { strategy, rendered };
}
