/**
 * The edge's miss path, peer-style (issue 18): the project's origin-response handler, as deployed
 * (createEdgeStore, the default stack config), against
 * - `plain`: a "GET + sharp + PUT" handler with the same encoder settings, the handler the AWS sample and
 *   solution amount to on a miss, and
 * - `in-memory`: plain sharp on an original already in memory, + the PUT (no GET at all),
 * per case, on photo-like originals at the three sizes of the peer comparison, all in one run: median and
 * p90 time, output bytes, and SSIM of each output against an unencoded lanczos3 resize of the original.
 * Then eight concurrent misses on one container, against eight plain handlers. S3 runs in its own process,
 * as it is remote for a Lambda. Every handler answers inline, so each pays the base64 of its answer.
 */
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import sharp, { type OutputInfo, type Sharp } from 'sharp';
import { ssim } from 'ssim.js';

import { derivativeKey, keyToUri } from '../functions/core/key';
import type { OutputFormat, ResizeSpec } from '../functions/core/spec';
import { createEdgeStore } from '../functions/edge/miss-path';
import { createOriginResponseHandler } from '../functions/edge/origin-response';
import { localEdgeConfig } from '../local/stack';
import { originResponseEvent } from '../test/support/edge-event';
import { BENCH_BUCKETS, startS3Process } from './s3-process';
import { median, photoJpeg, ratio, timeMs } from './util';

const RUNS = 9;
const CONCURRENT = 8;
/** The size from which the GET must hide behind the work (issue 18's second target). */
const LARGE_ORIGINAL_BYTES = 5 * 1024 * 1024;

const PHOTOS = [
  { width: 5640, height: 3172 },
  { width: 3840, height: 2160 },
  { width: 2560, height: 1920 },
];

const OUTPUTS: { width: number; format: OutputFormat; quality: number }[] = [
  { width: 400, format: 'jpeg', quality: 80 },
  { width: 1200, format: 'webp', quality: 80 },
  { width: 1200, format: 'avif', quality: 50 },
];

/** The encoder settings of the edge's `fast` effort (functions/transform/encode.ts), for the peers. */
function encodePlain(pipeline: Sharp, output: (typeof OUTPUTS)[number]): Sharp {
  if (output.format === 'jpeg') return pipeline.jpeg({ quality: output.quality });
  if (output.format === 'webp') return pipeline.webp({ quality: output.quality, effort: 2 });
  return pipeline.avif({ quality: output.quality, effort: 2 });
}

function p90(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * 0.9) - 1)] as number;
}

/** SSIM of an encoded output against the reference pixels (RGBA at the same size). */
async function ssimAgainst(reference: OutputInfo & { data: Buffer }, encoded: Buffer) {
  const decoded = await sharp(encoded).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  const image = (data: Buffer, info: OutputInfo) => ({
    data: new Uint8ClampedArray(data.buffer, data.byteOffset, data.byteLength),
    width: info.width,
    height: info.height,
  });
  return ssim(image(reference.data, reference), image(decoded.data, decoded.info)).mssim;
}

interface Sampled {
  readonly times: number[];
  bytes: number;
  body?: Buffer;
}

/** Interleaved samples (a, b, c, a, b, c, …) after one warm-up of each, so drift hits all alike. */
async function sample(variants: Record<string, () => Promise<Buffer>>): Promise<Record<string, Sampled>> {
  const results: Record<string, Sampled> = {};
  for (const [name, run] of Object.entries(variants)) {
    const body = await run();
    results[name] = { times: [], bytes: body.length, body };
  }
  for (let i = 0; i < RUNS; i++) {
    for (const [name, run] of Object.entries(variants)) {
      let body: Buffer | undefined;
      (results[name] as Sampled).times.push(await timeMs(async () => (body = await run())));
      (results[name] as Sampled).bytes = body!.length;
    }
  }
  return results;
}

export async function runMissPathBench(): Promise<void> {
  console.log('\n## Edge miss path against a plain GET + sharp + PUT handler (S3 in its own process)');
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  process.env.AWS_ACCESS_KEY_ID ??= 'S3RVER';
  process.env.AWS_SECRET_ACCESS_KEY ??= 'S3RVER';
  const s3 = await startS3Process();
  const client = s3.client();
  try {
    const config = { ...localEdgeConfig(), s3Endpoint: s3.endpoint, s3TimeoutMs: 30_000 };
    const handler = createOriginResponseHandler({ store: createEdgeStore(config), config, log: () => {} });
    const [originals, derivatives] = BENCH_BUCKETS as [string, string];

    const project = (key: string) => async () => {
      const answer = await handler(originResponseEvent(keyToUri(key), '404'));
      if (answer.status !== '200') throw new Error(`${key}: ${answer.status} ${answer.body ?? ''}`);
      return Buffer.from(answer.body ?? '', 'base64');
    };
    const put = (key: string, body: Buffer) =>
      client.send(new PutObjectCommand({ Bucket: derivatives, Key: key, Body: body }));
    const plain = (originalKey: string, output: (typeof OUTPUTS)[number]) => async () => {
      const object = await client.send(new GetObjectCommand({ Bucket: originals, Key: originalKey }));
      const input = Buffer.from(await object.Body!.transformToByteArray());
      const data = await encodePlain(sharp(input).resize({ width: output.width }), output).toBuffer();
      await put(`plain/${originalKey}/${output.width}q${output.quality}.${output.format}`, data);
      data.toString('base64');
      return data;
    };
    const inMemory = (input: Buffer, originalKey: string, output: (typeof OUTPUTS)[number]) => async () => {
      const data = await encodePlain(sharp(input).resize({ width: output.width }), output).toBuffer();
      await put(`memory/${originalKey}/${output.width}q${output.quality}.${output.format}`, data);
      data.toString('base64');
      return data;
    };

    console.log(
      '| original | output | project median / p90 | plain median / p90 | ÷ plain | ÷ in-memory + PUT | bytes (÷ plain) | SSIM project / plain |',
    );
    console.log('|---|---|---|---|---|---|---|---|');
    const largeRatios: number[] = [];
    for (const { width, height } of PHOTOS) {
      const photo = await photoJpeg(width, height);
      const originalKey = `bench/${width}x${height}.jpg`;
      await client.send(new PutObjectCommand({ Bucket: originals, Key: originalKey, Body: photo }));
      for (const output of OUTPUTS) {
        const spec: ResizeSpec = { ...output };
        const key = derivativeKey(originalKey, spec);
        const results = await sample({
          project: project(key),
          plain: plain(originalKey, output),
          inMemory: inMemory(photo, originalKey, output),
        });
        const reference = await sharp(photo)
          .resize({ width: output.width, kernel: 'lanczos3' })
          .ensureAlpha()
          .raw()
          .toBuffer({ resolveWithObject: true });
        const [ours, theirs, memory] = [results.project, results.plain, results.inMemory] as Sampled[];
        const vsMemory = median(ours!.times) / median(memory!.times);
        if (photo.length > LARGE_ORIGINAL_BYTES) largeRatios.push(vsMemory);
        const ssims = await Promise.all(
          [ours!, theirs!].map((s) => ssimAgainst({ ...reference.info, data: reference.data }, s.body!)),
        );
        console.log(
          `| ${width}×${height} (${(photo.length / 1024 / 1024).toFixed(1)} MB) | ${output.width}w ${output.format} q${output.quality} ` +
            `| ${median(ours!.times).toFixed(0)} / ${p90(ours!.times).toFixed(0)} ms ` +
            `| ${median(theirs!.times).toFixed(0)} / ${p90(theirs!.times).toFixed(0)} ms ` +
            `| ${ratio(median(ours!.times), median(theirs!.times))} | ${vsMemory.toFixed(2)} ` +
            `| ${ours!.bytes} (${ratio(ours!.bytes, theirs!.bytes)}) | ${ssims.map((v) => v.toFixed(4)).join(' / ')} |`,
        );
      }
    }
    if (largeRatios.length > 0) {
      console.log(
        `originals over 5 MB: project ÷ (in-memory sharp + PUT), worst ${Math.max(...largeRatios).toFixed(2)} (target ≤ 1.05)`,
      );
    }
    await concurrentMisses(project, plain);
  } finally {
    client.destroy();
    await s3.stop();
  }
}

async function concurrentMisses(
  project: (key: string) => () => Promise<Buffer>,
  plain: (originalKey: string, output: (typeof OUTPUTS)[number]) => () => Promise<Buffer>,
) {
  const originalKey = 'bench/3840x2160.jpg';
  const output = OUTPUTS[0]!;
  // Eight different derivatives of one original at once (quality 71…78), as a burst of new sizes would be.
  const keys = Array.from({ length: CONCURRENT }, (_, i) =>
    derivativeKey(originalKey, { ...output, quality: 71 + i }),
  );
  const outputs = keys.map((_, i) => ({ ...output, quality: 71 + i }));
  const results = await sample({
    project: async () => (await Promise.all(keys.map((key) => project(key)())))[0]!,
    plain: async () => (await Promise.all(outputs.map((o) => plain(originalKey, o)())))[0]!,
  });
  const ours = median(results.project!.times);
  const theirs = median(results.plain!.times);
  console.log(
    `${CONCURRENT} concurrent ${output.width}w JPEG misses of a 3840×2160 original ÷ ${CONCURRENT} plain handlers: ` +
      `${ratio(ours, theirs)} (${ours.toFixed(0)} ms vs ${theirs.toFixed(0)} ms; target ≤ 1.03)`,
  );
}

if (require.main === module) {
  runMissPathBench().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
