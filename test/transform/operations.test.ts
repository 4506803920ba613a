import assert from 'node:assert/strict';

import sharp from 'sharp';
import { thumbHashToApproximateAspectRatio, thumbHashToRGBA } from 'thumbhash';

import { renderRenditions } from '../../functions/batch/pipeline';
import { isImageError } from '../../functions/core/errors';
import { parseQuery, parseQueryString } from '../../functions/core/params';
import { DEFAULT_RULES } from '../../functions/core/rules';
import type { ResizeSpec } from '../../functions/core/spec';
import { DEFAULT_TRANSFORM_SETTINGS } from '../../functions/transform/settings';
import { transform } from '../../functions/transform/transform';

/**
 * Issue 12: each operation on real pictures, checked pixel by pixel, through the path a request takes
 * (query → canonical spec → transform). Pictures are built here so every expected pixel is known.
 */

const settings = DEFAULT_TRANSFORM_SETTINGS;

/** The canonical spec a request for `query` gets, as the viewer and the edge parse it. */
function spec(query: string, key = 'picture.png'): ResizeSpec {
  return parseQuery(parseQueryString(query), key, undefined, DEFAULT_RULES) as ResizeSpec;
}

async function render(input: Buffer, query: string, key = 'picture.png') {
  return transform(input, spec(query, key), settings);
}

/** Raw RGB(A) pixels with their size. */
async function pixels(image: Buffer) {
  const { data, info } = await sharp(image).raw().toBuffer({ resolveWithObject: true });
  const at = (x: number, y: number) => {
    const offset = (y * info.width + x) * info.channels;
    return [...data.subarray(offset, offset + Math.min(3, info.channels))];
  };
  return { data, info, at };
}

/** A flat grey picture with coloured rectangles drawn on it. */
async function canvas(
  width: number,
  height: number,
  boxes: { left: number; top: number; width: number; height: number; colour: string }[],
  background = '#808080',
): Promise<Buffer> {
  const layers = await Promise.all(
    boxes.map(async (box) => ({
      input: await sharp({
        create: { width: box.width, height: box.height, channels: 3, background: box.colour },
      })
        .png()
        .toBuffer(),
      left: box.left,
      top: box.top,
    })),
  );
  return sharp({ create: { width, height, channels: 3, background } })
    .composite(layers)
    .png()
    .toBuffer();
}

const near = (actual: number[], expected: number[], tolerance = 40) =>
  actual.every((value, i) => Math.abs(value - (expected[i] as number)) <= tolerance);

/** The centre of mass of the pixels closest to `colour`. */
function centreOf(image: Awaited<ReturnType<typeof pixels>>, colour: number[]) {
  let [sumX, sumY, count] = [0, 0, 0];
  for (let y = 0; y < image.info.height; y++) {
    for (let x = 0; x < image.info.width; x++) {
      if (near(image.at(x, y), colour, 60)) {
        sumX += x;
        sumY += y;
        count++;
      }
    }
  }
  assert.ok(count > 0, `no pixel near ${colour}`);
  return { x: sumX / count, y: sumY / count };
}

describe('operations (issue 12): real sharp, pixel checks', () => {
  it('crop=focalpoint puts the focal point at the centre of the output when the picture allows', async () => {
    // A red dot at (300, 100) of 800×400: fp-x 0.375, fp-y 0.25.
    const input = await canvas(800, 400, [{ left: 295, top: 95, width: 10, height: 10, colour: '#ff0000' }]);
    const out = await render(input, 'w=200&h=200&fit=cover&crop=focalpoint&fp-x=0.375&fp-y=0.25');
    const image = await pixels(out.data);
    assert.deepEqual([image.info.width, image.info.height], [200, 200]);
    const dot = centreOf(image, [255, 0, 0]);
    // Scaled to 400×200 the dot is at (150, 50); the 200×200 window is centred on x and pinned at the top.
    assert.ok(Math.abs(dot.x - 100) <= 2, `dot x ${dot.x}`);
    assert.ok(Math.abs(dot.y - 50) <= 2, `dot y ${dot.y}`);
  });

  it('crop=focalpoint clamps at the picture edge instead of showing past it', async () => {
    const input = await canvas(800, 400, [{ left: 0, top: 0, width: 20, height: 20, colour: '#00ff00' }]);
    const out = await render(input, 'w=200&h=200&crop=focalpoint&fp-x=0&fp-y=0');
    const dot = centreOf(await pixels(out.data), [0, 255, 0]);
    assert.ok(dot.x < 10 && dot.y < 10, JSON.stringify(dot));
  });

  it('crop=edges keeps a high-detail subject on a flat background', async () => {
    // A noisy 200×200 subject at the right of a flat 1200×400 picture; a centre crop would miss it.
    // Saturated cells of 8×8 pixels in colours from a fixed linear congruential sequence: detail that
    // survives the shrink to the output's scale.
    let seed = 12345;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2147483648) >> 16;
    const cells = Array.from({ length: 25 * 25 * 3 }, () => (next() & 1 ? 255 : 0));
    const bytes = Buffer.from(
      Array.from({ length: 200 * 200 * 3 }, (_, i) => {
        const [pixel, channel] = [Math.floor(i / 3), i % 3];
        const cell = Math.floor(pixel / 200 / 8) * 25 + Math.floor((pixel % 200) / 8);
        return cells[cell * 3 + channel] as number;
      }),
    );
    const noise = await sharp(bytes, { raw: { width: 200, height: 200, channels: 3 } })
      .png()
      .toBuffer();
    const input = await sharp({ create: { width: 1200, height: 400, channels: 3, background: '#808080' } })
      .composite([{ input: noise, left: 950, top: 100 }])
      .png()
      .toBuffer();
    for (const query of ['w=200&h=200&crop=edges', 'w=200&h=200&crop=entropy']) {
      const image = await pixels((await render(input, query)).data);
      const stats = await sharp(image.data, { raw: image.info }).stats();
      assert.ok(
        (stats.channels[0] as { stdev: number }).stdev > 30,
        `${query}: the subject is not in the crop`,
      );
    }
    const centre = await pixels((await render(input, 'w=200&h=200')).data);
    const flat = await sharp(centre.data, { raw: centre.info }).stats();
    assert.ok((flat.channels[0] as { stdev: number }).stdev < 5, 'a centre crop should be flat here');
  });

  it('crop=top,left keeps the top-left corner', async () => {
    const input = await canvas(400, 400, [{ left: 0, top: 0, width: 40, height: 40, colour: '#0000ff' }]);
    const image = await pixels((await render(input, 'w=100&h=50&crop=top,left')).data);
    assert.ok(near(image.at(2, 2), [0, 0, 255]), String(image.at(2, 2)));
  });

  it('flip=h mirrors a known pixel, flip=v and flip=hv the others', async () => {
    const input = await canvas(100, 50, [{ left: 0, top: 0, width: 10, height: 10, colour: '#ff0000' }]);
    const cases: [string, [number, number]][] = [
      ['flip=h', [95, 5]],
      ['flip=v', [5, 45]],
      ['flip=hv', [95, 45]],
    ];
    for (const [query, [x, y]] of cases) {
      const image = await pixels((await render(input, query + '&fm=png')).data);
      assert.ok(near(image.at(x, y), [255, 0, 0]), `${query}: ${image.at(x, y)}`);
      assert.ok(near(image.at(5, 5), [128, 128, 128]), `${query}: the corner moved`);
    }
  });

  it('rot=90 swaps the sides and turns clockwise', async () => {
    const input = await canvas(200, 100, [{ left: 0, top: 0, width: 10, height: 10, colour: '#ff0000' }]);
    const image = await pixels((await render(input, 'rot=90&fm=png')).data);
    assert.deepEqual([image.info.width, image.info.height], [100, 200]);
    // Clockwise: the top-left corner goes to the top-right.
    assert.ok(near(image.at(95, 5), [255, 0, 0]), String(image.at(95, 5)));
    const sized = await render(input, 'rot=90&w=50&h=80&fm=png');
    assert.deepEqual([sized.width, sized.height], [50, 80]);
  });

  it('sat=-100 gives equal channels', async () => {
    const input = await canvas(64, 64, [
      { left: 0, top: 0, width: 32, height: 64, colour: '#ff2040' },
      { left: 32, top: 0, width: 32, height: 64, colour: '#20c040' },
    ]);
    const image = await pixels((await render(input, 'sat=-100&fm=png')).data);
    for (const [x, y] of [
      [10, 10],
      [50, 50],
    ] as const) {
      const [r, g, b] = image.at(x, y) as [number, number, number];
      assert.ok(Math.abs(r - g) <= 1 && Math.abs(g - b) <= 1, `(${x},${y}) ${r},${g},${b}`);
    }
  });

  it('pad and bg colour the border, and the picture keeps its size inside', async () => {
    const input = await canvas(100, 100, [], '#00ff00');
    const out = await render(input, 'w=50&h=50&pad=10&bg=f00&fm=png');
    const image = await pixels(out.data);
    assert.deepEqual([image.info.width, image.info.height], [70, 70]);
    assert.ok(near(image.at(2, 2), [255, 0, 0], 2), String(image.at(2, 2)));
    assert.ok(near(image.at(35, 35), [0, 255, 0], 2), String(image.at(35, 35)));
    // Without bg, the stack's background (white).
    const plain = await pixels((await render(input, 'w=50&h=50&pad=10&fm=png')).data);
    assert.ok(near(plain.at(2, 2), [255, 255, 255], 2), String(plain.at(2, 2)));
  });

  it('bg fills the bars of fit=contain and the alpha of a JPEG', async () => {
    const input = await canvas(200, 100, [], '#0000ff');
    const contained = await pixels((await render(input, 'w=100&h=100&fit=contain&bg=ff0&fm=png')).data);
    assert.ok(near(contained.at(50, 5), [255, 255, 0], 2), String(contained.at(50, 5)));
    const transparent = await sharp({
      create: { width: 20, height: 20, channels: 4, background: { r: 0, g: 0, b: 0, alpha: 0 } },
    })
      .png()
      .toBuffer();
    const flattened = await pixels((await render(transparent, 'fm=jpg&bg=00ff00')).data);
    assert.ok(near(flattened.at(10, 10), [0, 255, 0], 8), String(flattened.at(10, 10)));
  });

  it('trim=auto removes a known uniform border', async () => {
    // A 60×40 red picture inside a 20 px white border.
    const input = await canvas(
      100,
      80,
      [{ left: 20, top: 20, width: 60, height: 40, colour: '#ff0000' }],
      '#ffffff',
    );
    const out = await render(input, 'trim=auto&fm=png');
    assert.deepEqual([out.width, out.height], [60, 40]);
    const image = await pixels(out.data);
    assert.ok(near(image.at(0, 0), [255, 0, 0], 2), String(image.at(0, 0)));
  });

  it('rect cuts the exact region, in source pixels', async () => {
    const input = await canvas(200, 100, [{ left: 50, top: 20, width: 30, height: 10, colour: '#ff0000' }]);
    const out = await render(input, 'rect=50,20,30,10&fm=png');
    const image = await pixels(out.data);
    assert.deepEqual([image.info.width, image.info.height], [30, 10]);
    for (const [x, y] of [
      [0, 0],
      [29, 9],
    ] as const)
      assert.ok(near(image.at(x, y), [255, 0, 0], 2), `(${x},${y}) ${image.at(x, y)}`);
  });

  it('rect with flip=h is measured on the mirrored picture', async () => {
    const input = await canvas(200, 100, [{ left: 0, top: 0, width: 30, height: 10, colour: '#ff0000' }]);
    // Mirrored, the red box is at x 170–199.
    const image = await pixels((await render(input, 'rect=170,0,30,10&flip=h&fm=png')).data);
    assert.ok(near(image.at(15, 5), [255, 0, 0], 2), String(image.at(15, 5)));
  });

  it('refuses a rect outside the picture, and trim with rect, with a 400 naming the parameter', async () => {
    const input = await canvas(200, 100, []);
    for (const [query, name] of [
      ['rect=150,0,60,10', 'rect'],
      ['rect=0,0,10,10&trim=auto', 'trim'],
      ['w=10&h=10&crop=focalpoint&trim=auto', 'trim'],
    ] as const) {
      await assert.rejects(render(input, query), (error: unknown) => {
        assert.ok(isImageError(error) && error.status === 400, String(error));
        assert.match(error.message, new RegExp(`'${name}'`));
        return true;
      });
    }
  });

  it('counts the original against maxPixels for trim, which reads every pixel', async () => {
    const input = await canvas(200, 100, []);
    const small = { ...settings, maxPixels: 10_000 };
    await assert.rejects(transform(input, spec('trim=auto&w=50&fm=png'), small), (error: unknown) => {
      assert.ok(isImageError(error) && error.code === 'too_many_pixels', String(error));
      return true;
    });
    assert.ok(await transform(input, spec('w=50&fm=png'), small));
  });

  it('blur and sharp change the picture, within its size', async () => {
    const input = await canvas(
      100,
      100,
      [{ left: 40, top: 0, width: 20, height: 100, colour: '#c0c0c0' }],
      '#404040',
    );
    const blurred = await pixels((await render(input, 'blur=200&fm=png')).data);
    const edge = blurred.at(38, 50)[0] as number;
    assert.ok(edge > 70 && edge < 180, `blur leaves no soft edge: ${edge}`);
    const sharpened = await render(input, 'sharp=80&fm=png');
    const plain = await render(input, 'fm=png');
    assert.notDeepEqual(sharpened.data, plain.data);
    assert.deepEqual([sharpened.width, sharpened.height], [100, 100]);
  });

  it('fm=json reports the true, upright size', async () => {
    const stored = await sharp(await canvas(300, 200, []))
      .jpeg()
      .withMetadata({ orientation: 6 })
      .toBuffer();
    const out = await render(stored, 'fm=json&w=50', 'photo.jpg');
    assert.equal(out.contentType, 'application/json');
    const body = JSON.parse(out.data.toString('utf8'));
    assert.deepEqual([body.width, body.height, body.format], [200, 300, 'jpeg']);
  });

  it('fm=thumbhash answers a placeholder the library decodes', async () => {
    const input = await canvas(
      200,
      100,
      [{ left: 0, top: 0, width: 100, height: 100, colour: '#ff0000' }],
      '#0000ff',
    );
    const out = await render(input, 'fm=thumbhash');
    assert.match(out.contentType, /^text\/plain/);
    const hash = Buffer.from(out.data.toString('utf8'), 'base64');
    const ratio = thumbHashToApproximateAspectRatio(hash);
    assert.ok(Math.abs(ratio - 2) < 0.5, `aspect ${ratio}`);
    const decoded = thumbHashToRGBA(hash);
    const left = decoded.rgba.subarray(0, 3);
    assert.ok((left[0] as number) > (left[2] as number), `left should be red: ${[...left]}`);
  });
});

describe('operations: the batch resizer renders the same bytes as the edge', () => {
  it('for every operation, from one decode of a PNG original', async () => {
    const input = await canvas(400, 300, [
      { left: 20, top: 30, width: 60, height: 40, colour: '#ff0000' },
      { left: 300, top: 200, width: 50, height: 50, colour: '#00ff00' },
    ]);
    const queries = [
      'w=120&h=120&crop=top,left&fm=png',
      'w=120&h=90&crop=focalpoint&fp-x=0.8&fp-y=0.7&fm=webp',
      'w=100&h=100&crop=entropy&fm=jpg',
      'rect=10,10,200,100&w=100&fm=png',
      'rot=270&flip=v&w=90&fm=png',
      'w=100&pad=8&bg=80ff0000&fm=png',
      'w=100&blur=40&sat=-50&sharp=30&fm=webp',
      'w=100&h=100&fit=contain&bg=123456&fm=jpg',
    ];
    const specs = queries.map((query) => spec(query));
    const limit = <T>(work: () => Promise<T>) => work();
    const { strategy, rendered } = await renderRenditions(input, specs, settings, limit, {
      strategy: 'decode-once',
    });
    assert.equal(strategy, 'decode-once');
    for (let i = 0; i < specs.length; i++) {
      const batch = rendered[i];
      assert.ok(batch && 'result' in batch, `${queries[i]}: ${JSON.stringify(batch)}`);
      const edge = await transform(input, specs[i] as ResizeSpec, settings);
      assert.ok(batch.result.data.equals(edge.data), `${queries[i]}: batch and edge bytes differ`);
    }
  });
});
