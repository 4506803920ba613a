import assert from 'node:assert/strict';

import { HeadObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { CloudFrontResultResponse } from 'aws-lambda';
import sharp from 'sharp';

import { type OriginResponseHandler } from '../../functions/edge/origin-response';
import { DEFAULT_TRANSFORM_SETTINGS } from '../../functions/transform/settings';
import { type LocalS3 } from '../../local/s3-server';
import { localEdgeConfig } from '../../local/stack';
import { originResponseEvent } from '../support/edge-event';
import { startEdgeHandler } from '../support/edge-handler';
import * as images from '../support/images';

/**
 * Hostile originals thrown at the real origin-response handler (real sharp, real s3rver on 127.0.0.1).
 * Each must get its documented answer within a bounded time and a bounded growth of the process's
 * resident memory, and the handler must go on serving a normal request afterwards.
 *
 * Memory is the whole process's RSS (s3rver runs in it too), sampled every few milliseconds while the
 * request runs; the bounds are generous but far below what decoding the hostile input would take.
 */

const config = localEdgeConfig();
const MB = 1024 * 1024;
/** A noise PNG this many pixels square is about 40 MB (3 bytes a pixel barely compressed). */
const LARGE_SIDE = 3_600;

interface Measured {
  readonly response: CloudFrontResultResponse;
  readonly ms: number;
  /** Highest RSS seen during the request, minus RSS just before it. */
  readonly peakGrowthMb: number;
  /** RSS just after the request, minus RSS just before it. */
  readonly afterGrowthMb: number;
}

const figures: Array<Record<string, string | number>> = [];

describe('hostile originals at the origin-response handler (real sharp, real s3rver)', function () {
  this.timeout(120_000);

  let s3: LocalS3;
  let client: S3Client;
  let handler: OriginResponseHandler;
  const logs: Array<Record<string, unknown>> = [];
  let largeBytes = 0;
  const fixtures: Record<string, Buffer> = {};

  async function measure(uri: string): Promise<Measured> {
    const before = process.memoryUsage.rss();
    let peak = before;
    const sampler = setInterval(() => {
      peak = Math.max(peak, process.memoryUsage.rss());
    }, 5);
    const started = performance.now();
    try {
      const response = await handler(originResponseEvent(uri, '404'));
      const ms = performance.now() - started;
      const after = process.memoryUsage.rss();
      peak = Math.max(peak, after);
      return { response, ms, peakGrowthMb: (peak - before) / MB, afterGrowthMb: (after - before) / MB };
    } finally {
      clearInterval(sampler);
    }
  }

  function record(name: string, m: Measured) {
    figures.push({
      case: name,
      status: m.response.status,
      ms: Math.round(m.ms),
      peakRssGrowthMb: Math.round(m.peakGrowthMb),
      rssGrowthAfterMb: Math.round(m.afterGrowthMb),
    });
  }

  function assertBounded(m: Measured, maxMs: number, maxPeakMb: number) {
    assert.ok(m.ms < maxMs, `took ${Math.round(m.ms)} ms, bound ${maxMs} ms`);
    assert.ok(
      m.peakGrowthMb < maxPeakMb,
      `RSS grew by ${Math.round(m.peakGrowthMb)} MB, bound ${maxPeakMb} MB`,
    );
  }

  function assertRefused(m: Measured, status: number, code: string, uri: string) {
    assert.equal(m.response.status, String(status), m.response.body);
    assert.equal(m.response.headers?.['content-type']?.[0]?.value, 'text/plain; charset=utf-8');
    // A status CloudFront caches with max-age (HTTPStatusCodes.html), so the original is read once per TTL.
    assert.equal(m.response.headers?.['cache-control']?.[0]?.value, `public, max-age=${config.errorMaxAge}`);
    assert.equal(m.response.headers?.['x-image-error']?.[0]?.value, code);
    assert.ok((m.response.body ?? '').length > 0 && (m.response.body ?? '').length < 200, m.response.body);
    const key = decodeURIComponent(uri.slice(1));
    const entry = logs.find((e) => e.key === key && e.status === status);
    assert.equal(entry?.outcome, code, JSON.stringify(logs.slice(-3)));
  }

  async function assertNotStored(uri: string) {
    await assert.rejects(
      client.send(new HeadObjectCommand({ Bucket: config.derivativesBucket, Key: uri.slice(1) })),
      (error: Error) => error.name === 'NotFound',
    );
  }

  let normalWidth = 100;
  /** A normal request still works after each hostile one: the handler has not wedged or leaked. */
  async function assertStillServes() {
    normalWidth += 4;
    const m = await measure(`/photos/cat.jpg/_w${normalWidth}_q80.webp`);
    assert.equal(m.response.status, '200');
    const meta = await sharp(Buffer.from(m.response.body ?? '', 'base64')).metadata();
    assert.deepEqual([meta.format, meta.width], ['webp', normalWidth]);
    assert.ok(m.ms < 5_000, `normal request took ${Math.round(m.ms)} ms`);
  }

  before(async () => {
    ({ s3, client, handler } = await startEdgeHandler(config, {
      timeoutMs: 10_000,
      log: (entry) => logs.push(entry),
    }));
    const put = (key: string, body: Buffer) =>
      client.send(new PutObjectCommand({ Bucket: config.originalsBucket, Key: key, Body: body }));

    fixtures.bomb = images.pngBomb(20_000, 20_000);
    fixtures.gif = await images.manyFrameGif(3_000, 32, 32);
    const small = await images.photoJpeg(64, 48);
    fixtures.exifBig = await sharp(small)
      .withExif({ IFD0: { ImageDescription: 'x'.repeat(60_000), Artist: 'y'.repeat(2_000) } })
      .jpeg()
      .toBuffer();
    fixtures.exifLoops = images.jpegWithMetadata(small, images.hostileExif(4_000, 16_000), 120);
    const large = await images.noisePng(LARGE_SIDE, LARGE_SIDE);
    largeBytes = large.length;

    await put('photos/cat.jpg', await images.photoJpeg(1200, 800));
    await put('hostile/bomb.png', fixtures.bomb);
    await put('hostile/claims.png', images.pngClaiming(30_000, 30_000));
    await put('hostile/claims-max.png', images.pngClaiming(0x7fffffff, 0x7fffffff));
    await put('hostile/claims-strip.png', images.pngClaiming(500_000, 40));
    await put('hostile/exif-big.jpg', fixtures.exifBig);
    await put('hostile/exif-loops.jpg', fixtures.exifLoops);
    await put('hostile/frames.gif', fixtures.gif);
    await put('hostile/large.png', large);
    await put('hostile/claims-7000.jpg', await images.jpegClaiming(7_000, 7_000));
    await put('hostile/flipped.jpg', await images.bitFlippedJpeg());
    await put('hostile/hidden.svgz.png', images.gzippedSvg());
    await put('hostile/comment.svg.jpg', images.svgAfterLongComment(5_000));
    await put(
      'hostile/pages.tif',
      images.multiPageTiff([
        { width: 60, height: 40, colour: [220, 30, 30] },
        { width: 100, height: 90, colour: [30, 200, 60] },
        { width: 30, height: 70, colour: [30, 40, 220] },
      ]),
    );
  });

  after(async () => {
    client?.destroy();
    await s3?.close();
    if (figures.length > 0) {
      console.log('      measured (status, wall ms, RSS growth peak/after in MB):');
      for (const f of figures)
        console.log(
          `        ${String(f.case).padEnd(34)} ${f.status}  ${String(f.ms).padStart(5)} ms  ` +
            `peak +${f.peakRssGrowthMb} MB  after +${f.rssGrowthAfterMb} MB`,
        );
    }
  });

  it('the fixtures are what they claim to be', async () => {
    const bomb = fixtures.bomb as Buffer;
    assert.ok(bomb.length < 200_000, `${bomb.length} bytes`);
    const meta = await sharp(bomb, { limitInputPixels: false }).metadata();
    assert.deepEqual([meta.format, meta.width, meta.height], ['png', 20_000, 20_000]);
    // It really inflates to every row of 20000 pixels: a real 400-megapixel image, not just a header.
    assert.equal(images.pngInflatedLength(bomb), 20_000 * (1 + 20_000 / 8));

    const gifMeta = await sharp(fixtures.gif as Buffer).metadata();
    assert.deepEqual([gifMeta.format, gifMeta.pages, gifMeta.width, gifMeta.height], ['gif', 3_000, 32, 32]);

    const exifMeta = await sharp(fixtures.exifBig as Buffer).metadata();
    assert.ok((exifMeta.exif?.length ?? 0) > 60_000, `${exifMeta.exif?.length} bytes of EXIF`);

    const loops = fixtures.exifLoops as Buffer;
    assert.ok(loops.length > 7 * MB, `${loops.length} bytes of mostly metadata`);
    assert.equal((await sharp(loops).metadata()).width, 64);

    assert.ok(largeBytes > 36 * MB && largeBytes < 48 * MB, `large original is ${largeBytes} bytes`);
    assert.ok(
      LARGE_SIDE * LARGE_SIDE < DEFAULT_TRANSFORM_SETTINGS.inputPixelLimit,
      'the 40 MB original is within pixel limits',
    );
  });

  it('a real 20000×20000 PNG bomb (≈50 KB, 400 MP) is refused from its header: 400 too_many_pixels', async () => {
    const uri = '/hostile/bomb.png/_w400_q80.webp';
    const m = await measure(uri);
    record('PNG bomb 20000×20000 (real IDAT)', m);
    assertRefused(m, 400, 'too_many_pixels', uri);
    assert.match(m.response.body ?? '', /20000×20000/);
    // Decoding even one byte per pixel would take 400 MB.
    assertBounded(m, 2_000, 64);
    await assertNotStored(uri);
    await assertStillServes();
  });

  it('a PNG header claiming 30000×30000 is refused: 400 too_many_pixels', async () => {
    const uri = '/hostile/claims.png/_w400_q80.jpeg';
    const m = await measure(uri);
    record('PNG header 30000×30000', m);
    assertRefused(m, 400, 'too_many_pixels', uri);
    assertBounded(m, 2_000, 64);
    await assertNotStored(uri);
    await assertStillServes();
  });

  it('a PNG header claiming 2³¹−1 × 2³¹−1 is refused without overflow: 415 corrupt_input', async () => {
    const uri = '/hostile/claims-max.png/_w400_q80.jpeg';
    const m = await measure(uri);
    record('PNG header 2^31-1 × 2^31-1', m);
    // libspng refuses dimensions this large while reading the header, so it is not even a valid PNG.
    assertRefused(m, 415, 'corrupt_input', uri);
    assertBounded(m, 2_000, 64);
    await assertNotStored(uri);
    await assertStillServes();
  });

  it('a JPEG with a 62 KB EXIF block is resized and its metadata stripped: 200', async () => {
    const m = await measure('/hostile/exif-big.jpg/_w32_q80.jpeg');
    record('JPEG, 62 KB EXIF strings', m);
    assert.equal(m.response.status, '200', m.response.body);
    const meta = await sharp(Buffer.from(m.response.body ?? '', 'base64')).metadata();
    assert.deepEqual([meta.format, meta.width, meta.exif, meta.xmp], ['jpeg', 32, undefined, undefined]);
    assertBounded(m, 5_000, 128);
    await assertStillServes();
  });

  it('a JPEG with 4000 EXIF entries sharing one 16 KB string, cyclic IFDs and 7.8 MB of APPn/COM segments: 200, stripped', async () => {
    const m = await measure('/hostile/exif-loops.jpg/_w32_q80.webp');
    record('JPEG, cyclic EXIF + 7.8 MB APPn', m);
    // The picture is fine, so the right answer is the picture without any of that metadata. A parser that
    // copied the shared string per entry would need 4000 × 16 KB = 64 MB; one that followed the loops
    // would never return.
    assert.equal(m.response.status, '200', m.response.body);
    const meta = await sharp(Buffer.from(m.response.body ?? '', 'base64')).metadata();
    assert.deepEqual(
      [meta.format, meta.width, meta.exif, meta.xmp, meta.icc],
      ['webp', 32, undefined, undefined, undefined],
    );
    assertBounded(m, 5_000, 200);
    await assertStillServes();
  });

  it('a GIF of 3000 frames is refused when the output would be animated: 400 too_many_pixels', async () => {
    for (const uri of ['/hostile/frames.gif/_w16.gif', '/hostile/frames.gif/_w16_q80.webp']) {
      const m = await measure(uri);
      record(`GIF 3000 frames → ${uri.slice(uri.lastIndexOf('.') + 1)} (animated)`, m);
      assertRefused(m, 400, 'too_many_pixels', uri);
      assert.match(m.response.body ?? '', /3000 frames/);
      assertBounded(m, 3_000, 96);
      await assertNotStored(uri);
    }
    await assertStillServes();
  });

  it('the same GIF gives its first frame when the output format is still: 200', async () => {
    const m = await measure('/hostile/frames.gif/_w16_q80.jpeg');
    record('GIF 3000 frames → jpeg (first frame)', m);
    assert.equal(m.response.status, '200', m.response.body);
    const body = Buffer.from(m.response.body ?? '', 'base64');
    const meta = await sharp(body).metadata();
    assert.deepEqual([meta.format, meta.width, meta.height, meta.pages], ['jpeg', 16, 16, undefined]);
    // Frame 0 is black (frame i is rgb(37i, 91i, 13i) mod 256): the first frame, not a later one.
    const colour = await images.regionColour(body, 4, 4, 8, 8);
    assert.ok(colour.r < 16 && colour.g < 16 && colour.b < 16, JSON.stringify(colour));
    assertBounded(m, 3_000, 96);
    await assertStillServes();
  });

  it('a 40 MB original within the pixel limits is resized within bounded time and memory: 200', async () => {
    const uri = '/hostile/large.png/_w640_q80.webp';
    const m = await measure(uri);
    record(`40 MB noise PNG (${(largeBytes / MB).toFixed(1)} MiB, ${LARGE_SIDE}²)`, m);
    // Product decision: byte size alone is no reason to refuse. Decoding cost follows pixels, which the
    // 50 MP input limit bounds; a 40 MB original within it is a legitimate (if heavy) photo.
    assert.ok(m.response.status === '200' || m.response.status === '302', m.response.body);
    const stored = await client.send(
      new HeadObjectCommand({ Bucket: config.derivativesBucket, Key: uri.slice(1) }),
    );
    assert.equal(stored.ContentType, 'image/webp');
    if (m.response.status === '200') {
      const meta = await sharp(Buffer.from(m.response.body ?? '', 'base64')).metadata();
      assert.deepEqual([meta.format, meta.width, meta.height], ['webp', 640, 640]);
    }
    // Well inside the handler's 25 s deadline; memory a small multiple of the 40 MB input and the
    // 38 MB decoded image, not of anything unbounded.
    assertBounded(m, 20_000, 512);
    await assertStillServes();
  });

  it('an AVIF of 3600×3600 (over the AVIF budget, which libvips cannot interrupt) is made as WebP', async () => {
    const uri = '/hostile/large.png/_q100.avif';
    const m = await measure(uri);
    record('3600² AVIF q100 over budget → WebP', m);
    // The decision, not the time: WebP under the AVIF key, labelled as what it is.
    assert.ok(m.response.status === '200' || m.response.status === '302', m.response.body);
    const stored = await client.send(
      new HeadObjectCommand({ Bucket: config.derivativesBucket, Key: uri.slice(1) }),
    );
    assert.equal(stored.ContentType, 'image/webp');
    const logged = logs.find((e) => e.key === uri.slice(1) && e.outcome !== undefined);
    assert.ok(logged && logged.status === undefined, JSON.stringify(logged));
    await assertStillServes();
  });

  it('corrupt JPEGs and hidden SVGs are refused with their codes (4xx), a multi-page TIFF gives page 1', async () => {
    for (const [uri, code] of [
      ['/hostile/claims-7000.jpg/_w400_q80.webp', 'corrupt_input'],
      ['/hostile/flipped.jpg/_q80.jpeg', 'corrupt_input'],
      ['/hostile/hidden.svgz.png/_w8.png', 'unsupported_input'],
      ['/hostile/comment.svg.jpg/_w8.png', 'unsupported_input'],
    ] as const) {
      const m = await measure(uri);
      record(uri.split('/')[2] as string, m);
      // The code, and a cacheable client-error class; the exact status is the error mapper's.
      assert.match(m.response.status, /^4\d\d$/, m.response.body);
      const entry = logs.find((e) => e.key === uri.slice(1) && e.status === Number(m.response.status));
      assert.equal(entry?.outcome, code, uri);
      await assertNotStored(uri);
    }
    for (const [name, format] of [
      ['_w30_q80.webp', 'webp'],
      ['_w30.gif', 'gif'],
    ] as const) {
      const m = await measure(`/hostile/pages.tif/${name}`);
      assert.equal(m.response.status, '200', m.response.body);
      const meta = await sharp(Buffer.from(m.response.body ?? '', 'base64'), { animated: true }).metadata();
      assert.deepEqual([meta.format, meta.pages ?? 1, meta.width, meta.height], [format, 1, 30, 20]);
    }
    await assertStillServes();
  });

  // Last, because libvips keeps the memory it took for this one (RSS stays up afterwards).
  it('a 500000×40 PNG header within the pixel limit but without pixel data is corrupt: 415 corrupt_input', async () => {
    const uri = '/hostile/claims-strip.png/_w400_q80.jpeg';
    const m = await measure(uri);
    record('PNG header 500000×40, no data', m);
    // Truncation only shows while decoding, so this costs a decode. With the whole height collapsing into
    // one output row, libvips holds every row at once: ~15 bytes per input pixel (300 MB for 20 MP),
    // bounded by the 50 MP input limit (~750 MB) but far more per pixel than a normal aspect ratio.
    assertRefused(m, 415, 'corrupt_input', uri);
    assertBounded(m, 10_000, (20e6 * 24) / MB);
    await assertNotStored(uri);
    await assertStillServes();
  });
});
