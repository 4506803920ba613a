/**
 * The local S3-compatible server in a process of its own, as S3 is remote for a Lambda: its CPU work
 * (reading and writing objects, signatures) never shares the event loop of the handler being timed.
 *
 *   node --import tsx bench/s3-process.ts   prints `ready <endpoint>`, stops on SIGINT
 */
import { spawn } from 'node:child_process';

import type { S3Client } from '@aws-sdk/client-s3';

import { createS3Client } from '../functions/storage/s3-client';
import { startLocalS3 } from '../local/s3-server';

export const BENCH_BUCKETS = ['originals', 'derivatives'];

export interface S3Process {
  readonly endpoint: string;
  /** A client built as the handlers build theirs. */
  client(): S3Client;
  stop(): Promise<void>;
}

export async function startS3Process(): Promise<S3Process> {
  const child = spawn(process.execPath, ['--import', 'tsx', __filename], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const endpoint = await new Promise<string>((resolve, reject) => {
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const ready = /ready (http:\/\/\S+)/.exec(output);
      if (ready) resolve(ready[1] as string);
    });
    child.on('exit', (code) => reject(new Error(`S3 process exited with ${code}: ${output}`)));
  });
  return {
    endpoint,
    client: () =>
      createS3Client({
        region: 'us-east-1',
        endpoint,
        timeoutMs: 30_000,
        credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
      }),
    stop: () =>
      new Promise<void>((resolve) => {
        child.removeAllListeners('exit');
        child.once('exit', () => resolve());
        child.kill('SIGINT');
      }),
  };
}

if (require.main === module) {
  void startLocalS3({ buckets: BENCH_BUCKETS }).then((s3) => {
    process.stdout.write(`ready ${s3.endpoint}\n`);
    process.once('SIGINT', () => void s3.close().then(() => process.exit(0)));
  });
}
