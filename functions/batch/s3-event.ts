import type { S3Event } from 'aws-lambda';

import type { BatchConfig } from './batch-config';
import { eventItem } from './event';
import type { Limiter } from './limit';
import type { Logger } from './log';
import { type ItemOutcome, type ProcessorDeps, processOriginal } from './process';
import { type BatchResult, RetryableBatchError, summarise } from './result';
import { logSummary } from './summary';

/**
 * The S3-notification path: each record's original is processed, `originals` at a time, after the
 * recursion guard (an event for the derivatives bucket, or for a bucket that is not ours, is refused).
 * Throws a RetryableBatchError when any record failed transiently, so that Lambda retries the event.
 */
export async function handleS3Event(
  event: S3Event,
  processor: ProcessorDeps,
  originals: Limiter,
): Promise<BatchResult> {
  const startedAt = Date.now();
  const { config, log } = processor;
  const records = await Promise.all(
    event.Records.map((record) => originals(() => recordOutcome(record, config, processor, log))),
  );
  const result: BatchResult = { ...summarise('s3', records), records };
  logSummary(processor, { ...result, records: undefined }, startedAt);
  if (result.failed.length > 0)
    throw new RetryableBatchError(
      `Transient failure on ${result.failed.length} of ${records.length} record(s), to be retried: ` +
        result.failed.map((item) => `${item.key} (${item.reason})`).join('; '),
      result,
    );
  return result;
}

async function recordOutcome(
  record: S3Event['Records'][number],
  config: BatchConfig,
  processor: ProcessorDeps,
  log: Logger,
): Promise<ItemOutcome> {
  const item = eventItem(record);
  const refuse = (code: string, reason: string): ItemOutcome => {
    log('batch.original', { key: item.key, bucket: item.bucket, outcome: 'refused', code, reason });
    return { key: item.key, bucket: item.bucket, outcome: 'refused', code, reason };
  };
  if (!item.eventName.startsWith('ObjectCreated:'))
    return { key: item.key, bucket: item.bucket, outcome: 'ignored', reason: `${item.eventName} event` };
  if (item.bucket === config.derivativesBucket)
    return refuse('derivatives_bucket', 'Event for the derivatives bucket (recursion guard)');
  if (item.bucket !== config.originalsBucket)
    return refuse('wrong_bucket', `Event for bucket ${item.bucket}, not ${config.originalsBucket}`);
  if (item.decodeError) return refuse('invalid_key', item.decodeError);
  return { bucket: item.bucket, ...(await processOriginal(item.key, item.etag, processor)) };
}
