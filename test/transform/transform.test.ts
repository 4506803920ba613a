import assert from 'node:assert/strict';

import sharp from 'sharp';

import { isImageError } from '../../functions/core/errors';
import type { ResizeSpec } from '../../functions/core/spec';
import { DEFAULT_TRANSFORM_SETTINGS, type TransformSettings } from '../../functions/transform/settings';
import { transform } from '../../functions/transform/transform';
import * as images from '../support/images';

const settings: TransformSettings = DEFAULT_TRANSFORM_SETTINGS;

async function expectImageError(work: Promise<unknown>, status: number, code: string) {
  await assert.rejects(work, (error: unknown) => {
    assert.ok(isImageError(error), `expected an ImageError, got ${String(error)}`);
    assert.equal(error.status, status);
    assert.equal(error.code, code);
    return true;
  });
}

describe('transform (real sharp, real images)', () => {
  describe('EXIF orientation', () => {
    for (let orientation = 1; orientation <= 8; orientation++) {
      it(`orientation ${orientation}: output upright, 40×20, red top-left, no EXIF left`, async () => {
        const input = await images.orientedJpeg(orientation);
        const stored = await sharp(input).metadata();
        assert.equal(stored.orientation, orientation);

        const out = await transform(input, { format: 'png' }, settings);

        const meta = await sharp(out.data).metadata();
        assert.equal(meta.format, 'png');
        assert.deepEqual([meta.width, meta.height], [40, 20]);
        assert.equal(meta.orientation, undefined);
        const topLeft = await images.regionColour(out.data, 2, 2, 14, 6);
        const bottomRight = await images.regionColour(out.data, 24, 12, 14, 6);
        assert.ok(
          topLeft.r > 180 && topLeft.b < 80,
          `top-left should be red, got ${JSON.stringify(topLeft)}`,
        );
        assert.ok(
          bottomRight.b > 180 && bottomRight.r < 80,
          `bottom-right should be blue, got ${JSON.stringify(bottomRight)}`,
        );
      });
    }

    it('resizes in the oriented frame: orientation 6 with width 10 gives 10×5', async () => {
      const out = await transform(
        await images.orientedJpeg(6),
        { width: 10, format: 'jpeg', quality: 80 },
        settings,
      );
      assert.deepEqual([out.width, out.height], [10, 5]);
    });
  });

  describe('input types', () => {
    const cases: Array<[string, () => Promise<Buffer>, ResizeSpec, [number, number], string]> = [
      ['CMYK JPEG', images.cmykJpeg, { width: 32, format: 'jpeg', quality: 80 }, [32, 24], 'jpeg'],
      ['16-bit PNG', images.png16, { width: 32, format: 'png' }, [32, 24], 'png'],
      ['grayscale JPEG', images.grayscaleJpeg, { width: 32, format: 'webp', quality: 80 }, [32, 24], 'webp'],
      [
        'progressive JPEG',
        images.progressiveJpeg,
        { width: 160, format: 'jpeg', quality: 80 },
        [160, 120],
        'jpeg',
      ],
      ['TIFF', images.tiff, { width: 32, format: 'avif', quality: 50 }, [32, 24], 'heif'],
      ['WebP with alpha', images.webp, { width: 32, format: 'png' }, [32, 24], 'png'],
    ];
    for (const [name, make, spec, size, format] of cases) {
      it(`${name} → ${spec.format} ${size.join('×')}`, async () => {
        const out = await transform(await make(), spec, settings);
        const meta = await sharp(out.data).metadata();
        assert.equal(meta.format, format);
        assert.deepEqual([meta.width, meta.height], size);
        assert.deepEqual([out.width, out.height], size);
      });
    }

    it('CMYK input comes out as sRGB', async () => {
      const out = await transform(await images.cmykJpeg(), { format: 'jpeg', quality: 90 }, settings);
      const meta = await sharp(out.data).metadata();
      assert.equal(meta.space, 'srgb');
      const colour = await images.regionColour(out.data, 10, 10, 20, 20);
      assert.ok(colour.r > colour.b + 80, `expected a red-orange, got ${JSON.stringify(colour)}`);
    });

    it('16-bit PNG comes out 8-bit', async () => {
      const out = await transform(await images.png16(), { format: 'png' }, settings);
      assert.equal((await sharp(out.data).metadata()).depth, 'uchar');
    });

    it('strips EXIF, XMP and ICC metadata', async () => {
      const input = await sharp(await images.photoJpeg(200, 100))
        .withMetadata({ orientation: 1 })
        .withExif({ IFD0: { Copyright: 'secret-owner', Software: 'x' } })
        .jpeg()
        .toBuffer();
      assert.ok((await sharp(input).metadata()).exif);
      const out = await transform(input, { width: 100, format: 'jpeg', quality: 80 }, settings);
      const meta = await sharp(out.data).metadata();
      assert.equal(meta.exif, undefined);
      assert.equal(meta.icc, undefined);
      assert.ok(!out.data.includes(Buffer.from('secret-owner')));
    });
  });

  describe('size rules', () => {
    it('does not upscale unless enlarge is asked for', async () => {
      const input = await images.photoJpeg(200, 100);
      const plain = await transform(input, { width: 800, format: 'jpeg', quality: 80 }, settings);
      assert.deepEqual([plain.width, plain.height], [200, 100]);
      const enlarged = await transform(
        input,
        { width: 800, format: 'jpeg', quality: 80, enlarge: true },
        settings,
      );
      assert.deepEqual([enlarged.width, enlarged.height], [800, 400]);
    });

    it('applies fit: cover crops to the box, inside fits within it', async () => {
      const input = await images.photoJpeg(400, 200);
      const cover = await transform(
        input,
        { width: 100, height: 100, fit: 'cover', format: 'png' },
        settings,
      );
      assert.deepEqual([cover.width, cover.height], [100, 100]);
      const inside = await transform(
        input,
        { width: 100, height: 100, fit: 'inside', format: 'png' },
        settings,
      );
      assert.deepEqual([inside.width, inside.height], [100, 50]);
    });

    it('bounds fit=outside by what it really produces, which can exceed the box', async () => {
      const panorama = await images.photoJpeg(2000, 200);
      // Covering 2000×2000 from 10:1 means 20000×2000: 40 MP, over the 16.7 MP default.
      await expectImageError(
        transform(
          panorama,
          { width: 2000, height: 2000, fit: 'outside', format: 'jpeg', quality: 80, enlarge: true },
          settings,
        ),
        400,
        'too_many_pixels',
      );
      const out = await transform(
        panorama,
        { width: 400, height: 100, fit: 'outside', format: 'png' },
        settings,
      );
      assert.deepEqual([out.width, out.height], [1000, 100]);
    });

    it('refuses an output over maxPixels before decoding', async () => {
      // A header with no pixel data behind it: decoding it would fail as corrupt_input, so a
      // too_many_pixels answer can only come from the header.
      const header = images.pngClaiming(400, 4000);
      const spec: ResizeSpec = { width: 400, format: 'png' };
      await expectImageError(
        transform(header, spec, { ...settings, maxPixels: 100_000 }),
        400,
        'too_many_pixels',
      );
      await expectImageError(transform(header, spec, settings), 415, 'corrupt_input');
    });
  });

  describe('alpha', () => {
    it('keeps alpha in PNG, WebP and AVIF', async () => {
      for (const spec of [
        { format: 'png' },
        { format: 'webp', quality: 80 },
        { format: 'avif', quality: 50 },
      ] as ResizeSpec[]) {
        const out = await transform(await images.alphaPng(), spec, settings);
        assert.equal((await sharp(out.data).metadata()).hasAlpha, true, spec.format);
      }
    });

    it('flattens onto the configured background for JPEG', async () => {
      const out = await transform(
        await images.alphaPng(),
        { format: 'jpeg', quality: 90 },
        { ...settings, background: '#ff0000' },
      );
      const meta = await sharp(out.data).metadata();
      assert.equal(meta.hasAlpha, false);
      const colour = await images.regionColour(out.data, 10, 10, 20, 20);
      // Half-transparent green over red: both channels about half.
      assert.ok(colour.r > 100 && colour.g > 40 && colour.b < 40, JSON.stringify(colour));
    });
  });

  describe('animation', () => {
    it('keeps an animated GIF animated as GIF and WebP', async () => {
      const input = await images.animatedGif(3, 32, 24);
      for (const spec of [
        { width: 16, format: 'gif' },
        { width: 16, format: 'webp', quality: 80 },
      ] as ResizeSpec[]) {
        const out = await transform(input, spec, settings);
        const meta = await sharp(out.data, { animated: true }).metadata();
        assert.equal(meta.pages, 3, spec.format);
        assert.deepEqual([out.width, out.height], [16, 12]);
      }
    });

    it('takes the first frame for JPEG, PNG and AVIF', async () => {
      const input = await images.animatedGif(3);
      for (const spec of [
        { width: 16, format: 'jpeg', quality: 80 },
        { width: 16, format: 'png' },
        { width: 16, format: 'avif', quality: 50 },
      ] as ResizeSpec[]) {
        const out = await transform(input, spec, settings);
        const meta = await sharp(out.data).metadata();
        assert.equal(meta.format, spec.format === 'avif' ? 'heif' : spec.format);
        assert.equal(meta.pages ?? 1, 1, spec.format);
        assert.deepEqual([meta.width, meta.height], [16, 12], spec.format);
      }
    });

    it('refuses an animation with more frames than maxFrames', async () => {
      await expectImageError(
        transform(await images.animatedGif(5), { format: 'gif' }, { ...settings, maxFrames: 4 }),
        400,
        'too_many_pixels',
      );
    });
  });

  describe('bad input', () => {
    it('a zero-byte file is corrupt (415 corrupt_input)', async () => {
      await expectImageError(
        transform(Buffer.alloc(0), { format: 'jpeg', quality: 80 }, settings),
        415,
        'corrupt_input',
      );
    });

    it('a text file named .jpg is unsupported (415 unsupported_input)', async () => {
      await expectImageError(
        transform(Buffer.from('this is not an image\n'), { format: 'jpeg', quality: 80 }, settings),
        415,
        'unsupported_input',
      );
    });

    it('a truncated JPEG is corrupt (415 corrupt_input)', async () => {
      await expectImageError(
        transform(await images.truncatedJpeg(), { width: 100, format: 'jpeg', quality: 80 }, settings),
        415,
        'corrupt_input',
      );
    });

    it('a PNG whose header claims 30000×30000 is refused from its header (400 too_many_pixels)', async () => {
      // The header has no pixel data behind it: a decode would answer corrupt_input instead.
      await expectImageError(
        transform(images.pngClaiming(30000, 30000), { width: 100, format: 'png' }, settings),
        400,
        'too_many_pixels',
      );
    });

    it('SVG is refused unless enabled', async () => {
      const svg = Buffer.from(
        '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>',
      );
      await expectImageError(transform(svg, { format: 'png' }, settings), 415, 'unsupported_input');
      const out = await transform(
        svg,
        { width: 20, format: 'png', enlarge: true },
        { ...settings, allowSvg: true },
      );
      assert.deepEqual([out.width, out.height], [20, 20]);
    });
  });
});
