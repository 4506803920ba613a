// One compliant stack shaped like the program (two private buckets, an edge function behind a distribution,
// an S3-triggered batch function), built with the real classes' type tokens. Each test takes a fresh copy,
// changes one field, and asserts the exact violation.
import { createRequire } from 'node:module';

import * as aws from '@pulumi/aws';
import type { PolicyPackConfig } from '@pulumi/policy';

import { AnyPolicy, evaluate, RegisteredResource } from '../../policies/offline/evaluate';

export const ACCOUNT = '123456789012';
export const ORIGINALS = 'cdn-test-originals';
export const DERIVATIVES = 'cdn-test-derivatives';
export const EDGE_FN_ARN = `arn:aws:lambda:us-east-1:${ACCOUNT}:function:cdn-edge`;
export const BATCH_FN_ARN = `arn:aws:lambda:us-west-2:${ACCOUNT}:function:cdn-batch`;
export const DISTRIBUTION_ARN = `arn:aws:cloudfront::${ACCOUNT}:distribution/E123`;

const tokenOf = (cls: unknown) => (cls as { __pulumiType: string }).__pulumiType;
export const urnOf = (cls: unknown, name: string) => `urn:pulumi:test::image-cdn::${tokenOf(cls)}::${name}`;

const homeProvider = {
  type: 'pulumi:providers:aws',
  name: 'default',
  urn: 'urn:pulumi:test::image-cdn::pulumi:providers:aws::default',
  props: { region: 'us-west-2' },
};
const edgeProvider = {
  type: 'pulumi:providers:aws',
  name: 'edge-us-east-1',
  urn: 'urn:pulumi:test::image-cdn::pulumi:providers:aws::edge-us-east-1',
  props: { region: 'us-east-1' },
};

function resource(
  cls: unknown,
  name: string,
  inputs: Record<string, unknown>,
  more: {
    computed?: Record<string, unknown>;
    edge?: boolean;
    deps?: Record<string, [unknown, string][]>;
  } = {},
): RegisteredResource {
  const propertyDependencies: Record<string, string[]> = {};
  for (const [key, targets] of Object.entries(more.deps ?? {})) {
    propertyDependencies[key] = targets.map(([c, n]) => urnOf(c, n));
  }
  return {
    type: tokenOf(cls),
    name,
    urn: urnOf(cls, name),
    custom: true,
    inputs,
    outputs: { ...inputs, ...more.computed },
    provider: more.edge ? edgeProvider : homeProvider,
    dependencies: Object.values(propertyDependencies).flat(),
    propertyDependencies,
  };
}

const doc = (...Statement: unknown[]) => JSON.stringify({ Version: '2012-10-17', Statement });
export const trust = (...services: string[]) =>
  doc({ Effect: 'Allow', Principal: { Service: services }, Action: 'sts:AssumeRole' });

export function bucketPolicy(bucket: string): string {
  return doc(
    {
      Sid: 'DenyInsecureTransport',
      Effect: 'Deny',
      Principal: '*',
      Action: 's3:*',
      Resource: [`arn:aws:s3:::${bucket}`, `arn:aws:s3:::${bucket}/*`],
      Condition: { Bool: { 'aws:SecureTransport': 'false' } },
    },
    {
      Sid: 'AllowThisDistributionThroughOac',
      Effect: 'Allow',
      Principal: { Service: 'cloudfront.amazonaws.com' },
      Action: 's3:GetObject',
      Resource: `arn:aws:s3:::${bucket}/*`,
      Condition: { StringEquals: { 'AWS:SourceArn': DISTRIBUTION_ARN } },
    },
  );
}

export const edgePolicy = doc(
  {
    Sid: 'ReadOriginals',
    Effect: 'Allow',
    Action: ['s3:GetObject'],
    Resource: [`arn:aws:s3:::${ORIGINALS}/*`],
  },
  {
    Sid: 'WriteDerivatives',
    Effect: 'Allow',
    Action: ['s3:PutObject'],
    Resource: [`arn:aws:s3:::${DERIVATIVES}/*`],
  },
  {
    Sid: 'ListOriginals',
    Effect: 'Allow',
    Action: ['s3:ListBucket'],
    Resource: [`arn:aws:s3:::${ORIGINALS}`],
  },
  {
    Sid: 'OwnLogs',
    Effect: 'Allow',
    Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
    Resource: [`arn:aws:logs:*:${ACCOUNT}:log-group:/aws/lambda/us-east-1.cdn-edge:*`],
  },
);

export const batchPolicy = doc(
  {
    Sid: 'ReadOriginals',
    Effect: 'Allow',
    Action: ['s3:GetObject'],
    Resource: [`arn:aws:s3:::${ORIGINALS}/*`],
  },
  {
    Sid: 'WriteDerivatives',
    Effect: 'Allow',
    Action: ['s3:PutObject'],
    Resource: [`arn:aws:s3:::${DERIVATIVES}/*`],
  },
  {
    Sid: 'ReportFailures',
    Effect: 'Allow',
    Action: ['sqs:SendMessage'],
    Resource: [`arn:aws:sqs:us-west-2:${ACCOUNT}:cdn-batch-failures`],
  },
);

export function bucketWithCompanions(part: string, bucket: string): RegisteredResource[] {
  const deps = { bucket: [[aws.s3.Bucket, part] as [unknown, string]] };
  return [
    resource(aws.s3.Bucket, part, { bucket }, { computed: { id: bucket, arn: `arn:aws:s3:::${bucket}` } }),
    resource(
      aws.s3.BucketPublicAccessBlock,
      `${part}-public-access`,
      {
        bucket,
        blockPublicAcls: true,
        blockPublicPolicy: true,
        ignorePublicAcls: true,
        restrictPublicBuckets: true,
      },
      { deps },
    ),
    resource(
      aws.s3.BucketOwnershipControls,
      `${part}-ownership`,
      { bucket, rule: { objectOwnership: 'BucketOwnerEnforced' } },
      { deps },
    ),
    resource(
      aws.s3.BucketServerSideEncryptionConfiguration,
      `${part}-sse`,
      { bucket, rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: 'AES256' } }] },
      { deps },
    ),
    resource(aws.s3.BucketPolicy, `${part}-policy`, { bucket, policy: bucketPolicy(bucket) }, { deps }),
  ];
}

/** A fresh copy of the compliant stack. */
export function compliantStack(): RegisteredResource[] {
  return [
    ...bucketWithCompanions('images-originals', ORIGINALS),
    ...bucketWithCompanions('images-derivatives', DERIVATIVES),
    resource(
      aws.iam.Role,
      'edge-role',
      { name: 'cdn-edge', assumeRolePolicy: trust('lambda.amazonaws.com', 'edgelambda.amazonaws.com') },
      { edge: true, computed: { arn: `arn:aws:iam::${ACCOUNT}:role/cdn-edge` } },
    ),
    resource(aws.iam.RolePolicy, 'edge-policy', { role: 'cdn-edge', policy: edgePolicy }, { edge: true }),
    resource(
      aws.lambda.Function,
      'edge-function',
      {
        name: 'cdn-edge',
        role: `arn:aws:iam::${ACCOUNT}:role/cdn-edge`,
        runtime: 'nodejs22.x',
        architectures: ['x86_64'],
        handler: 'index.handler',
        memorySize: 2048,
        timeout: 30,
        publish: true,
      },
      { edge: true, computed: { arn: EDGE_FN_ARN, qualifiedArn: `${EDGE_FN_ARN}:1`, version: '1' } },
    ),
    resource(
      aws.cloudfront.Distribution,
      'cdn-distribution',
      {
        enabled: true,
        origins: [
          {
            originId: 'derivatives',
            domainName: `${DERIVATIVES}.s3.us-west-2.amazonaws.com`,
            originAccessControlId: 'oac1',
          },
          {
            originId: 'originals',
            domainName: `${ORIGINALS}.s3.us-west-2.amazonaws.com`,
            originAccessControlId: 'oac2',
          },
        ],
        defaultCacheBehavior: {
          targetOriginId: 'derivatives',
          viewerProtocolPolicy: 'redirect-to-https',
          lambdaFunctionAssociations: [{ eventType: 'origin-response', lambdaArn: `${EDGE_FN_ARN}:1` }],
        },
        viewerCertificate: {
          acmCertificateArn: `arn:aws:acm:us-east-1:${ACCOUNT}:certificate/abc`,
          sslSupportMethod: 'sni-only',
          minimumProtocolVersion: 'TLSv1.2_2021',
        },
      },
      { computed: { arn: DISTRIBUTION_ARN } },
    ),
    resource(aws.cloudwatch.LogGroup, 'edge-logs', {
      name: '/aws/lambda/us-east-1.cdn-edge',
      retentionInDays: 30,
    }),
    resource(
      aws.iam.Role,
      'batch-role',
      { name: 'cdn-batch', assumeRolePolicy: trust('lambda.amazonaws.com') },
      { computed: { arn: `arn:aws:iam::${ACCOUNT}:role/cdn-batch` } },
    ),
    resource(aws.iam.RolePolicy, 'batch-policy', { role: 'cdn-batch', policy: batchPolicy }),
    resource(
      aws.lambda.Function,
      'batch-function',
      {
        name: 'cdn-batch',
        role: `arn:aws:iam::${ACCOUNT}:role/cdn-batch`,
        runtime: 'nodejs22.x',
        layers: [`arn:aws:lambda:us-west-2:${ACCOUNT}:layer:sharp:1`],
        environment: { variables: { ORIGINALS_BUCKET: ORIGINALS } },
        timeout: 120,
      },
      { computed: { arn: BATCH_FN_ARN } },
    ),
    resource(aws.lambda.Permission, 'batch-s3-invoke', {
      function: 'cdn-batch',
      action: 'lambda:InvokeFunction',
      principal: 's3.amazonaws.com',
      sourceArn: `arn:aws:s3:::${ORIGINALS}`,
      sourceAccount: ACCOUNT,
    }),
    resource(aws.lambda.FunctionEventInvokeConfig, 'batch-invoke-config', {
      functionName: 'cdn-batch',
      maximumRetryAttempts: 2,
      maximumEventAgeInSeconds: 3600,
      destinationConfig: {
        onFailure: { destination: `arn:aws:sqs:us-west-2:${ACCOUNT}:cdn-batch-failures` },
      },
    }),
    resource(
      aws.s3.BucketNotification,
      'batch-notification',
      {
        bucket: ORIGINALS,
        lambdaFunctions: [
          { lambdaFunctionArn: BATCH_FN_ARN, events: ['s3:ObjectCreated:*'], filterPrefix: 'uploads/' },
        ],
      },
      { deps: { bucket: [[aws.s3.Bucket, 'images-originals']] } },
    ),
    resource(aws.cloudwatch.LogGroup, 'batch-logs', { name: '/aws/lambda/cdn-batch', retentionInDays: 30 }),
  ];
}

/** Adds a resource of class `cls` to the stack (in the home region unless `edge`), as the program would. */
export function add(
  stack: RegisteredResource[],
  cls: unknown,
  name: string,
  inputs: Record<string, unknown>,
  more: {
    computed?: Record<string, unknown>;
    edge?: boolean;
    deps?: Record<string, [unknown, string][]>;
  } = {},
): RegisteredResource[] {
  stack.push(resource(cls, name, inputs, more));
  return stack;
}

/** The resource named `name`; throws when absent so a test never mutates nothing. */
export function find(stack: RegisteredResource[], name: string): RegisteredResource {
  const found = stack.find((r) => r.name === name);
  if (!found) throw new Error(`fixture has no resource ${name}`);
  return found;
}

/** Sets a field on both inputs (resource rules) and outputs (stack rules). */
export function set(
  stack: RegisteredResource[],
  name: string,
  field: string,
  value: unknown,
): RegisteredResource[] {
  const r = find(stack, name);
  if (value === undefined) {
    delete r.inputs[field];
    delete r.outputs[field];
  } else {
    r.inputs[field] = value;
    r.outputs[field] = value;
  }
  return stack;
}

/** A statement list turned into a policy document string. */
export const policyDoc = doc;

export interface Found {
  rule: string;
  level: string;
  message: string;
  urn?: string;
}

/** Runs one rule over a stack and returns what it reported. */
export async function check(
  policy: AnyPolicy,
  stack: RegisteredResource[],
  config: PolicyPackConfig = {},
): Promise<Found[]> {
  const violations = await evaluate(stack, [policy], { config });
  return violations.map((v) => ({
    rule: v.policyName,
    level: v.enforcementLevel,
    message: v.message,
    ...(v.urn ? { urn: v.urn } : {}),
  }));
}

/**
 * The sentinel the engine sends for a string that depends on a resource not created yet (marked @internal in
 * the SDK's typings, so it is loaded untyped).
 */
export const UNKNOWN_STRING = (
  createRequire(__filename)('@pulumi/policy/proxy') as { unknownStringValue: string }
).unknownStringValue;
