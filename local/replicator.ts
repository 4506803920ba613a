import { DeleteObjectCommand, GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { S3Event } from 'aws-lambda';

/**
 * S3 Replication between local stores, as a stack with `replicaRegions` has it between regions: every
 * object written to the home originals bucket is copied to each replica region's originals bucket, and
 * every delete is replicated as the stack's rule replicates delete markers. As in S3, it is asynchronous:
 * each change lands after `lagMs` ("Replicating objects within and across Regions", S3 User Guide: most
 * objects replicate within 15 minutes), and a copy that fails because either side is down is retried
 * until it lands, the latest change of a key winning.
 */

export interface ReplicationEndpoint {
  readonly region: string;
  readonly client: S3Client;
  readonly bucket: string;
}

export interface LocalReplicationOptions {
  readonly source: ReplicationEndpoint;
  readonly destinations: readonly ReplicationEndpoint[];
  /** How long after a write its copies land, and how long a failed copy waits before trying again. */
  readonly lagMs: number;
  readonly log?: (entry: Record<string, unknown>) => void;
}

export interface LocalReplication {
  /** Feed it the source store's S3 events (LocalS3.onEvent). */
  onEvent(event: S3Event): void;
  /** Changes not yet landed in every replica. */
  pending(): number;
  /** Copies and deletes that have landed. */
  readonly stats: { replicated: number; failedAttempts: number };
  /** Resolves once nothing is pending. */
  settled(): Promise<void>;
  close(): void;
}

/** One change of a key, pending for one destination; a newer change of the key replaces it. */
interface Change {
  readonly operation: 'put' | 'delete';
}

export function startLocalReplication(options: LocalReplicationOptions): LocalReplication {
  const pending = new Map<string, Change>();
  const timers = new Set<NodeJS.Timeout>();
  const waiters: Array<() => void> = [];
  const stats = { replicated: 0, failedAttempts: 0 };
  let closed = false;

  const id = (destination: ReplicationEndpoint, key: string) => `${destination.region}\u0000${key}`;
  const later = (run: () => void) => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      run();
    }, options.lagMs);
    timers.add(timer);
  };
  const wakeWaiters = () => {
    if (pending.size > 0) return;
    for (const resolve of waiters.splice(0)) resolve();
  };

  async function apply(destination: ReplicationEndpoint, key: string, operation: Change['operation']) {
    if (operation === 'delete') {
      await destination.client.send(new DeleteObjectCommand({ Bucket: destination.bucket, Key: key }));
      return;
    }
    const object = await options.source.client.send(
      new GetObjectCommand({ Bucket: options.source.bucket, Key: key }),
    );
    const body = await (
      object.Body as { transformToByteArray(): Promise<Uint8Array> }
    ).transformToByteArray();
    await destination.client.send(
      new PutObjectCommand({
        Bucket: destination.bucket,
        Key: key,
        Body: body,
        ContentType: object.ContentType,
        CacheControl: object.CacheControl,
        Metadata: object.Metadata,
      }),
    );
  }

  function attempt(destination: ReplicationEndpoint, key: string, change: Change) {
    if (closed || pending.get(id(destination, key)) !== change) return;
    apply(destination, key, change.operation).then(
      () => {
        stats.replicated += 1;
        if (pending.get(id(destination, key)) === change) pending.delete(id(destination, key));
        options.log?.({
          level: 'info',
          outcome: 'replicated',
          region: destination.region,
          key,
          operation: change.operation,
        });
        wakeWaiters();
      },
      (error: unknown) => {
        // A region down (or the source, for a copy): try again, as S3 Replication does.
        stats.failedAttempts += 1;
        options.log?.({
          level: 'warn',
          outcome: 'replication-retry',
          region: destination.region,
          key,
          error: (error as Error).message,
        });
        later(() => attempt(destination, key, change));
      },
    );
  }

  return {
    onEvent(event) {
      for (const record of event.Records) {
        if (record.s3.bucket.name !== options.source.bucket) continue;
        const operation = record.eventName.startsWith('ObjectCreated')
          ? 'put'
          : record.eventName.startsWith('ObjectRemoved')
            ? 'delete'
            : undefined;
        if (!operation) continue;
        // s3rver's records carry the raw key (S3's would be URL-encoded; batch-trigger.ts re-encodes them).
        const key = record.s3.object.key;
        for (const destination of options.destinations) {
          const change: Change = { operation };
          pending.set(id(destination, key), change);
          later(() => attempt(destination, key, change));
        }
      }
    },
    pending: () => pending.size,
    stats,
    settled: () =>
      pending.size === 0 ? Promise.resolve() : new Promise<void>((resolve) => waiters.push(resolve)),
    close() {
      closed = true;
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      pending.clear();
      wakeWaiters();
    },
  };
}
