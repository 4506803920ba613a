import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import sharp from 'sharp';
import { startLocalStack, type LocalStack } from '../../local/stack';

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
      if (!/[?&]format=auto/.test(response.url())) return;
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
    // At 1200 px wide, `sizes` gives 45vw = 540 CSS px at DPR 1, so the browser picks the 640w candidate.
    for (const image of received) {
      assert.match(image.type, /^image\/(avif|webp)$/, image.url);
      assert.match(image.url, /[?&]width=640&/, image.url);
      assert.ok(image.width !== undefined && image.width <= 640, `${image.url} is ${image.width}px`);
    }
    await page.close();
  });
});
