/**
 * Embedded Metric Format at the edge (issue 14): the same metric line written with aws-embedded-metrics
 * and with the hand-written functions/metrics/emf.ts, each bundled as the edge bundles its code (esbuild,
 * node, minified), compared by bundle bytes and by cold load + first line in a fresh Node process. The
 * edge is cold on many requests (replicas in every region), so its load time is a cost per container.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

import { build } from 'esbuild';

import { median, ratio } from './util';

const RUNS = 9;
const root = resolve(__dirname, '..');

const ENTRIES = {
  handWritten: `
    import { metricFields } from ${JSON.stringify(join(root, 'functions/metrics/emf.ts'))};
    export async function line() {
      process.stdout.write(JSON.stringify({ outcome: 'resized', ...metricFields('ImageCdn', { StatusClass: '2xx' },
        { Requests: { value: 1, unit: 'Count' }, Duration: { value: 42, unit: 'Milliseconds' } }) }) + '\\n');
    }`,
  library: `
    import { createMetricsLogger, Unit } from 'aws-embedded-metrics';
    export async function line() {
      const metrics = createMetricsLogger();
      metrics.setNamespace('ImageCdn');
      metrics.setDimensions({ StatusClass: '2xx' });
      metrics.putMetric('Requests', 1, Unit.Count);
      metrics.putMetric('Duration', 42, Unit.Milliseconds);
      metrics.setProperty('outcome', 'resized');
      await metrics.flush();
    }`,
};

/** Median ms from start of load to the first metric line written, in a fresh process each run. */
function coldLineMs(bundle: string): number {
  const script = `const t = process.hrtime.bigint();
    require(${JSON.stringify(bundle)}).line().then(() => {
      process.stderr.write(String(Number(process.hrtime.bigint() - t) / 1e6));
    });`;
  const times = Array.from({ length: RUNS }, () => {
    // As in a Lambda@Edge replica: the library detects Lambda by the function name and writes to stdout
    // (discarded here); the time goes to stderr.
    const run = spawnSync(process.execPath, ['-e', script], {
      encoding: 'utf8',
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { PATH: process.env.PATH, AWS_LAMBDA_FUNCTION_NAME: 'us-east-1.image-cdn-edge' },
    });
    const ms = Number(run.stderr);
    if (run.status !== 0 || !Number.isFinite(ms) || ms <= 0) throw new Error(`${bundle}: ${run.stderr}`);
    return ms;
  });
  return median(times);
}

export async function runEmfBench(): Promise<void> {
  console.log('\n## Embedded Metric Format: aws-embedded-metrics against the hand-written record');
  const dir = mkdtempSync(join(tmpdir(), 'bench-emf-'));
  try {
    const figures: Record<string, { bytes: number; ms: number }> = {};
    for (const [name, source] of Object.entries(ENTRIES)) {
      const entry = join(dir, `${name}.ts`);
      const outfile = join(dir, `${name}.js`);
      writeFileSync(entry, source);
      await build({
        entryPoints: [entry],
        outfile,
        bundle: true,
        platform: 'node',
        target: 'node22',
        format: 'cjs',
        minify: true,
        logLevel: 'error',
        nodePaths: [join(root, 'node_modules')],
      });
      figures[name] = { bytes: statSync(outfile).size, ms: coldLineMs(outfile) };
    }
    const { handWritten, library } = figures as Record<
      'handWritten' | 'library',
      { bytes: number; ms: number }
    >;
    console.log(
      `bundle: aws-embedded-metrics ${library.bytes} B, hand-written ${handWritten.bytes} B ` +
        `(${ratio(library.bytes, handWritten.bytes)}×); cold load + first line: ${library.ms.toFixed(1)} ms vs ` +
        `${handWritten.ms.toFixed(1)} ms (${ratio(library.ms, handWritten.ms)}×)`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  runEmfBench().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
