import assert from 'node:assert/strict';
import { DEFAULT_RULES } from '../../functions/core/rules';
import { signUrl, signedSrcset } from '../../functions/signing/sign-url';
import { buildViewerFunction } from '../../functions/viewer/build';
import type { ViewerEvent } from '../../functions/viewer/viewer-request';
import { isViewerResponse, loadViewerFunction } from '../../local/viewer-sandbox';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { startLocalStack } from '../../local/stack';
import { noisePng } from '../support/images';

const SECRET = 'test-secret-7f3a';
const viewer = loadViewerFunction(
  buildViewerFunction({
    rules: DEFAULT_RULES,
    originalsOriginId: 'originals',
    errorMaxAge: 30,
    signingSecret: SECRET,
  }),
);

/** The CloudFront Functions event for a URL, query values as sent (percent-encoded). */
function eventFor(url: string): ViewerEvent {
  const parsed = new URL(url, 'https://cdn.example');
  const querystring: ViewerEvent['request']['querystring'] = {};
  for (const pair of parsed.search.slice(1).split('&').filter(Boolean)) {
    const [name = '', value = ''] = pair.split('=');
    const entry = querystring[name];
    if (entry) entry.multiValue = (entry.multiValue ?? [{ value: entry.value }]).concat({ value });
    else querystring[name] = { value };
  }
  return { request: { method: 'GET', uri: parsed.pathname, querystring, headers: {}, cookies: {} } };
}

function status(url: string): number {
  const { result } = viewer(eventFor(url));
  return isViewerResponse(result) ? result.statusCode : 200;
}

function message(url: string): string {
  const { result } = viewer(eventFor(url));
  assert.ok(isViewerResponse(result), url);
  return result.body.data;
}

describe('signed URLs', () => {
  it('accepts a valid signature and rewrites as usual', () => {
    const url = signUrl('/photos/cat.jpg?width=400&format=webp', SECRET);
    assert.match(url, /^\/photos\/cat\.jpg\?width=400&format=webp&s=[0-9a-f]{64}$/);
    const { result } = viewer(eventFor(url));
    assert.ok(!isViewerResponse(result));
    assert.equal(result.uri, '/photos/cat.jpg/_w400_q80.webp');
  });

  it('refuses a tampered parameter', () => {
    const url = signUrl('/photos/cat.jpg?width=400', SECRET).replace('width=400', 'width=401');
    assert.equal(status(url), 403);
    assert.equal(message(url), 'Invalid signature\n');
  });

  it('refuses an added transform parameter but ignores unknown ones', () => {
    const url = signUrl('/photos/cat.jpg?width=400', SECRET);
    assert.equal(status(url + '&quality=10'), 403);
    assert.equal(status(url + '&utm_source=news'), 200);
  });

  it('still accepts reordered and aliased parameters', () => {
    const url = signUrl('/photos/cat.jpg?width=400&format=webp', SECRET);
    const signature = /s=([0-9a-f]+)/.exec(url)?.[1];
    assert.equal(status(`/photos/cat.jpg?s=${signature}&fm=webp&w=400`), 200);
  });

  it('refuses an expired signature and accepts an unexpired one', () => {
    const now = Math.floor(Date.now() / 1000);
    assert.equal(status(signUrl('/a.jpg?width=10', SECRET, { expiresIn: 3600 })), 200);
    const expired = signUrl('/a.jpg?width=10', SECRET, { expiresIn: -10, now });
    assert.equal(status(expired), 403);
    assert.equal(message(expired), 'Signature expired\n');
    // Extending the expiry by hand breaks the signature.
    assert.equal(message(expired.replace(/expires=\d+/, `expires=${now + 3600}`)), 'Invalid signature\n');
  });

  it('refuses a missing signature, also on originals', () => {
    assert.equal(message('/photos/cat.jpg?width=400'), 'Missing signature\n');
    assert.equal(status('/photos/cat.jpg'), 403);
    assert.equal(status(signUrl('/photos/cat.jpg', SECRET)), 200);
  });

  it('refuses a signature made with another secret', () => {
    assert.equal(message(signUrl('/photos/cat.jpg?width=400', 'another-secret')), 'Invalid signature\n');
  });

  it('builds a whole srcset of signed URLs', () => {
    const srcset = signedSrcset('/a.jpg', [320, 640], { format: 'auto' }, SECRET);
    const candidates = srcset.split(', ');
    assert.equal(candidates.length, 2);
    for (const candidate of candidates) {
      const [url = '', descriptor] = candidate.split(' ');
      assert.match(descriptor ?? '', /^\d+w$/);
      assert.equal(status(url), 200, url);
    }
  });

  it('is honoured by the local edge, including its signed, short-lived redirect to a stored derivative', async function () {
    this.timeout(30_000);
    const stack = await startLocalStack({ port: 0, signingSecret: SECRET, renditions: false, log: () => {} });
    try {
      const unsigned = await fetch(`${stack.url}/samples/dawn.jpg?width=200`);
      assert.equal(unsigned.status, 403);
      const signed = await fetch(stack.url + signUrl('/samples/dawn.jpg?width=200', SECRET));
      assert.equal(signed.status, 200);
      const page = await (await fetch(stack.url + '/')).text();
      assert.match(page, /srcset="[^"]*s=[0-9a-f]{64} 320w/);

      // A derivative over 1 MB is redirected; the redirect must carry its own valid, expiring signature.
      await stack.client.send(
        new PutObjectCommand({ Bucket: 'originals', Key: 'noise.png', Body: await noisePng(1400, 1000) }),
      );
      const first = await fetch(stack.url + signUrl('/noise.png?width=1400&format=png', SECRET), {
        redirect: 'manual',
      });
      assert.equal(first.status, 302);
      const location = first.headers.get('location') ?? '';
      const expires = Number(/expires=(\d+)/.exec(location)?.[1]);
      const now = Math.floor(Date.now() / 1000);
      assert.ok(expires > now && expires <= now + 301, location);
      assert.match(location, /^\/noise\.png\/_w1400\.png\?expires=\d+&s=[0-9a-f]{64}$/);
      const second = await fetch(stack.url + location, { redirect: 'manual' });
      assert.equal(second.status, 200);
      assert.equal(second.headers.get('content-type'), 'image/png');
    } finally {
      await stack.close();
    }
  });
});
