import { strict as assert } from 'node:assert';

import * as aws from '@pulumi/aws';

import {
  DEFAULT_DISALLOWED_MANAGED_POLICIES,
  DEFAULT_ESCALATION_ACTIONS,
  DEFAULT_PASS_ROLE_COMPANIONS,
  DEFAULT_UNSCOPABLE_ACTIONS,
  iamEdgeRoleExactS3Access,
  iamLambdaRoleTrust,
  iamLambdaTrustMatchesFunction,
  iamNoBroadManagedPolicies,
  iamNoNotActionOrNotResource,
  iamNoPrivilegeEscalation,
  iamNoUserPolicies,
  iamNoWildcardActions,
  iamNoWildcardResources,
  iamTrustNoWildcardPrincipal,
} from '../../policies/rules/iam';
import {
  check,
  compliantStack,
  edgePolicy,
  policyDoc,
  set,
  trust,
  UNKNOWN_STRING,
  urnOf,
} from '../support/policy-fixture';

const EDGE_POLICY = urnOf(aws.iam.RolePolicy, 'edge-policy');
const BATCH_ROLE = urnOf(aws.iam.Role, 'batch-role');

/** The compliant stack with the edge RolePolicy replaced by these statements. */
const withEdgeStatements = (...statements: unknown[]) =>
  set(compliantStack(), 'edge-policy', 'policy', policyDoc(...statements));

const mandatory = (rule: string, message: string, urn: string) => [
  { rule, level: 'mandatory', message, urn },
];

describe('iam rules', () => {
  describe('iam-no-wildcard-actions', () => {
    it('passes the compliant stack', async () => {
      assert.deepEqual(await check(iamNoWildcardActions, compliantStack()), []);
    });
    it('reports a service wildcard', async () => {
      const stack = withEdgeStatements({ Effect: 'Allow', Action: 's3:*', Resource: 'arn:aws:s3:::b/*' });
      assert.deepEqual(
        await check(iamNoWildcardActions, stack),
        mandatory(
          'iam-no-wildcard-actions',
          'policy statement #1 allows "s3:*": list the exact actions the code calls (e.g. "s3:GetObject") instead of a wildcard.',
          EDGE_POLICY,
        ),
      );
    });
    it('reports "*" in a role inline policy', async () => {
      const stack = set(compliantStack(), 'batch-role', 'inlinePolicies', [
        {
          name: 'extra',
          policy: policyDoc({ Sid: 'All', Effect: 'Allow', Action: ['*'], Resource: 'arn:aws:s3:::b' }),
        },
      ]);
      assert.deepEqual(
        await check(iamNoWildcardActions, stack),
        mandatory(
          'iam-no-wildcard-actions',
          'inline policy "extra" statement "All" allows "*": list the exact actions the code calls (e.g. "s3:GetObject") instead of a wildcard.',
          BATCH_ROLE,
        ),
      );
    });
    it('ignores wildcards in Deny statements', async () => {
      const stack = withEdgeStatements({ Effect: 'Deny', Action: '*', Resource: '*' });
      assert.deepEqual(await check(iamNoWildcardActions, stack), []);
    });
    it('defaults allowedWildcardActions to none, and accepts a configured one', async () => {
      assert.deepEqual(iamNoWildcardActions.configSchema?.properties.allowedWildcardActions?.default, []);
      const stack = withEdgeStatements({ Effect: 'Allow', Action: 'xray:*', Resource: '*' });
      assert.equal((await check(iamNoWildcardActions, stack)).length, 1);
      const config = { 'iam-no-wildcard-actions': { allowedWildcardActions: ['xray:*'] } };
      assert.deepEqual(await check(iamNoWildcardActions, stack, config), []);
    });
  });

  describe('iam-no-wildcard-resources', () => {
    it('passes the compliant stack', async () => {
      assert.deepEqual(await check(iamNoWildcardResources, compliantStack()), []);
    });
    it('reports an S3 object action on "*"', async () => {
      const stack = withEdgeStatements({ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' });
      assert.deepEqual(
        await check(iamNoWildcardResources, stack),
        mandatory(
          'iam-no-wildcard-resources',
          'policy statement #1 allows s3:GetObject on Resource "*": scope it to the ARNs it needs (e.g. "arn:aws:s3:::<bucket>/*"); only unscopableActions may use "*".',
          EDGE_POLICY,
        ),
      );
    });
    it('treats every-bucket ARNs as "*"', async () => {
      const stack = withEdgeStatements({
        Effect: 'Allow',
        Action: 's3:PutObject',
        Resource: 'arn:aws:s3:::*/*',
      });
      assert.deepEqual(
        await check(iamNoWildcardResources, stack),
        mandatory(
          'iam-no-wildcard-resources',
          'policy statement #1 allows s3:PutObject on Resource "arn:aws:s3:::*/*": scope it to the ARNs it needs (e.g. "arn:aws:s3:::<bucket>/*"); only unscopableActions may use "*".',
          EDGE_POLICY,
        ),
      );
    });
    it('defaults unscopableActions to the documented list, which may use "*"', async () => {
      assert.deepEqual(
        iamNoWildcardResources.configSchema?.properties.unscopableActions?.default,
        DEFAULT_UNSCOPABLE_ACTIONS,
      );
      const stack = withEdgeStatements({ Effect: 'Allow', Action: ['xray:PutTraceSegments'], Resource: '*' });
      assert.deepEqual(await check(iamNoWildcardResources, stack), []);
      const config = { 'iam-no-wildcard-resources': { unscopableActions: [] } };
      assert.equal((await check(iamNoWildcardResources, stack, config)).length, 1);
    });
  });

  describe('iam-no-not-action-or-not-resource', () => {
    it('passes the compliant stack', async () => {
      assert.deepEqual(await check(iamNoNotActionOrNotResource, compliantStack()), []);
    });
    it('reports NotAction with Allow', async () => {
      const stack = withEdgeStatements({ Effect: 'Allow', NotAction: 'iam:*', Resource: 'arn:aws:s3:::b/*' });
      assert.deepEqual(
        await check(iamNoNotActionOrNotResource, stack),
        mandatory(
          'iam-no-not-action-or-not-resource',
          'policy statement #1 uses NotAction with Allow: list the allowed actions in Action.',
          EDGE_POLICY,
        ),
      );
    });
    it('reports NotResource with Allow', async () => {
      const stack = withEdgeStatements({
        Effect: 'Allow',
        Action: 's3:GetObject',
        NotResource: 'arn:aws:s3:::b/*',
      });
      assert.deepEqual(
        await check(iamNoNotActionOrNotResource, stack),
        mandatory(
          'iam-no-not-action-or-not-resource',
          'policy statement #1 uses NotResource with Allow: list the allowed ARNs in Resource.',
          EDGE_POLICY,
        ),
      );
    });
  });

  describe('iam-no-broad-managed-policies', () => {
    const attach = (policyArn: string) => {
      const stack = compliantStack();
      stack.push({
        ...stack.find((r) => r.name === 'batch-policy')!,
        type: (aws.iam.RolePolicyAttachment as unknown as { __pulumiType: string }).__pulumiType,
        name: 'batch-attach',
        urn: urnOf(aws.iam.RolePolicyAttachment, 'batch-attach'),
        inputs: { role: 'cdn-batch', policyArn },
        outputs: { role: 'cdn-batch', policyArn },
      });
      return stack;
    };
    it('passes the compliant stack and a narrow managed policy', async () => {
      assert.deepEqual(await check(iamNoBroadManagedPolicies, compliantStack()), []);
      const basic = attach('arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole');
      assert.deepEqual(await check(iamNoBroadManagedPolicies, basic), []);
    });
    it('reports AdministratorAccess on a RolePolicyAttachment', async () => {
      assert.deepEqual(
        await check(iamNoBroadManagedPolicies, attach('arn:aws:iam::aws:policy/AdministratorAccess')),
        mandatory(
          'iam-no-broad-managed-policies',
          'attaches AWS-managed policy "AdministratorAccess", which grants far more than this program needs: attach a customer policy with the exact actions and resources instead.',
          urnOf(aws.iam.RolePolicyAttachment, 'batch-attach'),
        ),
      );
    });
    it("reports a broad policy in a role's managedPolicyArns", async () => {
      const stack = set(compliantStack(), 'batch-role', 'managedPolicyArns', [
        'arn:aws:iam::aws:policy/AmazonS3FullAccess',
      ]);
      assert.deepEqual(
        await check(iamNoBroadManagedPolicies, stack),
        mandatory(
          'iam-no-broad-managed-policies',
          'attaches AWS-managed policy "AmazonS3FullAccess", which grants far more than this program needs: attach a customer policy with the exact actions and resources instead.',
          BATCH_ROLE,
        ),
      );
    });
    it('defaults to the documented list plus every *FullAccess, both configurable', async () => {
      const props = iamNoBroadManagedPolicies.configSchema?.properties;
      assert.deepEqual(props?.disallowedPolicies?.default, DEFAULT_DISALLOWED_MANAGED_POLICIES);
      assert.equal(props?.disallowAllFullAccess?.default, true);
      const stack = attach('arn:aws:iam::aws:policy/AmazonDynamoDBFullAccess');
      assert.equal((await check(iamNoBroadManagedPolicies, stack)).length, 1);
      const config = { 'iam-no-broad-managed-policies': { disallowAllFullAccess: false } };
      assert.deepEqual(await check(iamNoBroadManagedPolicies, stack, config), []);
    });
  });

  describe('iam-no-privilege-escalation', () => {
    it('passes the compliant stack', async () => {
      assert.deepEqual(await check(iamNoPrivilegeEscalation, compliantStack()), []);
    });
    it('reports iam:PutRolePolicy granted through a wildcard', async () => {
      const stack = withEdgeStatements({
        Effect: 'Allow',
        Action: 'iam:Put*Policy',
        Resource: 'arn:aws:iam::1:role/x',
      });
      assert.deepEqual(
        await check(iamNoPrivilegeEscalation, stack),
        mandatory(
          'iam-no-privilege-escalation',
          'grants iam:PutRolePolicy, iam:PutUserPolicy, iam:PutGroupPolicy, which let the holder raise its own privileges: remove them; change IAM from the deployment pipeline, not from a workload role.',
          EDGE_POLICY,
        ),
      );
    });
    it('reports iam:PassRole with lambda:CreateFunction across statements', async () => {
      const stack = withEdgeStatements(
        { Effect: 'Allow', Action: 'iam:PassRole', Resource: 'arn:aws:iam::1:role/x' },
        {
          Effect: 'Allow',
          Action: 'lambda:CreateFunction',
          Resource: 'arn:aws:lambda:us-east-1:1:function:x',
        },
      );
      assert.deepEqual(
        await check(iamNoPrivilegeEscalation, stack),
        mandatory(
          'iam-no-privilege-escalation',
          'grants iam:PassRole together with lambda:CreateFunction, which lets the holder run code as another role: remove iam:PassRole or the other actions.',
          EDGE_POLICY,
        ),
      );
    });
    it('defaults to the documented action lists, which config replaces', async () => {
      const props = iamNoPrivilegeEscalation.configSchema?.properties;
      assert.deepEqual(props?.escalationActions?.default, DEFAULT_ESCALATION_ACTIONS);
      assert.deepEqual(props?.passRoleCompanions?.default, DEFAULT_PASS_ROLE_COMPANIONS);
      const stack = withEdgeStatements({
        Effect: 'Allow',
        Action: 'iam:CreateAccessKey',
        Resource: 'arn:aws:iam::1:user/x',
      });
      assert.equal((await check(iamNoPrivilegeEscalation, stack)).length, 1);
      const config = { 'iam-no-privilege-escalation': { escalationActions: [] } };
      assert.deepEqual(await check(iamNoPrivilegeEscalation, stack, config), []);
    });
  });

  describe('iam-trust-no-wildcard-principal', () => {
    it('passes the compliant stack', async () => {
      assert.deepEqual(await check(iamTrustNoWildcardPrincipal, compliantStack()), []);
    });
    it('reports a trust policy with Principal {"AWS": "*"}', async () => {
      const stack = set(
        compliantStack(),
        'batch-role',
        'assumeRolePolicy',
        policyDoc({ Sid: 'Anyone', Effect: 'Allow', Principal: { AWS: '*' }, Action: 'sts:AssumeRole' }),
      );
      assert.deepEqual(
        await check(iamTrustNoWildcardPrincipal, stack),
        mandatory(
          'iam-trust-no-wildcard-principal',
          'assumeRolePolicy statement "Anyone" trusts "*", so any AWS account can assume the role: name the service or account principal that needs it.',
          BATCH_ROLE,
        ),
      );
    });
  });

  describe('iam-lambda-role-trust', () => {
    const trustStack = (principal: unknown) =>
      set(
        compliantStack(),
        'batch-role',
        'assumeRolePolicy',
        policyDoc({ Effect: 'Allow', Principal: principal, Action: 'sts:AssumeRole' }),
      );
    it('passes the compliant stack', async () => {
      assert.deepEqual(await check(iamLambdaRoleTrust, compliantStack()), []);
    });
    it('reports another service next to lambda.amazonaws.com', async () => {
      const stack = trustStack({ Service: ['lambda.amazonaws.com', 'ec2.amazonaws.com'] });
      assert.deepEqual(
        await check(iamLambdaRoleTrust, stack),
        mandatory(
          'iam-lambda-role-trust',
          'Lambda role also trusts "ec2.amazonaws.com": trust only lambda.amazonaws.com and edgelambda.amazonaws.com.',
          BATCH_ROLE,
        ),
      );
    });
    it('reports an account principal next to lambda.amazonaws.com', async () => {
      const stack = trustStack({ Service: 'lambda.amazonaws.com', AWS: 'arn:aws:iam::999999999999:root' });
      assert.deepEqual(
        await check(iamLambdaRoleTrust, stack),
        mandatory(
          'iam-lambda-role-trust',
          'Lambda role also trusts "arn:aws:iam::999999999999:root": trust only lambda.amazonaws.com and edgelambda.amazonaws.com.',
          BATCH_ROLE,
        ),
      );
    });
    it('reports edgelambda without lambda', async () => {
      const stack = trustStack({ Service: 'edgelambda.amazonaws.com' });
      assert.deepEqual(
        await check(iamLambdaRoleTrust, stack),
        mandatory(
          'iam-lambda-role-trust',
          'Lambda@Edge role trusts edgelambda.amazonaws.com without lambda.amazonaws.com: trust both.',
          BATCH_ROLE,
        ),
      );
    });
    it('defaults allowedServices to lambda and edgelambda', async () => {
      assert.deepEqual(iamLambdaRoleTrust.configSchema?.properties.allowedServices?.default, [
        'lambda.amazonaws.com',
        'edgelambda.amazonaws.com',
      ]);
      const config = { 'iam-lambda-role-trust': { allowedServices: ['lambda.amazonaws.com'] } };
      const found = await check(iamLambdaRoleTrust, compliantStack(), config);
      assert.deepEqual(
        found.map((f) => f.message),
        ['Lambda role also trusts "edgelambda.amazonaws.com": trust only lambda.amazonaws.com.'],
      );
    });
  });

  describe('iam-no-user-policies', () => {
    it('passes the compliant stack', async () => {
      assert.deepEqual(await check(iamNoUserPolicies, compliantStack()), []);
    });
    it('reports a UserPolicy', async () => {
      const stack = compliantStack();
      const userPolicy = { ...stack.find((r) => r.name === 'batch-policy')! };
      userPolicy.type = (aws.iam.UserPolicy as unknown as { __pulumiType: string }).__pulumiType;
      userPolicy.urn = urnOf(aws.iam.UserPolicy, 'batch-policy');
      stack.push(userPolicy);
      assert.deepEqual(
        await check(iamNoUserPolicies, stack),
        mandatory(
          'iam-no-user-policies',
          'attaches a policy to an IAM user: grant it to a role that the workload assumes instead.',
          userPolicy.urn,
        ),
      );
    });
  });

  describe('unknown values at preview', () => {
    it('reports a mandatory violation instead of passing when the document is unknown', async () => {
      // The sentinel the engine sends for a string that depends on a resource not created yet.
      const stack = set(compliantStack(), 'edge-policy', 'policy', UNKNOWN_STRING);
      assert.deepEqual(
        await check(iamNoWildcardActions, stack),
        mandatory(
          'iam-no-wildcard-actions',
          "cannot verify at preview: string value at .policy can't be known during preview. Build the value from names known at preview (e.g. arn:aws:s3:::<bucket>), or run `npm run policy:check`, which resolves every value.",
          EDGE_POLICY,
        ),
      );
    });
  });

  it('reports a document that is not JSON', async () => {
    const stack = set(compliantStack(), 'edge-policy', 'policy', '{not json');
    const [found] = await check(iamNoWildcardActions, stack);
    assert.match(
      found?.message ?? '',
      /^policy: policy is not valid JSON .*Fix the document so it can be checked\.$/,
    );
  });
});

describe('iam stack rules', () => {
  const EDGE_ROLE = urnOf(aws.iam.Role, 'edge-role');
  const BATCH_ROLE = urnOf(aws.iam.Role, 'batch-role');
  const one = (rule: string, level: string, message: string, urn: string) => [{ rule, level, message, urn }];
  const EXPECTATION =
    'grant only s3:GetObject on arn:aws:s3:::cdn-test-originals/* and s3:PutObject on arn:aws:s3:::cdn-test-derivatives/*';
  /** The edge role policy with one more statement. */
  function edgePolicyPlus(statement: unknown) {
    const current = JSON.parse(edgePolicy) as { Statement: unknown[] };
    return set(compliantStack(), 'edge-policy', 'policy', policyDoc(...current.Statement, statement));
  }

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
