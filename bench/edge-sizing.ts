/**
 * Sizing the edge function by measurement (issue 18): the built bundle (dist/edge, as deployed) runs in a
 * fresh Node process per case, against S3 in a process of its own, and reports its first (cold) miss, the
 * median of the next misses in wall time and in CPU time, and the process's peak resident memory, which is
 * what Lambda reports as "Max Memory Used". docs/operations.md turns the figures into a memory setting and
 * a cost per million misses.
 *
 * How CPU time becomes billed duration: Lambda allocates CPU in proportion to memory, one vCPU-second
 * of credits per second at 1,769 MB ("Configure Lambda function memory", AWS Lambda Developer Guide,
 * configuration-memory.html). So for CPU-bound work the duration at M MB is about the CPU time × 1,769 / M,
 * and GB-seconds (duration × M / 1,024) hardly depend on M: memory buys latency, not savings. The cost
 * printed is at 1,769 MB with duration = CPU time, at Lambda@Edge's $0.00005001 per GB-second and $0.60
 * per million requests (docs/operations.md).
 */
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

import { PutObjectCommand } from '@aws-sdk/client-s3';

import { derivativeKey, keyToUri } from '../functions/core/key';
import type { OutputFormat } from '../functions/core/spec';
import { EDGE_CONFIG_FILE } from '../functions/edge/edge-config';
import { localEdgeConfig } from '../local/stack';
import { originResponseEvent } from '../test/support/edge-event';
import { startS3Process } from './s3-process';
import { photoJpeg } from './util';

const MISSES = 7;
const ONE_VCPU_MB = 1769;
const GB_SECOND_USD = 0.00005001;
const REQUESTS_USD_PER_MILLION = 0.6;

const CASES: { photo: [number, number]; width: number; format: OutputFormat; quality: number }[] = [
  { photo: [2560, 1920], width: 400, format: 'jpeg', quality: 80 },
  { photo: [2560, 1920], width: 1200, format: 'webp', quality: 80 },
  { photo: [2560, 1920], width: 1200, format: 'avif', quality: 50 },
  { photo: [5640, 3172], width: 400, format: 'jpeg', quality: 80 },
  { photo: [5640, 3172], width: 1200, format: 'webp', quality: 80 },
  { photo: [5640, 3172], width: 1200, format: 'avif', quality: 50 },
  // The largest original the default config admits (inputPixelLimit, 50 MP): what memory must cover.
  { photo: [8000, 6250], width: 2048, format: 'webp', quality: 80 },
];

export interface SizingFigures {
  readonly coldMs: number;
  readonly ms: number;
  readonly cpuMs: number;
  readonly maxRssMb: number;
}

/** Runs in the fresh process: load the bundle, one cold miss, then MISSES more, then the peak RSS. */
const CHILD = `
const event = JSON.parse(process.argv[1]);
const misses = Number(process.argv[2]);
const { handler } = require('./index.js');
// util.ts's peakRssBytes, written out: this child runs the deployed bundle with plain node, nothing of
// the repository loaded (VmHWM, not resourceUsage().maxRSS, which Linux keeps across execve).
const peakRssMb = () =>
  Number(/VmHWM:\\s+(\\d+)/.exec(require('node:fs').readFileSync('/proc/self/status', 'utf8'))[1]) / 1024;
const median = (v) => { const s = [...v].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]; };
(async () => {
  const wall = [], cpu = [];
  for (let i = 0; i <= misses; i++) {
    const c = process.cpuUsage(), t = process.hrtime.bigint();
    const answer = await handler(structuredClone(event));
    if (answer.status !== '200') throw new Error(answer.status + ' ' + answer.body);
    wall.push(Number(process.hrtime.bigint() - t) / 1e6);
    const used = process.cpuUsage(c);
    cpu.push((used.user + used.system) / 1000);
  }
  process.stdout.write('\\nRESULT ' + JSON.stringify({ coldMs: wall[0], ms: median(wall.slice(1)),
    cpuMs: median(cpu.slice(1)), maxRssMb: peakRssMb() }));
})().catch((e) => { console.error(e); process.exit(1); });`;

/** Least memory to set: the peak plus a quarter for what this run did not meet, in 64 MB steps. */
export function leastMemoryMb(maxRssMb: number): number {
  return Math.max(128, Math.ceil((maxRssMb * 1.25) / 64) * 64);
}

/** USD per million misses at one vCPU (1,769 MB), CPU-bound: duration = CPU time. */
export function costPerMillionMisses(cpuMs: number): number {
  return (cpuMs / 1000) * (ONE_VCPU_MB / 1024) * GB_SECOND_USD * 1e6 + REQUESTS_USD_PER_MILLION;
}

export async function runEdgeSizingBench(): Promise<void> {
  console.log('\n## Sizing the edge function (dist/edge in a fresh process per case)');
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const bundle = resolve(__dirname, '../dist/edge');
  if (!existsSync(join(bundle, 'index.js'))) {
    console.log('dist/edge missing, run npm run build first');
    return;
  }
  const s3 = await startS3Process();
  const client = s3.client();
  const dir = mkdtempSync(join(tmpdir(), 'bench-sizing-'));
  try {
    cpSync(bundle, dir, { recursive: true });
    const config = { ...localEdgeConfig(), s3Endpoint: s3.endpoint, s3TimeoutMs: 30_000 };
    writeFileSync(join(dir, EDGE_CONFIG_FILE), JSON.stringify(config));
    console.log(
      '| original | output | cold miss | miss (wall) | miss (CPU) | peak RSS | least memory | $ per million misses at 1,769 MB |',
    );
    console.log('|---|---|---|---|---|---|---|---|');
    const uploaded = new Set<string>();
    for (const { photo, ...output } of CASES) {
      const originalKey = `bench/${photo[0]}x${photo[1]}.jpg`;
      if (!uploaded.has(originalKey)) {
        const body = await photoJpeg(...photo);
        await client.send(
          new PutObjectCommand({ Bucket: config.originalsBucket, Key: originalKey, Body: body }),
        );
        uploaded.add(originalKey);
      }
      const event = originResponseEvent(keyToUri(derivativeKey(originalKey, output)), '404');
      const { stdout } = await promisify(execFile)(
        process.execPath,
        ['-e', CHILD, JSON.stringify(event), String(MISSES)],
        {
          cwd: dir,
          env: {
            PATH: process.env.PATH,
            AWS_ACCESS_KEY_ID: 'S3RVER',
            AWS_SECRET_ACCESS_KEY: 'S3RVER',
            AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
          },
          maxBuffer: 16 * 1024 * 1024,
        },
      );
      const figures = JSON.parse(stdout.split('\nRESULT ')[1] ?? 'null') as SizingFigures;
      console.log(
        `| ${photo[0]}×${photo[1]} | ${output.width}w ${output.format} q${output.quality} ` +
          `| ${figures.coldMs.toFixed(0)} ms | ${figures.ms.toFixed(0)} ms | ${figures.cpuMs.toFixed(0)} ms ` +
          `| ${figures.maxRssMb.toFixed(0)} MB | ${leastMemoryMb(figures.maxRssMb)} MB ` +
          `| $${costPerMillionMisses(figures.cpuMs).toFixed(2)} |`,
      );
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
    client.destroy();
    await s3.stop();
  }
}

if (require.main === module) {
  runEdgeSizingBench().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
