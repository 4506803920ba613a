import type { S3Event, S3EventRecord } from 'aws-lambda';

import { unquoteEtag } from '../storage/image-store';

/**
 * The trigger adapter: turns what Lambda receives (an S3 notification, or a backfill payload invoked by
 * an operator) into plain work. Nothing here reads S3 or decodes images.
 */

/** One S3 record, its key decoded. */
export interface EventItem {
  readonly bucket: string;
  readonly key: string;
  readonly eventName: string;
  /** The ETag S3 reported, without quotes; absent for copies on some servers. */
  readonly etag?: string;
}

export interface BackfillPayload {
  /** Original keys to process, exactly as stored (not URL-encoded). */
  readonly keys?: readonly string[];
  /** Process every original under this prefix (`''` for the whole bucket). */
  readonly prefix?: string;
  /** Resume a prefix backfill after this key (the `resumeAfter` of an earlier answer). */
  readonly startAfter?: string;
}

export class InvalidPayloadError extends Error {
  override readonly name = 'InvalidPayloadError';
}

/**
 * Decodes a key from an S3 event. S3 URL-encodes keys in notifications, form-style: a space is `+`
 * and a literal `+` is `%2B`. The `+` must become a space before percent-decoding, never after.
 */
export function decodeS3EventKey(encoded: string): string {
  return decodeURIComponent(encoded.replace(/\+/g, ' '));
}

/**
 * Encodes a key the way S3 does in event notifications (form encoding, `/` kept): the inverse of
 * decodeS3EventKey. Used by the local edge adapter and the tests to build real-looking events.
 */
export function encodeS3EventKey(key: string): string {
  return key
    .split('/')
    .map((segment) =>
      encodeURIComponent(segment)
        .replace(/%20/g, '+')
        .replace(/[!'()~]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase()),
    )
    .join('/');
}

export function isS3Event(event: unknown): event is S3Event {
  return (
    typeof event === 'object' &&
    event !== null &&
    Array.isArray((event as { Records?: unknown }).Records) &&
    (event as S3Event).Records.every((record) => record?.eventSource === 'aws:s3')
  );
}

/** The record as a work item; a key whose percent-encoding is malformed keeps its raw form (then refused). */
export function eventItem(record: S3EventRecord): EventItem & { readonly decodeError?: string } {
  const raw = record.s3.object.key;
  const etag = record.s3.object.eTag ? unquoteEtag(record.s3.object.eTag) : undefined;
  const base = { bucket: record.s3.bucket.name, eventName: record.eventName, etag };
  try {
    return { ...base, key: decodeS3EventKey(raw) };
  } catch {
    return { ...base, key: raw, decodeError: 'malformed percent-encoding in the event key' };
  }
}

/** Validates a backfill payload; throws InvalidPayloadError with a message saying what is expected. */
export function parseBackfillPayload(event: unknown): BackfillPayload {
  const usage = 'expected {"keys": ["a.jpg", …]} or {"prefix": "photos/", "startAfter"?: "…"}';
  if (typeof event !== 'object' || event === null || Array.isArray(event))
    throw new InvalidPayloadError(`Invalid payload: ${usage}`);
  const { keys, prefix, startAfter } = event as Record<string, unknown>;
  if (keys === undefined && prefix === undefined) throw new InvalidPayloadError(`Invalid payload: ${usage}`);
  if (keys !== undefined && prefix !== undefined)
    throw new InvalidPayloadError('Invalid payload: give either keys or prefix, not both');
  if (keys !== undefined) {
    if (!Array.isArray(keys) || keys.length === 0 || !keys.every((key) => typeof key === 'string' && key))
      throw new InvalidPayloadError('Invalid payload: keys must be a non-empty array of non-empty strings');
    return { keys };
  }
  if (typeof prefix !== 'string') throw new InvalidPayloadError('Invalid payload: prefix must be a string');
  if (startAfter !== undefined && typeof startAfter !== 'string')
    throw new InvalidPayloadError('Invalid payload: startAfter must be a string');
  return startAfter === undefined ? { prefix } : { prefix, startAfter };
}
