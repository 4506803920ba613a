// The one table of the resource type tokens the rules look for, read off the provider's own classes so a
// renamed token fails here, at load, rather than silently matching nothing.
import * as aws from '@pulumi/aws';

import { typeOf } from './support';

export const RESOURCE_TYPES = {
  bucket: typeOf(aws.s3.Bucket),
  bucketV2: typeOf(aws.s3.BucketV2),
  publicAccessBlock: typeOf(aws.s3.BucketPublicAccessBlock),
  ownershipControls: typeOf(aws.s3.BucketOwnershipControls),
  sse: typeOf(aws.s3.BucketServerSideEncryptionConfiguration),
  sseV2: typeOf(aws.s3.BucketServerSideEncryptionConfigurationV2),
  bucketPolicy: typeOf(aws.s3.BucketPolicy),
  bucketNotification: typeOf(aws.s3.BucketNotification),
  bucketReplicationConfig: typeOf(aws.s3.BucketReplicationConfig),
  bucketAcl: typeOf(aws.s3.BucketAcl),
  bucketAclV2: typeOf(aws.s3.BucketAclV2),
  bucketObject: typeOf(aws.s3.BucketObject),
  bucketObjectV2: typeOf(aws.s3.BucketObjectv2),
  role: typeOf(aws.iam.Role),
  rolePolicy: typeOf(aws.iam.RolePolicy),
  policy: typeOf(aws.iam.Policy),
  userPolicy: typeOf(aws.iam.UserPolicy),
  groupPolicy: typeOf(aws.iam.GroupPolicy),
  rolePolicyAttachment: typeOf(aws.iam.RolePolicyAttachment),
  userPolicyAttachment: typeOf(aws.iam.UserPolicyAttachment),
  groupPolicyAttachment: typeOf(aws.iam.GroupPolicyAttachment),
  policyAttachment: typeOf(aws.iam.PolicyAttachment),
  rolePolicyAttachmentsExclusive: typeOf(aws.iam.RolePolicyAttachmentsExclusive),
  userPolicyAttachmentsExclusive: typeOf(aws.iam.UserPolicyAttachmentsExclusive),
  groupPolicyAttachmentsExclusive: typeOf(aws.iam.GroupPolicyAttachmentsExclusive),
  lambdaFunction: typeOf(aws.lambda.Function),
  functionUrl: typeOf(aws.lambda.FunctionUrl),
  layerVersionPermission: typeOf(aws.lambda.LayerVersionPermission),
  eventInvokeConfig: typeOf(aws.lambda.FunctionEventInvokeConfig),
  permission: typeOf(aws.lambda.Permission),
  logGroup: typeOf(aws.cloudwatch.LogGroup),
  distribution: typeOf(aws.cloudfront.Distribution),
} as const;

/** Both bucket resources: the legacy `Bucket` and `BucketV2`. */
export const BUCKET_TYPES: readonly string[] = [RESOURCE_TYPES.bucket, RESOURCE_TYPES.bucketV2];

/** Resources that carry an ACL: a bucket's, or an object's (which makes that object public). */
export const ACL_TYPES: readonly string[] = [
  RESOURCE_TYPES.bucketAcl,
  RESOURCE_TYPES.bucketAclV2,
  RESOURCE_TYPES.bucketObject,
  RESOURCE_TYPES.bucketObjectV2,
];
