import type { OutputFormat } from './spec';

/**
 * The format an original "is", judged from its key's extension. The viewer cannot read the original,
 * so this is the cheap, deterministic stand-in: JPEG for photos, PNG for formats that may carry alpha.
 */
export function sourceFormat(originalKey: string): OutputFormat {
  const dot = originalKey.lastIndexOf('.');
  const ext = dot >= 0 ? originalKey.slice(dot + 1).toLowerCase() : '';
  switch (ext) {
    case 'png':
    case 'svg':
      return 'png';
    case 'webp':
      return 'webp';
    case 'avif':
      return 'avif';
    case 'gif':
      return 'gif';
    default:
      return 'jpeg';
  }
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
 * (PNG instead when that is WebP or AVIF and the viewer accepts neither). Animated GIFs prefer WebP,
 * which keeps the animation, over AVIF, which would keep only the first frame.
 */
export function negotiateFormat(
  accept: string | undefined,
  originalKey: string,
  enableAvif: boolean,
): OutputFormat {
  const source = sourceFormat(originalKey);
  const header = accept || '';
  const avif = enableAvif && accepts(header, 'image/avif');
  const webp = accepts(header, 'image/webp');
  if (source === 'gif') return webp ? 'webp' : 'gif';
  if (avif) return 'avif';
  if (webp) return 'webp';
  return source === 'webp' || source === 'avif' ? 'png' : source;
}
