// Generated from infra/config/schema.ts by `npm run config:docs`: edit the schema, not this file.

/**
 * What an ImageCdn is built with: the stack config keys of Pulumi.yaml, with the same names, types and
 * defaults, checked by the same rules (infra/config/parse.ts). Leave a key out for its default.
 */
export interface ImageCdnSettings {
  // Query rules
  /**
   * Largest output width in pixels, after dpr. Range 1-16383.
   * @default 4096
   */
  readonly maxWidth?: number;
  /**
   * Largest output height in pixels, after dpr. Range 1-16383.
   * @default 4096
   */
  readonly maxHeight?: number;
  /**
   * Largest output width x height (at most maxWidth x maxHeight). Range 1-268402689. 0 (the default) = maxWidth x maxHeight.
   * @default 0
   */
  readonly maxPixels?: number;
  /**
   * When not empty, requested widths are rounded up to one of these (each at most maxWidth). Items 1-16383.
   * @default []
   */
  readonly allowedWidths?: number[];
  /**
   * Largest device-pixel ratio accepted by dpr. Range 1-5.
   * @default 3
   */
  readonly maxDpr?: number;
  /**
   * Whether AVIF may be produced (the slowest encoder).
   * @default true
   */
  readonly enableAvif?: boolean;
  /**
   * Default AVIF quality. Range 1-100.
   * @default 50
   */
  readonly qualityAvif?: number;
  /**
   * Default WebP quality. Range 1-100.
   * @default 80
   */
  readonly qualityWebp?: number;
  /**
   * Default JPEG quality. Range 1-100.
   * @default 80
   */
  readonly qualityJpeg?: number;
  /**
   * Longest accepted original key, in UTF-8 bytes (the bound leaves room for the longest derivative suffix within S3's 1024-byte keys). Range 1-986.
   * @default 900
   */
  readonly maxKeyBytes?: number;
  /**
   * Named sets of parameters a URL asks for with preset=<name>, as a JSON object of name to query string: `{"thumb": "w=200&h=200&fit=cover&crop=edges"}` (set it with `pulumi config set image-cdn:presets '{...}'`). A parameter given beside preset= overrides the preset's. Names are 1-32 of a-z, 0-9, - and _; at most 20 presets; each query must name known parameters only (not preset, s or expires) and pass the query rules. Each preset is baked into the viewer function, which CloudFront caps at 10 KB. Empty = no presets.
   * @default ""
   */
  readonly presets?: string;
  // Transform
  /**
   * Largest input width x height decoded; larger originals are refused (at least maxPixels). Range 1-1000000000. 0 (the default) = the larger of 50000000 and maxPixels.
   * @default 0
   */
  readonly inputPixelLimit?: number;
  /**
   * Most frames kept when an animation is preserved. Range 1-10000.
   * @default 300
   */
  readonly maxFrames?: number;
  /**
   * Largest AVIF output (width x height); a larger AVIF is made as WebP, because the AVIF encoder cannot be stopped at the transform deadline. Range 1-1000000000.
   * @default 4194304
   */
  readonly maxAvifPixels?: number;
  /**
   * Largest GIF output (width x height x frames); a larger GIF is refused, because the GIF encoder cannot be stopped at the transform deadline. Range 1-1000000000.
   * @default 16777216
   */
  readonly maxGifPixels?: number;
  /**
   * Accept SVG originals.
   * @default false
   */
  readonly allowSvg?: boolean;
  /**
   * Colour (#rrggbb) transparent pixels are flattened onto for formats without alpha.
   * @default "#ffffff"
   */
  readonly background?: string;
  /**
   * Longest a single transform may run before it is abandoned, in seconds (below edgeTimeoutSeconds and batchTimeoutSeconds). Range 1-900. 0 (the default) = 10 s less than the shorter of edgeTimeoutSeconds and batchTimeoutSeconds, at least 1.
   * @default 0
   */
  readonly transformTimeoutSeconds?: number;
  // Caching
  /**
   * max-age of derivatives, and the cache policy's default TTL, in seconds. Range 1-31536000.
   * @default 31536000
   */
  readonly cacheMaxAgeSeconds?: number;
  /**
   * max-age of 4xx answers (bad parameters, missing original), in seconds. Range 0-86400.
   * @default 60
   */
  readonly errorMaxAgeSeconds?: number;
  /**
   * Budget of one S3 request made by the edge handler, in milliseconds (below the edge timeout). Range 100-10000. 0 (the default) = the smaller of 5000 and a quarter of edgeTimeoutSeconds.
   * @default 0
   */
  readonly s3TimeoutMs?: number;
  // Edge function (Lambda@Edge, us-east-1)
  /**
   * Memory of the origin-response function, in MB. Range 128-10240.
   * @default 2048
   */
  readonly edgeMemoryMb?: number;
  /**
   * Timeout of the origin-response function, in seconds (origin events allow at most 30). Range 5-30.
   * @default 30
   */
  readonly edgeTimeoutSeconds?: number;
  /**
   * Regions where the replicas' log group /aws/lambda/us-east-1.<name> is created with a retention: every region with a CloudFront regional edge cache, where replicas run and log.
   * @default ["us-east-1","us-east-2","us-west-1","us-west-2","ap-south-1","ap-northeast-1","ap-northeast-2","ap-southeast-1","ap-southeast-2","eu-central-1","eu-west-1","eu-west-2","sa-east-1"]
   */
  readonly edgeLogRegions?: string[];
  /**
   * Retention of every log group, in days (a value CloudWatch Logs accepts, e.g. 7, 14, 30, 90). Range 1-3653.
   * @default 30
   */
  readonly logRetentionDays?: number;
  // Buckets
  /**
   * Days after which a derivative expires; it is regenerated on the next request. Range 1-36500.
   * @default 90
   */
  readonly derivativesExpirationDays?: number;
  /**
   * Enable versioning on the originals bucket.
   * @default false
   */
  readonly originalsVersioning?: boolean;
  /**
   * Let pulumi destroy delete buckets that still hold objects (throw-away stacks only).
   * @default false
   */
  readonly forceDestroy?: boolean;
  /**
   * Regions that each get a replica of the originals (S3 Replication from the home bucket, delete markers included) and a derivatives bucket of their own. Lambda@Edge reads originals from the nearest healthy copy, and CloudFront fails over to the first listed region's derivatives when the home region answers 5xx. Turns versioning on for the originals (replication requires it). Empty = one region, as before.
   * @default []
   */
  readonly replicaRegions?: string[];
  /**
   * S3 Replication Time Control on the originals replication: 99.99% of objects replicated within 15 minutes, with replication metrics (billed per GB).
   * @default false
   */
  readonly replicationTimeControl?: boolean;
  /**
   * Name of an existing bucket in the home region to serve originals from, instead of creating one. It is only read: nothing is created on it and nothing is deleted on destroy, so add the statements of the output originalsBucketPolicy to its bucket policy (CloudFront reads it through OAC), and run the batch backfill for renditions (its uploads do not trigger the batch resizer). Empty = create the originals bucket.
   * @default ""
   */
  readonly existingOriginalsBucket?: string;
  // Distribution
  /**
   * CloudFront price class (PriceClass_100, PriceClass_200 or PriceClass_All).
   * @default "PriceClass_100"
   */
  readonly priceClass?: string;
  /**
   * Alternate domain names of the distribution; they need certificateArn.
   * @default []
   */
  readonly aliases?: string[];
  /**
   * ARN of an ACM certificate in us-east-1 covering the aliases (empty = CloudFront's default certificate).
   * @default ""
   */
  readonly certificateArn?: string;
  /**
   * Name of a bucket (ACLs enabled) receiving CloudFront standard logs; empty = no access logs.
   * @default ""
   */
  readonly loggingBucket?: string;
  /**
   * WAF web ACL to attach (the web ACL's ARN for WAFv2); empty = none.
   * @default ""
   */
  readonly webAclId?: string;
  /**
   * Enable Origin Shield on both origins.
   * @default false
   */
  readonly originShield?: boolean;
  /**
   * Origin Shield region; empty = the stack's home region (aws:region).
   * @default ""
   */
  readonly originShieldRegion?: string;
  // Batch resizer
  /**
   * Renditions generated on upload, in the query language (validated against the query rules). Empty (the default) = width=320, 640 and 1280 in WebP, each capped at maxWidth and rounded up to allowedWidths.
   * @default []
   */
  readonly batchRenditions?: string[];
  /**
   * Key prefix of originals that trigger the batch resizer; empty = every key.
   * @default ""
   */
  readonly batchPrefix?: string;
  /**
   * Key suffixes (case-sensitive) that trigger the batch resizer, one notification filter each.
   * @default [".jpg",".jpeg",".png",".webp",".gif",".avif",".tif",".tiff"]
   */
  readonly batchSuffixes?: string[];
  /**
   * Memory of the batch resizer, in MB. Range 128-10240.
   * @default 2048
   */
  readonly batchMemoryMb?: number;
  /**
   * Timeout of the batch resizer, in seconds. Range 5-900.
   * @default 120
   */
  readonly batchTimeoutSeconds?: number;
  /**
   * Reserved concurrency of the batch resizer. Range 1-1000.
   * @default 10
   */
  readonly batchReservedConcurrency?: number;
  /**
   * Retries of a failed asynchronous invocation (2 means 3 tries). Range 0-2.
   * @default 2
   */
  readonly batchMaxRetryAttempts?: number;
  /**
   * Age after which an unprocessed event goes to the failure queue, in seconds. Range 60-21600.
   * @default 3600
   */
  readonly batchMaxEventAgeSeconds?: number;
  /**
   * Retention of failed events in the SQS failure queue, in seconds. Range 60-1209600.
   * @default 1209600
   */
  readonly failureQueueRetentionSeconds?: number;
  // Observability
  /**
   * CloudWatch namespace of the handlers' own metrics, written as Embedded Metric Format in their log lines (no API call): the edge's outcomes by status class, durations and bytes, the batch resizer's renditions.
   * @default "ImageCdn"
   */
  readonly metricsNamespace?: string;
  /**
   * Turn on CloudFront's additional distribution metrics (the cache hit rate on the dashboard, origin latency, error rates by status). CloudFront charges for them per metric and month: see its pricing page.
   * @default false
   */
  readonly cloudfrontAdditionalMetrics?: boolean;
  /**
   * An email address subscribed to the alarms' SNS topics (one topic per region with alarms: each subscription is confirmed from its own email). Empty = alarms notify their topics only.
   * @default ""
   */
  readonly alarmEmail?: string;
  /**
   * An existing SNS topic for the alarms of its own region, instead of a new one there (an alarm notifies a topic of its region; the other regions keep their own topics). Its policy is its owner's: it must let cloudwatch.amazonaws.com publish. Empty = a topic per region.
   * @default ""
   */
  readonly alarmTopicArn?: string;
  /**
   * CloudFront's 5xxErrorRate (percent of requests, over 5 minutes) above which the CDN's 5xx alarm fires. Range 1-100.
   * @default 5
   */
  readonly alarmErrorRatePercent?: number;
}
