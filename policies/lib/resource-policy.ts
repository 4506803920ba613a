// What a resource policy (bucket, queue, topic, key, ... policy) grants and to whom, judged the same way for
// every service: nobody may be granted access as "*" or as "everyone except" (NotPrincipal), an Allow may
// not use NotAction/NotResource, and no other AWS account may be granted anything unless the pack's config
// names it. Services are granted only with a condition naming the source (the confused-deputy guard).
import {
  hasWildcard,
  isServiceWildcard,
  isWildcardResource,
  restrictingConditionValues,
  Statement,
} from './iam-document';

/** The AWS account a principal names: a bare 12-digit id or the account field of an IAM/STS ARN. */
export function principalAccount(principal: string): string | undefined {
  if (/^\d{12}$/.test(principal)) return principal;
  return /^arn:[^:]+:(?:iam|sts)::(\d{12}):/.exec(principal)?.[1];
}

export function statementLabel(s: Statement, index: number): string {
  return s.sid ? `statement "${s.sid}"` : `statement #${index + 1}`;
}

/** Condition keys that tie a service principal's request to one source resource or account. */
export const SOURCE_KEYS = ['aws:SourceArn', 'aws:SourceAccount', 'aws:SourceOrgID', 'aws:SourceOrgPaths'];

/** A condition value that names nothing: a bare wildcard, an ARN of any resource, or of any account. */
function namesNothing(value: string): boolean {
  if (/^[*?]+$/.test(value) || isWildcardResource(value)) return true;
  const account = value.startsWith('arn:') ? value.split(':')[4] : undefined;
  return account !== undefined && hasWildcard(account);
}

/**
 * The values of `keys` under conditions that restrict the request (see restrictingConditionValues), minus
 * those that still name nothing in particular (`arn:aws:s3:::*`, `arn:aws:iam::*:root`).
 */
export function restrictingValues(s: Statement, keys: string[]): string[] {
  return restrictingConditionValues(s, keys).filter((v) => !namesNothing(v));
}

/** True if the statement's conditions pin the request's source to something narrower than "anything". */
export function restrictsSource(s: Statement, keys: string[] = SOURCE_KEYS): boolean {
  return restrictingValues(s, keys).length > 0;
}

export interface GrantOptions {
  /** Prefix of each message, e.g. "bucket policy" or "queue policy". */
  label: string;
  /** Accounts that may be granted access (pack config). */
  trustedAccounts: string[];
  /** Service principals judged by another rule (the OAC rule judges cloudfront.amazonaws.com). */
  servicesJudgedElsewhere?: string[];
}

/** One message per grant that opens the resource beyond this stack. */
export function openGrants(statements: Statement[], options: GrantOptions): string[] {
  const out: string[] = [];
  const { label, trustedAccounts } = options;
  const elsewhere = (options.servicesJudgedElsewhere ?? []).map((s) => s.toLowerCase());
  statements.forEach((s, i) => {
    if (s.effect !== 'Allow') return;
    const where = `${label} ${statementLabel(s, i)}`;
    if (s.notPrincipals) {
      out.push(
        `${where} uses NotPrincipal with Allow, which grants everyone not listed: name the principals in Principal.`,
      );
    }
    if (s.notActions.length > 0) {
      out.push(
        `${where} uses NotAction with Allow, which grants every action not listed: list them in Action.`,
      );
    }
    if (s.notResources.length > 0) {
      out.push(
        `${where} uses NotResource with Allow, which grants every resource not listed: list them in Resource.`,
      );
    }
    const everything = s.actions.filter(isServiceWildcard);
    if (everything.length > 0) {
      out.push(`${where} allows "${everything.join('", "')}": grant only the actions the principal needs.`);
    }
    const p = s.principals;
    if (!p) return;
    if (p.wildcard) {
      out.push(
        `${where} allows Principal "*": grant only named principals ` +
          '(CloudFront reads through OAC with an AWS:SourceArn condition).',
      );
      return;
    }
    for (const principal of [...p.aws, ...p.canonicalUser, ...p.federated]) {
      const account = principalAccount(principal);
      if (account !== undefined && trustedAccounts.includes(account)) continue;
      out.push(
        `${where} grants ${account ? `account ${account} (${principal})` : `"${principal}"`}: this program ` +
          'grants its resources only to AWS services of this stack; remove the grant or add the account ' +
          'to trustedAccounts.',
      );
    }
    for (const service of p.service) {
      if (elsewhere.includes(service.toLowerCase()) || hasWildcard(service)) continue;
      if (!restrictsSource(s)) {
        out.push(
          `${where} grants ${service} without a condition naming the source: add ` +
            '{"StringEquals": {"aws:SourceArn": "<this stack\'s resource ARN>"}} (or aws:SourceAccount).',
        );
      }
    }
  });
  return out;
}
