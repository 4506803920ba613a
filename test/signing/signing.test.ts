import assert from 'node:assert/strict';

import { PutObjectCommand } from '@aws-sdk/client-s3';
import fc from 'fast-check';

import { keyToUri, uriToKey } from '../../functions/core/key';
import { canonicalParameterName } from '../../functions/core/params';
import { DEFAULT_RULES } from '../../functions/core/rules';
import { constantTimeEqual, signaturePayload } from '../../functions/core/signing';
import { signatureFor, signUrl } from '../../functions/signing/sign-url';
import { buildViewerFunction } from '../../functions/viewer/build';
import { startLocalStack } from '../../local/stack';
import { isViewerResponse, loadViewerFunction } from '../../local/viewer-sandbox';
import { noisePng } from '../support/images';
import { viewerEventFor } from '../support/viewer-event';

const SECRET = 'test-secret-7f3a';
const viewer = loadViewerFunction(
  buildViewerFunction({
    rules: DEFAULT_RULES,
    originalsOriginId: 'originals',
    errorMaxAge: 30,
    signingSecret: SECRET,
  }),
);

function status(url: string): number {
  const { result } = viewer(viewerEventFor(url));
  return isViewerResponse(result) ? result.statusCode : 200;
}

function message(url: string): string {
  const { result } = viewer(viewerEventFor(url));
  assert.ok(isViewerResponse(result), url);
  return result.body.data;
}

describe('signed URLs', () => {
  it('accepts a valid signature and rewrites as usual', () => {
    const url = signUrl('/photos/cat.jpg?width=400&format=webp', SECRET);
    assert.match(url, /^\/photos\/cat\.jpg\?width=400&format=webp&s=[0-9a-f]{64}$/);
    const { result } = viewer(viewerEventFor(url));
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

  describe('one rule for the payload and the check (issue 11, item 1)', () => {
    const now = Math.floor(Date.now() / 1000);
    const expired = signUrl('/a.jpg?width=10', SECRET, { expiresIn: -100, now });

    // Every spelling the viewer reads as `expires`: any case, and percent-encoded (CloudFront passes names encoded).
    for (const spelling of [
      'Expires',
      'EXPIRES',
      'eXpires',
      '%65xpires',
      '%45XPIRES',
      'expire%73',
      '%65%78%70%69%72%65%73',
    ]) {
      it(`refuses a past expiry spelled ${spelling}`, () => {
        const url = expired.replace('expires=', `${spelling}=`);
        assert.notEqual(url, expired);
        assert.equal(status(url), 403, url);
        assert.equal(message(url), 'Signature expired\n', url);
      });
    }

    it('refuses two expiries, even under a valid signature over both', () => {
      const query = `width=10&expires=${now - 100}&Expires=${now + 3600}`;
      const url = `/a.jpg?${query}&s=${signatureFor('a.jpg', query, SECRET)}`;
      assert.equal(message(url), 'Invalid expiry\n');
    });

    it('refuses an encoded `&` or `=` posing as more parameters, at the signature check', () => {
      const signature = /s=([0-9a-f]+)/.exec(signUrl('/photos/cat.jpg?width=310&format=webp', SECRET))?.[1];
      const url = `/photos/cat.jpg?format=webp%26width%3D310&s=${signature}`;
      assert.equal(status(url), 403);
      assert.equal(message(url), 'Invalid signature\n');
      // The same signature is still good for the URL it was made for.
      assert.equal(status(`/photos/cat.jpg?width=310&format=webp&s=${signature}`), 200);
    });

    it('refuses a repeated or re-spelled transform parameter the signature did not cover', () => {
      const url = signUrl('/photos/cat.jpg?width=400', SECRET);
      assert.equal(message(url + '&w=400'), 'Invalid signature\n');
      assert.equal(message(url + '&WIDTH=400'), 'Invalid signature\n');
      assert.equal(message(url + '&%77=500'), 'Invalid signature\n');
    });

    it('still accepts any case and alias of a signed name', () => {
      const url = signUrl('/photos/cat.jpg?width=400&format=webp', SECRET);
      const signature = /s=([0-9a-f]+)/.exec(url)?.[1];
      assert.equal(status(`/photos/cat.jpg?FM=webp&W=400&s=${signature}`), 200);
      assert.equal(status(`/photos/cat.jpg?%66ormat=webp&Width=400&s=${signature}`), 200);
    });

    it('signs with one `expires` and one `s`, whatever spellings the input carried', () => {
      const url = signUrl('/a.jpg?width=10&EXPIRES=1&S=abc&%65xpires=2', SECRET, { expiresIn: 3600 });
      assert.match(url, /^\/a\.jpg\?width=10&expires=\d+&s=[0-9a-f]{64}$/);
      assert.equal(status(url), 200);
    });

    it('gives every distinct key and parameter list its own payload (it decodes back to them)', () => {
      const text = fc.string({
        unit: fc.constantFrom('a', '?', '=', '&', '%', '2', '6', '/', ' ', '+', 'é'),
        maxLength: 6,
      });
      const name = fc.constantFrom('width', 'w', 'W', 'format', 'expires', 'EXPIRES', 's', 'utm');
      fc.assert(
        fc.property(
          fc.array(
            text.filter((t) => t !== ''),
            { minLength: 1, maxLength: 3 },
          ),
          fc.array(fc.tuple(name, text), { maxLength: 5 }),
          (segments, entries) => {
            const key = segments.join('/');
            const query: Record<string, string[]> = Object.create(null);
            for (const [n, v] of entries) (query[n] ??= []).push(v);
            const payload = signaturePayload(key, query);
            // Decode the payload: the key up to the first `?`, then `&`-separated, encoded pairs.
            const question = payload.indexOf('?');
            assert.equal(uriToKey(payload.slice(0, question)), key);
            const rest = payload.slice(question + 1);
            const decoded =
              rest === '' ? [] : rest.split('&').map((pair) => pair.split('=').map(decodeURIComponent));
            const expected = entries
              .filter(
                ([n]) =>
                  n.toLowerCase() !== 's' && (n.toLowerCase() === 'expires' || canonicalParameterName(n)),
              )
              .map(([n, v]) => [n.toLowerCase() === 'expires' ? 'expires' : canonicalParameterName(n), v]);
            const order = (pairs: unknown[][]) => pairs.map((p) => JSON.stringify(p)).sort();
            assert.ok(decoded.every((pair) => pair.length === 2));
            assert.deepEqual(order(decoded), order(expected));
            assert.equal(payload.slice(0, question), keyToUri(key));
          },
        ),
        { seed: 1111, numRuns: 3000 },
      );
    });

    it('compares signatures with a constant-time equality', () => {
      assert.equal(constantTimeEqual('ab12', 'ab12'), true);
      assert.equal(constantTimeEqual('ab12', 'ab13'), false);
      assert.equal(constantTimeEqual('ab12', 'ab1'), false);
      assert.equal(constantTimeEqual('', ''), true);
    });
  });

  it('refuses a missing signature, also on originals', () => {
    assert.equal(message('/photos/cat.jpg?width=400'), 'Missing signature\n');
    assert.equal(status('/photos/cat.jpg'), 403);
    assert.equal(status(signUrl('/photos/cat.jpg', SECRET)), 200);
  });

  it('refuses a signature made with another secret', () => {
    assert.equal(message(signUrl('/photos/cat.jpg?width=400', 'another-secret')), 'Invalid signature\n');
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
