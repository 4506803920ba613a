import type { S3Event, S3EventRecord } from 'aws-lambda';
import type { BatchHandler, BatchResult } from '../functions/batch/handler';
import { encodeS3EventKey } from '../functions/batch/event';

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
