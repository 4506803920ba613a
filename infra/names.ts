import { createHash } from 'node:crypto';

/** What a physical name is derived from: never mutable config, so a config change never renames. */
export interface NameContext {
  readonly project: string;
  readonly stack: string;
  /** The stack's home region: stacks of the same name in different regions coexist in one account. */
  readonly region: string;
}

/**
 * A deterministic physical name `<project>-<stack>-<region>-<part>`, lowercased, reduced to
 * `[a-z0-9-]`, and at most `maxLength` long. A name that would be longer is cut and suffixed with
 * a hash of the whole name, so two long stack names never collapse to the same resource name.
 */
export function physicalName(context: NameContext, part: string, maxLength = 63): string {
  const full = [context.project, context.stack, context.region, part]
    .join('-')
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/-{2,}/g, '-')
    .replace(/^-+|-+$/g, '');
  if (full.length <= maxLength) return full;
  const hash = createHash('sha256').update(full).digest('hex').slice(0, 8);
  const suffix = `-${hash}-${part}`.replace(/[^a-z0-9-]+/g, '-');
  return full.slice(0, maxLength - suffix.length).replace(/-+$/, '') + suffix;
}

/** S3 bucket names: 3–63 characters of lowercase letters, digits and hyphens. */
export function bucketName(context: NameContext, part: string): string {
  return physicalName(context, part, 63);
}

/** Lambda function, IAM role, CloudFront Function and policy names: at most 64 characters. */
export function resourceName(context: NameContext, part: string): string {
  return physicalName(context, part, 64);
}
