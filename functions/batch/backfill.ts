import type { Context } from 'aws-lambda';

import { type ItemOutcome, type ProcessorDeps, processOriginal } from './process';
import { type BatchResult, summarise } from './result';
import { logSummary } from './summary';

/** The remaining-time view of Lambda's context that a backfill needs. */
export type RemainingTime = Pick<Context, 'getRemainingTimeInMillis'>;

export interface BackfillDeps {
  readonly processor: ProcessorDeps;
  /** Originals processed at once. */
  readonly concurrency: number;
  /** No new original starts once less than this (or twice the slowest original so far) is left. */
  readonly reserveMs: number;
}

interface GuardedRun {
  readonly items: ItemOutcome[];
  readonly stopped: boolean;
  readonly started: number;
  readonly lastStarted?: string;
  readonly sourceError?: string;
}

/**
 * Processes keys as `source` yields them, `concurrency` at a time, and stops starting new ones when less
 * than the reserve (or twice the slowest original so far) is left before the function's timeout. Every
 * started original finishes, so the work can resume right after the last one started.
 */
async function runGuarded(
  source: AsyncIterable<string>,
  context: RemainingTime | undefined,
  deps: BackfillDeps,
): Promise<GuardedRun> {
  const items: ItemOutcome[] = [];
  const inFlight = new Set<Promise<void>>();
  let slowest = 0;
  let started = 0;
  let lastStarted: string | undefined;
  let stopped = false;
  let sourceError: string | undefined;
  const timeIsShort = () =>
    context !== undefined && context.getRemainingTimeInMillis() < Math.max(deps.reserveMs, 2 * slowest);
  try {
    for await (const key of source) {
      while (inFlight.size >= deps.concurrency) await Promise.race(inFlight);
      if (timeIsShort()) {
        stopped = true;
        break;
      }
      const begin = Date.now();
      const index = started;
      const task = processOriginal(key, undefined, deps.processor).then((outcome) => {
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

/** `{"keys": [...]}`: those originals; when stopped early, `remainingKeys` lists the ones not started. */
export async function backfillKeys(
  keys: readonly string[],
  context: RemainingTime | undefined,
  deps: BackfillDeps,
): Promise<BatchResult> {
  const startedAt = Date.now();
  async function* each() {
    yield* keys;
  }
  const run = await runGuarded(each(), context, deps);
  const result: BatchResult = {
    ...summarise('keys', run.items),
    complete: !run.stopped,
    ...(run.stopped ? { remainingKeys: keys.slice(run.started) } : {}),
  };
  logSummary(deps.processor, result, startedAt);
  return result;
}

/**
 * `{"prefix": "photos/", "startAfter"?: "..."}`: every original under the prefix, page by page; when
 * stopped early (time, or a failed listing), `resumeAfter` says where to start the next invocation.
 */
export async function backfillPrefix(
  prefix: string,
  startAfter: string | undefined,
  context: RemainingTime | undefined,
  deps: BackfillDeps,
): Promise<BatchResult> {
  const startedAt = Date.now();
  const store = deps.processor.store;
  async function* listing() {
    let token: string | undefined;
    do {
      const page = await store.listOriginals(prefix, startAfter, token);
      token = page.nextContinuationToken;
      yield* page.keys;
    } while (token);
  }
  const run = await runGuarded(listing(), context, deps);
  const summary = summarise('prefix', run.items);
  const resumeAfter = run.stopped ? (run.lastStarted ?? startAfter) : undefined;
  const result: BatchResult = {
    ...summary,
    failed: run.sourceError
      ? [
          ...summary.failed,
          { key: prefix, code: 'storage_fault', reason: `Listing failed: ${run.sourceError}` },
        ]
      : summary.failed,
    complete: !run.stopped,
    ...(resumeAfter !== undefined ? { resumeAfter } : {}),
  };
  logSummary(deps.processor, result, startedAt, { prefix, startAfter });
  return result;
}
