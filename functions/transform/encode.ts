import type { Sharp } from 'sharp';
import type { ResizeSpec } from '../core/spec';
import type { TransformSettings } from './settings';

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
  }
}
