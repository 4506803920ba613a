/**
 * The edge handler's deadline, in one place for the deploy (infra/function-configs.ts bakes it into
 * edge-config.json) and for a config without one (tests, the local edge).
 */

/** Timeout of the origin-response function by default, in seconds: Lambda@Edge's limit for origin events. */
export const DEFAULT_EDGE_TIMEOUT_SECONDS = 30;

/** Answer a second before Lambda would end the function, so CloudFront never sees a timeout. */
export function edgeDeadlineMs(timeoutSeconds: number): number {
  return Math.max(500, timeoutSeconds * 1000 - 1000);
}

/** The deadline of a function with the default timeout. */
export const DEFAULT_EDGE_DEADLINE_MS = edgeDeadlineMs(DEFAULT_EDGE_TIMEOUT_SECONDS);
