import type { CloudFrontHeaders } from 'aws-lambda';

import { derivativeCacheControl } from '../core/cache-control';
import { storageFault } from '../core/errors';
import type { ResizeSpec } from '../core/spec';
import { signUrl } from '../signing/sign-url';
import { fitsGeneratedResponse } from '../transform/budget';
import { transform } from '../transform/transform';
import { respond } from './cloudfront-response';
import type { OriginResponseDeps } from './origin-response';
import { keepReadOnlyHeaders } from './response-rules';

/**
 * The miss path: read the original, resize it, store the derivative (awaited) and answer it inline when
 * the whole generated response fits Lambda@Edge's 1 MB, or else redirect to the stored object. This
 * module holds everything that loads sharp; origin-response.ts imports it only when a derivative is
 * missing, so a pass-through (most origin responses) never pays for loading the image pipeline.
 */

/** How long a signed redirect to a stored derivative stays valid, in seconds. */
const REDIRECT_SIGNATURE_SECONDS = 300;

/** A short-lived signature for the redirect, so it never outlives the viewer's own signed URL by much. */
function signedLocation(uri: string, secret: string): string {
  return signUrl(uri, secret, { expiresIn: REDIRECT_SIGNATURE_SECONDS });
}

export type Generate = ReturnType<typeof createGenerator>;

export function createGenerator({ store, config, log }: Required<OriginResponseDeps>) {
  const cacheControl = derivativeCacheControl(config.cacheMaxAge);

  return async function generate(
    uri: string,
    key: string,
    originalKey: string,
    spec: ResizeSpec,
    originHeaders: CloudFrontHeaders,
    /** The stack region whose derivatives bucket CloudFront asked (answering-origin.ts); undefined = home. */
    derivativesRegion?: string,
  ) {
    const timings: Record<string, number> = {};
    let started = Date.now();
    const original = await store.getOriginal(originalKey);
    timings.get = Date.now() - started;

    started = Date.now();
    const image = await transform(original.body, spec, config.transform);
    timings.resize = Date.now() - started;

    started = Date.now();
    let stored = true;
    try {
      await store.putDerivative(
        key,
        image.data,
        image.contentType,
        cacheControl,
        original.etag,
        derivativesRegion,
      );
    } catch (error) {
      // The derivative is only an optimisation: the image can still be answered inline.
      stored = false;
      log({ level: 'warn', key, outcome: 'put-failed', error: (error as Error).message });
    }
    timings.put = Date.now() - started;

    const headers = {
      'content-type': image.contentType,
      'cache-control': cacheControl,
      'server-timing': Object.entries(timings)
        .map(([name, ms]) => `${name};dur=${ms}`)
        .join(', '),
    };
    const details = {
      bytes: image.data.length,
      originalBytes: original.body.length,
      // The derivative could not be stored and was answered inline only: the next miss resizes again.
      storeFallback: !stored,
      // Where the original was read and the derivative written, in a stack with replica regions.
      ...(original.region
        ? { originalRegion: original.region, regionFallbacks: original.fallbacks ?? 0 }
        : {}),
      ...(derivativesRegion ? { derivativesRegion } : {}),
      width: image.width,
      height: image.height,
      timings,
    };
    // The origin's read-only headers go out with the image, so they count against the 1 MB too.
    const readOnly: Record<string, string> = {};
    for (const [name, values] of Object.entries(keepReadOnlyHeaders(originHeaders, {})))
      readOnly[name] = values.map((entry) => entry.value).join(', ');
    if (fitsGeneratedResponse(image.data.length, { ...headers, ...readOnly })) {
      const response = respond(200, 'OK', headers);
      response.body = image.data.toString('base64');
      response.bodyEncoding = 'base64';
      return { response, outcome: 'resized', details };
    }
    if (!stored) throw storageFault();
    // Too large to return inline: send the viewer back for the object just stored.
    const location = config.signingSecret ? signedLocation(uri, config.signingSecret) : uri;
    const redirect = respond(302, 'Found', { location, 'cache-control': 'no-store' });
    return { response: redirect, outcome: 'redirected', details };
  };
}
