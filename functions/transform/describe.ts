import sharp, { type Metadata, type Sharp } from 'sharp';
import { rgbaToThumbHash } from 'thumbhash';

import { admitOriginal, type AdmittedSource, decodeError, readMetadata } from './admission';
import { decodeStrictly, openOriginal } from './decode';
import type { TransformSettings } from './settings';

/**
 * Facts about an original rather than a rendition of it: the body of imgix's `fm=json`
 * (https://docs.imgix.com/apis/rendering/format/fm) and a ThumbHash placeholder. Both go through the same
 * admission as every transform (magic bytes, header, pixel limit) and decode through `openOriginal`, so a
 * hostile or damaged original gets the same typed error here as anywhere else. Neither sets a deadline:
 * the caller wraps them in the transform timeout like any other work.
 */

/** What `fm=json` answers, serialised in this key order. */
export interface OriginalDescription {
  /** Upright width: EXIF orientation 5–8 swaps width and height. */
  readonly width: number;
  /** Upright height of one frame (an animation's `pageHeight`, not the whole strip). */
  readonly height: number;
  /** sharp's name of the container, e.g. "jpeg", "png", "webp". */
  readonly format: string;
  /** Whether the original has an alpha channel, used or not (sharp's header reading, not a pixel scan). */
  readonly hasAlpha: boolean;
  /** Frames of an animation or pages of a TIFF/HEIF; 1 for a single picture. */
  readonly pages: number;
  /** Whether a GIF or WebP has more than one frame (TIFF pages are separate pictures, not frames). */
  readonly animated: boolean;
  /** Most common colour of the first frame as `#rrggbb`, from a 16-level-per-channel histogram. */
  readonly dominantColor: string;
  /** EXIF orientation tag, 1 when absent. */
  readonly orientation: number;
}

/** Longest side decoded for the dominant colour: a histogram needs a few thousand pixels, not millions. */
const DOMINANT_SIDE = 64;

/** ThumbHash refuses anything larger than 100×100 ("Must be ≤100px"). */
const THUMBHASH_SIDE = 100;

/** The `fm=json` body for `input`: UTF-8 JSON of its `OriginalDescription`. */
export async function describeOriginal(input: Buffer, settings: TransformSettings): Promise<Buffer> {
  const meta = await readMetadata(input, settings);
  const source = admitOriginal(meta, settings);
  const dominantColor = await dominantColorOf(input, settings);
  return Buffer.from(JSON.stringify(descriptionOf(meta, source, dominantColor)), 'utf8');
}

/** The description from the header and admission's reading of it; only the colour needs pixels. */
function descriptionOf(meta: Metadata, source: AdmittedSource, dominantColor: string): OriginalDescription {
  return {
    width: source.width,
    height: source.height,
    format: meta.format,
    hasAlpha: meta.hasAlpha,
    pages: meta.pages ?? 1,
    animated: source.frames > 1,
    dominantColor,
    orientation: meta.orientation ?? 1,
  };
}

/**
 * sharp's `stats()` reads its input, not the pipeline's output, so the small decode is made first and its
 * raw pixels are measured. Transparent pixels are flattened onto the configured background: their RGB is
 * arbitrary (often black) and would otherwise outvote the visible colours.
 */
async function dominantColorOf(input: Buffer, settings: TransformSettings): Promise<string> {
  const { data, info } = await decodeSmall(input, settings, DOMINANT_SIDE, (image) =>
    image.flatten({ background: settings.background }).raw().toBuffer({ resolveWithObject: true }),
  );
  const raw = { width: info.width, height: info.height, channels: info.channels };
  const { dominant } = await sharp(data, { raw }).stats();
  return '#' + [dominant.r, dominant.g, dominant.b].map((v) => v.toString(16).padStart(2, '0')).join('');
}

/**
 * A ThumbHash of `input` as standard base64 (https://evanw.github.io/thumbhash/): about 25 bytes that
 * decode to a blurred, upright picture of the first frame with its alpha and approximate aspect ratio.
 */
export async function placeholderOf(input: Buffer, settings: TransformSettings): Promise<string> {
  admitOriginal(await readMetadata(input, settings), settings);
  const { data, info } = await decodeSmall(input, settings, THUMBHASH_SIDE, (image) =>
    // ThumbHash reads RGBA that is not premultiplied, which is what sharp's raw output is.
    image.ensureAlpha().raw().toBuffer({ resolveWithObject: true }),
  );
  return Buffer.from(rgbaToThumbHash(info.width, info.height, data)).toString('base64');
}

/**
 * The first frame, upright, shrunk to fit `side`×`side` (never enlarged: a small original already fits),
 * then `finish`ed. A decode failure becomes the typed error every other path gives.
 */
async function decodeSmall<T>(
  input: Buffer,
  settings: TransformSettings,
  side: number,
  finish: (image: Sharp) => Promise<T>,
): Promise<T> {
  const options = { limitInputPixels: settings.inputPixelLimit, pages: 1 };
  try {
    return await decodeStrictly((failOn) =>
      finish(
        openOriginal(input, options, failOn).resize(side, side, { fit: 'inside', withoutEnlargement: true }),
      ),
    );
  } catch (error) {
    throw decodeError(error);
  }
}
