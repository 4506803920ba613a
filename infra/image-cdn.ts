import * as pulumi from '@pulumi/pulumi';

import type { RegionBuckets } from '../functions/edge/edge-config';
import { BatchResizer } from './batch-resizer';
import { type CdnConfig, parseConfig, validateSigningSecret } from './config';
import { StackDashboard } from './dashboard';
import { ImageDistribution } from './distribution';
import { EdgeFunction } from './edge-function';
import { batchConfigFor, edgeConfigFor, viewerFunctionCode } from './function-configs';
import { ImageBuckets } from './image-buckets';
import type { ImageCdnSettings } from './image-cdn-settings';
import { Monitoring } from './monitoring';
import { DeploymentNames, resourceName } from './names';
import { OriginBucketPolicies } from './origin-bucket-policies';
import { ReplicaRegions } from './replica-regions';

export type { ImageCdnSettings } from './image-cdn-settings';

export interface ImageCdnArgs extends ImageCdnSettings {
  /**
   * Home region of the buckets and the batch resizer (the edge function is always in us-east-1).
   * @default the `aws:region` config of the stack
   */
  readonly region?: string;
  /**
   * AWS profile for the explicit providers this component creates (us-east-1 for the edge function, the
   * log regions), which do not read the stack's `aws:` config.
   * @default the `aws:profile` config of the stack, if any
   */
  readonly awsProfile?: string;
  /**
   * Secret for signed URLs: at least 16 characters; pass a secret (`pulumi.secret(...)`, or a config value
   * read with `getSecret`) so it stays encrypted in the state. Empty turns signed URLs off.
   * @default '' (signed URLs off)
   */
  readonly signingSecret?: pulumi.Input<string>;
  /**
   * Keep the URNs of a stack deployed before this component existed, when this project's program built the
   * same resources at the top level (children `names`, `images`, `edge`, `cdn`, `origin-access`, `batch`):
   * aliases let `pulumi up` update them in place instead of replacing buckets and the distribution. Only for
   * this project's own `index.ts`; two components with it would alias the same resources.
   * @default false
   */
  readonly adoptTopLevelResources?: boolean;
}

/**
 * The whole image CDN as one component: private buckets for originals and derivatives, the Lambda@Edge
 * origin-response function (us-east-1), the CloudFront distribution with its viewer-request function, the
 * buckets' OAC-only policies, the S3-triggered batch resizer, and the alarms and dashboard that watch
 * them; with `replicaRegions`, a replica of the originals and a derivatives bucket in each of those
 * regions and an origin group failing over to the first (docs/multi-region.md). Its settings are the
 * stack config keys (ImageCdnSettings), checked by the same rules as a stack's config; its public fields
 * are what it registers as outputs. Children are named after it (`<name>-images`, `<name>-edge`, …).
 *
 *     const images = new ImageCdn('images', { maxWidth: 2048, batchRenditions: ['width=320&format=webp'] });
 *     export const imageDomain = images.distributionDomainName;
 */
export class ImageCdn extends pulumi.ComponentResource {
  /** The distribution's domain, `dxxxxxxxx.cloudfront.net`. */
  readonly distributionDomainName: pulumi.Output<string>;
  /** The distribution's id, for invalidations. */
  readonly distributionId: pulumi.Output<string>;
  /** Where originals are uploaded. */
  readonly originalsBucketName: pulumi.Output<string>;
  /** Where derivatives are stored. */
  readonly derivativesBucketName: pulumi.Output<string>;
  /** The published Lambda@Edge version CloudFront runs. */
  readonly edgeFunctionQualifiedArn: pulumi.Output<string>;
  /** The upload-triggered batch resizer. */
  readonly batchFunctionName: pulumi.Output<string>;
  /** The sharp layer (x86_64, Node.js 22), usable by other functions. */
  readonly sharpLayerArn: pulumi.Output<string>;
  /** `https://<alias or domain>/photos/cat.jpg?width=640&format=auto`. */
  readonly exampleImageUrl: pulumi.Output<string>;
  /**
   * The originals bucket's policy (JSON): TLS only, reads by this distribution's OAC only. Applied to a
   * bucket this component creates; for an existing bucket (`existingOriginalsBucket`), the statements its
   * owner adds to the bucket's policy.
   */
  readonly originalsBucketPolicy: pulumi.Output<string>;

  constructor(name: string, args: ImageCdnArgs = {}, opts?: pulumi.ComponentResourceOptions) {
    super('imagecdn:index:ImageCdn', name, {}, opts);
    const parent = this;
    const config = imageCdnConfig(args);
    const signingSecret = pulumi.output(args.signingSecret ?? '').apply((secret) => {
      validateSigningSecret(secret);
      return secret;
    });
    /** A child named after this component; with adoptTopLevelResources, aliased to its old top-level URN. */
    const child = (part: string, dependsOn?: pulumi.Resource[]): pulumi.ComponentResourceOptions => ({
      parent,
      ...(dependsOn ? { dependsOn } : {}),
      ...(args.adoptTopLevelResources ? { aliases: [{ name: part, parent: pulumi.rootStackResource }] } : {}),
    });
    const childName = (part: string) => `${name}-${part}`;

    // Bucket names are global across accounts and the edge function is retained on destroy: both carry the
    // deployment's random part, kept in state, so a config change never renames them.
    const names = new DeploymentNames(
      childName('names'),
      { project: config.project, stack: config.stack, region: config.region },
      child('names'),
    );

    const buckets = new ImageBuckets(
      childName('images'),
      {
        originalsBucketName: names.bucket('originals'),
        derivativesBucketName: names.bucket('derivatives'),
        derivativesExpirationDays: config.buckets.derivativesExpirationDays,
        originalsVersioning: config.buckets.originalsVersioning,
        forceDestroy: config.buckets.forceDestroy,
        existingOriginalsBucket: config.buckets.existingOriginals,
      },
      child('images'),
    );

    // Replica regions (`replicaRegions`): buckets in each, and the home originals replicated to them.
    const replicas =
      config.replicas.regions.length > 0
        ? new ReplicaRegions(
            childName('replicas'),
            {
              regions: config.replicas.regions,
              names,
              source: buckets.originals,
              // Replicas turn versioning on (parse.ts), so the home originals' versioning exists.
              sourceVersioning: buckets.originalsVersioning!,
              roleName: resourceName(config, 'replication'),
              derivativesExpirationDays: config.buckets.derivativesExpirationDays,
              forceDestroy: config.buckets.forceDestroy,
              replicationTimeControl: config.replicas.replicationTimeControl,
              awsProfile: config.awsProfile,
            },
            // New with replica regions: nothing to adopt.
            { parent },
          )
        : undefined;
    const replicaRegions = replicas?.regions ?? [];
    const replicaBuckets: pulumi.Output<RegionBuckets[]> = pulumi.all(
      replicaRegions.map((replica) =>
        pulumi
          .all([replica.buckets.originals.bucket, replica.buckets.derivatives.bucket])
          .apply(([originalsBucket, derivativesBucket]) => ({
            region: replica.region,
            originalsBucket,
            derivativesBucket,
          })),
      ),
    );

    const edgeConfig = pulumi
      .all([buckets.originals.bucket, buckets.derivatives.bucket, signingSecret, replicaBuckets])
      .apply(([originals, derivatives, secret, replicated]) =>
        edgeConfigFor(config, originals, derivatives, secret, replicated),
      );
    const edge = new EdgeFunction(
      childName('edge'),
      {
        functionName: names.resource('edge'),
        edgeConfig,
        originalsBucket: buckets.originals.bucket,
        derivativesBucket: buckets.derivatives.bucket,
        ...(replicas ? { replicaBuckets } : {}),
        memoryMb: config.edge.memoryMb,
        timeoutSeconds: config.edge.timeoutSeconds,
        logRegions: config.edge.logRegions,
        logRetentionDays: config.logRetentionDays,
        awsProfile: config.awsProfile,
      },
      child('edge'),
    );

    const cdn = new ImageDistribution(
      childName('cdn'),
      {
        names: config,
        derivatives: buckets.derivatives,
        originals: buckets.originals,
        viewerFunctionCode: signingSecret.apply((secret) => viewerFunctionCode(config, secret)),
        edgeFunctionQualifiedArn: edge.qualifiedArn,
        cacheMaxAgeSeconds: config.cacheMaxAgeSeconds,
        priceClass: config.distribution.priceClass,
        aliases: [...config.distribution.aliases],
        certificateArn: config.distribution.certificateArn,
        loggingBucket: config.distribution.loggingBucket,
        webAclId: config.distribution.webAclId,
        originShieldRegion: config.distribution.originShieldRegion,
        replicas: replicaRegions.map((replica) => ({
          region: replica.region,
          originals: replica.buckets.originals,
          derivatives: replica.buckets.derivatives,
        })),
      },
      child('cdn'),
    );

    const originAccess = new OriginBucketPolicies(
      childName('origin-access'),
      {
        buckets: { originals: buckets.originals, derivatives: buckets.derivatives },
        distributionArn: cdn.distribution.arn,
        // An existing originals bucket's one policy is its owner's: only its document is given.
        documentOnly: config.buckets.existingOriginals ? ['originals'] : [],
      },
      child('origin-access', [buckets]),
    );
    // The same OAC-only, TLS-only policies on every replica bucket, each made in its bucket's region.
    for (const replica of replicaRegions)
      new OriginBucketPolicies(
        childName(`origin-access-${replica.region}`),
        {
          buckets: { originals: replica.buckets.originals, derivatives: replica.buckets.derivatives },
          distributionArn: cdn.distribution.arn,
        },
        { parent, dependsOn: [replica.buckets], providers: { aws: replica.provider } },
      );

    const batch = new BatchResizer(
      childName('batch'),
      {
        functionName: resourceName(config, 'batch'),
        originals: buckets.originals,
        derivatives: buckets.derivatives,
        batchConfig: pulumi
          .all([buckets.originals.bucket, buckets.derivatives.bucket])
          .apply(([originals, derivatives]) => batchConfigFor(config, originals, derivatives)),
        prefix: config.batch.prefix,
        suffixes: config.batch.suffixes,
        memoryMb: config.batch.memoryMb,
        timeoutSeconds: config.batch.timeoutSeconds,
        reservedConcurrency: config.batch.reservedConcurrency,
        maxRetryAttempts: config.batch.maxRetryAttempts,
        maxEventAgeSeconds: config.batch.maxEventAgeSeconds,
        failureRetentionSeconds: config.batch.failureQueueRetentionSeconds,
        logRetentionDays: config.logRetentionDays,
        // A bucket has one notification configuration: on a bucket this stack does not own it stays the owner's.
        triggeredByUploads: !config.buckets.existingOriginals,
      },
      child('batch'),
    );

    new Monitoring(
      childName('monitoring'),
      {
        topicName: resourceName(config, 'alarms'),
        alarmPrefix: resourceName(config, 'alarm'),
        homeRegion: config.region,
        edgeRegions: config.edge.logRegions,
        edgeFunctionName: edge.function.name,
        batchFunctionName: batch.function.name,
        failureQueueName: batch.failureQueue.name,
        distributionId: cdn.distribution.id,
        errorRatePercent: config.alarms.errorRatePercent,
        email: config.alarms.email,
        existingTopicArn: config.alarms.topicArn,
        awsProfile: config.awsProfile,
      },
      // New with this component: no top-level resource to adopt.
      { parent },
    );

    new StackDashboard(
      childName('dashboard'),
      {
        dashboardName: resourceName(config, 'dashboard'),
        homeRegion: config.region,
        edgeRegions: config.edge.logRegions,
        distributionId: cdn.distribution.id,
        edgeFunctionName: edge.function.name,
        batchFunctionName: batch.function.name,
        failureQueueName: batch.failureQueue.name,
        metricsNamespace: config.metricsNamespace,
        additionalMetrics: config.additionalMetrics,
        replicated: config.replicas.regions.length > 0,
      },
      // New with this component: no top-level resource to adopt.
      { parent },
    );

    const alias = config.distribution.aliases.find((domain) => !domain.startsWith('*.'));
    const publicHost = alias ? pulumi.output(alias) : cdn.distribution.domainName;

    this.distributionDomainName = cdn.distribution.domainName;
    this.distributionId = cdn.distribution.id;
    this.originalsBucketName = buckets.originals.bucket;
    this.derivativesBucketName = buckets.derivatives.bucket;
    this.edgeFunctionQualifiedArn = edge.qualifiedArn;
    this.batchFunctionName = batch.function.name;
    this.sharpLayerArn = batch.layer.arn;
    this.exampleImageUrl = pulumi.interpolate`https://${publicHost}/photos/cat.jpg?width=640&format=auto`;
    this.originalsBucketPolicy = pulumi
      .all([originAccess.documents.originals!, buckets.originals.region])
      .apply(([document, bucketRegion]) => {
        // The edge and the batch resizer read originals in the home region (edge-config.json's bucketRegion).
        if (bucketRegion !== config.region)
          throw new Error(
            `existingOriginalsBucket ${config.buckets.existingOriginals} is in ${bucketRegion}, not in the home region ${config.region}`,
          );
        return document;
      });
    this.registerOutputs(imageCdnOutputs(this));
  }
}

/** The outputs an ImageCdn registers: its public fields, by name (a test holds the two equal). */
export function imageCdnOutputs(cdn: ImageCdn): Record<ImageCdnOutput, pulumi.Output<string>> {
  return Object.fromEntries(IMAGE_CDN_OUTPUTS.map((key) => [key, cdn[key]])) as Record<
    ImageCdnOutput,
    pulumi.Output<string>
  >;
}

/** The names of ImageCdn's outputs, which a program built on it exports as its stack outputs. */
export const IMAGE_CDN_OUTPUTS = [
  'distributionDomainName',
  'distributionId',
  'originalsBucketName',
  'derivativesBucketName',
  'edgeFunctionQualifiedArn',
  'batchFunctionName',
  'sharpLayerArn',
  'exampleImageUrl',
  'originalsBucketPolicy',
] as const;

export type ImageCdnOutput = (typeof IMAGE_CDN_OUTPUTS)[number];

/** The validated configuration of an ImageCdn: its settings by the stack config's rules, in this stack. */
export function imageCdnConfig(args: ImageCdnArgs): CdnConfig {
  const aws = new pulumi.Config('aws');
  const awsProfile = args.awsProfile ?? aws.get('profile');
  const settings: ImageCdnSettings = args;
  return parseConfig((key) => settings[key as keyof ImageCdnSettings], {
    project: pulumi.getProject(),
    stack: pulumi.getStack(),
    region: args.region ?? aws.get('region'),
    ...(awsProfile ? { awsProfile } : {}),
  });
}
