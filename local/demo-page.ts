import { signUrl, signedSrcset } from '../functions/signing/sign-url';

/** The demo page: a responsive gallery whose `srcset` lets the browser pick widths, with `format=auto`. */
const WIDTHS = [320, 640, 960, 1280];

const ENTITIES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ENTITIES[c] as string);
}

/** With a signing secret, every URL on the page is signed, as an application would sign them. */
export function demoPage(keys: readonly string[], signingSecret?: string): string {
  const sign = (url: string) => (signingSecret ? signUrl(url, signingSecret) : url);
  const figures = keys
    .map((key) => {
      const path = '/' + key.split('/').map(encodeURIComponent).join('/');
      const srcset = signingSecret
        ? signedSrcset(path, WIDTHS, { format: 'auto' }, signingSecret)
        : WIDTHS.map((w) => `${path}?width=${w}&format=auto ${w}w`).join(', ');
      return `<figure><img src="${escapeHtml(sign(`${path}?width=640&format=auto`))}" srcset="${escapeHtml(srcset)}"
        sizes="(max-width: 800px) 100vw, 45vw" alt="${escapeHtml(key)}" loading="lazy">
        <figcaption>${escapeHtml(key)} · <a href="${escapeHtml(sign(path))}">original</a></figcaption></figure>`;
    })
    .join('\n');
  return `<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>image-cdn local edge</title>
<style>body{font:16px system-ui,sans-serif;margin:2rem;color:#222}main{display:grid;gap:1rem;
grid-template-columns:repeat(auto-fill,minmax(300px,1fr))}figure{margin:0}img{width:100%;height:auto;border-radius:6px}
code{background:#eee;padding:0 .3em}</style></head><body>
<h1>image-cdn: local edge</h1>
<p>Each image is requested with <code>?width=…&amp;format=auto</code>; the browser picks the width from
<code>srcset</code>, the viewer function picks AVIF or WebP from <code>Accept</code>, and the origin-response
handler resizes on a miss. Check the <code>x-cache</code> response header in your browser's network panel.</p>
<main>
${figures}
</main></body></html>`;
}
