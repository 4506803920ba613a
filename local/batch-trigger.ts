import type { S3Event, S3EventRecord } from 'aws-lambda';

import { encodeS3EventKey } from '../functions/batch/event';
import type { BatchHandler, BatchResult } from '../functions/batch/handler';

/**
 * The local edge's trigger: s3rver emits S3 event records with the raw key, whereas S3 URL-encodes it
 * (a space as `+`). This turns an s3rver event into what Lambda would receive from S3, then invokes the
 * handler, so the handler's key decoding is exercised locally too.
 */
export function toS3Event(s3rverEvent: S3Event | S3EventRecord): S3Event {
  const records = 'Records' in s3rverEvent ? s3rverEvent.Records : [s3rverEvent];
  return {
    Records: records.map((record) => ({
      ...record,
      s3: { ...record.s3, object: { ...record.s3.object, key: encodeS3EventKey(record.s3.object.key) } },
    })),
  };
}

/**
 * Delivers an s3rver event to the batch handler as S3 would. Resolves with the handler's result; rejects
 * when the handler throws (a transient fault, which real Lambda would retry).
 *
 * ```ts
 * const batch = createBatchHandler({ config: readBatchConfig(json), client });
 * localS3.onEvent((event) => void triggerBatch(batch, event).catch(report));
 * ```
 */
export function triggerBatch(
  handler: BatchHandler,
  s3rverEvent: S3Event | S3EventRecord,
): Promise<BatchResult> {
  return handler(toS3Event(s3rverEvent), { getRemainingTimeInMillis: () => 900_000 });
}

/**
 * An S3 event record as Lambda receives it from S3 ("Event message structure", notification format 2.1,
 * AmazonS3/latest/userguide/notification-content-structure.html), the key URL-encoded; the other fields
 * are the documentation's example values.
 */
export function s3EventRecord(
  bucket: string,
  key: string,
  options: { eTag?: string; eventName?: string; size?: number; region?: string } = {},
): S3EventRecord {
  return {
    eventVersion: '2.1',
    eventSource: 'aws:s3',
    awsRegion: options.region ?? 'eu-west-1',
    eventTime: '2026-11-26T12:00:00.000Z',
    eventName: options.eventName ?? 'ObjectCreated:Put',
    userIdentity: { principalId: 'AWS:AIDAEXAMPLE' },
    requestParameters: { sourceIPAddress: '203.0.113.7' },
    responseElements: {
      'x-amz-request-id': 'C3D13FE58DE4C810',
      'x-amz-id-2': 'FMyUVURIY8/IgAtTv8xRjskZQpcIZ9KG4V5Wp6S7S/JRWeUWerMUE5JgHvANOjpD',
    },
    s3: {
      s3SchemaVersion: '1.0',
      configurationId: 'batch-resizer',
      bucket: {
        name: bucket,
        ownerIdentity: { principalId: 'A3NL1KOZZKExample' },
        arn: `arn:aws:s3:::${bucket}`,
      },
      object: {
        key: encodeS3EventKey(key),
        size: options.size ?? 1024,
        eTag: options.eTag ?? 'd41d8cd98f00b204e9800998ecf8427e',
        sequencer: '0055AED6DCD90281E5',
      },
    },
  };
}
