import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import * as path from 'node:path';
import type { EdgeConfig } from '../functions/edge/edge-config';
import { EDGE_TRUSTED_SERVICES, edgeFunctionPolicy, edgeLogGroupNames, trustPolicy } from './iam';
import { EDGE_REGION, EDGE_RUNTIME } from './limits';

export interface EdgeFunctionArgs {
  /**
   * Physical function name; the role and log groups are named after it. Must be unique in us-east-1 of the
   * account, and new for each deployment: a destroyed stack's function is retained (its replicas outlive
   * it by hours), so a redeploy under the same name would fail with "Function already exist".
   */
  readonly functionName: pulumi.Input<string>;
  /** The configuration baked into the bundle as `edge-config.json` (bucket names may be outputs). */
  readonly edgeConfig: pulumi.Input<EdgeConfig>;
  /** Originals bucket name: the role may `s3:GetObject` its objects. */
  readonly originalsBucket: pulumi.Input<string>;
  /** Derivatives bucket name: the role may `s3:PutObject` its objects. */
  readonly derivativesBucket: pulumi.Input<string>;
  /**
   * Memory in MB (origin events allow the full Lambda range).
   */
  readonly memoryMb: pulumi.Input<number>;
  /**
   * Timeout in seconds, at most 30 for origin events.
   */
  readonly timeoutSeconds: pulumi.Input<number>;
  /**
   * Regions whose `/aws/lambda/us-east-1.<name>` log group is created with a retention. A plain
   * array: each region gets its own provider and log group.
   */
  readonly logRegions: readonly string[];
  /**
   * Retention of every log group, in days.
   */
  readonly logRetentionDays: pulumi.Input<number>;
  /**
   * Folder produced by `npm run build` with `index.js` and `node_modules/` (sharp linux-x64).
   * @default '<repo>/dist/edge'
   */
  readonly bundleDir?: string;
  /**
   * `aws:profile` for the explicit providers, which do not read the stack's `aws:` config.
   * @default undefined (the environment's credentials)
   */
  readonly awsProfile?: string;
}

/**
 * The origin-response Lambda@Edge function: in us-east-1 whatever the stack's region, a published
 * x86_64 version, no environment and no layers (Lambda@Edge supports neither), config baked in.
 */
export class EdgeFunction extends pulumi.ComponentResource {
  readonly function: aws.lambda.Function;
  readonly role: aws.iam.Role;
  /** Version-qualified ARN, what CloudFront associates. */
  readonly qualifiedArn: pulumi.Output<string>;
  readonly logGroups: aws.cloudwatch.LogGroup[];

  private readonly providers = new Map<string, aws.Provider>();

  constructor(name: string, args: EdgeFunctionArgs, opts?: pulumi.ComponentResourceOptions) {
    super('imagecdn:index:EdgeFunction', name, {}, opts);
    const { memoryMb, timeoutSeconds, logRegions } = args;
    const retentionInDays = args.logRetentionDays;
    const bundleDir = args.bundleDir ?? path.join(__dirname, '..', 'dist', 'edge');
    const edgeProvider = this.providerFor(name, EDGE_REGION, args.awsProfile);
    const accountId = aws.getCallerIdentityOutput({}, { parent: this, provider: edgeProvider }).accountId;

    this.logGroups = this.createLogGroups(name, args, logRegions, retentionInDays);
    this.role = this.createRole(name, args, edgeProvider);
    this.createRolePolicy(name, args, accountId, edgeProvider);
    this.function = this.createFunction(name, args, bundleDir, memoryMb, timeoutSeconds, edgeProvider);
    this.qualifiedArn = this.function.qualifiedArn;

    this.registerOutputs({
      functionName: this.function.name,
      qualifiedArn: this.qualifiedArn,
      roleArn: this.role.arn,
    });
  }

  /** One explicit provider per region, shared by everything of this component in that region. */
  private providerFor(name: string, region: string, profile: string | undefined): aws.Provider {
    let provider = this.providers.get(region);
    if (!provider) {
      provider = new aws.Provider(
        `${name}-${region}`,
        { region, ...(profile ? { profile } : {}) },
        { parent: this },
      );
      this.providers.set(region, provider);
    }
    return provider;
  }

  private createLogGroups(
    name: string,
    args: EdgeFunctionArgs,
    regions: readonly string[],
    retentionInDays: pulumi.Input<number>,
  ): aws.cloudwatch.LogGroup[] {
    const groups = pulumi.output(args.functionName).apply(edgeLogGroupNames);
    const own = new aws.cloudwatch.LogGroup(
      `${name}-logs`,
      { name: groups.own, retentionInDays },
      { parent: this, provider: this.providerFor(name, EDGE_REGION, args.awsProfile) },
    );
    const replicas = regions.map(
      (region) =>
        new aws.cloudwatch.LogGroup(
          `${name}-logs-${region}`,
          { name: groups.replicas, retentionInDays },
          { parent: this, provider: this.providerFor(name, region, args.awsProfile) },
        ),
    );
    return [own, ...replicas];
  }

  private createRole(name: string, args: EdgeFunctionArgs, provider: aws.Provider): aws.iam.Role {
    return new aws.iam.Role(
      `${name}-role`,
      {
        name: args.functionName,
        description: 'Lambda@Edge origin-response image handler',
        assumeRolePolicy: JSON.stringify(trustPolicy(EDGE_TRUSTED_SERVICES)),
      },
      { parent: this, provider },
    );
  }

  private createRolePolicy(
    name: string,
    args: EdgeFunctionArgs,
    accountId: pulumi.Output<string>,
    provider: aws.Provider,
  ): aws.iam.RolePolicy {
    return new aws.iam.RolePolicy(
      `${name}-policy`,
      {
        role: this.role.name,
        name: 'edge-image-handler',
        policy: pulumi
          .all([args.originalsBucket, args.derivativesBucket, accountId, args.functionName])
          .apply(([originalsBucket, derivativesBucket, account, functionName]) =>
            JSON.stringify(
              edgeFunctionPolicy({
                originalsBucket,
                derivativesBucket,
                accountId: account,
                functionName,
              }),
            ),
          ),
      },
      { parent: this, provider },
    );
  }

  private createFunction(
    name: string,
    args: EdgeFunctionArgs,
    bundleDir: string,
    memoryMb: pulumi.Input<number>,
    timeoutSeconds: pulumi.Input<number>,
    provider: aws.Provider,
  ): aws.lambda.Function {
    // The config is a JSON file next to the bundle, built once the bucket names are known.
    const code = pulumi.output(args.edgeConfig).apply(
      (config) =>
        new pulumi.asset.AssetArchive({
          'index.js': new pulumi.asset.FileAsset(path.join(bundleDir, 'index.js')),
          node_modules: new pulumi.asset.FileArchive(path.join(bundleDir, 'node_modules')),
          'edge-config.json': new pulumi.asset.StringAsset(JSON.stringify(config, null, 2)),
        }),
    );
    return new aws.lambda.Function(
      `${name}-function`,
      {
        name: args.functionName,
        description: 'Lambda@Edge origin-response: resize on miss and store the derivative',
        role: this.role.arn,
        runtime: EDGE_RUNTIME,
        architectures: ['x86_64'],
        handler: 'index.handler',
        code,
        memorySize: memoryMb,
        timeout: timeoutSeconds,
        publish: true,
      },
      {
        parent: this,
        provider,
        // Replicas outlive the distribution by hours, so deleting the function fails on destroy
        // (pulumi-aws#1045). Retained; its name is new for each deployment (DeploymentNames), so a redeploy
        // right after a destroy never meets it; the README lists the clean-up once the replicas are gone.
        retainOnDelete: true,
        dependsOn: this.logGroups,
      },
    );
  }
}
