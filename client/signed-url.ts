/**
 * Signed image URLs, for a stack with `signingSecret` set: on the server only, since the secret must never
 * reach a browser. The same signature the viewer function checks (functions/signing/sign-url.ts).
 */
import { type SignOptions, signUrl } from '../functions/signing/sign-url';
import { type ImageOptions, imageQuery } from './image-url';

export type { SignOptions } from '../functions/signing/sign-url';

/** imageUrl, signed with the stack's secret (and expiring after `expiresIn` seconds, when given). */
export function signedImageUrl(
  origin: string,
  path: string,
  options: ImageOptions,
  secret: string,
  signOptions: SignOptions = {},
): string {
  const query = imageQuery(options);
  const normalisedPath = path.startsWith('/') ? path : `/${path}`;
  return origin.replace(/\/+$/, '') + signUrl(`${normalisedPath}?${query}`, secret, signOptions);
}

/** srcSet, each URL signed. */
export function signedSrcSet(
  origin: string,
  path: string,
  widths: readonly number[],
  options: Omit<ImageOptions, 'width'>,
  secret: string,
  signOptions: SignOptions = {},
): string {
  return widths
    .map((width) => `${signedImageUrl(origin, path, { ...options, width }, secret, signOptions)} ${width}w`)
    .join(', ');
}
