import sharp, { type OutputInfo, type Sharp } from 'sharp';

import { withDeadline } from '../core/deadline';
import { type ImageError, isImageError, resizeTimeout } from '../core/errors';
import { CONTENT_TYPES, isDescription, type OutputFormat, type ResizeSpec } from '../core/spec';
import { admitOriginal, admitRendition, type AdmittedSource, decodeError, readMetadata } from './admission';
import { decodeStrictly, openOriginal } from './decode';
import { describeOriginal, placeholderOf } from './describe';
import { encode } from './encode';
import { applyOperations, colourOf } from './operations';
import type { TransformSettings } from './settings';

/**
 * The sharp pipeline: `transform(original, spec)` gives the derivative's bytes.
 *
 * Defaults a user expects without asking: EXIF auto-orientation; output converted to 8-bit sRGB with all
 * metadata (EXIF, XMP, ICC) stripped; no upscaling unless `enlarge`; alpha kept where the format has it
 * and flattened onto `background` for JPEG. Animated GIF/WebP stay animated when the output is GIF or
 * WebP; AVIF, JPEG and PNG outputs take the first frame. A multi-page TIFF or HEIF gives its first page,
 * never an animation. An AVIF over `maxAvifPixels` is encoded as WebP (the result says so). Resizing
 * straight from the input keeps libvips' JPEG shrink-on-load.
 */

export interface TransformResult {
  readonly data: Buffer;
  readonly format: OutputFormat;
  readonly contentType: string;
  /** The picture's size; 0 for a description (json, thumbhash), which has none. */
  readonly width: number;
  readonly height: number;
}

// Every request decodes a different original or size, so libvips' operation cache would only hold
// memory (up to 50 MB by default) that a Lambda container or a long-running server then never returns.
sharp.cache(false);

export async function transform(
  input: Buffer,
  spec: ResizeSpec,
  settings: TransformSettings,
): Promise<TransformResult> {
  return withinTimeout(
    isDescription(spec.format) ? describe(input, spec, settings) : render(input, spec, settings),
    settings,
  );
}

/** `fm=json` or `fm=thumbhash`: text about the original (describe.ts); no picture, so no size. */
async function describe(
  input: Buffer,
  spec: ResizeSpec,
  settings: TransformSettings,
): Promise<TransformResult> {
  const data =
    spec.format === 'json'
      ? await describeOriginal(input, settings)
      : Buffer.from(await placeholderOf(input, settings), 'utf8');
  return { data, format: spec.format, contentType: CONTENT_TYPES[spec.format], width: 0, height: 0 };
}

async function render(
  input: Buffer,
  spec: ResizeSpec,
  settings: TransformSettings,
): Promise<TransformResult> {
  const meta = await readMetadata(input, settings);
  const source = admitOriginal(meta, settings);
  const admitted = admitRendition(spec, source, settings);
  const { animated, encode } = admitted;
  const frames = animated ? source.frames : 1;
  const decodeOptions = { limitInputPixels: settings.inputPixelLimit * frames, pages: frames };

  try {
    const { data, info } = await decodeStrictly((failOn) =>
      applySpec(
        openOriginal(input, decodeOptions, failOn),
        encode,
        admitted.size,
        meta.hasAlpha ?? false,
        admitted.settings,
      ).toBuffer({ resolveWithObject: true }),
    );
    return toResult(encode, data, info, animated);
  } catch (error) {
    throw renderError(error);
  }
}

/** The result of an encode: an animation's height is one frame's (libvips stacks the frames). */
export function toResult(
  encode: ResizeSpec,
  data: Buffer,
  info: OutputInfo,
  animated = false,
): TransformResult {
  const height = animated && info.pageHeight ? info.pageHeight : info.height;
  return {
    data,
    format: encode.format,
    contentType: CONTENT_TYPES[encode.format],
    width: info.width,
    height,
  };
}

/**
 * The deadline, whatever the encoder. sharp's `timeout` works through libvips' progress reports, which
 * the AVIF (libheif) and GIF (cgif) savers do not give while they encode (lovell/sharp#4257), so the
 * caller is answered at the deadline here. The native work cannot be cancelled and finishes in the
 * background: the encoder budgets of admitRendition keep that overrun short.
 */
export function withinTimeout<T>(work: Promise<T>, settings: TransformSettings): Promise<T> {
  return settings.timeoutSeconds > 0 ? withDeadline(work, settings.timeoutSeconds * 1000) : work;
}

/**
 * The steps after decoding, shared with the batch pipeline: the spec's operations (operations.ts) on an
 * upright picture of `source`'s size, flatten alpha for JPEG (onto `bg` or the stack's background),
 * 8-bit sRGB, encode, and a time limit.
 */
export function applySpec(
  pipeline: Sharp,
  spec: ResizeSpec,
  source: Pick<AdmittedSource, 'width' | 'height'>,
  hasAlpha: boolean,
  settings: TransformSettings,
): Sharp {
  let result = applyOperations(pipeline, spec, source.width, source.height, settings.background);
  if (spec.format === 'jpeg' && hasAlpha)
    result = result.flatten({ background: spec.bg ? colourOf(spec.bg) : settings.background });
  return encode(result.toColourspace('srgb'), spec, settings).timeout({
    seconds: settings.timeoutSeconds,
  });
}

/** The typed error for a failure while rendering: too slow (timeout), too large (too_many_pixels) or corrupt (corrupt_input). */
export function renderError(error: unknown): ImageError {
  if (isImageError(error)) return error;
  if (error instanceof Error && /timeout/i.test(error.message)) return resizeTimeout();
  return decodeError(error);
}
