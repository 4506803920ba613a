/**
 * `npm run build`: the deployable artifacts, whatever machine builds them.
 *
 *   dist/viewer-request.js  the CloudFront Function with the default rules (deploys bake the stack's own)
 *   dist/edge/              Lambda@Edge bundle: index.js (the pass-through), miss-path.js (loaded on a
 *                           miss) + sharp for linux-x64 glibc (Lambda@Edge is x86_64)
 *   dist/edge.zip           the same folder zipped, to check the package limits
 *   dist/batch/index.js     the batch resizer (sharp comes from the layer)
 *   dist/sharp-layer/       a Lambda layer holding sharp for linux-x64 glibc
 */
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';

import { build, type Plugin } from 'esbuild';

import { buildViewerFunction } from '../functions/viewer/build';
import { EDGE_RUNTIME } from '../infra/limits';
import { localFunctionConfigs } from '../local/local-config';
import { zipFolder } from './zip-folder';

const root = resolve(__dirname, '..');
const dist = join(root, 'dist');
const sharpVersion = (
  JSON.parse(readFileSync(join(root, 'node_modules/sharp/package.json'), 'utf8')) as { version: string }
).version;
const staging = join(root, '.build', `sharp-${sharpVersion}-linux-x64`);

function step(message: string) {
  console.log(`build: ${message}`);
}

/** npm's `node_modules/.bin` holds command links, which no function runs and a zip cannot hold as links. */
function withoutBinLinks(source: string): boolean {
  return basename(source) !== '.bin';
}

function megabytes(bytes: number) {
  return (bytes / 1024 / 1024).toFixed(1) + ' MB';
}

/** Installs sharp for linux-x64 glibc into a staging folder once per sharp version. */
function stageLinuxSharp(): string {
  const modules = join(staging, 'node_modules');
  if (existsSync(join(modules, '@img', 'sharp-linux-x64'))) return modules;
  step(`installing sharp ${sharpVersion} for linux-x64 glibc into ${staging}`);
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  writeFileSync(
    join(staging, 'package.json'),
    JSON.stringify({ name: 'sharp-linux-x64-staging', private: true }),
  );
  execFileSync(
    'npm',
    [
      'install',
      '--no-audit',
      '--no-fund',
      '--no-save',
      '--os=linux',
      '--cpu=x64',
      '--libc=glibc',
      `sharp@${sharpVersion}`,
    ],
    { cwd: staging, stdio: ['ignore', 'ignore', 'inherit'] },
  );
  if (!existsSync(join(modules, '@img', 'sharp-libvips-linux-x64'))) {
    throw new Error('sharp linux-x64 binaries missing after install; check npm can reach the registry');
  }
  return modules;
}

/**
 * The edge's miss path (sharp and the S3 client, most of the code) is a bundle of its own: the entry
 * bundle keeps `import('./miss-path')` as a require of dist/edge/miss-path.js, so a cold pass-through
 * never parses it (issue 18).
 */
const missPathApart: Plugin = {
  name: 'miss-path-apart',
  setup(pluginBuild) {
    pluginBuild.onResolve({ filter: /^\.\/miss-path$/ }, () => ({ path: './miss-path.js', external: true }));
  },
};

async function bundle(entry: string, outfile: string, plugins: Plugin[] = []) {
  await build({
    plugins,
    entryPoints: [join(root, entry)],
    outfile,
    bundle: true,
    platform: 'node',
    // The Lambda runtime the functions run on (nodejs22.x -> node22), so esbuild keeps what it supports.
    target: EDGE_RUNTIME.replace(/^nodejs(\d+)\.x$/, 'node$1'),
    format: 'cjs',
    external: ['sharp'],
    minify: true,
    sourcemap: false,
    legalComments: 'none',
    logLevel: 'warning',
  });
}

async function main() {
  rmSync(dist, { recursive: true, force: true });
  mkdirSync(dist, { recursive: true });

  // The stack defaults, through the builder a deployment uses (a deployment bakes its own config).
  const viewer = buildViewerFunction(localFunctionConfigs().viewer);
  writeFileSync(join(dist, 'viewer-request.js'), viewer);
  step(`dist/viewer-request.js ${viewer.length} bytes (limit 10240)`);

  const sharpModules = stageLinuxSharp();

  await bundle('functions/edge/index.ts', join(dist, 'edge', 'index.js'), [missPathApart]);
  await bundle('functions/edge/miss-path.ts', join(dist, 'edge', 'miss-path.js'));
  cpSync(sharpModules, join(dist, 'edge', 'node_modules'), { recursive: true, filter: withoutBinLinks });
  zipFolder(join(dist, 'edge'), join(dist, 'edge.zip'));
  step(`dist/edge.zip ${megabytes(statSync(join(dist, 'edge.zip')).size)} (Lambda@Edge limit 50 MB)`);

  await bundle('functions/batch/index.ts', join(dist, 'batch', 'index.js'));
  step('dist/batch/index.js');
  cpSync(sharpModules, join(dist, 'sharp-layer', 'nodejs', 'node_modules'), {
    recursive: true,
    filter: withoutBinLinks,
  });
  step('dist/sharp-layer/nodejs/node_modules');
}

main().catch((error: unknown) => {
  console.error(`build failed: ${(error as Error).message}`);
  process.exit(1);
});
