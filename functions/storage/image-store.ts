import type { Readable } from 'node:stream';

import {
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';

import { type ImageError, isImageError, originalNotFound, storageFault } from '../core/errors';
import { readBody } from './read-body';

/**
 * The storage the handlers need, with one error mapping: a missing original is a 404 ImageError,
 * anything else a 503 storage fault (transient). The edge reads originals and writes derivatives; the
 * batch resizer also compares ETags (to skip unchanged renditions) and lists originals (backfill).
 */
export interface ImageStore {
  /** The original's bytes and ETag; throws a 404 ImageError when it does not exist. */
  getOriginal(key: string): Promise<StoredObject>;
  /**
   * Stores a derivative. `region` names the stack region whose derivatives bucket gets it (a stack with
   * replica regions writes to the bucket of the origin CloudFront asked); a one-region store has only one.
   */
  putDerivative(
    key: string,
    body: Buffer,
    contentType: string,
    cacheControl: string,
    sourceEtag?: string,
    region?: string,
  ): Promise<void>;
  /** The original's current ETag, without quotes; a 404 ImageError when it is gone. */
  originalEtag(key: string): Promise<string>;
  /** The `source-etag` recorded on a stored derivative, or undefined when there is none. */
  derivativeSourceEtag(key: string): Promise<string | undefined>;
  /** One page of original keys under `prefix`, in S3's (UTF-8 binary) order. */
  listOriginals(prefix: string, startAfter?: string, continuationToken?: string): Promise<OriginalsPage>;
}

export interface OriginalsPage {
  readonly keys: readonly string[];
  readonly nextContinuationToken?: string;
}

export interface StoredObject {
  readonly body: Buffer;
  readonly etag?: string;
  /** The region it was read from, when the store spans regions. */
  readonly region?: string;
  /** Regions asked before the one that had it (faulting, or not yet replicated), when the store spans regions. */
  readonly fallbacks?: number;
}

export interface S3ImageStoreOptions {
  readonly client: S3Client;
  readonly originalsBucket: string;
  readonly derivativesBucket: string;
  /** Originals larger than this are refused (original_too_large) from their Content-Length, before the body is read. */
  readonly maxOriginalBytes?: number;
}

/** Pixels, not bytes, bound decoding; this only keeps one huge file from filling the container's memory. */
export const DEFAULT_MAX_ORIGINAL_BYTES = 64 * 1024 * 1024;

/** Metadata key recording which version of the original a derivative was made from. */
export const SOURCE_ETAG_METADATA = 'source-etag';

function errorName(error: unknown): string {
  return (error as { name?: string })?.name ?? '';
}

/** The HTTP status of a failed S3 call, when the SDK knows it. */
export function statusOf(error: unknown): number | undefined {
  return (error as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode;
}

/**
 * Maps an S3 failure on an original. Without s3:ListBucket S3 answers a missing key with 403, so
 * AccessDenied counts as missing too. Anything else is a storage fault: 503, never cached.
 */
export function originalReadError(error: unknown): ImageError {
  const name = errorName(error);
  const status = statusOf(error);
  if (
    name === 'NoSuchKey' ||
    name === 'NotFound' ||
    name === 'AccessDenied' ||
    status === 404 ||
    status === 403
  ) {
    return originalNotFound();
  }
  return storageFault();
}

/** An ETag without the quotes S3 wraps it in. */
export function unquoteEtag(etag: string): string {
  return etag.replace(/"/g, '');
}

export function createS3ImageStore(options: S3ImageStoreOptions): ImageStore {
  const { client, originalsBucket, derivativesBucket } = options;
  const maxOriginalBytes = options.maxOriginalBytes ?? DEFAULT_MAX_ORIGINAL_BYTES;
  return {
    async getOriginal(key) {
      try {
        const response = await client.send(new GetObjectCommand({ Bucket: originalsBucket, Key: key }));
        if (!response.Body) throw storageFault();
        const body = await readBody(response.Body as Readable, response.ContentLength, maxOriginalBytes);
        return { body, etag: response.ETag };
      } catch (error) {
        if ((error as Error)?.name === 'ImageError') throw error;
        throw originalReadError(error);
      }
    },
    async putDerivative(key, body, contentType, cacheControl, sourceEtag) {
      try {
        await client.send(
          new PutObjectCommand({
            Bucket: derivativesBucket,
            Key: key,
            Body: body,
            ContentType: contentType,
            CacheControl: cacheControl,
            Metadata: sourceEtag ? { [SOURCE_ETAG_METADATA]: unquoteEtag(sourceEtag) } : undefined,
          }),
        );
      } catch {
        throw storageFault();
      }
    },
    async originalEtag(key) {
      try {
        const head = await client.send(new HeadObjectCommand({ Bucket: originalsBucket, Key: key }));
        if (!head.ETag) throw storageFault();
        return unquoteEtag(head.ETag);
      } catch (error) {
        if (isImageError(error)) throw error;
        throw originalReadError(error);
      }
    },
    async derivativeSourceEtag(key) {
      try {
        const head = await client.send(new HeadObjectCommand({ Bucket: derivativesBucket, Key: key }));
        const etag = head.Metadata?.[SOURCE_ETAG_METADATA];
        return etag ? unquoteEtag(etag) : undefined;
      } catch (error) {
        // Without s3:ListBucket S3 answers a missing key with 403: either way there is nothing to reuse.
        const code = statusOf(error);
        if (code === 404 || code === 403) return undefined;
        throw storageFault();
      }
    },
    async listOriginals(prefix, startAfter, continuationToken) {
      try {
        const page = await client.send(
          new ListObjectsV2Command({
            Bucket: originalsBucket,
            Prefix: prefix,
            StartAfter: continuationToken ? undefined : startAfter,
            ContinuationToken: continuationToken,
          }),
        );
        return {
          keys: (page.Contents ?? []).flatMap((object) => (object.Key ? [object.Key] : [])),
          nextContinuationToken: page.IsTruncated ? page.NextContinuationToken : undefined,
        };
      } catch {
        throw storageFault();
      }
    },
  };
}
