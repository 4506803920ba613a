import type {
  CloudFrontHeaders,
  CloudFrontRequest,
  CloudFrontResponse,
  CloudFrontResponseEvent,
  CloudFrontResultResponse,
} from 'aws-lambda';

import { derivativeCacheControl } from '../core/cache-control';
import { toHttpError } from '../core/error-response';
import { storageFault } from '../core/errors';
import { parseDerivativeKey, uriToKey, validateOriginalKey } from '../core/key';
import { validateSpec } from '../core/params';
import type { ResizeSpec } from '../core/spec';
import { signUrl } from '../signing/sign-url';
import type { ImageStore } from '../storage/image-store';
import { fitsGeneratedResponse } from '../transform/budget';
import { transform, withDeadline } from '../transform/transform';
import type { EdgeConfig } from './edge-config';
import { keepReadOnlyHeaders } from './response-rules';

/**
 * Lambda@Edge origin-response handler. When the derivatives bucket answers 403/404 for a derivative
 * key, it reads the original, resizes it, stores the derivative (awaited) and returns it inline when the
 * whole generated response fits Lambda@Edge's 1 MB; otherwise it redirects to the same URI with
 * `no-store`, and the next request finds the stored object. Every path returns a valid response: a
 * thrown error would become a CloudFront 503, an invalid response a 502.
 */

export interface OriginResponseDeps {
  readonly store: ImageStore;
  readonly config: EdgeConfig;
  readonly log?: (entry: Record<string, unknown>) => void;
}

/** Without a configured deadline the handler keeps the deadline a deploy with the default timeout gets. */
import { DEFAULT_EDGE_DEADLINE_MS as DEFAULT_DEADLINE_MS } from './deadline';

/** How long a signed redirect to a stored derivative stays valid, in seconds. */
const REDIRECT_SIGNATURE_SECONDS = 300;

export type OriginResponseHandler = (event: CloudFrontResponseEvent) => Promise<CloudFrontResultResponse>;

/** CloudFront's header shape: lower-case names, each a list of `{key, value}` (no prototype: names may be input). */
export function toCloudFrontHeaders(headers: Record<string, string>): CloudFrontHeaders {
  const result: CloudFrontHeaders = Object.create(null);
  for (const [name, value] of Object.entries(headers)) {
    const key = name.replace(
      /(^|-)([a-z])/g,
      (_m, dash: string, letter: string) => dash + letter.toUpperCase(),
    );
    result[name.toLowerCase()] = [{ key, value }];
  }
  return result;
}

function respond(status: number, description: string, headers: Record<string, string>, body?: string) {
  const response: CloudFrontResultResponse = {
    status: String(status),
    statusDescription: description,
    headers: toCloudFrontHeaders(headers),
  };
  if (body !== undefined) {
    response.body = body;
    response.bodyEncoding = 'text';
  }
  return response;
}

/** A short-lived signature for the redirect, so it never outlives the viewer's own signed URL by much. */
function signedLocation(uri: string, secret: string): string {
  return signUrl(uri, secret, { expiresIn: REDIRECT_SIGNATURE_SECONDS });
}

export function createOriginResponseHandler(deps: OriginResponseDeps): OriginResponseHandler {
  const { store, config } = deps;
  const log = deps.log ?? ((entry) => console.log(JSON.stringify(entry)));
  const cacheControl = derivativeCacheControl(config.cacheMaxAge);

  async function generate(
    uri: string,
    key: string,
    originalKey: string,
    spec: ResizeSpec,
    originHeaders: CloudFrontHeaders,
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
      await store.putDerivative(key, image.data, image.contentType, cacheControl, original.etag);
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
    const details = { bytes: image.data.length, width: image.width, height: image.height, timings };
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
  }

  return async function handler(event) {
    const record = event.Records[0];
    if (!record)
      return respond(500, 'Internal Server Error', { 'cache-control': 'no-store' }, 'Empty event\n');
    const origin = record.cf.response;
    const result = await answer(record.cf.request, origin);
    // Transfer-Encoding and Via are read-only here: an answer without them is invalid (a 502).
    if (result !== origin) keepReadOnlyHeaders(origin.headers, result.headers ?? (result.headers = {}));
    return result;
  };

  async function answer(
    request: CloudFrontRequest,
    response: CloudFrontResponse,
  ): Promise<CloudFrontResultResponse> {
    if (response.status !== '403' && response.status !== '404') return response;
    let key: string;
    try {
      key = uriToKey(request.uri);
    } catch {
      return response;
    }
    const derivative = parseDerivativeKey(key);
    if (!derivative) return response;

    const started = Date.now();
    try {
      validateOriginalKey(derivative.originalKey, config.rules.maxKeyBytes);
      validateSpec(derivative.spec, config.rules);
      const result = await withDeadline(
        generate(request.uri, key, derivative.originalKey, derivative.spec, response.headers),
        config.deadlineMs ?? DEFAULT_DEADLINE_MS,
      );
      log({
        level: 'info',
        key,
        spec: derivative.spec,
        outcome: result.outcome,
        ms: Date.now() - started,
        ...result.details,
      });
      return result.response;
    } catch (error) {
      const http = toHttpError(error, config.errorMaxAge);
      log({
        level: http.status >= 500 ? 'error' : 'info',
        key,
        spec: derivative.spec,
        outcome: http.code,
        status: http.status,
        ms: Date.now() - started,
        ...(http.status === 500 ? { error: String((error as Error)?.stack ?? error) } : {}),
      });
      return respond(http.status, http.statusText, http.headers, http.body);
    }
  }
}
