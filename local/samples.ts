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

/** Three photos-like JPEGs and a PNG with transparency. */
export async function generateSamples(): Promise<SampleImage[]> {
  const render = async (key: string, svg: string, format: 'jpeg' | 'png') => {
    const image = sharp(Buffer.from(svg));
    const body =
      format === 'jpeg' ? await image.jpeg({ quality: 90 }).toBuffer() : await image.png().toBuffer();
    return { key, body, contentType: format === 'jpeg' ? 'image/jpeg' : 'image/png' };
  };
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
  ]);
}
