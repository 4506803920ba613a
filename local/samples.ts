import sharp from 'sharp';

/** A sample original generated at start-up, so the repo ships no binary images. */
export interface SampleImage {
  readonly key: string;
  readonly body: Buffer;
  readonly contentType: string;
}

function landscapeSvg(
  width: number,
  height: number,
  sky: [string, string],
  hills: string[],
  sun: string,
): string {
  const layers = hills
    .map((colour, i) => {
      const base = height * (0.55 + i * 0.12);
      const points = Array.from({ length: 9 }, (_, j) => {
        const x = (width / 8) * j;
        const y = base - Math.abs(Math.sin(j * 1.7 + i * 2.3)) * height * 0.18;
        return `${x.toFixed(0)},${y.toFixed(0)}`;
      });
      return `<polygon fill="${colour}" points="0,${height} ${points.join(' ')} ${width},${height}"/>`;
    })
    .join('');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">
    <defs><linearGradient id="sky" x1="0" y1="0" x2="0" y2="1">
      <stop offset="0" stop-color="${sky[0]}"/><stop offset="1" stop-color="${sky[1]}"/></linearGradient></defs>
    <rect width="100%" height="100%" fill="url(#sky)"/>
    <circle cx="${width * 0.72}" cy="${height * 0.3}" r="${height * 0.09}" fill="${sun}"/>${layers}</svg>`;
}

function logoSvg(size: number): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${size}" height="${size}">
    <circle cx="${size / 2}" cy="${size / 2}" r="${size * 0.45}" fill="#ff7a00" fill-opacity="0.9"/>
    <rect x="${size * 0.3}" y="${size * 0.3}" width="${size * 0.4}" height="${size * 0.4}" rx="${size * 0.06}" fill="#1d3557"/></svg>`;
}

/** A spinning square, as an animated GIF of `frames` frames. */
async function spinnerGif(size: number, frames: number): Promise<Buffer> {
  const pictures = await Promise.all(
    Array.from({ length: frames }, (_, i) => {
      const angle = (360 / frames) * i;
      const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${size}" height="${size}">
        <rect width="100%" height="100%" fill="#f1faee"/>
        <rect x="${size * 0.3}" y="${size * 0.3}" width="${size * 0.4}" height="${size * 0.4}" fill="#e63946"
          transform="rotate(${angle} ${size / 2} ${size / 2})"/></svg>`;
      return sharp(Buffer.from(svg)).png().toBuffer();
    }),
  );
  return sharp(pictures, { join: { animated: true } })
    .gif({ delay: 120, loop: 0 })
    .toBuffer();
}

/**
 * The samples: photo-like JPEGs, a PNG with transparency, an animated GIF, a photo stored sideways with
 * an EXIF orientation (the CDN turns it upright), and a large noisy PNG whose PNG renditions are over
 * Lambda@Edge's 1 MB, so they take the redirect-to-the-stored-derivative path.
 */
export async function generateSamples(): Promise<SampleImage[]> {
  const render = async (key: string, svg: string, format: 'jpeg' | 'png') => {
    const image = sharp(Buffer.from(svg));
    const body =
      format === 'jpeg' ? await image.jpeg({ quality: 90 }).toBuffer() : await image.png().toBuffer();
    return { key, body, contentType: format === 'jpeg' ? 'image/jpeg' : 'image/png' };
  };
  const sideways = sharp(
    Buffer.from(
      landscapeSvg(1600, 1200, ['#bde0fe', '#ffc8dd'], ['#cdb4db', '#a2d2ff', '#6d6875'], '#ffafcc'),
    ),
  )
    .rotate(-90) // stored sideways; EXIF orientation 6 says "turn 90° clockwise to view"
    .jpeg({ quality: 90 })
    .withMetadata({ orientation: 6 });
  const noise = sharp({
    create: {
      width: 1600,
      height: 1200,
      channels: 3,
      background: '#808080',
      noise: { type: 'gaussian', mean: 128, sigma: 60 },
    },
  }).png({ compressionLevel: 1 });
  return Promise.all([
    render(
      'samples/dawn.jpg',
      landscapeSvg(2400, 1600, ['#f6bd60', '#f28482'], ['#84a59d', '#52796f', '#2f3e46'], '#fff3b0'),
      'jpeg',
    ),
    render(
      'samples/dusk.jpg',
      landscapeSvg(3000, 2000, ['#22223b', '#9a8c98'], ['#4a4e69', '#3c3a57', '#1b1b2f'], '#f2e9e4'),
      'jpeg',
    ),
    render(
      'samples/noon.jpg',
      landscapeSvg(1600, 2400, ['#48cae4', '#caf0f8'], ['#90be6d', '#43aa8b', '#277da1'], '#ffd60a'),
      'jpeg',
    ),
    render('samples/logo.png', logoSvg(1000), 'png'),
    spinnerGif(240, 8).then((body) => ({ key: 'samples/spinner.gif', body, contentType: 'image/gif' })),
    sideways.toBuffer().then((body) => ({ key: 'samples/sideways.jpg', body, contentType: 'image/jpeg' })),
    noise.toBuffer().then((body) => ({ key: 'samples/noise.png', body, contentType: 'image/png' })),
  ]);
}
