import type { S3Client } from '@aws-sdk/client-s3';

import type { EdgeConfig } from '../../functions/edge/edge-config';
import {
  createOriginResponseHandler,
  type OriginResponseHandler,
} from '../../functions/edge/origin-response';
import { createS3ImageStore } from '../../functions/storage/image-store';
import { type LocalS3, startLocalS3 } from '../../local/s3-server';

export interface EdgeHandlerRig {
  readonly s3: LocalS3;
  readonly client: S3Client;
  readonly handler: OriginResponseHandler;
}

/** The origin-response handler as the edge builds it, on a local S3 server holding `config`'s buckets. */
export async function startEdgeHandler(
  config: EdgeConfig,
  options: { readonly timeoutMs: number; readonly log?: (entry: Record<string, unknown>) => void },
): Promise<EdgeHandlerRig> {
  const s3 = await startLocalS3({ buckets: [config.originalsBucket, config.derivativesBucket] });
  const client = s3.client({ timeoutMs: options.timeoutMs });
  const store = createS3ImageStore({
    client,
    originalsBucket: config.originalsBucket,
    derivativesBucket: config.derivativesBucket,
  });
  return {
    s3,
    client,
    handler: createOriginResponseHandler({ store, config, log: options.log ?? (() => {}) }),
  };
}
