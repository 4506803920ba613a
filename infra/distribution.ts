import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';

import {
  cacheTtls,
  customErrorResponses,
  defaultCacheBehavior,
  DERIVATIVES_FAILOVER_GROUP_ID,
  DERIVATIVES_ORIGIN_ID,
  derivativesOriginId,
  FAILOVER_STATUS_CODES,
  ORIGINALS_ORIGIN_ID,
  originalsOriginId,
  responseHeadersPolicyHeaders,
  uriOnlyCacheKey,
  viewerCertificate,
} from './cloudfront';
import { type NameContext, resourceName } from './names';

export interface ImageDistributionArgs {
  /**
   * What the physical names of the OACs, the cache policy, the CloudFront Function and the distribution's
   * comment and log prefix derive from (names.ts); they are account-wide, at most 64 characters.
   */
  readonly names: NameContext;
  /** The derivatives bucket: the default origin. */
  readonly derivatives: aws.s3.Bucket;
  /** The originals bucket: the origin the viewer function selects for untransformed requests. */
  readonly originals: aws.s3.Bucket;
  /** Code of the viewer-request CloudFront Function (cloudfront-js-2.0), config baked in. */
  readonly viewerFunctionCode: pulumi.Input<string>;
  /** Version-qualified ARN of the origin-response Lambda@Edge function. */
  readonly edgeFunctionQualifiedArn: pulumi.Input<string>;
  /** Default TTL of objects without `Cache-Control`, in seconds (the stack's `cacheMaxAgeSeconds`). */
  readonly cacheMaxAgeSeconds: number;
  /** CloudFront price class (the stack's `priceClass`). */
  readonly priceClass: pulumi.Input<string>;
  /**
   * Alternate domain names; they need `certificateArn`.
   * @default []
   */
  readonly aliases?: pulumi.Input<pulumi.Input<string>[]>;
  /**
   * ACM certificate in us-east-1 covering the aliases. Without it, CloudFront's default certificate.
   * @default undefined
   */
  readonly certificateArn?: string;
  /**
   * Bucket receiving standard access logs (the bucket name, with ACLs enabled as CloudFront requires).
   * @default undefined (no access logs)
   */
  readonly loggingBucket?: string;
  /**
   * WAF web ACL (its ARN, for WAFv2) to attach.
   * @default undefined
   */
  readonly webAclId?: pulumi.Input<string>;
  /**
   * Origin Shield region for both origins; usually the buckets' region.
   * @default undefined (Origin Shield off)
   */
  readonly originShieldRegion?: string;
  /**
   * The replica regions' buckets (`replicaRegions`): each is an origin too, and the default behaviour
   * targets an origin group of the home derivatives and the first replica's.
   * @default []
   */
  readonly replicas?: readonly {
    readonly region: string;
    readonly originals: aws.s3.Bucket;
    readonly derivatives: aws.s3.Bucket;
  }[];
}

/**
 * CloudFront in front of the two private buckets: each through its own OAC, one URI-keyed cache
 * policy, the viewer-request function and the origin-response Lambda@Edge, HTTPS only.
 */
export class ImageDistribution extends pulumi.ComponentResource {
  /** The distribution: the derivatives bucket as default origin, the originals as the second. */
  readonly distribution: aws.cloudfront.Distribution;
  /** The viewer-request CloudFront Function, published. */
  readonly viewerFunction: aws.cloudfront.Function;
  /** The cache policy keyed on the URI alone. */
  readonly cachePolicy: aws.cloudfront.CachePolicy;
  /** The response headers policy adding Accept-CH and Vary (CLIENT_HINT_RESPONSE_HEADERS). */
  readonly responseHeadersPolicy: aws.cloudfront.ResponseHeadersPolicy;

  constructor(name: string, args: ImageDistributionArgs, opts?: pulumi.ComponentResourceOptions) {
    super('imagecdn:index:ImageDistribution', name, {}, opts);
    const parent = this;
    const physicalName = (part: string) => resourceName(args.names, part);
    const distributionName = physicalName('cdn');

    const derivativesOac = createOac('derivatives-oac');
    const originalsOac = createOac('originals-oac');
    const cachePolicy = createCachePolicy();
    const responseHeadersPolicy = createResponseHeadersPolicy();
    const viewerFunction = createViewerFunction();
    const distribution = createDistribution();

    this.distribution = distribution;
    this.viewerFunction = viewerFunction;
    this.cachePolicy = cachePolicy;
    this.responseHeadersPolicy = responseHeadersPolicy;
    this.registerOutputs({ distribution, viewerFunction, cachePolicy, responseHeadersPolicy });

    function createOac(part: string): aws.cloudfront.OriginAccessControl {
      return new aws.cloudfront.OriginAccessControl(
        `${name}-${part}`,
        {
          name: physicalName(part),
          description: 'Signed S3 reads for the image CDN',
          originAccessControlOriginType: 's3',
          signingBehavior: 'always',
          signingProtocol: 'sigv4',
        },
        { parent },
      );
    }

    function createCachePolicy(): aws.cloudfront.CachePolicy {
      return new aws.cloudfront.CachePolicy(
        `${name}-cache-policy`,
        {
          name: physicalName('uri-only'),
          comment: 'Key = URI only: the viewer function folded the parameters into it',
          ...cacheTtls(args.cacheMaxAgeSeconds),
          parametersInCacheKeyAndForwardedToOrigin: uriOnlyCacheKey(),
        },
        { parent },
      );
    }

    function createResponseHeadersPolicy(): aws.cloudfront.ResponseHeadersPolicy {
      return new aws.cloudfront.ResponseHeadersPolicy(
        `${name}-response-headers`,
        {
          name: physicalName('client-hints'),
          comment: 'Accept-CH for the client hints, Vary on what the viewer function folds into the key',
          customHeadersConfig: responseHeadersPolicyHeaders(),
        },
        { parent },
      );
    }

    function createViewerFunction(): aws.cloudfront.Function {
      return new aws.cloudfront.Function(
        `${name}-viewer-request`,
        {
          name: physicalName('viewer-request'),
          comment: 'Validate and normalise image parameters into the cache key',
          runtime: 'cloudfront-js-2.0',
          code: args.viewerFunctionCode,
          publish: true,
        },
        { parent },
      );
    }

    function createDistribution(): aws.cloudfront.Distribution {
      const replicas = args.replicas ?? [];
      const secondary = replicas[0];
      const originShield = args.originShieldRegion
        ? { originShield: { enabled: true, originShieldRegion: args.originShieldRegion } }
        : {};
      return new aws.cloudfront.Distribution(
        `${name}-distribution`,
        {
          enabled: true,
          comment: `Image CDN ${distributionName}`,
          httpVersion: 'http2and3',
          isIpv6Enabled: true,
          priceClass: args.priceClass,
          aliases: args.aliases ?? [],
          origins: [
            {
              originId: DERIVATIVES_ORIGIN_ID,
              domainName: args.derivatives.bucketRegionalDomainName,
              originAccessControlId: derivativesOac.id,
              ...originShield,
            },
            {
              originId: ORIGINALS_ORIGIN_ID,
              domainName: args.originals.bucketRegionalDomainName,
              originAccessControlId: originalsOac.id,
              ...originShield,
            },
            // A replica's origins: the edge handler knows which region CloudFront asked from the bucket's
            // regional domain (functions/edge/answering-origin.ts). No Origin Shield: it sits in one region.
            ...replicas.flatMap((replica) => [
              {
                originId: derivativesOriginId(replica.region),
                domainName: replica.derivatives.bucketRegionalDomainName,
                originAccessControlId: derivativesOac.id,
              },
              {
                originId: originalsOriginId(replica.region),
                domainName: replica.originals.bucketRegionalDomainName,
                originAccessControlId: originalsOac.id,
              },
            ]),
          ],
          ...(secondary
            ? {
                // "Optimize high availability with CloudFront origin failover": the home derivatives first,
                // the first replica region's when home answers a server error or cannot be reached.
                originGroups: [
                  {
                    originId: DERIVATIVES_FAILOVER_GROUP_ID,
                    failoverCriteria: { statusCodes: [...FAILOVER_STATUS_CODES] },
                    members: [
                      { originId: DERIVATIVES_ORIGIN_ID },
                      { originId: derivativesOriginId(secondary.region) },
                    ],
                  },
                ],
              }
            : {}),
          defaultCacheBehavior: defaultCacheBehavior({
            cachePolicyId: cachePolicy.id,
            responseHeadersPolicyId: responseHeadersPolicy.id,
            viewerFunctionArn: viewerFunction.arn,
            edgeFunctionQualifiedArn: args.edgeFunctionQualifiedArn,
            ...(secondary ? { targetOriginId: DERIVATIVES_FAILOVER_GROUP_ID } : {}),
          }),
          customErrorResponses: customErrorResponses(),
          restrictions: { geoRestriction: { restrictionType: 'none' } },
          viewerCertificate: viewerCertificate(args.certificateArn),
          loggingConfig: args.loggingBucket
            ? {
                bucket: `${args.loggingBucket}.s3.amazonaws.com`,
                prefix: `${distributionName}/`,
                includeCookies: false,
              }
            : undefined,
          webAclId: args.webAclId,
        },
        { parent },
      );
    }
  }
}
