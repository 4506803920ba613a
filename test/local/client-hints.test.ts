import assert from 'node:assert/strict';

import { ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import sharp from 'sharp';

import type { ViewerEvent } from '../../functions/viewer/viewer-request';
import { CLIENT_HINT_RESPONSE_HEADERS } from '../../infra/cloudfront';
import { type LocalEdge, startLocalEdge } from '../../local/edge-server';
import { type LocalStack, startLocalStack } from '../../local/stack';
import * as images from '../support/images';
import { rawStatus } from '../support/raw-request';

const WEBP = 'image/avif;q=0,image/webp,*/*;q=0.8';

/** An answer read whole: status, headers, body, and the image's format and width. */
async function read(response: Response) {
  const body = Buffer.from(await response.arrayBuffer());
  const meta = response.status === 200 ? await sharp(body).metadata() : undefined;
  return {
    status: response.status,
    headers: response.headers,
    body,
    format: meta?.format,
    width: meta?.width,
  };
}

/** The derivative keys stored for `original` (the origin-response handler writes one per miss). */
async function derivativeKeys(stack: LocalStack, original: string): Promise<string[]> {
  const listed = await stack.client.send(
    new ListObjectsV2Command({ Bucket: 'derivatives', Prefix: `${original}/` }),
  );
  return (listed.Contents ?? []).map((object) => object.Key!).sort();
}

/** A fresh original per test, so the keys a request stored are told apart from every other test's. */
let uploads = 0;
async function upload(stack: LocalStack): Promise<string> {
  const key = `hints/photo-${++uploads}.jpg`;
  await stack.client.send(
    new PutObjectCommand({ Bucket: 'originals', Key: key, Body: await images.photoJpeg(1600, 1200) }),
  );
  return key;
}

describe('local edge: client hints, Save-Data, Accept-CH and Vary (end to end)', function () {
  this.timeout(120_000);
  /** allowedWidths [320, 640, 1280]. */
  let listed: LocalStack;
  /** The default rules: no allow-list, hinted widths round up to 100. */
  let open: LocalStack;

  before(async () => {
    [listed, open] = await Promise.all([
      startLocalStack({
        port: 0,
        renditions: false,
        config: { allowedWidths: '[320,640,1280]' },
        log: () => {},
      }),
      startLocalStack({ port: 0, renditions: false, log: () => {} }),
    ]);
  });
  after(async () => {
    await Promise.all([listed?.close(), open?.close()]);
  });

  const get = (stack: LocalStack, path: string, headers: Record<string, string>) =>
    fetch(stack.url + path, { headers, redirect: 'manual' }).then(read);

  it('Sec-CH-Width 500 with format=auto: a WebP 640 wide, stored under a w640 key', async () => {
    const key = await upload(listed);
    const answer = await get(listed, `/${key}?format=auto`, { accept: WEBP, 'sec-ch-width': '500' });
    assert.equal(answer.status, 200);
    assert.deepEqual([answer.format, answer.width], ['webp', 640]);
    assert.deepEqual(await derivativeKeys(listed, key), [`${key}/_w640_q80.webp`]);
  });

  it('Sec-CH-Width 1000 is capped by Sec-CH-Viewport-Width 300 × Sec-CH-DPR 2 = 600, then 640', async () => {
    const key = await upload(listed);
    const answer = await get(listed, `/${key}?format=auto`, {
      accept: WEBP,
      'Sec-CH-Width': '1000',
      'Sec-CH-Viewport-Width': '300',
      'Sec-CH-DPR': '2',
    });
    assert.deepEqual([answer.status, answer.width], [200, 640]);
    assert.deepEqual(await derivativeKeys(listed, key), [`${key}/_w640_q80.webp`]);
    // Without the viewport cap the same hints ask for 1000, rounded up to 1280: the cap did the work.
    const uncapped = await get(listed, `/${key}?format=auto`, {
      accept: WEBP,
      'Sec-CH-Width': '1000',
      'Sec-CH-DPR': '2',
    });
    assert.equal(uncapped.width, 1280);
  });

  it('the legacy DPR 2 with ?w=200 gives 400 pixels, rounded up to the allow-list when there is one', async () => {
    const key = await upload(open);
    const plain = await get(open, `/${key}?w=200&format=jpeg`, { DPR: '2' });
    assert.deepEqual([plain.status, plain.width], [200, 400]);
    assert.deepEqual(await derivativeKeys(open, key), [`${key}/_w400_q80.jpeg`]);

    const listedKey = await upload(listed);
    const rounded = await get(listed, `/${listedKey}?w=200&format=jpeg`, { DPR: '2' });
    assert.deepEqual([rounded.status, rounded.width], [200, 640]);
    assert.deepEqual(await derivativeKeys(listed, listedKey), [`${listedKey}/_w640_q80.jpeg`]);
  });

  for (const [format, type] of [
    ['jpeg', 'image/jpeg'],
    ['webp', 'image/webp'],
  ] as const)
    it(`Save-Data: on lowers the ${format} quality (q60 instead of q80) and the bytes`, async () => {
      const key = await upload(open);
      const full = await get(open, `/${key}?w=800&format=${format}`, {});
      const saving = await get(open, `/${key}?w=800&format=${format}`, { 'Save-Data': 'on' });
      assert.equal(full.headers.get('content-type'), type);
      assert.equal(saving.headers.get('content-type'), type);
      assert.deepEqual(await derivativeKeys(open, key), [
        `${key}/_w800_q60.${format}`,
        `${key}/_w800_q80.${format}`,
      ]);
      assert.ok(
        saving.body.length < full.body.length,
        `${saving.body.length} bytes with Save-Data, ${full.body.length} without`,
      );
    });

  it('answers every image, a miss and then a hit, with Accept-CH and the Vary the hints require', async () => {
    const key = await upload(listed);
    for (const expected of ['Miss', 'Hit']) {
      const answer = await get(listed, `/${key}?format=auto`, { accept: WEBP, 'sec-ch-width': '300' });
      assert.match(answer.headers.get('x-cache') ?? '', new RegExp(`^${expected}`));
      assert.equal(answer.headers.get('accept-ch'), 'Sec-CH-DPR, Sec-CH-Width, Sec-CH-Viewport-Width');
      assert.equal(
        answer.headers.get('vary'),
        'Accept, Sec-CH-DPR, Sec-CH-Width, Sec-CH-Viewport-Width, Save-Data',
      );
    }
    // Originals served unchanged come through the same behaviour, and so carry the same headers.
    const original = await get(listed, `/${key}`, {});
    assert.equal(original.headers.get('vary'), CLIENT_HINT_RESPONSE_HEADERS.Vary);
    assert.equal(original.headers.get('accept-ch'), CLIENT_HINT_RESPONSE_HEADERS['Accept-CH']);
  });
});

describe('local edge: request headers reach the viewer function as CloudFront passes them', function () {
  this.timeout(30_000);
  let edge: LocalEdge;
  let seen: ViewerEvent[] = [];

  before(async () => {
    edge = await startLocalEdge({
      viewer: (event) => {
        seen.push(structuredClone(event));
        return {
          result: {
            statusCode: 204,
            statusDescription: 'No Content',
            headers: {},
            body: { encoding: 'text', data: '' },
          },
        };
      },
      originResponse: () => Promise.reject(new Error('not reached')),
      s3: new S3Client({ region: 'us-east-1' }),
      origins: { default: 'derivatives' },
    });
  });
  after(async () => {
    await edge.close();
  });
  beforeEach(() => {
    seen = [];
  });

  it('lower-case names, each { value } exactly as sent: Accept, the client hints, their legacy names, Save-Data', async () => {
    await rawStatus(edge.url, '/a.jpg?format=auto', [
      'Accept: image/avif,image/webp,*/*;q=0.8',
      'Sec-CH-DPR: 2.625',
      'DPR: 2',
      'Sec-CH-Width: 1000',
      'Width: 900',
      'Sec-CH-Viewport-Width: 412',
      'Viewport-Width: 400',
      'Save-Data: on',
    ]);
    const headers = seen[0]!.request.headers;
    assert.deepEqual(
      Object.fromEntries(
        [
          'accept',
          'sec-ch-dpr',
          'dpr',
          'sec-ch-width',
          'width',
          'sec-ch-viewport-width',
          'viewport-width',
          'save-data',
        ].map((name) => [name, headers[name]]),
      ),
      {
        accept: { value: 'image/avif,image/webp,*/*;q=0.8' },
        'sec-ch-dpr': { value: '2.625' },
        dpr: { value: '2' },
        'sec-ch-width': { value: '1000' },
        width: { value: '900' },
        'sec-ch-viewport-width': { value: '412' },
        'viewport-width': { value: '400' },
        'save-data': { value: 'on' },
      },
    );
    for (const name of Object.keys(headers)) assert.equal(name, name.toLowerCase());
  });

  it('a repeated header: its first value in value, every value in multiValue', async () => {
    await rawStatus(edge.url, '/a.jpg?format=auto', ['Accept: image/webp', 'Accept: image/avif']);
    assert.deepEqual(seen[0]!.request.headers.accept, {
      value: 'image/webp',
      multiValue: [{ value: 'image/webp' }, { value: 'image/avif' }],
    });
  });
});
