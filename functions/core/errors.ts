/**
 * The error catalogue of the image path: every error code, the status it is answered with, and one named
 * factory per kind of failure that writes its public message. Nothing else builds an ImageError, so a
 * code's status and wording live here only (the reason phrase of each status is in error-response.ts).
 *
 * Errors are plain `Error`s built by factories rather than a class: the same parsing code runs inside the
 * CloudFront Function runtime, which has no `class`. Unused factories are dropped from its bundle.
 */
export type ImageErrorCode = keyof typeof ERROR_STATUS;

/** Every status the image path answers a failure with. */
export type ImageErrorStatus = (typeof ERROR_STATUS)[ImageErrorCode];

/**
 * The status each code is answered with. A refusal that depends only on the key and the original is a
 * status CloudFront caches when the origin sends `Cache-Control: max-age` (400, 403, 404, 415; never 413
 * or 422: "How CloudFront processes HTTP 4xx and 5xx status codes from your origin", HTTPStatusCodes.html),
 * so a pixel bomb or a corrupt file is read at most once per `errorMaxAge` at each edge cache. The precise
 * reason is the code, sent in the body and in `x-image-error`.
 */
export const ERROR_STATUS = {
  invalid_parameter: 400,
  invalid_key: 400,
  /** The request, the original, its frames or the output exceed a pixel limit (413 in spirit). */
  too_many_pixels: 400,
  /** The original is over `maxOriginalBytes` (413 in spirit). */
  original_too_large: 400,
  invalid_signature: 403,
  not_found: 404,
  unsupported_input: 415,
  /** Corrupt or truncated data (422 in spirit). */
  corrupt_input: 415,
  internal: 500,
  storage_fault: 503,
  timeout: 503,
} as const;

export interface ImageError extends Error {
  readonly name: 'ImageError';
  /** HTTP status the error is answered with. */
  readonly status: ImageErrorStatus;
  /** Stable machine-readable code. */
  readonly code: ImageErrorCode;
}

/** `message` is shown to the viewer, so it must never carry internals. */
function imageError<C extends ImageErrorCode>(
  code: C,
  status: (typeof ERROR_STATUS)[C],
  message: string,
): ImageError {
  const error = new Error(message) as Error & { status: ImageErrorStatus; code: ImageErrorCode };
  error.name = 'ImageError';
  error.status = status;
  error.code = code;
  return error as ImageError;
}

export function isImageError(value: unknown): value is ImageError {
  // Only imageError names an Error so, and it always sets a status and a code.
  return value instanceof Error && value.name === 'ImageError';
}

/** A query parameter the rules refuse, named in the message. */
export function invalidParameter(name: string, reason: string): ImageError {
  return imageError('invalid_parameter', ERROR_STATUS.invalid_parameter, `Invalid '${name}': ${reason}`);
}

/** A query string that cannot be read at all. */
export function invalidQuery(reason: string): ImageError {
  return imageError('invalid_parameter', ERROR_STATUS.invalid_parameter, 'Invalid query string: ' + reason);
}

/** A request the viewer cannot read, for a reason it cannot name. */
export function invalidRequest(): ImageError {
  return imageError('invalid_parameter', ERROR_STATUS.invalid_parameter, 'Invalid request');
}

export function invalidKey(reason: string): ImageError {
  return imageError('invalid_key', ERROR_STATUS.invalid_key, 'Invalid image path: ' + reason);
}

export function invalidSignature(message: string): ImageError {
  return imageError('invalid_signature', ERROR_STATUS.invalid_signature, message);
}

export function tooManyPixels(message: string): ImageError {
  return imageError('too_many_pixels', ERROR_STATUS.too_many_pixels, message);
}

export function originalTooLarge(maxOriginalBytes: number): ImageError {
  return imageError(
    'original_too_large',
    ERROR_STATUS.original_too_large,
    `The original is over ${maxOriginalBytes} bytes`,
  );
}

export function originalNotFound(): ImageError {
  return imageError('not_found', ERROR_STATUS.not_found, 'Original image not found');
}

export function unsupportedInput(message: string): ImageError {
  return imageError('unsupported_input', ERROR_STATUS.unsupported_input, message);
}

export function corruptInput(): ImageError {
  return imageError(
    'corrupt_input',
    ERROR_STATUS.corrupt_input,
    'The original image is corrupt or truncated',
  );
}

export function storageFault(): ImageError {
  return imageError('storage_fault', ERROR_STATUS.storage_fault, 'Storage is unavailable, try again');
}

/** The transform deadline passed: `timeoutSeconds` in the transform settings, or the edge's own. */
export function resizeTimeout(): ImageError {
  return imageError('timeout', ERROR_STATUS.timeout, 'Resizing took too long, try again');
}
