// Issue 11, item 11: what an attacker or a careless teammate could add to the program, one mutation of the
// shared compliant fixture per case, grouped by family. Each must fail the whole pack with a mandatory
// finding of the named rule; a few controls show the narrow, conditioned form still passes.
import { strict as assert } from 'node:assert';

import * as aws from '@pulumi/aws';

import { evaluate, RegisteredResource } from '../../policies/offline/evaluate';
import { allPolicies } from '../../policies/rules/all';
import {
  ACCOUNT,
  add,
  BATCH_FN_ARN,
  compliantStack,
  DERIVATIVES,
  DISTRIBUTION_ARN,
  find,
  ORIGINALS,
  policyDoc,
  set,
} from '../support/policy-fixture';

const FOREIGN = '999999999999';
const FAILURE_QUEUE = `arn:aws:sqs:us-west-2:${ACCOUNT}:cdn-batch-failures`;
const FAILURE_QUEUE_URL = `https://sqs.us-west-2.amazonaws.com/${ACCOUNT}/cdn-batch-failures`;
const TOPIC = `arn:aws:sns:us-west-2:${ACCOUNT}:cdn-events`;
const BATCH_ROLE_ARN = `arn:aws:iam::${ACCOUNT}:role/cdn-batch`;
const CUSTOMER_POLICY_ARN = `arn:aws:iam::${ACCOUNT}:policy/cdn-extra`;

type Stack = RegisteredResource[];
type Mutation = (stack: Stack) => unknown;

interface Variant {
  title: string;
  rule: string;
  mutate: Mutation;
  message?: RegExp;
}

async function mandatoryFindings(stack: Stack) {
  const violations = await evaluate(stack, allPolicies);
  return violations.filter((v) => v.enforcementLevel === 'mandatory');
}

const allow = (Action: unknown, Resource: unknown = `arn:aws:s3:::${ORIGINALS}/*`) => ({
  Effect: 'Allow',
  Action,
  Resource,
});
/** Replaces the edge role's policy (an aws.iam.RolePolicy) with these statements. */
const edgePolicy =
  (...statements: unknown[]): Mutation =>
  (s) =>
    set(s, 'edge-policy', 'policy', policyDoc(...statements));
/** Adds a second RolePolicy to the batch role. */
const batchRolePolicy =
  (name: string, ...statements: unknown[]): Mutation =>
  (s) =>
    add(s, aws.iam.RolePolicy, name, { role: 'cdn-batch', policy: policyDoc(...statements) });
/** Adds a role (not a Lambda role) with this trust policy. */
const roleTrusting =
  (...statements: unknown[]): Mutation =>
  (s) =>
    add(
      s,
      aws.iam.Role,
      'injected-role',
      { name: 'injected', assumeRolePolicy: policyDoc(...statements) },
      { computed: { arn: `arn:aws:iam::${ACCOUNT}:role/injected` } },
    );
const assume = (Principal: unknown, Condition?: unknown) => ({
  Effect: 'Allow',
  Principal,
  Action: 'sts:AssumeRole',
  ...(Condition ? { Condition } : {}),
});
/** Adds an SQS queue policy on the batch failure queue. */
const queuePolicy =
  (...statements: unknown[]): Mutation =>
  (s) =>
    add(s, aws.sqs.QueuePolicy, 'injected-queue-policy', {
      queueUrl: FAILURE_QUEUE_URL,
      policy: policyDoc(...statements),
    });
const onQueue = (Principal: unknown, extra: Record<string, unknown> = {}) => ({
  Effect: 'Allow',
  Principal,
  Action: 'sqs:SendMessage',
  Resource: FAILURE_QUEUE,
  ...extra,
});
/** Replaces the originals bucket policy with the compliant TLS deny plus these statements. */
const originalsPolicy =
  (...statements: unknown[]): Mutation =>
  (s) => {
    const current = JSON.parse(String(find(s, 'images-originals-policy').inputs.policy)) as {
      Statement: unknown[];
    };
    return set(s, 'images-originals-policy', 'policy', policyDoc(current.Statement[0], ...statements));
  };
const onOriginals = (Principal: unknown, extra: Record<string, unknown> = {}) => ({
  Effect: 'Allow',
  Principal,
  Action: 's3:GetObject',
  Resource: `arn:aws:s3:::${ORIGINALS}/*`,
  ...extra,
});
const oac = (Condition: unknown) => ({
  Sid: 'AllowThisDistributionThroughOac',
  Effect: 'Allow',
  Principal: { Service: 'cloudfront.amazonaws.com' },
  Action: 's3:GetObject',
  Resource: `arn:aws:s3:::${ORIGINALS}/*`,
  Condition,
});
const permission =
  (inputs: Record<string, unknown>): Mutation =>
  (s) =>
    add(s, aws.lambda.Permission, 'injected-permission', {
      function: 'cdn-batch',
      action: 'lambda:InvokeFunction',
      ...inputs,
    });
const managed = (name: string, path = '') => `arn:aws:iam::aws:policy/${path}${name}`;
/** Adds a customer aws.iam.Policy with these statements. */
const customerPolicy = (s: Stack, ...statements: unknown[]) =>
  add(
    s,
    aws.iam.Policy,
    'injected-policy',
    { name: 'cdn-extra', policy: policyDoc(...statements) },
    { computed: { arn: CUSTOMER_POLICY_ARN } },
  );
const writeOriginals = allow(['s3:PutObject'], `arn:aws:s3:::${ORIGINALS}/*`);
const withDistribution = (change: (d: Record<string, unknown>) => void): Mutation => {
  return (s) => {
    const d = structuredClone(find(s, 'cdn-distribution').inputs);
    change(d);
    for (const [k, v] of Object.entries(d)) set(s, 'cdn-distribution', k, v);
  };
};

const families: Record<string, Variant[]> = {
  'wildcard actions, in every spelling IAM matches': [
    ...['s3:**', 's3:?*', 'S3:*', '*:*', 's3*', 'iam:*', '**', '?*'].map((action) => ({
      title: `Action "${action}"`,
      rule: 'iam-no-wildcard-actions',
      mutate: edgePolicy(allow(action)),
    })),
    { title: 'Action ["*"] (array form)', rule: 'iam-no-wildcard-actions', mutate: edgePolicy(allow(['*'])) },
    {
      title: 'a role inline policy given as an object, not a JSON string',
      rule: 'iam-no-wildcard-actions',
      mutate: (s) =>
        set(s, 'batch-role', 'inlinePolicies', [
          { name: 'obj', policy: { Version: '2012-10-17', Statement: allow('s3:*') } },
        ]),
    },
    {
      title: 'a customer aws.iam.Policy with "Action": "*"',
      rule: 'iam-no-wildcard-actions',
      mutate: (s) => customerPolicy(s, allow('*', '*')),
    },
  ],
  'wildcard resources, in every spelling IAM matches': [
    ...[
      'arn:aws:*:*:*:*',
      'arn:aws:s3:::**',
      'arn:aws:s3:::*/*',
      'arn:aws:s3:::?*',
      'arn:*:s3:::*',
      'arn:*',
    ].map((resource) => ({
      title: `Resource "${resource}"`,
      rule: 'iam-no-wildcard-resources',
      mutate: edgePolicy(allow('s3:GetObject', resource)),
    })),
    {
      title: 'Resource ["*"] with a case variant of the action',
      rule: 'iam-no-wildcard-resources',
      mutate: edgePolicy(allow('S3:GetObject', ['*'])),
    },
    {
      title: 'every queue of every account',
      rule: 'iam-no-wildcard-resources',
      mutate: batchRolePolicy('injected-queues', allow('sqs:SendMessage', 'arn:aws:sqs:*:*:*')),
    },
  ],
  'policy documents in unusual spellings': [
    {
      title: 'lower-case element names ("statement", "action", "resource")',
      rule: 'iam-no-wildcard-actions',
      mutate: (s) =>
        set(s, 'edge-policy', 'policy', { statement: [{ effect: 'Allow', action: 's3:*', resource: '*' }] }),
    },
    {
      title: 'a lower-case principal type {"aws": "*"} in a bucket policy',
      rule: 's3-no-public-grants',
      mutate: originalsPolicy(onOriginals({ aws: '*' })),
    },
    {
      title: 'every role of the account ("arn:aws:iam::<account>:role/*") for iam:PassRole',
      rule: 'iam-no-wildcard-resources',
      mutate: batchRolePolicy('injected-pass-any', allow('iam:PassRole', `arn:aws:iam::${ACCOUNT}:role/*`)),
    },
    {
      title: '"s3:*" granted to CloudFront in the bucket policy',
      rule: 's3-no-public-grants',
      mutate: originalsPolicy({
        ...oac({ StringEquals: { 'AWS:SourceArn': DISTRIBUTION_ARN } }),
        Action: 's3:*',
      }),
      message: /allows "s3:\*"/,
    },
    {
      title: 'a public-read object ACL',
      rule: 's3-no-public-grants',
      mutate: (s) =>
        add(s, aws.s3.BucketObjectv2, 'injected-object', {
          bucket: ORIGINALS,
          key: 'x.jpg',
          acl: 'public-read',
        }),
    },
  ],
  'NotAction / NotResource / NotPrincipal with Allow': [
    {
      title: 'NotAction in a role policy',
      rule: 'iam-no-not-action-or-not-resource',
      mutate: edgePolicy({ Effect: 'Allow', NotAction: 'iam:*', Resource: `arn:aws:s3:::${ORIGINALS}/*` }),
    },
    {
      title: 'NotResource in a role policy',
      rule: 'iam-no-not-action-or-not-resource',
      mutate: edgePolicy({ Effect: 'Allow', Action: 's3:GetObject', NotResource: 'arn:aws:s3:::x/*' }),
    },
    {
      title: 'NotPrincipal with Allow in a bucket policy',
      rule: 's3-no-public-grants',
      mutate: originalsPolicy({
        ...onOriginals(undefined),
        NotPrincipal: { AWS: `arn:aws:iam::${FOREIGN}:root` },
      }),
      message: /NotPrincipal with Allow/,
    },
    {
      title: 'NotAction with Allow in a bucket policy',
      rule: 's3-no-public-grants',
      mutate: originalsPolicy({
        Effect: 'Allow',
        Principal: { Service: 'cloudfront.amazonaws.com' },
        NotAction: 's3:DeleteObject',
        Resource: `arn:aws:s3:::${ORIGINALS}/*`,
        Condition: { StringEquals: { 'AWS:SourceArn': DISTRIBUTION_ARN } },
      }),
      message: /NotAction with Allow/,
    },
    {
      title: 'NotPrincipal in a trust policy',
      rule: 'iam-trust-no-wildcard-principal',
      mutate: roleTrusting({
        Effect: 'Allow',
        NotPrincipal: { AWS: `arn:aws:iam::${FOREIGN}:root` },
        Action: 'sts:AssumeRole',
      }),
      message: /NotPrincipal/,
    },
    {
      title: 'NotResource with Allow in a queue policy',
      rule: 'resource-policy-no-public-or-cross-account',
      mutate: queuePolicy({
        Effect: 'Allow',
        Principal: { Service: 'sns.amazonaws.com' },
        Action: 'sqs:SendMessage',
        NotResource: 'arn:aws:sqs:*:*:other',
        Condition: { ArnEquals: { 'aws:SourceArn': TOPIC } },
      }),
      message: /NotResource with Allow/,
    },
  ],
  'trust policies: everyone, other accounts, federated identities': [
    ...['*', { AWS: '*' }, { AWS: ['*'] }, { AWS: ['arn:aws:iam::123456789012:root', '*'] }].map((p) => ({
      title: `Principal ${JSON.stringify(p)}`,
      rule: 'iam-trust-no-wildcard-principal',
      mutate: roleTrusting(assume(p)),
    })),
    ...[`arn:aws:iam::${FOREIGN}:root`, FOREIGN, `arn:aws:iam::${FOREIGN}:role/ci`, [FOREIGN]].map((p) => ({
      title: `another account ${JSON.stringify(p)} without a condition`,
      rule: 'iam-trust-cross-account-condition',
      mutate: roleTrusting(assume({ AWS: p })),
    })),
    {
      title: 'another account with a StringLike "*" external id (matches every request)',
      rule: 'iam-trust-cross-account-condition',
      mutate: roleTrusting(assume({ AWS: FOREIGN }, { StringLike: { 'sts:ExternalId': '*' } })),
    },
    {
      title: 'another account with an IfExists condition (passes when the key is absent)',
      rule: 'iam-trust-cross-account-condition',
      mutate: roleTrusting(assume({ AWS: FOREIGN }, { StringEqualsIfExists: { 'sts:ExternalId': 'x1' } })),
    },
    {
      title: 'another account with aws:PrincipalArn of any account',
      rule: 'iam-trust-cross-account-condition',
      mutate: roleTrusting(
        assume({ AWS: FOREIGN }, { ArnLike: { 'aws:PrincipalArn': 'arn:aws:iam::*:root' } }),
      ),
    },
    {
      title: 'an OIDC provider without a condition on the token subject',
      rule: 'iam-trust-cross-account-condition',
      mutate: roleTrusting({
        ...assume({ Federated: `arn:aws:iam::${ACCOUNT}:oidc-provider/token.actions.githubusercontent.com` }),
        Action: 'sts:AssumeRoleWithWebIdentity',
        Condition: { StringLike: { 'token.actions.githubusercontent.com:sub': '*' } },
      }),
    },
    {
      title: 'the Lambda role also trusting another account',
      rule: 'iam-trust-cross-account-condition',
      mutate: (s) =>
        set(
          s,
          'batch-role',
          'assumeRolePolicy',
          policyDoc(
            assume({ Service: 'lambda.amazonaws.com' }),
            assume({ AWS: `arn:aws:iam::${FOREIGN}:root` }),
          ),
        ),
    },
  ],
  'Lambda permissions and function URLs': [
    ...['*', FOREIGN, `arn:aws:iam::${FOREIGN}:root`, `arn:aws:iam::${FOREIGN}:role/x`].map((principal) => ({
      title: `lambda.Permission to ${principal}`,
      rule: 'lambda-permission-no-public-or-cross-account',
      mutate: permission({ principal }),
    })),
    {
      title: 'lambda.Permission with functionUrlAuthType NONE',
      rule: 'lambda-permission-no-public-or-cross-account',
      mutate: permission({ principal: '*', action: 'lambda:InvokeFunctionUrl', functionUrlAuthType: 'NONE' }),
      message: /functionUrlAuthType NONE/,
    },
    {
      title: 'lambda.Permission for action "lambda:*"',
      rule: 'lambda-permission-no-public-or-cross-account',
      mutate: permission({
        principal: 's3.amazonaws.com',
        action: 'lambda:*',
        sourceArn: `arn:aws:s3:::${ORIGINALS}`,
        sourceAccount: ACCOUNT,
      }),
    },
    {
      title: 'lambda.Permission for S3 from any bucket (sourceArn arn:aws:s3:::*)',
      rule: 'lambda-permission-source-restricted',
      mutate: permission({
        principal: 's3.amazonaws.com',
        sourceArn: 'arn:aws:s3:::*',
        sourceAccount: ACCOUNT,
      }),
    },
    {
      title: 'lambda.Permission for a case variant of a service without a source',
      rule: 'lambda-permission-source-restricted',
      mutate: permission({ principal: 'S3.amazonaws.com' }),
    },
    {
      title: 'a layer shared with everyone',
      rule: 'lambda-permission-no-public-or-cross-account',
      mutate: (s) =>
        add(s, aws.lambda.LayerVersionPermission, 'injected-layer-share', {
          layerName: 'sharp',
          versionNumber: 1,
          statementId: 'all',
          action: 'lambda:GetLayerVersion',
          principal: '*',
        }),
    },
    ...['NONE', 'none'].map((authorizationType) => ({
      title: `a function URL with authorizationType ${authorizationType}`,
      rule: 'lambda-function-url-auth',
      mutate: (s: Stack) =>
        add(s, aws.lambda.FunctionUrl, 'injected-url', { functionName: 'cdn-batch', authorizationType }),
    })),
  ],
  'resource policies of other services and bucket grants to other accounts': [
    ...['*', { AWS: '*' }, { AWS: ['*'] }].map((p) => ({
      title: `failure queue policy with Principal ${JSON.stringify(p)}`,
      rule: 'resource-policy-no-public-or-cross-account',
      mutate: queuePolicy(onQueue(p)),
    })),
    {
      title: 'failure queue policy with Principal "*" and a condition (still everyone in that scope)',
      rule: 'resource-policy-no-public-or-cross-account',
      mutate: queuePolicy(onQueue('*', { Condition: { StringEquals: { 'aws:SourceAccount': ACCOUNT } } })),
    },
    {
      title: 'failure queue policy granting another account',
      rule: 'resource-policy-no-public-or-cross-account',
      mutate: queuePolicy(onQueue({ AWS: `arn:aws:iam::${FOREIGN}:root` })),
    },
    {
      title: 'queue policy granting SNS without naming the topic',
      rule: 'resource-policy-no-public-or-cross-account',
      mutate: queuePolicy(onQueue({ Service: 'sns.amazonaws.com' })),
    },
    {
      title: 'queue policy granting SNS with an ArnLike "*" source',
      rule: 'resource-policy-no-public-or-cross-account',
      mutate: queuePolicy(
        onQueue({ Service: 'sns.amazonaws.com' }, { Condition: { ArnLike: { 'aws:SourceArn': '*' } } }),
      ),
    },
    {
      title: "an inline aws.sqs.Queue policy (an object, not a string) granting '*'",
      rule: 'resource-policy-no-public-or-cross-account',
      mutate: (s) =>
        add(s, aws.sqs.Queue, 'injected-queue', {
          name: 'open',
          policy: { Version: '2012-10-17', Statement: [onQueue('*')] },
        }),
    },
    {
      title: 'SNS topic policy granting everyone',
      rule: 'resource-policy-no-public-or-cross-account',
      mutate: (s) =>
        add(s, aws.sns.TopicPolicy, 'injected-topic-policy', {
          arn: TOPIC,
          policy: policyDoc({
            Effect: 'Allow',
            Principal: { AWS: '*' },
            Action: 'SNS:Publish',
            Resource: TOPIC,
          }),
        }),
    },
    {
      title: 'SNS topic policy granting another account',
      rule: 'resource-policy-no-public-or-cross-account',
      mutate: (s) =>
        add(s, aws.sns.TopicPolicy, 'injected-topic-policy', {
          arn: TOPIC,
          policy: policyDoc({
            Effect: 'Allow',
            Principal: { AWS: FOREIGN },
            Action: 'sns:Subscribe',
            Resource: TOPIC,
          }),
        }),
    },
    {
      title: 'KMS key policy granting everyone',
      rule: 'resource-policy-no-public-or-cross-account',
      mutate: (s) =>
        add(s, aws.kms.Key, 'injected-key', {
          policy: policyDoc({ Effect: 'Allow', Principal: '*', Action: 'kms:Decrypt', Resource: '*' }),
        }),
    },
    ...[`arn:aws:iam::${FOREIGN}:root`, FOREIGN, [FOREIGN]].map((p) => ({
      title: `bucket policy granting another account ${JSON.stringify(p)}`,
      rule: 's3-no-public-grants',
      mutate: originalsPolicy(onOriginals({ AWS: p })),
      message: /grants account 999999999999/,
    })),
    {
      title: 'bucket policy {"AWS": ["*"]} given as an object',
      rule: 's3-no-public-grants',
      mutate: (s) =>
        set(s, 'images-originals-policy', 'policy', {
          Version: '2012-10-17',
          Statement: [onOriginals({ AWS: ['*'] })],
        }),
    },
    {
      title: 'bucket ACL grant to another canonical user',
      rule: 's3-no-public-grants',
      mutate: (s) =>
        add(s, aws.s3.BucketAclV2, 'injected-acl', {
          bucket: ORIGINALS,
          accessControlPolicy: {
            owner: { id: 'owner-canonical-id' },
            grants: [{ grantee: { type: 'CanonicalUser', id: 'someone-else' }, permission: 'READ' }],
          },
        }),
      message: /canonical user someone-else/,
    },
    {
      title: 'bucket ACL grant by e-mail',
      rule: 's3-no-public-grants',
      mutate: (s) =>
        add(s, aws.s3.BucketAclV2, 'injected-acl', {
          bucket: ORIGINALS,
          accessControlPolicy: {
            owner: { id: 'owner-canonical-id' },
            grants: [
              {
                grantee: { type: 'AmazonCustomerByEmail', emailAddress: 'x@example.com' },
                permission: 'READ',
              },
            ],
          },
        }),
    },
  ],
  'AWS-managed read-everything and broad policies on a function role': [
    ...['AmazonS3ReadOnlyAccess', 'ReadOnlyAccess', 'SecurityAudit', 'AmazonDynamoDBReadOnlyAccess'].map(
      (name) => ({
        title: `${name} by RolePolicyAttachment`,
        rule: 'iam-no-broad-managed-policies',
        mutate: (s: Stack) =>
          add(s, aws.iam.RolePolicyAttachment, 'injected-attachment', {
            role: 'cdn-batch',
            policyArn: managed(name),
          }),
      }),
    ),
    {
      title: 'ViewOnlyAccess (job-function path) by aws.iam.PolicyAttachment',
      rule: 'iam-no-broad-managed-policies',
      mutate: (s) =>
        add(s, aws.iam.PolicyAttachment, 'injected-attachment', {
          roles: ['cdn-edge'],
          policyArn: managed('ViewOnlyAccess', 'job-function/'),
        }),
    },
    {
      title: 'ReadOnlyAccess in the role’s managedPolicyArns',
      rule: 'iam-no-broad-managed-policies',
      mutate: (s) => set(s, 'batch-role', 'managedPolicyArns', [managed('ReadOnlyAccess')]),
    },
    {
      title: 'AdministratorAccess by RolePolicyAttachmentsExclusive',
      rule: 'iam-no-broad-managed-policies',
      mutate: (s) =>
        add(s, aws.iam.RolePolicyAttachmentsExclusive, 'injected-exclusive', {
          roleName: 'cdn-batch',
          policyArns: [managed('AdministratorAccess')],
        }),
    },
  ],
  'privilege escalation, whole sets and split over policies': [
    ...[
      ['iam:PassRole', 'ecs:RunTask'],
      ['iam:PassRole', 'ecs:RegisterTaskDefinition'],
      ['IAM:PASSROLE', 'lambda:Create*'],
      ['iam:DeleteRolePermissionsBoundary'],
      ['iam:PutRolePermissionsBoundary'],
      ['iam:Put*'],
      ['iam:PassRole', 'codebuild:CreateProject'],
      ['ssm:SendCommand'],
    ].map((actions) => ({
      title: `${actions.join(' + ')} in one policy`,
      rule: 'iam-no-privilege-escalation',
      mutate: batchRolePolicy('injected-escalation', allow(actions, `arn:aws:iam::${ACCOUNT}:role/admin`)),
    })),
    {
      title: 'Allow NotAction "s3:*" (grants iam:* among everything else)',
      rule: 'iam-no-privilege-escalation',
      mutate: batchRolePolicy('injected-not-action', {
        Effect: 'Allow',
        NotAction: 's3:*',
        Resource: BATCH_ROLE_ARN,
      }),
    },
    {
      title: 'iam:PassRole in one RolePolicy and lambda:CreateFunction in another',
      rule: 'iam-role-no-split-privilege-escalation',
      mutate: (s) => {
        batchRolePolicy('injected-pass', allow('iam:PassRole', `arn:aws:iam::${ACCOUNT}:role/admin`))(s);
        batchRolePolicy(
          'injected-create',
          allow('lambda:CreateFunction', `arn:aws:lambda:*:${ACCOUNT}:function:x`),
        )(s);
      },
      message: /iam:PassRole together with lambda:CreateFunction/,
    },
    {
      title: 'iam:PassRole inline on the role and ecs:RunTask in an attached customer policy',
      rule: 'iam-role-no-split-privilege-escalation',
      mutate: (s) => {
        set(s, 'batch-role', 'inlinePolicies', [
          { name: 'pass', policy: policyDoc(allow('iam:PassRole', `arn:aws:iam::${ACCOUNT}:role/admin`)) },
        ]);
        customerPolicy(s, allow('ecs:RunTask', `arn:aws:ecs:*:${ACCOUNT}:task-definition/x`));
        add(s, aws.iam.PolicyAttachment, 'injected-attachment', {
          roles: ['cdn-batch'],
          policyArn: CUSTOMER_POLICY_ARN,
        });
      },
      message: /iam:PassRole together with ecs:RunTask/,
    },
  ],
  'trigger recursion through every route a policy reaches a role': [
    {
      title: 'aws.iam.PolicyAttachment of a customer policy writing the originals',
      rule: 'lambda-no-trigger-recursion',
      mutate: (s) => {
        customerPolicy(s, writeOriginals);
        add(s, aws.iam.PolicyAttachment, 'injected-attachment', {
          roles: ['cdn-batch'],
          policyArn: CUSTOMER_POLICY_ARN,
        });
      },
    },
    {
      title: 'the role’s managedPolicyArns naming a customer policy writing the originals',
      rule: 'lambda-no-trigger-recursion',
      mutate: (s) => {
        customerPolicy(s, writeOriginals);
        set(s, 'batch-role', 'managedPolicyArns', [CUSTOMER_POLICY_ARN]);
      },
    },
    {
      title: 'RolePolicyAttachmentsExclusive of a customer policy writing the originals',
      rule: 'lambda-no-trigger-recursion',
      mutate: (s) => {
        customerPolicy(s, writeOriginals);
        add(s, aws.iam.RolePolicyAttachmentsExclusive, 'injected-exclusive', {
          roleName: 'cdn-batch',
          policyArns: [CUSTOMER_POLICY_ARN],
        });
      },
    },
    {
      title: 'the role’s inlinePolicies writing the originals',
      rule: 'lambda-no-trigger-recursion',
      mutate: (s) =>
        set(s, 'batch-role', 'inlinePolicies', [{ name: 'w', policy: policyDoc(writeOriginals) }]),
    },
    {
      title: 'a RolePolicy naming the role by ARN, with s3:Put* on arn:aws:s3:::<originals>/**',
      rule: 'lambda-no-trigger-recursion',
      mutate: (s) =>
        add(s, aws.iam.RolePolicy, 'injected-write', {
          role: BATCH_ROLE_ARN,
          policy: policyDoc(allow('s3:Put*', `arn:aws:s3:::${ORIGINALS}/**`)),
        }),
    },
  ],
  'OAC grants that do not pin this stack’s distribution': [
    ...[
      { StringLike: { 'AWS:SourceArn': 'arn:aws:cloudfront::*:distribution/*' } },
      { ArnLike: { 'aws:SourceArn': `arn:aws:cloudfront::${ACCOUNT}:distribution/*` } },
      { ArnLike: { 'AWS:SourceArn': 'arn:aws:cloudfront::?*' } },
      { StringEqualsIfExists: { 'AWS:SourceArn': DISTRIBUTION_ARN } },
      { StringLike: { 'AWS:SourceArn': '*' } },
    ].map((Condition) => ({
      title: `Condition ${JSON.stringify(Condition)}`,
      rule: 's3-cloudfront-reads-via-oac',
      mutate: originalsPolicy(oac(Condition)),
    })),
    {
      title: "another account's distribution",
      rule: 's3-oac-grants-this-distribution',
      mutate: originalsPolicy(
        oac({ StringEquals: { 'AWS:SourceArn': `arn:aws:cloudfront::${FOREIGN}:distribution/EVIL` } }),
      ),
      message: /arn:aws:cloudfront::999999999999:distribution\/EVIL/,
    },
  ],
  'viewer protocol, TLS floor and asynchronous failure handling': [
    {
      title: 'viewerProtocolPolicy allow-all on an ordered behavior',
      rule: 'cloudfront-https-only',
      mutate: withDistribution((d) => {
        d.orderedCacheBehaviors = [
          { pathPattern: '/raw/*', targetOriginId: 'originals', viewerProtocolPolicy: 'allow-all' },
        ];
      }),
    },
    ...['TLSv1', 'TLSv1.1_2016', 'SSLv3'].map((version) => ({
      title: `minimumProtocolVersion ${version}`,
      rule: 'cloudfront-tls-minimum',
      mutate: withDistribution((d) => {
        d.viewerCertificate = { ...(d.viewerCertificate as object), minimumProtocolVersion: version };
      }),
    })),
    {
      title: 'the S3-triggered function’s event-invoke config without an on-failure destination',
      rule: 'lambda-async-failure-handling',
      mutate: (s) => set(s, 'batch-invoke-config', 'destinationConfig', undefined),
    },
    {
      title: 'a second S3-triggered function without any event-invoke config',
      rule: 'lambda-async-failure-handling',
      mutate: (s) => {
        add(
          s,
          aws.lambda.Function,
          'injected-function',
          { name: 'cdn-extra', role: BATCH_ROLE_ARN, runtime: 'nodejs22.x' },
          { computed: { arn: `${BATCH_FN_ARN.replace('cdn-batch', 'cdn-extra')}` } },
        );
        add(s, aws.s3.BucketNotification, 'injected-notification', {
          bucket: DERIVATIVES,
          lambdaFunctions: [
            {
              lambdaFunctionArn: BATCH_FN_ARN.replace('cdn-batch', 'cdn-extra'),
              events: ['s3:ObjectCreated:*'],
            },
          ],
        });
      },
    },
  ],
};

describe('adversarial variants of the compliant stack (issue 11)', () => {
  it('the compliant stack passes the whole pack with no mandatory finding', async () => {
    assert.deepEqual(await mandatoryFindings(compliantStack()), []);
  });

  it('has at least 60 variants', () => {
    assert.ok(Object.values(families).flat().length >= 60);
  });

  for (const [family, variants] of Object.entries(families)) {
    describe(family, () => {
      for (const v of variants) {
        it(`${v.title}: mandatory ${v.rule}`, async () => {
          const stack = compliantStack();
          v.mutate(stack);
          const found = await mandatoryFindings(stack);
          const hits = found.filter((f) => f.policyName === v.rule);
          assert.ok(
            hits.length > 0,
            `expected ${v.rule}, found ${JSON.stringify(found.map((f) => [f.policyName, f.message]))}`,
          );
          for (const h of hits) assert.equal(h.enforcementLevel, 'mandatory');
          if (v.message) assert.match(hits.map((h) => h.message).join('\n'), v.message);
        });
      }
    });
  }

  describe('controls: the narrow, conditioned forms pass', () => {
    const controls: [string, Mutation, string][] = [
      [
        'another account with a StringEquals sts:ExternalId',
        roleTrusting(assume({ AWS: FOREIGN }, { StringEquals: { 'sts:ExternalId': 'cdn-4f1c' } })),
        'iam-trust-cross-account-condition',
      ],
      ['a prefix wildcard "s3:Get*"', edgePolicy(allow('s3:Get*')), 'iam-no-wildcard-actions'],
      [
        'a region wildcard in an account-scoped log ARN',
        edgePolicy(allow('logs:PutLogEvents', `arn:aws:logs:*:${ACCOUNT}:log-group:/aws/lambda/x:*`)),
        'iam-no-wildcard-resources',
      ],
      [
        'a queue policy granting SNS from this stack’s topic',
        queuePolicy(
          onQueue({ Service: 'sns.amazonaws.com' }, { Condition: { ArnEquals: { 'aws:SourceArn': TOPIC } } }),
        ),
        'resource-policy-no-public-or-cross-account',
      ],
      [
        'a Deny of "*" on "*"',
        edgePolicy({ Effect: 'Deny', Action: '*', Resource: '*' }, allow('s3:GetObject')),
        'iam-no-wildcard-actions',
      ],
      [
        'AWSLambdaBasicExecutionRole',
        (s) =>
          add(s, aws.iam.RolePolicyAttachment, 'basic', {
            role: 'cdn-batch',
            policyArn: managed('AWSLambdaBasicExecutionRole', 'service-role/'),
          }),
        'iam-no-broad-managed-policies',
      ],
    ];
    for (const [title, mutate, rule] of controls) {
      it(`${title}: no ${rule} finding`, async () => {
        const stack = compliantStack();
        mutate(stack);
        const found = await mandatoryFindings(stack);
        assert.deepEqual(
          found.filter((f) => f.policyName === rule),
          [],
        );
      });
    }
  });
});
