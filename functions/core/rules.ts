/**
 * The limits and defaults that shape which requests are valid. Baked into the viewer function and the
 * edge handler at deploy time, and read by the batch resizer, so every path applies the same rules.
 */
export interface QueryRules {
  /** Largest output width in pixels, after `dpr`. */
  readonly maxWidth: number;
  /** Largest output height in pixels, after `dpr`. */
  readonly maxHeight: number;
  /** Largest output width × height. */
  readonly maxPixels: number;
  /** When not empty, a requested width is rounded up to the next one of these (sorted ascending). */
  readonly allowedWidths: readonly number[];
  /** Largest device-pixel ratio accepted by `dpr`. */
  readonly maxDpr: number;
  /** Whether AVIF may be produced (it is the slowest encoder). */
  readonly enableAvif: boolean;
  /** Quality used when the request gives none. */
  readonly defaultQuality: { readonly avif: number; readonly webp: number; readonly jpeg: number };
  /** Longest accepted original key, in UTF-8 bytes. */
  readonly maxKeyBytes: number;
  /**
   * Named sets of parameters (`preset=thumb`), each already split into canonical parameter names and
   * values (infra/config/presets.ts); the stack's `image-cdn:presets`. Absent or empty: no presets.
   */
  readonly presets?: Readonly<Record<string, Readonly<Record<string, string>>>>;
}

export const DEFAULT_RULES: QueryRules = {
  maxWidth: 4096,
  maxHeight: 4096,
  maxPixels: 16_777_216,
  allowedWidths: [],
  maxDpr: 3,
  enableAvif: true,
  defaultQuality: { avif: 50, webp: 80, jpeg: 80 },
  maxKeyBytes: 900,
};
