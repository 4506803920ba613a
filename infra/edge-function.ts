import * as path from 'node:path';

import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';

import { EDGE_CONFIG_FILE, type EdgeConfig } from '../functions/edge/edge-config';
import { EDGE_TRUSTED_SERVICES, edgeFunctionPolicy, edgeLogGroupNames, trustPolicy } from './iam';
import { jsonPolicy } from './json-policy';
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
   * The replica regions' bucket names (`replicaRegions`): the role may read and write them too.
   * @default []
   */
  readonly replicaBuckets?: pulumi.Input<
    readonly { readonly originalsBucket: string; readonly derivativesBucket: string }[]
  >;
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
  /** The function; a new version is published with every code or config change. */
  readonly function: aws.lambda.Function;
  /** Its execution role, trusted by lambda.amazonaws.com and edgelambda.amazonaws.com. */
  readonly role: aws.iam.Role;
  /** Version-qualified ARN, what CloudFront associates. */
  readonly qualifiedArn: pulumi.Output<string>;
  /** The us-east-1 log group, then one per `logRegions` entry. */
  readonly logGroups: aws.cloudwatch.LogGroup[];

  constructor(name: string, args: EdgeFunctionArgs, opts?: pulumi.ComponentResourceOptions) {
    super('imagecdn:index:EdgeFunction', name, {}, opts);
    const parent = this;
    const bundleDir = args.bundleDir ?? path.join(__dirname, '..', 'dist', 'edge');
    const providers = new Map<string, aws.Provider>();
    const edgeProvider = providerFor(EDGE_REGION);
    const accountId = aws.getCallerIdentityOutput({}, { parent, provider: edgeProvider }).accountId;

    this.logGroups = createLogGroups();
    this.role = createRole();
    createRolePolicy(this.role);
    this.function = createFunction(this.role, this.logGroups);
    this.qualifiedArn = this.function.qualifiedArn;

    this.registerOutputs({
      function: this.function,
      role: this.role,
      qualifiedArn: this.qualifiedArn,
      logGroups: this.logGroups,
    });

    /** One explicit provider per region, shared by everything of this component in that region. */
    function providerFor(region: string): aws.Provider {
      let provider = providers.get(region);
      if (!provider) {
        provider = new aws.Provider(`${name}-${region}`, { region, profile: args.awsProfile }, { parent });
        providers.set(region, provider);
      }
      return provider;
    }

    function createLogGroups(): aws.cloudwatch.LogGroup[] {
      const groups = pulumi.output(args.functionName).apply(edgeLogGroupNames);
      const retentionInDays = args.logRetentionDays;
      const own = new aws.cloudwatch.LogGroup(
        `${name}-logs`,
        { name: groups.own, retentionInDays },
        { parent, provider: edgeProvider },
      );
      const replicas = args.logRegions.map(
        (region) =>
          new aws.cloudwatch.LogGroup(
            `${name}-logs-${region}`,
            { name: groups.replicas, retentionInDays },
            { parent, provider: providerFor(region) },
          ),
      );
      return [own, ...replicas];
    }

    function createRole(): aws.iam.Role {
      return new aws.iam.Role(
        `${name}-role`,
        {
          name: args.functionName,
          description: 'Lambda@Edge origin-response image handler',
          assumeRolePolicy: JSON.stringify(trustPolicy(EDGE_TRUSTED_SERVICES)),
        },
        { parent, provider: edgeProvider },
      );
    }

    function createRolePolicy(role: aws.iam.Role): aws.iam.RolePolicy {
      return new aws.iam.RolePolicy(
        `${name}-policy`,
        {
          role: role.name,
          name: 'edge-image-handler',
          policy: jsonPolicy(
            {
              originalsBucket: args.originalsBucket,
              derivativesBucket: args.derivativesBucket,
              replicas: args.replicaBuckets ?? [],
              accountId,
              functionName: args.functionName,
            },
            edgeFunctionPolicy,
          ),
        },
        { parent, provider: edgeProvider },
      );
    }

    function createFunction(role: aws.iam.Role, logGroups: aws.cloudwatch.LogGroup[]): aws.lambda.Function {
      // The config is a JSON file next to the bundle, built once the bucket names are known.
      const code = pulumi.output(args.edgeConfig).apply(
        (config) =>
          new pulumi.asset.AssetArchive({
            'index.js': new pulumi.asset.FileAsset(path.join(bundleDir, 'index.js')),
            node_modules: new pulumi.asset.FileArchive(path.join(bundleDir, 'node_modules')),
            [EDGE_CONFIG_FILE]: new pulumi.asset.StringAsset(JSON.stringify(config, null, 2)),
          }),
      );
      return new aws.lambda.Function(
        `${name}-function`,
        {
          name: args.functionName,
          description: 'Lambda@Edge origin-response: resize on miss and store the derivative',
          role: role.arn,
          runtime: EDGE_RUNTIME,
          architectures: ['x86_64'],
          handler: 'index.handler',
          code,
          memorySize: args.memoryMb,
          timeout: args.timeoutSeconds,
          publish: true,
        },
        {
          parent,
          provider: edgeProvider,
          // Replicas outlive the distribution by hours, so deleting the function fails on destroy
          // (pulumi-aws#1045). Retained; its name is new for each deployment (DeploymentNames), so a redeploy
          // right after a destroy never meets it; docs/operations.md lists the clean-up once the replicas are gone.
          retainOnDelete: true,
          dependsOn: logGroups,
        },
      );
    }
  }
}
