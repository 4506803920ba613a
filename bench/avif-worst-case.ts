/**
 * AVIF worst case: how long the edge's AVIF encoder (effort 2) runs for a given output size, on a
 * photo-like 12 MP JPEG and on noise (the costliest content), at the default quality 50 and at 100.
 * libvips cannot interrupt this encoder (sharp's `timeout` never fires inside it), which is why the
 * transform bounds AVIF output by `maxAvifPixels` up front (functions/transform/settings.ts). Also
 * shows what the deadline does for an over-budget AVIF when the budget is lifted: the caller is
 * answered at the deadline, and the encoder runs on in the background for the rest of its time.
 * All times are measured in this run, on this machine (`sharp.concurrency()` threads per image).
 */
import sharp from 'sharp';

import { isImageError } from '../functions/core/errors';
import {
  DEFAULT_MAX_AVIF_PIXELS,
  DEFAULT_TRANSFORM_SETTINGS,
  type TransformSettings,
} from '../functions/transform/settings';
import { transform } from '../functions/transform/transform';
import { photo12mp, timeMs } from './util';

function noise(side: number): Promise<Buffer> {
  return sharp({
    create: {
      width: side,
      height: side,
      channels: 3,
      background: '#808080',
      noise: { type: 'gaussian', mean: 128, sigma: 60 },
    },
  })
    .png({ compressionLevel: 1 })
    .toBuffer();
}

/** Seconds until sharp has no task left queued or running. */
async function backgroundSeconds(): Promise<number> {
  const started = performance.now();
  for (;;) {
    const { queue, process } = sharp.counters();
    if (queue + process === 0) return (performance.now() - started) / 1000;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

export interface AvifWorstCase {
  readonly rows: Array<{
    input: string;
    width: number;
    height: number;
    quality: number;
    seconds: number;
    format: string;
  }>;
}

export async function runAvifWorstCaseBench(): Promise<AvifWorstCase> {
  console.log(`\n## AVIF worst case (effort 2, sharp.concurrency() = ${sharp.concurrency()})`);
  const unbounded: TransformSettings = { ...DEFAULT_TRANSFORM_SETTINGS, maxAvifPixels: Infinity };
  const photo = await photo12mp();
  const rows: AvifWorstCase['rows'] = [];
  const cases: Array<[string, () => Promise<Buffer>, number, number, number]> = [
    ['photo 12 MP', async () => photo, 1024, 768, 50],
    ['photo 12 MP', async () => photo, 2048, 1536, 50],
    ['photo 12 MP', async () => photo, 2048, 1536, 100],
    ['photo 12 MP', async () => photo, 2896, 2172, 50],
    ['photo 12 MP', async () => photo, 4000, 3000, 50],
    ['noise', () => noise(1024), 1024, 1024, 100],
    ['noise', () => noise(2048), 2048, 2048, 50],
    ['noise', () => noise(2048), 2048, 2048, 100],
  ];
  console.log('input        output       q    seconds  (budget: AVIF up to 2048×2048 = 4.2 MP)');
  for (const [input, make, width, height, quality] of cases) {
    const original = await make();
    let format = '';
    const ms = await timeMs(async () => {
      const out = await transform(
        original,
        { width, height, fit: 'cover', format: 'avif', quality },
        { ...unbounded, timeoutSeconds: 0 },
      );
      format = out.format;
    });
    rows.push({ input, width, height, quality, seconds: ms / 1000, format });
    const over = width * height > DEFAULT_MAX_AVIF_PIXELS ? ' (over budget: WebP at the edge)' : '';
    console.log(
      `${input.padEnd(12)} ${`${width}×${height}`.padEnd(12)} ${String(quality).padEnd(4)} ` +
        `${(ms / 1000).toFixed(1).padStart(6)} s${over}`,
    );
  }

  const bounded = await timeMs(() =>
    transform(photo, { width: 4000, height: 3000, format: 'avif', quality: 50 }, DEFAULT_TRANSFORM_SETTINGS),
  );
  console.log(
    `the same 4000×3000 AVIF request with the default budget (WebP): ${(bounded / 1000).toFixed(1)} s`,
  );

  // The deadline with the budget lifted: answered at 2 s, then the encoder keeps the CPU.
  const big = await noise(2048);
  let answer = '';
  const answeredMs = await timeMs(async () => {
    try {
      await transform(big, { format: 'avif', quality: 100 }, { ...unbounded, timeoutSeconds: 2 });
      answer = 'an image';
    } catch (error) {
      answer = isImageError(error) ? `${error.status} ${error.code}` : String(error);
    }
  });
  const stray = await backgroundSeconds();
  console.log(
    `2048² noise AVIF q100, budget lifted, timeoutSeconds 2: answered ${answer} after ${(answeredMs / 1000).toFixed(1)} s; ` +
      `the encoder ran ${stray.toFixed(1)} s more in the background`,
  );
  return { rows };
}

if (require.main === module) {
  runAvifWorstCaseBench().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
