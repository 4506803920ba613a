import * as aws from '@pulumi/aws';
import { strict as assert } from 'node:assert';
import {
  iamEdgeRoleExactS3Access,
  iamLambdaTrustMatchesFunction,
  lambdaNoTriggerRecursion,
  s3BucketHasAccessBlockAndPolicy,
  s3BucketOwnershipAndEncryption,
} from '../../policies/rules/stack';
import {
  check,
  compliantStack,
  edgePolicy,
  find,
  policyDoc,
  set,
  trust,
  urnOf,
} from '../support/policy-fixture';

const EDGE_ROLE = urnOf(aws.iam.Role, 'edge-role');
const BATCH_ROLE = urnOf(aws.iam.Role, 'batch-role');
const ORIGINALS_BUCKET = urnOf(aws.s3.Bucket, 'images-originals');
const one = (rule: string, level: string, message: string, urn: string) => [{ rule, level, message, urn }];
const EXPECTATION =
  'grant only s3:GetObject on arn:aws:s3:::cdn-test-originals/* and s3:PutObject on arn:aws:s3:::cdn-test-derivatives/*';

/** The edge role policy with one more statement. */
function edgePolicyPlus(statement: unknown) {
  const current = JSON.parse(edgePolicy) as { Statement: unknown[] };
  return set(compliantStack(), 'edge-policy', 'policy', policyDoc(...current.Statement, statement));
}

describe('stack rules', () => {
  describe('iam-edge-role-exact-s3-access', () => {
    it('passes the compliant stack', async () => {
      assert.deepEqual(await check(iamEdgeRoleExactS3Access, compliantStack()), []);
    });
    it("reports access to a bucket that is not this stack's", async () => {
      const stack = edgePolicyPlus({
        Effect: 'Allow',
        Action: 's3:GetObject',
        Resource: 'arn:aws:s3:::other-stack-originals/*',
      });
      assert.deepEqual(
        await check(iamEdgeRoleExactS3Access, stack),
        one(
          'iam-edge-role-exact-s3-access',
          'mandatory',
          `edge role "edge-role" grants s3:GetObject on arn:aws:s3:::other-stack-originals/*: ${EXPECTATION}.`,
          EDGE_ROLE,
        ),
      );
    });
    it('reports an extra S3 action on the right bucket', async () => {
      const stack = edgePolicyPlus({
        Effect: 'Allow',
        Action: 's3:DeleteObject',
        Resource: 'arn:aws:s3:::cdn-test-derivatives/*',
      });
      assert.deepEqual(
        (await check(iamEdgeRoleExactS3Access, stack)).map((f) => f.message),
        [
          `edge role "edge-role" grants s3:DeleteObject on arn:aws:s3:::cdn-test-derivatives/*: ${EXPECTATION}.`,
        ],
      );
    });
    it('reports a missing grant the handler needs', async () => {
      const current = JSON.parse(edgePolicy) as { Statement: { Sid: string }[] };
      const stack = set(
        compliantStack(),
        'edge-policy',
        'policy',
        policyDoc(...current.Statement.filter((s) => s.Sid !== 'WriteDerivatives')),
      );
      assert.deepEqual(
        await check(iamEdgeRoleExactS3Access, stack),
        one(
          'iam-edge-role-exact-s3-access',
          'mandatory',
          `edge role "edge-role" lacks s3:PutObject on arn:aws:s3:::cdn-test-derivatives/*: ${EXPECTATION}.`,
          EDGE_ROLE,
        ),
      );
    });
    it('defaults the bucket matches to originals/derivatives and accepts ListBucket on originals', async () => {
      const props = iamEdgeRoleExactS3Access.configSchema?.properties;
      assert.equal(props?.originalsMatch?.default, 'originals');
      assert.equal(props?.derivativesMatch?.default, 'derivatives');
      assert.equal(props?.allowListOriginals?.default, true);
      const config = { 'iam-edge-role-exact-s3-access': { allowListOriginals: false } };
      assert.deepEqual(
        (await check(iamEdgeRoleExactS3Access, compliantStack(), config)).map((f) => f.message),
        [`edge role "edge-role" grants s3:ListBucket on arn:aws:s3:::cdn-test-originals: ${EXPECTATION}.`],
      );
    });
  });

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

  describe('s3-bucket-has-access-block-and-policy', () => {
    it('passes the compliant stack', async () => {
      assert.deepEqual(await check(s3BucketHasAccessBlockAndPolicy, compliantStack()), []);
    });
    it('reports a bucket without a public access block', async () => {
      const stack = compliantStack().filter((r) => r.name !== 'images-originals-public-access');
      assert.deepEqual(
        await check(s3BucketHasAccessBlockAndPolicy, stack),
        one(
          's3-bucket-has-access-block-and-policy',
          'mandatory',
          'bucket "cdn-test-originals" has no public access block with all four flags: add an aws.s3.BucketPublicAccessBlock setting blockPublicAcls, blockPublicPolicy, ignorePublicAcls, restrictPublicBuckets to true.',
          ORIGINALS_BUCKET,
        ),
      );
    });
    it('reports a bucket without a bucket policy', async () => {
      const stack = compliantStack().filter((r) => r.name !== 'images-originals-policy');
      assert.deepEqual(
        await check(s3BucketHasAccessBlockAndPolicy, stack),
        one(
          's3-bucket-has-access-block-and-policy',
          'mandatory',
          'bucket "cdn-test-originals" has no bucket policy: add an aws.s3.BucketPolicy; add a Deny of "s3:*" for Principal "*" on the bucket ARN and "<bucket ARN>/*" with Condition {"Bool": {"aws:SecureTransport": "false"}}.',
          ORIGINALS_BUCKET,
        ),
      );
    });
    it('links companions by value when there is no dependency edge', async () => {
      const stack = compliantStack();
      find(stack, 'images-originals-public-access').propertyDependencies = {};
      find(stack, 'images-originals-policy').propertyDependencies = {};
      assert.deepEqual(await check(s3BucketHasAccessBlockAndPolicy, stack), []);
    });
  });

  describe('s3-bucket-ownership-and-encryption', () => {
    it('passes the compliant stack', async () => {
      assert.deepEqual(await check(s3BucketOwnershipAndEncryption, compliantStack()), []);
    });
    it('reports a bucket without ownership controls', async () => {
      const stack = compliantStack().filter((r) => r.name !== 'images-originals-ownership');
      assert.deepEqual(
        await check(s3BucketOwnershipAndEncryption, stack),
        one(
          's3-bucket-ownership-and-encryption',
          'advisory',
          'bucket "cdn-test-originals" has no BucketOwnerEnforced ownership controls: add an aws.s3.BucketOwnershipControls with rule.objectOwnership "BucketOwnerEnforced".',
          ORIGINALS_BUCKET,
        ),
      );
    });
    it('reports a bucket without default encryption', async () => {
      const stack = compliantStack().filter((r) => r.name !== 'images-originals-sse');
      assert.deepEqual(
        await check(s3BucketOwnershipAndEncryption, stack),
        one(
          's3-bucket-ownership-and-encryption',
          'advisory',
          'bucket "cdn-test-originals" has no default encryption configuration: add an aws.s3.BucketServerSideEncryptionConfiguration.',
          ORIGINALS_BUCKET,
        ),
      );
    });
  });

  describe('iam-lambda-trust-matches-function', () => {
    it('passes the compliant stack', async () => {
      assert.deepEqual(await check(iamLambdaTrustMatchesFunction, compliantStack()), []);
    });
    it('reports an edge role without edgelambda', async () => {
      const stack = set(compliantStack(), 'edge-role', 'assumeRolePolicy', trust('lambda.amazonaws.com'));
      assert.deepEqual(
        await check(iamLambdaTrustMatchesFunction, stack),
        one(
          'iam-lambda-trust-matches-function',
          'mandatory',
          'role "edge-role" of edge function "edge-function" does not trust edgelambda.amazonaws.com: add it.',
          EDGE_ROLE,
        ),
      );
    });
    it('reports a regular function role that trusts edgelambda', async () => {
      const stack = set(
        compliantStack(),
        'batch-role',
        'assumeRolePolicy',
        trust('lambda.amazonaws.com', 'edgelambda.amazonaws.com'),
      );
      assert.deepEqual(
        await check(iamLambdaTrustMatchesFunction, stack),
        one(
          'iam-lambda-trust-matches-function',
          'mandatory',
          'role "batch-role" of regular function "batch-function" trusts edgelambda.amazonaws.com: trust only lambda.amazonaws.com.',
          BATCH_ROLE,
        ),
      );
    });
    it('reports a function whose role is not in the stack, instead of passing', async () => {
      const stack = set(
        compliantStack(),
        'edge-function',
        'role',
        'arn:aws:iam::123456789012:role/elsewhere',
      );
      assert.deepEqual(
        (await check(iamLambdaTrustMatchesFunction, stack)).map((f) => f.message),
        [
          'function "edge-function" runs as a role that is not in this stack, so its trust cannot be checked: create its role in this stack.',
        ],
      );
    });
    it('defaults edgeTag to lambda-edge', () => {
      assert.equal(iamLambdaTrustMatchesFunction.configSchema?.properties.edgeTag?.default, 'lambda-edge');
    });
  });
});
