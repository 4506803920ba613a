import sharp from 'sharp';

import { createS3Client } from '../storage/s3-client';
import { BATCH_CONFIG_VARIABLE, readBatchConfig } from './batch-config';
import { createBatchHandler } from './handler';

/**
 * The Lambda entry point (`functions/batch/index.handler`). Configuration is read and checked here, at
 * cold start: a bad BATCH_CONFIG fails the first invocation with a message naming the entry, before any
 * event is consumed. The S3 client is created once per container.
 */

// Every original is new to this process, so libvips' operation cache would only hold memory. Parallelism
// comes from the handler (one sharp task per vCPU), so each task stays single-threaded.
sharp.cache(false);
sharp.concurrency(1);

const config = readBatchConfig(process.env[BATCH_CONFIG_VARIABLE]);
const client = createS3Client({
  region: process.env.AWS_REGION ?? 'us-east-1',
  timeoutMs: 10_000,
  maxAttempts: 3,
});

export const handler = createBatchHandler({ config, client });
