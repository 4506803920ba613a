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
  /** `auto` picks AVIF or WebP from the browser's Accept header; omitted, the original's format. */
  readonly format?: 'auto' | 'jpeg' | 'png' | 'webp' | 'avif' | 'gif';
  /** 1–100; omitted, the stack's default for the format. */
  readonly quality?: number;
  /** Device-pixel ratio multiplying width and height. */
  readonly dpr?: number;
}

/** The query of `options`, parameters in a fixed order and undefined ones left out. */
export function imageQuery(options: ImageOptions): string {
  const params = new URLSearchParams();
  for (const name of ['width', 'height', 'fit', 'format', 'quality', 'dpr'] as const) {
    const value = options[name];
    if (value !== undefined) params.set(name, String(value));
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
