// Runs index.ts (or another program) under mocks for a stack in a child process (stack-child.ts) and gives tests a typed view.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

export { ACCOUNT_ID } from '../../policies/offline/mocks';

/** The resource type tokens the infra tests look for (the stack's own, as the mocks record them). */
export const T = {
  bucket: 'aws:s3/bucket:Bucket',
  publicAccess: 'aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock',
  ownership: 'aws:s3/bucketOwnershipControls:BucketOwnershipControls',
  sse: 'aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration',
  lifecycle: 'aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration',
  versioning: 'aws:s3/bucketVersioning:BucketVersioning',
  bucketPolicy: 'aws:s3/bucketPolicy:BucketPolicy',
  replication: 'aws:s3/bucketReplicationConfig:BucketReplicationConfig',
  notification: 'aws:s3/bucketNotification:BucketNotification',
  provider: 'pulumi:providers:aws',
  lambda: 'aws:lambda/function:Function',
  layer: 'aws:lambda/layerVersion:LayerVersion',
  permission: 'aws:lambda/permission:Permission',
  invokeConfig: 'aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig',
  role: 'aws:iam/role:Role',
  rolePolicy: 'aws:iam/rolePolicy:RolePolicy',
  logGroup: 'aws:cloudwatch/logGroup:LogGroup',
  randomId: 'random:index/randomId:RandomId',
  queue: 'aws:sqs/queue:Queue',
  distribution: 'aws:cloudfront/distribution:Distribution',
  oac: 'aws:cloudfront/originAccessControl:OriginAccessControl',
  cachePolicy: 'aws:cloudfront/cachePolicy:CachePolicy',
  cfFunction: 'aws:cloudfront/function:Function',
  alarm: 'aws:cloudwatch/metricAlarm:MetricAlarm',
  topic: 'aws:sns/topic:Topic',
  topicPolicy: 'aws:sns/topicPolicy:TopicPolicy',
  subscription: 'aws:sns/topicSubscription:TopicSubscription',
  dashboard: 'aws:cloudwatch/dashboard:Dashboard',
  monitoringSubscription: 'aws:cloudfront/monitoringSubscription:MonitoringSubscription',
} as const;

export interface RecordedResource {
  type: string;
  name: string;
  urn: string;
  /** URN of the parent ('' for none). */
  parent: string;
  /** Provider reference `urn::id` ('' for the default provider). */
  provider: string;
  retainOnDelete: boolean;
  /** Aliases as registered: URNs, and specs (`{ spec: { name, noparent, parenturn, … } }`). */
  aliases: { urns: string[]; specs: { urn: string; spec?: Record<string, unknown> }[] };
  custom: boolean;
  /** The region the mock resolved from the provider (default provider = aws:region). */
  region?: string;
  inputs: Record<string, unknown>;
  /** The state the mock answered with, for resources whose outputs are generated (RandomId). */
  state?: Record<string, unknown>;
  /** What a component registered with `registerOutputs` (components only). */
  registeredOutputs?: Record<string, unknown>;
}

export interface StackRun {
  stack: string;
  config: Record<string, string>;
  resources: RecordedResource[];
  outputs: Record<string, unknown>;
  invokes: { token: string; region: string }[];
}

export class StackRunError extends Error {
  constructor(
    readonly exitCode: number | null,
    readonly stderr: string,
  ) {
    super(`stack run failed (${exitCode}): ${stderr}`);
  }
}

const root = join(__dirname, '..', '..');
const cache = new Map<string, Promise<Stack>>();

/**
 * Runs the program (index.ts, or another program file) for `stack`, memoised per stack, overrides and
 * program. Rejects with StackRunError.
 */
export function runStack(
  stack: string,
  overrides: Record<string, unknown> = {},
  program = join(root, 'index.ts'),
): Promise<Stack> {
  const key = `${stack}:${JSON.stringify(overrides)}:${program}`;
  let run = cache.get(key);
  if (!run) {
    run = spawnRun(stack, overrides, program);
    cache.set(key, run);
  }
  return run;
}

async function spawnRun(stack: string, overrides: Record<string, unknown>, program: string): Promise<Stack> {
  const dir = mkdtempSync(join(tmpdir(), 'image-cdn-stack-'));
  const out = join(dir, 'run.json');
  try {
    await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', join(__dirname, 'stack-child.ts'), stack, out, JSON.stringify(overrides), program],
      { cwd: root, maxBuffer: 16 * 1024 * 1024, timeout: 120_000 },
    );
    return new Stack(JSON.parse(readFileSync(out, 'utf8')) as StackRun);
  } catch (error) {
    const failure = error as { code?: number | null; stderr?: string };
    if (failure.stderr !== undefined) throw new StackRunError(failure.code ?? null, failure.stderr);
    throw error;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export class Stack {
  constructor(readonly run: StackRun) {}

  get resources(): RecordedResource[] {
    return this.run.resources;
  }

  ofType(type: string): RecordedResource[] {
    return this.run.resources.filter((resource) => resource.type === type);
  }

  /** The one resource of `type` named `name`; throws when absent, so assertions never pass vacuously. */
  get(type: string, name: string): RecordedResource {
    const found = this.run.resources.find((resource) => resource.type === type && resource.name === name);
    if (!found) {
      const names = this.ofType(type).map((resource) => resource.name);
      throw new Error(`no ${type} named ${name} (have: ${names.join(', ') || 'none'})`);
    }
    return found;
  }

  /** The single resource of `type`; throws unless there is exactly one. */
  only(type: string): RecordedResource {
    const found = this.ofType(type);
    if (found.length !== 1) throw new Error(`expected one ${type}, found ${found.length}`);
    return found[0]!;
  }

  /**
   * The part of the stack inside the one component of `type` (it, its descendants, and every provider), so
   * a program that builds other resources beside it is checked like one that builds only it.
   */
  within(type: string): Stack {
    const top = this.only(type);
    const inside = new Set([top.urn]);
    // Parents are registered before their children, so one pass in registration order finds them all.
    for (const resource of this.run.resources) if (inside.has(resource.parent)) inside.add(resource.urn);
    const resources = this.run.resources.filter(
      (resource) => inside.has(resource.urn) || resource.type.startsWith('pulumi:providers:'),
    );
    return new Stack({ ...this.run, resources });
  }

  byUrn(urn: string): RecordedResource | undefined {
    return this.run.resources.find((resource) => resource.urn === urn);
  }

  /** The resource a provider reference (`urn::id`) points to. */
  providerOf(resource: RecordedResource): RecordedResource | undefined {
    if (!resource.provider) return undefined;
    const urn = resource.provider.slice(0, resource.provider.lastIndexOf('::'));
    return this.byUrn(urn);
  }

  /** A JSON-string input (IAM and bucket policies) parsed. */
  json<T = unknown>(resource: RecordedResource, input: string): T {
    const value = resource.inputs[input];
    if (typeof value !== 'string') throw new Error(`${resource.name}.${input} is not a JSON string`);
    return JSON.parse(value) as T;
  }
}
