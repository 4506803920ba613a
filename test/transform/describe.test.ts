import assert from 'node:assert/strict';

import sharp from 'sharp';
import { thumbHashToApproximateAspectRatio, thumbHashToRGBA } from 'thumbhash';

import {
  describeOriginal,
  type OriginalDescription,
  placeholderOf,
} from '../../functions/transform/describe';
import { DEFAULT_TRANSFORM_SETTINGS, type TransformSettings } from '../../functions/transform/settings';
import * as images from '../support/images';
import { refusal } from '../support/refusal';

/**
 * `fm=json` (describeOriginal) and the ThumbHash placeholder (placeholderOf), on real images made with
 * sharp. The placeholder is checked through the library's own decoder, so the test states what a viewer
 * would see rather than the bytes of the hash.
 */

const settings: TransformSettings = DEFAULT_TRANSFORM_SETTINGS;

type Rgb = { r: number; g: number; b: number };

const RED: Rgb = { r: 255, g: 0, b: 0 };
const BLUE: Rgb = { r: 0, g: 0, b: 255 };

async function described(input: Buffer, options: TransformSettings = settings) {
  const body = await describeOriginal(input, options);
  assert.ok(Buffer.isBuffer(body));
  return JSON.parse(body.toString('utf8')) as OriginalDescription;
}

/** A `width`×`height` picture: `left` over its left `share` of columns, `right` over the rest. */
async function split(width: number, height: number, left: Rgb, right: Rgb, share = 0.5): Promise<Buffer> {
  const leftWidth = Math.round(width * share);
  const leftPart = await sharp({ create: { width: leftWidth, height, channels: 3, background: left } })
    .png()
    .toBuffer();
  return sharp({ create: { width, height, channels: 3, background: right } })
    .composite([{ input: leftPart, left: 0, top: 0 }])
    .removeAlpha() // composite adds an alpha channel, which hasAlpha would report
    .png()
    .toBuffer();
}

/** Mean RGBA of the placeholder's decoded pixels in columns [from, to) and rows [top, bottom), as fractions. */
function decodedMean(hash: string, from = 0, to = 1, top = 0, bottom = 1) {
  const { w, h, rgba } = thumbHashToRGBA(Buffer.from(hash, 'base64'));
  const sum = [0, 0, 0, 0];
  let pixels = 0;
  for (let y = Math.floor(top * h); y < Math.ceil(bottom * h); y++) {
    for (let x = Math.floor(from * w); x < Math.ceil(to * w); x++) {
      for (let c = 0; c < 4; c++) sum[c] = (sum[c] as number) + (rgba[(y * w + x) * 4 + c] as number);
      pixels++;
    }
  }
  const [r, g, b, a] = sum.map((total) => total / pixels) as [number, number, number, number];
  return { r, g, b, a };
}

function aspectOf(hash: string): number {
  return thumbHashToApproximateAspectRatio(Buffer.from(hash, 'base64'));
}

/** The hostile and damaged originals every path must refuse with the same code. */
const refused: Array<[string, () => Buffer | Promise<Buffer>, string]> = [
  ['an empty body', () => Buffer.alloc(0), 'corrupt_input'],
  ['text that is not an image', () => Buffer.from('hello, this is not a picture'), 'unsupported_input'],
  ['an SVG while SVG is disabled', () => images.svgAfterLongComment(10), 'unsupported_input'],
  ['a JPEG cut in half', images.truncatedJpeg, 'corrupt_input'],
  [
    'a JPEG whose header claims more pixels than its data holds',
    () => images.jpegClaiming(400, 400),
    'corrupt_input',
  ],
  ['a GIF without its trailer', async () => (await images.animatedGif(3)).subarray(0, -1), 'corrupt_input'],
  ['a 400-megapixel PNG bomb', () => images.pngBomb(20_000, 20_000), 'too_many_pixels'],
];

describe('describeOriginal (fm=json)', () => {
  it('answers UTF-8 JSON with exactly the documented keys, for a plain JPEG', async () => {
    const body = await describeOriginal(await images.photoJpeg(300, 200), settings);
    const json = JSON.parse(body.toString('utf8')) as Record<string, unknown>;
    assert.deepEqual(Object.keys(json), [
      'width',
      'height',
      'format',
      'hasAlpha',
      'pages',
      'animated',
      'dominantColor',
      'orientation',
    ]);
    assert.deepEqual(
      { ...json, dominantColor: undefined },
      {
        width: 300,
        height: 200,
        format: 'jpeg',
        hasAlpha: false,
        pages: 1,
        animated: false,
        dominantColor: undefined,
        orientation: 1,
      },
    );
    assert.match(json.dominantColor as string, /^#[0-9a-f]{6}$/);
  });

  it('reports the upright size of a 300×200 JPEG tagged with EXIF orientation 6 (200×300)', async () => {
    const input = await images.withOrientation(await images.photoJpeg(300, 200), 6);
    const json = await described(input);
    assert.equal(json.orientation, 6);
    assert.deepEqual([json.width, json.height], [200, 300]);
  });

  it('keeps the stored size for orientation 3 (a half turn swaps nothing)', async () => {
    const json = await described(await images.withOrientation(await images.photoJpeg(300, 200), 3));
    assert.deepEqual([json.width, json.height, json.orientation], [300, 200, 3]);
  });

  it('tells a PNG with alpha from an opaque one', async () => {
    const alpha = await described(await images.alphaPng(40, 30));
    assert.deepEqual([alpha.format, alpha.hasAlpha, alpha.width, alpha.height], ['png', true, 40, 30]);
    const opaque = await described(await split(40, 30, RED, BLUE));
    assert.deepEqual([opaque.format, opaque.hasAlpha], ['png', false]);
  });

  for (const [name, make, format] of [
    ['GIF', () => images.animatedGif(3, 32, 24), 'gif'],
    ['WebP', () => images.animatedWebp(3, 32, 24), 'webp'],
  ] as const) {
    it(`reports a 3-frame animated ${name} as animated, with one frame's height`, async () => {
      const json = await described(await make());
      assert.deepEqual(
        [json.format, json.pages, json.animated, json.width, json.height],
        [format, 3, true, 32, 24],
      );
    });
  }

  it('counts the pages of a multi-page TIFF without calling it animated', async () => {
    const input = images.multiPageTiff([
      { width: 30, height: 20, colour: [200, 10, 10] },
      { width: 30, height: 20, colour: [10, 10, 200] },
    ]);
    const json = await described(input);
    assert.deepEqual([json.format, json.pages, json.animated, json.width], ['tiff', 2, false, 30]);
  });

  it('finds red as the dominant colour of a mostly red picture, and blue of a mostly blue one', async () => {
    const red = await described(await split(400, 200, RED, BLUE, 0.8));
    assert.match(red.dominantColor, /^#[e-f][0-9a-f][0-1][0-9a-f][0-1][0-9a-f]$/, red.dominantColor);
    const blue = await described(await split(400, 200, RED, BLUE, 0.2));
    assert.match(blue.dominantColor, /^#[0-1][0-9a-f][0-1][0-9a-f][e-f][0-9a-f]$/, blue.dominantColor);
  });

  it('reads the dominant colour of a large JPEG from a small decode, far faster than a full one', async () => {
    const input = await sharp(await split(6000, 4000, RED, BLUE, 0.7))
      .jpeg()
      .toBuffer();
    let started = Date.now();
    const json = await described(input);
    const small = Date.now() - started;
    assert.match(json.dominantColor, /^#[e-f][0-9a-f][0-1][0-9a-f][0-1][0-9a-f]$/, json.dominantColor);
    // A full decode is the yardstick, so the check holds on a slow machine: shrink-on-load makes the
    // small decode about ten times faster here.
    started = Date.now();
    await sharp(input).raw().toBuffer();
    const full = Date.now() - started;
    assert.ok(small * 4 < full, `${small} ms for fm=json, ${full} ms for a full decode`);
  });

  it('measures transparent pixels on the configured background, not by their hidden RGB', async () => {
    // 70% fully transparent black, 30% opaque green: unflattened, black would dominate.
    const green = await sharp({ create: { width: 30, height: 50, channels: 4, background: '#00c000' } })
      .png()
      .toBuffer();
    const input = await sharp({
      create: { width: 100, height: 50, channels: 4, background: { r: 0, g: 0, b: 0, alpha: 0 } },
    })
      .composite([{ input: green, left: 70, top: 0 }])
      .png()
      .toBuffer();
    assert.equal((await described(input)).dominantColor, '#f8f8f8');
    assert.equal((await described(input, { ...settings, background: '#0000ff' })).dominantColor, '#0808f8');
  });

  for (const [name, make, code] of refused) {
    it(`refuses ${name} with ${code}`, async () => {
      assert.equal(await refusal(describeOriginal(await make(), settings)), code);
    });
  }

  it('refuses an original over a lowered inputPixelLimit with too_many_pixels', async () => {
    const input = await images.photoJpeg(300, 200);
    assert.equal(
      await refusal(describeOriginal(input, { ...settings, inputPixelLimit: 50_000 })),
      'too_many_pixels',
    );
  });
});

describe('placeholderOf (ThumbHash)', () => {
  it('is standard base64 (with + and /, padded) of a hash a few dozen bytes long', async () => {
    const inputs = [
      await images.photoJpeg(300, 200),
      await split(200, 100, RED, BLUE),
      await images.alphaPng(),
      await images.animatedGif(3),
      await images.orientedJpeg(6),
      await images.noisePng(90, 70),
    ];
    for (const input of inputs) {
      const hash = await placeholderOf(input, settings);
      assert.match(hash, /^[A-Za-z0-9+/]+={0,2}$/);
      const bytes = Buffer.from(hash, 'base64');
      // Node's base64 decoder also reads base64url, so the round trip is what pins the alphabet.
      assert.equal(bytes.toString('base64'), hash);
      assert.ok(bytes.length >= 5 && bytes.length <= 40, `${bytes.length} bytes`);
    }
  });

  it('decodes red on the left and blue on the right of a red-left, blue-right picture', async () => {
    const hash = await placeholderOf(await split(200, 100, RED, BLUE), settings);
    const left = decodedMean(hash, 0, 0.25);
    const right = decodedMean(hash, 0.75, 1);
    assert.ok(left.r > 180 && left.b < 90, `left ${JSON.stringify(left)}`);
    assert.ok(right.b > 180 && right.r < 90, `right ${JSON.stringify(right)}`);
  });

  it('decodes to the average colour of the source', async () => {
    const input = await split(300, 120, { r: 240, g: 200, b: 40 }, { r: 30, g: 120, b: 90 }, 0.6);
    const source = (await sharp(input).stats()).channels.map((channel) => channel.mean);
    const decoded = decodedMean(await placeholderOf(input, settings));
    const tolerance = 20;
    for (const [index, channel] of (['r', 'g', 'b'] as const).entries()) {
      const want = source[index] as number;
      assert.ok(Math.abs(decoded[channel] - want) < tolerance, `${channel}: ${decoded[channel]} vs ${want}`);
    }
  });

  for (const [width, height] of [
    [200, 100],
    [100, 300],
    [1600, 900],
    [64, 64],
  ] as const) {
    it(`keeps the aspect ratio of a ${width}×${height} original`, async () => {
      const ratio = aspectOf(await placeholderOf(await split(width, height, RED, BLUE), settings));
      const want = width / height;
      // ThumbHash stores the ratio only as the count of its luminance components across and down.
      assert.ok(Math.abs(Math.log(ratio / want)) < 0.25, `${ratio} vs ${want}`);
    });
  }

  it('is upright: an EXIF-rotated JPEG decodes portrait, with its intended top-left corner red', async () => {
    // The intended picture is 40×20 with a red top-left quadrant; orientation 6 stores it turned.
    const landscape = await placeholderOf(await images.orientedJpeg(6), settings);
    assert.ok(aspectOf(landscape) > 1.4, `aspect ${aspectOf(landscape)}`);
    const topLeft = decodedMean(landscape, 0, 0.3, 0, 0.4);
    const bottomRight = decodedMean(landscape, 0.7, 1, 0.6, 1);
    assert.ok(topLeft.r > topLeft.b + 60, `top-left ${JSON.stringify(topLeft)}`);
    assert.ok(bottomRight.b > bottomRight.r + 60, `bottom-right ${JSON.stringify(bottomRight)}`);
    const tagged = await images.withOrientation(await images.photoJpeg(300, 200), 6);
    assert.ok(aspectOf(await placeholderOf(tagged, settings)) < 0.8);
  });

  it('keeps transparency: a transparent left half decodes transparent, an opaque right half opaque', async () => {
    const opaque = await sharp({ create: { width: 100, height: 100, channels: 4, background: '#2040c0' } })
      .png()
      .toBuffer();
    const input = await sharp({
      create: { width: 200, height: 100, channels: 4, background: { r: 0, g: 0, b: 0, alpha: 0 } },
    })
      .composite([{ input: opaque, left: 100, top: 0 }])
      .png()
      .toBuffer();
    const hash = await placeholderOf(input, settings);
    assert.ok(decodedMean(hash, 0, 0.3).a < 80, `left alpha ${decodedMean(hash, 0, 0.3).a}`);
    assert.ok(decodedMean(hash, 0.7, 1).a > 180, `right alpha ${decodedMean(hash, 0.7, 1).a}`);
  });

  it('takes the first frame of an animation', async () => {
    // animatedGif's first frame is (0, 40, 200): blue; later frames grow red.
    const hash = await placeholderOf(await images.animatedGif(3, 60, 40), settings);
    const mean = decodedMean(hash);
    assert.ok(mean.b > 150 && mean.r < 50, JSON.stringify(mean));
  });

  for (const [name, make, code] of refused) {
    it(`refuses ${name} with ${code}`, async () => {
      assert.equal(await refusal(placeholderOf(await make(), settings)), code);
    });
  }
});
