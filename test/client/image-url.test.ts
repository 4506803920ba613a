import assert from 'node:assert/strict';

import { type ImageOptions, imageQuery, imageUrl, srcSet } from '../../client/image-url';
import imageCdnLoader from '../../client/next-loader';
import { signedImageUrl, signedSrcSet } from '../../client/signed-url';
import { PARAMETERS } from '../../functions/core/parameters';
import { DEFAULT_RULES } from '../../functions/core/rules';
import { buildViewerFunction } from '../../functions/viewer/build';
import { isViewerResponse, loadViewerFunction } from '../../local/viewer-sandbox';
import { viewerEventFor } from '../support/viewer-event';

const ORIGIN = 'https://d111111abcdef8.cloudfront.net';
const SECRET = 'client-test-secret-1234';

/** The built viewer function (default rules), with signed URLs off or on. */
const viewers = {
  open: loadViewerFunction(
    buildViewerFunction({ rules: DEFAULT_RULES, originalsOriginId: 'originals', errorMaxAge: 30 }),
  ),
  signed: loadViewerFunction(
    buildViewerFunction({
      rules: DEFAULT_RULES,
      originalsOriginId: 'originals',
      errorMaxAge: 30,
      signingSecret: SECRET,
    }),
  ),
};

/** Where the viewer function sends a URL the client built: the derivative's URI, or its error status. */
function rewrite(url: string, viewer: keyof typeof viewers = 'open', accept = 'image/avif,image/webp,*/*') {
  assert.ok(url.startsWith(ORIGIN), url);
  const { result } = viewers[viewer](viewerEventFor(url.slice(ORIGIN.length), { accept }));
  return isViewerResponse(result) ? result.statusCode : result.uri;
}

describe('client URLs (client/): what the viewer function makes of them', () => {
  it('imageUrl writes each option as the query API names it, and the viewer accepts it', () => {
    const url = imageUrl(`${ORIGIN}/`, 'photos/cat.jpg', {
      width: 400,
      height: 300,
      fit: 'contain',
      format: 'webp',
      quality: 70,
      dpr: 2,
    });
    assert.equal(
      url,
      `${ORIGIN}/photos/cat.jpg?width=400&height=300&fit=contain&format=webp&quality=70&dpr=2`,
    );
    assert.equal(rewrite(url), '/photos/cat.jpg/_w800_h600_contain_q70.webp');
  });

  it('imageUrl writes the imgix operations under their query names, and the viewer keys them (issue 12)', () => {
    const url = imageUrl(ORIGIN, '/photos/cat.jpg', {
      width: 300,
      height: 200,
      crop: 'focalpoint',
      fpX: 0.25,
      fpY: 0.75,
      rect: [10, 20, 900, 600],
      rot: 90,
      flip: 'h',
      pad: 4,
      bg: 'f00',
      blur: 10,
      sharp: 5,
      sat: -100,
      format: 'webp',
      auto: 'compress',
    });
    assert.equal(
      url,
      `${ORIGIN}/photos/cat.jpg?width=300&height=200&crop=focalpoint&fp-x=0.25&fp-y=0.75&rect=10%2C20%2C900%2C600&rot=90&flip=h&pad=4&bg=f00&blur=10&sharp=5&sat=-100&format=webp&auto=compress`,
    );
    assert.equal(
      rewrite(url),
      '/photos/cat.jpg/_w300_h200_cover_q60_rect10-20-900-600_crop-focalpoint_fx0.25_fy0.75_rot90_flip-h_pad4_bg-ff0000_blur10_sharp5_sat-100.webp',
    );
    assert.equal(rewrite(imageUrl(ORIGIN, '/photos/cat.jpg', { format: 'json' })), '/photos/cat.jpg/_.json');
  });

  it('has an option for every parameter of the table, under its canonical name', () => {
    // Required<…>: a new option must be listed here; the table's names: a new parameter must get one.
    const every: Required<ImageOptions> = {
      width: 1,
      height: 1,
      fit: 'cover',
      crop: 'top',
      fpX: 0.5,
      fpY: 0.5,
      rect: [0, 0, 1, 1],
      rot: 90,
      flip: 'h',
      trim: 'auto',
      pad: 1,
      bg: 'fff',
      blur: 1,
      sharp: 1,
      sat: 1,
      format: 'webp',
      auto: 'compress',
      quality: 1,
      dpr: 1,
      enlarge: true,
      preset: 'p',
    };
    const written = [...new URLSearchParams(imageQuery(every)).keys()].sort();
    assert.deepEqual(written, PARAMETERS.map((entry) => entry.names[0] as string).sort());
  });

  it('imageUrl without options is the original', () => {
    assert.equal(imageUrl(ORIGIN, '/photos/cat.jpg'), `${ORIGIN}/photos/cat.jpg`);
    assert.equal(rewrite(imageUrl(ORIGIN, '/photos/cat.jpg')), '/photos/cat.jpg');
  });

  it('srcSet gives one accepted URL per width, with its width descriptor', () => {
    const candidates = srcSet(ORIGIN, '/photos/cat.jpg', [320, 640], { format: 'auto' }).split(', ');
    assert.equal(candidates.length, 2);
    const [first, second] = candidates.map((candidate) => candidate.split(' ')) as [string[], string[]];
    assert.equal(first[1], '320w');
    assert.equal(second[1], '640w');
    assert.equal(rewrite(first[0]!), '/photos/cat.jpg/_w320_q50.avif');
    assert.equal(rewrite(second[0]!, 'open', 'image/webp,*/*'), '/photos/cat.jpg/_w640_q80.webp');
  });

  it('signed URLs pass a viewer with signing on; unsigned ones are refused there', () => {
    const signed = signedImageUrl(ORIGIN, '/photos/cat.jpg', { width: 400, format: 'jpeg' }, SECRET);
    assert.equal(rewrite(signed, 'signed'), '/photos/cat.jpg/_w400_q80.jpeg');
    assert.equal(rewrite(imageUrl(ORIGIN, '/photos/cat.jpg', { width: 400, format: 'jpeg' }), 'signed'), 403);
    for (const candidate of signedSrcSet(
      ORIGIN,
      '/photos/cat.jpg',
      [320, 640],
      { format: 'webp' },
      SECRET,
    ).split(', ')) {
      const [url, descriptor] = candidate.split(' ') as [string, string];
      assert.equal(rewrite(url, 'signed'), `/photos/cat.jpg/_w${descriptor.slice(0, -1)}_q80.webp`);
    }
  });

  it("the Next.js loader asks for next/image's width in the browser's best format, from the configured origin", () => {
    const previous = process.env.NEXT_PUBLIC_IMAGE_CDN_ORIGIN;
    try {
      process.env.NEXT_PUBLIC_IMAGE_CDN_ORIGIN = ORIGIN;
      const url = imageCdnLoader({ src: '/photos/cat.jpg', width: 828, quality: 75 });
      assert.equal(url, `${ORIGIN}/photos/cat.jpg?width=828&format=auto&quality=75`);
      assert.equal(rewrite(url, 'open', 'image/webp,*/*'), '/photos/cat.jpg/_w828_q75.webp');
      delete process.env.NEXT_PUBLIC_IMAGE_CDN_ORIGIN;
      assert.throws(
        () => imageCdnLoader({ src: '/photos/cat.jpg', width: 828 }),
        /NEXT_PUBLIC_IMAGE_CDN_ORIGIN/,
      );
    } finally {
      if (previous === undefined) delete process.env.NEXT_PUBLIC_IMAGE_CDN_ORIGIN;
      else process.env.NEXT_PUBLIC_IMAGE_CDN_ORIGIN = previous;
    }
  });
});
