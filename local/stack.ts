import { createServer } from 'node:net';
import { availableParallelism } from 'node:os';

import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import sharp from 'sharp';

import { readBatchConfig } from '../functions/batch/batch-config';
import { createBatchHandler } from '../functions/batch/handler';
import type { EdgeConfig, RegionBuckets } from '../functions/edge/edge-config';
import { createEdgeStore } from '../functions/edge/miss-path';
import { createOriginResponseHandler } from '../functions/edge/origin-response';
import { buildViewerFunction } from '../functions/viewer/build';
import {
  DERIVATIVES_ORIGIN_ID,
  derivativesOriginId,
  FAILOVER_STATUS_CODES,
  ORIGINALS_ORIGIN_ID,
  originalsOriginId,
} from '../infra/cloudfront';
import { triggerBatch } from './batch-trigger';
import { demoPage, type PageOriginal } from './demo-page';
import { type LocalEdge, type LocalEdgeOptions, startLocalEdge } from './edge-server';
import { LOCAL_BUCKETS, type LocalConfigValues, localFunctionConfigs } from './local-config';
import { createLocalMetrics } from './local-metrics';
import { readOriginalsFolder, uploadOriginal } from './originals-folder';
import { type LocalReplication, startLocalReplication } from './replicator';
import { type LocalS3, startLocalS3 } from './s3-server';
import { generateSamples } from './samples';
import { gateTransforms, type TransformGate } from './transform-gate';
import { loadViewerFunction } from './viewer-sandbox';
import { watchOriginals } from './watch-originals';

/**
 * Transforms the local edge runs at once: one per core beyond the first, at most two. Memory then stays
 * near the process's base plus this many transforms: six distinct 4096² misses of a 12 MP photo at once
 * grew RSS by about 120 MB with a bound of 1 and 220 MB with 2 (430 MB unbounded, where two of the six
 * also missed the 20 s deadline on two cores). The pixel limits bound what one transform may take.
 */
export const DEFAULT_CONCURRENT_TRANSFORMS = Math.min(2, Math.max(1, availableParallelism() - 1));

export { LOCAL_BUCKETS, localEdgeConfig } from './local-config';

export interface LocalStackOptions {
  /** Port of the CDN; 0 picks a free one. */
  readonly port?: number;
  /** A folder of the user's own images (subfolders included) instead of the generated samples. */
  readonly originalsDir?: string;
  /**
   * Stack config values (`image-cdn:<key>` without the namespace, as strings), validated and turned into
   * each function's configuration exactly as a deployment does; unset keys take the schema's defaults.
   */
  readonly config?: LocalConfigValues;
  /** Require signed URLs (`s`, optional `expires`) signed with this secret, as a deployed stack can. */
  readonly signingSecret?: string;
  /**
   * The stack's regions, home first, the others as its `replicaRegions`: one S3-compatible store per
   * region, originals replicated from home to the others, and the derivatives behind an origin group.
   * @default ['us-east-1'] (one region)
   */
  readonly regions?: readonly string[];
  /**
   * The region the edge handler "runs in" (its AWS_REGION), which decides the order it reads regions in.
   * @default the home region
   */
  readonly edgeRegion?: string;
  /** How long replication takes to land a change in each replica. @default DEFAULT_REPLICATION_LAG_MS */
  readonly replicationLagMs?: number;
  /**
   * Renditions the batch resizer makes when an original is uploaded while the edge runs (s3rver's S3
   * events trigger it, as S3 triggers the Lambda); `false` turns the batch resizer off.
   * @default the stack's `batchRenditions`
   */
  readonly renditions?: readonly string[] | false;
  /** Bytes the CDN cache may hold. @default 128 MiB */
  readonly cacheBytes?: number;
  /**
   * Most transforms (origin-response events for a missing derivative) run at once; the rest queue, as
   * Lambda runs one event per container. @default DEFAULT_CONCURRENT_TRANSFORMS (1 or 2, by core count)
   */
  readonly maxConcurrentTransforms?: number;
  /**
   * Upload files added to or changed in `originalsDir` while the edge runs, as an S3 upload would
   * (so they also trigger the batch resizer). @default false
   */
  readonly watch?: boolean;
  readonly log?: (entry: Record<string, unknown>) => void;
  readonly progress?: (message: string) => void;
}

/** One region of the local stack: its store and a client of it. */
export interface LocalRegion {
  readonly region: string;
  readonly s3: LocalS3;
  readonly client: S3Client;
  readonly buckets: RegionBuckets;
}

export interface LocalStack {
  readonly url: string;
  readonly edge: LocalEdge;
  /** The home region's store. */
  readonly s3: LocalS3;
  readonly client: S3Client;
  /** Every region, home first (one without `regions`). */
  readonly regions: readonly LocalRegion[];
  /** Replication of originals to the replica regions, when there are any. */
  readonly replication?: LocalReplication;
  readonly config: EdgeConfig;
  /** Keys of the originals uploaded at start-up. */
  readonly keys: readonly string[];
  /** The bound on concurrent transforms and what it has seen (see local/transform-gate.ts). */
  readonly transforms: TransformGate['stats'];
  /** Resolves once every batch run triggered so far has finished. */
  batchSettled(): Promise<void>;
  close(): Promise<void>;
}

/** A visible replication lag for `npm start -- --regions …`: S3's is seconds to minutes. */
export const DEFAULT_REPLICATION_LAG_MS = 2_000;

/** How often uploading many originals reports progress. */
const PROGRESS_EVERY = 50;

/** Fails at once, before anything starts, when `port` is taken (0 always finds a free one). */
export async function assertPortFree(port: number, host: string): Promise<void> {
  if (port === 0) return;
  await new Promise<void>((resolve, reject) => {
    const probe = createServer();
    probe.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        new Error(
          error.code === 'EADDRINUSE'
            ? `port ${port} is already in use; choose another with --port <n>`
            : `cannot listen on ${host}:${port}: ${error.message}`,
        ),
      ),
    );
    probe.listen(port, host, () => probe.close(() => resolve()));
  });
}

/** What the page shows of an original: its displayed size (EXIF orientation applied) from its header. */
async function describeOriginal(key: string, source: Buffer | string, bytes: number): Promise<PageOriginal> {
  const meta = await sharp(source).metadata();
  const turned = (meta.orientation ?? 1) >= 5;
  const width = meta.width ?? 0;
  const height = meta.pageHeight ?? meta.height ?? 0;
  return { key, width: turned ? height : width, height: turned ? width : height, bytes };
}

/** Starts the whole local edge: S3-compatible store, buckets, originals, viewer function, handler, CDN. */
export async function startLocalStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  const progress = options.progress ?? (() => {});
  const configs = localFunctionConfigs(
    options.renditions
      ? { ...options.config, batchRenditions: JSON.stringify(options.renditions) }
      : options.config,
    options.signingSecret,
    options.regions,
  );
  const config = configs.edge;
  const host = '127.0.0.1';
  await assertPortFree(options.port ?? 0, host);
  const folder = options.originalsDir ? await readOriginalsFolder(options.originalsDir) : undefined;
  if (folder && folder.skipped.length > 0) {
    const listed = folder.skipped.map((entry) => `${entry.path} (${entry.reason})`);
    progress(`skipped ${listed.length} file(s): ${listed.join(', ')}`);
  }
  const samples = folder ? [] : await generateSamples();

  const regions = await startRegions(config, progress);
  const [home] = regions as [LocalRegion, ...LocalRegion[]];
  const { s3, client } = home;
  const replication =
    regions.length > 1
      ? startLocalReplication({
          source: { region: home.region, client, bucket: config.originalsBucket },
          destinations: regions.slice(1).map((replica) => ({
            region: replica.region,
            client: replica.client,
            bucket: replica.buckets.originalsBucket,
          })),
          lagMs: options.replicationLagMs ?? DEFAULT_REPLICATION_LAG_MS,
          log: options.log,
        })
      : undefined;
  // Subscribed before the start-up uploads, so they replicate too.
  if (replication) s3.onEvent((event) => replication.onEvent(event));
  const closeRegions = async () => {
    replication?.close();
    for (const region of regions) {
      region.client.destroy();
      await region.s3.close();
    }
  };
  try {
    for (const image of samples) {
      await client.send(
        new PutObjectCommand({
          Bucket: LOCAL_BUCKETS.originals,
          Key: image.key,
          Body: image.body,
          ContentType: image.contentType,
        }),
      );
    }
    const files = folder?.files ?? [];
    for (const [index, file] of files.entries()) {
      await uploadOriginal(client, LOCAL_BUCKETS.originals, file);
      if ((index + 1) % PROGRESS_EVERY === 0 && index + 1 < files.length)
        progress(`uploading originals: ${index + 1} of ${files.length}`);
    }
    const keys = folder ? files.map((file) => file.key) : samples.map((image) => image.key);
    progress(`uploaded ${keys.length} originals to s3://${LOCAL_BUCKETS.originals}`);
    const pageOriginals = await Promise.all([
      ...samples.map((image) => describeOriginal(image.key, image.body, image.body.length)),
      ...files.map((file) => describeOriginal(file.key, file.path, file.size)),
    ]);

    const viewer = loadViewerFunction(buildViewerFunction(configs.viewer));
    // The store exactly as the deployed entry point builds it (miss-path.ts), on the local stores.
    const store = createEdgeStore(
      {
        ...config,
        s3Endpoints: Object.fromEntries(regions.map((region) => [region.region, region.s3.endpoint])),
      },
      options.edgeRegion ?? home.region,
      s3.credentials,
    );
    const metrics = createLocalMetrics();
    const transforms = gateTransforms(
      createOriginResponseHandler({
        store,
        config,
        log: (entry) => {
          metrics.handlerLogged(entry);
          options.log?.(entry);
        },
      }),
      options.maxConcurrentTransforms ?? DEFAULT_CONCURRENT_TRANSFORMS,
    );
    const batchRuns = new Set<Promise<unknown>>();
    if (options.renditions !== false) {
      // Subscribed after the start-up uploads: later uploads trigger the resizer, as S3 would.
      const batch = createBatchHandler({
        // Through the JSON the deployed function reads, so the same checks run on it.
        config: readBatchConfig(JSON.stringify(configs.batch)),
        client,
        concurrency: 1,
        log: options.log ? (line) => options.log?.(JSON.parse(line) as Record<string, unknown>) : undefined,
      });
      s3.onEvent((event) => {
        const bucket = event.Records[0]?.s3.bucket.name;
        if (bucket !== config.originalsBucket || !event.Records[0]?.eventName.startsWith('ObjectCreated'))
          return;
        const run = triggerBatch(batch, event).catch((error: unknown) =>
          options.log?.({ level: 'error', outcome: 'batch-failed', error: (error as Error).message }),
        );
        batchRuns.add(run);
        void run.finally(() => batchRuns.delete(run));
      });
    }
    const edge = await startLocalEdge({
      viewer,
      originResponse: transforms.handler,
      s3: client,
      ...localOrigins(regions),
      demoPage: () =>
        demoPage(
          pageOriginals,
          options.signingSecret,
          regions.map((region) => region.region),
        ),
      port: options.port,
      host,
      cacheBytes: options.cacheBytes,
      metrics,
    });
    const watcher =
      options.watch && options.originalsDir
        ? watchOriginals(options.originalsDir, client, LOCAL_BUCKETS.originals, progress)
        : undefined;
    return {
      url: edge.url,
      edge,
      s3,
      client,
      regions,
      ...(replication ? { replication } : {}),
      config,
      keys,
      transforms: transforms.stats,
      batchSettled: async () => {
        while (batchRuns.size > 0) await Promise.all([...batchRuns]);
      },
      async close() {
        watcher?.close();
        await edge.close();
        while (batchRuns.size > 0) await Promise.all([...batchRuns]);
        await closeRegions();
      },
    };
  } catch (error) {
    await closeRegions();
    throw error;
  }
}

/** One S3-compatible store per region of `config`, home first, each holding that region's buckets. */
async function startRegions(config: EdgeConfig, progress: (message: string) => void): Promise<LocalRegion[]> {
  const all: RegionBuckets[] = [
    {
      region: config.bucketRegion,
      originalsBucket: config.originalsBucket,
      derivativesBucket: config.derivativesBucket,
    },
    ...(config.replicas ?? []),
  ];
  const regions: LocalRegion[] = [];
  try {
    for (const buckets of all) {
      const s3 = await startLocalS3({ buckets: [buckets.originalsBucket, buckets.derivativesBucket] });
      const client = s3.client({ region: buckets.region, timeoutMs: config.s3TimeoutMs });
      regions.push({ region: buckets.region, s3, client, buckets });
      progress(`S3-compatible store (s3rver) for ${buckets.region} on ${s3.endpoint}`);
    }
    return regions;
  } catch (error) {
    for (const region of regions) {
      region.client.destroy();
      await region.s3.close();
    }
    throw error;
  }
}

/**
 * The distribution's origins, as infra builds them: the home buckets, and with replica regions an origin
 * per replica bucket and the derivatives behind an origin group (primary home, secondary the first
 * replica region), with the store of each region taken down and brought back at /_local/outage.
 */
function localOrigins(
  regions: readonly LocalRegion[],
): Pick<LocalEdgeOptions, 'origins' | 'originGroups' | 'outages'> {
  const [home, secondary] = regions as [LocalRegion, LocalRegion | undefined];
  if (!secondary)
    return {
      origins: { default: LOCAL_BUCKETS.derivatives, [ORIGINALS_ORIGIN_ID]: LOCAL_BUCKETS.originals },
    };
  const origin = (region: LocalRegion, bucket: string) => ({
    bucket,
    region: region.region,
    client: region.client,
  });
  const origins: LocalEdgeOptions['origins'] = {
    default: origin(home, home.buckets.derivativesBucket),
    [DERIVATIVES_ORIGIN_ID]: origin(home, home.buckets.derivativesBucket),
    [ORIGINALS_ORIGIN_ID]: origin(home, home.buckets.originalsBucket),
  };
  for (const replica of regions.slice(1)) {
    origins[derivativesOriginId(replica.region)] = origin(replica, replica.buckets.derivativesBucket);
    origins[originalsOriginId(replica.region)] = origin(replica, replica.buckets.originalsBucket);
  }
  const byName = (name: string) => {
    const found = regions.find((region) => region.region === name);
    if (!found) throw new Error(`no region ${name}`);
    return found.s3;
  };
  return {
    origins,
    originGroups: {
      default: {
        members: [DERIVATIVES_ORIGIN_ID, derivativesOriginId(secondary.region)],
        statusCodes: FAILOVER_STATUS_CODES,
      },
    },
    outages: {
      regions: regions.map((region) => region.region),
      takeDown: (name) => byName(name).takeDown(),
      bringUp: (name) => byName(name).bringUp(),
      isUp: (name) => byName(name).isUp(),
    },
  };
}
