import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';

import { REPLICATION_TRUSTED_SERVICES, replicationRolePolicy, trustPolicy } from './iam';
import { ImageBuckets } from './image-buckets';
import type { DeploymentNames } from './names';

export interface ReplicaRegionsArgs {
  /** The replica regions, in the stack's order (the first is the origin group's secondary). */
  readonly regions: readonly string[];
  /** Where the replicas' globally unique bucket names come from. */
  readonly names: DeploymentNames;
  /** The home originals bucket: the replication source. */
  readonly source: aws.s3.Bucket;
  /** Its versioning, which replication requires before it can be configured. */
  readonly sourceVersioning: aws.s3.BucketVersioning;
  /** Physical name of the replication role (IAM names are account-wide). */
  readonly roleName: pulumi.Input<string>;
  readonly derivativesExpirationDays: pulumi.Input<number>;
  readonly forceDestroy: pulumi.Input<boolean>;
  /** Turn on S3 Replication Time Control (and the replication metrics it requires). */
  readonly replicationTimeControl: boolean;
  /**
   * `aws:profile` for the explicit providers, which do not read the stack's `aws:` config.
   * @default undefined (the environment's credentials)
   */
  readonly awsProfile?: string;
}

/** One replica region: its provider and its buckets (originals replica, derivatives). */
export interface ReplicaRegion {
  readonly region: string;
  readonly provider: aws.Provider;
  readonly buckets: ImageBuckets;
}

/** Minutes within which Replication Time Control replicates 99.99% of objects, and its metrics' threshold. */
const RTC_MINUTES = 15;

/**
 * The stack's replica regions: in each, through its own provider, the same private buckets as at home
 * (ImageBuckets: access block, owner-enforced, SSE-S3, derivatives expiring), the originals replica
 * versioned as replication requires; and one replication configuration on the home originals bucket with
 * one rule per region, delete markers included, so a deleted original stops being served everywhere.
 * S3 never replicates the permanent delete of a version ("What does Amazon S3 replicate?", S3 User Guide),
 * so a version removed at home stays in the replicas until it is removed there.
 */
export class ReplicaRegions extends pulumi.ComponentResource {
  readonly regions: readonly ReplicaRegion[];
  /** The role S3 Replication assumes. */
  readonly role: aws.iam.Role;
  readonly replication: aws.s3.BucketReplicationConfig;

  constructor(name: string, args: ReplicaRegionsArgs, opts?: pulumi.ComponentResourceOptions) {
    super('imagecdn:index:ReplicaRegions', name, {}, opts);
    const parent = this;

    this.regions = args.regions.map((region) => {
      const provider = new aws.Provider(
        `${name}-${region}`,
        { region, profile: args.awsProfile },
        { parent },
      );
      const buckets = new ImageBuckets(
        `${name}-${region}`,
        {
          originalsBucketName: args.names.bucket(`originals-${region}`),
          derivativesBucketName: args.names.bucket(`derivatives-${region}`),
          derivativesExpirationDays: args.derivativesExpirationDays,
          // Replication requires versioning on the destination too.
          originalsVersioning: true,
          forceDestroy: args.forceDestroy,
        },
        { parent, providers: { aws: provider } },
      );
      return { region, provider, buckets };
    });

    this.role = new aws.iam.Role(
      `${name}-role`,
      {
        name: args.roleName,
        description: 'S3 Replication of the image CDN originals to its replica regions',
        assumeRolePolicy: JSON.stringify(trustPolicy(REPLICATION_TRUSTED_SERVICES)),
      },
      { parent },
    );
    const policy = new aws.iam.RolePolicy(
      `${name}-policy`,
      {
        role: this.role.name,
        name: 'replicate-originals',
        policy: pulumi
          .all([args.source.bucket, ...this.regions.map((replica) => replica.buckets.originals.bucket)])
          .apply(([source, ...destinations]) => JSON.stringify(replicationRolePolicy(source!, destinations))),
      },
      { parent },
    );

    this.replication = new aws.s3.BucketReplicationConfig(
      `${name}-replication`,
      {
        bucket: args.source.id,
        role: this.role.arn,
        rules: this.regions.map((replica, index) => ({
          id: `originals-to-${replica.region}`,
          status: 'Enabled',
          // V2 rules (a filter) are required for delete marker replication; each needs its own priority. A
          // filter names exactly one Prefix, Tag or And (S3 API Reference, ReplicationRuleFilter): the empty
          // prefix, every object.
          priority: index + 1,
          filter: { prefix: '' },
          deleteMarkerReplication: { status: 'Enabled' },
          destination: {
            bucket: replica.buckets.originals.arn,
            storageClass: 'STANDARD',
            ...(args.replicationTimeControl
              ? {
                  replicationTime: { status: 'Enabled', time: { minutes: RTC_MINUTES } },
                  metrics: { status: 'Enabled', eventThreshold: { minutes: RTC_MINUTES } },
                }
              : {}),
          },
        })),
      },
      {
        parent,
        dependsOn: [
          args.sourceVersioning,
          policy,
          ...this.regions.flatMap((replica) =>
            replica.buckets.originalsVersioning ? [replica.buckets.originalsVersioning] : [],
          ),
        ],
      },
    );

    this.registerOutputs({ regions: this.regions.map((replica) => replica.buckets), role: this.role });
  }
}
