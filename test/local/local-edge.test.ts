import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { PutObjectCommand } from '@aws-sdk/client-s3';
import sharp from 'sharp';

import type { LocalMetricsSnapshot } from '../../local/local-metrics';
import { type LocalStack, startLocalStack } from '../../local/stack';
import * as images from '../support/images';

const ACCEPT = {
  chrome: 'image/avif,image/webp,image/apng,image/svg+xml,image/*,*/*;q=0.8',
  safari:
    'image/webp,image/avif,image/jxl,image/heic,image/heic-sequence,video/*;q=0.8,image/png,image/svg+xml,image/*;q=0.8,*/*;q=0.5',
  firefox: 'image/avif,image/webp,image/png,image/svg+xml,image/*;q=0.8,*/*;q=0.5',
  any: '*/*',
};

/** A GET whose path is sent byte for byte (fetch would normalise `..`). */
function rawGet(base: string, path: string): Promise<{ status: number; headers: Record<string, unknown> }> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: url.hostname, port: url.port, path, method: 'GET' }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('local edge over HTTP (end to end)', function () {
  this.timeout(60_000);
  let stack: LocalStack;

  const get = (path: string, headers: Record<string, string> = {}) =>
    fetch(stack.url + path, { headers, redirect: 'manual' });

  before(async () => {
    stack = await startLocalStack({ port: 0, log: () => {} });
    const put = (key: string, body: Buffer) =>
      stack.client.send(new PutObjectCommand({ Bucket: 'originals', Key: key, Body: body }));
    await put('test/noise.png', await images.noisePng(1400, 1000));
    await put('test/bomb.png', images.pngClaiming(30000, 30000));
    await put('test/truncated.jpg', (await images.photoJpeg(800, 600)).subarray(0, 4000));
  });

  after(async () => {
    await stack.close();
  });

  it('serves a first request as a Miss, then a Hit', async () => {
    const first = await get('/samples/dawn.jpg?width=300&format=webp');
    assert.equal(first.status, 200);
    assert.match(first.headers.get('x-cache') ?? '', /^Miss/);
    const firstBody = Buffer.from(await first.arrayBuffer());
    const second = await get('/samples/dawn.jpg?width=300&format=webp');
    assert.match(second.headers.get('x-cache') ?? '', /^Hit/);
    assert.deepEqual(Buffer.from(await second.arrayBuffer()), firstBody);
    const meta = await sharp(firstBody).metadata();
    assert.deepEqual([meta.format, meta.width, meta.height], ['webp', 300, 200]);
  });

  it('counts what it answers at /_local/metrics: hits, misses, errors by status, resize times', async () => {
    const before = (await (await get('/_local/metrics')).json()) as LocalMetricsSnapshot;
    await (await get('/samples/dawn.jpg?width=310&format=webp')).arrayBuffer(); // a miss, resized
    await (await get('/samples/dawn.jpg?width=310&format=webp')).arrayBuffer(); // a hit
    await (await get('/samples/dawn.jpg?width=0')).arrayBuffer(); // refused by the viewer function
    const response = await get('/_local/metrics');
    assert.equal(response.headers.get('cache-control'), 'no-store');
    const after = (await response.json()) as LocalMetricsSnapshot;
    assert.equal(after.requests - before.requests, 3);
    assert.equal(after.hits - before.hits, 1);
    assert.equal(after.misses - before.misses, 1);
    assert.equal((after.errorsByStatus['400'] ?? 0) - (before.errorsByStatus['400'] ?? 0), 1);
    assert.equal(after.resize.count - before.resize.count, 1);
    assert.ok(after.resize.p99Ms >= after.resize.p50Ms && after.resize.p50Ms >= 0);
    assert.equal(after.hitRatio, after.hits / (after.hits + after.misses));
  });

  it('lets equivalent URLs share one cache entry', async () => {
    const before = stack.edge.cacheSize();
    const a = await get('/samples/dusk.jpg?width=500&format=webp&quality=80');
    const b = await get('/samples/dusk.jpg?utm_source=mail&fm=webp&w=500');
    assert.match(a.headers.get('x-cache') ?? '', /^Miss/);
    assert.match(b.headers.get('x-cache') ?? '', /^Hit/);
    assert.equal(stack.edge.cacheSize(), before + 1);
  });

  for (const [browser, accept, type] of [
    ['Chrome', ACCEPT.chrome, 'image/avif'],
    ['Safari', ACCEPT.safari, 'image/avif'],
    ['Firefox', ACCEPT.firefox, 'image/avif'],
    ['*/*', ACCEPT.any, 'image/jpeg'],
  ]) {
    it(`format=auto gives ${type} to ${browser}`, async () => {
      const response = await get('/samples/noon.jpg?width=200&format=auto', { accept: accept as string });
      assert.equal(response.status, 200);
      assert.equal(response.headers.get('content-type'), type);
      const meta = await sharp(Buffer.from(await response.arrayBuffer())).metadata();
      assert.equal(meta.width, 200);
    });
  }

  it('redirects a derivative over 1 MB to itself, then serves it from the bucket', async () => {
    const first = await get('/test/noise.png?width=1400&format=png');
    assert.equal(first.status, 302);
    assert.equal(first.headers.get('cache-control'), 'no-store');
    const location = first.headers.get('location') ?? '';
    assert.equal(location, '/test/noise.png/_w1400.png');
    const second = await get(location);
    assert.equal(second.status, 200);
    assert.equal(second.headers.get('content-type'), 'image/png');
    const body = Buffer.from(await second.arrayBuffer());
    assert.ok(body.length > 750_000, `${body.length} bytes`);
    assert.equal((await sharp(body).metadata()).width, 1400);
    const third = await get('/test/noise.png?width=1400&format=png');
    // The 302 was not cached (no-store): the same URL now finds the stored derivative, inline or not.
    assert.equal(third.status, 200);
    assert.equal(third.headers.get('content-type'), 'image/png');
  });

  // Issue 15: the samples show every path, the over-1 MB redirect included.
  it('ships a sample whose PNG rendition takes the over-1 MB redirect path', async () => {
    const first = await get('/samples/noise.png?width=1600&format=png');
    assert.equal(first.status, 302);
    const second = await get(first.headers.get('location') ?? '');
    assert.equal(second.status, 200);
    assert.ok(Number(second.headers.get('content-length')) > 1_000_000);
  });

  it('answers 404 for a missing original, not cached past its max-age', async () => {
    const response = await get('/nothing/here.jpg?width=100');
    assert.equal(response.status, 404);
    assert.equal(response.headers.get('cache-control'), 'public, max-age=60');
  });

  it('answers 4xx for path traversal attempts', async () => {
    for (const path of [
      '/samples/../etc/passwd?width=10',
      '/samples/%2e%2e/x.jpg?width=10',
      '/a//b.jpg',
      '/samples/%00.jpg',
    ]) {
      const response = await rawGet(stack.url, path);
      assert.ok(response.status >= 400 && response.status < 500, `${path}: ${response.status}`);
    }
  });

  it('refuses a decompression bomb quickly and keeps serving', async () => {
    const started = Date.now();
    const response = await get('/test/bomb.png?width=100');
    assert.equal(response.status, 400);
    assert.equal(response.headers.get('x-image-error'), 'too_many_pixels');
    assert.ok(Date.now() - started < 2000, `${Date.now() - started} ms`);
    const next = await get('/samples/dawn.jpg?width=120');
    assert.equal(next.status, 200);
  });

  // Issue 10, item 5: CloudFront never caches 413 or 422 (HTTPStatusCodes.html), so such answers would
  // re-read the original on every request; refusals come as statuses it caches with max-age.
  for (const [path, code] of <const>[
    ['/test/bomb.png?width=90', 'too_many_pixels'],
    ['/test/truncated.jpg?width=90', 'corrupt_input'],
  ]) {
    it(`answers a repeated ${code} refusal from the cache, without reading the original again`, async () => {
      const first = await get(path);
      assert.ok(first.status >= 400 && first.status < 500, String(first.status));
      assert.equal(first.headers.get('x-image-error'), code);
      assert.match(first.headers.get('x-cache') ?? '', /^Miss/);
      const second = await get(path);
      assert.equal(second.status, first.status);
      assert.match(second.headers.get('x-cache') ?? '', /^Hit/);
    });
  }

  it('serves originals unchanged when no transform is asked for', async () => {
    const response = await get('/samples/logo.png');
    assert.equal(response.status, 200);
    const meta = await sharp(Buffer.from(await response.arrayBuffer())).metadata();
    assert.deepEqual([meta.format, meta.width], ['png', 1000]);
  });

  it('pre-generates renditions on upload, so the first CDN request for one is served without a resize', async () => {
    const logs: Array<Record<string, unknown>> = [];
    const batchStack = await startLocalStack({
      port: 0,
      renditions: ['width=320&format=webp'],
      log: (entry) => logs.push(entry),
    });
    try {
      await batchStack.client.send(
        new PutObjectCommand({
          Bucket: 'originals',
          Key: 'uploads/new photo.jpg',
          Body: await images.photoJpeg(1200, 900),
        }),
      );
      await batchStack.batchSettled();
      const summary = logs.find((entry) => entry.event === 'batch.summary');
      assert.deepEqual(summary?.written, ['uploads/new photo.jpg/_w320_q80.webp']);

      const response = await fetch(`${batchStack.url}/uploads/new%20photo.jpg?format=webp&width=320`);
      assert.equal(response.status, 200);
      assert.match(response.headers.get('x-cache') ?? '', /^Miss/);
      assert.equal(response.headers.get('server-timing'), null, 'a resize would add server-timing');
      assert.ok(!logs.some((entry) => entry.outcome === 'resized'), 'the edge handler did not resize');
      const meta = await sharp(Buffer.from(await response.arrayBuffer())).metadata();
      assert.deepEqual([meta.format, meta.width], ['webp', 320]);
    } finally {
      await batchStack.close();
    }
  });

  it('shows a demo page with a srcset gallery using format=auto', async () => {
    const html = await (await get('/')).text();
    assert.match(html, /srcset="[^"]*width=320&amp;format=auto 320w/);
  });

  it('serves a folder of the user own images, subfolders included', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'originals-'));
    mkdirSync(join(dir, 'trips', '2024'), { recursive: true });
    writeFileSync(join(dir, 'trips', '2024', 'beach day.jpg'), await images.photoJpeg(640, 480));
    writeFileSync(join(dir, 'notes.txt'), 'not an image');
    const own = await startLocalStack({ port: 0, originalsDir: dir, log: () => {} });
    try {
      assert.deepEqual(own.keys, ['trips/2024/beach day.jpg']);
      const response = await fetch(`${own.url}/trips/2024/beach%20day.jpg?width=160&format=png`);
      assert.equal(response.status, 200);
      assert.equal((await sharp(Buffer.from(await response.arrayBuffer())).metadata()).width, 160);
    } finally {
      await own.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
