// Formats violations like `pulumi preview --policy-pack`: one block per rule with its level and
// description, then each offending resource's URN and the message saying how to fix it.
import type { PolicyPackConfig } from '@pulumi/policy';

import { AnyPolicy, levelOf, RegisteredResource, Violation } from './evaluate';

export interface CheckResult {
  pack: { name: string; version: string };
  stack: string;
  program: string;
  resources: RegisteredResource[];
  policies: AnyPolicy[];
  violations: Violation[];
  config: PolicyPackConfig;
}

export function summary(violations: Violation[]) {
  return {
    mandatory: violations.filter((v) => v.enforcementLevel === 'mandatory').length,
    advisory: violations.filter((v) => v.enforcementLevel === 'advisory').length,
  };
}

export function formatText(result: CheckResult): string {
  const { mandatory, advisory } = summary(result.violations);
  const mark = mandatory > 0 ? '❌' : advisory > 0 ? '⚠️' : '✅';
  const lines = [
    'Policies:',
    `    ${mark} ${result.pack.name}@v${result.pack.version} (offline: stack ${result.stack}, ` +
      `${result.resources.length} resources, ${result.policies.length} rules)`,
  ];
  const byRule = new Map<string, Violation[]>();
  for (const v of result.violations) byRule.set(v.policyName, [...(byRule.get(v.policyName) ?? []), v]);
  for (const [rule, violations] of byRule) {
    const first = violations[0]!;
    lines.push(`        - [${first.enforcementLevel}]  ${rule}`, `          ${first.description}`);
    for (const v of violations) {
      lines.push(`            ${v.urn ?? '(stack)'}`, `              ${v.message}`);
    }
  }
  lines.push(
    '',
    `${mandatory} mandatory and ${advisory} advisory violation(s) in ${byRule.size} rule(s).` +
      (mandatory > 0 ? ' Mandatory violations fail the check.' : ''),
  );
  return lines.join('\n');
}

export function formatJson(result: CheckResult): string {
  const typeOf = new Map(result.resources.map((r) => [r.urn, r]));
  return JSON.stringify(
    {
      policyPack: result.pack,
      stack: result.stack,
      program: result.program,
      resources: result.resources.length,
      rules: result.policies.map((p) => ({
        name: p.name,
        enforcementLevel: levelOf(p, result.config),
      })),
      violations: result.violations.map((v) => ({
        ...v,
        resourceType: v.urn ? typeOf.get(v.urn)?.type : undefined,
        resourceName: v.urn ? typeOf.get(v.urn)?.name : undefined,
      })),
      summary: summary(result.violations),
    },
    null,
    2,
  );
}
