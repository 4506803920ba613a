import * as path from 'node:path';

import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';

import type { BatchConfigJson } from '../functions/batch/batch-config';
import { batchEnvironment } from './function-configs';
import { batchFunctionPolicy, LAMBDA_TRUSTED_SERVICES, trustPolicy } from './iam';
import { jsonPolicy } from './json-policy';
import { BATCH_RUNTIME } from './limits';

export interface BatchResizerArgs {
  /** Physical function name (also the role, queue, layer and log group names). */
  readonly functionName: string;
  /** The bucket whose uploads trigger the function. It is only read. */
  readonly originals: aws.s3.Bucket;
  /** The bucket renditions are written to. It never triggers the function, so no recursion. */
  readonly derivatives: aws.s3.Bucket;
  /**
   * What the function is built with (renditions, rules, transform settings, max-age and the two buckets),
   * from `batchConfigFor` (infra/function-configs.ts), passed as the one BATCH_CONFIG variable.
   */
  readonly batchConfig: pulumi.Input<BatchConfigJson>;
  /**
   * Key prefix of originals that trigger the function.
   */
  readonly prefix: pulumi.Input<string>;
  /**
   * Key suffixes that trigger the function, one notification filter each. A plain array: it decides
   * how many filters exist.
   */
  readonly suffixes: readonly string[];
  /**
   * Whether uploads to the originals bucket trigger the function (an S3 notification). Off for a bucket
   * this stack does not own: a bucket has one notification configuration, which this stack would replace.
   * The function then makes renditions only when its backfill is invoked. A plain boolean: it decides
   * whether the notification exists.
   * @default true
   */
  readonly triggeredByUploads?: boolean;
  /**
   * Memory in MB.
   */
  readonly memoryMb: pulumi.Input<number>;
  /**
   * Timeout in seconds.
   */
  readonly timeoutSeconds: pulumi.Input<number>;
  /**
   * Reserved concurrency: an upload burst cannot take the account's whole concurrency.
   */
  readonly reservedConcurrency: pulumi.Input<number>;
  /**
   * Retries of a failed asynchronous invocation (0–2); 2 means 3 tries.
   */
  readonly maxRetryAttempts: pulumi.Input<number>;
  /**
   * Age after which an event is dropped to the failure queue, in seconds (60–21600).
   */
  readonly maxEventAgeSeconds: pulumi.Input<number>;
  /**
   * Retention of failed events in the queue, in seconds.
   */
  readonly failureRetentionSeconds: pulumi.Input<number>;
  /**
   * Retention of the function's logs, in days.
   */
  readonly logRetentionDays: pulumi.Input<number>;
  /**
   * Build output: `dist/batch/index.js` and the `dist/sharp-layer` folder.
   * @default '<repo>/dist'
   */
  readonly distDir?: string;
}

/**
 * Pre-generates renditions when an original is uploaded: a regular Lambda in the home region with
 * sharp in a layer, triggered by an S3 notification, retried, with failures kept in an SQS queue.
 */
export class BatchResizer extends pulumi.ComponentResource {
  /** The resizer function, in the stack's home region. */
  readonly function: aws.lambda.Function;
  /** sharp and its linux-x64 libvips, as a layer of the function. */
  readonly layer: aws.lambda.LayerVersion;
  /** Events that failed every retry or aged out, kept for inspection and replay. */
  readonly failureQueue: aws.sqs.Queue;
  /** The function's execution role. */
  readonly role: aws.iam.Role;
  /** The function's log group, with the configured retention. */
  readonly logGroup: aws.cloudwatch.LogGroup;

  constructor(name: string, args: BatchResizerArgs, opts?: pulumi.ComponentResourceOptions) {
    super('imagecdn:index:BatchResizer', name, {}, opts);
    const parent = this;
    const distDir = args.distDir ?? path.join(__dirname, '..', 'dist');
    const identity = aws.getCallerIdentityOutput({}, { parent });
    const region = aws.getRegionOutput({}, { parent }).region;

    const layer = createSharpLayer();
    const failureQueue = createFailureQueue();
    const logGroup = createLogGroup();
    const role = createRole();
    const policy = createRolePolicy();
    const fn = createFunction();
    createInvokeConfig();
    if (args.triggeredByUploads ?? true) createNotification(createPermission());

    this.function = fn;
    this.layer = layer;
    this.failureQueue = failureQueue;
    this.role = role;
    this.logGroup = logGroup;
    this.registerOutputs({ function: fn, layer, failureQueue, role, logGroup });

    function createSharpLayer(): aws.lambda.LayerVersion {
      return new aws.lambda.LayerVersion(
        `${name}-sharp-layer`,
        {
          layerName: `${args.functionName}-sharp`,
          description: 'sharp with its linux-x64 (glibc) libvips binaries, under nodejs/node_modules',
          code: new pulumi.asset.FileArchive(path.join(distDir, 'sharp-layer')),
          compatibleArchitectures: ['x86_64'],
          compatibleRuntimes: [BATCH_RUNTIME],
        },
        { parent },
      );
    }

    function createFailureQueue(): aws.sqs.Queue {
      return new aws.sqs.Queue(
        `${name}-failures`,
        {
          name: `${args.functionName}-failures`,
          sqsManagedSseEnabled: true,
          messageRetentionSeconds: args.failureRetentionSeconds,
        },
        { parent },
      );
    }

    function createLogGroup(): aws.cloudwatch.LogGroup {
      return new aws.cloudwatch.LogGroup(
        `${name}-logs`,
        { name: `/aws/lambda/${args.functionName}`, retentionInDays: args.logRetentionDays },
        { parent },
      );
    }

    function createRole(): aws.iam.Role {
      return new aws.iam.Role(
        `${name}-role`,
        {
          name: args.functionName,
          description: 'Batch image resizer',
          assumeRolePolicy: JSON.stringify(trustPolicy(LAMBDA_TRUSTED_SERVICES)),
        },
        { parent },
      );
    }

    function createRolePolicy(): aws.iam.RolePolicy {
      return new aws.iam.RolePolicy(
        `${name}-policy`,
        {
          role: role.name,
          name: 'batch-resizer',
          policy: jsonPolicy(
            {
              originalsBucket: args.originals.bucket,
              derivativesBucket: args.derivatives.bucket,
              failureQueueArn: failureQueue.arn,
              accountId: identity.accountId,
              region,
              functionName: args.functionName,
            },
            batchFunctionPolicy,
          ),
        },
        { parent },
      );
    }

    function createFunction(): aws.lambda.Function {
      return new aws.lambda.Function(
        `${name}-function`,
        {
          name: args.functionName,
          description: 'Pre-generates renditions of uploaded originals',
          role: role.arn,
          runtime: BATCH_RUNTIME,
          architectures: ['x86_64'],
          handler: 'index.handler',
          code: new pulumi.asset.AssetArchive({
            'index.js': new pulumi.asset.FileAsset(path.join(distDir, 'batch', 'index.js')),
          }),
          layers: [layer.arn],
          memorySize: args.memoryMb,
          timeout: args.timeoutSeconds,
          reservedConcurrentExecutions: args.reservedConcurrency,
          environment: {
            variables: pulumi.output(args.batchConfig).apply(batchEnvironment),
          },
        },
        { parent, dependsOn: [logGroup, policy] },
      );
    }

    function createInvokeConfig(): aws.lambda.FunctionEventInvokeConfig {
      return new aws.lambda.FunctionEventInvokeConfig(
        `${name}-invoke-config`,
        {
          functionName: fn.name,
          maximumRetryAttempts: args.maxRetryAttempts,
          maximumEventAgeInSeconds: args.maxEventAgeSeconds,
          destinationConfig: { onFailure: { destination: failureQueue.arn } },
        },
        { parent },
      );
    }

    function createPermission(): aws.lambda.Permission {
      return new aws.lambda.Permission(
        `${name}-s3-invoke`,
        {
          function: fn.name,
          action: 'lambda:InvokeFunction',
          principal: 's3.amazonaws.com',
          sourceArn: args.originals.arn,
          sourceAccount: identity.accountId,
        },
        { parent },
      );
    }

    function createNotification(permission: aws.lambda.Permission): aws.s3.BucketNotification {
      // A bucket has exactly one notification resource; each suffix is one filter inside it.
      return new aws.s3.BucketNotification(
        `${name}-notification`,
        {
          bucket: args.originals.id,
          lambdaFunctions: args.suffixes.map((suffix) => ({
            id: `resize-${suffix.replace(/[^a-z0-9]/gi, '')}`,
            lambdaFunctionArn: fn.arn,
            events: ['s3:ObjectCreated:*'],
            filterPrefix: pulumi.output(args.prefix).apply((prefix) => prefix || undefined),
            filterSuffix: suffix,
          })),
        },
        { parent, dependsOn: [permission] },
      );
    }
  }
}
