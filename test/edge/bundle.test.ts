import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

import { PutObjectCommand } from '@aws-sdk/client-s3';

import { localEdgeConfig } from '../../local/stack';
import { unzipTo } from '../../scripts/zip-folder';
import { originResponseEvent } from '../support/edge-event';
import * as images from '../support/images';
import { useLocalS3 } from '../support/local-s3';

const zip = resolve(__dirname, '../../dist/edge.zip');

/**
 * The built Lambda@Edge package (`npm run build`, which `npm test` runs first): its size, and that it
 * loads and answers in a fresh Node process with nothing from this repo on its module path.
 */
describe('edge bundle (dist/edge.zip)', () => {
  const local = useLocalS3(['originals', 'derivatives']);
  let dir: string;

  before(async function () {
    this.timeout(60_000);
    await local.client.send(
      new PutObjectCommand({ Bucket: 'originals', Key: 'cat.jpg', Body: await images.photoJpeg(800, 600) }),
    );
    dir = mkdtempSync(join(tmpdir(), 'edge-bundle-'));
    unzipTo(zip, dir);
  });

  after(async () => {
    rmSync(dir, { recursive: true, force: true });
  });

  /**
   * Runs `script` in a fresh Node process inside the unzipped bundle, with nothing of this repository on
   * its module path, and parses what it printed after `RESULT ` (the handler logs JSON lines to stdout too).
   */
  async function runInBundle<T>(script: string): Promise<{ answer: T; stdout: string }> {
    const { stdout } = await promisify(execFile)(process.execPath, ['-e', script], {
      cwd: dir,
      env: { PATH: process.env.PATH },
    });
    return { answer: JSON.parse(stdout.split('\nRESULT ')[1] ?? 'null') as T, stdout };
  }

  it('is under 15 MB zipped (Lambda@Edge allows 50 MB)', () => {
    const size = statSync(zip).size;
    assert.ok(size < 15 * 1024 * 1024, `${(size / 1024 / 1024).toFixed(1)} MB`);
  });

  it('carries sharp for linux-x64 glibc', () => {
    assert.ok(statSync(join(dir, 'node_modules/@img/sharp-linux-x64/package.json')).isFile());
    assert.ok(statSync(join(dir, 'node_modules/@img/sharp-libvips-linux-x64/package.json')).isFile());
  });

  it('loads in a fresh process and answers an origin-response event', async function () {
    this.timeout(30_000);
    // What a deploy writes next to the bundle; pointed at the local S3 server here.
    const config = { ...localEdgeConfig(), s3Endpoint: local.s3.endpoint };
    writeFileSync(join(dir, 'edge-config.json'), JSON.stringify(config));
    const script = `
      process.env.AWS_ACCESS_KEY_ID = 'S3RVER'; process.env.AWS_SECRET_ACCESS_KEY = 'S3RVER';
      process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
      const { handler } = require('./index.js');
      handler(${JSON.stringify(originResponseEvent('/cat.jpg/_w320_q80.webp', '404'))}).then((r) => {
        process.stdout.write('\\nRESULT ' + JSON.stringify({ status: r.status, type: r.headers['content-type'][0].value, bytes: r.body.length }));
      });`;
    // Asynchronously: the S3 server answering the bundle runs in this process.
    const { answer, stdout } = await runInBundle<{ status: string; type: string; bytes: number }>(script);
    assert.equal(answer.status, '200', stdout);
    assert.equal(answer.type, 'image/webp');
    assert.ok(answer.bytes > 100);
  });

  // Most origin responses are stored derivatives passing through (issue 18): loading sharp or the S3
  // client for them would make every cold container pay for the miss path.
  it('passes a stored derivative through without loading sharp or the miss-path bundle', async function () {
    this.timeout(30_000);
    writeFileSync(join(dir, 'edge-config.json'), JSON.stringify(localEdgeConfig()));
    const event = originResponseEvent('/cat.jpg/_w320_q80.webp', '200');
    const script = `
      const { handler } = require('./index.js');
      handler(${JSON.stringify(event)}).then((r) => {
        const loaded = Object.keys(require.cache).map((path) => require('node:path').relative(process.cwd(), path));
        process.stdout.write('\\nRESULT ' + JSON.stringify({ status: r.status, loaded }));
      });`;
    const { answer, stdout } = await runInBundle<{ status: string; loaded: string[] }>(script);
    assert.equal(answer.status, '200', stdout);
    assert.deepEqual(answer.loaded, ['index.js']);
  });
});
