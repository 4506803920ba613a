/**
 * The Cache-Control of a stored or generated derivative. Not `immutable`: replacing an original under
 * the same key gives its derivatives new bytes under their old keys (the batch resizer rewrites them;
 * docs/operations.md, "Replacing an original", says to invalidate `/<key>/*` in CloudFront).
 */
export function derivativeCacheControl(maxAgeSeconds: number): string {
  return `public, max-age=${maxAgeSeconds}`;
}

/** One year: the default lifetime of a derivative in caches. */
export const DEFAULT_CACHE_MAX_AGE = 31_536_000;
