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
  readonly timeoutSeconds?: number;
}

export const DEFAULT_TRANSFORM_SETTINGS: TransformSettings = {
  inputPixelLimit: 50_000_000,
  maxPixels: 16_777_216,
  maxFrames: 300,
  allowSvg: false,
  background: '#ffffff',
  effort: 'fast',
  timeoutSeconds: 20,
};
