import { readFileSync } from 'node:fs';

import sharp from 'sharp';

/** Small helpers shared by the benchmarks: timing, statistics and a photo-like test image. */

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

export async function timeMs(work: () => Promise<unknown>): Promise<number> {
  const started = process.hrtime.bigint();
  await work();
  return Number(process.hrtime.bigint() - started) / 1e6;
}

/**
 * Median time of each variant, measured interleaved (a, b, a, b, …) after a warm-up, so drift in
 * machine load hits both sides alike.
 */
export async function compare(
  runs: number,
  variants: Record<string, () => Promise<unknown>>,
): Promise<Record<string, number>> {
  const samples: Record<string, number[]> = {};
  for (const [name, work] of Object.entries(variants)) {
    await work();
    samples[name] = [];
  }
  for (let i = 0; i < runs; i++) {
    for (const [name, work] of Object.entries(variants)) samples[name]?.push(await timeMs(work));
  }
  return Object.fromEntries(Object.entries(samples).map(([name, values]) => [name, median(values)]));
}

/** A 4000×3000 (12 MP) JPEG with photo-like detail: gradients, shapes and grain. */
export function photo12mp(): Promise<Buffer> {
  return photoJpeg(4000, 3000);
}

/** A JPEG (quality 90) of this size with photo-like detail: gradients, shapes and grain. */
export async function photoJpeg(width: number, height: number): Promise<Buffer> {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">
    <defs><linearGradient id="g" x1="0" y1="0" x2="1" y2="1"><stop offset="0" stop-color="#1d3557"/>
    <stop offset="0.5" stop-color="#a8dadc"/><stop offset="1" stop-color="#e63946"/></linearGradient></defs>
    <rect width="100%" height="100%" fill="url(#g)"/>
    ${Array.from({ length: 40 }, (_, i) => `<circle cx="${(i * 977) % width}" cy="${(i * 613) % height}" r="${80 + ((i * 37) % 300)}" fill="hsl(${i * 29},60%,55%)" fill-opacity="0.6"/>`).join('')}
  </svg>`;
  const base = await sharp(Buffer.from(svg)).raw().toBuffer({ resolveWithObject: true });
  const grain = await sharp({
    create: {
      width,
      height,
      channels: 3,
      background: '#808080',
      noise: { type: 'gaussian', mean: 128, sigma: 12 },
    },
  })
    .raw()
    .toBuffer();
  const pixels = base.data;
  for (let i = 0, j = 0; i < pixels.length; i += base.info.channels, j += 3) {
    for (let c = 0; c < 3; c++)
      pixels[i + c] = Math.max(0, Math.min(255, (pixels[i + c] as number) + (grain[j + c] as number) - 128));
  }
  return sharp(pixels, { raw: { width, height, channels: base.info.channels } })
    .removeAlpha()
    .jpeg({ quality: 90 })
    .toBuffer();
}

export function ratio(a: number, b: number): string {
  return (a / b).toFixed(2);
}

export function mb(bytes: number): string {
  return (bytes / 1024 / 1024).toFixed(0) + ' MB';
}

/**
 * Peak resident memory of this process image, in bytes: VmHWM from /proc/self/status (Linux). Not
 * `process.resourceUsage().maxRSS`: getrusage(2) keeps ru_maxrss across execve, so a child spawned by a
 * benchmark process that has grown large reports the parent's size instead of its own.
 */
export function peakRssBytes(): number {
  const status = readFileSync('/proc/self/status', 'utf8');
  return Number(/VmHWM:\s+(\d+)\s+kB/.exec(status)?.[1] ?? NaN) * 1024;
}
