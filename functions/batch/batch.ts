import { availableParallelism } from 'node:os';
import type { S3Client } from '@aws-sdk/client-s3';
import type { Context, S3Event } from 'aws-lambda';
import { createS3ImageStore } from '../storage/image-store';
import type { BatchConfig } from './config';
import {
  eventItem,
  InvalidPayloadError,
  isS3Event,
  parseBackfillPayload,
  type BackfillPayload,
} from './event';
import { createLimiter, type Limiter } from './limit';
import { createLogger, type LogSink } from './log';
import { processOriginal, type ItemOutcome, type ProcessorDeps } from './process';
import { createBatchStorage } from './storage';

export interface BatchHandlerDeps {
  readonly config: BatchConfig;
  /** The S3 client, created once per container (functions/storage/s3-client.ts). */
  readonly client: S3Client;
  /** Originals processed at once, and sharp tasks run at once. @default os.availableParallelism() */
  readonly concurrency?: number;
  /** Where the JSON log lines go. @default console.log */
  readonly log?: LogSink;
  /**
   * A backfill starts no new original once less than this is left before the timeout (or twice the
   * slowest original so far, if more). @default 10000
   */
  readonly reserveMs?: number;
}

/** What an invocation did. For S3 events `records` names every record's outcome, in event order. */
export interface BatchResult {
  readonly trigger: 's3' | 'keys' | 'prefix';
  /** Originals (or records) looked at. */
  readonly originals: number;
  /** Derivative keys written by this invocation. */
  readonly written: readonly string[];
  /** Renditions left alone because their stored derivative is from the same source ETag. */
  readonly unchanged: number;
  /** Originals or renditions not processed, permanently, with the reason (also refused and ignored ones). */
  readonly skipped: readonly {
    key: string;
    outcome: string;
    code?: string;
    reason?: string;
  }[];
  /** Transient failures. An S3 event with any throws instead (Lambda retries); a backfill reports them. */
  readonly failed: readonly { key: string; code?: string; reason?: string }[];
  readonly records?: readonly ItemOutcome[];
  /** Backfill: false when it stopped early, before the function's timeout or on a failed listing. */
  readonly complete?: boolean;
  /** Prefix backfill that stopped early: invoke again with `startAfter` set to this key. */
  readonly resumeAfter?: string;
  /** Keys backfill that stopped early: the keys not started, to invoke again with. */
  readonly remainingKeys?: readonly string[];
}

export type BatchEvent = S3Event | BackfillPayload;
export type BatchHandler = (
  event: BatchEvent,
  context?: Pick<Context, 'getRemainingTimeInMillis'>,
) => Promise<BatchResult>;

/** Thrown for an S3 event with transient failures, so that Lambda's asynchronous retries take over. */
export class RetryableBatchError extends Error {
  override readonly name = 'RetryableBatchError';
  constructor(
    message: string,
    readonly result: BatchResult,
  ) {
    super(message);
  }
}

function summarise(trigger: BatchResult['trigger'], items: readonly ItemOutcome[]) {
  const written: string[] = [];
  const skipped: {
    key: string;
    outcome: string;
    code?: string;
    reason?: string;
  }[] = [];
  const failed: { key: string; code?: string; reason?: string }[] = [];
  let unchanged = 0;
  for (const item of items) {
    if (item.outcome === 'failed') failed.push({ key: item.key, code: item.code, reason: item.reason });
    else if (item.outcome !== 'processed')
      skipped.push({
        key: item.key,
        outcome: item.outcome,
        code: item.code,
        reason: item.reason,
      });
    for (const rendition of item.renditions ?? []) {
      if (rendition.outcome === 'written') written.push(rendition.key);
      else if (rendition.outcome === 'unchanged') unchanged++;
      else
        skipped.push({
          key: rendition.key,
          outcome: 'skipped',
          code: rendition.code,
          reason: rendition.reason,
        });
    }
  }
  return {
    trigger,
    originals: items.length,
    written,
    unchanged,
    skipped,
    failed,
  };
}

/** Runs `work` over `items` with at most `limit` at once, keeping the input order in the answer. */
async function mapLimited<T, R>(items: readonly T[], limit: Limiter, work: (item: T) => Promise<R>) {
  return Promise.all(items.map((item) => limit(() => work(item))));
}

/**
 * Builds the batch resizer's Lambda handler. Accepts an S3 ObjectCreated event (asynchronous, from the
 * bucket notification) or a backfill payload (synchronous, from an operator): `{"keys": [...]}` or
 * `{"prefix": "photos/", "startAfter"?: "..."}`.
 */
export function createBatchHandler(deps: BatchHandlerDeps): BatchHandler {
  const { config, client } = deps;
  const concurrency = deps.concurrency ?? availableParallelism();
  const reserveMs = deps.reserveMs ?? 10_000;
  const log = createLogger(deps.log);
  const processor: ProcessorDeps = {
    config,
    store: createS3ImageStore({
      client,
      originalsBucket: config.originalsBucket,
      derivativesBucket: config.derivedBucket,
    }),
    storage: createBatchStorage(client, config.originalsBucket, config.derivedBucket),
    cpu: createLimiter(concurrency),
    log,
  };
  const originals = createLimiter(concurrency);

  async function onS3Event(event: S3Event): Promise<BatchResult> {
    const records = await mapLimited(event.Records, originals, async (record): Promise<ItemOutcome> => {
      const item = eventItem(record);
      const refuse = (code: string, reason: string): ItemOutcome => {
        log('batch.original', {
          key: item.key,
          bucket: item.bucket,
          outcome: 'refused',
          code,
          reason,
        });
        return {
          key: item.key,
          bucket: item.bucket,
          outcome: 'refused',
          code,
          reason,
        };
      };
      if (!item.eventName.startsWith('ObjectCreated:'))
        return {
          key: item.key,
          bucket: item.bucket,
          outcome: 'ignored',
          reason: `${item.eventName} event`,
        };
      if (item.bucket === config.derivedBucket)
        return refuse('derivatives_bucket', 'Event for the derivatives bucket (recursion guard)');
      if (item.bucket !== config.originalsBucket)
        return refuse('wrong_bucket', `Event for bucket ${item.bucket}, not ${config.originalsBucket}`);
      if (item.decodeError) return refuse('invalid_key', item.decodeError);
      return {
        bucket: item.bucket,
        ...(await processOriginal(item.key, item.etag, processor)),
      };
    });
    const result: BatchResult = { ...summarise('s3', records), records };
    log('batch.summary', { ...result, records: undefined });
    if (result.failed.length > 0)
      throw new RetryableBatchError(
        `Transient failure on ${result.failed.length} of ${records.length} record(s), to be retried: ` +
          result.failed.map((item) => `${item.key} (${item.reason})`).join('; '),
        result,
      );
    return result;
  }

  /**
   * Processes keys as `source` yields them, `concurrency` at a time, and stops starting new ones when less
   * than the reserve (or twice the slowest original so far) is left before the function's timeout. Every
   * started original finishes, so the work can resume right after the last one started.
   */
  async function runGuarded(
    source: AsyncIterable<string>,
    context: Pick<Context, 'getRemainingTimeInMillis'> | undefined,
  ) {
    const items: ItemOutcome[] = [];
    const inFlight = new Set<Promise<void>>();
    let slowest = 0;
    let started = 0;
    let lastStarted: string | undefined;
    let stopped = false;
    let sourceError: string | undefined;
    const timeIsShort = () =>
      context !== undefined && context.getRemainingTimeInMillis() < Math.max(reserveMs, 2 * slowest);
    try {
      for await (const key of source) {
        while (inFlight.size >= concurrency) await Promise.race(inFlight);
        if (timeIsShort()) {
          stopped = true;
          break;
        }
        const begin = Date.now();
        const index = started;
        const task = processOriginal(key, undefined, processor).then((outcome) => {
          items[index] = outcome; // in the source's order, whatever the order of completion
          slowest = Math.max(slowest, Date.now() - begin);
          inFlight.delete(task);
        });
        inFlight.add(task);
        started++;
        lastStarted = key;
      }
    } catch (error) {
      // A failed listing: report what was done and where to resume, rather than losing it all.
      sourceError = (error as Error).message;
      stopped = true;
    }
    await Promise.all(inFlight);
    return { items, stopped, started, lastStarted, sourceError };
  }

  async function onKeys(
    keys: readonly string[],
    context: Pick<Context, 'getRemainingTimeInMillis'> | undefined,
  ): Promise<BatchResult> {
    async function* each() {
      yield* keys;
    }
    const run = await runGuarded(each(), context);
    const result: BatchResult = {
      ...summarise('keys', run.items),
      complete: !run.stopped,
      ...(run.stopped ? { remainingKeys: keys.slice(run.started) } : {}),
    };
    log('batch.summary', { ...result });
    return result;
  }

  async function onPrefix(
    prefix: string,
    startAfter: string | undefined,
    context: Pick<Context, 'getRemainingTimeInMillis'> | undefined,
  ): Promise<BatchResult> {
    const storage = processor.storage;
    async function* listing() {
      let token: string | undefined;
      do {
        const page = await storage.listOriginals(prefix, startAfter, token);
        token = page.nextContinuationToken;
        yield* page.keys;
      } while (token);
    }
    const run = await runGuarded(listing(), context);
    const summary = summarise('prefix', run.items);
    const resumeAfter = run.stopped ? (run.lastStarted ?? startAfter) : undefined;
    const result: BatchResult = {
      ...summary,
      failed: run.sourceError
        ? [
            ...summary.failed,
            {
              key: prefix,
              code: 'storage_fault',
              reason: `Listing failed: ${run.sourceError}`,
            },
          ]
        : summary.failed,
      complete: !run.stopped,
      ...(resumeAfter !== undefined ? { resumeAfter } : {}),
    };
    log('batch.summary', { prefix, startAfter, ...result });
    return result;
  }

  return async (event, context) => {
    if (isS3Event(event)) return onS3Event(event);
    if ((event as { Event?: string })?.Event === 's3:TestEvent')
      return {
        trigger: 's3',
        originals: 0,
        written: [],
        unchanged: 0,
        skipped: [],
        failed: [],
        records: [],
      };
    let payload: BackfillPayload;
    try {
      payload = parseBackfillPayload(event);
    } catch (error) {
      if (error instanceof InvalidPayloadError) log('batch.invalid_payload', { reason: error.message });
      throw error;
    }
    if (payload.keys) return onKeys(payload.keys, context);
    return onPrefix(payload.prefix ?? '', payload.startAfter, context);
  };
}
