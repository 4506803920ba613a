import { crc32, gzipSync } from 'node:zlib';

import sharp, { type JpegOptions, type Sharp } from 'sharp';

/**
 * Test images, generated with sharp itself so the repo ships no binaries. The "intended" picture is a
 * 40×20 canvas, red in its top-left quadrant and blue elsewhere: after correct orientation the output's
 * top-left is red and it is wider than tall.
 */

const RED = { r: 255, g: 0, b: 0 };
const BLUE = { r: 0, g: 0, b: 255 };

export async function quadrantImage(width = 40, height = 20): Promise<Buffer> {
  const red = await sharp({ create: { width: width / 2, height: height / 2, channels: 3, background: RED } })
    .png()
    .toBuffer();
  return sharp({ create: { width, height, channels: 3, background: BLUE } })
    .composite([{ input: red, left: 0, top: 0 }])
    .png()
    .toBuffer();
}

async function apply(input: Buffer, op: (image: Sharp) => Sharp): Promise<Buffer> {
  return op(sharp(input)).png().toBuffer();
}

/**
 * A JPEG whose stored pixels are the intended picture transformed by the inverse of EXIF orientation
 * `orientation`, tagged with that orientation: a viewer that honours EXIF shows the intended picture.
 */
export async function orientedJpeg(orientation: number): Promise<Buffer> {
  const intended = await quadrantImage();
  const inverse: Record<number, Array<(image: Sharp) => Sharp>> = {
    1: [],
    2: [(i) => i.flop()],
    3: [(i) => i.rotate(180)],
    4: [(i) => i.flip()],
    5: [(i) => i.rotate(90), (i) => i.flop()],
    6: [(i) => i.rotate(270)],
    7: [(i) => i.rotate(90), (i) => i.flip()],
    8: [(i) => i.rotate(90)],
  };
  let stored = intended;
  for (const op of inverse[orientation] ?? []) stored = await apply(stored, op);
  return sharp(stored).jpeg({ quality: 95 }).withMetadata({ orientation }).toBuffer();
}

export function photoJpeg(width: number, height: number, options: JpegOptions = {}): Promise<Buffer> {
  // A gradient with noise compresses like a photo, unlike a flat colour.
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">
    <defs><linearGradient id="g"><stop offset="0" stop-color="#3a6"/><stop offset="1" stop-color="#c52"/></linearGradient></defs>
    <rect width="100%" height="100%" fill="url(#g)"/><circle cx="50%" cy="50%" r="30%" fill="#fe8"/></svg>`;
  return sharp(Buffer.from(svg))
    .jpeg({ quality: 90, ...options })
    .toBuffer();
}

/** Random noise: nearly incompressible, so derivatives of it are large. */
export function noisePng(width: number, height: number): Promise<Buffer> {
  return sharp({
    create: {
      width,
      height,
      channels: 3,
      background: '#808080',
      noise: { type: 'gaussian', mean: 128, sigma: 60 },
    },
  })
    .png({ compressionLevel: 1 })
    .toBuffer();
}

export function alphaPng(width = 64, height = 64): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 4, background: { r: 0, g: 128, b: 0, alpha: 0.5 } } })
    .png()
    .toBuffer();
}

export function cmykJpeg(): Promise<Buffer> {
  return sharp({ create: { width: 64, height: 48, channels: 3, background: '#c04020' } })
    .toColourspace('cmyk')
    .jpeg()
    .toBuffer();
}

export function png16(): Promise<Buffer> {
  return sharp({ create: { width: 64, height: 48, channels: 3, background: '#4080c0' } })
    .toColourspace('rgb16')
    .png()
    .toBuffer();
}

export function grayscaleJpeg(): Promise<Buffer> {
  return sharp({ create: { width: 64, height: 48, channels: 3, background: '#777777' } })
    .grayscale()
    .jpeg()
    .toBuffer();
}

export async function progressiveJpeg(): Promise<Buffer> {
  return photoJpeg(320, 240, { progressive: true });
}

export function tiff(): Promise<Buffer> {
  return sharp({ create: { width: 64, height: 48, channels: 3, background: '#208040' } })
    .tiff()
    .toBuffer();
}

export function webp(): Promise<Buffer> {
  return sharp({
    create: { width: 64, height: 48, channels: 4, background: { r: 10, g: 20, b: 200, alpha: 0.7 } },
  })
    .webp()
    .toBuffer();
}

/** An animated GIF of `frames` frames, each a different colour. */
export async function animatedGif(frames = 3, width = 32, height = 24): Promise<Buffer> {
  const images = await Promise.all(
    Array.from({ length: frames }, (_, i) =>
      sharp({
        create: {
          width,
          height,
          channels: 3,
          background: { r: (i * 80) % 256, g: 40, b: 200 - ((i * 60) % 200) },
        },
      })
        .png()
        .toBuffer(),
    ),
  );
  return sharp(images, { join: { animated: true } })
    .gif()
    .toBuffer();
}

export async function truncatedJpeg(): Promise<Buffer> {
  const full = await photoJpeg(400, 300);
  return full.subarray(0, Math.floor(full.length / 2));
}

function pngChunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body) >>> 0);
  return Buffer.concat([length, body, crc]);
}

/** A tiny PNG whose header claims `width`×`height`: a decompression bomb's calling card. */
export function pngClaiming(width: number, height: number): Buffer {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.writeUInt8(8, 8); // bit depth
  header.writeUInt8(2, 9); // truecolour
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', header),
    pngChunk('IDAT', Buffer.from([0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01])),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

/** Mean colour of a region of an image, after decoding. */
export async function regionColour(image: Buffer, left: number, top: number, width: number, height: number) {
  const raw = await sharp(image)
    .extract({ left, top, width, height })
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  const pixels = raw.info.width * raw.info.height;
  let r = 0;
  let g = 0;
  let b = 0;
  for (let i = 0; i < raw.data.length; i += 3) {
    r += raw.data[i] as number;
    g += raw.data[i + 1] as number;
    b += raw.data[i + 2] as number;
  }
  return { r: r / pixels, g: g / pixels, b: b / pixels };
}

// Helpers for the hostile-input tests (test/edge/hostile-images.test.ts).
import { deflateSync, inflateSync } from 'node:zlib';

/**
 * A real decompression bomb: a valid 1-bit greyscale PNG of `width`×`height` whose every row is black.
 * Its IDAT really inflates to height × (1 + ⌈width/8⌉) bytes and decodes to width × height pixels, but
 * deflate squeezes it about a thousandfold (20000×20000 is ~50 KB on disk, 400 MP once decoded).
 */
export function pngBomb(width: number, height: number): Buffer {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.writeUInt8(1, 8); // bit depth 1
  header.writeUInt8(0, 9); // greyscale
  // Every row is filter byte 0 followed by zero bits; all-zero bytes, so one zero-filled buffer.
  const raw = Buffer.alloc(height * (1 + Math.ceil(width / 8)));
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', header),
    pngChunk('IDAT', deflateSync(raw, { level: 9 })),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

/** Bytes a PNG's IDAT chunks inflate to (to prove a bomb is real without decoding it with sharp). */
export function pngInflatedLength(png: Buffer): number {
  const parts: Buffer[] = [];
  for (let offset = 8; offset < png.length;) {
    const length = png.readUInt32BE(offset);
    if (png.toString('ascii', offset + 4, offset + 8) === 'IDAT')
      parts.push(png.subarray(offset + 8, offset + 8 + length));
    offset += 12 + length;
  }
  return inflateSync(Buffer.concat(parts)).length;
}

/** An animated GIF of `frames` frames of `width`×`height`, each its own solid colour (so none merge). */
export function manyFrameGif(frames: number, width: number, height: number): Promise<Buffer> {
  const raw = Buffer.alloc(width * height * frames * 3);
  for (let frame = 0; frame < frames; frame++) {
    const colour = [(frame * 37) % 256, (frame * 91) % 256, (frame * 13) % 256];
    for (let pixel = 0; pixel < width * height; pixel++)
      raw.set(colour, (frame * width * height + pixel) * 3);
  }
  return sharp(raw, { raw: { width, height: height * frames, channels: 3, pageHeight: height } })
    .gif({ effort: 1 })
    .toBuffer();
}

function jpegSegment(marker: number, payload: Buffer): Buffer {
  if (payload.length > 65533) throw new Error('a JPEG segment holds at most 65533 bytes');
  const head = Buffer.alloc(4);
  head.writeUInt8(0xff, 0);
  head.writeUInt8(marker, 1);
  head.writeUInt16BE(payload.length + 2, 2);
  return Buffer.concat([head, payload]);
}

/**
 * An EXIF block built to hurt a parser: IFD0 holds `entries` ASCII entries that all point at the same
 * large string (a naive parser copies it once per entry), its ExifIFD and next-IFD pointers loop back to
 * IFD0 (a naive parser recurses forever), and the ExifIFD's Interop pointer points at itself.
 */
export function hostileExif(entries: number, stringBytes: number): Buffer {
  const tags = [0x010e, 0x010f, 0x0110, 0x0131, 0x013b, 0x8298, 0x0132];
  const ifd0 = 8;
  const ifd0Size = 2 + (entries + 2) * 12 + 4;
  const exifIfd = ifd0 + ifd0Size;
  const exifIfdSize = 2 + 2 * 12 + 4;
  const text = exifIfd + exifIfdSize;
  const tiff = Buffer.alloc(text + stringBytes, 0x41);
  tiff.write('MM', 0, 'ascii');
  tiff.writeUInt16BE(42, 2);
  tiff.writeUInt32BE(ifd0, 4);
  const entry = (at: number, tag: number, type: number, count: number, value: number) => {
    tiff.writeUInt16BE(tag, at);
    tiff.writeUInt16BE(type, at + 2);
    tiff.writeUInt32BE(count, at + 4);
    tiff.writeUInt32BE(value, at + 8);
  };
  tiff.writeUInt16BE(entries + 2, ifd0);
  for (let i = 0; i < entries; i++)
    entry(ifd0 + 2 + i * 12, tags[i % tags.length] as number, 2, stringBytes, text);
  entry(ifd0 + 2 + entries * 12, 0x8769, 4, 1, exifIfd); // ExifIFD
  entry(ifd0 + 2 + (entries + 1) * 12, 0x8825, 4, 1, ifd0); // GPS IFD → IFD0 again
  tiff.writeUInt32BE(ifd0, ifd0 + 2 + (entries + 2) * 12); // next IFD → IFD0: a cycle
  tiff.writeUInt16BE(2, exifIfd);
  entry(exifIfd + 2, 0xa005, 4, 1, exifIfd); // Interop IFD → itself
  entry(exifIfd + 14, 0x8769, 4, 1, ifd0); // ExifIFD inside ExifIFD → IFD0
  tiff.writeUInt32BE(exifIfd, exifIfd + 26); // next IFD → itself
  tiff.writeUInt8(0, tiff.length - 1);
  return Buffer.concat([Buffer.from('Exif\0\0', 'binary'), tiff]);
}

/**
 * `jpeg` with metadata segments inserted after SOI: `exif` as APP1, then `fillerSegments` segments of
 * 64 KB each (XMP-shaped APP1, ICC-shaped APP2 with a garbage profile, APP13 and COM), a few MB of
 * metadata around a tiny picture.
 */
export function jpegWithMetadata(jpeg: Buffer, exif: Buffer, fillerSegments: number): Buffer {
  const segments: Buffer[] = [jpegSegment(0xe1, exif)];
  const fill = (prefix: string) =>
    Buffer.concat([Buffer.from(prefix, 'binary'), Buffer.alloc(65533 - prefix.length, 0x3c)]);
  for (let i = 0; i < fillerSegments; i++) {
    switch (i % 4) {
      case 0:
        segments.push(jpegSegment(0xe1, fill('http://ns.adobe.com/xap/1.0/\0<x:xmpmeta>')));
        break;
      case 1:
        segments.push(
          jpegSegment(
            0xe2,
            Buffer.concat([
              Buffer.from('ICC_PROFILE\0', 'binary'),
              Buffer.from([1 + (i % 200), 200]),
              fill(''),
            ]).subarray(0, 65533),
          ),
        );
        break;
      case 2:
        segments.push(jpegSegment(0xed, fill('Photoshop 3.0\0')));
        break;
      default:
        segments.push(jpegSegment(0xfe, fill('comment ')));
    }
  }
  return Buffer.concat([jpeg.subarray(0, 2), ...segments, jpeg.subarray(2)]);
}

// Generators for the format, container and corruption cases (issue 11: items 4–7).

export interface TiffPage {
  readonly width: number;
  readonly height: number;
  readonly colour: readonly [number, number, number];
}

/**
 * A baseline little-endian TIFF with one uncompressed RGB IFD per page, written by hand: libvips can only
 * save pages of one size, and a multi-page TIFF from a scanner or fax often has pages of several sizes.
 * Each page is one strip of its solid colour; IFDs are chained in page order.
 */
export function multiPageTiff(pages: readonly TiffPage[]): Buffer {
  const ENTRIES = 11;
  const ifdSize = 2 + ENTRIES * 12 + 4;
  const parts: Buffer[] = [];
  const header = Buffer.alloc(8);
  header.write('II', 0, 'ascii');
  header.writeUInt16LE(42, 2);
  header.writeUInt32LE(8, 4);
  parts.push(header);
  let offset = 8;
  pages.forEach((page, index) => {
    const pixels = page.width * page.height * 3;
    const ifdAt = offset;
    const bitsAt = ifdAt + ifdSize;
    const stripAt = bitsAt + 6;
    const next = index === pages.length - 1 ? 0 : stripAt + pixels + (pixels % 2);
    const ifd = Buffer.alloc(ifdSize + 6);
    ifd.writeUInt16LE(ENTRIES, 0);
    const entry = (i: number, tag: number, type: 3 | 4, value: number, count = 1) => {
      const at = 2 + i * 12;
      ifd.writeUInt16LE(tag, at);
      ifd.writeUInt16LE(type, at + 2);
      ifd.writeUInt32LE(count, at + 4);
      if (type === 3 && count === 1) ifd.writeUInt16LE(value, at + 8);
      else ifd.writeUInt32LE(value, at + 8);
    };
    entry(0, 254, 4, 2); // NewSubfileType: one page of a multi-page document
    entry(1, 256, 4, page.width);
    entry(2, 257, 4, page.height);
    entry(3, 258, 3, bitsAt, 3); // BitsPerSample 8,8,8 (stored after the IFD)
    entry(4, 259, 3, 1); // no compression
    entry(5, 262, 3, 2); // RGB
    entry(6, 273, 4, stripAt);
    entry(7, 277, 3, 3);
    entry(8, 278, 4, page.height);
    entry(9, 279, 4, pixels);
    entry(10, 297, 3, index | (pages.length << 16), 2); // PageNumber: page, of total
    ifd.writeUInt32LE(next, 2 + ENTRIES * 12);
    for (let i = 0; i < 3; i++) ifd.writeUInt16LE(8, ifdSize + i * 2);
    const strip = Buffer.alloc(pixels + (pixels % 2));
    for (let i = 0; i < pixels; i += 3) strip.set(page.colour, i);
    parts.push(ifd, strip);
    offset = stripAt + strip.length;
  });
  return Buffer.concat(parts);
}

/** An animated WebP of `frames` frames, each a different solid colour. */
export async function animatedWebp(frames = 5, width = 64, height = 48): Promise<Buffer> {
  return sharp(await animatedGif(frames, width, height), { animated: true })
    .webp({ quality: 80 })
    .toBuffer();
}

/** Offset of the first JPEG marker `marker` (e.g. 0xc0 SOF0, 0xda SOS) after SOI, walking segments. */
function jpegMarkerOffset(jpeg: Buffer, marker: number): number {
  for (let at = 2; at + 4 <= jpeg.length;) {
    if (jpeg[at] !== 0xff) throw new Error(`not a marker at ${at}`);
    if (jpeg[at + 1] === marker) return at;
    at += 2 + jpeg.readUInt16BE(at + 2);
  }
  throw new Error(`marker ${marker.toString(16)} not found`);
}

/**
 * A small, valid baseline JPEG whose SOF header is rewritten to claim `width`×`height`: its entropy data
 * ends long before that many pixels, so a decoder either fails or invents the rest (grey).
 */
export async function jpegClaiming(width: number, height: number): Promise<Buffer> {
  const small = await sharp({ create: { width: 32, height: 32, channels: 3, background: '#c03060' } })
    .jpeg({ quality: 50 })
    .toBuffer();
  const copy = Buffer.from(small);
  const sof = jpegMarkerOffset(copy, 0xc0);
  copy.writeUInt16BE(height, sof + 5);
  copy.writeUInt16BE(width, sof + 7);
  return copy;
}

/**
 * A photo JPEG with bits flipped throughout its entropy-coded data (never in the headers, never creating
 * a 0xFF marker byte): libjpeg decodes it with "Corrupt JPEG data" warnings into garbled pixels.
 */
export async function bitFlippedJpeg(): Promise<Buffer> {
  const copy = Buffer.from(await photoJpeg(400, 300));
  const sos = jpegMarkerOffset(copy, 0xda);
  const start = sos + 2 + copy.readUInt16BE(sos + 2) + 16;
  for (let at = start; at < copy.length - 16; at += 97) {
    const flipped = (copy[at] as number) ^ 0x24;
    const before = copy[at - 1];
    if (flipped !== 0xff && copy[at] !== 0xff && before !== 0xff) copy[at] = flipped;
  }
  return copy;
}

const SMALL_SVG =
  '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10" fill="red"/></svg>';

/** A gzip-compressed SVG (`.svgz`): librsvg inflates it, so a text sniff of the raw bytes misses it. */
export function gzippedSvg(): Buffer {
  return gzipSync(Buffer.from(SMALL_SVG));
}

/** An SVG preceded by an XML declaration and `commentBytes` of comment, pushing `<svg` past any short sniff. */
export function svgAfterLongComment(commentBytes: number): Buffer {
  return Buffer.from(`<?xml version="1.0"?>\n<!--${'x'.repeat(commentBytes)}-->\n${SMALL_SVG}`);
}

/** `jpeg` tagged with EXIF `orientation`, its pixels as they are. */
export function withOrientation(jpeg: Buffer, orientation: number): Promise<Buffer> {
  return sharp(jpeg).withMetadata({ orientation }).jpeg({ quality: 90 }).toBuffer();
}
