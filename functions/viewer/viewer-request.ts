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

import { toHttpError } from '../core/error-response';
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
import { checkSignature } from '../core/signing';
import type { ViewerConfig } from './viewer-config';

declare const __VIEWER_CONFIG__: ViewerConfig;
const CONFIG: ViewerConfig = __VIEWER_CONFIG__;

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
    const list: string[] = [];
    if (entry.multiValue && entry.multiValue.length > 0) {
      for (let j = 0; j < entry.multiValue.length; j++)
        list.push(decodeComponent((entry.multiValue[j] as { value: string }).value));
    } else {
      list.push(decodeComponent(entry.value));
    }
    // `w` and `%77` decode to one name: their values add up, so the pair counts as a repeat.
    const decoded = decodeComponent(name);
    values[decoded] = values[decoded] ? (values[decoded] as string[]).concat(list) : list;
  }
  return values;
}

/** The response for a refused request, from the one error mapper every path shares. */
function errorResponse(error: ImageError): ViewerResponse {
  const http = toHttpError(error, CONFIG.errorMaxAge);
  const headers: Record<string, { value: string }> = {};
  const names = Object.keys(http.headers);
  for (let i = 0; i < names.length; i++)
    headers[names[i] as string] = { value: http.headers[names[i] as string] as string };
  return {
    statusCode: http.status,
    statusDescription: http.statusText,
    headers,
    body: { encoding: 'text', data: http.body },
  };
}

/**
 * A canonical derivative URL (the edge redirects to one when an image is too large to return inline)
 * is served as it is, once its spec passes the same rules; transforming a derivative again is refused.
 */
function serveDerivative(
  request: ViewerRequest,
  key: string,
  query: QueryValues,
  derivative: ParsedDerivativeKey,
): ViewerRequest {
  validateOriginalKey(derivative.originalKey, CONFIG.rules.maxKeyBytes);
  validateSpec(derivative.spec, CONFIG.rules);
  if (parseQuery(query, key, undefined, CONFIG.rules) !== null) {
    throw invalidKey('a derivative cannot be transformed again');
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
    if (CONFIG.signingSecret) checkSignature(key, query, Math.floor(Date.now() / 1000), hmacHex);
    const derivative = parseDerivativeKey(key);
    if (derivative) return serveDerivative(request, key, query, derivative);
    validateOriginalKey(key, CONFIG.rules.maxKeyBytes);
    const accept = request.headers.accept ? request.headers.accept.value : undefined;
    const spec = parseQuery(query, key, accept, CONFIG.rules);
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
