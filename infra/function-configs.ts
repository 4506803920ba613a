import { BATCH_CONFIG_VARIABLE, type BatchConfigJson } from '../functions/batch/batch-config';
import { edgeDeadlineMs } from '../functions/edge/deadline';
import type { EdgeConfig, RegionBuckets } from '../functions/edge/edge-config';
import { buildViewerFunction } from '../functions/viewer/build';
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
  replicas: readonly RegionBuckets[] = [],
): EdgeConfig {
  return {
    ...(signingSecret ? { signingSecret } : {}),
    originalsBucket,
    derivativesBucket,
    bucketRegion: config.region,
    ...(replicas.length > 0 ? { replicas } : {}),
    rules: config.rules,
    transform: config.edgeTransform,
    cacheMaxAge: config.cacheMaxAgeSeconds,
    errorMaxAge: config.errorMaxAgeSeconds,
    s3TimeoutMs: config.s3TimeoutMs,
    deadlineMs: edgeDeadlineMs(config.edge.timeoutSeconds),
    metricsNamespace: config.metricsNamespace,
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

/** What the batch resizer is built with: the same rules, its renditions, and `thorough` encoding. */
export function batchConfigFor(
  config: CdnConfig,
  originalsBucket: string,
  derivativesBucket: string,
): BatchConfigJson {
  return {
    originalsBucket,
    derivativesBucket,
    renditions: config.batch.renditions,
    rules: config.rules,
    transform: config.batchTransform,
    cacheMaxAge: config.cacheMaxAgeSeconds,
    metricsNamespace: config.metricsNamespace,
  };
}

/**
 * The viewer function built with the stack's config. Its size follows the config (presets, allowed widths
 * and signing are baked in), so the build's size error says which keys to change.
 */
export function viewerFunctionCode(config: CdnConfig, signingSecret: string): string {
  try {
    return buildViewerFunction(viewerConfigFor(config, signingSecret));
  } catch (error) {
    const message = (error as Error).message;
    if (!/over CloudFront Functions' \d+-byte limit/.test(message)) throw error;
    throw new Error(
      `${message}: declare fewer or shorter image-cdn:presets, list fewer image-cdn:allowedWidths, or unset image-cdn:signingSecret (signing and presets together leave almost no room)`,
    );
  }
}

/**
 * "The total size of all environment variables doesn't exceed 4 KB" (AWS Lambda, "Working with Lambda
 * environment variables"): counted here as the UTF-8 bytes of every name and value.
 */
export const LAMBDA_ENVIRONMENT_LIMIT_BYTES = 4096;

/** The batch function's environment: its configuration as one JSON variable, within Lambda's limit. */
export function batchEnvironment(config: BatchConfigJson): Record<string, string> {
  const variables = {
    [BATCH_CONFIG_VARIABLE]: JSON.stringify(config),
    // glibc's per-thread arenas fragment under libvips; two arenas keep peak RSS near 320 MB instead of
    // 450 MB for 12 MP work (bench/batch.ts), as sharp's docs advise on glibc.
    MALLOC_ARENA_MAX: '2',
  };
  const bytes = Object.entries(variables).reduce(
    (total, [name, value]) => total + Buffer.byteLength(name) + Buffer.byteLength(value),
    0,
  );
  if (bytes > LAMBDA_ENVIRONMENT_LIMIT_BYTES)
    throw new Error(
      `The batch resizer's environment is ${bytes} bytes, over Lambda's ${LAMBDA_ENVIRONMENT_LIMIT_BYTES}: ` +
        'list fewer batchRenditions or allowedWidths',
    );
  return variables;
}
