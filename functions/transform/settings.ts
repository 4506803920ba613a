/** How the sharp pipeline treats its input. Shared by the edge, the batch resizer and the local edge. */
export interface TransformSettings {
  /** Largest input width × height decoded; larger inputs (decompression bombs) are refused before decoding. */
  readonly inputPixelLimit: number;
  /** Largest output width × height. */
  readonly maxPixels: number;
  /** Most frames kept when animation is preserved; animations with more are refused. */
  readonly maxFrames: number;
  /** Accept SVG originals. Off by default: SVG is a document format that can reference other content. */
  readonly allowSvg: boolean;
  /** Colour that transparent pixels are flattened onto for formats without alpha (JPEG). */
  readonly background: string;
  /** `fast` for on-demand requests (low encoder effort), `thorough` for batch work nobody waits on. */
  readonly effort: 'fast' | 'thorough';
  /** Longest a single transform may run before it is abandoned, in seconds. @default 20 */
  readonly timeoutSeconds: number;
  /**
   * Largest AVIF output (width × height). libvips cannot stop the AVIF encoder once it runs, so the
   * timeout does not bound it: an AVIF rendition over this budget is encoded as WebP instead (with
   * `Content-Type: image/webp`; every browser that decodes AVIF decodes WebP). Worst case measured at
   * the default (noise, quality 100, effort 2, one core): about 5 s; see bench/avif-worst-case.ts.
   * @default 4_194_304 (2048 × 2048)
   */
  readonly maxAvifPixels: number;
  /**
   * Largest GIF output, width × height × frames. The GIF encoder's colour quantisation cannot be
   * stopped either; a GIF rendition over this budget is refused (too_many_pixels). @default 16_777_216
   */
  readonly maxGifPixels: number;
}

/** Defaults of the encoder budgets (the stack config's maxAvifPixels and maxGifPixels). */
export const DEFAULT_MAX_AVIF_PIXELS = 4_194_304;
export const DEFAULT_MAX_GIF_PIXELS = 16_777_216;

export const DEFAULT_TRANSFORM_SETTINGS: TransformSettings = {
  inputPixelLimit: 50_000_000,
  maxPixels: 16_777_216,
  maxFrames: 300,
  maxAvifPixels: DEFAULT_MAX_AVIF_PIXELS,
  maxGifPixels: DEFAULT_MAX_GIF_PIXELS,
  allowSvg: false,
  background: '#ffffff',
  effort: 'fast',
  timeoutSeconds: 20,
};
