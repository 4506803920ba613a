/**
 * A Next.js image loader: `next/image` asks the CDN for each width it needs, in AVIF or WebP as the browser
 * accepts. In next.config.js:
 *
 *     images: { loader: 'custom', loaderFile: './node_modules/image-cdn/client/next-loader.ts' }
 *
 * and set NEXT_PUBLIC_IMAGE_CDN_ORIGIN to the stack's `https://<distributionDomainName>` (or its alias).
 * For a stack with signed URLs, sign on the server instead (client/signed-url.ts).
 */
import { imageUrl } from './image-url';

export interface NextImageLoaderProps {
  readonly src: string;
  readonly width: number;
  readonly quality?: number;
}

export default function imageCdnLoader({ src, width, quality }: NextImageLoaderProps): string {
  const origin = process.env.NEXT_PUBLIC_IMAGE_CDN_ORIGIN;
  if (!origin) throw new Error('NEXT_PUBLIC_IMAGE_CDN_ORIGIN is not set: the CDN origin, https://<domain>');
  return imageUrl(origin, src, { width, format: 'auto', ...(quality ? { quality } : {}) });
}
