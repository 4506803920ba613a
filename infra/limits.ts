/**
 * AWS facts the infrastructure is shaped by, in one place so config validation and tests agree.
 * Sources: CloudFront Developer Guide, "Restrictions on Lambda@Edge" and "Quotas on Lambda@Edge";
 * Lambda Developer Guide, "Lambda quotas"; CloudWatch Logs `PutRetentionPolicy`; SQS `SetQueueAttributes`.
 */

/** Lambda@Edge functions must be created in US East (N. Virginia). */
export const EDGE_REGION = 'us-east-1';

/**
 * The newest Node.js runtime listed under "Supported runtimes" in "Restrictions on Lambda@Edge"
 * (Node.js 22 at the time of writing; Lambda itself already offers nodejs24.x, Lambda@Edge does not).
 */
export const EDGE_RUNTIME = 'nodejs22.x';

/** Runtime of the batch resizer: the same as the edge, so one bundle target and one sharp build serve both. */
export const BATCH_RUNTIME = 'nodejs22.x';

/** Origin-request and origin-response events: at most 30 s; memory as for any Lambda function. */
export const ORIGIN_EVENT_LIMITS = { minMemoryMb: 128, maxMemoryMb: 10_240, maxTimeoutSeconds: 30 } as const;

/** Regular Lambda function limits. */
export const LAMBDA_LIMITS = { minMemoryMb: 128, maxMemoryMb: 10_240, maxTimeoutSeconds: 900 } as const;

/** `FunctionEventInvokeConfig` bounds. */
export const ASYNC_INVOKE_LIMITS = {
  maxRetryAttempts: 2,
  minEventAgeSeconds: 60,
  maxEventAgeSeconds: 21_600,
} as const;

/** SQS `MessageRetentionPeriod` bounds, in seconds (1 minute to 14 days). */
export const SQS_RETENTION_LIMITS = { min: 60, max: 1_209_600 } as const;

/** The values CloudWatch Logs accepts for `retentionInDays`. */
export const LOG_RETENTION_DAYS: readonly number[] = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
];

/** CloudFront price classes. */
export const PRICE_CLASSES = ['PriceClass_100', 'PriceClass_200', 'PriceClass_All'] as const;
export type PriceClass = (typeof PRICE_CLASSES)[number];

/**
 * Regions of CloudFront's regional edge caches, where Lambda@Edge origin-event replicas run and
 * therefore write their logs. AWS publishes the locations by city, not by region code; this mapping is
 * the commonly used one (all opt-in-free regions). Override with `image-cdn:edgeLogRegions`.
 */
export const REGIONAL_EDGE_CACHE_REGIONS: readonly string[] = [
  'us-east-1',
  'us-east-2',
  'us-west-1',
  'us-west-2',
  'ap-south-1',
  'ap-northeast-1',
  'ap-northeast-2',
  'ap-southeast-1',
  'ap-southeast-2',
  'eu-central-1',
  'eu-west-1',
  'eu-west-2',
  'sa-east-1',
];

/** Widest and tallest image libvips' WebP encoder can write; a sane upper bound for any output side. */
/** CloudFront's default maximum TTL of a cache policy (one year): the longest max-age worth sending. */
export const CLOUDFRONT_DEFAULT_MAX_TTL_SECONDS = 31_536_000;

export const MAX_OUTPUT_SIDE = 16_383;
