import sharp, { type Metadata } from 'sharp';
import { imageError, type ImageError } from '../core/errors';
import type { OutputFormat, ResizeSpec } from '../core/spec';
import type { TransformSettings } from './settings';

/**
 * What is checked from an original's header before any pixel is decoded, so bombs and unsupported files
 * are refused cheaply. Shared by the on-demand transform and the batch pipeline.
 */

/** Input formats accepted (sharp's metadata names). SVG is added only when enabled. */
const ACCEPTED_INPUTS = ['jpeg', 'png', 'webp', 'gif', 'tiff', 'heif'];

/** Output formats that keep an animation; the others take the first frame. */
const ANIMATED_OUTPUTS: readonly OutputFormat[] = ['gif', 'webp'];

export function unsupported(message: string): ImageError {
  return imageError(415, 'unsupported_input', message);
}

export function corrupt(): ImageError {
  return imageError(422, 'corrupt_input', 'The original image is corrupt or truncated');
}

export function tooManyPixels(message: string): ImageError {
  return imageError(413, 'too_many_pixels', message);
}

/** SVG is text; it is sniffed before sharp (and librsvg) ever parse it. */
export function looksLikeSvg(input: Buffer): boolean {
  const head = input
    .subarray(0, 512)
    .toString('utf8')
    .replace(/^\uFEFF/, '')
    .trimStart();
  return head.startsWith('<') && /<svg[\s>]/i.test(input.subarray(0, 4096).toString('utf8'));
}

/** The header, or the typed error an unreadable one deserves: 422 empty, 415 not an image. */
export async function readMetadata(input: Buffer, settings: TransformSettings): Promise<Metadata> {
  if (input.length === 0) throw corrupt();
  if (!settings.allowSvg && looksLikeSvg(input)) throw unsupported('SVG originals are disabled');
  try {
    return await sharp(input, { limitInputPixels: false }).metadata();
  } catch (error) {
    const message = error instanceof Error ? error.message : '';
    throw /unsupported image format/i.test(message)
      ? unsupported('The original is not a supported image')
      : corrupt();
  }
}

/**
 * The largest output sharp can produce for `spec`, from the header alone. With both sides given,
 * `cover`, `contain`, `fill` and `inside` stay within the box; `outside` covers it, so its output can be
 * far larger than the box when the shapes differ. Without `enlarge` nothing grows past the original.
 */
export function plannedSize(spec: ResizeSpec, sourceWidth: number, sourceHeight: number) {
  const { width, height } = spec;
  if (width === undefined && height === undefined) return { width: sourceWidth, height: sourceHeight };
  if (width !== undefined && height !== undefined && (spec.fit ?? 'cover') !== 'outside')
    return { width, height };
  let scale =
    width !== undefined && height !== undefined
      ? Math.max(width / sourceWidth, height / sourceHeight)
      : width !== undefined
        ? width / sourceWidth
        : (height as number) / sourceHeight;
  if (!spec.enlarge) scale = Math.min(scale, 1);
  return { width: Math.round(sourceWidth * scale), height: Math.round(sourceHeight * scale) };
}

/** An admitted original: its upright size (after EXIF orientation) and frame count. */
export interface AdmittedSource {
  readonly width: number;
  readonly height: number;
  readonly frames: number;
}

/** Checks that concern the original whatever the rendition: format, size, decompression bombs. */
export function admitOriginal(meta: Metadata, settings: TransformSettings): AdmittedSource {
  const accepted = settings.allowSvg ? ACCEPTED_INPUTS.concat('svg') : ACCEPTED_INPUTS;
  if (!meta.format || accepted.indexOf(meta.format) < 0) {
    throw unsupported(
      meta.format === 'svg' ? 'SVG originals are disabled' : 'The original is not a supported image',
    );
  }
  const width = meta.width ?? 0;
  const height = meta.pageHeight ?? meta.height ?? 0;
  if (width < 1 || height < 1) throw corrupt();
  if (width * height > settings.inputPixelLimit) {
    throw tooManyPixels(
      `The original is ${width}×${height}, over the ${settings.inputPixelLimit}-pixel input limit`,
    );
  }
  const rotated = (meta.orientation ?? 1) >= 5;
  return { width: rotated ? height : width, height: rotated ? width : height, frames: meta.pages ?? 1 };
}

/** Per-rendition checks: the output size, and the frame budget of an animation that stays animated. */
export function admitRendition(
  spec: ResizeSpec,
  source: AdmittedSource,
  settings: TransformSettings,
): { animated: boolean } {
  const animated = source.frames > 1 && ANIMATED_OUTPUTS.indexOf(spec.format) >= 0;
  const pixels = source.width * source.height;
  if (animated && (source.frames > settings.maxFrames || pixels * source.frames > settings.inputPixelLimit)) {
    throw tooManyPixels(
      `The animation has ${source.frames} frames of ${source.width}×${source.height}, over the input limits`,
    );
  }
  const planned = plannedSize(spec, source.width, source.height);
  if (planned.width * planned.height > settings.maxPixels) {
    throw tooManyPixels(
      `The output would be ${planned.width}×${planned.height}, over the ${settings.maxPixels}-pixel limit`,
    );
  }
  return { animated };
}

/** Maps a sharp failure while decoding to its typed error: over the pixel limit, or corrupt data. */
export function decodeError(error: unknown): ImageError {
  if (error instanceof Error && /pixel limit/i.test(error.message))
    return tooManyPixels('The original is too large');
  return corrupt();
}
