/**
 * Transform benchmark: the project's pipeline against plain sharp and against libjpeg-turbo's own
 * scaled decode, on a 12 MP photo, all measured in this run. Figures are ratios, not absolute times.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import sharp from 'sharp';

import type { ResizeSpec } from '../functions/core/spec';
import { DEFAULT_TRANSFORM_SETTINGS } from '../functions/transform/settings';
import { transform } from '../functions/transform/transform';
import { compare, mb, median, photo12mp, ratio, timeMs } from './util';

const RUNS = 15;

function plainSharp(input: Buffer, spec: ResizeSpec) {
  const resized = sharp(input).resize({ width: spec.width });
  return spec.format === 'webp'
    ? resized.webp({ quality: spec.quality, effort: 2 }).toBuffer()
    : resized.jpeg({ quality: spec.quality }).toBuffer();
}

function hasDjpeg(): boolean {
  return spawnSync('djpeg', ['-version'], { stdio: 'ignore' }).status === 0;
}

/** Median wall time of `djpeg -scale 1/8`, less the cost of starting djpeg on a tiny file. */
async function djpegEighthMs(
  file: string,
  tiny: string,
): Promise<{ net: number; gross: number; spawn: number }> {
  const run = (path: string) =>
    timeMs(async () => execFileSync('djpeg', ['-scale', '1/8', '-outfile', '/dev/null', path]));
  const gross: number[] = [];
  const spawn: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    gross.push(await run(file));
    spawn.push(await run(tiny));
  }
  return { net: median(gross) - median(spawn), gross: median(gross), spawn: median(spawn) };
}

/** Peak RSS of a fresh process doing the 1200w transform a few times. */
function peakRssOfTransform(photoPath: string): number {
  const script = `
    const { readFileSync } = require('node:fs');
    const { transform } = require(${JSON.stringify(join(__dirname, '../functions/transform/transform.ts'))});
    const { DEFAULT_TRANSFORM_SETTINGS } = require(${JSON.stringify(join(__dirname, '../functions/transform/settings.ts'))});
    const { peakRssBytes } = require(${JSON.stringify(join(__dirname, 'util.ts'))});
    (async () => {
      const input = readFileSync(${JSON.stringify(photoPath)});
      for (let i = 0; i < 5; i++) await transform(input, { width: 1200, format: 'jpeg', quality: 80 }, DEFAULT_TRANSFORM_SETTINGS);
      process.stdout.write(String(peakRssBytes()));
    })();`;
  const out = execFileSync(process.execPath, ['--import', 'tsx', '-e', script], { encoding: 'utf8' });
  return Number(out.trim());
}

export interface TransformBenchFigures {
  readonly transformVsSharp: Record<string, number>;
  readonly shrinkOnLoadVsDjpeg?: number;
  readonly peakRssBytes: number;
}

export async function runTransformBench(): Promise<TransformBenchFigures> {
  console.log('\n## Transform (12 MP JPEG)');
  const input = await photo12mp();
  const dir = mkdtempSync(join(tmpdir(), 'bench-transform-'));
  const photoPath = join(dir, 'photo.jpg');
  writeFileSync(photoPath, input);
  try {
    const transformVsSharp: Record<string, number> = {};
    for (const spec of [
      { width: 400, format: 'jpeg', quality: 80 },
      { width: 1200, format: 'jpeg', quality: 80 },
      { width: 400, format: 'webp', quality: 80 },
      { width: 1200, format: 'webp', quality: 80 },
    ] as ResizeSpec[]) {
      const times = await compare(RUNS, {
        ours: () => transform(input, spec, DEFAULT_TRANSFORM_SETTINGS),
        plain: () => plainSharp(input, spec),
      });
      const label = `${spec.width}w ${spec.format}`;
      transformVsSharp[label] = (times.ours as number) / (times.plain as number);
      console.log(
        `transform ÷ plain sharp, ${label}: ${ratio(times.ours as number, times.plain as number)} ` +
          `(${(times.ours as number).toFixed(1)} ms vs ${(times.plain as number).toFixed(1)} ms; target ≤ 1.05)`,
      );
    }

    let shrinkOnLoadVsDjpeg: number | undefined;
    if (hasDjpeg()) {
      const tiny = join(dir, 'tiny.jpg');
      writeFileSync(
        tiny,
        await sharp({ create: { width: 8, height: 8, channels: 3, background: '#000' } })
          .jpeg()
          .toBuffer(),
      );
      const djpeg = await djpegEighthMs(photoPath, tiny);
      const ours = (
        await compare(RUNS, {
          ours: () =>
            transform(input, { width: 400, format: 'jpeg', quality: 80 }, DEFAULT_TRANSFORM_SETTINGS),
        })
      ).ours as number;
      shrinkOnLoadVsDjpeg = ours / djpeg.net;
      console.log(
        `400w JPEG transform ÷ djpeg -scale 1/8 decode: ${ratio(ours, djpeg.net)} (${ours.toFixed(1)} ms vs ` +
          `${djpeg.net.toFixed(1)} ms = ${djpeg.gross.toFixed(1)} ms less ${djpeg.spawn.toFixed(1)} ms process start; target ≤ 1.25)`,
      );
    } else {
      console.log(
        'djpeg not found: apt-get install libjpeg-turbo-progs (Debian) to compare with libjpeg-turbo',
      );
    }

    const peakRssBytes = peakRssOfTransform(photoPath);
    console.log(`peak RSS of a process doing the 1200w transform: ${mb(peakRssBytes)} (target ≤ 200 MB)`);
    return { transformVsSharp, shrinkOnLoadVsDjpeg, peakRssBytes };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  runTransformBench().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
