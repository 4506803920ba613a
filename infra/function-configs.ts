import { edgeDeadlineMs } from '../functions/edge/deadline';
import type { EdgeConfig } from '../functions/edge/edge-config';
import type { ViewerConfig } from '../functions/viewer/viewer-config';
import { ORIGINALS_ORIGIN_ID } from './cloudfront';
import type { CdnConfig } from './config';

/**
 * What the origin-response handler is built with: the stack's buckets (known once they exist, so this is
 * called inside an `apply`), their region, and the same rules as the viewer function and the batch resizer.
 */
export function edgeConfigFor(
  config: CdnConfig,
  originalsBucket: string,
  derivativesBucket: string,
  signingSecret = '',
): EdgeConfig {
  return {
    ...(signingSecret ? { signingSecret } : {}),
    originalsBucket,
    derivativesBucket,
    bucketRegion: config.region,
    rules: config.rules,
    transform: config.edgeTransform,
    cacheMaxAge: config.cacheMaxAgeSeconds,
    errorMaxAge: config.errorMaxAgeSeconds,
    s3TimeoutMs: config.s3TimeoutMs,
    deadlineMs: edgeDeadlineMs(config.edge.timeoutSeconds),
  };
}

/** What the viewer-request CloudFront Function is built with. */
export function viewerConfigFor(config: CdnConfig, signingSecret = ''): ViewerConfig {
  return {
    ...(signingSecret ? { signingSecret } : {}),
    rules: config.rules,
    originalsOriginId: ORIGINALS_ORIGIN_ID,
    errorMaxAge: config.errorMaxAgeSeconds,
  };
}
