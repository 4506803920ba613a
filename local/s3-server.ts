import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type { S3Client } from '@aws-sdk/client-s3';
import type { S3Event } from 'aws-lambda';

import { createS3Client, type S3ClientOptions } from '../functions/storage/s3-client';
import { makeStoreLikeS3 } from './s3-store';
// s3rver ships no types; the small surface used here is typed below.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const S3rver = require('s3rver') as new (options: Record<string, unknown>) => S3rverInstance;

interface S3rverInstance {
  readonly store: Parameters<typeof makeStoreLikeS3>[0]['store'];
  readonly httpServer?: { closeAllConnections(): void };
  run(): Promise<{ port: number }>;
  close(): Promise<void>;
  on(event: 'event', listener: (event: S3Event) => void): void;
}

export interface LocalS3 {
  /** `http://127.0.0.1:<port>`, for the SDK's `endpoint`. */
  readonly endpoint: string;
  readonly port: number;
  /** Credentials s3rver accepts (it checks signatures against these). */
  readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string };
  /**
   * An S3 client of this server, built as the handlers build theirs (functions/storage/s3-client.ts).
   * @default region us-east-1, timeoutMs 3000, the handlers' retries
   */
  client(
    options?: Partial<Pick<S3ClientOptions, 'region' | 'timeoutMs' | 'maxAttempts' | 'endpoint'>>,
  ): S3Client;
  /** Subscribes to the S3 event records s3rver emits for object writes and deletes. */
  onEvent(listener: (event: S3Event) => void): void;
  /**
   * Takes the server down, keeping its objects: open connections are cut and new ones refused, as when
   * a region's S3 is unreachable. `bringUp` starts it again on the same port with the same objects.
   */
  takeDown(): Promise<void>;
  bringUp(): Promise<void>;
  /** Whether the server is up (not taken down, not closed). */
  isUp(): boolean;
  /** Stops the server (once, however often it is called) and removes a temporary store. */
  close(): Promise<void>;
}

export interface LocalS3Options {
  readonly buckets: readonly string[];
  /** 0 picks a free port. */
  readonly port?: number;
  /** Where objects are kept; a fresh temporary folder, removed on close, when not given. */
  readonly directory?: string;
}

/**
 * Starts s3rver, an S3-compatible server, on 127.0.0.1 with the given buckets; its store writes whole
 * objects only and takes keys with long segments, as S3 does (s3-store.ts).
 */
export async function startLocalS3(options: LocalS3Options): Promise<LocalS3> {
  const directory = options.directory ?? (await mkdtemp(join(tmpdir(), 'image-cdn-s3-')));
  const listeners: Array<(event: S3Event) => void> = [];
  /** A server on `port` over `directory`: made anew for each start, as s3rver's close ends its logger. */
  const launch = async (port: number) => {
    const instance = new S3rver({
      address: '127.0.0.1',
      port,
      silent: true,
      directory,
      configureBuckets: options.buckets.map((name) => ({ name })),
    });
    makeStoreLikeS3(instance);
    instance.on('event', (event) => listeners.forEach((listener) => listener(event)));
    const address = await instance.run();
    return { instance, port: address.port };
  };
  const stop = async (instance: S3rverInstance) => {
    instance.httpServer?.closeAllConnections();
    await instance.close();
  };
  const started = await launch(options.port ?? 0);
  let server: S3rverInstance | undefined = started.instance;
  const { port } = started;
  const endpoint = `http://127.0.0.1:${port}`;
  const credentials = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };
  let closing: Promise<void> | undefined;
  return {
    endpoint,
    port,
    credentials,
    client: (client = {}) =>
      createS3Client({ region: 'us-east-1', endpoint, credentials, timeoutMs: 3000, ...client }),
    onEvent: (listener) => listeners.push(listener),
    async takeDown() {
      const running = server;
      server = undefined;
      if (running) await stop(running);
    },
    async bringUp() {
      if (closing) throw new Error('the local S3 server is closed');
      if (!server) server = (await launch(port)).instance;
    },
    isUp: () => server !== undefined && closing === undefined,
    close() {
      closing ??= (async () => {
        const running = server;
        server = undefined;
        if (running) await stop(running);
        if (options.directory === undefined) await rm(directory, { recursive: true, force: true });
      })();
      return closing;
    },
  };
}
