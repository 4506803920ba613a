import { createS3ImageStore, type ImageStore } from '../storage/image-store';
import { createRegionalImageStore } from '../storage/regional-store';
import { createS3Client, type S3ClientOptions } from '../storage/s3-client';
import type { EdgeConfig, RegionBuckets } from './edge-config';

/**
 * Everything the edge needs only when a derivative is missing: the image pipeline (sharp) and the S3
 * client. The build bundles it as its own file (dist/edge/miss-path.js) that the entry point requires on
 * the first miss, so a cold pass-through parses and runs only the small entry bundle.
 */
export { createGenerator } from './generate';

/**
 * The store the deployed function reads originals from and writes derivatives to: the home region's
 * buckets, and with replica regions every region's, originals read nearest to `edgeRegion` first.
 */
export function createEdgeStore(
  config: EdgeConfig,
  edgeRegion?: string,
  /** Only for an S3-compatible endpoint (the local edge); Lambda takes its role's from the environment. */
  credentials?: S3ClientOptions['credentials'],
): ImageStore {
  const replicas = config.replicas ?? [];
  const home = {
    region: config.bucketRegion,
    originalsBucket: config.originalsBucket,
    derivativesBucket: config.derivativesBucket,
  };
  const storeIn = (buckets: RegionBuckets, maxAttempts?: number) =>
    createS3ImageStore({
      client: createS3Client({
        region: buckets.region,
        endpoint: config.s3Endpoints?.[buckets.region] ?? config.s3Endpoint,
        timeoutMs: config.s3TimeoutMs,
        maxAttempts,
        credentials,
      }),
      originalsBucket: buckets.originalsBucket,
      derivativesBucket: buckets.derivativesBucket,
    });
  if (replicas.length === 0) return storeIn(home);
  // The next region is the retry: one attempt each keeps a failing region from eating the deadline.
  return createRegionalImageStore({
    regions: [home, ...replicas].map((buckets) => ({ region: buckets.region, store: storeIn(buckets, 1) })),
    edgeRegion,
  });
}
