import assert from 'node:assert/strict';
import sharp from 'sharp';
import type { ResizeSpec } from '../../functions/core/spec';
import { renderRenditions, type Rendered } from '../../functions/batch/pipeline';
import { createLimiter } from '../../functions/batch/limit';
import { transform } from '../../functions/transform/transform';
import { DEFAULT_TRANSFORM_SETTINGS, type TransformSettings } from '../../functions/transform/settings';
import { animatedGif, photo, transparentPng } from './helpers';

const SETTINGS: TransformSettings = { ...DEFAULT_TRANSFORM_SETTINGS, effort: 'thorough' };
const limit = createLimiter(2);

function ok(rendered: Rendered) {
  if ('error' in rendered) assert.fail(`unexpected ${rendered.error.code}: ${rendered.error.message}`);
  return rendered.result;
}

/** The batch pipeline must give what the edge's transform() gives for the same spec. */
async function assertSameAsTransform(input: Buffer, specs: ResizeSpec[]) {
  const rendered = await renderRenditions(input, specs, SETTINGS, limit);
  assert.equal(rendered.length, specs.length);
  for (let i = 0; i < specs.length; i++) {
    const spec = specs[i] as ResizeSpec;
    const batch = ok(rendered[i] as Rendered);
    const edge = await transform(input, spec, SETTINGS);
    const meta = await sharp(batch.data).metadata();
    const label = JSON.stringify(spec);
    assert.deepEqual([batch.width, batch.height], [edge.width, edge.height], label);
    assert.deepEqual([meta.width, meta.pageHeight ?? meta.height], [edge.width, edge.height], label);
    assert.equal(meta.format === 'heif' ? 'avif' : meta.format, spec.format, label);
    assert.equal(batch.contentType, edge.contentType, label);
    assert.equal(meta.hasAlpha, (await sharp(edge.data).metadata()).hasAlpha, label);
    assert.equal(meta.pages ?? 1, (await sharp(edge.data).metadata()).pages ?? 1, label);
    // Same encoder settings: sizes within a factor of the edge's output at the same effort.
    const ratio = batch.data.length / edge.data.length;
    assert.ok(ratio > 0.5 && ratio < 2, `${label}: ${batch.data.length} vs ${edge.data.length} bytes`);
  }
}

describe('batch pipeline (one decode, many renditions)', () => {
  it('matches transform() for every output format, fit and size', async () => {
    await assertSameAsTransform(await photo(300, 200), [
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
    const rotated = await photo(120, 80, { orientation: 6 });
    const [first] = await renderRenditions(rotated, [{ width: 40, format: 'png' }], SETTINGS, limit);
    assert.deepEqual([ok(first!).width, ok(first!).height], [40, 60]);
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
      const [batch] = await renderRenditions(input, [spec], SETTINGS, limit);
      const edge = await transform(input, spec, SETTINGS);
      const means = async (data: Buffer) => (await sharp(data).stats()).channels.map((c) => c.mean);
      const [a, b] = [await means(ok(batch!).data), await means(edge.data)];
      assert.equal(a.length, 3);
      a.forEach((mean, i) => assert.ok(Math.abs(mean - (b[i] as number)) < 2, `${a} vs ${b}`));
    }
  });

  it('keeps alpha where the format has it and flattens JPEG onto the background', async () => {
    const png = await transparentPng(60, 40);
    await assertSameAsTransform(png, [
      { width: 30, format: 'png' },
      { width: 30, format: 'webp', quality: 80 },
      { width: 30, format: 'jpeg', quality: 80 },
    ]);
    const [jpeg] = await renderRenditions(png, [{ width: 30, format: 'jpeg', quality: 80 }], SETTINGS, limit);
    const { data } = await sharp(ok(jpeg!).data).raw().toBuffer({ resolveWithObject: true });
    // 40% red over white: clearly lighter than the pure colour.
    assert.ok((data[1] as number) > 120, `green channel ${data[1]}`);
  });

  it('keeps an animated GIF animated for GIF/WebP and takes the first frame otherwise', async () => {
    const gif = await animatedGif(40, 30, 3);
    await assertSameAsTransform(gif, [
      { width: 20, format: 'webp', quality: 80 },
      { width: 20, format: 'gif' },
      { width: 20, format: 'png' },
    ]);
    const rendered = await renderRenditions(
      gif,
      [
        { width: 20, format: 'gif' },
        { width: 20, format: 'png' },
      ],
      SETTINGS,
      limit,
    );
    assert.equal((await sharp(ok(rendered[0]!).data).metadata()).pages, 3);
    assert.equal((await sharp(ok(rendered[1]!).data).metadata()).pages ?? 1, 1);
  });

  it('reports an impossible rendition alone and still renders the others', async () => {
    const small = { ...SETTINGS, maxPixels: 10_000 };
    const rendered = await renderRenditions(
      await photo(300, 200),
      [
        { width: 60, format: 'webp', quality: 80 },
        { width: 300, format: 'png' },
      ],
      small,
      limit,
    );
    assert.equal(ok(rendered[0]!).width, 60);
    assert.ok('error' in rendered[1]! && rendered[1].error.code === 'too_many_pixels');
  });

  for (const [name, input, settings, code] of [
    ['an empty file', Buffer.alloc(0), SETTINGS, 'corrupt_input'],
    ['text named .jpg', Buffer.from('not an image at all'), SETTINGS, 'unsupported_input'],
    [
      'an SVG',
      Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="9" height="9"/>'),
      SETTINGS,
      'unsupported_input',
    ],
  ] as const) {
    it(`refuses ${name} as ${code}`, async () => {
      await assert.rejects(renderRenditions(input, [{ width: 10, format: 'png' }], settings, limit), {
        code,
      });
    });
  }

  it('refuses a truncated JPEG as corrupt and a bomb as too_many_pixels', async () => {
    const jpeg = await photo(200, 150);
    await assert.rejects(
      renderRenditions(jpeg.subarray(0, jpeg.length / 2), [{ width: 10, format: 'png' }], SETTINGS, limit),
      { code: 'corrupt_input' },
    );
    await assert.rejects(
      renderRenditions(jpeg, [{ width: 10, format: 'png' }], { ...SETTINGS, inputPixelLimit: 10_000 }, limit),
      { code: 'too_many_pixels' },
    );
  });
});
