/**
 * Lambda@Edge entry point. Lambda@Edge has no environment variables, so the stack's config is read
 * from `edge-config.json`, written next to this bundle at deploy time. Config and S3 client are made
 * once per container.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import type { CloudFrontResponseEvent, CloudFrontResultResponse } from 'aws-lambda';

import { createS3ImageStore } from '../storage/image-store';
import { createS3Client } from '../storage/s3-client';
import { EDGE_CONFIG_FILE, type EdgeConfig } from './edge-config';
import {
  createOriginResponseHandler,
  type OriginResponseHandler,
  toCloudFrontHeaders,
} from './origin-response';

function loadHandler(): OriginResponseHandler {
  const config = JSON.parse(readFileSync(join(__dirname, EDGE_CONFIG_FILE), 'utf8')) as EdgeConfig;
  const client = createS3Client({
    region: config.bucketRegion,
    endpoint: config.s3Endpoint,
    timeoutMs: config.s3TimeoutMs,
  });
  const store = createS3ImageStore({
    client,
    originalsBucket: config.originalsBucket,
    derivativesBucket: config.derivativesBucket,
  });
  return createOriginResponseHandler({ store, config });
}

let originResponse: OriginResponseHandler | undefined;
let loadError: string | undefined;
try {
  originResponse = loadHandler();
} catch (error) {
  loadError = `cannot load ${EDGE_CONFIG_FILE}: ${(error as Error).message}`;
}

export async function handler(event: CloudFrontResponseEvent): Promise<CloudFrontResultResponse> {
  if (originResponse) return originResponse(event);
  // A broken deployment still answers: an uncached 500 and one clear log line, never a thrown error.
  console.log(JSON.stringify({ level: 'error', outcome: 'misconfigured', error: loadError }));
  return {
    status: '500',
    statusDescription: 'Internal Server Error',
    headers: toCloudFrontHeaders({
      'cache-control': 'no-store',
      'content-type': 'text/plain; charset=utf-8',
    }),
    body: 'Image service misconfigured\n',
    bodyEncoding: 'text',
  };
}
