import sharp from 'sharp';
import { createS3Client } from '../storage/s3-client';
import { createBatchHandler } from './batch';
import { loadBatchConfig } from './config';

/**
 * The Lambda entry point (`functions/batch/index.handler`). Configuration is read and checked here, at
 * cold start: a bad RENDITIONS fails the first invocation with a message naming the entry, before any
 * event is consumed. The S3 client is created once per container.
 */

// Every original is new to this process, so libvips' operation cache would only hold memory. Parallelism
// comes from the handler (one sharp task per vCPU), so each task stays single-threaded.
sharp.cache(false);
sharp.concurrency(1);

const config = loadBatchConfig(process.env);
const client = createS3Client({
  region: process.env.AWS_REGION ?? 'us-east-1',
  timeoutMs: 10_000,
  maxAttempts: 3,
});

export const handler = createBatchHandler({ config, client });
