// The image CDN: read the stack's config once, build the components, export what users need.
import * as pulumi from '@pulumi/pulumi';

import { buildViewerFunction } from './functions/viewer/build';
import { BatchResizer } from './infra/batch-resizer';
import { loadConfig, loadSigningSecret } from './infra/config';
import { ImageDistribution } from './infra/distribution';
import { EdgeFunction } from './infra/edge-function';
import { batchConfigFor, edgeConfigFor, viewerConfigFor } from './infra/function-configs';
import { ImageBuckets } from './infra/image-buckets';
import { DeploymentNames, resourceName } from './infra/names';
import { OriginBucketPolicies } from './infra/origin-bucket-policies';

const config = loadConfig();
const signingSecret = loadSigningSecret();

// Bucket names are global across accounts and the edge function is retained on destroy: both carry the
// deployment's random part, kept in state, so a config change never renames them.
const names = new DeploymentNames('names', {
  project: config.project,
  stack: config.stack,
  region: config.region,
});

const buckets = new ImageBuckets('images', {
  originalsBucketName: names.bucket('originals'),
  derivativesBucketName: names.bucket('derivatives'),
  derivativesExpirationDays: config.buckets.derivativesExpirationDays,
  originalsVersioning: config.buckets.originalsVersioning,
  forceDestroy: config.buckets.forceDestroy,
});

const edgeConfig = pulumi
  .all([buckets.originals.bucket, buckets.derivatives.bucket, signingSecret])
  .apply(([originals, derivatives, secret]) => edgeConfigFor(config, originals, derivatives, secret));

const edge = new EdgeFunction('edge', {
  functionName: names.resource('edge'),
  edgeConfig,
  originalsBucket: buckets.originals.bucket,
  derivativesBucket: buckets.derivatives.bucket,
  memoryMb: config.edge.memoryMb,
  timeoutSeconds: config.edge.timeoutSeconds,
  logRegions: config.edge.logRegions,
  logRetentionDays: config.logRetentionDays,
  awsProfile: config.awsProfile,
});

const cdn = new ImageDistribution('cdn', {
  names: config,
  derivatives: buckets.derivatives,
  originals: buckets.originals,
  viewerFunctionCode: signingSecret.apply((secret) => buildViewerFunction(viewerConfigFor(config, secret))),
  edgeFunctionQualifiedArn: edge.qualifiedArn,
  cacheMaxAgeSeconds: config.cacheMaxAgeSeconds,
  priceClass: config.distribution.priceClass,
  aliases: [...config.distribution.aliases],
  certificateArn: config.distribution.certificateArn,
  loggingBucket: config.distribution.loggingBucket,
  webAclId: config.distribution.webAclId,
  originShieldRegion: config.distribution.originShieldRegion,
});

new OriginBucketPolicies('origin-access', {
  buckets: { originals: buckets.originals, derivatives: buckets.derivatives },
  distributionArn: cdn.distribution.arn,
  dependsOn: [buckets],
});

const batch = new BatchResizer('batch', {
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
});

const alias = config.distribution.aliases.find((name) => !name.startsWith('*.'));
const publicHost = alias ? pulumi.output(alias) : cdn.distribution.domainName;

export const distributionDomainName = cdn.distribution.domainName;
export const distributionId = cdn.distribution.id;
export const originalsBucketName = buckets.originals.bucket;
export const derivativesBucketName = buckets.derivatives.bucket;
export const edgeFunctionQualifiedArn = edge.qualifiedArn;
export const batchFunctionName = batch.function.name;
export const sharpLayerArn = batch.layer.arn;
export const exampleImageUrl = pulumi.interpolate`https://${publicHost}/photos/cat.jpg?width=640&format=auto`;
