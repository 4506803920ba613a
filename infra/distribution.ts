import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import {
  DERIVATIVES_ORIGIN_ID,
  ORIGINALS_ORIGIN_ID,
  cacheTtls,
  customErrorResponses,
  defaultCacheBehavior,
  uriOnlyCacheKey,
  viewerCertificate,
} from './cloudfront';

/** Account-wide physical names of the distribution's parts (see names.ts; at most 64 characters). */
export interface DistributionNames {
  readonly derivativesOac: string;
  readonly originalsOac: string;
  readonly cachePolicy: string;
  readonly viewerFunction: string;
  /** Comment on the distribution, and prefix of its access-log keys. */
  readonly distribution: string;
}

export interface ImageDistributionArgs {
  /** Physical names of the OACs, the cache policy and the CloudFront Function. */
  readonly names: DistributionNames;
  /** The derivatives bucket: the default origin. */
  readonly derivatives: aws.s3.Bucket;
  /** The originals bucket: the origin the viewer function selects for untransformed requests. */
  readonly originals: aws.s3.Bucket;
  /** Code of the viewer-request CloudFront Function (cloudfront-js-2.0), config baked in. */
  readonly viewerFunctionCode: pulumi.Input<string>;
  /** Version-qualified ARN of the origin-response Lambda@Edge function. */
  readonly edgeFunctionQualifiedArn: pulumi.Input<string>;
  /**
   * Default TTL of objects without `Cache-Control`, in seconds.
   * @default 31536000
   */
  readonly cacheMaxAgeSeconds?: number;
  /**
   * CloudFront price class.
   * @default 'PriceClass_100'
   */
  readonly priceClass?: pulumi.Input<string>;
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
}

/**
 * CloudFront in front of the two private buckets: each through its own OAC, one URI-keyed cache
 * policy, the viewer-request function and the origin-response Lambda@Edge, HTTPS only.
 */
export class ImageDistribution extends pulumi.ComponentResource {
  readonly distribution: aws.cloudfront.Distribution;
  readonly viewerFunction: aws.cloudfront.Function;
  readonly cachePolicy: aws.cloudfront.CachePolicy;

  constructor(name: string, args: ImageDistributionArgs, opts?: pulumi.ComponentResourceOptions) {
    super('imagecdn:index:ImageDistribution', name, {}, opts);
    const cacheMaxAge = args.cacheMaxAgeSeconds ?? 31_536_000;
    const priceClass = args.priceClass ?? 'PriceClass_100';
    const aliases = args.aliases ?? [];

    const derivativesOac = this.createOac(`${name}-derivatives-oac`, args.names.derivativesOac);
    const originalsOac = this.createOac(`${name}-originals-oac`, args.names.originalsOac);
    this.cachePolicy = this.createCachePolicy(name, args.names.cachePolicy, cacheMaxAge);
    this.viewerFunction = this.createViewerFunction(name, args);
    this.distribution = this.createDistribution(name, args, {
      derivativesOac,
      originalsOac,
      priceClass,
      aliases,
    });

    this.registerOutputs({
      distributionId: this.distribution.id,
      distributionArn: this.distribution.arn,
      domainName: this.distribution.domainName,
    });
  }

  private createOac(name: string, physicalName: string): aws.cloudfront.OriginAccessControl {
    return new aws.cloudfront.OriginAccessControl(
      name,
      {
        name: physicalName,
        description: 'Signed S3 reads for the image CDN',
        originAccessControlOriginType: 's3',
        signingBehavior: 'always',
        signingProtocol: 'sigv4',
      },
      { parent: this },
    );
  }

  private createCachePolicy(
    name: string,
    physicalName: string,
    cacheMaxAge: number,
  ): aws.cloudfront.CachePolicy {
    return new aws.cloudfront.CachePolicy(
      `${name}-cache-policy`,
      {
        name: physicalName,
        comment: 'Key = URI only: the viewer function folded the parameters into it',
        ...cacheTtls(cacheMaxAge),
        parametersInCacheKeyAndForwardedToOrigin: uriOnlyCacheKey(),
      },
      { parent: this },
    );
  }

  private createViewerFunction(name: string, args: ImageDistributionArgs): aws.cloudfront.Function {
    return new aws.cloudfront.Function(
      `${name}-viewer-request`,
      {
        name: args.names.viewerFunction,
        comment: 'Validate and normalise image parameters into the cache key',
        runtime: 'cloudfront-js-2.0',
        code: args.viewerFunctionCode,
        publish: true,
      },
      { parent: this },
    );
  }

  private createDistribution(
    name: string,
    args: ImageDistributionArgs,
    parts: {
      derivativesOac: aws.cloudfront.OriginAccessControl;
      originalsOac: aws.cloudfront.OriginAccessControl;
      priceClass: pulumi.Input<string>;
      aliases: pulumi.Input<pulumi.Input<string>[]>;
    },
  ): aws.cloudfront.Distribution {
    const originShield = args.originShieldRegion
      ? { originShield: { enabled: true, originShieldRegion: args.originShieldRegion } }
      : {};
    return new aws.cloudfront.Distribution(
      `${name}-distribution`,
      {
        enabled: true,
        comment: `Image CDN ${args.names.distribution}`,
        httpVersion: 'http2and3',
        isIpv6Enabled: true,
        priceClass: parts.priceClass,
        aliases: parts.aliases,
        origins: [
          {
            originId: DERIVATIVES_ORIGIN_ID,
            domainName: args.derivatives.bucketRegionalDomainName,
            originAccessControlId: parts.derivativesOac.id,
            ...originShield,
          },
          {
            originId: ORIGINALS_ORIGIN_ID,
            domainName: args.originals.bucketRegionalDomainName,
            originAccessControlId: parts.originalsOac.id,
            ...originShield,
          },
        ],
        defaultCacheBehavior: defaultCacheBehavior({
          cachePolicyId: this.cachePolicy.id,
          viewerFunctionArn: this.viewerFunction.arn,
          edgeFunctionQualifiedArn: args.edgeFunctionQualifiedArn,
        }),
        customErrorResponses: customErrorResponses(),
        restrictions: { geoRestriction: { restrictionType: 'none' } },
        viewerCertificate: viewerCertificate(args.certificateArn),
        ...(args.loggingBucket
          ? {
              loggingConfig: {
                bucket: `${args.loggingBucket}.s3.amazonaws.com`,
                prefix: `${args.names.distribution}/`,
                includeCookies: false,
              },
            }
          : {}),
        ...(args.webAclId ? { webAclId: args.webAclId } : {}),
      },
      { parent: this },
    );
  }
}
