// Pack-wide conventions: names, descriptions, levels, config defaults, and where each rule lives.
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { BATCH_RUNTIME, EDGE_RUNTIME } from '../../infra/limits';
import type { Policy } from '../../policies/lib/support';
import { configWithDefaults } from '../../policies/lib/support';
import { allPolicies, resourcePolicies, stackValidationPolicies } from '../../policies/rules/all';
import { cloudfrontPolicies } from '../../policies/rules/cloudfront';
import {
  DEFAULT_DISALLOWED_MANAGED_POLICIES,
  DEFAULT_ESCALATION_ACTIONS,
  DEFAULT_PASS_ROLE_COMPANIONS,
  DEFAULT_UNSCOPABLE_ACTIONS,
  iamPolicies,
} from '../../policies/rules/iam';
import { DEFAULT_DEPRECATED_RUNTIMES, lambdaPolicies } from '../../policies/rules/lambda';
import { logsPolicies } from '../../policies/rules/logs';
import { resourcePolicyPolicies } from '../../policies/rules/resource-policies';
import { s3Policies } from '../../policies/rules/s3';

/** What each configurable rule uses when --policy-pack-config says nothing. */
const DEFAULTS: Record<string, Record<string, unknown>> = {
  'iam-no-wildcard-actions': { allowedWildcardActions: [] },
  'iam-no-wildcard-resources': { unscopableActions: DEFAULT_UNSCOPABLE_ACTIONS },
  'iam-no-broad-managed-policies': {
    disallowedPolicies: DEFAULT_DISALLOWED_MANAGED_POLICIES,
    disallowAllFullAccess: true,
    disallowAllReadOnlyAccess: true,
  },
  'iam-no-privilege-escalation': {
    escalationActions: DEFAULT_ESCALATION_ACTIONS,
    passRoleCompanions: DEFAULT_PASS_ROLE_COMPANIONS,
  },
  'iam-lambda-role-trust': { allowedServices: ['lambda.amazonaws.com', 'edgelambda.amazonaws.com'] },
  's3-default-encryption': { allowedAlgorithms: ['AES256', 'aws:kms', 'aws:kms:dsse'] },
  'logs-retention': { maxRetentionDays: 3653 },
  'cloudfront-tls-minimum': { minimumProtocolVersion: 'TLSv1.2_2021' },
  'lambda-edge-in-us-east-1': { edgeTag: 'lambda-edge', region: 'us-east-1' },
  'lambda-edge-published-version': { edgeTag: 'lambda-edge' },
  'lambda-edge-restrictions': {
    edgeTag: 'lambda-edge',
    maxOriginTimeoutSeconds: 30,
    maxViewerTimeoutSeconds: 5,
  },
  'lambda-edge-runtime': { edgeTag: 'lambda-edge', deprecatedRuntimes: DEFAULT_DEPRECATED_RUNTIMES },
  'lambda-async-failure-handling': {
    asyncPrincipals: ['s3.amazonaws.com', 'sns.amazonaws.com', 'events.amazonaws.com'],
  },
  'iam-edge-role-exact-s3-access': {
    originalsMatch: 'originals',
    derivativesMatch: 'derivatives',
    allowListOriginals: true,
    edgeTag: 'lambda-edge',
  },
  'lambda-no-trigger-recursion': {
    writeActions: [
      's3:PutObject',
      's3:DeleteObject',
      's3:DeleteObjectVersion',
      's3:RestoreObject',
      's3:ReplicateObject',
    ],
  },
  'iam-lambda-trust-matches-function': { edgeTag: 'lambda-edge' },
  'iam-trust-cross-account-condition': { trustedAccounts: [] },
  'iam-role-no-split-privilege-escalation': {
    escalationActions: DEFAULT_ESCALATION_ACTIONS,
    passRoleCompanions: DEFAULT_PASS_ROLE_COMPANIONS,
  },
  's3-no-public-grants': { trustedAccounts: [] },
  'resource-policy-no-public-or-cross-account': { trustedAccounts: [] },
  'lambda-permission-no-public-or-cross-account': { trustedAccounts: [] },
};

const MANDATORY = [
  'iam-no-wildcard-actions',
  'iam-no-wildcard-resources',
  'iam-no-not-action-or-not-resource',
  'iam-no-broad-managed-policies',
  'iam-no-privilege-escalation',
  'iam-trust-no-wildcard-principal',
  'iam-lambda-role-trust',
  'iam-no-user-policies',
  'iam-edge-role-exact-s3-access',
  'iam-replication-role-least-privilege',
  'iam-lambda-trust-matches-function',
  's3-public-access-block-all-flags',
  's3-no-public-grants',
  's3-cloudfront-reads-via-oac',
  's3-bucket-has-access-block-and-policy',
  'lambda-permission-source-restricted',
  'lambda-no-trigger-recursion',
  // AWS rejects an edge function that breaks these, so they fail the PR, not the deployment.
  'lambda-edge-in-us-east-1',
  'lambda-edge-published-version',
  'lambda-edge-restrictions',
  // Issue 11: what an attacker or a careless teammate could add, which this project would never do.
  'iam-trust-cross-account-condition',
  'iam-role-no-split-privilege-escalation',
  'resource-policy-no-public-or-cross-account',
  'lambda-permission-no-public-or-cross-account',
  'lambda-function-url-auth',
  's3-oac-grants-this-distribution',
  'cloudfront-https-only',
  'cloudfront-tls-minimum',
  'lambda-async-failure-handling',
];

describe('policy pack', () => {
  it('has unique kebab-case rule names and a description for each', () => {
    const names = allPolicies.map((p) => p.name);
    assert.equal(new Set(names).size, names.length);
    for (const p of allPolicies) {
      assert.match(p.name, /^[a-z0-9]+(-[a-z0-9]+)+$/, p.name);
      assert.ok(p.description.length > 20, `${p.name} has a description`);
    }
  });

  it('makes IAM, public-access, recursion and edge-restriction rules mandatory and the rest advisory', () => {
    const levels = Object.fromEntries(allPolicies.map((p) => [p.name, p.enforcementLevel]));
    for (const name of MANDATORY) assert.equal(levels[name], 'mandatory', name);
    for (const p of allPolicies.filter((q) => !MANDATORY.includes(q.name))) {
      assert.equal(p.enforcementLevel, 'advisory', p.name);
    }
  });

  it('gives every config property a default and never declares enforcementLevel', () => {
    for (const p of allPolicies) {
      for (const [key, schema] of Object.entries(p.configSchema?.properties ?? {})) {
        assert.notEqual(key, 'enforcementLevel');
        assert.ok(
          typeof schema === 'object' && schema.default !== undefined,
          `${p.name}.${key} has a default`,
        );
      }
    }
  });

  it('resolves each configurable rule to its documented defaults, and config overrides one key', () => {
    const configurable = allPolicies.filter((p) => p.configSchema).map((p) => p.name);
    assert.deepEqual(configurable.sort(), Object.keys(DEFAULTS).sort());
    for (const p of allPolicies.filter((q) => q.configSchema)) {
      const none = configWithDefaults(p.configSchema!, { getConfig: <T>() => ({}) as T });
      assert.deepEqual(none, DEFAULTS[p.name], p.name);
    }
    const logs = allPolicies.find((p) => p.name === 'logs-retention')!;
    const set = configWithDefaults(logs.configSchema!, {
      getConfig: <T>() => ({ maxRetentionDays: 14 }) as T,
    });
    assert.deepEqual(set, { maxRetentionDays: 14 });
  });

  // all.ts splits the rules by what they validate: a rule with neither function, or both, would be
  // dropped or served twice.
  it('files every rule as exactly one of a resource rule and a stack rule, and serves all of them', () => {
    assert.equal(resourcePolicies.length + stackValidationPolicies.length, allPolicies.length);
    for (const p of allPolicies) {
      const kinds = ['validateResource', 'validateStack'].filter(
        (f) => typeof (p as never)[f] === 'function',
      );
      assert.equal(kinds.length, 1, `${p.name} validates ${kinds.join(' and ') || 'nothing'}`);
    }
    const index = readFileSync(join(__dirname, '..', '..', 'policies', 'index.ts'), 'utf8');
    assert.match(index, /policies: allPolicies/);
  });

  it("keeps each rule in its service's module, named after the service", () => {
    const modules: Record<string, readonly Policy[]> = {
      iam: iamPolicies,
      s3: s3Policies,
      lambda: lambdaPolicies,
      cloudfront: cloudfrontPolicies,
      logs: logsPolicies,
      'resource-policy': resourcePolicyPolicies,
    };
    for (const [service, rules] of Object.entries(modules))
      for (const rule of rules) assert.ok(rule.name.startsWith(`${service}-`), `${rule.name} in ${service}`);
    assert.equal(Object.values(modules).flat().length, allPolicies.length);
  });

  // The DEFAULTS rows above take these lists from the modules; here is what each list exists for.
  it('ships default lists that hold what they exist for', () => {
    for (const admin of ['AdministratorAccess', 'PowerUserAccess', 'IAMFullAccess', 'AmazonS3FullAccess'])
      assert.ok(DEFAULT_DISALLOWED_MANAGED_POLICIES.includes(admin), admin);
    for (const escalation of ['iam:PutRolePolicy', 'iam:AttachRolePolicy', 'iam:CreatePolicyVersion'])
      assert.ok(DEFAULT_ESCALATION_ACTIONS.includes(escalation), escalation);
    assert.ok(DEFAULT_PASS_ROLE_COMPANIONS.includes('lambda:CreateFunction'));
    for (const scoped of ['s3:GetObject', 's3:PutObject', 'logs:PutLogEvents', 'sqs:SendMessage'])
      assert.ok(!DEFAULT_UNSCOPABLE_ACTIONS.includes(scoped), `${scoped} takes a resource ARN`);
    assert.ok(DEFAULT_DEPRECATED_RUNTIMES.includes('nodejs18.x'));
    for (const runtime of [EDGE_RUNTIME, BATCH_RUNTIME])
      assert.ok(
        !DEFAULT_DEPRECATED_RUNTIMES.includes(runtime),
        `the stack's own ${runtime} is not deprecated`,
      );
  });

  it('pins the pack to the same SDK versions as the program', () => {
    const root = JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8'));
    const pack = JSON.parse(readFileSync(join(__dirname, '..', '..', 'policies', 'package.json'), 'utf8'));
    const all = { ...root.dependencies, ...root.devDependencies };
    for (const name of ['@pulumi/policy', '@pulumi/pulumi', '@pulumi/aws']) {
      assert.equal(pack.dependencies[name], all[name], name);
    }
  });
});
