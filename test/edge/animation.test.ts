import assert from 'node:assert/strict';

import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import sharp from 'sharp';

import { derivativeKey, keyToUri } from '../../functions/core/key';
import { negotiateFormat } from '../../functions/core/negotiate';
import { parseQuery, parseQueryString } from '../../functions/core/params';
import { DEFAULT_RULES } from '../../functions/core/rules';
import { type OriginResponseHandler } from '../../functions/edge/origin-response';
import { transform } from '../../functions/transform/transform';
import { type LocalS3 } from '../../local/s3-server';
import { localEdgeConfig } from '../../local/stack';
import { originResponseEvent } from '../support/edge-event';
import { startEdgeHandler } from '../support/edge-handler';
import * as images from '../support/images';

/**
 * Issue 11, item 4: an animated original keeps its frames under `format=auto`. The viewer cannot see the
 * frames, so negotiation never picks AVIF for a container that may animate (GIF, WebP); the edge then
 * makes an animated WebP under the negotiated key. Through the viewer's own query parsing, the real
 * origin-response handler, real sharp and a real S3-compatible server (s3rver).
 */

const CHROME = 'image/avif,image/webp,image/apng,image/svg+xml,image/*,*/*;q=0.8';
const FIREFOX = 'image/avif,image/webp,*/*';
const SAFARI = 'image/webp,image/avif,image/jxl,image/heic,image/heic-sequence,video/*;q=0.8,*/*;q=0.5';
const config = localEdgeConfig();

describe('animated originals under format=auto (issue 11, item 4)', function () {
  this.timeout(60_000);
  let s3: LocalS3;
  let client: S3Client;
  let handler: OriginResponseHandler;
  const originals: Record<string, Buffer> = {};

  before(async () => {
    ({ s3, client, handler } = await startEdgeHandler(config, { timeoutMs: 10_000, log: () => {} }));
    originals['anim/anim.webp'] = await images.animatedWebp(5, 64, 48);
    originals['anim/anim.gif'] = await images.animatedGif(4, 64, 48);
    for (const [key, body] of Object.entries(originals))
      await client.send(new PutObjectCommand({ Bucket: config.originalsBucket, Key: key, Body: body }));
  });

  after(async () => {
    client?.destroy();
    await s3?.close();
  });

  it('the fixtures are animated', async () => {
    assert.equal((await sharp(originals['anim/anim.webp']).metadata()).pages, 5);
    assert.equal((await sharp(originals['anim/anim.gif']).metadata()).pages, 4);
  });

  it('negotiation never picks AVIF for a GIF or WebP original, whatever the browser', () => {
    for (const accept of [CHROME, FIREFOX, SAFARI]) {
      assert.equal(negotiateFormat(accept, 'a.webp', true), 'webp', accept);
      assert.equal(negotiateFormat(accept, 'a.gif', true), 'webp', accept);
      assert.equal(negotiateFormat(accept, 'a.jpg', true), 'avif', accept);
    }
  });

  for (const [key, frames] of [
    ['anim/anim.webp', 5],
    ['anim/anim.gif', 4],
  ] as const) {
    for (const [browser, accept] of [
      ['Chrome', CHROME],
      ['Safari', SAFARI],
    ]) {
      it(`/${key}?width=32&format=auto with ${browser}'s Accept: a ${frames}-frame WebP from the edge`, async () => {
        const spec = parseQuery(parseQueryString('width=32&format=auto'), key, accept, DEFAULT_RULES);
        assert.ok(spec);
        assert.equal(spec.format, 'webp');
        const uri = keyToUri(derivativeKey(key, spec));
        const response = await handler(originResponseEvent(uri, '404'));
        assert.equal(response.status, '200', response.body);
        assert.equal(response.headers?.['content-type']?.[0]?.value, 'image/webp');
        const meta = await sharp(Buffer.from(response.body ?? '', 'base64'), { animated: true }).metadata();
        assert.deepEqual([meta.format, meta.pages, meta.width, meta.pageHeight], ['webp', frames, 32, 24]);
      });
    }
  }

  it('the transform keeps an animated WebP animated as WebP and GIF, and takes frame 1 for AVIF', async () => {
    const input = originals['anim/anim.webp'] as Buffer;
    for (const format of ['webp', 'gif'] as const) {
      const out = await transform(input, { width: 32, format }, config.transform);
      assert.equal((await sharp(out.data).metadata()).pages, 5, format);
    }
    const still = await transform(input, { width: 32, format: 'avif', quality: 50 }, config.transform);
    assert.equal((await sharp(still.data).metadata()).pages ?? 1, 1);
  });
});
