import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';

/**
 * Makes s3rver's filesystem store behave as S3 where the two differ, so the local store is no more
 * lenient than the real one:
 *
 * - **Atomic writes.** "Amazon S3 never adds partial objects; if you receive a success response, Amazon
 *   S3 added the entire object to the bucket" (S3 User Guide, "Amazon S3 data consistency model", and
 *   the PutObject API reference). s3rver writes into the object's file in place, so an interrupted PUT
 *   left half an object that every later GET served. Here the body goes to a temporary file, its length
 *   is checked against the request's Content-Length, and only a whole object is renamed into place.
 * - **Long keys.** S3 keys are up to 1,024 bytes with no limit per `/` segment ("Naming Amazon S3
 *   objects"); a file name is at most 255 bytes, so s3rver answered 5xx for a segment over that. A long
 *   segment is stored as several directory levels joined by a marker, and read back as one.
 */

/** The bytes of a key segment kept in one directory or file name, leaving room for s3rver's suffixes. */
const SEGMENT_BYTES = 180;
/** Ends every piece of a long segment but the last; `%` itself is escaped, so no key contains it. */
const CONTINUED = '%+';

interface StoredObject {
  readonly bucket: string;
  readonly key: string;
  readonly content: Buffer | Readable;
  readonly metadata: Record<string, string | undefined>;
}

interface FilesystemStore {
  getResourcePath(bucket: string, key: string, resource: string): string;
  putMetadata(bucket: string, key: string, metadata: Record<string, unknown>, md5: string): Promise<void>;
  putObject(object: StoredObject): Promise<{ size: number; md5: string }>;
}

interface FilesystemStoreClass {
  encodeKeyPath(key: string): string;
  decodeKeyPath(keyPath: string): string;
}

/** Splits `text` into pieces of at most `bytes` UTF-8 bytes, never inside a character. */
function pieces(text: string, bytes: number): string[] {
  const result: string[] = [];
  let current = '';
  for (const char of text) {
    if (Buffer.byteLength(current + char) > bytes) {
      result.push(current);
      current = '';
    }
    current += char;
  }
  result.push(current);
  return result;
}

export function encodeKeyPath(key: string): string {
  return key
    .split('/')
    .map((segment) => pieces(segment.replace(/%/g, '%25'), SEGMENT_BYTES).join(`${CONTINUED}/`))
    .join('/');
}

export function decodeKeyPath(keyPath: string): string {
  return keyPath.split(`${CONTINUED}/`).join('').replace(/%25/g, '%');
}

let keyPathsPatched = false;

/** Long key segments, for every s3rver store of this process (s3rver reads them through its class). */
function patchKeyPaths(storeClass: FilesystemStoreClass): void {
  if (keyPathsPatched) return;
  keyPathsPatched = true;
  storeClass.encodeKeyPath = encodeKeyPath;
  storeClass.decodeKeyPath = decodeKeyPath;
}

/** The byte count the client declared for the body, when it declared one. */
function declaredLength(metadata: Record<string, string | undefined>): number | undefined {
  const value = metadata['x-amz-decoded-content-length'] ?? metadata['content-length'];
  return value === undefined ? undefined : Number(value);
}

/** Replaces `store.putObject` with a write that lands whole or not at all. */
function atomicPutObject(store: FilesystemStore): void {
  store.putObject = async function putObject(object) {
    const objectPath = store.getResourcePath(object.bucket, object.key, 'object');
    await mkdir(dirname(objectPath), { recursive: true });
    const partial = `${objectPath}.partial-${randomBytes(6).toString('hex')}`;
    const md5 = createHash('md5');
    let size = 0;
    const count = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        md5.update(chunk);
        size += chunk.length;
        done(null, chunk);
      },
    });
    const source = Buffer.isBuffer(object.content) ? Readable.from([object.content]) : object.content;
    try {
      await pipeline(source, count, createWriteStream(partial));
      const declared = declaredLength(object.metadata);
      if (declared !== undefined && declared !== size) {
        throw new Error(`incomplete body: ${size} of ${declared} bytes`);
      }
      await rename(partial, objectPath);
    } catch (error) {
      await rm(partial, { force: true });
      throw error;
    }
    const digest = md5.digest('hex');
    await store.putMetadata(object.bucket, object.key, object.metadata, digest);
    return { size, md5: digest };
  };
}

/** Applies both fixes to a started-or-not s3rver instance. */
export function makeStoreLikeS3(server: { store: FilesystemStore }): void {
  patchKeyPaths(server.store.constructor as unknown as FilesystemStoreClass);
  atomicPutObject(server.store);
}
