import { S3Client } from '@aws-sdk/client-s3';

export interface S3ClientOptions {
  /** Region of the buckets. */
  readonly region: string;
  /** A custom endpoint, e.g. the local S3-compatible server; path-style addressing is used with it. */
  readonly endpoint?: string;
  /** Budget for one S3 request, connection included, in milliseconds. */
  readonly timeoutMs: number;
  /** Attempts per request, the first included (the SDK retries only what is safe to retry). */
  readonly maxAttempts?: number;
  readonly credentials?: { readonly accessKeyId: string; readonly secretAccessKey: string };
}

/**
 * Creates the S3 client the handlers share. Create it once per container, at module scope.
 * Checksums are only computed when an operation requires them: S3-compatible servers such as s3rver
 * would otherwise store the aws-chunked framing in the object.
 */
export function createS3Client(options: S3ClientOptions): S3Client {
  return new S3Client({
    region: options.region,
    endpoint: options.endpoint,
    forcePathStyle: options.endpoint !== undefined,
    credentials: options.credentials,
    maxAttempts: options.maxAttempts ?? 2,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    requestHandler: {
      connectionTimeout: Math.min(options.timeoutMs, 2000),
      requestTimeout: options.timeoutMs,
      throwOnRequestTimeout: true,
    },
  });
}
