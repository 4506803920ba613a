import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';

export interface ImageBucketsArgs {
  /** Physical name of the originals bucket (see names.ts). */
  readonly originalsBucketName: pulumi.Input<string>;
  /** Physical name of the derivatives bucket. */
  readonly derivativesBucketName: pulumi.Input<string>;
  /**
   * Days after which a derivative expires; it is regenerated on the next miss.
   */
  readonly derivativesExpirationDays: pulumi.Input<number>;
  /**
   * Keep every version of an original. A plain boolean, not an Input: it decides whether the
   * versioning resource exists (versioning is a one-way door: a bucket can be suspended, never unversioned).
   */
  readonly originalsVersioning: boolean;
  /**
   * Let `pulumi destroy` delete buckets that still hold objects. Only for throw-away stacks.
   */
  readonly forceDestroy: pulumi.Input<boolean>;
  /**
   * An existing bucket to use for originals instead of creating one. It is read (`Bucket.get`), never
   * changed: no access block, versioning or encryption is added to it, and destroy leaves it alone.
   * A plain string: it decides whether the originals bucket is created.
   * @default undefined (create the originals bucket)
   */
  readonly existingOriginalsBucket?: string;
}

/**
 * The originals and derivatives buckets: private (all four public-access blocks), owner-enforced,
 * encrypted by default, derivatives expiring. Their bucket policies need the distribution's ARN and
 * are therefore a separate component (OriginBucketPolicies), created after the distribution.
 */
export class ImageBuckets extends pulumi.ComponentResource {
  readonly originals: aws.s3.Bucket;
  readonly derivatives: aws.s3.Bucket;
  /** The originals' versioning, when this component turns it on (replication depends on it). */
  readonly originalsVersioning?: aws.s3.BucketVersioning;

  constructor(name: string, args: ImageBucketsArgs, opts?: pulumi.ComponentResourceOptions) {
    super('imagecdn:index:ImageBuckets', name, {}, opts);
    const expirationDays = args.derivativesExpirationDays;
    const versioning = args.originalsVersioning;
    const forceDestroy = args.forceDestroy;

    this.originals = args.existingOriginalsBucket
      ? aws.s3.Bucket.get(`${name}-originals`, args.existingOriginalsBucket, undefined, { parent: this })
      : this.createPrivateBucket(`${name}-originals`, args.originalsBucketName, forceDestroy);
    this.derivatives = this.createPrivateBucket(
      `${name}-derivatives`,
      args.derivativesBucketName,
      forceDestroy,
    );
    if (!args.existingOriginalsBucket)
      this.originalsVersioning = this.createVersioning(`${name}-originals`, this.originals, versioning);
    this.createExpiry(`${name}-derivatives`, this.derivatives, expirationDays);

    this.registerOutputs({ originals: this.originals, derivatives: this.derivatives });
  }

  private createPrivateBucket(
    name: string,
    bucketName: pulumi.Input<string>,
    forceDestroy: pulumi.Input<boolean>,
  ): aws.s3.Bucket {
    const bucket = new aws.s3.Bucket(name, { bucket: bucketName, forceDestroy }, { parent: this });
    new aws.s3.BucketPublicAccessBlock(
      `${name}-public-access`,
      {
        bucket: bucket.id,
        blockPublicAcls: true,
        blockPublicPolicy: true,
        ignorePublicAcls: true,
        restrictPublicBuckets: true,
      },
      { parent: this },
    );
    new aws.s3.BucketOwnershipControls(
      `${name}-ownership`,
      { bucket: bucket.id, rule: { objectOwnership: 'BucketOwnerEnforced' } },
      { parent: this },
    );
    new aws.s3.BucketServerSideEncryptionConfiguration(
      `${name}-sse`,
      {
        bucket: bucket.id,
        rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: 'AES256' }, bucketKeyEnabled: true }],
      },
      { parent: this },
    );
    return bucket;
  }

  private createVersioning(
    name: string,
    bucket: aws.s3.Bucket,
    enabled: boolean,
  ): aws.s3.BucketVersioning | undefined {
    if (!enabled) return undefined;
    return new aws.s3.BucketVersioning(
      `${name}-versioning`,
      { bucket: bucket.id, versioningConfiguration: { status: 'Enabled' } },
      { parent: this },
    );
  }

  private createExpiry(name: string, bucket: aws.s3.Bucket, days: pulumi.Input<number>): void {
    new aws.s3.BucketLifecycleConfiguration(
      `${name}-lifecycle`,
      {
        bucket: bucket.id,
        rules: [
          {
            id: 'expire-derivatives',
            status: 'Enabled',
            filter: {},
            expiration: { days },
            abortIncompleteMultipartUpload: { daysAfterInitiation: 1 },
          },
        ],
      },
      { parent: this },
    );
  }
}
