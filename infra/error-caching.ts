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
