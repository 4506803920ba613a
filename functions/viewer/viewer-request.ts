/**
 * Viewer-request CloudFront Function (runtime cloudfront-js-2.0).
 *
 * Validates and normalises the query, resolves `format=auto` from `Accept`, and rewrites the URI to the
 * canonical derivative key with the query string dropped, so the cache key is the URI alone. A request
 * with no transform parameter goes unchanged to the originals origin. Invalid requests get a 400 here.
 *
 * Built by `build.ts` into one file with the stack's config baked in; it may import nothing but the
 * runtime's own modules, and must avoid syntax the runtime lacks (classes, for-of, spreads).
 */
import cf from 'cloudfront';
import crypto from 'crypto';

import { type ImageError, invalidKey, invalidRequest, isImageError } from '../core/errors';
import {
  derivativeKey,
  keyToUri,
  type ParsedDerivativeKey,
  parseDerivativeKey,
  uriToKey,
  validateOriginalKey,
} from '../core/key';
import { decodeComponent, parseQuery, type QueryValues, validateSpec } from '../core/params';
import type { QueryRules } from '../core/rules';
import { checkSignature } from '../core/signing';
import type { ViewerConfig } from './viewer-config';

declare const __VIEWER_CONFIG__: ViewerConfig;
/** Whether the config has a signing secret, as a build-time constant: unsigned builds carry no signing code. */
declare const __SIGNED__: boolean;
declare const __PRESETS__: boolean;
/** The stack's presets as JSON text (build.ts says why they are not in the config literal). */
declare const __PRESETS_JSON__: string;
const CONFIG: ViewerConfig = __VIEWER_CONFIG__;
if (__PRESETS__) (CONFIG.rules as { presets?: QueryRules['presets'] }).presets = JSON.parse(__PRESETS_JSON__);

interface FunctionValue {
  value: string;
  multiValue?: { value: string }[];
}

export interface ViewerRequest {
  method: string;
  uri: string;
  querystring: Record<string, FunctionValue>;
  headers: Record<string, FunctionValue>;
  cookies?: Record<string, FunctionValue>;
}

export interface ViewerResponse {
  statusCode: number;
  statusDescription: string;
  headers: Record<string, { value: string }>;
  body: { encoding: 'text'; data: string };
}

/** The viewer-request event ("CloudFront Functions event structure"); the handler reads only `request`. */
export interface ViewerEvent {
  version?: string;
  context?: { distributionDomainName: string; distributionId: string; eventType: string; requestId: string };
  viewer?: { ip: string };
  request: ViewerRequest;
}

/** CloudFront gives each query parameter a value and, when repeated, every value in `multiValue`. */
function queryValues(querystring: Record<string, FunctionValue>): QueryValues {
  const values: Record<string, string[]> = Object.create(null);
  const names = Object.keys(querystring);
  for (let i = 0; i < names.length; i++) {
    const name = names[i] as string;
    const entry = querystring[name] as FunctionValue;
    const given = entry.multiValue && entry.multiValue.length > 0 ? entry.multiValue : [entry];
    const list = given.map((one) => decodeComponent(one.value));
    // `w` and `%77` decode to one name: their values add up, so the pair counts as a repeat.
    const decoded = decodeComponent(name);
    values[decoded] = (values[decoded] || []).concat(list);
  }
  return values;
}

/**
 * The response for a refused request: what the shared mapper (core/error-response.ts) answers for the
 * viewer's two statuses, written out here because its general form does not fit the 10 KB
 * (test/viewer/viewer-request.test.ts compares the two for every refusal).
 */
function errorResponse(error: ImageError): ViewerResponse {
  return {
    statusCode: error.status,
    statusDescription: error.status === 403 ? 'Forbidden' : 'Bad Request',
    headers: {
      'content-type': { value: 'text/plain; charset=utf-8' },
      'cache-control': { value: 'public, max-age=' + CONFIG.errorMaxAge },
      'x-image-error': { value: error.code },
    },
    body: { encoding: 'text', data: error.message + '\n' },
  };
}

/**
 * A canonical derivative URL (the edge redirects to one when an image is too large to return inline)
 * is served as it is, once its spec passes the same rules; transforming a derivative again is refused.
 * A signed stack skips the rules here: its derivative URLs carry the edge's signature, so they were
 * issued under these rules, and the edge checks them again before generating (the 10 KB needs the room).
 */
function serveDerivative(
  request: ViewerRequest,
  key: string,
  query: QueryValues,
  derivative: ParsedDerivativeKey,
): ViewerRequest {
  validateOriginalKey(derivative.originalKey, CONFIG.rules.maxKeyBytes);
  if (!__SIGNED__) validateSpec(derivative.spec, CONFIG.rules);
  if (parseQuery(query, key, undefined, CONFIG.rules) !== null) {
    throw invalidKey('a derivative cannot be transformed');
  }
  request.uri = keyToUri(key);
  request.querystring = {};
  return request;
}

function hmacHex(payload: string): string {
  return crypto
    .createHmac('sha256', CONFIG.signingSecret as string)
    .update(payload)
    .digest('hex');
}

export function handler(event: ViewerEvent): ViewerRequest | ViewerResponse {
  const request = event.request;
  try {
    const key = uriToKey(request.uri);
    const query = queryValues(request.querystring || {});
    if (__SIGNED__) checkSignature(key, query, Math.floor(Date.now() / 1000), hmacHex);
    const derivative = parseDerivativeKey(key);
    if (derivative) return serveDerivative(request, key, query, derivative);
    validateOriginalKey(key, CONFIG.rules.maxKeyBytes);
    // CloudFront gives header names in lower case ("CloudFront Functions event structure").
    const headers = request.headers;
    const header = (name: string) => (headers[name] || ({} as Partial<FunctionValue>)).value;
    const spec = parseQuery(query, key, header('accept'), CONFIG.rules, header);
    request.querystring = {};
    if (spec === null) {
      request.uri = keyToUri(key);
      cf.selectRequestOriginById(CONFIG.originalsOriginId);
    } else {
      request.uri = keyToUri(derivativeKey(key, spec));
    }
    return request;
  } catch (error) {
    return errorResponse(isImageError(error) ? error : invalidRequest());
  }
}
