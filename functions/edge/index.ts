/**
 * Lambda@Edge entry point. Lambda@Edge has no environment variables, so the stack's config is read
 * from `edge-config.json`, written next to this bundle at deploy time. Config and S3 client are made
 * once per container; the S3 client and sharp load on the first missing derivative (miss-path.ts, a
 * bundle of its own), so a cold pass-through only loads this small bundle and reads the config.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import type { CloudFrontResponseEvent, CloudFrontResultResponse } from 'aws-lambda';

import { lazyImageStore } from '../storage/lazy-store';
import { toCloudFrontHeaders } from './cloudfront-response';
import { EDGE_CONFIG_FILE, type EdgeConfig } from './edge-config';
import { createOriginResponseHandler, type OriginResponseHandler } from './origin-response';

function loadHandler(): OriginResponseHandler {
  const config = JSON.parse(readFileSync(join(__dirname, EDGE_CONFIG_FILE), 'utf8')) as EdgeConfig;
  const store = lazyImageStore(() =>
    // AWS_REGION is where this replica runs ("Defined runtime environment variables", Lambda Developer
    // Guide): originals are read from the stack's region nearest to it.
    import('./miss-path').then((missPath) => missPath.createEdgeStore(config, process.env.AWS_REGION)),
  );
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
