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
}

/**
 * TLS-only bucket policies that let only this distribution's OAC read. Created after the distribution,
 * which breaks the cycle distribution → bucket domain → bucket policy → distribution ARN.
 */
export class OriginBucketPolicies extends pulumi.ComponentResource {
  readonly policies: aws.s3.BucketPolicy[];

  constructor(name: string, args: OriginBucketPoliciesArgs, opts?: pulumi.ComponentResourceOptions) {
    super('imagecdn:index:OriginBucketPolicies', name, {}, opts);
    this.policies = Object.entries(args.buckets).map(
      ([part, bucket]) =>
        new aws.s3.BucketPolicy(
          `${name}-${part}`,
          {
            bucket: bucket.id,
            policy: pulumi
              .all([bucket.bucket, args.distributionArn])
              .apply(([bucketName, arn]) => JSON.stringify(originBucketPolicy(bucketName, arn))),
          },
          { parent: this, dependsOn: args.dependsOn ?? [] },
        ),
    );
    this.registerOutputs({ policies: this.policies });
  }
}
