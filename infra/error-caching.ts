/**
 * How CloudFront caches the error responses it gets from the origin (the origin-response handler's
 * answers included), after "How CloudFront processes HTTP 4xx and 5xx status codes from your origin"
 * (CloudFront Developer Guide, HTTPStatusCodes.html). One table, read by the distribution's custom
 * error responses (infra/distribution.ts) and by the local edge's emulation of CloudFront's cache.
 */

/** Cached for the error caching minimum TTL even without `Cache-Control` (default 10 s). */
export const CACHED_BY_DEFAULT: readonly number[] = [404, 414, 500, 501, 502, 503, 504];

/** Cached only when the origin sends `Cache-Control: max-age` (or `Expires`); never otherwise. */
export const CACHED_ONLY_WITH_MAX_AGE: readonly number[] = [400, 403, 405, 412, 415];

/** Codes for which CloudFront honours `Cache-Control: no-store` from the origin. */
export const NO_STORE_HONOURED: readonly number[] = [404, 410, 414, 501];

/** CloudFront's error caching minimum TTL where no custom error response sets one, in seconds. */
export const DEFAULT_ERROR_CACHING_MIN_TTL_SECONDS = 10;

/**
 * The error caching minimum TTL this project configures per status, as custom error responses on the
 * distribution (which take only these codes: 400, 403, 404, 405, 414, 416, 500, 501, 502, 503, 504).
 * The 5xx answers mean "try again soon": a few seconds protect a struggling origin without holding a
 * transient fault for long.
 */
export const ERROR_CACHING_MIN_TTL_SECONDS: Readonly<Record<number, number>> = {
  500: 2,
  502: 2,
  503: 2,
  504: 2,
};

function directiveSeconds(cacheControl: string, directive: string): number | undefined {
  const match = new RegExp(`(?:^|[,\\s])${directive}=(\\d+)`, 'i').exec(cacheControl);
  return match ? Number(match[1]) : undefined;
}

/**
 * How long CloudFront keeps a response from the origin, in seconds (0: not cached). Errors follow
 * "Control how long CloudFront caches errors" (custom-error-pages-expiration.html): with `max-age`,
 * `s-maxage` the larger of it and the error caching minimum TTL; `no-store`/`no-cache`/`private` only
 * for 404, 410, 414 and 501; otherwise the minimum TTL, for the codes CloudFront caches at all. Other
 * responses follow the cache policy ("Manage how long content stays in the cache", Expiration.html):
 * `s-maxage`/`max-age`, nothing for `no-store`/`no-cache`/`private`, else its default TTL.
 */
export function cloudFrontCacheSeconds(
  status: number,
  cacheControl: string,
  defaultTtlSeconds: number,
): number {
  const declared = directiveSeconds(cacheControl, 's-maxage') ?? directiveSeconds(cacheControl, 'max-age');
  const forbidden = /no-store|no-cache|private/i.test(cacheControl);
  if (status < 400) return forbidden ? 0 : (declared ?? defaultTtlSeconds);
  const minimum = ERROR_CACHING_MIN_TTL_SECONDS[status] ?? DEFAULT_ERROR_CACHING_MIN_TTL_SECONDS;
  if (CACHED_ONLY_WITH_MAX_AGE.includes(status))
    return declared === undefined ? 0 : Math.max(declared, minimum);
  if (!CACHED_BY_DEFAULT.includes(status)) return 0;
  if (forbidden && NO_STORE_HONOURED.includes(status)) return 0;
  return declared === undefined ? minimum : Math.max(declared, minimum);
}
