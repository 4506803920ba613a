// Evaluates the pack's rules against recorded resources the way the CrossGuard analyzer does: resource rules
// see each resource's inputs, stack rules see every resource's outputs with parent, dependencies and
// propertyDependencies linked, config comes from a --policy-pack-config style object, and props go through
// the SDK's unknown-checking proxy.
import {
  EnforcementLevel,
  PolicyPackConfig,
  PolicyProviderResource,
  PolicyResource,
  ResourceValidationArgs,
  ResourceValidationPolicy,
  StackValidationPolicy,
  unknownCheckingProxy,
} from '@pulumi/policy';

/** One resource as the program registered it. */
export interface RegisteredResource {
  type: string;
  name: string;
  urn: string;
  custom: boolean;
  inputs: Record<string, unknown>;
  /** What the (mock) provider returned: inputs plus computed ids and ARNs. */
  outputs: Record<string, unknown>;
  provider?: PolicyProviderResource;
  parent?: string;
  dependencies: string[];
  propertyDependencies: Record<string, string[]>;
}

export interface Violation {
  policyName: string;
  description: string;
  enforcementLevel: EnforcementLevel;
  message: string;
  urn?: string;
}

export type AnyPolicy = ResourceValidationPolicy | StackValidationPolicy;

class NotApplicable extends Error {}

/** A rule's effective level: --policy-pack-config, else the rule's own, else the pack's. */
export function levelOf(
  policy: AnyPolicy,
  config: PolicyPackConfig,
  packLevel: EnforcementLevel = 'advisory',
): EnforcementLevel {
  const entry = config[policy.name];
  const configured = typeof entry === 'string' ? entry : entry?.enforcementLevel;
  const level = configured ?? policy.enforcementLevel ?? packLevel;
  // As in the analyzer: a violation that survives remediation is reported as mandatory.
  return level === 'remediate' ? 'mandatory' : level;
}

function configOf(policy: AnyPolicy, config: PolicyPackConfig): () => object {
  return () => {
    const entry = config[policy.name];
    if (entry === undefined || typeof entry === 'string') return {};
    // eslint-disable-next-line @typescript-eslint/no-unused-vars
    const { enforcementLevel, ...properties } = entry;
    return properties;
  };
}

const isTypeOf = (type: string) => (cls: unknown) => (cls as { __pulumiType?: string }).__pulumiType === type;

/** The options a policy sees: the engine's defaults, plus the parent the program gave. */
function resourceOptions(r: RegisteredResource) {
  return {
    protect: false,
    ignoreChanges: [],
    aliases: [],
    customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
    additionalSecretOutputs: [],
    ...(r.parent ? { parent: r.parent } : {}),
  };
}

function resourceArgs(
  r: RegisteredResource,
  policy: AnyPolicy,
  config: PolicyPackConfig,
): ResourceValidationArgs {
  const props = unknownCheckingProxy(r.inputs) as Record<string, unknown>;
  return {
    type: r.type,
    props,
    urn: r.urn,
    name: r.name,
    opts: resourceOptions(r),
    ...(r.provider ? { provider: r.provider } : {}),
    stackTags: new Map(),
    isType: isTypeOf(r.type),
    asType: ((cls: unknown) =>
      isTypeOf(r.type)(cls) ? props : undefined) as ResourceValidationArgs['asType'],
    getConfig: configOf(policy, config) as ResourceValidationArgs['getConfig'],
    notApplicable: (reason?: string) => {
      throw new NotApplicable(reason);
    },
  };
}

/** Stack-rule view of the resources: outputs as props, parent and dependencies as resource objects. */
export function policyResources(records: RegisteredResource[]): PolicyResource[] {
  const byUrn = new Map<string, PolicyResource>();
  const resources = records.map((r) => {
    const props = unknownCheckingProxy(r.outputs) as Record<string, unknown>;
    const resource: PolicyResource = {
      type: r.type,
      props,
      urn: r.urn,
      name: r.name,
      opts: resourceOptions(r),
      ...(r.provider ? { provider: r.provider } : {}),
      dependencies: [],
      propertyDependencies: {},
      isType: isTypeOf(r.type),
      asType: ((cls: unknown) => (isTypeOf(r.type)(cls) ? props : undefined)) as PolicyResource['asType'],
    };
    byUrn.set(r.urn, resource);
    return resource;
  });
  const resolve = (urns: string[]) => urns.map((u) => byUrn.get(u)).filter((x): x is PolicyResource => !!x);
  records.forEach((r, i) => {
    const resource = resources[i]!;
    if (r.parent && byUrn.has(r.parent)) resource.parent = byUrn.get(r.parent);
    resource.dependencies = resolve(r.dependencies);
    for (const [key, urns] of Object.entries(r.propertyDependencies)) {
      resource.propertyDependencies[key] = resolve(urns);
    }
  });
  return resources;
}

function isStackPolicy(p: AnyPolicy): p is StackValidationPolicy {
  return typeof (p as StackValidationPolicy).validateStack === 'function';
}

export interface EvaluateOptions {
  config?: PolicyPackConfig;
  /** The pack's default level for rules that set none (the SDK's default is advisory). */
  packEnforcementLevel?: EnforcementLevel;
}

/** Runs every enabled rule; a rule that throws is reported as a mandatory failure of that rule. */
export async function evaluate(
  records: RegisteredResource[],
  policies: AnyPolicy[],
  options: EvaluateOptions = {},
): Promise<Violation[]> {
  const config = options.config ?? {};
  const violations: Violation[] = [];
  for (const policy of policies) {
    const enforcementLevel = levelOf(policy, config, options.packEnforcementLevel ?? 'advisory');
    if (enforcementLevel === 'disabled') continue;
    const push = (message: string, urn?: string) =>
      violations.push({
        policyName: policy.name,
        description: policy.description,
        enforcementLevel,
        message,
        urn,
      });
    const guard = async (urn: string | undefined, run: () => Promise<void> | void) => {
      try {
        await run();
      } catch (e) {
        if (e instanceof NotApplicable) return;
        // The CLI would abort the preview; here the rule is reported as failing, never as passing.
        violations.push({
          policyName: policy.name,
          description: policy.description,
          enforcementLevel: 'mandatory',
          message: `rule failed: ${(e as Error).message}`,
          urn,
        });
      }
    };
    if (isStackPolicy(policy)) {
      const args = {
        resources: policyResources(records),
        stackTags: new Map<string, string>(),
        getConfig: configOf(policy, config) as ResourceValidationArgs['getConfig'],
        notApplicable: (reason?: string): never => {
          throw new NotApplicable(reason);
        },
      };
      await guard(undefined, () => policy.validateStack(args, push));
      continue;
    }
    const validations = Array.isArray(policy.validateResource)
      ? policy.validateResource
      : policy.validateResource
        ? [policy.validateResource]
        : [];
    for (const r of records) {
      for (const validate of validations) {
        const tag = (validate as { __pulumiType?: string }).__pulumiType;
        if (tag && tag !== r.type) continue;
        await guard(r.urn, () =>
          validate(resourceArgs(r, policy, config), (message) => push(message, r.urn)),
        );
      }
    }
  }
  return violations;
}
