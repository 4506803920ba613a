import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { CloudFrontHeaders, CloudFrontResultResponse } from 'aws-lambda';

import { uriToKey } from '../functions/core/key';
import { toCloudFrontHeaders } from '../functions/edge/cloudfront-response';
import type { OriginResponseHandler } from '../functions/edge/origin-response';
import { originResponseViolations } from '../functions/edge/response-rules';
import { statusOf } from '../functions/storage/image-store';
import { cloudFrontCacheSeconds } from '../infra/error-caching';
import {
  cloudFrontQueryString,
  functionHeaders,
  originResponseEvent,
  splitTarget,
  viewerRequestEvent,
} from './cloudfront-events';
import { createLocalMetrics, type LocalMetrics } from './local-metrics';
import { createByteLruCache } from './lru-cache';
import type { ViewerFunction } from './viewer-sandbox';
import { isViewerResponse } from './viewer-sandbox';

/**
 * A CloudFront-like HTTP server: the built viewer-request function, an in-memory cache keyed by the
 * rewritten URI, two S3 origins, and the origin-response handler, wired the way CloudFront wires them.
 * It also enforces what CloudFront enforces: a generated response over 1 MB is a 502, and responses,
 * errors included, are cached exactly as CloudFront caches them (infra/error-caching.ts).
 */

export interface LocalEdgeOptions {
  readonly viewer: ViewerFunction;
  readonly originResponse: OriginResponseHandler;
  readonly s3: S3Client;
  /** Bucket behind each origin id; `default` is the default cache behaviour's origin. */
  readonly origins: { readonly default: string } & Record<string, string>;
  /** Served at `/` instead of going through the CDN. */
  readonly demoPage?: () => string;
  readonly port?: number;
  readonly host?: string;
  /** Bytes of response bodies the cache may hold; the least recently used go first. @default 128 MiB */
  readonly cacheBytes?: number;
  /** Told the violations of each origin-response answer CloudFront would refuse (answered 502). */
  readonly onInvalidResponse?: (violations: string[]) => void;
  /** The cache policy's default TTL, for responses without `max-age`. @default 86400 (CloudFront's) */
  readonly defaultTtlSeconds?: number;
  /** Told every answer, and served at `GET /_local/metrics`. @default a new createLocalMetrics() */
  readonly metrics?: LocalMetrics;
}

export interface LocalEdge {
  readonly url: string;
  readonly metrics: LocalMetrics;
  readonly server: Server;
  /** Number of entries now in the cache. */
  cacheSize(): number;
  close(): Promise<void>;
}

interface CachedResponse {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: Buffer;
  readonly stored: number;
  readonly expires: number;
}

const POP = 'LOCAL1-C1';

/** Where the local edge serves its metrics (not a path of the CDN: originals keys never start with `_local`). */
export const METRICS_PATH = '/_local/metrics';

/** CloudFront's default TTL of a cache policy that does not set one. */
const DEFAULT_TTL_SECONDS = 86_400;

function flattenHeaders(headers: CloudFrontHeaders | undefined): Record<string, string> {
  const flat: Record<string, string> = Object.create(null);
  for (const [name, values] of Object.entries(headers ?? {})) {
    if (values[0]) flat[name.toLowerCase()] = values[0].value;
  }
  return flat;
}

/** The CloudFront Functions event for an HTTP request: lower-case headers (no cookies), raw query values. */
function viewerEventFor(req: IncomingMessage, target: { uri: string; query: string }) {
  // Keyed by request input: no prototype, so a header named `__proto__` stays an ordinary entry.
  const headers: Record<string, string> = Object.create(null);
  for (const [name, value] of Object.entries(req.headers)) {
    if (name !== 'cookie' && value !== undefined)
      headers[name] = Array.isArray(value) ? value.join(',') : value;
  }
  return viewerRequestEvent({
    uri: target.uri,
    querystring: cloudFrontQueryString(target.query),
    headers: functionHeaders(headers),
    method: req.method ?? 'GET',
    viewerIp: req.socket.remoteAddress ?? '127.0.0.1',
  });
}

export async function startLocalEdge(options: LocalEdgeOptions): Promise<LocalEdge> {
  const cache = createByteLruCache<CachedResponse>(options.cacheBytes ?? 128 * 1024 * 1024);
  const inFlight = new Map<string, Promise<CachedResponse>>();
  const metrics = options.metrics ?? createLocalMetrics();

  /** Reads the object behind `uri` from an origin bucket, as CloudFront's S3 origin request would. */
  /**
   * The headers S3 sends with a 403/404 error document (XML, chunked; "Error responses" in the S3 API
   * reference), plus CloudFront's `via`: what the origin-response event carries, read-only headers included.
   */
  function s3ErrorHeaders(error: unknown): Record<string, string> {
    const meta = (error as { $metadata?: { requestId?: string; extendedRequestId?: string } }).$metadata;
    return {
      'x-amz-request-id': meta?.requestId ?? 'LOCAL',
      'x-amz-id-2': meta?.extendedRequestId ?? 'LOCAL',
      'content-type': 'application/xml',
      'transfer-encoding': 'chunked',
      date: new Date().toUTCString(),
      server: 'AmazonS3',
      via: `1.1 ${POP.toLowerCase()}.cloudfront.net (CloudFront)`,
    };
  }

  async function fetchOrigin(bucket: string, uri: string) {
    let key: string;
    try {
      key = uriToKey(uri);
    } catch {
      return { status: 400, headers: {}, body: Buffer.alloc(0) };
    }
    try {
      const object = await options.s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      const body = Buffer.from(
        await (object.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray(),
      );
      const headers: Record<string, string> = {
        'content-type': object.ContentType ?? 'application/octet-stream',
      };
      if (object.CacheControl) headers['cache-control'] = object.CacheControl;
      if (object.ETag) headers.etag = object.ETag;
      return { status: 200, headers, body };
    } catch (error) {
      const status = statusOf(error);
      if (status === 404 || status === 403)
        return { status, headers: s3ErrorHeaders(error), body: Buffer.alloc(0) };
      return {
        status: 502,
        headers: { 'cache-control': 'no-store' },
        body: Buffer.from('Origin unavailable\n'),
      };
    }
  }

  async function throughOrigin(
    originId: string,
    request: { uri: string; headers: Record<string, { value: string }> },
  ) {
    const bucket = options.origins[originId] ?? options.origins.default;
    const origin = await fetchOrigin(bucket, request.uri);
    const event = originResponseEvent({
      uri: request.uri,
      requestHeaders: toCloudFrontHeaders(
        Object.fromEntries(Object.entries(request.headers).map(([name, value]) => [name, value.value])),
      ),
      status: String(origin.status),
      statusDescription: '',
      responseHeaders: toCloudFrontHeaders(origin.headers),
    });
    const passedThrough = event.Records[0]!.cf.response;
    const sent = structuredClone(passedThrough);
    let result: CloudFrontResultResponse;
    try {
      result = await options.originResponse(event);
    } catch {
      // CloudFront turns a thrown Lambda@Edge error into a 503.
      return {
        status: 503,
        headers: { 'cache-control': 'no-store' },
        body: Buffer.from('Lambda function error\n'),
      };
    }
    // CloudFront validates every answer and turns an invalid one into a 502 (response-rules.ts).
    const violations = originResponseViolations(sent, result);
    if (violations.length > 0) {
      options.onInvalidResponse?.(violations);
      return {
        status: 502,
        headers: { 'cache-control': 'no-store' },
        body: Buffer.from(`Invalid Lambda function response: ${violations.join('; ')}\n`),
      };
    }
    if (result === passedThrough)
      return { status: origin.status, headers: origin.headers, body: origin.body };
    const headers = flattenHeaders(result.headers);
    const body =
      result.body === undefined
        ? Buffer.alloc(0)
        : Buffer.from(result.body, result.bodyEncoding === 'base64' ? 'base64' : 'utf8');
    return { status: Number(result.status), headers, body };
  }

  async function respondFromCdn(
    originId: string,
    request: { uri: string; headers: Record<string, { value: string }> },
  ) {
    const cacheKey = `${originId}:${request.uri}`;
    const cached = cache.get(cacheKey, Date.now());
    if (cached) return { entry: cached, hit: true };
    // Concurrent misses for one key share a single origin fetch, as CloudFront collapses them.
    let pending = inFlight.get(cacheKey);
    if (!pending) {
      pending = throughOrigin(originId, request).then((response) => {
        const stored = Date.now();
        const seconds = cloudFrontCacheSeconds(
          response.status,
          response.headers['cache-control'] ?? '',
          options.defaultTtlSeconds ?? DEFAULT_TTL_SECONDS,
        );
        const entry = { ...response, stored, expires: stored + seconds * 1000 };
        if (entry.expires > Date.now()) cache.set(cacheKey, entry);
        return entry;
      });
      inFlight.set(cacheKey, pending);
      pending.finally(() => inFlight.delete(cacheKey)).catch(() => {});
    }
    return { entry: await pending, hit: false };
  }

  function send(
    res: ServerResponse,
    status: number,
    headers: Record<string, string>,
    body: Buffer | string,
    head: boolean,
  ) {
    // CloudFront frames the viewer's response itself: the origin's hop-by-hop framing is not passed on.
    const { 'transfer-encoding': _framing, via: _originVia, ...passed } = headers;
    res.writeHead(status, {
      ...passed,
      'content-length': String(Buffer.byteLength(body)),
      via: `1.1 local (image-cdn)`,
      'x-amz-cf-pop': POP,
    });
    res.end(head ? undefined : body);
  }

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const target = splitTarget(req.url ?? '/');
    const head = req.method === 'HEAD';
    if (req.method !== 'GET' && !head) {
      return send(
        res,
        405,
        { allow: 'GET, HEAD', 'content-type': 'text/plain' },
        'Method not allowed\n',
        head,
      );
    }
    if (target.uri === METRICS_PATH) {
      return send(
        res,
        200,
        { 'content-type': 'application/json', 'cache-control': 'no-store' },
        `${JSON.stringify(metrics.snapshot())}\n`,
        head,
      );
    }
    if (target.uri === '/' && options.demoPage) {
      return send(
        res,
        200,
        { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' },
        options.demoPage(),
        head,
      );
    }
    const event = viewerEventFor(req, target);
    let viewed;
    try {
      viewed = options.viewer(event);
    } catch {
      // CloudFront answers 503 when a function fails or exceeds its compute budget.
      return send(
        res,
        503,
        { 'cache-control': 'no-store', 'x-cache': 'FunctionExecutionError from cloudfront' },
        'Function error\n',
        head,
      );
    }
    if (isViewerResponse(viewed.result)) {
      const generated = viewed.result;
      const headers = Object.fromEntries(Object.entries(generated.headers).map(([k, v]) => [k, v.value]));
      headers['x-cache'] = 'FunctionGeneratedResponse from cloudfront';
      metrics.answered(generated.statusCode, 'function');
      return send(res, generated.statusCode, headers, generated.body?.data ?? '', head);
    }
    const { entry, hit } = await respondFromCdn(viewed.originId ?? 'default', viewed.result);
    const headers: Record<string, string> = {
      ...entry.headers,
      'x-cache': `${hit ? 'Hit' : 'Miss'} from cloudfront`,
    };
    if (hit) headers.age = String(Math.floor((Date.now() - entry.stored) / 1000));
    metrics.answered(entry.status, hit ? 'hit' : 'miss');
    send(res, entry.status, headers, entry.body, head);
  }

  const server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) send(res, 500, { 'cache-control': 'no-store' }, 'Internal error\n', false);
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://localhost:${port}`,
    metrics,
    server,
    cacheSize: () => cache.size,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
