import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { CloudFrontHeaders, CloudFrontResultResponse } from 'aws-lambda';

import { uriToKey } from '../functions/core/key';
import { toCloudFrontHeaders } from '../functions/edge/cloudfront-response';
import type { OriginResponseHandler } from '../functions/edge/origin-response';
import { originResponseViolations } from '../functions/edge/response-rules';
import { statusOf } from '../functions/storage/image-store';
import type { ViewerEvent } from '../functions/viewer/viewer-request';
import { CLIENT_HINT_RESPONSE_HEADERS } from '../infra/cloudfront';
import { cloudFrontCacheSeconds } from '../infra/error-caching';
import {
  cloudFrontQueryString,
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

/** An S3 origin: its bucket, the bucket's region, and the client of the local store that holds it. */
export interface LocalOrigin {
  readonly bucket: string;
  /** Named in the event's `origin.s3.domainName` and in the `x-local-origin-region` answer header. */
  readonly region?: string;
  /** @default the edge's `s3` client */
  readonly client?: S3Client;
}

/**
 * An origin group ("Optimize high availability with CloudFront origin failover"): CloudFront asks the
 * primary, and asks the secondary when the primary answers one of `statusCodes` or cannot be reached.
 */
export interface LocalOriginGroup {
  readonly members: readonly [primary: string, secondary: string];
  readonly statusCodes: readonly number[];
}

/** Controls the local edge exposes at `/_local/outage?region=<region>` (POST takes down, DELETE restores). */
export interface LocalOutages {
  readonly regions: readonly string[];
  takeDown(region: string): Promise<void>;
  bringUp(region: string): Promise<void>;
  isUp(region: string): boolean;
}

export interface LocalEdgeOptions {
  readonly viewer: ViewerFunction;
  readonly originResponse: OriginResponseHandler;
  readonly s3: S3Client;
  /**
   * Bucket (or S3 origin) behind each origin id; `default` is the default cache behaviour's origin,
   * unless `originGroups.default` makes it an origin group.
   */
  readonly origins: { readonly default: string | LocalOrigin } & Record<string, string | LocalOrigin>;
  /** Origin groups by the id a behaviour targets (`default`); their members are ids of `origins`. */
  readonly originGroups?: Readonly<Record<string, LocalOriginGroup>>;
  /** Regions whose stores can be taken down and brought back at `/_local/outage`. */
  readonly outages?: LocalOutages;
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

interface OriginAnswer {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: Buffer;
}

interface CachedResponse {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: Buffer;
  readonly stored: number;
  readonly expires: number;
}

const POP = 'LOCAL1-C1';

/**
 * What the distribution's response headers policy adds (infra/cloudfront.ts), with `override`: replacing
 * the origin's header of the same name, on answers from the cache and from the origin alike. Lower case,
 * as the cached answers' own header names are.
 */
const policyHeaders: Record<string, string> = Object.fromEntries(
  Object.entries(CLIENT_HINT_RESPONSE_HEADERS).map(([name, value]) => [name.toLowerCase(), value]),
);

/** Where the local edge serves its metrics (not a path of the CDN: originals keys never start with `_local`). */
export const METRICS_PATH = '/_local/metrics';

/** Where the local edge takes a region's store down (POST) and brings it back (DELETE). */
export const OUTAGE_PATH = '/_local/outage';

/** CloudFront's default TTL of a cache policy that does not set one. */
const DEFAULT_TTL_SECONDS = 86_400;

function flattenHeaders(headers: CloudFrontHeaders | undefined): Record<string, string> {
  const flat: Record<string, string> = Object.create(null);
  for (const [name, values] of Object.entries(headers ?? {})) {
    if (values[0]) flat[name.toLowerCase()] = values[0].value;
  }
  return flat;
}

/**
 * The CloudFront Functions event for an HTTP request: raw query values, and the headers as "CloudFront
 * Functions event structure" gives them: lower-case names (Node lower-cases them too), each `{ value }`
 * as sent, a repeated header's first value in `value` and every one in `multiValue`; cookies apart.
 * So `Accept`, the client hints (`Sec-CH-DPR`, `DPR`, `Sec-CH-Width`, …) and `Save-Data` reach the
 * function as they reach it on CloudFront.
 */
function viewerEventFor(req: IncomingMessage, target: { uri: string; query: string }) {
  // Keyed by request input: no prototype, so a header named `__proto__` stays an ordinary entry.
  const headers: ViewerEvent['request']['headers'] = Object.create(null);
  for (const [name, values] of Object.entries(req.headersDistinct)) {
    if (name === 'cookie' || values === undefined || values.length === 0) continue;
    headers[name] =
      values.length === 1
        ? { value: values[0]! }
        : { value: values[0]!, multiValue: values.map((value) => ({ value })) };
  }
  return viewerRequestEvent({
    uri: target.uri,
    querystring: cloudFrontQueryString(target.query),
    headers,
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

  /** The origin's answer, or `unreachable` when no connection could be made (its store is down). */
  async function fetchOrigin(origin: LocalOrigin, uri: string): Promise<OriginAnswer | 'unreachable'> {
    let key: string;
    try {
      key = uriToKey(uri);
    } catch {
      return { status: 400, headers: {}, body: Buffer.alloc(0) };
    }
    try {
      const client = origin.client ?? options.s3;
      const object = await client.send(new GetObjectCommand({ Bucket: origin.bucket, Key: key }));
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
      if (status === undefined) return 'unreachable';
      // S3's own 5xx (SlowDown, InternalError) goes to CloudFront, and so to the trigger, as it is.
      return { status, headers: { 'cache-control': 'no-store' }, body: Buffer.from('Origin error\n') };
    }
  }

  const originNamed = (id: string): LocalOrigin => {
    const origin = options.origins[id] ?? options.origins.default;
    return typeof origin === 'string' ? { bucket: origin } : origin;
  };

  /**
   * What CloudFront answers for a cache miss on `originId`: one origin, or an origin group's primary and,
   * on failover, its secondary. The origin-response trigger runs for each origin that answered ("Use
   * origin failover with Lambda@Edge functions": a function on an origin group can run twice for one
   * viewer request); failover is decided on the status the origin returned (the group's failover
   * criteria), and an origin that cannot be reached fails over without a trigger, having no response.
   */
  async function throughOrigin(
    originId: string,
    request: { uri: string; headers: Record<string, { value: string }> },
  ): Promise<OriginAnswer> {
    const group = options.originGroups?.[originId];
    const members = group ? group.members : [originId];
    for (const [index, member] of members.entries()) {
      const last = index === members.length - 1;
      const origin = originNamed(member);
      const answer = await fetchOrigin(origin, request.uri);
      if (answer === 'unreachable') {
        if (!last) continue;
        // CloudFront's answer when it cannot connect to the origin: 502 ("HTTP 502 status code (Bad Gateway)").
        return {
          status: 502,
          headers: { 'cache-control': 'no-store' },
          body: Buffer.from('Origin unreachable\n'),
        };
      }
      const result = await triggerOn(origin, request, answer);
      if (!last && group?.statusCodes.includes(answer.status)) continue;
      return origin.region
        ? { ...result, headers: { ...result.headers, 'x-local-origin-region': origin.region } }
        : result;
    }
    throw new Error('an origin group has members');
  }

  /** Runs the origin-response trigger on `origin`'s answer, and checks what it returns as CloudFront would. */
  async function triggerOn(
    origin: LocalOrigin,
    request: { uri: string; headers: Record<string, { value: string }> },
    answer: OriginAnswer,
  ): Promise<OriginAnswer> {
    const event = originResponseEvent({
      uri: request.uri,
      requestHeaders: toCloudFrontHeaders(
        Object.fromEntries(Object.entries(request.headers).map(([name, value]) => [name, value.value])),
      ),
      status: String(answer.status),
      statusDescription: '',
      responseHeaders: toCloudFrontHeaders(answer.headers),
      // An S3 origin is named by its bucket's regional domain ("Lambda@Edge event structure").
      ...(origin.region
        ? {
            origin: {
              s3: {
                authMethod: 'none' as const,
                customHeaders: {},
                domainName: `${origin.bucket}.s3.${origin.region}.amazonaws.com`,
                path: '',
              },
            },
          }
        : {}),
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
    if (result === passedThrough) return answer;
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
    if (target.uri === OUTAGE_PATH) return outage(req, res, new URLSearchParams(target.query).get('region'));
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
      ...policyHeaders,
      'x-cache': `${hit ? 'Hit' : 'Miss'} from cloudfront`,
    };
    if (hit) headers.age = String(Math.floor((Date.now() - entry.stored) / 1000));
    metrics.answered(entry.status, hit ? 'hit' : 'miss');
    send(res, entry.status, headers, entry.body, head);
  }

  /** `POST /_local/outage?region=r` takes a region's store down, `DELETE` brings it back, `GET` lists. */
  async function outage(req: IncomingMessage, res: ServerResponse, region: string | null) {
    const json = (status: number, body: unknown, extra: Record<string, string> = {}) =>
      send(
        res,
        status,
        { 'content-type': 'application/json', 'cache-control': 'no-store', ...extra },
        `${JSON.stringify(body)}\n`,
        false,
      );
    const outages = options.outages;
    const states = () =>
      Object.fromEntries((outages?.regions ?? []).map((name) => [name, outages?.isUp(name) ? 'up' : 'down']));
    if (req.method === 'GET') return json(200, { regions: states() });
    if (req.method !== 'POST' && req.method !== 'DELETE')
      return json(
        405,
        { error: 'use POST to take a region down, DELETE to bring it back' },
        { allow: 'GET, POST, DELETE' },
      );
    if (!outages || !region || !outages.regions.includes(region))
      return json(404, {
        error: `unknown region ${JSON.stringify(region)}: start with --regions and name one of them`,
        regions: outages?.regions ?? [],
      });
    if (req.method === 'POST') await outages.takeDown(region);
    else await outages.bringUp(region);
    return json(200, { regions: states() });
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
