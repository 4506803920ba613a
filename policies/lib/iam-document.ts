// Parsing and matching helpers for IAM policy documents, shared by every rule that reads one.
// IAM accepts a string or an array for Statement/Action/Resource and a JSON string or an object for the
// document itself, so everything is normalised here once and rules only ever see arrays.

export interface Principals {
  /** `"Principal": "*"` or `{"AWS": "*"}`: anyone. */
  wildcard: boolean;
  aws: string[];
  service: string[];
  federated: string[];
  canonicalUser: string[];
}

export interface Statement {
  sid?: string;
  effect: 'Allow' | 'Deny';
  actions: string[];
  notActions: string[];
  resources: string[];
  notResources: string[];
  principals?: Principals;
  notPrincipals?: Principals;
  /** Condition operator -> condition key -> values, keys as written. */
  conditions: Record<string, Record<string, string[]>>;
}

export class PolicyDocumentError extends Error {}

/** Turns a scalar, an array or nothing into an array of strings. */
export function toArray(value: unknown): string[] {
  if (value === undefined || value === null) return [];
  if (Array.isArray(value)) return value.map((v) => String(v));
  return [String(value)];
}

/** Accepts a JSON string or an object (Pulumi takes both) and returns its statements, normalised. */
export function parsePolicyDocument(document: unknown): Statement[] {
  let doc: unknown = document;
  if (typeof document === 'string') {
    try {
      doc = JSON.parse(document);
    } catch (e) {
      throw new PolicyDocumentError(`policy is not valid JSON (${(e as Error).message})`);
    }
  }
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) {
    throw new PolicyDocumentError('policy document is not a JSON object');
  }
  const raw = (doc as Record<string, unknown>).Statement;
  const list = raw === undefined ? [] : Array.isArray(raw) ? raw : [raw];
  return list.map((s, i) => normaliseStatement(s, i));
}

function normaliseStatement(raw: unknown, index: number): Statement {
  if (raw === null || typeof raw !== 'object') {
    throw new PolicyDocumentError(`Statement[${index}] is not an object`);
  }
  const s = raw as Record<string, unknown>;
  const effect = s.Effect;
  if (effect !== 'Allow' && effect !== 'Deny') {
    throw new PolicyDocumentError(`Statement[${index}] has Effect ${JSON.stringify(effect)}`);
  }
  return {
    sid: typeof s.Sid === 'string' ? s.Sid : undefined,
    effect,
    actions: toArray(s.Action),
    notActions: toArray(s.NotAction),
    resources: toArray(s.Resource),
    notResources: toArray(s.NotResource),
    principals: s.Principal === undefined ? undefined : normalisePrincipals(s.Principal),
    notPrincipals: s.NotPrincipal === undefined ? undefined : normalisePrincipals(s.NotPrincipal),
    conditions: normaliseConditions(s.Condition),
  };
}

export function normalisePrincipals(raw: unknown): Principals {
  const p: Principals = { wildcard: false, aws: [], service: [], federated: [], canonicalUser: [] };
  if (raw === '*') {
    p.wildcard = true;
    return p;
  }
  if (raw === null || typeof raw !== 'object') return p;
  const r = raw as Record<string, unknown>;
  p.aws = toArray(r.AWS);
  p.service = toArray(r.Service);
  p.federated = toArray(r.Federated);
  p.canonicalUser = toArray(r.CanonicalUser);
  p.wildcard = p.aws.includes('*');
  return p;
}

function normaliseConditions(raw: unknown): Record<string, Record<string, string[]>> {
  const out: Record<string, Record<string, string[]>> = {};
  if (raw === null || typeof raw !== 'object') return out;
  for (const [op, block] of Object.entries(raw as Record<string, unknown>)) {
    out[op] = {};
    if (block === null || typeof block !== 'object') continue;
    for (const [key, values] of Object.entries(block as Record<string, unknown>)) {
      out[op]![key] = toArray(values);
    }
  }
  return out;
}

/** Values of a condition key under any operator; IAM condition keys are case-insensitive. */
export function conditionValues(statement: Statement, key: string, operators?: string[]): string[] {
  const wanted = key.toLowerCase();
  const out: string[] = [];
  for (const [op, block] of Object.entries(statement.conditions)) {
    if (operators && !operators.includes(op)) continue;
    for (const [k, values] of Object.entries(block)) {
      if (k.toLowerCase() === wanted) out.push(...values);
    }
  }
  return out;
}

function globToRegExp(pattern: string, caseInsensitive: boolean): RegExp {
  const body = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${body}$`, caseInsensitive ? 'i' : '');
}

/** True if an IAM action pattern (`s3:Get*`, `*`) grants `action`. Action names are case-insensitive. */
export function actionMatches(pattern: string, action: string): boolean {
  return globToRegExp(pattern, true).test(action);
}

/** True if an IAM resource pattern matches `arn` exactly (ARNs are case-sensitive). */
export function resourceMatches(pattern: string, arn: string): boolean {
  return globToRegExp(pattern, false).test(arn);
}

/**
 * True if the resource pattern matches at least one string that starts with `prefix`, for example whether
 * `arn:aws:s3:::b/*` can reach some key under `arn:aws:s3:::b/uploads/`. Once the prefix is consumed the
 * rest of the pattern can always be satisfied by some suffix, and a `*` can swallow what is left of it.
 */
export function resourceReachesPrefix(pattern: string, prefix: string): boolean {
  let i = 0;
  for (const ch of pattern) {
    if (i >= prefix.length) return true;
    if (ch === '*') return true;
    if (ch !== '?' && ch !== prefix[i]) return false;
    i++;
  }
  return i >= prefix.length;
}

/** True if the statement allows an action matching `action` (honours wildcards in the grant). */
export function allowsAction(statement: Statement, action: string): boolean {
  return statement.effect === 'Allow' && statement.actions.some((a) => actionMatches(a, action));
}

/** An `svc:*` or bare `*` action. */
export function isServiceWildcard(action: string): boolean {
  return action === '*' || /^[a-z0-9-]+:\*$/i.test(action);
}
