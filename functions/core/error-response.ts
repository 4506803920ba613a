import { type ImageErrorStatus, isImageError } from './errors';

/** An HTTP answer for a failure, independent of the trigger that will carry it. */
export interface HttpError {
  readonly status: ImageErrorStatus;
  readonly statusText: string;
  readonly code: string;
  readonly headers: Record<string, string>;
  readonly body: string;
}

/** Reason phrases (RFC 9110 §15) of the statuses the image path answers with. */
export const STATUS_TEXT: { readonly [status in ImageErrorStatus]: string } = {
  400: 'Bad Request',
  403: 'Forbidden',
  404: 'Not Found',
  415: 'Unsupported Media Type',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

/**
 * The single error-to-response mapper. 4xx answers are cacheable for a short `errorMaxAge` (a missing
 * original may be uploaded soon); 5xx answers say `no-store` to browsers (CloudFront itself keeps a 5xx
 * for the distribution's error caching minimum TTL, infra/error-caching.ts). Unknown errors become a 500
 * whose message hides internals. Each code's status is declared in the catalogue (errors.ts).
 */
export function toHttpError(error: unknown, errorMaxAge: number): HttpError {
  const known = isImageError(error);
  const status: ImageErrorStatus = known ? error.status : 500;
  const code = known ? error.code : 'internal';
  return {
    status,
    statusText: STATUS_TEXT[status],
    code,
    headers: {
      'content-type': 'text/plain; charset=utf-8',
      'cache-control': status < 500 ? `public, max-age=${errorMaxAge}` : 'no-store',
      'x-image-error': code,
    },
    body: (known ? error.message : 'Internal error') + '\n',
  };
}
