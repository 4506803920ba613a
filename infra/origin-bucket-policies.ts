import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';

import { originBucketPolicy } from './iam';

export interface OriginBucketPoliciesArgs {
  /** The buckets CloudFront reads through OAC, by short name (`originals`, `derivatives`). */
  readonly buckets: Readonly<Record<string, aws.s3.Bucket>>;
  /** ARN of the one distribution allowed to read them (`AWS:SourceArn`). */
  readonly distributionArn: pulumi.Input<string>;
  /**
   * Resources that must exist first (the public access blocks, so the policy is never briefly public).
   * @default []
   */
  readonly dependsOn?: pulumi.Input<pulumi.Resource>[];
  /**
   * Buckets whose policy is only computed (`documents`), not applied: buckets this stack does not own,
   * whose one bucket policy belongs to their owner. Short names, as in `buckets`.
   * @default []
   */
  readonly documentOnly?: readonly string[];
}

/**
 * TLS-only bucket policies that let only this distribution's OAC read. Created after the distribution,
 * which breaks the cycle distribution → bucket domain → bucket policy → distribution ARN.
 */
export class OriginBucketPolicies extends pulumi.ComponentResource {
  readonly policies: aws.s3.BucketPolicy[];
  /** Each bucket's policy document (JSON), by short name, including those of `documentOnly` buckets. */
  readonly documents: Readonly<Record<string, pulumi.Output<string>>>;

  constructor(name: string, args: OriginBucketPoliciesArgs, opts?: pulumi.ComponentResourceOptions) {
    super('imagecdn:index:OriginBucketPolicies', name, {}, opts);
    const documentOnly = new Set(args.documentOnly ?? []);
    this.documents = Object.fromEntries(
      Object.entries(args.buckets).map(([part, bucket]) => [
        part,
        pulumi
          .all([bucket.bucket, args.distributionArn])
          .apply(([bucketName, arn]) => JSON.stringify(originBucketPolicy(bucketName, arn))),
      ]),
    );
    this.policies = Object.entries(args.buckets)
      .filter(([part]) => !documentOnly.has(part))
      .map(
        ([part, bucket]) =>
          new aws.s3.BucketPolicy(
            `${name}-${part}`,
            { bucket: bucket.id, policy: this.documents[part]! },
            { parent: this, dependsOn: args.dependsOn ?? [] },
          ),
      );
    this.registerOutputs({ policies: this.policies, documents: this.documents });
  }
}
