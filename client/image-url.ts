/**
 * URLs of an ImageCdn's images, for application code in the browser or on the server: no Node.js module
 * and nothing of the CDN's own code, so a front-end bundle stays small. The viewer function checks and
 * canonicalises every parameter (README, "Query API"); this only writes them. For a stack with signed
 * URLs, sign on the server with client/signed-url.ts instead.
 */

export interface ImageOptions {
  /** Output width in CSS pixels (× dpr). */
  readonly width?: number;
  readonly height?: number;
  /** With both width and height: `cover` (default), `contain`, `fill`, `inside` or `outside`. */
  readonly fit?: 'cover' | 'contain' | 'fill' | 'inside' | 'outside';
  /**
   * With `fit: 'cover'`: sides to keep (`top`, `bottom,right`, …), `entropy`, `edges` (the most detailed
   * part), or `focalpoint` (with `fpX`/`fpY`).
   */
  readonly crop?: string;
  /** With `crop: 'focalpoint'`: the point, 0–1 of the width and height, to centre the crop on. */
  readonly fpX?: number;
  readonly fpY?: number;
  /** Region cut out before the resize: x, y, width, height in pixels. */
  readonly rect?: readonly [number, number, number, number];
  readonly rot?: 90 | 180 | 270;
  readonly flip?: 'h' | 'v' | 'hv';
  readonly trim?: 'auto';
  /** Pixels added on every side, in `bg`. */
  readonly pad?: number;
  /** Hex `RGB`, `ARGB`, `RRGGBB` or `AARRGGBB`, without `#`. */
  readonly bg?: string;
  /** 0–2000 (imgix's scale). */
  readonly blur?: number;
  /** 0–100. */
  readonly sharp?: number;
  /** −100 (greyscale) to 100. */
  readonly sat?: number;
  /**
   * `auto` picks AVIF or WebP from the browser's Accept header; omitted, the original's format. `json`
   * answers facts about the original, `thumbhash` a placeholder.
   */
  readonly format?: 'auto' | 'jpeg' | 'png' | 'webp' | 'avif' | 'gif' | 'json' | 'thumbhash';
  /** `compress`: the stack's default quality × 0.75. */
  readonly auto?: 'compress';
  /** 1–100; omitted, the stack's default for the format. */
  readonly quality?: number;
  /** Device-pixel ratio multiplying width and height. */
  readonly dpr?: number;
  /** Allow output larger than the original. */
  readonly enlarge?: boolean;
  /** A named set of parameters from the stack's `presets`; the options beside it override its own. */
  readonly preset?: string;
}

/** Each option's name in the query API (README, "Query API"), in the order the query is written. */
const QUERY_NAMES: readonly (readonly [keyof ImageOptions, string])[] = [
  ['preset', 'preset'],
  ['width', 'width'],
  ['height', 'height'],
  ['fit', 'fit'],
  ['crop', 'crop'],
  ['fpX', 'fp-x'],
  ['fpY', 'fp-y'],
  ['rect', 'rect'],
  ['rot', 'rot'],
  ['flip', 'flip'],
  ['trim', 'trim'],
  ['pad', 'pad'],
  ['bg', 'bg'],
  ['blur', 'blur'],
  ['sharp', 'sharp'],
  ['sat', 'sat'],
  ['format', 'format'],
  ['auto', 'auto'],
  ['quality', 'quality'],
  ['dpr', 'dpr'],
  ['enlarge', 'enlarge'],
];

/** The query of `options`, parameters in a fixed order and undefined ones left out. */
export function imageQuery(options: ImageOptions): string {
  const params = new URLSearchParams();
  for (const [option, name] of QUERY_NAMES) {
    const value = options[option];
    if (value !== undefined) params.set(name, Array.isArray(value) ? value.join(',') : String(value));
  }
  return params.toString();
}

/** `https://cdn.example.com` + `/photos/cat.jpg` + options → the image's URL. */
export function imageUrl(origin: string, path: string, options: ImageOptions = {}): string {
  const query = imageQuery(options);
  return `${origin.replace(/\/+$/, '')}${path.startsWith('/') ? path : `/${path}`}${query ? `?${query}` : ''}`;
}

/** A `srcset` value: one URL per width, `<url> <width>w`, each with the other options. */
export function srcSet(
  origin: string,
  path: string,
  widths: readonly number[],
  options: Omit<ImageOptions, 'width'> = {},
): string {
  return widths.map((width) => `${imageUrl(origin, path, { ...options, width })} ${width}w`).join(', ');
}
