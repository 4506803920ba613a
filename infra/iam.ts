/**
 * Pure builders of every IAM document the stack creates. They take resolved strings (bucket names are
 * deterministic, see names.ts) so they are unit-tested without mocks; components call them inside an
 * `apply` only for the values that are outputs (account id, ARNs).
 */

export interface PolicyStatement {
  readonly Sid: string;
  readonly Effect: 'Allow' | 'Deny';
  readonly Principal?: { readonly Service: string | readonly string[] } | '*';
  readonly Action: readonly string[];
  /** Absent only in trust policies. */
  readonly Resource?: readonly string[];
  readonly Condition?: Record<string, Record<string, string>>;
}

export interface PolicyDocument {
  readonly Version: '2012-10-17';
  readonly Statement: readonly PolicyStatement[];
}

const document = (...statements: PolicyStatement[]): PolicyDocument => ({
  Version: '2012-10-17',
  Statement: statements,
});

export const bucketArn = (bucket: string): string => `arn:aws:s3:::${bucket}`;
export const objectsArn = (bucket: string): string => `arn:aws:s3:::${bucket}/*`;

/** A role that exactly these service principals may assume. */
export function trustPolicy(services: readonly string[]): PolicyDocument {
  return document({
    Sid: 'AssumeRole',
    Effect: 'Allow',
    Principal: { Service: [...services] },
    Action: ['sts:AssumeRole'],
  });
}

/** Lambda@Edge requires both principals ("Restrictions on Lambda@Edge", Lambda role permissions). */
export const EDGE_TRUSTED_SERVICES = ['lambda.amazonaws.com', 'edgelambda.amazonaws.com'] as const;
export const LAMBDA_TRUSTED_SERVICES = ['lambda.amazonaws.com'] as const;

/** ARN of a log group's streams, for `CreateLogStream`/`PutLogEvents`. */
export const logStreamsArn = (region: string, accountId: string, group: string): string =>
  `arn:aws:logs:${region}:${accountId}:log-group:${group}:*`;

/** Log group names of a Lambda@Edge function: its replicas' (any region) and its own (us-east-1). */
export function edgeLogGroupNames(functionName: string): { replicas: string; own: string } {
  return { replicas: `/aws/lambda/us-east-1.${functionName}`, own: `/aws/lambda/${functionName}` };
}

export interface EdgePolicyArgs {
  readonly originalsBucket: string;
  readonly derivativesBucket: string;
  /**
   * The replica regions' buckets (`replicaRegions`): the edge reads originals from, and writes derivatives
   * to, every region of the stack.
   * @default []
   */
  readonly replicas?: readonly { readonly originalsBucket: string; readonly derivativesBucket: string }[];
  readonly accountId: string;
  readonly functionName: string;
}

/**
 * The origin-response handler reads originals, writes derivatives, and logs. No `CreateLogGroup`:
 * the log groups are created by the stack with a retention, so logs never live forever. No `s3:ListBucket`:
 * without it S3 answers a missing original with 403 instead of 404, and the handler treats both alike.
 */
export function edgeFunctionPolicy(args: EdgePolicyArgs): PolicyDocument {
  const groups = edgeLogGroupNames(args.functionName);
  const regions = [args, ...(args.replicas ?? [])];
  const statements: PolicyStatement[] = [
    {
      Sid: 'ReadOriginals',
      Effect: 'Allow',
      Action: ['s3:GetObject'],
      Resource: regions.map((region) => objectsArn(region.originalsBucket)),
    },
    {
      Sid: 'WriteDerivatives',
      Effect: 'Allow',
      Action: ['s3:PutObject'],
      Resource: regions.map((region) => objectsArn(region.derivativesBucket)),
    },
  ];
  statements.push({
    Sid: 'OwnLogs',
    Effect: 'Allow',
    Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
    Resource: [
      logStreamsArn('*', args.accountId, groups.replicas),
      logStreamsArn('us-east-1', args.accountId, groups.own),
    ],
  });
  return document(...statements);
}

/** S3 Replication assumes the role it replicates with ("Setting up permissions for live replication"). */
export const REPLICATION_TRUSTED_SERVICES = ['s3.amazonaws.com'] as const;

/** The actions S3 Replication needs on the source bucket, its object versions, and the destinations' objects. */
export const REPLICATION_ACTIONS = {
  sourceBucket: ['s3:GetReplicationConfiguration', 's3:ListBucket'],
  sourceObjects: [
    's3:GetObjectVersionForReplication',
    's3:GetObjectVersionAcl',
    's3:GetObjectVersionTagging',
  ],
  destinationObjects: ['s3:ReplicateObject', 's3:ReplicateDelete', 's3:ReplicateTags'],
} as const;

/**
 * The replication role's policy: read the home originals bucket's replication configuration and object
 * versions, and write replicas (deletes included) to exactly the replica buckets. The documented minimum
 * (S3 User Guide, "Setting up permissions for live replication", step 2); no KMS statement, as the buckets
 * use SSE-S3.
 */
export function replicationRolePolicy(
  sourceBucket: string,
  destinationBuckets: readonly string[],
): PolicyDocument {
  return document(
    {
      Sid: 'ReadReplicationConfiguration',
      Effect: 'Allow',
      Action: [...REPLICATION_ACTIONS.sourceBucket],
      Resource: [bucketArn(sourceBucket)],
    },
    {
      Sid: 'ReadSourceVersions',
      Effect: 'Allow',
      Action: [...REPLICATION_ACTIONS.sourceObjects],
      Resource: [objectsArn(sourceBucket)],
    },
    {
      Sid: 'WriteReplicas',
      Effect: 'Allow',
      Action: [...REPLICATION_ACTIONS.destinationObjects],
      Resource: destinationBuckets.map(objectsArn),
    },
  );
}

export interface BatchPolicyArgs {
  readonly originalsBucket: string;
  readonly derivativesBucket: string;
  readonly failureQueueArn: string;
  readonly accountId: string;
  readonly region: string;
  readonly functionName: string;
}

/**
 * The batch resizer reads originals (objects, and the listing its prefix back-fill walks), writes
 * derivatives, reports failures to its queue, and logs. It never writes the bucket that triggers it.
 */
export function batchFunctionPolicy(args: BatchPolicyArgs): PolicyDocument {
  return document(
    {
      Sid: 'ReadOriginals',
      Effect: 'Allow',
      Action: ['s3:GetObject'],
      Resource: [objectsArn(args.originalsBucket)],
    },
    {
      Sid: 'ListOriginals',
      Effect: 'Allow',
      Action: ['s3:ListBucket'],
      Resource: [bucketArn(args.originalsBucket)],
    },
    {
      Sid: 'WriteDerivatives',
      Effect: 'Allow',
      Action: ['s3:PutObject'],
      Resource: [objectsArn(args.derivativesBucket)],
    },
    {
      // HEAD on its own outputs (s3:GetObject covers it): a retried or duplicated event finds the renditions
      // already made from this version of the original and skips them. Read-only; it cannot trigger itself.
      Sid: 'ReadOwnDerivatives',
      Effect: 'Allow',
      Action: ['s3:GetObject'],
      Resource: [objectsArn(args.derivativesBucket)],
    },
    {
      Sid: 'ReportFailures',
      Effect: 'Allow',
      Action: ['sqs:SendMessage'],
      Resource: [args.failureQueueArn],
    },
    {
      Sid: 'OwnLogs',
      Effect: 'Allow',
      Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
      Resource: [logStreamsArn(args.region, args.accountId, `/aws/lambda/${args.functionName}`)],
    },
  );
}

/**
 * A bucket that only this distribution can read, through Origin Access Control, and only over TLS
 * (CloudFront Developer Guide, "Restricting access to an Amazon S3 origin").
 */
export function originBucketPolicy(bucket: string, distributionArn: string): PolicyDocument {
  return document(
    {
      Sid: 'DenyInsecureTransport',
      Effect: 'Deny',
      Principal: '*',
      Action: ['s3:*'],
      Resource: [bucketArn(bucket), objectsArn(bucket)],
      Condition: { Bool: { 'aws:SecureTransport': 'false' } },
    },
    {
      Sid: 'AllowThisDistributionThroughOac',
      Effect: 'Allow',
      Principal: { Service: 'cloudfront.amazonaws.com' },
      Action: ['s3:GetObject'],
      Resource: [objectsArn(bucket)],
      Condition: { StringEquals: { 'AWS:SourceArn': distributionArn } },
    },
  );
}

/**
 * A topic that only this stack's CloudWatch alarms (named `<alarmPrefix>-…`, in `region`, this account)
 * may publish to (re:Post Knowledge Center, "Why didn't I receive an SNS notification for my CloudWatch
 * alarm trigger?": `cloudwatch.amazonaws.com`, scoped with `aws:SourceArn` and `aws:SourceAccount`).
 */
export function alarmTopicPolicy(
  topicArn: string,
  accountId: string,
  region: string,
  alarmPrefix: string,
): PolicyDocument {
  return document({
    Sid: 'AlarmsOfThisStack',
    Effect: 'Allow',
    Principal: { Service: 'cloudwatch.amazonaws.com' },
    Action: ['sns:Publish'],
    Resource: [topicArn],
    Condition: {
      ArnLike: { 'aws:SourceArn': `arn:aws:cloudwatch:${region}:${accountId}:alarm:${alarmPrefix}-*` },
      StringEquals: { 'aws:SourceAccount': accountId },
    },
  });
}
