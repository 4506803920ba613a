import assert from 'node:assert/strict';

import { GetObjectCommand, HeadObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { CloudFrontResultResponse } from 'aws-lambda';
import sharp from 'sharp';

import {
  createOriginResponseHandler,
  type OriginResponseHandler,
} from '../../functions/edge/origin-response';
import { originResponseViolations } from '../../functions/edge/response-rules';
import { createS3ImageStore } from '../../functions/storage/image-store';
import type { LocalS3 } from '../../local/s3-server';
import { localEdgeConfig } from '../../local/stack';
import { originResponseEvent } from '../support/edge-event';
import { startEdgeHandler } from '../support/edge-handler';
import * as images from '../support/images';

const config = localEdgeConfig();

function header(response: CloudFrontResultResponse, name: string): string | undefined {
  return response.headers?.[name]?.[0]?.value;
}

/**
 * Every answer is checked against CloudFront's rules for origin-response answers (read-only and
 * disallowed headers, status, 1 MB, body encoding: functions/edge/response-rules.ts); the origin's
 * response is the one every test event carries (S3's error headers).
 */
function assertValidCloudFrontHeaders(response: CloudFrontResultResponse) {
  const origin = originResponseEvent('/x', '404').Records[0]!.cf.response;
  assert.deepEqual(originResponseViolations(origin, response), []);
  for (const [name, values] of Object.entries(response.headers ?? {})) {
    assert.ok(Array.isArray(values) && values.length === 1 && typeof values[0]?.value === 'string', name);
  }
}

describe('origin-response handler (real s3rver, real sharp)', () => {
  let s3: LocalS3;
  let client: S3Client;
  let handler: OriginResponseHandler;
  const logs: Array<Record<string, unknown>> = [];

  before(async () => {
    ({ s3, client, handler } = await startEdgeHandler(config, {
      timeoutMs: 3000,
      log: (entry) => logs.push(entry),
    }));
    const put = (key: string, body: Buffer) =>
      client.send(new PutObjectCommand({ Bucket: config.originalsBucket, Key: key, Body: body }));
    await put('photos/cat.jpg', await images.photoJpeg(1200, 800));
    await put('photos/noise.png', await images.noisePng(1400, 1000));
    await put('photos/corrupt.jpg', await images.truncatedJpeg());
    await put('photos/bomb.png', images.pngClaiming(30000, 30000));
    await put('photos/text.jpg', Buffer.from('not an image'));
  });

  after(async () => {
    client.destroy();
    await s3.close();
  });

  // Issue 12: the new operations and descriptions through the edge, answered and stored.
  it('answers fm=json as application/json about the original, and stores it', async () => {
    const response = await handler(originResponseEvent('/photos/cat.jpg/_.json', '404'));
    assert.equal(response.status, '200');
    assert.equal(header(response, 'content-type'), 'application/json');
    assertValidCloudFrontHeaders(response);
    const body = JSON.parse(
      Buffer.from(response.body ?? '', response.bodyEncoding === 'base64' ? 'base64' : 'utf8').toString(),
    );
    assert.deepEqual([body.width, body.height, body.format], [1200, 800, 'jpeg']);
    const stored = await client.send(
      new HeadObjectCommand({ Bucket: config.derivativesBucket, Key: 'photos/cat.jpg/_.json' }),
    );
    assert.equal(stored.ContentType, 'application/json');
  });

  it('answers fm=thumbhash as a short text placeholder', async () => {
    const response = await handler(originResponseEvent('/photos/cat.jpg/_.thumbhash', '404'));
    assert.equal(response.status, '200');
    assert.match(header(response, 'content-type') ?? '', /^text\/plain/);
    assertValidCloudFrontHeaders(response);
    const text = Buffer.from(
      response.body ?? '',
      response.bodyEncoding === 'base64' ? 'base64' : 'utf8',
    ).toString();
    assert.match(text, /^[A-Za-z0-9+/]{20,60}={0,2}$/);
  });

  it('applies the operations a canonical key spells', async () => {
    const key = 'photos/cat.jpg/_w300_h200_cover_q80_crop-top-left_rot90_pad10_bg-ff0000_sat-100.jpeg';
    const response = await handler(originResponseEvent('/' + key, '404'));
    assert.equal(response.status, '200');
    const meta = await sharp(Buffer.from(response.body ?? '', 'base64')).metadata();
    assert.deepEqual([meta.width, meta.height], [320, 220]);
  });

  it('refuses a rect outside the original with a cached 400 naming rect', async () => {
    const response = await handler(
      originResponseEvent('/photos/cat.jpg/_q80_rect1000-0-300-300.jpeg', '404'),
    );
    assert.equal(response.status, '400');
    assert.equal(header(response, 'x-image-error'), 'invalid_parameter');
    assert.match(header(response, 'cache-control') ?? '', /max-age=/);
    assert.match(
      Buffer.from(response.body ?? '', response.bodyEncoding === 'base64' ? 'base64' : 'utf8').toString(),
      /'rect'/,
    );
  });

  it('resizes on a 404, stores the derivative and returns it inline', async () => {
    const response = await handler(originResponseEvent('/photos/cat.jpg/_w400_q80.webp', '404'));
    assert.equal(response.status, '200');
    assert.equal(response.bodyEncoding, 'base64');
    assert.equal(header(response, 'content-type'), 'image/webp');
    assert.equal(header(response, 'cache-control'), 'public, max-age=31536000');
    assert.match(header(response, 'server-timing') ?? '', /get;dur=\d+, resize;dur=\d+, put;dur=\d+/);
    assertValidCloudFrontHeaders(response);
    const body = Buffer.from(response.body ?? '', 'base64');
    const meta = await sharp(body).metadata();
    assert.deepEqual([meta.format, meta.width, meta.height], ['webp', 400, 267]);

    const stored = await client.send(
      new GetObjectCommand({ Bucket: config.derivativesBucket, Key: 'photos/cat.jpg/_w400_q80.webp' }),
    );
    assert.equal(stored.ContentType, 'image/webp');
    assert.deepEqual(Buffer.from(await stored.Body!.transformToByteArray()), body);
    const log = logs.find((entry) => entry.key === 'photos/cat.jpg/_w400_q80.webp');
    assert.equal(log?.outcome, 'resized');
  });

  it('treats a 403 (no ListBucket) like a 404', async () => {
    const response = await handler(originResponseEvent('/photos/cat.jpg/_w200_q80.jpeg', '403'));
    assert.equal(response.status, '200');
    assert.equal(header(response, 'content-type'), 'image/jpeg');
  });

  it('redirects to itself with no-store when the response would pass 1 MB, and the object is stored', async () => {
    const uri = '/photos/noise.png/_w1400.png';
    const response = await handler(originResponseEvent(uri, '404'));
    assert.equal(response.status, '302');
    assert.equal(header(response, 'location'), uri);
    assert.equal(header(response, 'cache-control'), 'no-store');
    assert.equal(response.body, undefined);
    const head = await client.send(
      new HeadObjectCommand({ Bucket: config.derivativesBucket, Key: 'photos/noise.png/_w1400.png' }),
    );
    assert.ok((head.ContentLength ?? 0) > 750_000, `derivative is ${head.ContentLength} bytes`);
  });

  // Every refusal is a status CloudFront caches with max-age (HTTPStatusCodes.html): never 413 or 422,
  // which it would not cache, so a refused original would be read again on every request.
  const errors: Array<[string, string, string, string]> = [
    ['a missing original', '/photos/missing.jpg/_w100_q80.jpeg', '404', 'not_found'],
    ['a corrupt original', '/photos/corrupt.jpg/_w100_q80.jpeg', '415', 'corrupt_input'],
    ['a non-image original', '/photos/text.jpg/_w100_q80.jpeg', '415', 'unsupported_input'],
    ['a decompression bomb', '/photos/bomb.png/_w100.png', '400', 'too_many_pixels'],
    ['a spec outside the rules', '/photos/cat.jpg/_w9000_q80.jpeg', '400', 'invalid_parameter'],
  ];
  for (const [name, uri, status, code] of errors) {
    it(`answers ${status} (${code}) with a short max-age for ${name}`, async () => {
      const response = await handler(originResponseEvent(uri, '404'));
      assert.equal(response.status, status);
      assert.equal(header(response, 'x-image-error'), code);
      assert.equal(header(response, 'cache-control'), 'public, max-age=60');
      assert.equal(response.bodyEncoding, 'text');
      assertValidCloudFrontHeaders(response);
    });
  }

  // Issue 10, item 2: Transfer-Encoding and Via are read-only in origin-response events ("Restrictions
  // on all edge functions"); an answer that drops them is invalid and the viewer gets a 502.
  it('keeps the read-only Transfer-Encoding and Via on every answer it generates', async () => {
    for (const uri of [
      '/photos/cat.jpg/_w300_q80.webp',
      '/photos/noise.png/_w1400.png',
      '/photos/missing.jpg/_w100_q80.jpeg',
      '/photos/corrupt.jpg/_w100_q80.jpeg',
      '/photos/cat.jpg/_w9000_q80.jpeg',
    ]) {
      const event = originResponseEvent(uri, '404');
      const origin = structuredClone(event.Records[0]!.cf.response);
      const response = await handler(event);
      assert.notEqual(response, event.Records[0]!.cf.response, `${uri}: an answer of its own`);
      assert.deepEqual(originResponseViolations(origin, response), [], uri);
      assert.deepEqual(response.headers?.via, origin.headers.via, uri);
      assert.deepEqual(response.headers?.['transfer-encoding'], origin.headers['transfer-encoding'], uri);
    }
  });

  it('passes other statuses and non-derivative URIs through untouched', async () => {
    for (const [uri, status] of [
      ['/photos/cat.jpg/_w400_q80.webp', '200'],
      ['/photos/cat.jpg/_w400_q80.webp', '500'],
      ['/photos/cat.jpg', '404'],
      ['/photos/cat.jpg/_w0400_q80.webp', '404'],
    ]) {
      const event = originResponseEvent(uri as string, status as string);
      const response = await handler(event);
      assert.equal(response, event.Records[0]?.cf.response, `${uri} ${status}`);
    }
  });

  it('answers 503 with no-store when S3 is unreachable', async () => {
    const dead = s3.client({ endpoint: 'http://127.0.0.1:9', timeoutMs: 1000 });
    const store = createS3ImageStore({
      client: dead,
      originalsBucket: 'originals',
      derivativesBucket: 'derivatives',
    });
    const offline = createOriginResponseHandler({ store, config, log: () => {} });
    const response = await offline(originResponseEvent('/photos/cat.jpg/_w100_q80.jpeg', '404'));
    assert.equal(response.status, '503');
    assert.equal(header(response, 'cache-control'), 'no-store');
    dead.destroy();
  });
});
