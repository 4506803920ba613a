/**
 * The one typed error of the image path.
 *
 * It is a plain `Error` carrying an HTTP status and a stable code, built by a factory rather than a
 * class: the same parsing code runs inside the CloudFront Function runtime, which has no `class`.
 */
export type ImageErrorCode =
  | 'invalid_parameter'
  | 'invalid_key'
  | 'invalid_signature'
  | 'not_found'
  | 'unsupported_input'
  | 'corrupt_input'
  | 'too_many_pixels'
  | 'storage_fault'
  | 'internal';

export interface ImageError extends Error {
  readonly name: 'ImageError';
  /** HTTP status the error maps to. */
  readonly status: number;
  /** Stable machine-readable code. */
  readonly code: ImageErrorCode;
}

/** Creates an ImageError. `message` is shown to the viewer, so it must never carry internals. */
export function imageError(status: number, code: ImageErrorCode, message: string): ImageError {
  const error = new Error(message) as Error & { status: number; code: ImageErrorCode };
  error.name = 'ImageError';
  error.status = status;
  error.code = code;
  return error as ImageError;
}

export function isImageError(value: unknown): value is ImageError {
  return (
    value instanceof Error &&
    value.name === 'ImageError' &&
    typeof (value as Partial<ImageError>).status === 'number' &&
    typeof (value as Partial<ImageError>).code === 'string'
  );
}

/** A 400 naming the offending query parameter. */
export function invalidParameter(name: string, reason: string): ImageError {
  return imageError(400, 'invalid_parameter', `Invalid '${name}': ${reason}`);
}
