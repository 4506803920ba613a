import { createS3ImageStore, type ImageStore } from '../storage/image-store';
import { createS3Client } from '../storage/s3-client';
import type { EdgeConfig } from './edge-config';

/**
 * Everything the edge needs only when a derivative is missing: the image pipeline (sharp) and the S3
 * client. The build bundles it as its own file (dist/edge/miss-path.js) that the entry point requires on
 * the first miss, so a cold pass-through parses and runs only the small entry bundle.
 */
export { createGenerator } from './generate';

/** The store the deployed function reads originals from and writes derivatives to. */
export function createEdgeStore(config: EdgeConfig): ImageStore {
  const client = createS3Client({
    region: config.bucketRegion,
    endpoint: config.s3Endpoint,
    timeoutMs: config.s3TimeoutMs,
  });
  return createS3ImageStore({
    client,
    originalsBucket: config.originalsBucket,
    derivativesBucket: config.derivativesBucket,
  });
}
