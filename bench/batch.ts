import { availableParallelism } from 'node:os';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import sharp from 'sharp';
import type { S3Event } from 'aws-lambda';
import { startLocalS3 } from '../local/s3-server';
import { createS3Client } from '../functions/storage/s3-client';
import { createBatchHandler } from '../functions/batch/batch';
import { loadBatchConfig, renditionSpec } from '../functions/batch/config';
import { encodeS3EventKey } from '../functions/batch/event';
import { createLimiter } from '../functions/batch/limit';
import { encode, renderRenditions } from '../functions/batch/pipeline';
import { transform } from '../functions/transform/transform';
import type { ResizeSpec } from '../functions/core/spec';

/**
 * The batch resizer's benchmark: the handler's throughput against plain sharp doing the same work at
 * the same concurrency, the gain of decoding once for all renditions, and peak RSS. Ratios come from
 * one run on one machine, so they hold even when the machine is shared; absolute times do not.
 *
 * Run alone with `npx tsx bench/batch.ts`; `BATCH_BENCH_ORIGINALS` shrinks the set for a quick try.
 */

const RENDITIONS = 'width=320&format=webp;width=640&format=webp;width=1280&format=avif';
const WIDTH = 4000;
const HEIGHT = 3000;

export interface BatchBenchFigures {
  readonly originals: number;
  readonly concurrency: number;
  readonly handlerSeconds: number;
  readonly rawSharpSeconds: number;
  /** Handler throughput ÷ plain sharp throughput (target ≥ 0.9). */
  readonly throughputRatio: number;
  readonly decodeOnceSeconds: number;
  readonly decodePerRenditionSeconds: number;
  /** Time decoding once per rendition ÷ time decoding once (expect ≥ 1.5×). */
  readonly decodeOnceGain: number;
  /** The same, with cheap outputs (JPEG) where decoding is a larger share of the work. */
  readonly decodeOnceGainJpeg: number;
  /** Peak RSS while the handler ran, sampled every 10 ms, in MB (target ≤ 400). */
  readonly peakRssMb: number;
}

/** A photo-like 12 MP JPEG: smooth colour fields with a little grain, different for every seed. */
async function original(seed: number): Promise<Buffer> {
  const fields = await sharp({
    create: {
      width: 64,
      height: 48,
      channels: 3,
      background: { r: (seed * 37) % 255, g: 120, b: (seed * 91) % 255 },
      noise: { type: 'gaussian', mean: 110 + seed, sigma: 60 },
    },
  })
    .png()
    .toBuffer();
  const smooth = await sharp(fields).resize(WIDTH, HEIGHT, { kernel: 'cubic' }).raw().toBuffer();
  const grain = await sharp({
    create: {
      width: WIDTH,
      height: HEIGHT,
      channels: 3,
      background: '#000',
      noise: { type: 'gaussian', mean: 0, sigma: 6 },
    },
  })
    .raw()
    .toBuffer();
  for (let i = 0; i < smooth.length; i++)
    smooth[i] = Math.min(255, (smooth[i] as number) + (grain[i] as number));
  return sharp(smooth, { raw: { width: WIDTH, height: HEIGHT, channels: 3 } })
    .jpeg({ quality: 88 })
    .toBuffer();
}

async function timed(work: () => Promise<unknown>): Promise<number> {
  const start = process.hrtime.bigint();
  await work();
  return Number(process.hrtime.bigint() - start) / 1e9;
}

/** Runs `work` over every item with `concurrency` at once. */
async function pool<T>(items: readonly T[], concurrency: number, work: (item: T) => Promise<unknown>) {
  const limit = createLimiter(concurrency);
  await Promise.all(items.map((item) => limit(() => work(item))));
}

function sampleRss() {
  let peak = process.memoryUsage().rss;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 10);
  return () => {
    clearInterval(timer);
    return Math.max(peak, process.memoryUsage().rss) / 1024 / 1024;
  };
}

export async function runBatchBench(): Promise<BatchBenchFigures> {
  // The production entry point's settings (functions/batch/index.ts).
  sharp.cache(false);
  sharp.concurrency(1);
  const count = Number(process.env.BATCH_BENCH_ORIGINALS ?? 20);
  const concurrency = availableParallelism();
  const config = loadBatchConfig({ ORIGINALS_BUCKET: 'originals', DERIVED_BUCKET: 'derived', RENDITIONS });
  const specs = config.renditions.map((rendition) => renditionSpec(rendition, 'x.jpg', config.rules));
  const settings = config.transform;

  console.log(
    `batch: ${count} originals of ${WIDTH}×${HEIGHT} JPEG × ${specs.length} renditions (${RENDITIONS}), ` +
      `concurrency ${concurrency}, effort ${settings.effort}`,
  );
  const originals: Buffer[] = [];
  for (let i = 0; i < count; i++) originals.push(await original(i));
  const keys = originals.map((_, i) => `bench/photo ${String(i).padStart(2, '0')}.jpg`);

  const s3 = await startLocalS3({ buckets: ['originals', 'derived'] });
  const client = createS3Client({
    region: 'us-east-1',
    endpoint: s3.endpoint,
    credentials: s3.credentials,
    timeoutMs: 30_000,
  });
  try {
    const etags: string[] = [];
    for (let i = 0; i < count; i++) {
      const put = await client.send(
        new PutObjectCommand({ Bucket: 'originals', Key: keys[i], Body: originals[i] }),
      );
      etags.push((put.ETag ?? '').replace(/"/g, ''));
    }
    const event: S3Event = {
      Records: keys.map((key, i) => ({
        eventVersion: '2.1',
        eventSource: 'aws:s3',
        awsRegion: 'us-east-1',
        eventTime: new Date().toISOString(),
        eventName: 'ObjectCreated:Put',
        userIdentity: { principalId: 'AWS:BENCH' },
        requestParameters: { sourceIPAddress: '127.0.0.1' },
        responseElements: { 'x-amz-request-id': 'BENCH', 'x-amz-id-2': 'BENCH' },
        s3: {
          s3SchemaVersion: '1.0',
          configurationId: 'bench',
          bucket: {
            name: 'originals',
            ownerIdentity: { principalId: 'BENCH' },
            arn: 'arn:aws:s3:::originals',
          },
          object: { key: encodeS3EventKey(key), size: originals[i]!.length, eTag: etags[i]!, sequencer: '0' },
        },
      })),
    };
    const handler = createBatchHandler({ config, client, concurrency, log: () => {} });

    // Warm up both paths on one small image, so neither pays first-use costs in the timings.
    const warm = await sharp(originals[0]).resize(800).jpeg().toBuffer();
    await renderRenditions(warm, specs, settings, createLimiter(concurrency));

    // 1. The handler, end to end: S3 event → HEADs → GET → decode once → encode → PUT.
    const stopRss = sampleRss();
    const handlerSeconds = await timed(async () => {
      const result = await handler(event);
      if (result.written.length !== count * specs.length)
        throw new Error('the handler did not write everything');
    });
    const peakRssMb = stopRss();

    // 2. Plain sharp, same outputs, same concurrency, originals already in memory, nothing stored.
    const rawSharpSeconds = await timed(() =>
      pool(originals, concurrency, (input) =>
        Promise.all(
          specs.map((spec) =>
            encode(
              sharp(input, { autoOrient: true }).resize({ width: spec.width, withoutEnlargement: true }),
              spec,
              settings,
            ).toBuffer(),
          ),
        ),
      ),
    );

    // 3. One decode for every rendition (the handler's pipeline) against one decode per rendition
    //    (transform() once per rendition, as the edge does), in memory, same concurrency.
    const compare = async (outputs: readonly ResizeSpec[]) => {
      const cpu = createLimiter(concurrency);
      const once = await timed(() =>
        pool(originals, concurrency, (input) => renderRenditions(input, outputs, settings, cpu)),
      );
      const perRendition = await timed(() =>
        pool(originals, concurrency, (input) =>
          Promise.all(outputs.map((spec) => cpu(() => transform(input, spec, settings)))),
        ),
      );
      return { once, perRendition };
    };
    const configured = await compare(specs);
    const jpeg = await compare(
      specs.map((spec) => ({ width: spec.width, format: 'jpeg' as const, quality: 80 })),
    );

    const figures: BatchBenchFigures = {
      originals: count,
      concurrency,
      handlerSeconds,
      rawSharpSeconds,
      throughputRatio: rawSharpSeconds / handlerSeconds,
      decodeOnceSeconds: configured.once,
      decodePerRenditionSeconds: configured.perRendition,
      decodeOnceGain: configured.perRendition / configured.once,
      decodeOnceGainJpeg: jpeg.perRendition / jpeg.once,
      peakRssMb,
    };
    const f2 = (n: number) => n.toFixed(2);
    console.log(
      `  handler (S3 event, ${count} records, via s3rver)  ${f2(handlerSeconds)} s  ${f2(count / handlerSeconds)} originals/s`,
    );
    console.log(
      `  plain sharp, same work and concurrency      ${f2(rawSharpSeconds)} s  ${f2(count / rawSharpSeconds)} originals/s`,
    );
    console.log(
      `  handler ÷ plain sharp throughput            ${f2(figures.throughputRatio)}  (target ≥ 0.9)`,
    );
    console.log(
      `  one decode ÷ one decode per rendition       ${f2(figures.decodeOnceGain)}×  (${f2(configured.perRendition)} s ÷ ${f2(configured.once)} s; expected ≥ 1.5×)`,
    );
    console.log(
      `    same with JPEG outputs (decode-heavier)   ${f2(figures.decodeOnceGainJpeg)}×  (${f2(jpeg.perRendition)} s ÷ ${f2(jpeg.once)} s)`,
    );
    console.log(
      `  peak RSS during the handler run             ${peakRssMb.toFixed(0)} MB  (target ≤ 400 MB)`,
    );
    return figures;
  } finally {
    client.destroy();
    await s3.close();
  }
}

if (require.main === module) {
  runBatchBench().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
