import type {
  CloudFrontRequest,
  CloudFrontResponse,
  CloudFrontResponseEvent,
  CloudFrontResultResponse,
} from 'aws-lambda';

import { withDeadline } from '../core/deadline';
import { toHttpError } from '../core/error-response';
import { parseDerivativeKey, uriToKey, validateOriginalKey } from '../core/key';
import { validateSpec } from '../core/params';
import { type EdgeMetric, metricFields, statusClass } from '../metrics/emf';
import type { ImageStore } from '../storage/image-store';
import { answeringRegion } from './answering-origin';
import { respond } from './cloudfront-response';
import { DEFAULT_EDGE_DEADLINE_MS as DEFAULT_DEADLINE_MS } from './deadline';
import type { EdgeConfig } from './edge-config';
import type { Generate } from './generate';
import { keepReadOnlyHeaders } from './response-rules';

/**
 * Lambda@Edge origin-response handler. When the derivatives bucket answers 403/404 for a derivative
 * key, it generates the derivative (generate.ts); every other response passes through unchanged. Every
 * path returns a valid response: a thrown error would become a CloudFront 503, an invalid response a 502.
 *
 * The pass-through is most of what this trigger sees (it runs on every cache miss, and most misses find
 * the stored derivative), so this module loads neither sharp nor the S3 client: miss-path.ts (generate.ts
 * and the S3 store) is imported on the first missing derivative, and the entry point's store is lazy.
 */

export interface OriginResponseDeps {
  readonly store: ImageStore;
  readonly config: EdgeConfig;
  readonly log?: (entry: Record<string, unknown>) => void;
}

export type OriginResponseHandler = (event: CloudFrontResponseEvent) => Promise<CloudFrontResultResponse>;

export function createOriginResponseHandler(deps: OriginResponseDeps): OriginResponseHandler {
  const { config } = deps;
  // Straight to stdout, as the batch logger does: console.log's prefix (time, request id, level) would stop
  // the line being JSON, and so an Embedded Metric Format record.
  const log = deps.log ?? ((entry) => process.stdout.write(`${JSON.stringify(entry)}\n`));
  const namespace = config.metricsNamespace;
  let generator: Promise<Generate> | undefined;
  const loadGenerator = () =>
    (generator ??= import('./miss-path').then((module) => module.createGenerator({ ...deps, log })));

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
        loadGenerator().then((generate) =>
          generate(
            request.uri,
            key,
            derivative.originalKey,
            derivative.spec,
            response.headers,
            answeringRegion(request.origin, config),
          ),
        ),
        config.deadlineMs ?? DEFAULT_DEADLINE_MS,
      );
      const ms = Date.now() - started;
      const { timings } = result.details;
      log({
        level: 'info',
        key,
        spec: derivative.spec,
        outcome: result.outcome,
        ms,
        ...result.details,
        ...metricFields<EdgeMetric>(
          namespace,
          { StatusClass: statusClass(Number(result.response.status)) },
          {
            Requests: { value: 1, unit: 'Count' },
            Duration: { value: ms, unit: 'Milliseconds' },
            S3GetTime: { value: timings.get ?? 0, unit: 'Milliseconds' },
            ResizeTime: { value: timings.resize ?? 0, unit: 'Milliseconds' },
            S3PutTime: { value: timings.put ?? 0, unit: 'Milliseconds' },
            OriginalBytes: { value: result.details.originalBytes, unit: 'Bytes' },
            OutputBytes: { value: result.details.bytes, unit: 'Bytes' },
            StoreFallbacks: { value: result.details.storeFallback ? 1 : 0, unit: 'Count' },
            // Stacks with replica regions only: regions asked before the one that had the original.
            ...(result.details.regionFallbacks !== undefined
              ? { RegionFallbacks: { value: result.details.regionFallbacks, unit: 'Count' as const } }
              : {}),
          },
        ),
      });
      return result.response;
    } catch (error) {
      const http = toHttpError(error, config.errorMaxAge);
      const ms = Date.now() - started;
      log({
        level: http.status >= 500 ? 'error' : 'info',
        key,
        spec: derivative.spec,
        outcome: http.code,
        status: http.status,
        ms,
        ...(http.status === 500 ? { error: String((error as Error)?.stack ?? error) } : {}),
        ...metricFields<EdgeMetric>(
          namespace,
          { StatusClass: statusClass(http.status) },
          {
            Requests: { value: 1, unit: 'Count' },
            Duration: { value: ms, unit: 'Milliseconds' },
          },
        ),
      });
      return respond(http.status, http.statusText, http.headers, http.body);
    }
  }
}
