import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';

import sharp from 'sharp';

import { createLimiter } from '../../functions/batch/limit';
import { renderRenditions } from '../../functions/batch/pipeline';
import { isImageError } from '../../functions/core/errors';
import type { ResizeSpec } from '../../functions/core/spec';
import { admitRendition } from '../../functions/transform/admission';
import {
  DEFAULT_MAX_AVIF_PIXELS,
  DEFAULT_TRANSFORM_SETTINGS,
  type TransformSettings,
} from '../../functions/transform/settings';
import { transform, withinTimeout } from '../../functions/transform/transform';
import * as images from '../support/images';
import { refusal } from '../support/refusal';

/**
 * Issue 11, items 3, 5, 6 and 7 at the transform and the batch pipeline: which originals are admitted,
 * how their pages are read, how damaged data is refused, and the budgets of the encoders libvips cannot
 * interrupt. Errors are asserted by code and 4xx class; the HTTP mapping is the error mapper's.
 */

const settings: TransformSettings = DEFAULT_TRANSFORM_SETTINGS;
const limit = createLimiter(1);

/** The batch pipeline's answer for one spec: the result, or the error code of a refused original. */
async function batch(input: Buffer, spec: ResizeSpec, options: TransformSettings = settings) {
  try {
    const { rendered } = await renderRenditions(input, [spec], options, limit);
    const [first] = rendered;
    assert.ok(first);
    if ('error' in first) return { code: first.error.code };
    return { result: first.result };
  } catch (error) {
    assert.ok(isImageError(error), String(error));
    assert.ok(error.status < 500, error.message);
    return { code: error.code };
  }
}

const MALFORMED_SVG =
  '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" fill="red"></svg>';

describe('original admission by magic bytes (issue 11, item 6)', () => {
  // A malformed SVG tells whether librsvg parsed it: a parse failure would be "corrupt", a refusal before
  // any parser is "unsupported".
  const hidden: Array<[string, Buffer]> = [
    ['a gzip-compressed SVG', images.gzippedSvg()],
    ['a gzip-compressed malformed SVG', gzipSync(Buffer.from(MALFORMED_SVG))],
    ['an SVG after 5 KB of comment', images.svgAfterLongComment(5_000)],
    ['a malformed SVG after 5 KB of comment', Buffer.from(`<!--${'x'.repeat(5_000)}-->${MALFORMED_SVG}`)],
    ['a malformed SVG after 70 KB of comment', Buffer.from(`<!--${'x'.repeat(70_000)}-->${MALFORMED_SVG}`)],
  ];
  for (const [name, input] of hidden) {
    it(`${name} is unsupported before any SVG parser sees it (edge and batch)`, async () => {
      assert.equal(await refusal(transform(input, { format: 'png' }, settings)), 'unsupported_input');
      assert.equal((await batch(input, { width: 8, format: 'png' })).code, 'unsupported_input');
    });
  }

  it('a gzip-compressed SVG is refused even with allowSvg (only plain-text SVG is admitted)', async () => {
    const allow = { ...settings, allowSvg: true };
    assert.equal(
      await refusal(transform(images.gzippedSvg(), { format: 'png' }, allow)),
      'unsupported_input',
    );
    const plain = await transform(images.svgAfterLongComment(5_000), { format: 'png' }, allow);
    assert.deepEqual([plain.width, plain.height], [10, 10]);
  });

  const others: Array<[string, Buffer]> = [
    ['PDF', Buffer.from('%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n')],
    ['PPM', Buffer.concat([Buffer.from('P6\n2 2\n255\n'), Buffer.alloc(12, 200)])],
    ['JPEG XL', Buffer.from([0xff, 0x0a, 0xfa, 0x7f, 0x01, 0x90, 0x08, 0, 0, 0, 0, 0])],
    ['HEIC (HEVC, not AVIF)', Buffer.concat([Buffer.from('\0\0\0\x18ftypheic\0\0\0\0mif1heic', 'latin1')])],
    ['a VIPS native file', Buffer.concat([Buffer.from([0x08, 0xf2, 0xa6, 0xb6]), Buffer.alloc(60)])],
    ['FITS', Buffer.from('SIMPLE  =                    T'.padEnd(2880, ' '))],
    ['Radiance HDR', Buffer.from('#?RADIANCE\nFORMAT=32-bit_rle_rgbe\n\n-Y 2 +X 2\n')],
    ['plain text', Buffer.from('hello\n')],
  ];
  for (const [name, input] of others) {
    it(`${name} is unsupported`, async () => {
      assert.equal(await refusal(transform(input, { format: 'png' }, settings)), 'unsupported_input');
    });
  }

  it('every admitted raster format still decodes: JPEG, PNG, GIF, WebP, TIFF, AVIF', async () => {
    const avif = await sharp(await images.photoJpeg(64, 48))
      .avif()
      .toBuffer();
    for (const input of [
      await images.photoJpeg(64, 48),
      await images.alphaPng(),
      await images.animatedGif(2),
      await images.webp(),
      await images.tiff(),
      avif,
    ]) {
      const out = await transform(input, { width: 16, format: 'png' }, settings);
      assert.equal(out.width, 16);
    }
  });
});

describe('multi-page TIFF: the first page, never an animation (issue 11, item 5)', () => {
  const red = [220, 30, 30] as const;
  const green = [30, 200, 60] as const;
  const blue = [30, 40, 220] as const;
  const mixed = images.multiPageTiff([
    { width: 60, height: 40, colour: red },
    { width: 100, height: 90, colour: green },
    { width: 30, height: 70, colour: blue },
  ]);
  const same = images.multiPageTiff([
    { width: 64, height: 48, colour: red },
    { width: 64, height: 48, colour: green },
    { width: 64, height: 48, colour: blue },
  ]);

  it('the fixtures have three pages', async () => {
    for (const tiff of [mixed, same]) assert.equal((await sharp(tiff).metadata()).pages, 3);
  });

  for (const [name, tiff] of [
    ['pages of different sizes', mixed],
    ['pages of one size', same],
  ] as const) {
    for (const format of ['webp', 'gif', 'png', 'jpeg', 'avif'] as const) {
      for (const width of [undefined, 7, 30, 47]) {
        const spec: ResizeSpec = { format, ...(width ? { width } : {}) };
        it(`${name} → ${format}${width ? ` ${width}w` : ''}: one red frame (edge and batch)`, async () => {
          for (const out of [
            await transform(tiff, spec, settings),
            (await batch(tiff, spec)).result as NonNullable<Awaited<ReturnType<typeof batch>>['result']>,
          ]) {
            assert.ok(out, 'the batch refused the TIFF');
            const meta = await sharp(out.data, { animated: true }).metadata();
            assert.equal(meta.pages ?? 1, 1, 'a single picture, not an animation');
            const expectedWidth = width ?? (tiff === mixed ? 60 : 64);
            assert.equal(out.width, expectedWidth);
            const colour = await images.regionColour(out.data, 0, 0, out.width, out.height);
            assert.ok(colour.r > 150 && colour.g < 90 && colour.b < 90, JSON.stringify(colour));
          }
        });
      }
    }
  }
});

describe('EXIF orientation with several frames or pages (siblings of item 5)', () => {
  it('a 3-page TIFF tagged orientation 6 gives its first page, upright, for every output (edge and batch)', async () => {
    const pages = images.multiPageTiff([
      { width: 60, height: 40, colour: [220, 30, 30] },
      { width: 60, height: 40, colour: [30, 200, 60] },
      { width: 60, height: 40, colour: [30, 40, 220] },
    ]);
    const tagged = await sharp(pages, { pages: -1 }).withMetadata({ orientation: 6 }).tiff().toBuffer();
    assert.deepEqual(
      [(await sharp(tagged).metadata()).orientation, (await sharp(tagged).metadata()).pages],
      [6, 3],
    );
    for (const format of ['webp', 'gif', 'jpeg'] as const) {
      for (const out of [
        await transform(tagged, { format }, settings),
        (await batch(tagged, { format })).result,
      ]) {
        assert.ok(out, format);
        assert.deepEqual([out.width, out.height], [40, 60], format);
        assert.equal((await sharp(out.data, { animated: true }).metadata()).pages ?? 1, 1);
      }
    }
  });

  it('an animated WebP with an EXIF orientation tag stays animated (its frames as stored), not corrupt', async () => {
    const tagged = await sharp(await images.animatedWebp(4, 64, 48), { animated: true })
      .withMetadata({ orientation: 6 })
      .webp()
      .toBuffer();
    for (const format of ['webp', 'gif'] as const) {
      const out = await transform(tagged, { width: 32, format }, settings);
      const meta = await sharp(out.data, { animated: true }).metadata();
      assert.deepEqual([meta.pages, out.width, out.height], [4, 32, 24], format);
    }
    // A single picture from it is upright.
    const still = await transform(tagged, { format: 'png' }, settings);
    assert.deepEqual([still.width, still.height], [48, 64]);
  });
});

describe('damaged data is refused, real-world JPEGs still decode (issue 11, item 7)', () => {
  it('a JPEG whose header claims 7000×7000 over a few hundred bytes of data is corrupt', async () => {
    const claiming = await images.jpegClaiming(7_000, 7_000);
    assert.ok(claiming.length < 2_000, `${claiming.length} bytes`);
    for (const spec of [
      { width: 400, format: 'webp', quality: 80 },
      { width: 64, format: 'jpeg', quality: 80 },
      { width: 2_000, format: 'png' },
    ] as ResizeSpec[]) {
      assert.equal(await refusal(transform(claiming, spec, settings)), 'corrupt_input');
      assert.equal((await batch(claiming, spec)).code, 'corrupt_input');
    }
  });

  it('a bit-flipped JPEG is corrupt at full size and at half size (edge and batch)', async () => {
    const flipped = await images.bitFlippedJpeg();
    for (const spec of [
      { format: 'jpeg', quality: 80 },
      { width: 200, format: 'webp', quality: 80 },
    ] as ResizeSpec[]) {
      assert.equal(await refusal(transform(flipped, spec, settings)), 'corrupt_input');
      assert.equal((await batch(flipped, spec)).code, 'corrupt_input');
    }
  });

  it('a camera-like JPEG with EXIF, XMP, ICC-shaped and APP13 segments decodes', async () => {
    const camera = await sharp(await images.photoJpeg(640, 480))
      .withExif({ IFD0: { Make: 'Canon', Model: 'EOS R6', Software: 'Firmware 1.8' } })
      .jpeg({ quality: 92 })
      .toBuffer();
    const input = images.jpegWithMetadata(camera, images.hostileExif(12, 64), 4);
    for (const spec of [
      { width: 120, format: 'webp', quality: 80 },
      { format: 'jpeg', quality: 80 },
    ] as ResizeSpec[]) {
      const out = await transform(input, spec, settings);
      assert.equal(out.height, spec.width ? 90 : 480);
      assert.ok((await batch(input, spec)).result);
    }
  });

  it('a JPEG with stray bytes before a marker (a harmless libjpeg warning) still decodes', async () => {
    const photo = await images.photoJpeg(320, 240);
    const sof = photo.indexOf(Buffer.from([0xff, 0xc0]));
    const stray = Buffer.concat([
      photo.subarray(0, sof),
      Buffer.from([0x00, 0x01, 0x02]),
      photo.subarray(sof),
    ]);
    for (const spec of [{ width: 100, format: 'webp', quality: 80 }, { format: 'png' }] as ResizeSpec[]) {
      const out = await transform(stray, spec, settings);
      assert.equal(out.width, spec.width ?? 320);
      assert.ok((await batch(stray, spec)).result);
    }
  });

  it('a truncated TIFF, PNG, WebP or AVIF is corrupt, not unsupported (edge and batch)', async () => {
    const photo = await images.photoJpeg(400, 300);
    for (const full of [
      await sharp(photo).tiff({ compression: 'lzw' }).toBuffer(),
      await sharp(photo).png().toBuffer(),
      await sharp(photo).webp().toBuffer(),
      await sharp(photo).avif().toBuffer(),
    ]) {
      const cut = full.subarray(0, Math.floor(full.length / 2));
      assert.equal(await refusal(transform(cut, { format: 'png' }, settings)), 'corrupt_input');
      assert.equal((await batch(cut, { width: 100, format: 'png' })).code, 'corrupt_input');
    }
  });

  it('a truncated animated GIF is corrupt, not an animation missing part of a frame', async () => {
    const gif = await images.manyFrameGif(6, 64, 64);
    const cut = gif.subarray(0, Math.floor(gif.length * 0.9));
    for (const spec of [
      { width: 32, format: 'webp', quality: 80 },
      { width: 32, format: 'gif' },
      { width: 32, format: 'png' },
    ] as ResizeSpec[]) {
      assert.equal(await refusal(transform(cut, spec, settings)), 'corrupt_input');
      assert.equal((await batch(cut, spec)).code, 'corrupt_input');
    }
    // Padding after the trailer is not truncation.
    const padded = Buffer.concat([gif, Buffer.alloc(16)]);
    assert.equal((await transform(padded, { width: 32, format: 'gif' }, settings)).width, 32);
  });

  it('a truncated JPEG is corrupt in the batch pipeline too', async () => {
    assert.equal((await batch(await images.truncatedJpeg(), { format: 'png' })).code, 'corrupt_input');
  });
});

describe('budgets of the encoders that ignore the timeout (issue 11, item 3)', () => {
  const budget = { ...settings, maxAvifPixels: 64 * 64, maxGifPixels: 64 * 64 * 2 };

  it('an AVIF within maxAvifPixels is AVIF; over it, WebP with its own content type (edge and batch)', async () => {
    const photo = await images.photoJpeg(200, 100);
    const within = await transform(photo, { width: 90, format: 'avif', quality: 50 }, budget);
    assert.deepEqual([within.format, within.contentType], ['avif', 'image/avif']);
    assert.equal((await sharp(within.data).metadata()).format, 'heif');

    const over = await transform(photo, { width: 120, format: 'avif', quality: 50 }, budget);
    assert.deepEqual([over.format, over.contentType, over.width], ['webp', 'image/webp', 120]);
    assert.equal((await sharp(over.data).metadata()).format, 'webp');

    const viaBatch = await batch(photo, { width: 120, format: 'avif', quality: 50 }, budget);
    assert.equal(viaBatch.result?.contentType, 'image/webp');
    assert.equal((await sharp(viaBatch.result?.data).metadata()).format, 'webp');
  });

  it('the budget counts the real output: fit=outside and no-enlarge are taken into account', async () => {
    const photo = await images.photoJpeg(200, 100);
    // 64×64 box, but `outside` covers it from 2:1: 128×64 = 8192 pixels, over the 4096 budget.
    const outside = await transform(
      photo,
      { width: 64, height: 64, fit: 'outside', format: 'avif', quality: 50 },
      budget,
    );
    assert.equal(outside.format, 'webp');
    // 4000 wide asked, but without enlarge the output stays 60×40 = 2400 pixels: within the budget.
    const small = await transform(await images.photoJpeg(60, 40), { width: 4000, format: 'avif' }, budget);
    assert.deepEqual([small.format, small.width], ['avif', 60]);
  });

  it('the default budget is 2048×2048 and refuses nothing the edge asks for within it', () => {
    assert.equal(DEFAULT_MAX_AVIF_PIXELS, 2048 * 2048);
  });

  it('a GIF over maxGifPixels (frames counted) is refused before encoding', async () => {
    const animation = await images.animatedGif(3, 64, 48);
    // 3 frames × 64×48 = 9216 > 8192.
    assert.equal(await refusal(transform(animation, { format: 'gif' }, budget)), 'too_many_pixels');
    assert.equal((await batch(animation, { format: 'gif' }, budget)).code, 'too_many_pixels');
    const still = await transform(animation, { width: 32, format: 'gif' }, budget);
    assert.equal(still.format, 'gif');
  });

  it('the caller is answered at the deadline even by work that never ends (an encoder libvips cannot stop)', async () => {
    const never = new Promise<never>(() => {});
    await assert.rejects(withinTimeout(never, { ...settings, timeoutSeconds: 1 }), (error: unknown) => {
      assert.ok(isImageError(error));
      assert.deepEqual([error.status, error.code], [503, 'timeout']);
      return true;
    });
  });

  it('the batch (thorough effort) encodes AVIF and GIF over 1 MP at the fast effort, so they finish in time', () => {
    const thorough = { ...settings, effort: 'thorough' as const };
    const source = { width: 4000, height: 3000, frames: 1, rotated: false };
    const effort = (spec: ResizeSpec) => admitRendition(spec, source, thorough).settings.effort;
    assert.equal(effort({ width: 1024, format: 'avif', quality: 50 }), 'thorough');
    assert.equal(effort({ width: 2048, format: 'avif', quality: 50 }), 'fast');
    assert.equal(effort({ width: 1024, format: 'gif' }), 'thorough');
    assert.equal(effort({ width: 2048, format: 'gif' }), 'fast');
    assert.equal(effort({ width: 4000, format: 'webp', quality: 80 }), 'thorough');
    assert.equal(admitRendition({ width: 4000, format: 'avif' }, source, settings).settings.effort, 'fast');
  });
});
