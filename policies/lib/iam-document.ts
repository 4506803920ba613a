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
  const entries = Object.entries(doc as Record<string, unknown>);
  const raw = entries.find(([k]) => k.toLowerCase() === 'statement')?.[1];
  const list = raw === undefined ? [] : Array.isArray(raw) ? raw : [raw];
  return list.map((s, i) => normaliseStatement(s, i));
}

const ELEMENTS = [
  'Sid',
  'Effect',
  'Action',
  'NotAction',
  'Resource',
  'NotResource',
  'Principal',
  'NotPrincipal',
  'Condition',
];
const canonicalElement = (key: string) => ELEMENTS.find((e) => e.toLowerCase() === key.toLowerCase()) ?? key;

function normaliseStatement(raw: unknown, index: number): Statement {
  if (raw === null || typeof raw !== 'object') {
    throw new PolicyDocumentError(`Statement[${index}] is not an object`);
  }
  // Read element names whatever their case, so "action" or "RESOURCE" is never taken for "absent".
  const s: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(raw as Record<string, unknown>)) s[canonicalElement(k)] = v;
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
  if (typeof raw === 'string') {
    // IAM accepts only "*" as a bare principal; any other string is treated as matching everyone too,
    // since a rule must never read an unusual spelling as "nobody".
    p.wildcard = true;
    return p;
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return p;
  const r: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(raw as Record<string, unknown>)) r[k.toLowerCase()] = v;
  p.aws = toArray(r.aws);
  p.service = toArray(r.service);
  p.federated = toArray(r.federated);
  p.canonicalUser = toArray(r.canonicaluser);
  // A principal type IAM does not know is read as "everyone": it must never be read as "nobody".
  const known = ['aws', 'service', 'federated', 'canonicaluser'];
  if (Object.keys(r).some((k) => !known.includes(k))) p.wildcard = true;
  // IAM allows no partial wildcard in a principal; a "*" or "?" anywhere is read as "everyone" (the strict
  // reading: the only wildcard IAM accepts there, {"AWS": "*"}, means every principal).
  p.wildcard ||= [...p.aws, ...p.service, ...p.federated, ...p.canonicalUser].some(hasWildcard);
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

/** True if an IAM pattern contains a wildcard character (`*` any run of characters, `?` one character). */
export function hasWildcard(pattern: string): boolean {
  return /[*?]/.test(pattern);
}

/**
 * The one IAM wildcard matcher every rule uses: `*` matches any run of characters (including none and
 * including ":" and "/"), `?` exactly one, everything else literally ("Policy elements: Action", "Resource":
 * IAM policy reference). Action names are case-insensitive, ARNs case-sensitive.
 */
export function iamPatternMatches(pattern: string, value: string, caseInsensitive: boolean): boolean {
  const body = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*+/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${body}$`, caseInsensitive ? 'is' : 's').test(value);
}

/** True if an IAM action pattern (`s3:Get*`, `*`) grants `action`. Action names are case-insensitive. */
export function actionMatches(pattern: string, action: string): boolean {
  return iamPatternMatches(pattern, action, true);
}

/** True if an IAM resource pattern matches `arn` exactly (ARNs are case-sensitive). */
export function resourceMatches(pattern: string, arn: string): boolean {
  return iamPatternMatches(pattern, arn, false);
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

/**
 * True if the statement allows `action`: an Allow whose Action matches it, or whose NotAction does not
 * (an Allow with NotAction grants everything it does not list).
 */
export function allowsAction(statement: Statement, action: string): boolean {
  if (statement.effect !== 'Allow') return false;
  if (statement.actions.some((a) => actionMatches(a, action))) return true;
  return statement.notActions.length > 0 && !statement.notActions.some((a) => actionMatches(a, action));
}

/** An action name no real service has, used to ask "does this pattern match actions it does not name?". */
const UNNAMED_ACTION = 'Zq9UnlistedAction';

/**
 * True if an action pattern grants every action of a service or of several: `*`, `s3:*`, `s3:**`,
 * `s3:?*`, `S3:*`, `s3*`, `*:*`. Decided with the shared matcher: the pattern is tried on an action its
 * service does not have; `s3:Get*` does not match it, a wildcard over the whole service does.
 */
export function isServiceWildcard(action: string): boolean {
  const service = /^[^:*?]*/.exec(action)?.[0] ?? '';
  return actionMatches(action, `${service || 'zq9service'}:${UNNAMED_ACTION}`);
}

/** An account no stack of this project uses, and names no stack creates, for probing resource patterns. */
const FOREIGN_ACCOUNT = '210987654321';

/**
 * True if a resource pattern matches resources it does not name: every resource (`*`, `arn:*`,
 * `arn:aws:*:*:*:*`), every bucket or object (`arn:aws:s3:::*`, `arn:aws:s3:::**`, `arn:aws:s3:::?*`,
 * every object of every bucket), any resource of its service in any account (`arn:aws:sqs:*:*:*`), or every
 * resource of a type (`arn:aws:iam::123456789012:role/*`, `arn:aws:lambda:*:*:function:*`). Patterns
 * scoped to a named resource (`arn:aws:s3:::bucket/*`, `arn:aws:logs:*:123456789012:log-group:x:*`) are
 * not. Decided with the shared matcher on probe ARNs of unrelated resources, built from the pattern's own
 * literal partition, service, region, account and resource type.
 */
export function isWildcardResource(resource: string): boolean {
  const parts = resource.split(':');
  const literal = (i: number, fallback: string) => {
    const v = parts[i];
    return v !== undefined && v !== '' && !hasWildcard(v) ? v : fallback;
  };
  const p = literal(1, 'aws');
  const svc = literal(2, 'zq9service');
  const region = literal(3, 'zq-region-1');
  const account = literal(4, FOREIGN_ACCOUNT);
  const type = /^[A-Za-z0-9_-]+[:/]/.exec(parts.slice(5).join(':'))?.[0] ?? '';
  const names = ['zq9-unrelated', 'zq9-unrelated/zq9', 'zq9-unrelated:zq9'];
  const probes = [
    ...names.map((n) => `arn:${p}:${svc}:::${n}`),
    ...names.map((n) => `arn:${p}:${svc}::${account}:${n}`),
    ...names.map((n) => `arn:${p}:${svc}:${region}:${account}:${n}`),
    ...names.map((n) => `arn:${p}:${svc}::${account}:${type}${n}`),
    ...names.map((n) => `arn:${p}:${svc}:${region}:${account}:${type}${n}`),
  ];
  return probes.some((probe) => resourceMatches(resource, probe));
}

/** Condition operators that compare a key with values and fail when the key is absent. */
const RESTRICTING_OPERATORS = [
  'StringEquals',
  'StringEqualsIgnoreCase',
  'StringLike',
  'ArnEquals',
  'ArnLike',
  'ForAnyValue:StringEquals',
  'ForAnyValue:StringLike',
];

/**
 * The values of `keys` under conditions that really restrict the request: a positive operator (not
 * `...IfExists`, which passes when the key is absent, nor a negated or `Null` test) with a value that is
 * not a bare wildcard (`StringLike "*"` matches every request). Values with wildcards are kept: callers
 * decide whether a pattern is narrow enough.
 */
export function restrictingConditionValues(statement: Statement, keys: string[]): string[] {
  const wanted = keys.map((k) => k.toLowerCase());
  const out: string[] = [];
  for (const [op, block] of Object.entries(statement.conditions)) {
    if (!RESTRICTING_OPERATORS.some((o) => o.toLowerCase() === op.toLowerCase())) continue;
    const like = /like$/i.test(op);
    for (const [k, values] of Object.entries(block)) {
      if (!wanted.includes(k.toLowerCase())) continue;
      // With a *Like operator, "*", "**", "?*" or "" match anything or nothing useful.
      if (values.length === 0 || values.some((v) => v === '' || (like && /^[*?]+$/.test(v)))) continue;
      out.push(...values);
    }
  }
  return out;
}
