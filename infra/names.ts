import { createHash } from 'node:crypto';

import * as pulumi from '@pulumi/pulumi';
import * as random from '@pulumi/random';

/** What a physical name is derived from: never mutable config, so a config change never renames. */
export interface NameContext {
  readonly project: string;
  readonly stack: string;
  /** The stack's home region: stacks of the same name in different regions coexist in one account. */
  readonly region: string;
  /** The deployment's random part (DeploymentNames), for names that must be unique beyond the account. */
  readonly suffix?: string;
}

/**
 * A deterministic physical name `<project>-<stack>-<region>[-<suffix>]-<part>`, lowercased, reduced to
 * `[a-z0-9-]`, and at most `maxLength` long. A name that would be longer is cut and suffixed with
 * a hash of the whole name, so two long stack names never collapse to the same resource name.
 */
export function physicalName(context: NameContext, part: string, maxLength = 63): string {
  const full = [context.project, context.stack, context.region, context.suffix, part]
    .filter((piece) => piece !== undefined && piece !== '')
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

/**
 * Names that must be unique beyond one account, or that must not meet a retained resource: S3 bucket names
 * are global across all accounts (a second account deploying the same stack would get BucketAlreadyExists),
 * and the edge function is retained on destroy. They carry 8 random hex digits created with the stack and
 * kept in its state: a config change never changes them (no keepers), a destroy deletes them, so the next
 * deployment gets new names. Account-scoped names (the batch function, CloudFront names) need no suffix.
 */
export class DeploymentNames extends pulumi.ComponentResource {
  /** The random part, 8 lowercase hex digits. */
  readonly suffix: pulumi.Output<string>;

  constructor(
    name: string,
    private readonly context: NameContext,
    opts?: pulumi.ComponentResourceOptions,
  ) {
    super('imagecdn:index:DeploymentNames', name, {}, opts);
    this.suffix = new random.RandomId(`${name}-suffix`, { byteLength: 4 }, { parent: this }).hex;
    this.registerOutputs({ suffix: this.suffix });
  }

  /** A globally unique bucket name for `part`. */
  bucket(part: string): pulumi.Output<string> {
    return this.suffix.apply((suffix) => bucketName({ ...this.context, suffix }, part));
  }

  /** A resource name for `part`, new with each deployment. */
  resource(part: string): pulumi.Output<string> {
    return this.suffix.apply((suffix) => resourceName({ ...this.context, suffix }, part));
  }
}
