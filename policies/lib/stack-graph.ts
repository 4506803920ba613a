// Relations between registered resources, for stack rules: which bucket a companion belongs to, which role a
// function runs as, which functions a distribution calls at the edge. Each link is found from the resource
// graph first (propertyDependencies, which stay known at preview) and from output values second, so a rule
// can follow a link even while the ARN that forms it is still unknown.
import { PolicyResource, UnknownValueError } from '@pulumi/policy';

import { parsePolicyDocument, Statement, toArray } from './iam-document';
import { BUCKET_TYPES, RESOURCE_TYPES } from './resource-types';
import { asArray, asRecord } from './support';

/** Reads a value, returning undefined instead of throwing when it is unknown at preview. */
export function peek<V>(read: () => V): V | undefined {
  try {
    return read();
  } catch (e) {
    if (e instanceof UnknownValueError) return undefined;
    throw e;
  }
}

export function ofType(resources: PolicyResource[], ...types: string[]): PolicyResource[] {
  return resources.filter((r) => types.includes(r.type));
}

/** True if `from.props[property]` was built from `to` (an Output of `to` flowed into it). */
export function dependsThrough(from: PolicyResource, property: string, to: PolicyResource): boolean {
  return (from.propertyDependencies[property] ?? []).some((d) => d.urn === to.urn);
}

/** The physical bucket name: `bucket` output, else id, else the logical name. */
export function bucketName(bucket: PolicyResource): string {
  const name = peek(() => bucket.props.bucket) ?? peek(() => bucket.props.id);
  if (typeof name === 'string' && name !== '') return name;
  throw new UnknownValueError('04da6b54-80e4-46f7-96ec-b56ff0331ba9', [bucket.name, 'bucket']);
}

export function bucketArn(bucket: PolicyResource): string {
  return `arn:aws:s3:::${bucketName(bucket)}`;
}

/** The bucket a companion resource (`bucket` input) configures. */
export function bucketOf(companion: PolicyResource, buckets: PolicyResource[]): PolicyResource | undefined {
  const byGraph = buckets.find((b) => dependsThrough(companion, 'bucket', b));
  if (byGraph) return byGraph;
  const value = peek(() => companion.props.bucket);
  if (typeof value !== 'string') return undefined;
  return buckets.find((b) => peek(() => bucketName(b)) === value);
}

export function companionsOf(bucket: PolicyResource, all: PolicyResource[], type: string): PolicyResource[] {
  const buckets = ofType(all, ...BUCKET_TYPES);
  return ofType(all, type).filter((c) => bucketOf(c, buckets)?.urn === bucket.urn);
}

/** The role a function runs as. */
export function roleOf(fn: PolicyResource, roles: PolicyResource[]): PolicyResource | undefined {
  const byGraph = roles.find((r) => dependsThrough(fn, 'role', r));
  if (byGraph) return byGraph;
  const arn = peek(() => fn.props.role);
  if (typeof arn !== 'string') return undefined;
  return roles.find(
    (r) => peek(() => r.props.arn) === arn || arn.endsWith(`:role/${peek(() => r.props.name)}`),
  );
}

/** True if `ref.props[property]` (a role name, id or ARN, or a list of them) names `role`. */
function namesRole(ref: PolicyResource, property: string, role: PolicyResource): boolean {
  if (dependsThrough(ref, property, role)) return true;
  const value = peek(() => ref.props[property]);
  const ids = [peek(() => role.props.name), peek(() => role.props.id), peek(() => role.props.arn)].filter(
    (v): v is string => typeof v === 'string' && v !== '',
  );
  return toArray(value).some((v) => ids.includes(v));
}

export interface RoleStatement {
  statement: Statement;
  /** Where it came from, for messages. */
  source: string;
}

/**
 * Every Allow/Deny statement that applies to a role, by every route a policy reaches a role: its
 * `inlinePolicies`, RolePolicy resources on it, and customer Policy resources attached through its
 * `managedPolicyArns`, RolePolicyAttachment, PolicyAttachment (`roles`) or RolePolicyAttachmentsExclusive.
 * AWS-managed policies are not expanded (their text is not in the stack); iam-no-broad-managed-policies
 * refuses the broad ones on every one of those routes.
 */
export function roleStatements(role: PolicyResource, all: PolicyResource[]): RoleStatement[] {
  const out: RoleStatement[] = [];
  const add = (document: unknown, source: string) => {
    for (const statement of parsePolicyDocument(document)) out.push({ statement, source });
  };
  for (const p of asArray(role.props.inlinePolicies)) {
    const inline = asRecord(p);
    add(inline.policy, `inline policy "${String(inline.name ?? '')}"`);
  }
  for (const rp of ofType(all, RESOURCE_TYPES.rolePolicy).filter((r) => namesRole(r, 'role', role))) {
    add(rp.props.policy, rp.urn);
  }
  const policies = ofType(all, RESOURCE_TYPES.policy);
  const attached = new Set<PolicyResource>();
  const attach = (ref: PolicyResource, property: string) => {
    // By ARN, and by the resource graph (an Output of the Policy flowed in) while the ARN is unknown.
    const arns = toArray(peek(() => ref.props[property]));
    for (const p of policies) {
      if (dependsThrough(ref, property, p) || arns.includes(String(peek(() => p.props.arn)))) attached.add(p);
    }
  };
  attach(role, 'managedPolicyArns');
  for (const att of ofType(all, RESOURCE_TYPES.rolePolicyAttachment).filter((a) =>
    namesRole(a, 'role', role),
  )) {
    attach(att, 'policyArn');
  }
  for (const att of ofType(all, RESOURCE_TYPES.policyAttachment).filter((a) => namesRole(a, 'roles', role))) {
    attach(att, 'policyArn');
  }
  const exclusive = ofType(all, RESOURCE_TYPES.rolePolicyAttachmentsExclusive);
  for (const att of exclusive.filter((a) => namesRole(a, 'roleName', role))) attach(att, 'policyArns');
  for (const policy of attached) add(policy.props.policy, policy.urn);
  return out;
}

export interface EdgeAssociation {
  distribution: PolicyResource;
  eventType: string;
  /** The ARN the association names, or undefined while it is unknown. */
  lambdaArn?: string;
}

function cacheBehaviors(distribution: PolicyResource): Record<string, unknown>[] {
  return [
    asRecord(distribution.props.defaultCacheBehavior),
    ...asArray(distribution.props.orderedCacheBehaviors).map(asRecord),
  ];
}

function arnMatches(fn: PolicyResource, arn: string): boolean {
  const base = peek(() => fn.props.arn);
  return typeof base === 'string' && (arn === base || arn.startsWith(`${base}:`));
}

/** The edge associations that call `fn`, by ARN or, while ARNs are unknown, by dependency. */
export function edgeAssociations(fn: PolicyResource, all: PolicyResource[]): EdgeAssociation[] {
  const out: EdgeAssociation[] = [];
  for (const distribution of ofType(all, RESOURCE_TYPES.distribution)) {
    const dependsOnFn = ['defaultCacheBehavior', 'orderedCacheBehaviors'].some((p) =>
      dependsThrough(distribution, p, fn),
    );
    for (const behavior of cacheBehaviors(distribution)) {
      for (const a of asArray(behavior.lambdaFunctionAssociations).map(asRecord)) {
        const lambdaArn = peek(() => a.lambdaArn);
        const eventType = String(peek(() => a.eventType) ?? 'origin-response');
        if (typeof lambdaArn === 'string' ? arnMatches(fn, lambdaArn) : dependsOnFn) {
          out.push({
            distribution,
            eventType,
            lambdaArn: typeof lambdaArn === 'string' ? lambdaArn : undefined,
          });
        }
      }
    }
  }
  return out;
}

export const DEFAULT_EDGE_TAG = 'lambda-edge';

/** Functions associated with a distribution, or tagged `<edgeTag>: "true"`. */
export function edgeFunctions(all: PolicyResource[], edgeTag: string): PolicyResource[] {
  return ofType(all, RESOURCE_TYPES.lambdaFunction).filter(
    (fn) => edgeAssociations(fn, all).length > 0 || peek(() => asRecord(fn.props.tags)[edgeTag]) === 'true',
  );
}

/** The region a resource is created in: its own `region` input (aws v7), else its provider's. */
export function regionOf(r: {
  props: Record<string, unknown>;
  provider?: { props: Record<string, unknown> };
}) {
  const own = r.props.region;
  if (typeof own === 'string' && own !== '') return own;
  const fromProvider = r.provider?.props.region;
  return typeof fromProvider === 'string' && fromProvider !== '' ? fromProvider : undefined;
}

/** Functions invoked asynchronously: S3 notification targets and functions a service may invoke. */
export function notificationTargets(notification: PolicyResource, fns: PolicyResource[]) {
  return asArray(notification.props.lambdaFunctions)
    .map(asRecord)
    .map((entry) => {
      const arn = peek(() => entry.lambdaFunctionArn);
      const byArn = typeof arn === 'string' ? fns.find((f) => arnMatches(f, arn)) : undefined;
      const byGraph = fns.filter((f) => dependsThrough(notification, 'lambdaFunctions', f));
      return {
        fn: byArn ?? (byGraph.length === 1 ? byGraph[0] : undefined),
        events: toArray(entry.events),
        prefix: String(entry.filterPrefix ?? ''),
      };
    });
}
