// Every config key of the project, declared once: type, default, bounds and description. parse.ts reads
// its defaults and bounds from here, and `npm run config:docs` (scripts/config-docs.ts) generates
// Pulumi.yaml's `config:` block and docs/configuration.md from it; a test fails when either is stale.
// Pure data: no Pulumi import, so tests and scripts can load it anywhere.
import { DEFAULT_CACHE_MAX_AGE } from '../../functions/core/cache-control';
import { MAX_ORIGINAL_KEY_BYTES } from '../../functions/core/key';
import { DEFAULT_RULES } from '../../functions/core/rules';
import { ORIGINAL_CONTENT_TYPES } from '../../functions/core/spec';
import { DEFAULT_EDGE_TIMEOUT_SECONDS } from '../../functions/edge/deadline';
import { DEFAULT_METRICS_NAMESPACE } from '../../functions/metrics/emf';
import {
  DEFAULT_MAX_AVIF_PIXELS,
  DEFAULT_MAX_GIF_PIXELS,
  DEFAULT_TRANSFORM_SETTINGS,
} from '../../functions/transform/settings';
import {
  ASYNC_INVOKE_LIMITS,
  CLOUDFRONT_DEFAULT_MAX_TTL_SECONDS,
  LAMBDA_LIMITS,
  MAX_OUTPUT_SIDE,
  ORIGIN_EVENT_LIMITS,
  REGIONAL_EDGE_CACHE_REGIONS,
  SQS_RETENTION_LIMITS,
} from '../limits';

/** Config namespace of this project's keys (`image-cdn:<key>`), the project name in Pulumi.yaml. */
export const CONFIG_NAMESPACE = 'image-cdn';

interface KeyBase {
  /** Heading the key is listed under in Pulumi.yaml and the docs. */
  readonly group: string;
  readonly description: string;
  /**
   * Set when the default depends on other keys: the declared default (0 or an empty list) then means
   * "derive it", and this says from what. Pulumi applies a declared default before the program runs, so
   * a sentinel is the only way the program can tell "not set" from a value the user chose.
   */
  readonly derived?: string;
  /**
   * Read with getSecret and refused unless stored encrypted (`pulumi config set --secret`). Pulumi.yaml
   * cannot say so itself: the CLI refuses `secret: true` next to a default, and without a default it
   * makes the key required in every stack (pulumi/pulumi pkg/workspace/config.go, mergeConfig).
   */
  readonly secret?: boolean;
}
export interface IntegerKey extends KeyBase {
  readonly type: 'integer';
  readonly default: number;
  readonly min: number;
  readonly max: number;
}
export interface BooleanKey extends KeyBase {
  readonly type: 'boolean';
  readonly default: boolean;
}
export interface StringKey extends KeyBase {
  readonly type: 'string';
  readonly default: string;
}
export interface IntegerListKey extends KeyBase {
  readonly type: 'array';
  readonly items: 'integer';
  readonly default: readonly number[];
  readonly min: number;
  readonly max: number;
}
export interface StringListKey extends KeyBase {
  readonly type: 'array';
  readonly items: 'string';
  readonly default: readonly string[];
}
export type KeyDeclaration = IntegerKey | BooleanKey | StringKey | IntegerListKey | StringListKey;

const QUERY = 'Query rules';
const TRANSFORM = 'Transform';
const CACHING = 'Caching';
const EDGE = 'Edge function (Lambda@Edge, us-east-1)';
const BUCKETS = 'Buckets';
const DISTRIBUTION = 'Distribution';
const BATCH = 'Batch resizer';
const SIGNING = 'Signed URLs';
const OBSERVABILITY = 'Observability';

/** Original suffixes that trigger the batch resizer by default: every input format it accepts. */
const BATCH_SUFFIXES = Object.keys(ORIGINAL_CONTENT_TYPES);

const integer = (
  group: string,
  fallback: number,
  min: number,
  max: number,
  description: string,
  derived?: string,
): IntegerKey => ({
  type: 'integer',
  group,
  default: fallback,
  min,
  max,
  description,
  ...(derived ? { derived } : {}),
});
const boolean = (group: string, fallback: boolean, description: string): BooleanKey => ({
  type: 'boolean',
  group,
  default: fallback,
  description,
});
const string = (group: string, fallback: string, description: string): StringKey => ({
  type: 'string',
  group,
  default: fallback,
  description,
});
const strings = (
  group: string,
  fallback: readonly string[],
  description: string,
  derived?: string,
): StringListKey => ({
  type: 'array',
  items: 'string',
  group,
  default: fallback,
  description,
  ...(derived ? { derived } : {}),
});

export const CONFIG_SCHEMA = {
  maxWidth: integer(
    QUERY,
    DEFAULT_RULES.maxWidth,
    1,
    MAX_OUTPUT_SIDE,
    'Largest output width in pixels, after dpr.',
  ),
  maxHeight: integer(
    QUERY,
    DEFAULT_RULES.maxHeight,
    1,
    MAX_OUTPUT_SIDE,
    'Largest output height in pixels, after dpr.',
  ),
  maxPixels: integer(
    QUERY,
    0,
    1,
    MAX_OUTPUT_SIDE * MAX_OUTPUT_SIDE,
    'Largest output width x height (at most maxWidth x maxHeight).',
    'maxWidth x maxHeight',
  ),
  allowedWidths: {
    type: 'array',
    items: 'integer',
    group: QUERY,
    default: [...DEFAULT_RULES.allowedWidths],
    min: 1,
    max: MAX_OUTPUT_SIDE,
    description: 'When not empty, requested widths are rounded up to one of these (each at most maxWidth).',
  } satisfies IntegerListKey,
  maxDpr: integer(QUERY, DEFAULT_RULES.maxDpr, 1, 5, 'Largest device-pixel ratio accepted by dpr.'),
  enableAvif: boolean(QUERY, DEFAULT_RULES.enableAvif, 'Whether AVIF may be produced (the slowest encoder).'),
  qualityAvif: integer(QUERY, DEFAULT_RULES.defaultQuality.avif, 1, 100, 'Default AVIF quality.'),
  qualityWebp: integer(QUERY, DEFAULT_RULES.defaultQuality.webp, 1, 100, 'Default WebP quality.'),
  qualityJpeg: integer(QUERY, DEFAULT_RULES.defaultQuality.jpeg, 1, 100, 'Default JPEG quality.'),
  maxKeyBytes: integer(
    QUERY,
    DEFAULT_RULES.maxKeyBytes,
    1,
    MAX_ORIGINAL_KEY_BYTES,
    "Longest accepted original key, in UTF-8 bytes (the bound leaves room for the longest derivative suffix within S3's 1024-byte keys).",
  ),
  presets: string(
    QUERY,
    '',
    'Named sets of parameters a URL asks for with preset=<name>, as a JSON object of name to query string: `{"thumb": "w=200&h=200&fit=cover&crop=edges"}` (set it with `pulumi config set image-cdn:presets \'{...}\'`). A parameter given beside preset= overrides the preset\'s. Names are 1-32 of a-z, 0-9, - and _; at most 20 presets; each query must name known parameters only (not preset, s or expires) and pass the query rules. Each preset is baked into the viewer function, which CloudFront caps at 10 KB. Empty = no presets.',
  ),

  inputPixelLimit: integer(
    TRANSFORM,
    0,
    1,
    1_000_000_000,
    'Largest input width x height decoded; larger originals are refused (at least maxPixels).',
    `the larger of ${DEFAULT_TRANSFORM_SETTINGS.inputPixelLimit} and maxPixels`,
  ),
  maxFrames: integer(
    TRANSFORM,
    DEFAULT_TRANSFORM_SETTINGS.maxFrames,
    1,
    10_000,
    'Most frames kept when an animation is preserved.',
  ),
  maxAvifPixels: integer(
    TRANSFORM,
    DEFAULT_MAX_AVIF_PIXELS,
    1,
    1_000_000_000,
    'Largest AVIF output (width x height); a larger AVIF is made as WebP, because the AVIF encoder cannot be stopped at the transform deadline.',
  ),
  maxGifPixels: integer(
    TRANSFORM,
    DEFAULT_MAX_GIF_PIXELS,
    1,
    1_000_000_000,
    'Largest GIF output (width x height x frames); a larger GIF is refused, because the GIF encoder cannot be stopped at the transform deadline.',
  ),
  allowSvg: boolean(TRANSFORM, DEFAULT_TRANSFORM_SETTINGS.allowSvg, 'Accept SVG originals.'),
  background: string(
    TRANSFORM,
    DEFAULT_TRANSFORM_SETTINGS.background,
    'Colour (#rrggbb) transparent pixels are flattened onto for formats without alpha.',
  ),
  transformTimeoutSeconds: integer(
    TRANSFORM,
    0,
    1,
    LAMBDA_LIMITS.maxTimeoutSeconds,
    'Longest a single transform may run before it is abandoned, in seconds (below edgeTimeoutSeconds and batchTimeoutSeconds).',
    '10 s less than the shorter of edgeTimeoutSeconds and batchTimeoutSeconds, at least 1',
  ),

  cacheMaxAgeSeconds: integer(
    CACHING,
    DEFAULT_CACHE_MAX_AGE,
    1,
    CLOUDFRONT_DEFAULT_MAX_TTL_SECONDS,
    "max-age of derivatives, and the cache policy's default TTL, in seconds.",
  ),
  errorMaxAgeSeconds: integer(
    CACHING,
    60,
    0,
    86_400,
    'max-age of 4xx answers (bad parameters, missing original), in seconds.',
  ),
  s3TimeoutMs: integer(
    CACHING,
    0,
    100,
    10_000,
    'Budget of one S3 request made by the edge handler, in milliseconds (below the edge timeout).',
    'the smaller of 5000 and a quarter of edgeTimeoutSeconds',
  ),

  edgeMemoryMb: integer(
    EDGE,
    2_048,
    ORIGIN_EVENT_LIMITS.minMemoryMb,
    ORIGIN_EVENT_LIMITS.maxMemoryMb,
    'Memory of the origin-response function, in MB.',
  ),
  edgeTimeoutSeconds: integer(
    EDGE,
    DEFAULT_EDGE_TIMEOUT_SECONDS,
    5,
    ORIGIN_EVENT_LIMITS.maxTimeoutSeconds,
    'Timeout of the origin-response function, in seconds (origin events allow at most 30).',
  ),
  edgeLogRegions: strings(
    EDGE,
    REGIONAL_EDGE_CACHE_REGIONS,
    "Regions where the replicas' log group /aws/lambda/us-east-1.<name> is created with a retention: every region with a CloudFront regional edge cache, where replicas run and log.",
  ),
  logRetentionDays: integer(
    EDGE,
    30,
    1,
    3653,
    'Retention of every log group, in days (a value CloudWatch Logs accepts, e.g. 7, 14, 30, 90).',
  ),

  derivativesExpirationDays: integer(
    BUCKETS,
    90,
    1,
    36_500,
    'Days after which a derivative expires; it is regenerated on the next request.',
  ),
  originalsVersioning: boolean(BUCKETS, false, 'Enable versioning on the originals bucket.'),
  forceDestroy: boolean(
    BUCKETS,
    false,
    'Let pulumi destroy delete buckets that still hold objects (throw-away stacks only).',
  ),
  replicaRegions: strings(
    BUCKETS,
    [],
    "Regions that each get a replica of the originals (S3 Replication from the home bucket, delete markers included) and a derivatives bucket of their own. Lambda@Edge reads originals from the nearest healthy copy, and CloudFront fails over to the first listed region's derivatives when the home region answers 5xx. Turns versioning on for the originals (replication requires it). Empty = one region, as before.",
  ),
  replicationTimeControl: boolean(
    BUCKETS,
    false,
    'S3 Replication Time Control on the originals replication: 99.99% of objects replicated within 15 minutes, with replication metrics (billed per GB).',
  ),
  existingOriginalsBucket: string(
    BUCKETS,
    '',
    'Name of an existing bucket in the home region to serve originals from, instead of creating one. It is only read: nothing is created on it and nothing is deleted on destroy, so add the statements of the output originalsBucketPolicy to its bucket policy (CloudFront reads it through OAC), and run the batch backfill for renditions (its uploads do not trigger the batch resizer). Empty = create the originals bucket.',
  ),

  priceClass: string(
    DISTRIBUTION,
    'PriceClass_100',
    'CloudFront price class (PriceClass_100, PriceClass_200 or PriceClass_All).',
  ),
  aliases: strings(DISTRIBUTION, [], 'Alternate domain names of the distribution; they need certificateArn.'),
  certificateArn: string(
    DISTRIBUTION,
    '',
    "ARN of an ACM certificate in us-east-1 covering the aliases (empty = CloudFront's default certificate).",
  ),
  loggingBucket: string(
    DISTRIBUTION,
    '',
    'Name of a bucket (ACLs enabled) receiving CloudFront standard logs; empty = no access logs.',
  ),
  webAclId: string(DISTRIBUTION, '', "WAF web ACL to attach (the web ACL's ARN for WAFv2); empty = none."),
  originShield: boolean(DISTRIBUTION, false, 'Enable Origin Shield on both origins.'),
  originShieldRegion: string(
    DISTRIBUTION,
    '',
    "Origin Shield region; empty = the stack's home region (aws:region).",
  ),

  batchRenditions: strings(
    BATCH,
    [],
    'Renditions generated on upload, in the query language (validated against the query rules).',
    'width=320, 640 and 1280 in WebP, each capped at maxWidth and rounded up to allowedWidths',
  ),
  batchPrefix: string(
    BATCH,
    '',
    'Key prefix of originals that trigger the batch resizer; empty = every key.',
  ),
  batchSuffixes: strings(
    BATCH,
    BATCH_SUFFIXES,
    'Key suffixes (case-sensitive) that trigger the batch resizer, one notification filter each.',
  ),
  batchMemoryMb: integer(
    BATCH,
    2_048,
    LAMBDA_LIMITS.minMemoryMb,
    LAMBDA_LIMITS.maxMemoryMb,
    'Memory of the batch resizer, in MB.',
  ),
  batchTimeoutSeconds: integer(
    BATCH,
    120,
    5,
    LAMBDA_LIMITS.maxTimeoutSeconds,
    'Timeout of the batch resizer, in seconds.',
  ),
  batchReservedConcurrency: integer(BATCH, 10, 1, 1_000, 'Reserved concurrency of the batch resizer.'),
  batchMaxRetryAttempts: integer(
    BATCH,
    ASYNC_INVOKE_LIMITS.maxRetryAttempts,
    0,
    ASYNC_INVOKE_LIMITS.maxRetryAttempts,
    'Retries of a failed asynchronous invocation (2 means 3 tries).',
  ),
  batchMaxEventAgeSeconds: integer(
    BATCH,
    3_600,
    ASYNC_INVOKE_LIMITS.minEventAgeSeconds,
    ASYNC_INVOKE_LIMITS.maxEventAgeSeconds,
    'Age after which an unprocessed event goes to the failure queue, in seconds.',
  ),
  failureQueueRetentionSeconds: integer(
    BATCH,
    SQS_RETENTION_LIMITS.max,
    SQS_RETENTION_LIMITS.min,
    SQS_RETENTION_LIMITS.max,
    'Retention of failed events in the SQS failure queue, in seconds.',
  ),

  metricsNamespace: string(
    OBSERVABILITY,
    DEFAULT_METRICS_NAMESPACE,
    "CloudWatch namespace of the handlers' own metrics, written as Embedded Metric Format in their log lines (no API call): the edge's outcomes by status class, durations and bytes, the batch resizer's renditions.",
  ),

  cloudfrontAdditionalMetrics: boolean(
    OBSERVABILITY,
    false,
    "Turn on CloudFront's additional distribution metrics (the cache hit rate on the dashboard, origin latency, error rates by status). CloudFront charges for them per metric and month: see its pricing page.",
  ),
  alarmEmail: string(
    OBSERVABILITY,
    '',
    "An email address subscribed to the alarms' SNS topics (one topic per region with alarms: each subscription is confirmed from its own email). Empty = alarms notify their topics only.",
  ),
  alarmTopicArn: string(
    OBSERVABILITY,
    '',
    "An existing SNS topic for the alarms of its own region, instead of a new one there (an alarm notifies a topic of its region; the other regions keep their own topics). Its policy is its owner's: it must let cloudwatch.amazonaws.com publish. Empty = a topic per region.",
  ),
  alarmErrorRatePercent: integer(
    OBSERVABILITY,
    5,
    1,
    100,
    "CloudFront's 5xxErrorRate (percent of requests, over 5 minutes) above which the CDN's 5xx alarm fires.",
  ),

  signingSecret: {
    ...string(
      SIGNING,
      '',
      'When set (at least 16 characters, with `pulumi config set --secret image-cdn:signingSecret ...`; a plaintext value is refused), every request must carry a valid HMAC-SHA256 signature `s` (and may carry `expires`); see `npm run sign`. Empty = signed URLs off.',
    ),
    secret: true,
  },
} as const satisfies Record<string, KeyDeclaration>;

export type ConfigKey = keyof typeof CONFIG_SCHEMA;

/** The declared keys, in declaration order. */
export const CONFIG_KEYS = Object.keys(CONFIG_SCHEMA) as ConfigKey[];

export const isConfigKey = (name: string): name is ConfigKey => Object.hasOwn(CONFIG_SCHEMA, name);
