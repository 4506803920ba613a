import { isImageError } from './errors';

/** An HTTP answer for a failure, independent of the trigger that will carry it. */
export interface HttpError {
  readonly status: number;
  readonly code: string;
  readonly headers: Record<string, string>;
  readonly body: string;
}

/**
 * Statuses CloudFront never caches, for refusals that depend only on the key and the original (a pixel
 * bomb, a corrupt file), and the status each is answered with instead: one CloudFront caches when the
 * origin sends `Cache-Control: max-age` ("How CloudFront processes HTTP 4xx and 5xx status codes from
 * your origin", HTTPStatusCodes.html). So a refused original is read at most once per `errorMaxAge`
 * at each edge cache, not on every request. The precise reason stays in the body and `x-image-error`.
 */
const CACHEABLE_STATUS: Record<number, number> = { 413: 400, 422: 415 };

/**
 * The single error-to-response mapper. 4xx answers are cacheable for a short `errorMaxAge` (a missing
 * original may be uploaded soon); 5xx answers say `no-store` to browsers (CloudFront itself keeps a 5xx
 * for the distribution's error caching minimum TTL, infra/error-caching.ts). Unknown errors become a 500
 * whose message hides internals.
 */
export function toHttpError(error: unknown, errorMaxAge: number): HttpError {
  const known = isImageError(error);
  const status = known ? CACHEABLE_STATUS[error.status] || error.status : 500;
  const code = known ? error.code : 'internal';
  return {
    status,
    code,
    headers: {
      'content-type': 'text/plain; charset=utf-8',
      'cache-control': status < 500 ? `public, max-age=${errorMaxAge}` : 'no-store',
      'x-image-error': code,
    },
    body: (known ? error.message : 'Internal error') + '\n',
  };
}
