import type * as aws from '@pulumi/aws';
import type * as pulumi from '@pulumi/pulumi';

import { ERROR_CACHING_MIN_TTL_SECONDS } from './error-caching';
import { CLOUDFRONT_DEFAULT_MAX_TTL_SECONDS } from './limits';

/** Origin ids of the distribution; the viewer function selects `ORIGINALS_ORIGIN_ID` by id. */
export const DERIVATIVES_ORIGIN_ID = 'derivatives';
export const ORIGINALS_ORIGIN_ID = 'originals';

/** Origin ids of a replica region's buckets (`replicaRegions`). */
export const derivativesOriginId = (region: string): string => `${DERIVATIVES_ORIGIN_ID}-${region}`;
export const originalsOriginId = (region: string): string => `${ORIGINALS_ORIGIN_ID}-${region}`;

/** The origin group the default behaviour targets when the stack has replica regions. */
export const DERIVATIVES_FAILOVER_GROUP_ID = 'derivatives-failover';

/**
 * The primary's answers on which CloudFront asks the secondary origin instead, besides failing to connect
 * or timing out ("Optimize high availability with CloudFront origin failover"): S3's server errors. Never
 * 403/404: a missing derivative is the origin-response handler's to make, in the primary's region.
 */
export const FAILOVER_STATUS_CODES: readonly number[] = [500, 502, 503, 504];

type CacheKeyParameters = aws.types.input.cloudfront.CachePolicyParametersInCacheKeyAndForwardedToOrigin;

/**
 * The headers every image answer carries, for browsers and the caches between them and CloudFront: the
 * answer to one URL depends on `Accept` (format=auto), the client hints and `Save-Data`, which the viewer
 * function folds into the cache key (the rewritten URI), so CloudFront itself needs no `Vary`. `Accept-CH`
 * asks the browser to send the hints on its next requests. The distribution sets both with a response
 * headers policy (responseHeadersPolicyHeaders) and the local edge adds the same ones.
 */
export const CLIENT_HINT_RESPONSE_HEADERS = {
  'Accept-CH': 'Sec-CH-DPR, Sec-CH-Width, Sec-CH-Viewport-Width',
  Vary: 'Accept, Sec-CH-DPR, Sec-CH-Width, Sec-CH-Viewport-Width, Save-Data',
} as const;

/**
 * The custom headers of the response headers policy: CLIENT_HINT_RESPONSE_HEADERS, each replacing what the
 * origin sent (override), on answers from the cache and from the origin alike ("Add or remove HTTP headers
 * in CloudFront responses with a policy" and "Understand response headers policies", CloudFront Developer
 * Guide). A policy, not the origin-response handler: a `Vary` stored with the object would also be read
 * by CloudFront, and derivatives the batch resizer wrote never pass through the handler.
 */
export function responseHeadersPolicyHeaders(): aws.types.input.cloudfront.ResponseHeadersPolicyCustomHeadersConfig {
  return {
    items: Object.entries(CLIENT_HINT_RESPONSE_HEADERS).map(([header, value]) => ({
      header,
      value,
      override: true,
    })),
  };
}

/**
 * The cache key is the URI alone: the viewer function has already folded every parameter that matters
 * (and the format negotiated from `Accept`) into the URI, so query strings, headers and cookies are
 * neither in the key nor forwarded. gzip/brotli normalisation is off: it would add the normalised
 * `Accept-Encoding` to the key, and CloudFront never compresses images ("Serve compressed files", file
 * types that CloudFront compresses), so each image would be stored up to three times at the edge.
 */
export function uriOnlyCacheKey(): CacheKeyParameters {
  return {
    queryStringsConfig: { queryStringBehavior: 'none' },
    headersConfig: { headerBehavior: 'none' },
    cookiesConfig: { cookieBehavior: 'none' },
    enableAcceptEncodingGzip: false,
    enableAcceptEncodingBrotli: false,
  };
}

/** TTLs of the cache policy: origin `Cache-Control` wins; objects without one are kept `maxAge`. */
export function cacheTtls(maxAgeSeconds: number): { minTtl: number; defaultTtl: number; maxTtl: number } {
  return {
    minTtl: 0,
    defaultTtl: maxAgeSeconds,
    maxTtl: Math.max(maxAgeSeconds, CLOUDFRONT_DEFAULT_MAX_TTL_SECONDS),
  };
}

export interface CacheBehaviorArgs {
  readonly cachePolicyId: pulumi.Input<string>;
  /** The policy adding CLIENT_HINT_RESPONSE_HEADERS to every answer. */
  readonly responseHeadersPolicyId: pulumi.Input<string>;
  readonly viewerFunctionArn: pulumi.Input<string>;
  /** The edge function's version-qualified ARN (`…:function:name:3`); `$LATEST` is refused by CloudFront. */
  readonly edgeFunctionQualifiedArn: pulumi.Input<string>;
  /**
   * The origin (or origin group) the behaviour targets.
   * @default DERIVATIVES_ORIGIN_ID
   */
  readonly targetOriginId?: string;
}

/** The only cache behaviour: viewer-request function, origin-response Lambda@Edge, HTTPS only. */
export function defaultCacheBehavior(
  args: CacheBehaviorArgs,
): aws.types.input.cloudfront.DistributionDefaultCacheBehavior {
  return {
    targetOriginId: args.targetOriginId ?? DERIVATIVES_ORIGIN_ID,
    viewerProtocolPolicy: 'redirect-to-https',
    // GET and HEAD only: also what an origin group requires (it fails over for GET, HEAD and OPTIONS).
    allowedMethods: ['GET', 'HEAD'],
    cachedMethods: ['GET', 'HEAD'],
    // Compression needs the cache policy's gzip/brotli settings, which are off (see uriOnlyCacheKey).
    compress: false,
    cachePolicyId: args.cachePolicyId,
    responseHeadersPolicyId: args.responseHeadersPolicyId,
    functionAssociations: [{ eventType: 'viewer-request', functionArn: args.viewerFunctionArn }],
    lambdaFunctionAssociations: [
      { eventType: 'origin-response', lambdaArn: args.edgeFunctionQualifiedArn, includeBody: false },
    ],
  };
}

/** The ACM certificate (us-east-1) with SNI and TLS 1.2+ for aliases, else CloudFront's own certificate. */
export function viewerCertificate(
  certificateArn: string | undefined,
): aws.types.input.cloudfront.DistributionViewerCertificate {
  return certificateArn
    ? {
        acmCertificateArn: certificateArn,
        sslSupportMethod: 'sni-only',
        minimumProtocolVersion: 'TLSv1.2_2021',
      }
    : { cloudfrontDefaultCertificate: true };
}

/**
 * Custom error responses that only set how long CloudFront keeps an error from the origin (the
 * origin-response handler's answers included): its error caching minimum TTL per status, from
 * infra/error-caching.ts. Without them a 5xx is held 10 s, whatever its `no-store` ("How CloudFront
 * processes HTTP 4xx and 5xx status codes from your origin").
 */
export function customErrorResponses(): aws.types.input.cloudfront.DistributionCustomErrorResponse[] {
  return Object.entries(ERROR_CACHING_MIN_TTL_SECONDS).map(([status, seconds]) => ({
    errorCode: Number(status),
    errorCachingMinTtl: seconds,
  }));
}
