import sharp, { type Sharp, type SharpOptions } from 'sharp';

/**
 * How an admitted original is opened for decoding: the one rule for the edge and the batch pipeline.
 *
 * `failOn: 'warning'`, sharp's documented level for untrusted input (its Security page: input "will be
 * rejected if there are any warnings whilst decoding"). A lower level lets damaged data through as
 * garbage: with 'error', libjpeg's "Corrupt JPEG data: premature end of data segment" (entropy data that
 * ends early, or a header claiming far more pixels than the data holds) only warns, and the decoder
 * paints the missing rows grey. Two libjpeg warnings are harmless and common in real cameras' files
 * (lovell/sharp#1578): stray bytes before a marker, and odd SOS parameters in a sequential JPEG. A decode
 * that stops on one of those alone is retried once at 'error', which still stops on truncation and
 * real errors.
 *
 * Limits: libjpeg can only notice bit flips where they desynchronise its Huffman decoding, and a
 * shrink-on-load decode (1/4, 1/8) may finish before reading the damaged end of the data; such a file
 * can still decode to wrong pixels at small sizes.
 */
export type FailOn = NonNullable<SharpOptions['failOn']>;

export const FAIL_ON: FailOn = 'warning';

const HARMLESS_WARNINGS = /extraneous bytes before marker|invalid SOS parameters for sequential JPEG/i;

export interface DecodeOptions {
  /** Largest width × height (× frames for an animation) libvips may decode. */
  readonly limitInputPixels: number;
  /** Frames to read from page 0 on: 1 for a still image or any page of a TIFF/HEIF. */
  readonly pages: number;
}

/**
 * A sharp instance over the original: page 0 first, the given failOn level, and EXIF auto-orientation
 * for a single picture. An animation is read as one strip of frames, which libvips would rotate as a
 * whole (frames then no longer line up: "corrupt"), so an animation's orientation tag is not applied.
 */
export function openOriginal(input: Buffer, options: DecodeOptions, failOn: FailOn = FAIL_ON): Sharp {
  return sharp(input, {
    limitInputPixels: options.limitInputPixels,
    failOn,
    page: 0,
    pages: options.pages,
    autoOrient: options.pages === 1,
  });
}

/** Runs `decode` at FAIL_ON; when only a known-harmless warning stopped it, once more at 'error'. */
export async function decodeStrictly<T>(decode: (failOn: FailOn) => Promise<T>): Promise<T> {
  try {
    return await decode(FAIL_ON);
  } catch (error) {
    if (error instanceof Error && HARMLESS_WARNINGS.test(error.message)) return decode('error');
    throw error;
  }
}
