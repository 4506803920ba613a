import type { Sharp } from 'sharp';

import type { OutputFormat, ResizeSpec } from '../core/spec';
import type { TransformSettings } from './settings';

/**
 * Largest output (width × height × frames) encoded at the `thorough` effort by the encoders libvips
 * cannot interrupt; larger outputs get the `fast` effort, so a batch rendition stays within the same
 * deadline. Measured on one core (bench/avif-worst-case.ts and noise GIFs): AVIF effort 5 takes about
 * 7 s per megapixel (effort 2: about 1.3 s), GIF effort 7 about 4.6 s (effort 3: about 0.7 s).
 */
const THOROUGH_PIXELS: Partial<Record<OutputFormat, number>> = { avif: 1_048_576, gif: 1_048_576 };

/** The effort to encode `pixels` of `format` with: the configured one, unless too slow to finish. */
export function effortFor(
  format: OutputFormat,
  pixels: number,
  effort: TransformSettings['effort'],
): TransformSettings['effort'] {
  return effort === 'thorough' && pixels > (THOROUGH_PIXELS[format] ?? Infinity) ? 'fast' : effort;
}

/**
 * Encoder options. `fast` (on demand, someone is waiting): AVIF/WebP effort 2, plain libjpeg-turbo.
 * `thorough` (batch): higher effort and mozjpeg, for smaller files at the same quality.
 */
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
    default:
      // Descriptions (json, thumbhash) are written by describe.ts, never encoded as images.
      throw new Error(`encode: ${spec.format} is not an image format`);
  }
}
