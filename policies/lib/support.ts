// Small helpers every rule module uses: config defaults, unknown-value handling, resource type guards.
import {
  PolicyConfigSchema,
  ReportViolation,
  ResourceValidation,
  ResourceValidationPolicy,
  StackValidation,
  StackValidationPolicy,
  UnknownValueError,
} from '@pulumi/policy';

import { PolicyDocumentError } from './iam-document';

/**
 * The schema defaults overlaid with whatever `--policy-pack-config` set. The CLI also fills defaults from
 * the schema, but the offline checker and tests call rules directly, so rules never rely on it.
 */
export function configWithDefaults<T extends object>(
  schema: PolicyConfigSchema,
  args: { getConfig<C extends object>(): C },
): T {
  const defaults: Record<string, unknown> = {};
  for (const [key, prop] of Object.entries(schema.properties)) {
    if (typeof prop === 'object' && prop.default !== undefined) defaults[key] = prop.default;
  }
  return { ...defaults, ...args.getConfig<Record<string, unknown>>() } as T;
}

/** The message reported when a value a rule needs is unknown at preview. */
export function unknownMessage(detail: string): string {
  return (
    `cannot verify at preview: ${detail}. Build the value from names known at preview ` +
    '(e.g. arn:aws:s3:::<bucket>), or run `npm run policy:check`, which resolves every value.'
  );
}

/**
 * Wraps a validation so that an unknown value (the policy SDK's proxy throws `UnknownValueError` on access)
 * is reported as a violation of this rule at its own enforcement level, instead of the SDK's default of
 * downgrading the whole rule to an advisory "can't run during preview" note: a mandatory check must never
 * pass silently because a value was not known yet.
 */
export function reportingUnknowns<F extends ResourceValidation | StackValidation>(validate: F): F {
  const wrapped = async (args: Parameters<F>[0], report: ReportViolation): Promise<void> => {
    try {
      await (validate as (a: Parameters<F>[0], r: ReportViolation) => Promise<void> | void)(args, report);
    } catch (e) {
      if (e instanceof UnknownValueError) report(unknownMessage((e as Error).message));
      // A document that does not parse cannot be judged, which a mandatory rule must not treat as a pass.
      else if (e instanceof PolicyDocumentError)
        report(`${e.message}: fix the document so it can be checked.`);
      else throw e;
    }
  };
  // Keep the type tag validateResourceOfType attaches, which the analyzer uses to skip other types.
  const tag = (validate as { __pulumiType?: string }).__pulumiType;
  if (tag) (wrapped as unknown as { __pulumiType: string }).__pulumiType = tag;
  return wrapped as unknown as F;
}

/** Type token of a Pulumi resource class (`aws:s3/bucket:Bucket`). */
/** A rule of the pack: about one resource, or about the whole stack. */
/** A config property holding a list of strings, with its default and what it is for. */
export function stringList(defaultValue: string[], description: string) {
  return { type: 'array' as const, items: { type: 'string' as const }, default: defaultValue, description };
}

export type Policy = ResourceValidationPolicy | StackValidationPolicy;

export function typeOf(resourceClass: unknown): string {
  const token = (resourceClass as { __pulumiType?: string }).__pulumiType;
  if (!token) throw new Error('not a Pulumi resource class');
  return token;
}

export function asRecord(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === 'object' ? (value as Record<string, unknown>) : {};
}

export function asArray(value: unknown): unknown[] {
  if (value === undefined || value === null) return [];
  return Array.isArray(value) ? value : [value];
}
