import { HeadObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { isImageError } from '../core/errors';
import {
  originalReadError,
  SOURCE_ETAG_METADATA,
  statusOf,
  storageFault,
  unquoteEtag,
} from '../storage/image-store';

/**
 * The reads the batch resizer needs beyond ImageStore: HEAD an original (its ETag), HEAD a derivative
 * (the source ETag it was made from) and list originals. Same client, same error mapping: a missing
 * object is a 404 ImageError, anything else a 503 storage fault (transient).
 */
export interface BatchStorage {
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

export function createBatchStorage(client: S3Client, originalsBucket: string, derivedBucket: string) {
  const storage: BatchStorage = {
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
        const head = await client.send(new HeadObjectCommand({ Bucket: derivedBucket, Key: key }));
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
  return storage;
}
