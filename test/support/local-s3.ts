import { HeadObjectCommand, type S3Client } from '@aws-sdk/client-s3';

import { type LocalS3, startLocalS3 } from '../../local/s3-server';

export interface LocalS3Fixture {
  /** The running server; only inside tests and hooks. */
  readonly s3: LocalS3;
  /** A client of it, as the handlers build theirs. */
  readonly client: S3Client;
}

/**
 * The one local-S3 hook of the tests: a real S3-compatible server (s3rver) on 127.0.0.1 holding
 * `buckets`, for the enclosing describe block, or fresh for every test with `perTest` (for tests that
 * need an empty store). `client` takes the client's options, e.g. `maxAttempts: 1` where a retry would
 * hide the fault under test.
 */
export function useLocalS3(
  buckets: readonly string[],
  options: { readonly perTest?: boolean; readonly client?: Parameters<LocalS3['client']>[0] } = {},
): LocalS3Fixture {
  let running: LocalS3Fixture | undefined;
  const start = async () => {
    const s3 = await startLocalS3({ buckets });
    running = { s3, client: s3.client(options.client) };
  };
  const stop = async () => {
    running?.client.destroy();
    await running?.s3.close();
    running = undefined;
  };
  if (options.perTest) {
    beforeEach(start);
    afterEach(stop);
  } else {
    before(start);
    after(stop);
  }
  const current = (): LocalS3Fixture => {
    if (!running) throw new Error('useLocalS3: the server runs only inside tests and hooks');
    return running;
  };
  return {
    get s3() {
      return current().s3;
    },
    get client() {
      return current().client;
    },
  };
}

/** Whether `key` is in `bucket` of a local store (HEAD; any failure, a missing object included, is no). */
export async function objectExists(client: S3Client, bucket: string, key: string): Promise<boolean> {
  try {
    await client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    return true;
  } catch {
    return false;
  }
}
