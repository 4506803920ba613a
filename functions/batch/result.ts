import type { ItemOutcome } from './process';

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
  readonly skipped: readonly SkippedItem[];
  /** Transient failures. An S3 event with any throws instead (Lambda retries); a backfill reports them. */
  readonly failed: readonly FailedItem[];
  readonly records?: readonly ItemOutcome[];
  /** Backfill: false when it stopped early, before the function's timeout or on a failed listing. */
  readonly complete?: boolean;
  /** Prefix backfill that stopped early: invoke again with `startAfter` set to this key. */
  readonly resumeAfter?: string;
  /** Keys backfill that stopped early: the keys not started, to invoke again with. */
  readonly remainingKeys?: readonly string[];
}

export interface SkippedItem {
  readonly key: string;
  readonly outcome: string;
  readonly code?: string;
  readonly reason?: string;
}

export interface FailedItem {
  readonly key: string;
  readonly code?: string;
  readonly reason?: string;
}

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

/** Counts the outcomes of one invocation's originals and their renditions. */
export function summarise(trigger: BatchResult['trigger'], items: readonly ItemOutcome[]): BatchResult {
  const written: string[] = [];
  const skipped: SkippedItem[] = [];
  const failed: FailedItem[] = [];
  let unchanged = 0;
  for (const item of items) {
    if (item.outcome === 'failed') failed.push({ key: item.key, code: item.code, reason: item.reason });
    else if (item.outcome !== 'processed')
      skipped.push({ key: item.key, outcome: item.outcome, code: item.code, reason: item.reason });
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
  return { trigger, originals: items.length, written, unchanged, skipped, failed };
}
