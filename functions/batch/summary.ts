import { type BatchMetric, metricFields } from '../metrics/emf';
import type { ProcessorDeps } from './process';
import type { BatchResult } from './result';

/**
 * The one summary line of an invocation (`batch.summary`), whatever triggered it, with its metrics in
 * Embedded Metric Format (functions/metrics/emf.ts): originals seen, renditions written and unchanged,
 * skips and failures, and the duration, by trigger (`s3`, `keys`, `prefix`).
 */
export function logSummary(
  processor: ProcessorDeps,
  result: BatchResult,
  startedAt: number,
  fields: Record<string, unknown> = {},
): void {
  const count = (value: number) => ({ value, unit: 'Count' as const });
  processor.log('batch.summary', {
    ...fields,
    ...result,
    ...metricFields<BatchMetric>(
      processor.config.metricsNamespace,
      { Trigger: result.trigger },
      {
        Originals: count(result.originals),
        RenditionsWritten: count(result.written.length),
        RenditionsUnchanged: count(result.unchanged),
        Skipped: count(result.skipped.length),
        Failed: count(result.failed.length),
        Duration: { value: Date.now() - startedAt, unit: 'Milliseconds' },
      },
    ),
  });
}
