/**
 * Local-edge benchmark: the miss path against its raw parts, the hit path under load, and the cold
 * load of the built Lambda@Edge bundle against loading its two heavy dependencies. Ratios from one run.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import sharp from 'sharp';

import { localEdgeConfig, startLocalStack } from '../local/stack';
import { originResponseEvent } from '../test/support/edge-event';
import { runLoad, startLocalEdgeProcess } from './load';
import { median, photo12mp, ratio, timeMs } from './util';

const RUNS = 7;

async function missPath() {
  const stack = await startLocalStack({ port: 0, log: () => {} });
  try {
    const photo = await photo12mp();
    await stack.client.send(
      new PutObjectCommand({ Bucket: 'originals', Key: 'bench/photo.jpg', Body: photo }),
    );
    for (const width of [400, 1200]) {
      const miss: number[] = [];
      const raw: number[] = [];
      for (let i = 0; i < RUNS; i++) {
        const quality = 60 + i; // a new derivative each time: always a miss
        miss.push(
          await timeMs(async () => {
            const response = await fetch(
              `${stack.url}/bench/photo.jpg?width=${width}&format=jpeg&quality=${quality}`,
            );
            if (response.status !== 200) throw new Error(`miss returned ${response.status}`);
            await response.arrayBuffer();
          }),
        );
        raw.push(
          await timeMs(async () => {
            const object = await stack.client.send(
              new GetObjectCommand({ Bucket: 'originals', Key: 'bench/photo.jpg' }),
            );
            const input = Buffer.from(await object.Body!.transformToByteArray());
            const output = await sharp(input).resize({ width }).jpeg({ quality }).toBuffer();
            await stack.client.send(
              new PutObjectCommand({
                Bucket: 'derivatives',
                Key: `raw/${width}/${quality}.jpeg`,
                Body: output,
              }),
            );
          }),
        );
      }
      console.log(
        `miss path ${width}w JPEG ÷ (S3 GET + sharp resize + S3 PUT): ${ratio(median(miss), median(raw))} ` +
          `(${median(miss).toFixed(1)} ms vs ${median(raw).toFixed(1)} ms; target ≤ 1.1)`,
      );
    }
  } finally {
    await stack.close();
  }
}

async function hitPath() {
  const server = await startLocalEdgeProcess(0);
  try {
    const path = '/samples/dawn.jpg?width=400&format=webp';
    await (await fetch(server.url + path)).arrayBuffer();
    const load = await runLoad({
      url: server.url,
      connections: 2,
      durationSeconds: 10,
      requests: [{ path }],
    });
    console.log(
      `hit path, 2 clients for 10 s: p50 ${load.p50} ms, p99 ${load.p99} ms, ${load.rps.toFixed(0)} req/s, ` +
        `${load.errors} errors, ${load.status5xx} 5xx (target: zero errors)`,
    );
  } finally {
    await server.stop();
  }
}

/** Median time to `require` something in a fresh Node process, measured inside that process. */
function coldRequireMs(cwd: string, modules: string[]): number {
  const script = `
    process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
    const t = process.hrtime.bigint();
    ${modules.map((m) => `require(${JSON.stringify(m)});`).join('')}
    process.stdout.write(String(Number(process.hrtime.bigint() - t) / 1e6));`;
  const times = Array.from({ length: RUNS }, () =>
    Number(execFileSync(process.execPath, ['-e', script], { cwd, encoding: 'utf8' })),
  );
  return median(times);
}

/**
 * Median time, in a fresh Node process, from loading the entry bundle to its answer to an origin response
 * that passes through (a stored derivative, 200): what most cold containers of the trigger do.
 */
function coldPassThroughMs(cwd: string): number {
  const event = originResponseEvent('/bench/photo.jpg/_w400_q80.webp', '200');
  const script = `
    const t = process.hrtime.bigint();
    require('./index.js').handler(${JSON.stringify(event)}).then(() => {
      if (Object.keys(require.cache).some((path) => /sharp|miss-path/.test(path))) throw new Error('miss path loaded');
      process.stdout.write(String(Number(process.hrtime.bigint() - t) / 1e6));
    });`;
  const times = Array.from({ length: RUNS }, () =>
    Number(execFileSync(process.execPath, ['-e', script], { cwd, encoding: 'utf8' })),
  );
  return median(times);
}

function coldLoad() {
  const root = resolve(__dirname, '..');
  const bundle = join(root, 'dist/edge');
  if (!existsSync(join(bundle, 'index.js'))) {
    console.log('cold load: dist/edge missing, run npm run build first');
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'bench-edge-'));
  try {
    cpSync(bundle, dir, { recursive: true });
    writeFileSync(join(dir, 'edge-config.json'), JSON.stringify(localEdgeConfig()));
    const passThrough = coldPassThroughMs(dir);
    console.log(
      `cold pass-through (load dist/edge/index.js, answer a 200 origin response): ${passThrough.toFixed(1)} ms ` +
        `(target < 50 ms; sharp and the S3 client stay unloaded)`,
    );
    const edge = coldRequireMs(dir, ['./index.js', './miss-path.js']);
    const deps = coldRequireMs(root, ['sharp', '@aws-sdk/client-s3']);
    console.log(
      `cold load of the whole edge bundle (index.js + miss-path.js) ÷ require('sharp') + require('@aws-sdk/client-s3'): ` +
        `${ratio(edge, deps)} (${edge.toFixed(1)} ms vs ${deps.toFixed(1)} ms; target ≤ 1.3)`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function runEdgeBench(): Promise<void> {
  console.log('\n## Local edge');
  await missPath();
  await hitPath();
  coldLoad();
}

if (require.main === module) {
  runEdgeBench().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
