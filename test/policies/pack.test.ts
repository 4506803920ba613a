// Pack-wide conventions: names, descriptions, levels, config defaults, and where each rule lives.
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { allPolicies, resourcePolicies, stackValidationPolicies } from '../../policies/rules/all';

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

  it('splits resource and stack rules, and serves all of them', () => {
    assert.equal(resourcePolicies.length + stackValidationPolicies.length, allPolicies.length);
    for (const p of stackValidationPolicies) assert.equal(typeof p.validateStack, 'function', p.name);
    for (const p of resourcePolicies) assert.equal(typeof p.validateResource, 'function', p.name);
    const index = readFileSync(join(__dirname, '..', '..', 'policies', 'index.ts'), 'utf8');
    assert.match(index, /policies: allPolicies/);
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
