import sharp, { type Metadata, type Sharp } from 'sharp';
import { imageError, isImageError, type ImageError } from '../core/errors';
import { CONTENT_TYPES, type OutputFormat, type ResizeSpec } from '../core/spec';
import type { TransformSettings } from './settings';

/**
 * The sharp pipeline: `transform(original, spec)` gives the derivative's bytes.
 *
 * Defaults a user expects without asking: EXIF auto-orientation; output converted to 8-bit sRGB with all
 * metadata (EXIF, XMP, ICC) stripped; no upscaling unless `enlarge`; alpha kept where the format has it
 * and flattened onto `background` for JPEG. Animated GIF/WebP stay animated when the output is GIF or
 * WebP; AVIF, JPEG and PNG outputs take the first frame. Resizing straight from the input keeps libvips'
 * JPEG shrink-on-load.
 */

export interface TransformResult {
  readonly data: Buffer;
  readonly format: OutputFormat;
  readonly contentType: string;
  readonly width: number;
  readonly height: number;
}

// Every request decodes a different original or size, so libvips' operation cache would only hold
// memory (up to 50 MB by default) that a Lambda container or a long-running server then never returns.
sharp.cache(false);

/** Input formats accepted (sharp's metadata names). SVG is added only when enabled. */
const ACCEPTED_INPUTS = ['jpeg', 'png', 'webp', 'gif', 'tiff', 'heif'];

const ANIMATED_OUTPUTS: readonly OutputFormat[] = ['gif', 'webp'];

function unsupported(message: string): ImageError {
  return imageError(415, 'unsupported_input', message);
}

function corrupt(): ImageError {
  return imageError(422, 'corrupt_input', 'The original image is corrupt or truncated');
}

function tooManyPixels(message: string): ImageError {
  return imageError(413, 'too_many_pixels', message);
}

/** SVG is text; it is sniffed before sharp (and librsvg) ever parse it. */
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

/** The size sharp will produce for `spec`, computed from the header alone. */
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

function encode(pipeline: Sharp, spec: ResizeSpec, settings: TransformSettings): Sharp {
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

/** Checks the header against every limit, so bombs and unsupported files are refused before decoding. */
function admit(meta: Metadata, spec: ResizeSpec, settings: TransformSettings) {
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
  const frames = meta.pages ?? 1;
  const animated = frames > 1 && ANIMATED_OUTPUTS.indexOf(spec.format) >= 0;
  if (animated && (frames > settings.maxFrames || width * height * frames > settings.inputPixelLimit)) {
    throw tooManyPixels(`The animation has ${frames} frames of ${width}×${height}, over the input limits`);
  }
  const rotated = (meta.orientation ?? 1) >= 5;
  const planned = plannedSize(spec, rotated ? height : width, rotated ? width : height);
  if (planned.width * planned.height > settings.maxPixels) {
    throw tooManyPixels(
      `The output would be ${planned.width}×${planned.height}, over the ${settings.maxPixels}-pixel limit`,
    );
  }
  return { animated, frames };
}

export async function transform(
  input: Buffer,
  spec: ResizeSpec,
  settings: TransformSettings,
): Promise<TransformResult> {
  if (input.length === 0) throw corrupt();
  if (!settings.allowSvg && looksLikeSvg(input)) throw unsupported('SVG originals are disabled');
  const meta = await readMetadata(input);
  const { animated, frames } = admit(meta, spec, settings);

  let pipeline = sharp(input, {
    limitInputPixels: animated ? settings.inputPixelLimit * frames : settings.inputPixelLimit,
    failOn: 'error',
    pages: animated ? frames : 1,
    autoOrient: true,
  });
  if (spec.width !== undefined || spec.height !== undefined) {
    pipeline = pipeline.resize({
      width: spec.width,
      height: spec.height,
      fit: spec.fit ?? 'cover',
      withoutEnlargement: !spec.enlarge,
    });
  }
  if (spec.format === 'jpeg' && meta.hasAlpha)
    pipeline = pipeline.flatten({ background: settings.background });
  pipeline = encode(pipeline.toColourspace('srgb'), spec, settings).timeout({
    seconds: settings.timeoutSeconds ?? 20,
  });

  try {
    const { data, info } = await pipeline.toBuffer({ resolveWithObject: true });
    const height = animated && info.pageHeight ? info.pageHeight : info.height;
    return { data, format: spec.format, contentType: CONTENT_TYPES[spec.format], width: info.width, height };
  } catch (error) {
    if (isImageError(error)) throw error;
    if (error instanceof Error && /pixel limit/i.test(error.message))
      throw tooManyPixels('The original is too large');
    throw corrupt();
  }
}
