import { signedSrcSet } from '../client/signed-url';
import { keyToUri } from '../functions/core/key';
import { signUrl } from '../functions/signing/sign-url';

/**
 * The local edge's page: a playground that shows what the CDN does. A responsive gallery (`srcset`
 * with `format=auto`) where each image, once loaded, shows what it cost (format, bytes against the
 * original's, size, `x-cache`, `server-timing`), and a parameter builder whose preview shows the image
 * the CDN answers, or the 400 message it gives. Vanilla JS, served inline; nothing is downloaded.
 */

/** An original as the page describes it: size as displayed (EXIF orientation applied) and bytes. */
export interface PageOriginal {
  readonly key: string;
  readonly width: number;
  readonly height: number;
  readonly bytes: number;
}

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

function figure(original: PageOriginal, signingSecret: string | undefined): string {
  const path = keyToUri(original.key);
  const sign = (url: string) => (signingSecret ? signUrl(url, signingSecret) : url);
  const srcset = signingSecret
    ? signedSrcSet('', path, WIDTHS, { format: 'auto' }, signingSecret)
    : WIDTHS.map((w) => `${path}?width=${w}&format=auto ${w}w`).join(', ');
  // width/height give the box its aspect ratio before the image arrives, so nothing shifts.
  return `<figure><img src="${escapeHtml(sign(`${path}?width=640&format=auto`))}" srcset="${escapeHtml(srcset)}"
    sizes="(max-width: 800px) 100vw, 30vw" width="${original.width}" height="${original.height}"
    alt="${escapeHtml(original.key)}" loading="lazy" data-original-bytes="${original.bytes}">
    <figcaption><b>${escapeHtml(original.key)}</b> · <a href="${escapeHtml(sign(path))}">original</a>
    <span class="stats">loading…</span></figcaption></figure>`;
}

const SCRIPT = `
const kb = (n) => n < 1024 ? n + ' B' : (n / 1024).toFixed(1) + ' KB';
const saved = (got, was) => {
  if (!(was > 0)) return '';
  const change = Math.round(100 - (100 * got) / was);
  return ' (' + Math.abs(change) + (change >= 0 ? '% smaller' : '% larger') + ' than the original ' + kb(was) + ')';
};
// What an <img> asks for, so format=auto negotiates here as it does for the gallery.
const IMAGE_ACCEPT = 'image/avif,image/webp,image/apng,image/svg+xml,image/*,*/*;q=0.8';
async function pixelSize(url) {
  // naturalWidth of a srcset image is in CSS pixels; a plain image of the same URL gives the real size.
  const probe = new Image();
  probe.src = url;
  await probe.decode();
  return [probe.naturalWidth, probe.naturalHeight];
}
async function describe(url, bytes, originalBytes) {
  const [width, height] = await pixelSize(url);
  const head = await fetch(url, { method: 'HEAD', headers: { accept: IMAGE_ACCEPT } });
  const timing = head.headers.get('server-timing');
  // With --regions: the region whose bucket answered (the home region, or a replica after failover).
  const region = head.headers.get('x-local-origin-region');
  return (head.headers.get('content-type') || '?').replace('image/', '').toUpperCase() + ' · ' + kb(bytes) +
    saved(bytes, originalBytes) + ' · ' + width + '×' + height + ' · ' + (head.headers.get('x-cache') || '') +
    (region ? ' · served by ' + region : '') + (timing ? ' · resized: ' + timing : '');
}
function showStats(img) {
  const entry = performance.getEntriesByName(img.currentSrc).pop();
  const bytes = entry ? entry.encodedBodySize || entry.transferSize : 0;
  describe(img.currentSrc, bytes, Number(img.dataset.originalBytes))
    .then((text) => { img.parentElement.querySelector('.stats').textContent = text; });
}
for (const img of document.querySelectorAll('main img')) {
  if (img.complete && img.naturalWidth) showStats(img); else img.addEventListener('load', () => showStats(img));
}

const form = document.getElementById('builder');
const preview = document.getElementById('preview');
const result = document.getElementById('result');
const urlBox = document.getElementById('url');
const before = document.getElementById('before');
let shown;
let latest = 0;
async function update() {
  const ticket = ++latest;
  const data = new FormData(form);
  const option = form.original.selectedOptions[0];
  const params = ['width', 'height', 'fit', 'format', 'quality']
    .filter((name) => data.get(name)).map((name) => name + '=' + encodeURIComponent(data.get(name)));
  // Any other parameters, as typed: the viewer function says which it refuses. A later fm wins.
  const more = String(data.get('more') || '').trim().replace(/^[?&]+/, '');
  if (more) params.push(more);
  if (/(^|&)(fm|format)=/.test(more)) params.splice(params.findIndex((p) => p.startsWith('format=')), 1);
  const url = option.value + (params.length ? '?' + params.join('&') : '');
  urlBox.value = location.origin + url;
  const response = await fetch(url, { headers: { accept: IMAGE_ACCEPT } });
  before.src = option.value;
  const body = await response.blob();
  if (ticket !== latest) return; // a newer choice is on its way: show only the answer to that one
  if (!response.ok) {
    preview.style.visibility = 'hidden';
    result.className = 'error';
    result.textContent = response.status + ': ' + (await body.text());
    return;
  }
  const type = response.headers.get('content-type') || '';
  if (!type.startsWith('image/')) {
    // fm=json and fm=thumbhash answer text about the original, not a picture.
    preview.style.visibility = 'hidden';
    result.className = 'ok';
    result.textContent = type + ' · ' + (await body.text());
    return;
  }
  if (shown) URL.revokeObjectURL(shown);
  shown = URL.createObjectURL(body);
  preview.src = shown;
  preview.style.visibility = 'visible';
  await preview.decode().catch(() => {});
  result.className = 'ok';
  result.textContent = (response.headers.get('content-type') || '?').replace('image/', '').toUpperCase() + ' · ' +
    kb(body.size) + saved(body.size, Number(option.dataset.bytes)) + ' · ' + preview.naturalWidth + '×' +
    preview.naturalHeight + ' · ' + (response.headers.get('x-cache') || '');
}
async function showMetrics() {
  const m = await (await fetch('/_local/metrics')).json();
  const errors = Object.entries(m.errorsByStatus).map(([status, n]) => status + ': ' + n).join(', ') || 'none';
  document.getElementById('metrics').textContent = m.requests + ' requests · ' + m.hits + ' hits, ' + m.misses +
    ' misses (hit ratio ' + Math.round(m.hitRatio * 100) + ' %) · errors ' + errors + ' · resize p50 ' +
    m.resize.p50Ms + ' ms, p99 ' + m.resize.p99Ms + ' ms over ' + m.resize.count;
}
setInterval(() => { showMetrics().catch(() => {}); }, 2000);
showMetrics().catch(() => {});
// With --regions: each region's store, up or down, and a button to take it down or bring it back.
const regionsBox = document.getElementById('regions');
async function showRegions(change) {
  if (change) await fetch('/_local/outage?region=' + encodeURIComponent(change.region), { method: change.method });
  const { regions } = await (await fetch('/_local/outage')).json();
  regionsBox.replaceChildren(...Object.entries(regions).map(([region, state], index) => {
    const button = document.createElement('button');
    button.textContent = region + (index === 0 ? ' (home)' : '') + ': ' + state + (state === 'up' ? ' · take down' : ' · bring back');
    button.className = state;
    button.addEventListener('click', () => {
      showRegions({ region, method: state === 'up' ? 'POST' : 'DELETE' }).catch(() => {});
    });
    return button;
  }));
}
if (regionsBox) showRegions().catch(() => {});
// With signed URLs the page has no builder form (its URLs would be unsigned).
if (form) {
  form.addEventListener('input', () => { update(); });
  form.addEventListener('submit', (event) => { event.preventDefault(); update(); });
  update();
}
`;

/** With a signing secret, every gallery URL is signed, as an application would sign them. */
export function demoPage(
  originals: readonly PageOriginal[],
  signingSecret?: string,
  regions: readonly string[] = [],
): string {
  const options = originals
    .map(
      (o) =>
        `<option value="${escapeHtml(keyToUri(o.key))}" data-bytes="${o.bytes}">${escapeHtml(o.key)} (${o.width}×${o.height})</option>`,
    )
    .join('');
  const builder = signingSecret
    ? `<p>The parameter builder needs unsigned URLs: start the local edge without <code>--signing-secret</code> to use it.</p>`
    : `<form id="builder">
  <label>original <select name="original">${options}</select></label>
  <label>width <input name="width" type="number" min="1" value="480"></label>
  <label>height <input name="height" type="number" min="1"></label>
  <label>fit <select name="fit"><option></option><option>cover</option><option>contain</option><option>inside</option><option>outside</option><option>fill</option></select></label>
  <label>format <select name="format"><option>auto</option><option>avif</option><option>webp</option><option>jpeg</option><option>png</option><option>gif</option><option value="">(original)</option></select></label>
  <label>quality <input name="quality" type="number" min="1" max="100"></label>
  <label>more (README, Query API) <input name="more" list="examples" size="34" placeholder="crop=edges&amp;sat=-100"></label>
  <datalist id="examples"><option value="crop=edges&amp;height=480"><option value="crop=focalpoint&amp;fp-x=0.3&amp;fp-y=0.6&amp;height=480">
  <option value="rot=90&amp;flip=h"><option value="pad=24&amp;bg=1d3557"><option value="sat=-100&amp;sharp=40"><option value="blur=200">
  <option value="trim=auto"><option value="rect=100,100,400,300"><option value="fm=json"><option value="fm=thumbhash"></datalist>
</form>
<p><input id="url" readonly aria-label="URL to copy"></p><p id="result">loading…</p>
<div class="compare"><figure><img id="before" alt="the original"><figcaption>original</figcaption></figure>
<figure><img id="preview" alt="the CDN's answer" style="visibility:hidden"><figcaption>what the CDN answers</figcaption></figure></div>`;
  return `<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>image-cdn local edge</title>
<style>body{font:15px system-ui,sans-serif;margin:0 auto;max-width:1200px;padding:1.5rem;color:#1d3557}
h1{margin:.2rem 0}h2{margin-top:2rem}main{display:grid;gap:1.2rem;grid-template-columns:repeat(auto-fill,minmax(280px,1fr))}
figure{margin:0;background:#f1f3f5;border-radius:8px;padding:.5rem}img{display:block;max-width:100%;height:auto;border-radius:6px}
figcaption{font-size:13px;margin-top:.4rem}.stats{display:block;color:#495057;min-height:5.2em}code{background:#e9ecef;padding:0 .3em}
form{display:flex;flex-wrap:wrap;gap:.6rem 1rem;align-items:end}label{display:flex;flex-direction:column;font-size:13px}
input,select{font:inherit;padding:.2rem}#url{width:min(100%,40rem)}.error{color:#c1121f}.ok{color:#2b9348}
#regions button{margin-right:.6rem}#regions .down{color:#c1121f}
#result{min-height:2.6em;margin:.3rem 0}.compare{display:flex;gap:1rem;height:380px;box-sizing:border-box;max-width:100%}
.compare figure{background:repeating-conic-gradient(#eee 0 25%,#fff 0 50%) 0/20px 20px;flex:1;min-width:0;height:100%;box-sizing:border-box}
.compare img{width:auto;max-width:100%;max-height:calc(100% - 1.6em);margin:auto}</style></head><body>
<h1>image-cdn: local edge</h1>
<p>The same viewer function and origin-response handler as in the cloud, behind a CloudFront-like cache,
on an S3-compatible store on this machine. Each image below asks for <code>?width=…&amp;format=auto</code>;
the browser picks the width from <code>srcset</code>, the viewer function picks AVIF or WebP from
<code>Accept</code>, and the handler resizes on a miss.</p>
<h2>Metrics</h2>
<p id="metrics">loading…</p>
<p>The same figures as JSON: <a href="/_local/metrics"><code>/_local/metrics</code></a>; a deployed stack
writes them as CloudWatch metrics (<code>docs/operations.md</code>).</p>
${
  regions.length > 1
    ? `<h2>Regions</h2>
<p>Take a region's store down and watch the captions: misses fail over to the replica region
(<code>docs/local-edge.md</code>).</p><p id="regions"></p>`
    : ''
}
<h2>Try parameters</h2>
${builder}
<h2>Gallery</h2>
<main>
${originals.map((o) => figure(o, signingSecret)).join('\n')}
</main>
<script>${SCRIPT}</script></body></html>`;
}
