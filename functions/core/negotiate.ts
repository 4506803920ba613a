import type { OutputFormat } from './spec';

/**
 * The format an original "is", judged from its key's extension. The viewer cannot read the original,
 * so this is the cheap, deterministic stand-in: JPEG for photos, PNG for formats that may carry alpha.
 */
export function sourceFormat(originalKey: string): OutputFormat {
  const ext = /\.(png|svg|webp|avif|gif)$/i.exec(originalKey);
  const format = ext ? (ext[1] as string).toLowerCase() : 'jpeg';
  return (format === 'svg' ? 'png' : format) as OutputFormat;
}

/** True when an Accept header lists `type` with a non-zero q value. */
export function accepts(accept: string, type: string): boolean {
  const entries = accept.toLowerCase().split(',');
  for (let i = 0; i < entries.length; i++) {
    const parts = (entries[i] as string).split(';');
    if ((parts[0] as string).trim() !== type) continue;
    for (let j = 1; j < parts.length; j++) {
      const param = (parts[j] as string).trim();
      if (param.indexOf('q=') === 0 && parseFloat(param.slice(2)) === 0) return false;
    }
    return true;
  }
  return false;
}

/**
 * Resolves `format=auto`: AVIF when accepted and enabled, then WebP, otherwise the original's own format
 * (PNG instead when that is WebP or AVIF and the viewer accepts neither).
 *
 * The viewer cannot see whether an original is animated, so the rule goes by container: a GIF or WebP
 * original may be animated, and AVIF output would keep only its first frame (libvips writes no AVIF
 * sequences). Such originals never get AVIF: WebP, which keeps the frames, when accepted; otherwise GIF
 * stays GIF, and WebP falls back to PNG (first frame) for the rare viewer that accepts no WebP.
 */
export function negotiateFormat(
  accept: string | undefined,
  originalKey: string,
  enableAvif: boolean,
): OutputFormat {
  const source = sourceFormat(originalKey);
  const header = accept || '';
  const webp = accepts(header, 'image/webp');
  if (source === 'gif' || source === 'webp') return webp ? 'webp' : source === 'gif' ? 'gif' : 'png';
  if (enableAvif && accepts(header, 'image/avif')) return 'avif';
  if (webp) return 'webp';
  return source === 'avif' ? 'png' : source;
}
