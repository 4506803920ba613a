/**
 * The local edge's counters, from the same events a deployed stack's metrics come from: each answer the
 * CDN gives (its status, and whether the cache or the origin answered, CloudFront's `x-cache`), and the
 * edge handler's own Embedded Metric Format lines (functions/metrics/emf.ts), of which the resize time is
 * kept. Served as JSON at `GET /_local/metrics`, and shown on the demo page.
 */

export interface LocalMetricsSnapshot {
  readonly requests: number;
  /** Answers from the cache (`Hit from cloudfront`). */
  readonly hits: number;
  /** Answers that went to an origin (`Miss from cloudfront`). */
  readonly misses: number;
  /** hits / (hits + misses), or 0 before the first. */
  readonly hitRatio: number;
  /** Answers with a status of 400 or more, by status. */
  readonly errorsByStatus: Readonly<Record<string, number>>;
  /** Resizes the edge handler reported, and their time in milliseconds (nearest-rank percentiles). */
  readonly resize: { readonly count: number; readonly p50Ms: number; readonly p99Ms: number };
}

/** Resize times kept for the percentiles: the most recent ones, so a long session stays small. */
const RESIZE_WINDOW = 10_000;

export interface LocalMetrics {
  /** One answer of the CDN: `cache` is how it was answered (a function's own answer is neither). */
  answered(status: number, cache: 'hit' | 'miss' | 'function'): void;
  /** One log entry of the edge handler; its EMF `ResizeTime`, if any, is recorded. */
  handlerLogged(entry: Record<string, unknown>): void;
  snapshot(): LocalMetricsSnapshot;
}

function percentile(sorted: readonly number[], fraction: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * fraction) - 1)] as number;
}

export function createLocalMetrics(): LocalMetrics {
  let requests = 0;
  let hits = 0;
  let misses = 0;
  const errorsByStatus: Record<string, number> = {};
  const resizeMs: number[] = [];
  return {
    answered(status, cache) {
      requests++;
      if (cache === 'hit') hits++;
      if (cache === 'miss') misses++;
      if (status >= 400) errorsByStatus[status] = (errorsByStatus[status] ?? 0) + 1;
    },
    handlerLogged(entry) {
      if (typeof entry.ResizeTime !== 'number' || entry._aws === undefined) return;
      resizeMs.push(entry.ResizeTime);
      if (resizeMs.length > RESIZE_WINDOW) resizeMs.shift();
    },
    snapshot() {
      const sorted = [...resizeMs].sort((a, b) => a - b);
      return {
        requests,
        hits,
        misses,
        hitRatio: hits + misses === 0 ? 0 : hits / (hits + misses),
        errorsByStatus: { ...errorsByStatus },
        resize: { count: sorted.length, p50Ms: percentile(sorted, 0.5), p99Ms: percentile(sorted, 0.99) },
      };
    },
  };
}
