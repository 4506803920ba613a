/**
 * Sustained load against the local edge (a child process running `npm start`'s program): 30 s each of
 * the hit path, a miss-heavy mix of distinct widths, and a mixed run with 1 % hostile requests.
 * Reports latency, throughput, errors, 5xx and the server's RSS in each half of the run.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import sharp from 'sharp';

import { type LoadFigures, rssBytes, runLoad, startLocalEdgeProcess } from './load';
import { mb } from './util';

const SECONDS = 30;
const CONNECTIONS = 4;
/**
 * Each run is preceded by an unmeasured warm-up: the glibc allocator's arenas and the CDN cache fill
 * during the first seconds of resizing and then plateau (seen with process.memoryUsage: the JS heap and
 * external memory stay flat while RSS levels off), and the halves compare the steady state.
 */
const WARMUP_SECONDS = 10;

/** A tiny PNG whose header claims 30000×30000 pixels (a decompression bomb's calling card). */
async function bombPng(): Promise<Buffer> {
  const png = await sharp({ create: { width: 1, height: 1, channels: 3, background: '#000' } })
    .png()
    .toBuffer();
  const bomb = Buffer.from(png);
  bomb.writeUInt32BE(30000, 16);
  bomb.writeUInt32BE(30000, 20);
  return bomb; // the IHDR CRC no longer matches: also a corrupt file
}

async function originalsFolder(): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-originals-'));
  mkdirSync(join(dir, 'photos'));
  const svg = (hue: number) =>
    Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" width="2400" height="1600"><rect width="100%" height="100%"
      fill="hsl(${hue},50%,50%)"/><circle cx="1200" cy="800" r="600" fill="hsl(${hue + 120},60%,60%)"/></svg>`);
  for (let i = 0; i < 4; i++)
    writeFileSync(
      join(dir, 'photos', `p${i}.jpg`),
      await sharp(svg(i * 80))
        .jpeg()
        .toBuffer(),
    );
  writeFileSync(join(dir, 'bomb.png'), await bombPng());
  writeFileSync(join(dir, 'text.jpg'), 'not an image');
  writeFileSync(join(dir, 'truncated.jpg'), (await sharp(svg(10)).jpeg().toBuffer()).subarray(0, 5000));
  return dir;
}

const HOSTILE = [
  '/photos/p0.jpg?width=abc',
  '/photos/p0.jpg?width=99999999',
  '/photos/%2e%2e/%2e%2e/etc/passwd?width=10',
  '/photos//p0.jpg?width=10',
  '/bomb.png?width=300',
  '/text.jpg?width=300',
  '/truncated.jpg?width=300',
  '/photos/p0.jpg?width=100&width=200',
  '/missing.jpg?width=300',
];

interface RunFigures extends LoadFigures {
  readonly rssFirstHalf: number;
  readonly rssSecondHalf: number;
}

async function measured(
  serverPid: number,
  run: (seconds: number) => Promise<LoadFigures>,
): Promise<RunFigures> {
  await run(WARMUP_SECONDS);
  const samples: Array<{ at: number; rss: number }> = [];
  const started = Date.now();
  const timer = setInterval(() => samples.push({ at: Date.now() - started, rss: rssBytes(serverPid) }), 250);
  try {
    const figures = await run(SECONDS);
    const half = (Date.now() - started) / 2;
    const peak = (list: typeof samples) => Math.max(...list.map((s) => s.rss));
    return {
      ...figures,
      rssFirstHalf: peak(samples.filter((s) => s.at < half)),
      rssSecondHalf: peak(samples.filter((s) => s.at >= half)),
    };
  } finally {
    clearInterval(timer);
  }
}

function report(name: string, f: RunFigures) {
  const growth = ((f.rssSecondHalf / f.rssFirstHalf - 1) * 100).toFixed(1);
  console.log(
    `${name}: p50 ${f.p50} ms, p99 ${f.p99} ms, ${f.rps.toFixed(0)} req/s (${f.total} requests), ` +
      `${f.errors} errors, ${f.status5xx} 5xx, statuses ${JSON.stringify(f.statusCodes)}; ` +
      `server peak RSS ${mb(f.rssFirstHalf)} → ${mb(f.rssSecondHalf)} (${growth} %)`,
  );
}

export async function runSustainedBench(): Promise<void> {
  console.log(
    `\n## Sustained load (${SECONDS} s per run, ${CONNECTIONS} connections, local edge in a child process)`,
  );
  const dir = await originalsFolder();
  const server = await startLocalEdgeProcess(0, dir);
  const pid = server.child.pid as number;
  try {
    const hitPaths = [
      '/photos/p0.jpg?width=400&format=webp',
      '/photos/p1.jpg?width=640&format=avif',
      '/photos/p2.jpg?width=320',
    ];
    for (const path of hitPaths) await (await fetch(server.url + path)).arrayBuffer();

    report(
      'hit path',
      await measured(pid, (seconds) =>
        runLoad({
          url: server.url,
          connections: CONNECTIONS,
          durationSeconds: seconds,
          requests: hitPaths.map((path) => ({ path })),
        }),
      ),
    );

    let width = 100;
    const missPath = () => `/photos/p${width % 4}.jpg?width=${(width++ % 2300) + 100}&format=webp`;
    report(
      'miss-heavy (distinct widths)',
      await measured(pid, (seconds) =>
        runLoad({ url: server.url, connections: CONNECTIONS, durationSeconds: seconds, nextPath: missPath }),
      ),
    );

    let n = 0;
    const mixedPath = () => {
      n++;
      if (n % 100 === 0) return HOSTILE[(n / 100) % HOSTILE.length] as string;
      return hitPaths[n % hitPaths.length] as string;
    };
    report(
      'mixed, 1 % hostile',
      await measured(pid, (seconds) =>
        runLoad({ url: server.url, connections: CONNECTIONS, durationSeconds: seconds, nextPath: mixedPath }),
      ),
    );
  } finally {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  runSustainedBench().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
