import { createLimiter } from '../functions/batch/limit';
import type { OriginResponseHandler } from '../functions/edge/origin-response';

/**
 * A Lambda execution environment handles one event at a time, and Lambda scales by adding environments
 * (docs.aws.amazon.com/lambda/latest/dg/lambda-concurrency.html), so one container never holds more than
 * one transform in memory. The local edge runs every handler in one process: this gate lets at most
 * `limit` origin-response events that may transform (S3 answered 403/404) run at once and queues the
 * rest in arrival order, so memory stays near `limit` × one transform's peak under any burst. Events for
 * objects S3 found pass straight through.
 */
export interface TransformGate {
  readonly handler: OriginResponseHandler;
  /** Events that may transform, running now and waiting now; the most that ever ran at once. */
  stats(): { readonly running: number; readonly queued: number; readonly peak: number };
}

export function gateTransforms(handler: OriginResponseHandler, limit: number): TransformGate {
  const run = createLimiter(limit);
  let running = 0;
  let queued = 0;
  let peak = 0;
  return {
    handler: async (event) => {
      const status = event.Records[0]?.cf.response.status;
      if (status !== '403' && status !== '404') return handler(event);
      queued++;
      return run(async () => {
        queued--;
        running++;
        peak = Math.max(peak, running);
        try {
          return await handler(event);
        } finally {
          running--;
        }
      });
    },
    stats: () => ({ running, queued, peak }),
  };
}
