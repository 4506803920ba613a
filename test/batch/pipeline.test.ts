import assert from 'node:assert/strict';

import sharp, { type Metadata } from 'sharp';

import { createLimiter } from '../../functions/batch/limit';
import {
  chooseStrategy,
  decodedShare,
  type Rendered,
  renderRenditions,
  type Strategy,
} from '../../functions/batch/pipeline';
import type { ResizeSpec } from '../../functions/core/spec';
import { DEFAULT_TRANSFORM_SETTINGS, type TransformSettings } from '../../functions/transform/settings';
import { transform, type TransformResult } from '../../functions/transform/transform';
import {} from '../support/batch';
import * as images from '../support/images';

const SETTINGS: TransformSettings = { ...DEFAULT_TRANSFORM_SETTINGS, effort: 'thorough' };
const STRATEGIES: readonly Strategy[] = ['decode-once', 'shrink-on-load'];
const limit = createLimiter(2);

function ok(rendered: Rendered | undefined): TransformResult {
  assert.ok(rendered, 'missing rendition');
  if ('error' in rendered) assert.fail(`unexpected ${rendered.error.code}: ${rendered.error.message}`);
  return rendered.result;
}

async function render(input: Buffer, specs: readonly ResizeSpec[], settings = SETTINGS, strategy?: Strategy) {
  return (await renderRenditions(input, specs, settings, limit, { strategy })).rendered;
}

/** Both ways of decoding must give the bytes the edge's transform() gives for the same spec. */
async function assertSameAsTransform(input: Buffer, specs: ResizeSpec[]) {
  for (const strategy of STRATEGIES) {
    const rendered = await render(input, specs, SETTINGS, strategy);
    assert.equal(rendered.length, specs.length);
    for (let i = 0; i < specs.length; i++) {
      const spec = specs[i] as ResizeSpec;
      const batch = ok(rendered[i]);
      const edge = await transform(input, spec, SETTINGS);
      const [meta, edgeMeta] = [await sharp(batch.data).metadata(), await sharp(edge.data).metadata()];
      const label = `${strategy} ${JSON.stringify(spec)}`;
      assert.deepEqual([batch.width, batch.height], [edge.width, edge.height], label);
      assert.deepEqual([meta.width, meta.pageHeight ?? meta.height], [edge.width, edge.height], label);
      assert.equal(meta.format === 'heif' ? 'avif' : meta.format, spec.format, label);
      assert.equal(batch.contentType, edge.contentType, label);
      assert.equal(meta.hasAlpha, edgeMeta.hasAlpha, label);
      assert.equal(meta.pages ?? 1, edgeMeta.pages ?? 1, label);
      // The same canonical key gives the same bytes whichever path makes it (issue 12).
      assert.ok(
        batch.data.equals(edge.data),
        `${label}: ${batch.data.length} vs ${edge.data.length} bytes differ`,
      );
    }
  }
}

describe('batch pipeline (many renditions from one original)', () => {
  it('matches transform() for every output format, fit and size', async () => {
    await assertSameAsTransform(await images.photoJpeg(300, 200), [
      { width: 120, format: 'webp', quality: 80 },
      { width: 64, height: 64, fit: 'cover', format: 'jpeg', quality: 80 },
      { width: 90, height: 90, fit: 'contain', format: 'png' },
      { height: 50, format: 'avif', quality: 50 },
      { width: 77, height: 31, fit: 'inside', format: 'gif' },
      { width: 600, format: 'jpeg', quality: 70 },
      { width: 600, format: 'webp', quality: 70, enlarge: true },
    ]);
  });

  it('auto-orients an EXIF-rotated original like transform()', async () => {
    const rotated = await images.withOrientation(await images.photoJpeg(120, 80), 6);
    for (const strategy of STRATEGIES) {
      const [first] = await render(rotated, [{ width: 40, format: 'png' }], SETTINGS, strategy);
      assert.deepEqual([ok(first).width, ok(first).height], [40, 60], strategy);
    }
    await assertSameAsTransform(rotated, [
      { width: 40, format: 'png' },
      { height: 30, format: 'webp', quality: 80 },
    ]);
  });

  it('converts embedded colour profiles (P3, CMYK) to sRGB like transform()', async () => {
    const green = () =>
      sharp({ create: { width: 40, height: 40, channels: 3, background: { r: 0, g: 255, b: 0 } } });
    for (const input of [
      await green().withIccProfile('p3').jpeg().toBuffer(),
      await green().toColourspace('cmyk').withIccProfile('cmyk').jpeg().toBuffer(),
    ]) {
      const spec: ResizeSpec = { width: 20, format: 'png' };
      const [batch] = await render(input, [spec], SETTINGS, 'decode-once');
      const edge = await transform(input, spec, SETTINGS);
      const means = async (data: Buffer) => (await sharp(data).stats()).channels.map((c) => c.mean);
      const [a, b] = [await means(ok(batch).data), await means(edge.data)];
      assert.equal(a.length, 3);
      a.forEach((mean, i) => assert.ok(Math.abs(mean - (b[i] as number)) < 2, `${a} vs ${b}`));
    }
  });

  it('keeps alpha where the format has it and flattens JPEG onto the background', async () => {
    const png = await images.alphaPng(60, 40);
    await assertSameAsTransform(png, [
      { width: 30, format: 'png' },
      { width: 30, format: 'webp', quality: 80 },
      { width: 30, format: 'jpeg', quality: 80 },
    ]);
    const [jpeg] = await render(png, [{ width: 30, format: 'jpeg', quality: 80 }], SETTINGS, 'decode-once');
    const { data } = await sharp(ok(jpeg).data).raw().toBuffer({ resolveWithObject: true });
    // Half-transparent green (0, 128, 0) over white: the red channel rises from 0 to about 128.
    assert.ok((data[0] as number) > 100, `red channel ${data[0]}`);
  });

  it('keeps an animated GIF animated for GIF/WebP and takes the first frame otherwise', async () => {
    const gif = await images.animatedGif(3, 40, 30);
    await assertSameAsTransform(gif, [
      { width: 20, format: 'webp', quality: 80 },
      { width: 20, format: 'gif' },
      { width: 20, format: 'png' },
    ]);
    const rendered = await render(gif, [
      { width: 20, format: 'gif' },
      { width: 20, format: 'png' },
    ]);
    assert.equal((await sharp(ok(rendered[0]).data).metadata()).pages, 3);
    assert.equal((await sharp(ok(rendered[1]).data).metadata()).pages ?? 1, 1);
  });

  it('reports an impossible rendition alone and still renders the others', async () => {
    const rendered = await render(
      await images.photoJpeg(300, 200),
      [
        { width: 60, format: 'webp', quality: 80 },
        { width: 300, format: 'png' },
      ],
      { ...SETTINGS, maxPixels: 10_000 },
    );
    assert.equal(ok(rendered[0]).width, 60);
    assert.ok(rendered[1] && 'error' in rendered[1] && rendered[1].error.code === 'too_many_pixels');
  });

  for (const [name, input, code] of [
    ['an empty file', Buffer.alloc(0), 'corrupt_input'],
    ['text named .jpg', Buffer.from('not an image at all'), 'unsupported_input'],
    [
      'an SVG',
      Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="9" height="9"/>'),
      'unsupported_input',
    ],
  ] as const) {
    it(`refuses ${name} as ${code}`, async () => {
      await assert.rejects(render(input, [{ width: 10, format: 'png' }]), { code });
    });
  }

  it('refuses a truncated JPEG as corrupt and a bomb as too_many_pixels, whatever the strategy', async () => {
    const jpeg = await images.photoJpeg(200, 150);
    for (const strategy of STRATEGIES) {
      const truncated = jpeg.subarray(0, jpeg.length / 2);
      await assert.rejects(render(truncated, [{ width: 10, format: 'png' }], SETTINGS, strategy), {
        code: 'corrupt_input',
      });
      await assert.rejects(
        render(jpeg, [{ width: 10, format: 'png' }], { ...SETTINGS, inputPixelLimit: 10_000 }, strategy),
        { code: 'too_many_pixels' },
      );
    }
  });
});

describe('batch pipeline: choosing how to decode', () => {
  const jpeg = { format: 'jpeg', width: 4000, height: 3000 } as Metadata;
  const widths = (...list: number[]): ResizeSpec[] =>
    list.map((width) => ({ width, format: 'webp', quality: 80 }));

  it('follows sharp shrink-on-load factors for JPEG', () => {
    assert.equal(decodedShare(jpeg, { width: 320, format: 'webp' }), 1 / 64); // shrink 12.5 → 1/8
    assert.equal(decodedShare(jpeg, { width: 1280, format: 'webp' }), 1 / 4); // shrink 3.1 → 1/2
    assert.equal(decodedShare(jpeg, { width: 2000, format: 'webp' }), 1); // shrink exactly 2 → none
    assert.equal(decodedShare(jpeg, { width: 3000, format: 'webp' }), 1);
    // Cover takes the smaller shrink; contain the larger.
    assert.equal(decodedShare(jpeg, { width: 400, height: 100, fit: 'cover', format: 'webp' }), 1 / 64);
    assert.equal(decodedShare(jpeg, { width: 1000, height: 1500, fit: 'cover', format: 'webp' }), 1);
    assert.equal(decodedShare(jpeg, { width: 1000, height: 1500, fit: 'contain', format: 'webp' }), 1 / 4);
    // EXIF orientation 6 swaps the axes.
    assert.equal(decodedShare({ ...jpeg, orientation: 6 }, { height: 500, format: 'webp' }), 1 / 16);
    assert.equal(decodedShare({ ...jpeg, format: 'webp' }, { width: 1000, format: 'webp' }), 1 / 16);
    assert.equal(decodedShare({ ...jpeg, format: 'png' }, { width: 320, format: 'webp' }), 1);
  });

  it('decodes once unless reduced decodes read fewer pixels in total', () => {
    assert.equal(chooseStrategy(jpeg, widths(320, 640, 1280)), 'shrink-on-load');
    assert.equal(chooseStrategy(jpeg, widths(1280, 1300, 1400, 1500)), 'decode-once'); // 4 × 1/4
    assert.equal(chooseStrategy(jpeg, widths(2400, 320)), 'decode-once');
    assert.equal(chooseStrategy({ ...jpeg, format: 'png' }, widths(320, 640, 1280)), 'decode-once');
    assert.equal(chooseStrategy({ ...jpeg, format: 'tiff' }, widths(320)), 'decode-once');
  });

  it('reports the strategy it used', async () => {
    const big = await images.photoJpeg(1200, 900);
    const small = widths(100, 200);
    assert.equal((await renderRenditions(big, small, SETTINGS, limit)).strategy, 'shrink-on-load');
    const png = await sharp(big).png({ compressionLevel: 1 }).toBuffer();
    assert.equal((await renderRenditions(png, small, SETTINGS, limit)).strategy, 'decode-once');
  });
});
