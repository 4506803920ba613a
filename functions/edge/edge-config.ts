import type { QueryRules } from '../core/rules';
import type { TransformSettings } from '../transform/settings';

/** The file, next to the edge bundle, that holds its EdgeConfig as JSON. */
export const EDGE_CONFIG_FILE = 'edge-config.json';

/** The buckets of one region of a stack: its originals (a replica, outside home) and its derivatives. */
export interface RegionBuckets {
  readonly region: string;
  readonly originalsBucket: string;
  readonly derivativesBucket: string;
}

/**
 * What the origin-response handler knows about its stack. Lambda@Edge has no environment variables,
 * so this is written as `edge-config.json` next to the bundle at deploy time (inside a Pulumi `apply`,
 * because bucket names are outputs) and read once per container.
 */
export interface EdgeConfig {
  readonly originalsBucket: string;
  readonly derivativesBucket: string;
  /** Region of both buckets: the stack's home region. */
  readonly bucketRegion: string;
  readonly rules: QueryRules;
  readonly transform: TransformSettings;
  /** `max-age` of derivatives, in seconds. */
  readonly cacheMaxAge: number;
  /** `max-age` of 4xx answers (missing original, bad input), in seconds. */
  readonly errorMaxAge: number;
  /** Budget for one S3 request, in milliseconds; the whole handler stays well under 30 s. */
  readonly s3TimeoutMs: number;
  /**
   * The handler answers 503 by itself once this much time has passed, so it always returns before
   * Lambda's own timeout ends it (CloudFront would turn that into its own 503). @default DEFAULT_EDGE_DEADLINE_MS
   */
  readonly deadlineMs?: number;
  /**
   * The viewer function's signing secret, when signed URLs are on: the redirect to a stored derivative
   * must carry a signature too.
   */
  readonly signingSecret?: string;
  /** CloudWatch namespace of the handler's own metrics (Embedded Metric Format in its log lines). */
  readonly metricsNamespace: string;
  /**
   * The other regions of the stack (`replicaRegions`): each holds a replica of the originals, kept by S3
   * Replication, and derivatives of its own. The handler reads originals from the nearest region first.
   * @default [] (the home region only)
   */
  readonly replicas?: readonly RegionBuckets[];
  /** An S3-compatible endpoint instead of AWS's (local runs and tests only; deploys leave it unset). */
  readonly s3Endpoint?: string;
  /** Per region, an S3-compatible endpoint instead of AWS's (the local edge and tests; deploys leave it unset). */
  readonly s3Endpoints?: Readonly<Record<string, string>>;
}
