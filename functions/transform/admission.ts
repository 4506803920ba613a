import sharp, { type Metadata } from 'sharp';

import {
  corruptInput,
  type ImageError,
  invalidParameter,
  tooManyPixels,
  unsupportedInput,
} from '../core/errors';
import { DEFAULT_FIT, type OutputFormat, type ResizeSpec } from '../core/spec';
import { effortFor } from './encode';
import { preResizeSize, rotatedSize } from './operations';
import type { TransformSettings } from './settings';

/**
 * What is checked from an original's header before any pixel is decoded, so bombs and unsupported files
 * are refused cheaply. Shared by the on-demand transform and the batch pipeline.
 */

/**
 * The raster containers admitted, recognised by their magic bytes before any decoder sees the bytes.
 * This is an allow-list: libvips picks its loader from the content, and it has loaders (SVG through
 * librsvg, which also inflates gzip-compressed `.svgz`) that must never parse an untrusted original.
 * Anything that is not one of these is refused without calling sharp. HEIF is admitted only with an
 * AVIF brand: sharp's prebuilt libheif decodes AV1 only (sharp.format.heif lists `.avif` alone), so a
 * HEIC (HEVC) file is unsupported, not corrupt.
 */
export type RasterFormat = 'jpeg' | 'png' | 'gif' | 'webp' | 'tiff' | 'heif';

/** Containers whose frames can form an animation that GIF or WebP output keeps. */
const ANIMATED_CONTAINERS: readonly string[] = ['gif', 'webp'];

/** Output formats that keep an animation; the others take the first frame. */
const ANIMATED_OUTPUTS: readonly OutputFormat[] = ['gif', 'webp'];

/** The raster container `input` starts with, from its magic bytes; undefined for anything else. */
export function sniffRaster(input: Buffer): RasterFormat | undefined {
  const ascii = (start: number, end: number) => input.toString('latin1', start, end);
  if (input[0] === 0xff && input[1] === 0xd8 && input[2] === 0xff) return 'jpeg';
  if (ascii(0, 8) === '\x89PNG\r\n\x1a\n') return 'png';
  if (ascii(0, 6) === 'GIF87a' || ascii(0, 6) === 'GIF89a') return 'gif';
  if (ascii(0, 4) === 'RIFF' && ascii(8, 12) === 'WEBP') return 'webp';
  // Classic TIFF (42) and BigTIFF (43), either byte order.
  if (['II*\0', 'MM\0*', 'II+\0', 'MM\0+'].indexOf(ascii(0, 4)) >= 0) return 'tiff';
  if (ascii(4, 8) === 'ftyp' && input.length >= 16) {
    // ISO-BMFF: the ftyp box lists a major brand, a minor version, then compatible brands.
    const end = Math.min(input.readUInt32BE(0), input.length, 4096);
    for (let at = 8; at + 4 <= end; at += at === 8 ? 8 : 4) {
      const brand = ascii(at, at + 4);
      if (brand === 'avif' || brand === 'avis') return 'heif';
    }
  }
  return undefined;
}

/**
 * Whether text looks like an SVG document: only used to admit SVG when `allowSvg` is on (and to word the
 * refusal when it is off). Plain text only: a gzip-compressed SVG is never admitted.
 */
export function looksLikeSvg(input: Buffer): boolean {
  const text = input
    .subarray(0, 65_536)
    .toString('utf8')
    .replace(/^\uFEFF/, '');
  return text.trimStart().startsWith('<') && /<svg[\s>]/i.test(text);
}

/**
 * A GIF ends with its trailer byte 0x3B. libnsgif decodes a truncated GIF without a warning, keeping
 * whatever part of the cut frame it read, so the end of the data is checked here. Zero bytes after the
 * trailer (padding some tools add) are allowed.
 */
function endsWithGifTrailer(input: Buffer): boolean {
  let end = input.length - 1;
  while (end > 0 && input[end] === 0) end--;
  return input[end] === 0x3b;
}

/** The format an original must turn out to be, checked before sharp parses a byte of it. */
function admittedFormat(input: Buffer, settings: TransformSettings): RasterFormat | 'svg' {
  const raster = sniffRaster(input);
  if (raster) return raster;
  if (looksLikeSvg(input)) {
    if (settings.allowSvg) return 'svg';
    throw unsupportedInput('SVG originals are disabled');
  }
  throw unsupportedInput('The original is not a supported image');
}

/**
 * The header, or the typed error an unreadable one deserves: corrupt_input when empty, unsupported_input when not an admitted format.
 * Only bytes that passed `admittedFormat` reach sharp, and the loader libvips then picked must agree.
 */
export async function readMetadata(input: Buffer, settings: TransformSettings): Promise<Metadata> {
  if (input.length === 0) throw corruptInput();
  const expected = admittedFormat(input, settings);
  if (expected === 'gif' && !endsWithGifTrailer(input)) throw corruptInput();
  let meta: Metadata;
  try {
    meta = await sharp(input, { limitInputPixels: false }).metadata();
  } catch {
    // Its magic bytes name an admitted format, so a header that cannot be read is damaged.
    throw corruptInput();
  }
  if (meta.format !== expected) throw unsupportedInput('The original is not a supported image');
  return meta;
}

/**
 * The largest output sharp can produce for `spec`, from the header alone. With both sides given,
 * `cover`, `contain`, `fill` and `inside` stay within the box; `outside` covers it, so its output can be
 * far larger than the box when the shapes differ. Without `enlarge` nothing grows past the original.
 */
export function plannedSize(spec: ResizeSpec, sourceWidth: number, sourceHeight: number) {
  const { width, height } = spec;
  if (width === undefined && height === undefined) return { width: sourceWidth, height: sourceHeight };
  if (width !== undefined && height !== undefined && (spec.fit ?? DEFAULT_FIT) !== 'outside')
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

/** An admitted original: its upright size (after EXIF orientation) and its animation's frame count. */
export interface AdmittedSource {
  readonly width: number;
  readonly height: number;
  readonly frames: number;
  /** Whether EXIF orientation swaps the stored width and height (applied to single pictures only). */
  readonly rotated: boolean;
}

/** Checks that concern the original whatever the rendition: format, size, decompression bombs. */
export function admitOriginal(meta: Metadata, settings: TransformSettings): AdmittedSource {
  if (meta.format === 'svg' && !settings.allowSvg) throw unsupportedInput('SVG originals are disabled');
  const width = meta.width ?? 0;
  const height = meta.pageHeight ?? meta.height ?? 0;
  if (width < 1 || height < 1) throw corruptInput();
  if (width * height > settings.inputPixelLimit) {
    throw tooManyPixels(
      `The original is ${width}×${height}, over the ${settings.inputPixelLimit}-pixel input limit`,
    );
  }
  const rotated = (meta.orientation ?? 1) >= 5;
  // Pages of a TIFF or HEIF are separate pictures, often of different sizes (scans, faxes, bursts): the
  // first one is the image. Only GIF and WebP frames make an animation.
  const frames = ANIMATED_CONTAINERS.indexOf(meta.format as string) >= 0 ? (meta.pages ?? 1) : 1;
  return { width: rotated ? height : width, height: rotated ? width : height, frames, rotated };
}

/** What admission decided for one rendition. */
export interface AdmittedRendition {
  /** Whether the frames of an animation are kept. */
  readonly animated: boolean;
  /** The upright size the operations start from (an animation keeps its stored orientation). */
  readonly size: { readonly width: number; readonly height: number };
  /** The spec to encode: the one asked for, or WebP in place of an AVIF over `maxAvifPixels`. */
  readonly encode: ResizeSpec;
  /** The settings to encode with: `thorough` effort drops to `fast` where it could not finish in time. */
  readonly settings: TransformSettings;
}

/** AVIF quality → WebP quality, by the ratio of their defaults (AVIF 50 looks like WebP 80). */
function webpQualityFor(avifQuality: number | undefined): number {
  return Math.min(100, Math.round(((avifQuality ?? 50) * 80) / 50));
}

/**
 * Per-rendition checks, all from the header: the frame budget of an animation that stays animated, the
 * output size, and the budgets of the encoders libvips cannot interrupt (AVIF, GIF), so that no
 * admitted rendition can run far past the timeout.
 */
export function admitRendition(
  spec: ResizeSpec,
  source: AdmittedSource,
  settings: TransformSettings,
): AdmittedRendition {
  const animated = source.frames > 1 && ANIMATED_OUTPUTS.indexOf(spec.format) >= 0 && !reshapesFrames(spec);
  const pixels = source.width * source.height;
  if (animated && (source.frames > settings.maxFrames || pixels * source.frames > settings.inputPixelLimit)) {
    throw tooManyPixels(
      `The animation has ${source.frames} frames of ${source.width}×${source.height}, over the input limits`,
    );
  }
  // An animation keeps its stored orientation (see openOriginal), so its size is the stored one.
  const [width, height] =
    animated && source.rotated ? [source.height, source.width] : [source.width, source.height];
  checkGeometry(spec, width, height, settings);
  const before = preResizeSize(spec, width, height);
  const resized = plannedSize(spec, before.width, before.height);
  const pad = 2 * (spec.pad ?? 0);
  const planned = { width: resized.width + pad, height: resized.height + pad };
  const outputPixels = planned.width * planned.height;
  if (outputPixels > settings.maxPixels) {
    throw tooManyPixels(
      `The output would be ${planned.width}×${planned.height}, over the ${settings.maxPixels}-pixel limit`,
    );
  }
  const gifBudget = settings.maxGifPixels;
  if (spec.format === 'gif' && outputPixels * (animated ? source.frames : 1) > gifBudget) {
    throw tooManyPixels(
      `A GIF of ${planned.width}×${planned.height}` +
        (animated ? ` × ${source.frames} frames` : '') +
        ` is over the ${gifBudget}-pixel GIF budget; ask for a smaller size or WebP`,
    );
  }
  const avifBudget = settings.maxAvifPixels;
  const encode: ResizeSpec =
    spec.format === 'avif' && outputPixels > avifBudget
      ? { ...spec, format: 'webp', quality: webpQualityFor(spec.quality) }
      : spec;
  const effort = effortFor(encode.format, outputPixels * (animated ? source.frames : 1), settings.effort);
  return {
    animated,
    size: { width, height },
    encode,
    settings: effort === settings.effort ? settings : { ...settings, effort },
  };
}

/**
 * Operations that cut or turn the picture (flip, rot, trim, rect, a focal-point crop) apply to the first
 * frame only: libvips holds an animation as one tall strip of frames, which they would cut or turn as a
 * whole.
 */
function reshapesFrames(spec: ResizeSpec): boolean {
  return Boolean(spec.flip || spec.rot || spec.trim || spec.rect || spec.crop === 'focalpoint');
}

/**
 * What the header can tell about `rect` and `trim`: a rect must lie inside the picture (as flipped and
 * rotated: operations.ts); trim, whose result is known only once decoded, cannot be combined with a
 * rect or a focal point, which are measured on the picture before the resize; and trim reads every
 * pixel of the original at full size (no shrink-on-load), about 0.25 s a megapixel on one core
 * (bench/operations.ts), so it counts the original against `maxPixels`.
 */
function checkGeometry(spec: ResizeSpec, width: number, height: number, settings: TransformSettings): void {
  if (spec.trim && (spec.rect || spec.crop === 'focalpoint'))
    throw invalidParameter('trim', 'cannot be combined with rect or crop=focalpoint');
  if (spec.trim && width * height > settings.maxPixels)
    throw tooManyPixels(
      `trim reads the whole original: ${width}×${height} is over ${settings.maxPixels} pixels`,
    );
  if (!spec.rect) return;
  const frame = rotatedSize(spec, width, height);
  const [x, y, w, h] = spec.rect as [number, number, number, number];
  if (x + w > frame.width || y + h > frame.height)
    throw invalidParameter('rect', `must lie inside the ${frame.width}×${frame.height} image`);
}

/** Maps a sharp failure while decoding to its typed error: over the pixel limit, or corrupt data. */
export function decodeError(error: unknown): ImageError {
  if (error instanceof Error && /pixel limit/i.test(error.message))
    return tooManyPixels('The original is too large');
  return corruptInput();
}
