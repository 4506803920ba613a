import { strict as assert } from 'node:assert';

import * as aws from '@pulumi/aws';

import {
  DEFAULT_DEPRECATED_RUNTIMES,
  lambdaAsyncFailureHandling,
  lambdaEdgeInUsEast1,
  lambdaEdgePublishedVersion,
  lambdaEdgeRestrictions,
  lambdaEdgeRuntime,
  lambdaNoTriggerRecursion,
  lambdaPermissionSourceRestricted,
} from '../../policies/rules/lambda';
import {
  check,
  compliantStack,
  EDGE_FN_ARN,
  find,
  policyDoc,
  set,
  UNKNOWN_STRING,
  urnOf,
} from '../support/policy-fixture';

const EDGE_FN = urnOf(aws.lambda.Function, 'edge-function');
const BATCH_FN = urnOf(aws.lambda.Function, 'batch-function');
const one = (rule: string, level: string, message: string, urn: string) => [{ rule, level, message, urn }];

/** The compliant stack with the distribution's edge association replaced. */
function withAssociation(association: Record<string, unknown>) {
  const stack = compliantStack();
  const behavior = find(stack, 'cdn-distribution').inputs.defaultCacheBehavior as Record<string, unknown>;
  return set(stack, 'cdn-distribution', 'defaultCacheBehavior', {
    ...behavior,
    lambdaFunctionAssociations: [association],
  });
}

describe('lambda rules', () => {
  describe('lambda-edge-in-us-east-1', () => {
    it('passes the compliant stack', async () => {
      assert.deepEqual(await check(lambdaEdgeInUsEast1, compliantStack()), []);
    });
    it("reports an edge function on the home region's provider", async () => {
      const stack = compliantStack();
      const fn = find(stack, 'edge-function');
      fn.provider = { ...fn.provider!, props: { region: 'us-west-2' } };
      assert.deepEqual(
        await check(lambdaEdgeInUsEast1, stack),
        one(
          'lambda-edge-in-us-east-1',
          'mandatory',
          'edge function "edge-function": region is "us-west-2": create it with an explicit aws.Provider whose region is "us-east-1".',
          EDGE_FN,
        ),
      );
    });
    it('honours the per-resource region input over the provider', async () => {
      const stack = set(compliantStack(), 'edge-function', 'region', 'eu-west-1');
      assert.match((await check(lambdaEdgeInUsEast1, stack))[0]?.message ?? '', /region is "eu-west-1"/);
    });
    it('treats a function tagged lambda-edge as edge, by default', async () => {
      assert.equal(lambdaEdgeInUsEast1.configSchema?.properties.edgeTag?.default, 'lambda-edge');
      assert.equal(lambdaEdgeInUsEast1.configSchema?.properties.region?.default, 'us-east-1');
      const stack = set(compliantStack(), 'batch-function', 'tags', { 'lambda-edge': 'true' });
      assert.deepEqual(
        (await check(lambdaEdgeInUsEast1, stack)).map((f) => f.urn),
        [BATCH_FN],
      );
    });
  });

  describe('lambda-edge-published-version', () => {
    it('passes the compliant stack', async () => {
      assert.deepEqual(await check(lambdaEdgePublishedVersion, compliantStack()), []);
    });
    it('reports publish false', async () => {
      const stack = set(compliantStack(), 'edge-function', 'publish', false);
      assert.deepEqual(
        await check(lambdaEdgePublishedVersion, stack),
        one(
          'lambda-edge-published-version',
          'mandatory',
          'edge function "edge-function": publish is not true: set publish: true so each deploy has a version.',
          EDGE_FN,
        ),
      );
    });
    it('reports an association by $LATEST', async () => {
      const stack = withAssociation({ eventType: 'origin-response', lambdaArn: `${EDGE_FN_ARN}:$LATEST` });
      assert.deepEqual(
        await check(lambdaEdgePublishedVersion, stack),
        one(
          'lambda-edge-published-version',
          'mandatory',
          `edge function "edge-function": the origin-response association uses "${EDGE_FN_ARN}:$LATEST": associate fn.qualifiedArn, a numbered version, not $LATEST, an alias or the unqualified ARN.`,
          EDGE_FN,
        ),
      );
    });
    it('finds the function through the dependency graph while the ARN is unknown, and reports it', async () => {
      const stack = withAssociation({ eventType: 'origin-response', lambdaArn: UNKNOWN_STRING });
      find(stack, 'cdn-distribution').propertyDependencies.defaultCacheBehavior = [EDGE_FN];
      assert.deepEqual(
        await check(lambdaEdgePublishedVersion, stack),
        one(
          'lambda-edge-published-version',
          'mandatory',
          'edge function "edge-function": the origin-response association ARN is unknown at preview: associate fn.qualifiedArn (a numbered version); `npm run policy:check` resolves it.',
          EDGE_FN,
        ),
      );
    });
  });

  describe('lambda-edge-restrictions', () => {
    const restriction = async (field: string, value: unknown, message: string) => {
      const stack = set(compliantStack(), 'edge-function', field, value);
      assert.deepEqual(
        await check(lambdaEdgeRestrictions, stack),
        one('lambda-edge-restrictions', 'mandatory', `edge function "edge-function": ${message}`, EDGE_FN),
      );
    };
    it('passes the compliant stack', async () => {
      assert.deepEqual(await check(lambdaEdgeRestrictions, compliantStack()), []);
    });
    it('reports environment variables', () =>
      restriction(
        'environment',
        { variables: { A: '1' } },
        'has environment variables: bake configuration into the bundle instead.',
      ));
    it('reports layers', () =>
      restriction(
        'layers',
        ['arn:aws:lambda:us-east-1:1:layer:x:1'],
        'has layers: bundle dependencies into the package instead.',
      ));
    it('reports a VPC config', () =>
      restriction(
        'vpcConfig',
        { subnetIds: ['subnet-1'], securityGroupIds: [] },
        'has a VPC config: remove vpcConfig.',
      ));
    it('reports a dead-letter queue', () =>
      restriction(
        'deadLetterConfig',
        { targetArn: 'arn:aws:sqs:us-east-1:1:q' },
        'has a dead-letter queue: remove deadLetterConfig.',
      ));
    it('reports arm64', () =>
      restriction('architectures', ['arm64'], 'architectures is [arm64]: use ["x86_64"].'));
    it('reports an origin timeout over 30 s', () =>
      restriction('timeout', 31, 'timeout is 31 s: set it to at most 30 s for origin events.'));
    it('defaults the timeout quotas to 30 s (origin) and 5 s (viewer)', async () => {
      const props = lambdaEdgeRestrictions.configSchema?.properties;
      assert.equal(props?.maxOriginTimeoutSeconds?.default, 30);
      assert.equal(props?.maxViewerTimeoutSeconds?.default, 5);
      const viewer = withAssociation({ eventType: 'viewer-request', lambdaArn: `${EDGE_FN_ARN}:1` });
      assert.deepEqual(
        (await check(lambdaEdgeRestrictions, viewer)).map((f) => f.message),
        ['edge function "edge-function": timeout is 30 s: set it to at most 5 s for viewer events.'],
      );
    });
  });

  describe('lambda-edge-runtime', () => {
    it('passes the compliant stack', async () => {
      assert.deepEqual(await check(lambdaEdgeRuntime, compliantStack()), []);
    });
    it('reports a deprecated runtime', async () => {
      const stack = set(compliantStack(), 'edge-function', 'runtime', 'nodejs18.x');
      assert.deepEqual(
        await check(lambdaEdgeRuntime, stack),
        one(
          'lambda-edge-runtime',
          'advisory',
          'edge function "edge-function": runtime "nodejs18.x" is deprecated: move to a current Node.js or Python runtime.',
          EDGE_FN,
        ),
      );
    });
    it('reports a runtime Lambda@Edge does not support', async () => {
      const stack = set(compliantStack(), 'edge-function', 'runtime', 'java21');
      assert.deepEqual(
        await check(lambdaEdgeRuntime, stack),
        one(
          'lambda-edge-runtime',
          'advisory',
          'edge function "edge-function": runtime "java21" is not supported at the edge: use a current Node.js or Python runtime.',
          EDGE_FN,
        ),
      );
    });
    it('defaults deprecatedRuntimes to the documented list', async () => {
      assert.deepEqual(
        lambdaEdgeRuntime.configSchema?.properties.deprecatedRuntimes?.default,
        DEFAULT_DEPRECATED_RUNTIMES,
      );
      const config = { 'lambda-edge-runtime': { deprecatedRuntimes: ['nodejs22.x'] } };
      assert.equal((await check(lambdaEdgeRuntime, compliantStack(), config)).length, 1);
    });
  });

  describe('lambda-async-failure-handling', () => {
    const withoutInvokeConfig = () => compliantStack().filter((r) => r.name !== 'batch-invoke-config');
    it('passes the compliant stack', async () => {
      assert.deepEqual(await check(lambdaAsyncFailureHandling, compliantStack()), []);
    });
    it('reports an S3-triggered function without an event-invoke config or DLQ', async () => {
      assert.deepEqual(await check(lambdaAsyncFailureHandling, withoutInvokeConfig()), [
        {
          rule: 'lambda-async-failure-handling',
          level: 'mandatory',
          message:
            'function "batch-function" is invoked asynchronously without a FunctionEventInvokeConfig: add one with maximumRetryAttempts, maximumEventAgeInSeconds and an onFailure destination.',
          urn: BATCH_FN,
        },
        {
          rule: 'lambda-async-failure-handling',
          level: 'mandatory',
          message:
            'function "batch-function" is invoked asynchronously and drops failed events: set destinationConfig.onFailure.destination (e.g. an SQS queue) or deadLetterConfig.targetArn.',
          urn: BATCH_FN,
        },
      ]);
    });
    it('reports an event-invoke config without an on-failure destination', async () => {
      const stack = set(compliantStack(), 'batch-invoke-config', 'destinationConfig', undefined);
      assert.deepEqual(
        (await check(lambdaAsyncFailureHandling, stack)).map((f) => f.message),
        [
          'function "batch-function" is invoked asynchronously and drops failed events: set destinationConfig.onFailure.destination (e.g. an SQS queue) or deadLetterConfig.targetArn.',
        ],
      );
    });
    it('defaults asyncPrincipals to S3, SNS and EventBridge', async () => {
      assert.deepEqual(lambdaAsyncFailureHandling.configSchema?.properties.asyncPrincipals?.default, [
        's3.amazonaws.com',
        'sns.amazonaws.com',
        'events.amazonaws.com',
      ]);
      // Without the notification, only the s3 Permission marks the function as invoked asynchronously.
      const stack = withoutInvokeConfig().filter((r) => r.name !== 'batch-notification');
      assert.equal((await check(lambdaAsyncFailureHandling, stack)).length, 2);
      const config = { 'lambda-async-failure-handling': { asyncPrincipals: [] } };
      assert.deepEqual(await check(lambdaAsyncFailureHandling, stack, config), []);
    });
  });

  describe('lambda-permission-source-restricted', () => {
    it('passes the compliant stack', async () => {
      assert.deepEqual(await check(lambdaPermissionSourceRestricted, compliantStack()), []);
    });
    it('reports a service permission without sourceAccount', async () => {
      const stack = set(compliantStack(), 'batch-s3-invoke', 'sourceAccount', undefined);
      assert.deepEqual(
        await check(lambdaPermissionSourceRestricted, stack),
        one(
          'lambda-permission-source-restricted',
          'mandatory',
          "permission for s3.amazonaws.com has no sourceAccount: set sourceArn and sourceAccount so only this stack's resource can invoke the function.",
          urnOf(aws.lambda.Permission, 'batch-s3-invoke'),
        ),
      );
    });
    it('reports a service permission without sourceArn', async () => {
      const stack = set(compliantStack(), 'batch-s3-invoke', 'sourceArn', undefined);
      assert.deepEqual(
        (await check(lambdaPermissionSourceRestricted, stack)).map((f) => f.message),
        [
          "permission for s3.amazonaws.com has no sourceArn: set sourceArn and sourceAccount so only this stack's resource can invoke the function.",
        ],
      );
    });
  });
});

describe('lambda stack rules', () => {
  const BATCH_ROLE = urnOf(aws.iam.Role, 'batch-role');
  const one = (rule: string, level: string, message: string, urn: string) => [{ rule, level, message, urn }];

  describe('lambda-no-trigger-recursion', () => {
    it('passes the compliant stack', async () => {
      assert.deepEqual(await check(lambdaNoTriggerRecursion, compliantStack()), []);
    });
    it('reports a batch role that may write the triggering bucket', async () => {
      const stack = set(
        compliantStack(),
        'batch-policy',
        'policy',
        policyDoc({ Effect: 'Allow', Action: 's3:PutObject', Resource: 'arn:aws:s3:::cdn-test-originals/*' }),
      );
      assert.deepEqual(
        await check(lambdaNoTriggerRecursion, stack),
        one(
          'lambda-no-trigger-recursion',
          'mandatory',
          'function "batch-function" is triggered by arn:aws:s3:::cdn-test-originals/uploads/* but its role "batch-role" may s3:PutObject on arn:aws:s3:::cdn-test-originals/*: write only to the derivatives bucket, never where the trigger fires.',
          BATCH_ROLE,
        ),
      );
    });
    it('reports a write through a wildcard action in an inline policy', async () => {
      const stack = set(compliantStack(), 'batch-role', 'inlinePolicies', [
        {
          name: 'w',
          policy: policyDoc({ Effect: 'Allow', Action: 's3:Put*', Resource: 'arn:aws:s3:::cdn-test-*' }),
        },
      ]);
      assert.equal((await check(lambdaNoTriggerRecursion, stack))[0]?.urn, BATCH_ROLE);
    });
    it('reports a triggered function whose role is not in the stack, instead of passing', async () => {
      const stack = set(
        compliantStack(),
        'batch-function',
        'role',
        'arn:aws:iam::123456789012:role/elsewhere',
      );
      assert.deepEqual(
        await check(lambdaNoTriggerRecursion, stack),
        one(
          'lambda-no-trigger-recursion',
          'mandatory',
          'function "batch-function" runs as a role that is not in this stack, so what it may write cannot be checked: create its role in this stack.',
          urnOf(aws.lambda.Function, 'batch-function'),
        ),
      );
    });
    it('reports a role policy that does not parse, instead of passing', async () => {
      const stack = set(compliantStack(), 'batch-policy', 'policy', '{"Statement": [{"Effect": "Perhaps"}]}');
      assert.deepEqual(
        (await check(lambdaNoTriggerRecursion, stack)).map((f) => f.message),
        ['Statement[0] has Effect "Perhaps": fix the document so it can be checked.'],
      );
    });
    it('accepts a write to the same bucket outside the triggering prefix', async () => {
      const stack = set(
        compliantStack(),
        'batch-policy',
        'policy',
        policyDoc({
          Effect: 'Allow',
          Action: 's3:PutObject',
          Resource: 'arn:aws:s3:::cdn-test-originals/renditions/*',
        }),
      );
      assert.deepEqual(await check(lambdaNoTriggerRecursion, stack), []);
    });
    it('defaults writeActions to the actions that emit S3 events', async () => {
      assert.deepEqual(lambdaNoTriggerRecursion.configSchema?.properties.writeActions?.default, [
        's3:PutObject',
        's3:DeleteObject',
        's3:DeleteObjectVersion',
        's3:RestoreObject',
        's3:ReplicateObject',
      ]);
      const stack = set(
        compliantStack(),
        'batch-policy',
        'policy',
        policyDoc({
          Effect: 'Allow',
          Action: 's3:DeleteObject',
          Resource: 'arn:aws:s3:::cdn-test-originals/*',
        }),
      );
      assert.equal((await check(lambdaNoTriggerRecursion, stack)).length, 1);
      const config = { 'lambda-no-trigger-recursion': { writeActions: ['s3:PutObject'] } };
      assert.deepEqual(await check(lambdaNoTriggerRecursion, stack, config), []);
    });
  });
});
