import { availableParallelism } from 'node:os';

import type { S3Client } from '@aws-sdk/client-s3';
import type { S3Event } from 'aws-lambda';

import { createS3ImageStore } from '../storage/image-store';
import { type BackfillDeps, backfillKeys, backfillPrefix, type RemainingTime } from './backfill';
import type { BatchConfig } from './batch-config';
import { type BackfillPayload, InvalidPayloadError, isS3Event, parseBackfillPayload } from './event';
import { createLimiter } from './limit';
import { createLogger, type LogSink } from './log';
import type { ProcessorDeps } from './process';
import type { BatchResult } from './result';
import { handleS3Event } from './s3-event';

export type { BatchResult } from './result';
export { RetryableBatchError } from './result';

export interface BatchHandlerDeps {
  readonly config: BatchConfig;
  /** The S3 client, created once per container (functions/storage/s3-client.ts). */
  readonly client: S3Client;
  /** Originals processed at once, and sharp tasks run at once. @default os.availableParallelism() */
  readonly concurrency?: number;
  /** Where the JSON log lines go. @default stdout */
  readonly log?: LogSink;
  /**
   * A backfill starts no new original once less than this is left before the timeout (or twice the
   * slowest original so far, if more). @default 10000
   */
  readonly reserveMs?: number;
}

export type BatchEvent = S3Event | BackfillPayload;
export type BatchHandler = (event: BatchEvent, context?: RemainingTime) => Promise<BatchResult>;

/** The answer to S3's test notification, sent once when the notification is configured. */
const TEST_EVENT_RESULT: BatchResult = {
  trigger: 's3',
  originals: 0,
  written: [],
  unchanged: 0,
  skipped: [],
  failed: [],
  records: [],
};

/**
 * Builds the batch resizer's Lambda handler, which only dispatches: an S3 ObjectCreated event
 * (asynchronous, from the bucket notification: s3-event.ts) or a backfill payload (synchronous, from an
 * operator: `{"keys": [...]}` or `{"prefix": "photos/", "startAfter"?: "..."}`: backfill.ts).
 */
export function createBatchHandler(deps: BatchHandlerDeps): BatchHandler {
  const { config, client } = deps;
  const concurrency = deps.concurrency ?? availableParallelism();
  const log = createLogger(deps.log);
  const processor: ProcessorDeps = {
    config,
    store: createS3ImageStore({
      client,
      originalsBucket: config.originalsBucket,
      derivativesBucket: config.derivativesBucket,
    }),
    cpu: createLimiter(concurrency),
    log,
  };
  const originals = createLimiter(concurrency);
  const backfill: BackfillDeps = { processor, concurrency, reserveMs: deps.reserveMs ?? 10_000 };

  return async (event, context) => {
    if (isS3Event(event)) return handleS3Event(event, processor, originals);
    if ((event as { Event?: string })?.Event === 's3:TestEvent') return TEST_EVENT_RESULT;
    let payload: BackfillPayload;
    try {
      payload = parseBackfillPayload(event);
    } catch (error) {
      if (error instanceof InvalidPayloadError) log('batch.invalid_payload', { reason: error.message });
      throw error;
    }
    if (payload.keys) return backfillKeys(payload.keys, context, backfill);
    return backfillPrefix(payload.prefix ?? '', payload.startAfter, context, backfill);
  };
}
