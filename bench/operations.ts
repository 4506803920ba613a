/**
 * Operations benchmark (issue 12): the project's transform for each of its operations against plain
 * sharp written by hand to do the same work on the same 12 MP photo (the same decode options, the same
 * sharp calls in the same order, the same encoder options), measured interleaved in this run. Also the
 * worst case of `blur` the transform timeout must bound: blur=2000 (sigma 100) on a 2048×2048 output.
 */
import sharp, { type Sharp } from 'sharp';
import { rgbaToThumbHash } from 'thumbhash';

import { parseQuery, parseQueryString } from '../functions/core/params';
import { DEFAULT_RULES } from '../functions/core/rules';
import type { ResizeSpec } from '../functions/core/spec';
import { DEFAULT_TRANSFORM_SETTINGS } from '../functions/transform/settings';
import { transform } from '../functions/transform/transform';
import { median, photo12mp, photoJpeg, ratio, timeMs } from './util';

const RUNS = 15;
/** trim=auto takes seconds on 12 MP (libvips' find_trim on the full decode), so fewer runs of it. */
const TRIM_RUNS = 5;
const WORST_CASE_RUNS = 3;

interface Medians {
  readonly wall: number;
  readonly cpu: number;
}

/** CPU time of this process (every libvips thread included), in ms. */
function cpuMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

/**
 * Median wall and CPU time of the two sides, as util.ts `compare` measures (a warm-up each, then
 * interleaved), but alternating which side goes first, and with CPU time too: this machine's 2 cores
 * are shared, and CPU time is the steadier figure under other load.
 */
async function compareBoth(
  runs: number,
  ours: () => Promise<unknown>,
  plain: () => Promise<unknown>,
): Promise<{ ours: Medians; plain: Medians }> {
  const samples = {
    ours: { wall: [] as number[], cpu: [] as number[] },
    plain: { wall: [] as number[], cpu: [] as number[] },
  };
  const time = async (side: 'ours' | 'plain', work: () => Promise<unknown>) => {
    const cpu = cpuMs();
    samples[side].wall.push(await timeMs(work));
    samples[side].cpu.push(cpuMs() - cpu);
  };
  await ours();
  await plain();
  for (let i = 0; i < runs; i++) {
    if (i % 2) {
      await time('plain', plain);
      await time('ours', ours);
    } else {
      await time('ours', ours);
      await time('plain', plain);
    }
  }
  const medians = (side: 'ours' | 'plain') => ({
    wall: median(samples[side].wall),
    cpu: median(samples[side].cpu),
  });
  return { ours: medians('ours'), plain: medians('plain') };
}

/** The canonical spec of a query, as the edge parses it for `photo.jpg` (so JPEG, quality 80). */
function specOf(query: string): ResizeSpec {
  const spec = parseQuery(parseQueryString(query), 'photo.jpg', undefined, DEFAULT_RULES);
  if (!spec) throw new Error(`${query} asks for no transform`);
  return spec;
}

/** How the transform opens an original (decode.ts), as anyone using sharp on untrusted input would. */
function open(input: Buffer) {
  return sharp(input, { failOn: 'warning', autoOrient: true });
}

/** The transform's encode of a JPEG (encode.ts, `fast` effort) after its conversion to 8-bit sRGB. */
function jpeg(pipeline: Sharp): Promise<Buffer> {
  return pipeline.toColourspace('srgb').jpeg({ quality: 80, mozjpeg: false }).toBuffer();
}

/** A 1200 px wide resize as sharp is usually asked for one. */
const W1200 = { width: 1200, withoutEnlargement: true } as const;

/** What describe.ts reads: the header, then a small upright decode of the first frame. */
function small(input: Buffer, side: number) {
  return open(input).resize(side, side, { fit: 'inside', withoutEnlargement: true });
}

async function plainJson(input: Buffer): Promise<Buffer> {
  const meta = await sharp(input).metadata();
  const { data, info } = await small(input, 64)
    .flatten({ background: '#ffffff' })
    .raw()
    .toBuffer({ resolveWithObject: true });
  const { dominant } = await sharp(data, {
    raw: { width: info.width, height: info.height, channels: info.channels },
  }).stats();
  const hex = (v: number) => v.toString(16).padStart(2, '0');
  return Buffer.from(
    JSON.stringify({
      width: meta.autoOrient.width,
      height: meta.autoOrient.height,
      format: meta.format,
      hasAlpha: meta.hasAlpha,
      pages: meta.pages ?? 1,
      animated: false,
      dominantColor: '#' + hex(dominant.r) + hex(dominant.g) + hex(dominant.b),
      orientation: meta.orientation ?? 1,
    }),
  );
}

async function plainThumbHash(input: Buffer): Promise<Buffer> {
  await sharp(input).metadata();
  const { data, info } = await small(input, 100).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  return Buffer.from(Buffer.from(rgbaToThumbHash(info.width, info.height, data)).toString('base64'));
}

interface OperationCase {
  readonly query: string;
  /** The photo, or the same kind of photo inside a uniform white border (for trim). */
  readonly input: 'photo' | 'bordered';
  readonly plain: (input: Buffer) => Promise<Buffer>;
}

// The focal-point crop by hand: 4000×3000 covering 1200×800 scales by 0.3 to 1200×900; the 1200×800
// window centred on (0.3, 0.55) is moved inside the picture: left 0, top 0.55 × 900 − 400 = 95.
const CASES: readonly OperationCase[] = [
  { query: 'w=1200', input: 'photo', plain: (i) => jpeg(open(i).resize(W1200)) },
  {
    query: 'w=1200&h=800&fit=crop&crop=top,left',
    input: 'photo',
    plain: (i) => jpeg(open(i).resize({ width: 1200, height: 800, position: 'left top' })),
  },
  {
    query: 'w=1200&h=800&crop=entropy',
    input: 'photo',
    plain: (i) => jpeg(open(i).resize({ width: 1200, height: 800, position: sharp.strategy.entropy })),
  },
  {
    query: 'w=1200&h=800&crop=edges',
    input: 'photo',
    plain: (i) => jpeg(open(i).resize({ width: 1200, height: 800, position: sharp.strategy.attention })),
  },
  {
    query: 'w=1200&h=800&crop=focalpoint&fp-x=0.3&fp-y=0.55',
    input: 'photo',
    plain: (i) =>
      jpeg(
        open(i)
          .resize({ width: 1200, height: 900, fit: 'fill' })
          .extract({ left: 0, top: 95, width: 1200, height: 800 }),
      ),
  },
  {
    query: 'rect=500,400,2400,1800&w=1200',
    input: 'photo',
    plain: (i) => jpeg(open(i).extract({ left: 500, top: 400, width: 2400, height: 1800 }).resize(W1200)),
  },
  { query: 'rot=90&w=1200', input: 'photo', plain: (i) => jpeg(open(i).rotate(90).resize(W1200)) },
  { query: 'flip=hv&w=1200', input: 'photo', plain: (i) => jpeg(open(i).flip().flop().resize(W1200)) },
  { query: 'trim=auto&w=1200', input: 'bordered', plain: (i) => jpeg(open(i).trim().resize(W1200)) },
  {
    query: 'pad=40&bg=ff0000&w=1200',
    input: 'photo',
    plain: (i) =>
      jpeg(open(i).resize(W1200).extend({ top: 40, bottom: 40, left: 40, right: 40, background: '#ff0000' })),
  },
  { query: 'blur=50&w=1200', input: 'photo', plain: (i) => jpeg(open(i).resize(W1200).blur(2.5)) },
  { query: 'blur=500&w=1200', input: 'photo', plain: (i) => jpeg(open(i).resize(W1200).blur(25)) },
  {
    query: 'sharp=50&w=1200',
    input: 'photo',
    plain: (i) => jpeg(open(i).resize(W1200).sharpen({ sigma: 2 })),
  },
  {
    query: 'sat=-100&w=1200',
    input: 'photo',
    plain: (i) => jpeg(open(i).resize(W1200).modulate({ saturation: 0 })),
  },
  {
    query: 'w=1200&h=1200&fit=contain&bg=336699',
    input: 'photo',
    plain: (i) => jpeg(open(i).resize({ width: 1200, height: 1200, fit: 'contain', background: '#336699' })),
  },
  { query: 'fm=json', input: 'photo', plain: plainJson },
  { query: 'fm=thumbhash', input: 'photo', plain: plainThumbHash },
];

/** The photo (3400×2400) inside a 300 px white border: 4000×3000, for trim=auto to find. */
async function borderedPhoto(): Promise<Buffer> {
  return sharp(await photoJpeg(3400, 2400))
    .extend({ top: 300, bottom: 300, left: 300, right: 300, background: '#ffffff' })
    .jpeg({ quality: 90 })
    .toBuffer();
}

export interface OperationsBenchFigures {
  /** transform ÷ plain sharp, by query. */
  readonly transformVsSharp: Record<string, number>;
  /** The same in CPU time. */
  readonly transformVsSharpCpu: Record<string, number>;
  readonly blurWorstCaseMs: number;
}

export async function runOperationsBench(): Promise<OperationsBenchFigures> {
  console.log('\n## Operations (12 MP JPEG → JPEG q80, transform ÷ plain sharp doing the same)');
  const inputs = { photo: await photo12mp(), bordered: await borderedPhoto() };
  const transformVsSharp: Record<string, number> = {};
  const transformVsSharpCpu: Record<string, number> = {};
  for (const { query, input: which, plain } of CASES) {
    const input = inputs[which];
    const spec = specOf(query);
    const ours = () => transform(input, spec, DEFAULT_TRANSFORM_SETTINGS);
    // The baseline must do the same work: its output is the transform's, byte for byte.
    const same = (await ours()).data.equals(await plain(input));
    const times = await compareBoth(which === 'bordered' ? TRIM_RUNS : RUNS, ours, () => plain(input));
    transformVsSharp[query] = times.ours.wall / times.plain.wall;
    transformVsSharpCpu[query] = times.ours.cpu / times.plain.cpu;
    console.log(
      `transform ÷ plain sharp, ${query}: ${ratio(times.ours.wall, times.plain.wall)} ` +
        `(${times.ours.wall.toFixed(1)} ms vs ${times.plain.wall.toFixed(1)} ms; ` +
        `CPU ${ratio(times.ours.cpu, times.plain.cpu)}, ${times.ours.cpu.toFixed(0)} vs ${times.plain.cpu.toFixed(0)} ms; ` +
        `target ≤ 1.05)` +
        (same ? '' : ' [outputs differ: the baseline does not do the same work]'),
    );
  }

  const worst = specOf('blur=2000&w=2048&h=2048');
  const samples: number[] = [];
  for (let i = 0; i < WORST_CASE_RUNS; i++)
    samples.push(await timeMs(() => transform(inputs.photo, worst, DEFAULT_TRANSFORM_SETTINGS)));
  const blurWorstCaseMs = median(samples);
  console.log(
    `blur worst case, blur=2000 (sigma 100) on a 2048×2048 output: ${blurWorstCaseMs.toFixed(0)} ms ` +
      `(median of ${WORST_CASE_RUNS}; must stay well under the ${DEFAULT_TRANSFORM_SETTINGS.timeoutSeconds} s timeout)`,
  );
  return { transformVsSharp, transformVsSharpCpu, blurWorstCaseMs };
}

if (require.main === module) {
  runOperationsBench().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
