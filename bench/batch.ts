import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';

import { PutObjectCommand } from '@aws-sdk/client-s3';
import type { S3Event } from 'aws-lambda';
import sharp from 'sharp';

import { readBatchConfig, renditionSpec } from '../functions/batch/batch-config';
import { createBatchHandler } from '../functions/batch/handler';
import { createLimiter } from '../functions/batch/limit';
import { chooseStrategy, renderRenditions, type Strategy } from '../functions/batch/pipeline';
import type { ResizeSpec } from '../functions/core/spec';
import { createS3Client } from '../functions/storage/s3-client';
import { encode } from '../functions/transform/encode';
import { s3EventRecord } from '../local/batch-trigger';
import { localFunctionConfigs } from '../local/local-config';
import { startLocalS3 } from '../local/s3-server';
import { peakRssBytes } from './util';

/**
 * The batch resizer's benchmark, printed as ratios measured in one run:
 * - throughput of the handler (S3 event → HEAD → GET → sharp → PUT, against s3rver) ÷ plain sharp making
 *   the same outputs from memory at the same concurrency;
 * - one decode for all renditions ÷ one decode per rendition, on JPEG and PNG originals;
 * - peak RSS of the process running the handler.
 * Each measured step runs in a fresh child process, so its RSS is its own and no step inherits another's
 * heap; s3rver runs in the parent. Run alone with `npx tsx bench/batch.ts`. `BATCH_BENCH_ORIGINALS`
 * (default 20) and `BATCH_BENCH_DECODE_ORIGINALS` (default 6) shrink the sets for a quick try.
 */

const RENDITIONS = 'width=320&format=webp;width=640&format=webp;width=1280&format=avif';
const JPEG_OUTPUTS = 'width=320&format=jpeg;width=640&format=jpeg;width=1280&format=jpeg';
const WIDTH = 4000;
const HEIGHT = 3000;
const ORIGINALS = 'originals';
const DERIVATIVES = 'derivatives';

export interface BatchBenchFigures {
  readonly originals: number;
  readonly concurrency: number;
  readonly handlerSeconds: number;
  readonly plainSharpSeconds: number;
  /** Handler throughput ÷ plain sharp throughput, by wall time (target ≥ 0.9). */
  readonly throughputRatio: number;
  /** The same by CPU time: plain sharp's CPU seconds ÷ the handler's, for the same work. */
  readonly cpuRatio: number;
  /** Per case: decoding once per rendition ÷ decoding once, by wall and CPU time (expected ≥ 1.5×). */
  readonly decodeOnceGain: Record<string, { gain: number; cpuGain: number; handlerChooses: Strategy }>;
  /** Peak RSS of the process running the handler, in MB (target ≤ 400). */
  readonly handlerPeakRssMb: number;
  readonly handlerPeakRssMbWithArenaMax2: number;
  readonly plainSharpPeakRssMb: number;
  readonly plainSharpPeakRssMbWithArenaMax2: number;
}

interface Job {
  readonly mode: 'handler' | 'sharp' | 'decode';
  readonly concurrency: number;
  readonly dir: string;
  readonly files: readonly string[];
  readonly endpoint?: string;
  readonly credentials?: { accessKeyId: string; secretAccessKey: string };
  readonly event?: S3Event;
  readonly renditions: string;
  readonly strategy?: Strategy;
}

interface ChildReport {
  readonly seconds: number;
  /** User + system CPU time of the whole child process over the timed section: steadier than wall time
   * on a shared machine, and it leaves out s3rver, which runs in the parent. */
  readonly cpuSeconds: number;
  readonly maxRssMb: number;
  readonly strategy?: Strategy;
}

/** A photo-like 12 MP JPEG: smooth colour fields with a little grain, different for every seed. */
async function photo(seed: number): Promise<Buffer> {
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
  const pixels = await sharp(fields).resize(WIDTH, HEIGHT, { kernel: 'cubic' }).raw().toBuffer();
  let state = seed + 1;
  for (let i = 0; i < pixels.length; i++) {
    state = (state * 1103515245 + 12345) & 0x7fffffff;
    pixels[i] = Math.max(0, Math.min(255, (pixels[i] as number) + ((state >> 16) % 9) - 4));
  }
  return sharp(pixels, { raw: { width: WIDTH, height: HEIGHT, channels: 3 } })
    .jpeg({ quality: 88 })
    .toBuffer();
}

/** The configuration a stack with these renditions (`;`-separated here) deploys, on the bench's buckets. */
function configFor(renditions: string) {
  const { batch } = localFunctionConfigs({ batchRenditions: JSON.stringify(renditions.split(';')) });
  return readBatchConfig(
    JSON.stringify({ ...batch, originalsBucket: ORIGINALS, derivativesBucket: DERIVATIVES }),
  );
}

function specsFor(renditions: string, key: string): ResizeSpec[] {
  const config = configFor(renditions);
  return config.renditions.map((rendition) => renditionSpec(rendition, key, config.rules));
}

function s3Event(keys: readonly string[], etags: readonly string[], sizes: readonly number[]): S3Event {
  return {
    Records: keys.map((key, i) =>
      s3EventRecord(ORIGINALS, key, { eTag: etags[i] ?? '', size: sizes[i] ?? 0, region: 'us-east-1' }),
    ),
  };
}

/** The child side: runs one measured step and prints its report as JSON. */
async function child(jobFile: string): Promise<void> {
  const job = JSON.parse(await readFile(jobFile, 'utf8')) as Job;
  // The production entry point's settings (functions/batch/index.ts).
  sharp.cache(false);
  sharp.concurrency(1);
  // The handler reads its originals from S3: only the warm-up image is loaded here, so its RSS is its own.
  const files = job.mode === 'handler' ? job.files.slice(0, 1) : job.files;
  const inputs = await Promise.all(files.map((file) => readFile(join(job.dir, file))));
  const config = configFor(job.renditions);
  const specs = specsFor(job.renditions, job.files[0] ?? 'x.jpg');
  // Warm up: load libvips and every encoder once, on a small image.
  const warm = await sharp(inputs[0]).resize(600).jpeg().toBuffer();
  await renderRenditions(warm, specs, config.transform, createLimiter(job.concurrency));

  let strategy: Strategy | undefined;
  const cpuStart = process.cpuUsage();
  const start = process.hrtime.bigint();
  if (job.mode === 'handler') {
    const client = createS3Client({
      region: 'us-east-1',
      endpoint: job.endpoint,
      credentials: job.credentials,
      timeoutMs: 60_000,
    });
    const handler = createBatchHandler({ config, client, concurrency: job.concurrency, log: () => {} });
    const result = await handler(job.event as S3Event);
    if (result.written.length !== job.files.length * specs.length)
      throw new Error('the handler missed renditions');
  } else if (job.mode === 'sharp') {
    // Plain sharp: the same outputs, the same encoder options, at most `concurrency` tasks at once.
    const limit = createLimiter(job.concurrency);
    await Promise.all(
      inputs.flatMap((input) =>
        specs.map((spec) =>
          limit(() =>
            encode(
              sharp(input, { autoOrient: true })
                .resize({ width: spec.width, withoutEnlargement: true })
                .toColourspace('srgb'),
              spec,
              config.transform,
            ).toBuffer(),
          ),
        ),
      ),
    );
  } else {
    const cpu = createLimiter(job.concurrency);
    const originals = createLimiter(job.concurrency);
    const sets = await Promise.all(
      inputs.map((input) =>
        originals(() => renderRenditions(input, specs, config.transform, cpu, { strategy: job.strategy })),
      ),
    );
    strategy = sets[0]?.strategy;
  }
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const cpu = process.cpuUsage(cpuStart);
  const report: ChildReport = {
    seconds,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    maxRssMb: peakRssBytes() / 1024 / 1024,
    strategy,
  };
  process.stdout.write(JSON.stringify(report) + '\n');
}

async function runChild(dir: string, job: Job, env: NodeJS.ProcessEnv = {}): Promise<ChildReport> {
  const jobFile = join(dir, `job-${Date.now()}-${Math.random().toString(36).slice(2)}.json`);
  await writeFile(jobFile, JSON.stringify(job));
  const stdout = await new Promise<string>((resolve, reject) =>
    execFile(
      process.execPath,
      ['--import', 'tsx', __filename, '--child', jobFile],
      { maxBuffer: 1 << 20, env: { ...process.env, ...env } },
      (error, out, err) => (error ? reject(new Error(`${error.message}\n${err}`)) : resolve(out)),
    ),
  );
  const line = stdout.trim().split('\n').pop() ?? '';
  return JSON.parse(line) as ChildReport;
}

const f2 = (n: number) => n.toFixed(2);

export async function runBatchBench(): Promise<BatchBenchFigures> {
  const count = Number(process.env.BATCH_BENCH_ORIGINALS ?? 20);
  const decodeCount = Math.min(count, Number(process.env.BATCH_BENCH_DECODE_ORIGINALS ?? 6));
  const concurrency = availableParallelism();
  console.log(
    `batch: ${count} originals of ${WIDTH}×${HEIGHT} JPEG × 3 renditions (${RENDITIONS}), ` +
      `concurrency ${concurrency} (vCPUs), encoder effort thorough`,
  );
  const dir = await mkdtemp(join(tmpdir(), 'batch-bench-'));
  const s3 = await startLocalS3({ buckets: [ORIGINALS, DERIVATIVES] });
  const client = s3.client({ timeoutMs: 60_000 });
  try {
    const keys: string[] = [];
    const etags: string[] = [];
    const sizes: number[] = [];
    for (let i = 0; i < count; i++) {
      const body = await photo(i);
      const key = `bench/photo ${String(i).padStart(2, '0')}.jpg`;
      await writeFile(join(dir, `${i}.jpg`), body);
      const put = await client.send(new PutObjectCommand({ Bucket: ORIGINALS, Key: key, Body: body }));
      keys.push(key);
      etags.push((put.ETag ?? '').replace(/"/g, ''));
      sizes.push(body.length);
      if (i < decodeCount)
        await writeFile(join(dir, `${i}.png`), await sharp(body).png({ compressionLevel: 1 }).toBuffer());
    }
    const jpegFiles = keys.map((_, i) => `${i}.jpg`);
    const pngFiles = jpegFiles.slice(0, decodeCount).map((file) => file.replace('.jpg', '.png'));
    const base = { concurrency, dir, renditions: RENDITIONS };
    const handlerJob: Job = {
      ...base,
      mode: 'handler',
      files: jpegFiles,
      endpoint: s3.endpoint,
      credentials: s3.credentials,
      event: s3Event(keys, etags, sizes),
    };

    // 1. Handler vs plain sharp, interleaved H S S H so that drift in a shared machine's load cancels out.
    //    The second pair runs with MALLOC_ARENA_MAX=2 (the setting recommended for the function), to show
    //    its effect on RSS. A second handler run would find every derivative current and skip it
    //    (idempotency), so the originals are re-uploaded first: new versions, new ETags, all to make again.
    const arenas = { MALLOC_ARENA_MAX: '2' };
    const sharpJob: Job = { ...base, mode: 'sharp', files: jpegFiles };
    const handlerDefault = await runChild(dir, handlerJob);
    const sharpDefault = await runChild(dir, sharpJob);
    const sharpArenas = await runChild(dir, sharpJob, arenas);
    const retagged: string[] = [];
    for (let i = 0; i < count; i++) {
      // One extra trailing byte, ignored by JPEG decoders: a new version with a new ETag.
      const body = Buffer.concat([await readFile(join(dir, `${i}.jpg`)), Buffer.from([0])]);
      const put = await client.send(new PutObjectCommand({ Bucket: ORIGINALS, Key: keys[i], Body: body }));
      retagged.push((put.ETag ?? '').replace(/"/g, ''));
    }
    const handlerArenas = await runChild(
      dir,
      { ...handlerJob, event: s3Event(keys, retagged, sizes) },
      arenas,
    );
    // The least disturbed run of each is the one least slowed by other work on the machine.
    const best = (runs: readonly ChildReport[], field: 'seconds' | 'cpuSeconds' = 'seconds') =>
      Math.min(...runs.map((run) => run[field]));
    const handlerRuns = [handlerDefault, handlerArenas];
    const sharpRuns = [sharpDefault, sharpArenas];
    const handlerSeconds = best(handlerRuns);
    const plainSharpSeconds = best(sharpRuns);
    const cpuRatio = best(sharpRuns, 'cpuSeconds') / best(handlerRuns, 'cpuSeconds');

    // 2. One decode for all renditions vs one decode per rendition, both forced, same concurrency,
    //    interleaved once · per rendition · per rendition · once, the best of each kept.
    const decodeOnceGain: BatchBenchFigures['decodeOnceGain'] = {};
    const cases = [
      ['JPEG originals, configured outputs', jpegFiles.slice(0, decodeCount), RENDITIONS],
      ['PNG originals, configured outputs', pngFiles, RENDITIONS],
      ['JPEG originals, JPEG outputs', jpegFiles.slice(0, decodeCount), JPEG_OUTPUTS],
      ['PNG originals, JPEG outputs', pngFiles, JPEG_OUTPUTS],
    ] as const;
    const gainLines: string[] = [];
    for (const [name, files, renditions] of cases) {
      const job = { ...base, mode: 'decode' as const, files, renditions };
      const once: ChildReport[] = [];
      const perRendition: ChildReport[] = [];
      for (const strategy of ['decode-once', 'shrink-on-load', 'shrink-on-load', 'decode-once'] as const)
        (strategy === 'decode-once' ? once : perRendition).push(await runChild(dir, { ...job, strategy }));
      const meta = await sharp(join(dir, files[0] as string)).metadata();
      const handlerChooses = chooseStrategy(meta, specsFor(renditions, files[0] as string));
      const gain = best(perRendition) / best(once);
      const cpuGain = best(perRendition, 'cpuSeconds') / best(once, 'cpuSeconds');
      decodeOnceGain[name] = { gain, cpuGain, handlerChooses };
      gainLines.push(
        `    ${name.padEnd(36)} ${f2(gain)}× wall (${f2(best(perRendition))} s ÷ ${f2(best(once))} s), ` +
          `${f2(cpuGain)}× CPU; handler uses ${handlerChooses}`,
      );
    }

    const figures: BatchBenchFigures = {
      originals: count,
      concurrency,
      handlerSeconds,
      plainSharpSeconds,
      throughputRatio: plainSharpSeconds / handlerSeconds,
      cpuRatio,
      decodeOnceGain,
      handlerPeakRssMb: handlerDefault.maxRssMb,
      handlerPeakRssMbWithArenaMax2: handlerArenas.maxRssMb,
      plainSharpPeakRssMb: sharpDefault.maxRssMb,
      plainSharpPeakRssMbWithArenaMax2: sharpArenas.maxRssMb,
    };
    const runs = (list: readonly ChildReport[]) =>
      list.map((run) => `${f2(run.seconds)} s wall / ${f2(run.cpuSeconds)} s CPU`).join(', ');
    console.log(
      `  handler, S3 event of ${count} records via s3rver  ${f2(count / handlerSeconds)} originals/s  (${runs(handlerRuns)})`,
    );
    console.log(
      `  plain sharp, same outputs and concurrency    ${f2(count / plainSharpSeconds)} originals/s  (${runs(sharpRuns)})`,
    );
    console.log(
      `  handler ÷ plain sharp throughput             ${f2(figures.throughputRatio)} wall, ${f2(cpuRatio)} CPU  (target ≥ 0.9)`,
    );
    console.log(`  one decode ÷ one decode per rendition, ${decodeCount} originals (expected ≥ 1.5×):`);
    for (const line of gainLines) console.log(line);
    console.log(
      `  peak RSS, handler process                    ${handlerDefault.maxRssMb.toFixed(0)} MB, ` +
        `${handlerArenas.maxRssMb.toFixed(0)} MB with MALLOC_ARENA_MAX=2  (target ≤ 400 MB)`,
    );
    console.log(
      `  peak RSS, plain sharp process                ${sharpDefault.maxRssMb.toFixed(0)} MB, ` +
        `${sharpArenas.maxRssMb.toFixed(0)} MB with MALLOC_ARENA_MAX=2`,
    );
    return figures;
  } finally {
    client.destroy();
    await s3.close();
    await rm(dir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  const childIndex = process.argv.indexOf('--child');
  const run = childIndex >= 0 ? child(process.argv[childIndex + 1] as string) : runBatchBench();
  run.catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
