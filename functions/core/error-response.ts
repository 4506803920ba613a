import { isImageError } from './errors';

/** An HTTP answer for a failure, independent of the trigger that will carry it. */
export interface HttpError {
  readonly status: number;
  readonly code: string;
  readonly headers: Record<string, string>;
  readonly body: string;
}

/**
 * The single error-to-response mapper. 4xx answers are cacheable for a short `errorMaxAge` (a missing
 * original may be uploaded soon); 5xx answers are never cached. Unknown errors become a 500 whose
 * message hides internals.
 */
export function toHttpError(error: unknown, errorMaxAge: number): HttpError {
  const known = isImageError(error);
  const status = known ? error.status : 500;
  const message = known ? error.message : 'Internal error';
  return {
    status,
    code: known ? error.code : 'internal',
    headers: {
      'content-type': 'text/plain; charset=utf-8',
      'cache-control': status < 500 ? `public, max-age=${errorMaxAge}` : 'no-store',
    },
    body: message + '\n',
  };
}
