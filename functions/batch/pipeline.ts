import sharp, { type Metadata, type OutputInfo, type Sharp } from 'sharp';

import { type ImageError, isImageError } from '../core/errors';
import { DEFAULT_FIT, type ResizeSpec } from '../core/spec';
import { admitOriginal, admitRendition, readMetadata } from '../transform/admission';
import { decodeStrictly, openOriginal } from '../transform/decode';
import type { TransformSettings } from '../transform/settings';
import {
  applySpec,
  renderError,
  toResult,
  transform,
  type TransformResult,
  withinTimeout,
} from '../transform/transform';
import type { Limiter } from './limit';

/**
 * Many renditions from one original, decoding as few pixels as possible.
 *
 * - **Decode once** (the default): the original is decoded once, auto-oriented and converted to 8-bit
 *   sRGB, into raw pixels; each rendition the edge would also decode at full size is a `clone()` of one
 *   sharp instance over those pixels, so the compressed original is never decoded twice. (A clone over
 *   the *compressed* buffer would decode it again in every clone.) This is what PNG, TIFF, HEIF and GIF
 *   originals get (page 0 of a multi-page TIFF or HEIF). A rendition the edge would decode at a reduced
 *   scale (a small JPEG or WebP rendition), or any rendition of an EXIF-oriented original, is made by
 *   `transform()` even then: from the shared pixels it would come out a few levels different, and the
 *   batch must store the bytes the edge would.
 * - **Shrink-on-load**: JPEG and WebP decoders can decode straight at 1/2, 1/4 or 1/8 scale. When the
 *   renditions are small enough that decoding each at its own reduced scale reads fewer pixels in total
 *   than one full decode (the shares sum to less than 1), each rendition is made by `transform()` itself,
 *   the edge's own function. Measured on 12 MP JPEGs with 320/640/1280 outputs, a full decode plus three
 *   resizes from full resolution costs about three times the three reduced decodes (see bench/batch.ts).
 *
 * The header checks, the operations and the encoder settings are the edge's own
 * (functions/transform/admission.ts, operations.ts and encode.ts), so every rendition is byte for byte
 * what `transform()` gives for its spec; the tests compare the bytes for every format and operation. Animated originals with an animated output (GIF/WebP) also go through
 * `transform()`, one decode per rendition, because their frames must be kept.
 */

/** A rendition's outcome: the derivative, or the permanent reason it cannot be made. */
export type Rendered =
  | { readonly spec: ResizeSpec; readonly result: TransformResult }
  | { readonly spec: ResizeSpec; readonly error: ImageError };

export type Strategy = 'decode-once' | 'shrink-on-load';

/** sharp's canvas rule for each fit (ResolveShrink in sharp's src/common.cc). */
function shrinkFor(spec: ResizeSpec, width: number, height: number): number {
  if (spec.width === undefined && spec.height === undefined) return 1;
  let h = spec.width === undefined ? undefined : width / spec.width;
  let v = spec.height === undefined ? undefined : height / spec.height;
  if (h !== undefined && v !== undefined) {
    const fit = spec.fit ?? DEFAULT_FIT;
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
  // sharp does not shrink on load before a trim or a pre-resize extract (src/pipeline.cc).
  if (spec.trim || spec.rect) return 1;
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

/** The one full decode, under the same deadline as a rendition (a timeout is transient, not corrupt). */
async function decodeOnce(input: Buffer, settings: TransformSettings): Promise<Decoded> {
  try {
    return await withinTimeout(
      decodeStrictly((failOn) =>
        openOriginal(input, { limitInputPixels: settings.inputPixelLimit, pages: 1 }, failOn)
          .toColourspace('srgb')
          .raw({ depth: 'uchar' })
          .timeout({ seconds: settings.timeoutSeconds })
          .toBuffer({ resolveWithObject: true }),
      ),
      settings,
    );
  } catch (error) {
    throw renderError(error);
  }
}

/** One rendition from the decoded pixels; `encode` is what admission decided (WebP for a large AVIF). */
async function renderFromPixels(
  base: { sharp: Sharp; size: { width: number; height: number }; hasAlpha: boolean },
  encode: ResizeSpec,
  settings: TransformSettings,
): Promise<TransformResult> {
  let rendered;
  try {
    rendered = await withinTimeout(
      applySpec(base.sharp.clone(), encode, base.size, base.hasAlpha, settings).toBuffer({
        resolveWithObject: true,
      }),
      settings,
    );
  } catch (error) {
    throw renderError(error);
  }
  return toResult(encode, rendered.data, rendered.info);
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
  const meta = await readMetadata(input, settings);
  const source = admitOriginal(meta, settings);

  const plans = specs.map((spec) => {
    try {
      return { spec, ...admitRendition(spec, source, settings) };
    } catch (error) {
      if (isImageError(error)) return { spec, error };
      throw error;
    }
  });
  const still = plans.filter((plan) => !('error' in plan) && !plan.animated);
  // What can come from the shared decode with the edge's very bytes: a rendition the edge also decodes
  // at full size, of an original stored upright (sharp turns an EXIF-oriented one after the shrink,
  // the shared decode before it, and the two round differently).
  const fullSize = (spec: ResizeSpec) => decodedShare(meta, spec) === 1 && (meta.orientation ?? 1) === 1;
  const strategy =
    options.strategy ??
    chooseStrategy(
      meta,
      still.map((plan) => plan.spec),
    );
  let base: { sharp: Sharp; size: { width: number; height: number }; hasAlpha: boolean } | undefined;
  if (strategy === 'decode-once' && still.some((plan) => fullSize(plan.spec))) {
    const { data, info } = await limit(() => decodeOnce(input, settings));
    const raw = { width: info.width, height: info.height, channels: info.channels };
    base = {
      sharp: sharp(data, { raw }),
      size: { width: info.width, height: info.height },
      hasAlpha: info.channels === 2 || info.channels === 4,
    };
  }

  const rendered = await Promise.all(
    plans.map(async (plan): Promise<Rendered> => {
      if ('error' in plan) return { spec: plan.spec, error: plan.error as ImageError };
      const pixels = base;
      // Every per-rendition limit was checked above: an error from here on concerns the original
      // (corrupt data found while decoding) and fails it as a whole.
      const result =
        pixels && !plan.animated && fullSize(plan.spec)
          ? await limit(() => renderFromPixels(pixels, plan.encode, plan.settings))
          : await limit(() => transform(input, plan.spec, settings));
      return { spec: plan.spec, result };
    }),
  );
  return { strategy, rendered };
}
