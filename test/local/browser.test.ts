import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { type BrowserContext, chromium } from 'playwright-core';
import sharp from 'sharp';

import { type LocalStack, startLocalStack } from '../../local/stack';

const CHROMIUM = '/usr/bin/chromium';

/**
 * A real browser loads the demo page: it must pick widths from `srcset` and receive AVIF or WebP.
 * Chromium comes from Debian (`.ci/run` installs it).
 */
describe('demo page in headless Chromium', function () {
  this.timeout(90_000);
  let stack: LocalStack;
  let browser: BrowserContext;
  let profile: string;

  before(async function () {
    if (!existsSync(CHROMIUM)) {
      // CI installs Chromium (.ci/run) and must run this test; a fresh machine may not have it yet.
      assert.ok(!process.env.CI, `${CHROMIUM} is missing: apt-get install chromium (see .ci/run)`);
      console.log(`    (skipped: ${CHROMIUM} is missing; apt-get install chromium to run it)`);
      this.skip();
    }
    stack = await startLocalStack({ port: 0, log: () => {} });
    profile = mkdtempSync(join(tmpdir(), 'chromium-profile-'));
    // A fresh profile folder is the --user-data-dir; Playwright takes it as the persistent context's.
    browser = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      viewport: { width: 1200, height: 900 },
      deviceScaleFactor: 1,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--disable-quic',
      ],
    });
  });

  after(async () => {
    await browser?.close();
    await stack?.close();
    if (profile) rmSync(profile, { recursive: true, force: true });
  });

  it('receives AVIF or WebP at the widths srcset chose for the viewport', async () => {
    const page = await browser.newPage();
    const received: Array<{ url: string; type: string; width: number | undefined }> = [];
    const pending: Promise<void>[] = [];
    page.on('response', (response) => {
      // The gallery's images (the playground's own fetches are not `image` requests).
      if (!/[?&]format=auto/.test(response.url()) || response.request().resourceType() !== 'image') return;
      pending.push(
        response.body().then(async (body) => {
          received.push({
            url: response.url(),
            type: response.headers()['content-type'] ?? '',
            width: (await sharp(body).metadata()).width,
          });
        }),
      );
    });
    await page.goto(stack.url + '/', { waitUntil: 'networkidle' });
    // Lazy images below the fold load once scrolled into view.
    await page.evaluate('window.scrollTo(0, document.body.scrollHeight)');
    await page.waitForLoadState('networkidle');
    await Promise.all(pending);

    assert.equal(received.length, stack.keys.length, JSON.stringify(received));
    // At 1200 px wide, `sizes` gives 30vw = 360 CSS px at DPR 1, so the browser picks the 640w candidate.
    for (const image of received) {
      assert.match(image.type, /^image\/(avif|webp)$/, image.url);
      assert.match(image.url, /[?&]width=640&/, image.url);
      assert.ok(image.width !== undefined && image.width <= 640, `${image.url} is ${image.width}px`);
    }
    await page.close();
  });

  // Issue 15: the page is a playground that shows what the CDN does, and it does not shift as it loads.
  it('shows, for each gallery image, the format, bytes against the original, size and x-cache', async () => {
    const page = await browser.newPage();
    await page.goto(stack.url + '/', { waitUntil: 'networkidle' });
    await page.evaluate('window.scrollTo(0, document.body.scrollHeight)');
    await page.waitForFunction(
      "[...document.querySelectorAll('main .stats')].every((s) => s.textContent.includes('cloudfront'))",
      undefined,
      { timeout: 30_000 },
    );
    const stats = await page.$$eval('main .stats', (spans) => spans.map((s) => s.textContent ?? ''));
    assert.equal(stats.length, stack.keys.length);
    for (const text of stats)
      assert.match(
        text,
        /^(AVIF|WEBP) · [\d.]+ K?B \(\d+% (smaller|larger) than the original [\d.]+ K?B\) · \d+×\d+ · (Hit|Miss) from cloudfront/,
        text,
      );
    await page.close();
  });

  it('builds a URL from parameters, previews the answer with its format and bytes, and shows a 400', async () => {
    const page = await browser.newPage();
    await page.goto(stack.url + '/', { waitUntil: 'networkidle' });
    await page.selectOption('select[name=original]', '/samples/dusk.jpg');
    await page.fill('input[name=width]', '300');
    await page.selectOption('select[name=format]', 'webp');
    await page.waitForFunction(
      "/^WEBP .* 300×200/.test(document.getElementById('result').textContent)",
      undefined,
      {
        timeout: 30_000,
      },
    );
    assert.match(await page.inputValue('#url'), /\/samples\/dusk\.jpg\?width=300&format=webp$/);
    const shown = (await page.$eval('#result', (node) => node.textContent)) ?? '';
    assert.match(shown, /^WEBP · [\d.]+ K?B \(\d+% smaller than the original/, shown);
    assert.equal(
      await page.$eval('#preview', (img) => (img as unknown as { naturalWidth: number }).naturalWidth),
      300,
    );

    // imgix's parameters, typed in: the transform and a description.
    await page.fill('input[name=more]', 'height=200&crop=edges&sat=-100');
    await page.waitForFunction(
      "/^WEBP .* 300×200/.test(document.getElementById('result').textContent)",
      undefined,
      { timeout: 30_000 },
    );
    assert.match(await page.inputValue('#url'), /width=300&format=webp&height=200&crop=edges&sat=-100$/);
    await page.fill('input[name=more]', 'fm=json');
    await page.waitForFunction(
      "/^application\\/json · \\{/.test(document.getElementById('result').textContent)",
      undefined,
      {
        timeout: 30_000,
      },
    );
    assert.match((await page.textContent('#result')) ?? '', /"width":\d+,"height":\d+,"format":"jpeg"/);
    await page.fill('input[name=more]', '');

    await page.fill('input[name=width]', '0');
    await page.waitForFunction("document.getElementById('result').className === 'error'", undefined, {
      timeout: 30_000,
    });
    assert.match((await page.textContent('#result')) ?? '', /^400: Invalid 'width'/);
    await page.close();
  });

  for (const [name, viewport, scale] of [
    ['mobile', { width: 390, height: 844 }, 3],
    ['desktop', { width: 1280, height: 900 }, 1],
  ] as const) {
    it(`keeps the cumulative layout shift under 0.1 on ${name}`, async () => {
      const page = await browser.newPage();
      await page.setViewportSize(viewport);
      await page.addInitScript(`
        window.__cls = 0;
        new PerformanceObserver((list) => {
          for (const entry of list.getEntries()) if (!entry.hadRecentInput) window.__cls += entry.value;
        }).observe({ type: 'layout-shift', buffered: true });`);
      void scale;
      await page.goto(stack.url + '/', { waitUntil: 'networkidle' });
      for (let y = 0; y < 6; y++) {
        await page.evaluate(`window.scrollBy(0, ${viewport.height})`);
        await page.waitForLoadState('networkidle');
      }
      const cls = (await page.evaluate('window.__cls')) as number;
      assert.ok(cls < 0.1, `cumulative layout shift ${cls}`);
      await page.close();
    });
  }

  describe('with --regions', () => {
    let regional: LocalStack | undefined;
    before(async () => {
      regional = await startLocalStack({
        port: 0,
        regions: ['us-west-2', 'eu-west-1'],
        replicationLagMs: 50,
        renditions: false,
        log: () => {},
      });
    });
    after(async () => regional?.close());

    it('captions each image with the region that served it, and takes a region down and back', async () => {
      const page = await browser.newPage();
      await page.goto(regional!.url + '/', { waitUntil: 'networkidle' });
      await page.waitForFunction(
        "[...document.querySelectorAll('main .stats')].some((s) => s.textContent.includes('served by us-west-2'))",
        undefined,
        { timeout: 30_000 },
      );
      const buttons = () => page.$$eval('#regions button', (nodes) => nodes.map((n) => n.textContent ?? ''));
      assert.deepEqual(await buttons(), ['us-west-2 (home): up · take down', 'eu-west-1: up · take down']);
      await page.click('#regions button:first-child');
      await page.waitForFunction("document.querySelector('#regions .down') !== null", undefined, {
        timeout: 30_000,
      });
      assert.equal(regional!.regions[0]!.s3.isUp(), false);
      await page.click('#regions button:first-child');
      await page.waitForFunction("document.querySelector('#regions .down') === null", undefined, {
        timeout: 30_000,
      });
      assert.equal(regional!.regions[0]!.s3.isUp(), true);
      await page.close();
    });
  });
});
