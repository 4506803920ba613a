import sharp, { type Color, type Sharp } from 'sharp';

import { DEFAULT_FIT, type ResizeSpec } from '../core/spec';

/**
 * The spec's operations as sharp calls, in this order: EXIF orientation, `flip`, `rot`, `trim`, `rect`,
 * the resize and its crop (`fit`, `crop`, the focal point), `pad`, then `blur`, `sat` and `sharp` on the
 * output's own pixels (their cost is bounded by the output size). `rect` and the focal point are measured
 * on the picture as flipped, rotated and trimmed: what the viewer will see.
 *
 * sharp applies operations in a fixed order of its own (src/pipeline.cc): `rotate` before the resize
 * (or an extract, or trim) moves the rotation and the mirrors ahead of trim and the extract, which is
 * the order above; without a rotation the mirrors come after the shrink (still before the crop), so
 * a `rect` is then mirrored into the unflipped picture sharp cuts it from. Calling `rotate` after the
 * resize would not do: sharp then crops to the unrotated box (600×400 resized to 400×300 and rotated
 * comes out 300×300).
 */

/** imgix's blur scale, 0–2000, as sharp's Gaussian sigma: blur / 20, so 2000 is sigma 100. */
export function blurSigma(blur: number): number {
  return Math.max(0.3, blur / 20);
}

/** imgix's sharpen, 0–100, as sharp's sharpen sigma: sharp / 25 (sharp=100 is sigma 4, a strong sharpen). */
export function sharpenSigma(amount: number): number {
  return Math.max(0.01, amount / 25);
}

/** `rrggbb` or `aarrggbb` (the spec's canonical `bg`) as sharp's colour. */
export function colourOf(hex: string): Color {
  const alpha = hex.length === 8 ? parseInt(hex.slice(0, 2), 16) / 255 : 1;
  const rgb = hex.slice(-6);
  const channel = (at: number) => parseInt(rgb.slice(at, at + 2), 16);
  return { r: channel(0), g: channel(2), b: channel(4), alpha };
}

/** sharp's position for the `crop` sides (`top,left` → `left top`), or its strategy. */
function cropPosition(crop: string | undefined): string | number {
  if (crop === 'entropy') return sharp.strategy.entropy;
  if (crop === 'edges') return sharp.strategy.attention;
  if (!crop) return 'centre';
  // Sides arrive in CROPS order (vertical first); sharp spells a corner horizontal first.
  return crop.split(',').reverse().join(' ');
}

/** Whether rotating by `rot` swaps the sides. */
function swapsSides(rot: number | undefined): boolean {
  return rot === 90 || rot === 270;
}

/** The upright source's size once flipped and rotated: the frame `rect` is measured in. */
export function rotatedSize(spec: ResizeSpec, width: number, height: number) {
  return swapsSides(spec.rot) ? { width: height, height: width } : { width, height };
}

/** The picture the resize sees: the rect, or the whole flipped and rotated source (trim aside). */
export function preResizeSize(spec: ResizeSpec, width: number, height: number) {
  return spec.rect
    ? { width: spec.rect[2] as number, height: spec.rect[3] as number }
    : rotatedSize(spec, width, height);
}

/**
 * The focal-point crop (`crop=focalpoint`): scale to cover the box, then cut the box around the point,
 * as near the centre of the output as the picture allows. `width`×`height` is the pre-resize size
 * (trim is not known before decoding: admission refuses trim with a focal point).
 */
export function focalWindow(spec: ResizeSpec, width: number, height: number) {
  const boxWidth = spec.width as number;
  const boxHeight = spec.height as number;
  let scale = Math.max(boxWidth / width, boxHeight / height);
  if (!spec.enlarge) scale = Math.min(scale, 1);
  const scaledWidth = Math.max(1, Math.round(width * scale));
  const scaledHeight = Math.max(1, Math.round(height * scale));
  const windowWidth = Math.min(boxWidth, scaledWidth);
  const windowHeight = Math.min(boxHeight, scaledHeight);
  const place = (point: number, scaled: number, window: number) =>
    Math.min(Math.max(Math.round(point * scaled - window / 2), 0), scaled - window);
  return {
    scaledWidth,
    scaledHeight,
    left: place(spec.fpx ?? 0.5, scaledWidth, windowWidth),
    top: place(spec.fpy ?? 0.5, scaledHeight, windowHeight),
    width: windowWidth,
    height: windowHeight,
  };
}

/**
 * The rect where sharp cuts it: as given, unless the picture is mirrored without a rotation (sharp
 * mirrors after the extract then), when it is mirrored into the unflipped picture.
 */
function rectToCut(spec: ResizeSpec, width: number, height: number) {
  const [x, y, w, h] = spec.rect as [number, number, number, number];
  let left = x;
  let top = y;
  if (!spec.rot && spec.flip) {
    if (spec.flip !== 'v') left = width - left - w;
    if (spec.flip !== 'h') top = height - top - h;
  }
  return { left, top, width: w, height: h };
}

/**
 * Applies every operation of `spec` but the encode to `pipeline`, an auto-oriented original of upright
 * size `width`×`height`. `background` is the stack's colour for `pad` without `bg`.
 */
export function applyOperations(
  pipeline: Sharp,
  spec: ResizeSpec,
  width: number,
  height: number,
  background: string,
): Sharp {
  let result = pipeline;
  const bg = spec.bg ? colourOf(spec.bg) : undefined;
  if (spec.flip === 'v' || spec.flip === 'hv') result = result.flip();
  if (spec.flip === 'h' || spec.flip === 'hv') result = result.flop();
  if (spec.rot) result = result.rotate(spec.rot);
  if (spec.trim) result = result.trim();
  if (spec.rect) result = result.extract(rectToCut(spec, width, height));
  const before = preResizeSize(spec, width, height);
  const focal = spec.crop === 'focalpoint' ? focalWindow(spec, before.width, before.height) : null;
  if (focal) {
    // Exact, proportional sides; the focal window is cut from them after the shrink.
    result = result
      .resize({ width: focal.scaledWidth, height: focal.scaledHeight, fit: 'fill' })
      .extract({ left: focal.left, top: focal.top, width: focal.width, height: focal.height });
  } else if (spec.width !== undefined || spec.height !== undefined) {
    result = result.resize({
      width: spec.width,
      height: spec.height,
      fit: spec.fit ?? DEFAULT_FIT,
      position: cropPosition(spec.crop),
      withoutEnlargement: !spec.enlarge,
      ...(bg ? { background: bg } : {}),
    });
  }
  if (spec.pad) {
    const pad = spec.pad;
    result = result.extend({ top: pad, bottom: pad, left: pad, right: pad, background: bg ?? background });
  }
  if (spec.blur) result = result.blur(blurSigma(spec.blur));
  if (spec.sat) result = result.modulate({ saturation: 1 + spec.sat / 100 });
  if (spec.sharp) result = result.sharpen({ sigma: sharpenSigma(spec.sharp) });
  return result;
}
