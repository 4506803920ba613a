import * as pulumi from '@pulumi/pulumi';

import type { PolicyDocument } from './iam';

/**
 * The JSON an IAM policy takes, built by one of iam.ts's pure builders once its arguments (some of
 * them outputs: bucket names, the account id) are known.
 */
export function jsonPolicy<T extends object>(
  args: { readonly [K in keyof T]: pulumi.Input<T[K]> },
  build: (resolved: T) => PolicyDocument,
): pulumi.Output<string> {
  return pulumi.output(args).apply((resolved) => JSON.stringify(build(resolved as T)));
}
