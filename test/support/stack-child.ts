// Runs the real index.ts under Pulumi runtime mocks for one stack, in its own process (Pulumi's runtime
// state is global), and writes every registered resource and the stack outputs as JSON.
//
//   node --import tsx test/infra/stack-child.ts <stack> <out.json> [config-overrides-json]
//
// Config is what the CLI would pass: Pulumi.yaml defaults, then Pulumi.<stack>.yaml, then overrides (as if
// the stack file held them; `{ secure: text }` is an encrypted value), validated by the CLI's rules.
import * as pulumi from '@pulumi/pulumi';
// Mocks see secrets as `{ [specialSigKey]: specialSecretSig, value }`.
import { specialSecretSig, specialSigKey } from '@pulumi/pulumi/runtime/rpc';
import { createRequire } from 'node:module';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomId } from '../../policies/offline/mocks';
import { loadStackConfig } from '../../policies/offline/project-config';
import { ACCOUNT_ID, type RecordedResource, type StackRun } from './stack';

const root = join(__dirname, '..', '..');
const localRequire = createRequire(__filename);

const PROJECT = 'image-cdn';

/** Assets and archives hold promises, and secrets arrive wrapped; turn them into plain JSON. */
async function plain(value: unknown): Promise<unknown> {
  if (
    value !== null &&
    typeof value === 'object' &&
    (value as Record<string, unknown>)[specialSigKey] === specialSecretSig
  ) {
    return plain((value as { value: unknown }).value);
  }
  if (value instanceof pulumi.asset.StringAsset) return { asset: 'string', text: await value.text };
  if (value instanceof pulumi.asset.FileAsset) return { asset: 'file', path: await value.path };
  if (value instanceof pulumi.asset.FileArchive) return { archive: 'file', path: await value.path };
  if (value instanceof pulumi.asset.AssetArchive) {
    const assets = await value.assets;
    const out: Record<string, unknown> = {};
    for (const [name, asset] of Object.entries(assets)) out[name] = await plain(asset);
    return { archive: 'assets', assets: out };
  }
  if (Array.isArray(value)) return Promise.all(value.map(plain));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) out[key] = await plain(item);
    return out;
  }
  return value;
}

function promiseOf<T>(output: pulumi.Output<T>): Promise<T> {
  return new Promise((resolve) => output.apply((value) => resolve(value)));
}

async function main(): Promise<void> {
  const [stack, outPath, overridesJson] = process.argv.slice(2);
  if (!stack || !outPath) throw new Error('usage: stack-child.ts <stack> <out.json> [overrides]');
  const overrides = overridesJson ? (JSON.parse(overridesJson) as Record<string, unknown>) : {};
  const { config, secretKeys } = loadStackConfig(root, stack, overrides);
  const homeRegion = config['aws:region'] ?? 'us-east-1';
  const result: StackRun = { stack, config, resources: [], outputs: {}, invokes: [] };

  const byKey = new Map<string, RecordedResource>();
  const record = (type: string, name: string): RecordedResource => {
    const key = `${type}::${name}`;
    let entry = byKey.get(key);
    if (!entry) {
      entry = {
        type,
        name,
        urn: '',
        parent: '',
        provider: '',
        retainOnDelete: false,
        custom: false,
        inputs: {},
      };
      byKey.set(key, entry);
      result.resources.push(entry);
    }
    return entry;
  };
  const providerRegions = new Map<string, string>();
  const regionOf = (providerRef: string | undefined): string => {
    if (!providerRef) return homeRegion;
    const id = providerRef.split('::').pop() ?? '';
    return providerRegions.get(id) ?? homeRegion;
  };

  pulumi.runtime.setAllConfig(config, secretKeys);
  await pulumi.runtime.setMocks(
    {
      newResource(args) {
        const region = regionOf(args.provider);
        const inputs = args.inputs as Record<string, unknown>;
        const id = args.name;
        const entry = record(args.type, args.name);
        entry.inputs = inputs;
        entry.region = region;
        switch (args.type) {
          case 'pulumi:providers:aws':
            providerRegions.set(id, String(inputs.region));
            return { id, state: inputs };
          case 'aws:s3/bucket:Bucket':
            return {
              id: String(inputs.bucket),
              state: {
                ...inputs,
                arn: `arn:aws:s3:::${inputs.bucket}`,
                bucketRegionalDomainName: `${inputs.bucket}.s3.${region}.amazonaws.com`,
                region,
              },
            };
          case 'aws:lambda/function:Function': {
            const arn = `arn:aws:lambda:${region}:${ACCOUNT_ID}:function:${inputs.name}`;
            return {
              id: String(inputs.name),
              state: {
                ...inputs,
                arn,
                version: '1',
                qualifiedArn: `${arn}:1`,
                invokeArn: `${arn}/invocations`,
              },
            };
          }
          case 'aws:lambda/layerVersion:LayerVersion': {
            const layerArn = `arn:aws:lambda:${region}:${ACCOUNT_ID}:layer:${inputs.layerName}`;
            return { id, state: { ...inputs, layerArn, arn: `${layerArn}:1`, version: '1' } };
          }
          case 'aws:iam/role:Role':
            return {
              id: String(inputs.name),
              state: { ...inputs, arn: `arn:aws:iam::${ACCOUNT_ID}:role/${inputs.name}` },
            };
          case 'aws:sqs/queue:Queue':
            return {
              id: `https://sqs.${region}.amazonaws.com/${ACCOUNT_ID}/${inputs.name}`,
              state: {
                ...inputs,
                arn: `arn:aws:sqs:${region}:${ACCOUNT_ID}:${inputs.name}`,
                url: `https://sqs.${region}.amazonaws.com/${ACCOUNT_ID}/${inputs.name}`,
              },
            };
          case 'aws:cloudwatch/logGroup:LogGroup':
            return {
              id: String(inputs.name),
              state: { ...inputs, arn: `arn:aws:logs:${region}:${ACCOUNT_ID}:log-group:${inputs.name}` },
            };
          case 'aws:cloudfront/distribution:Distribution':
            return {
              id,
              state: {
                ...inputs,
                arn: `arn:aws:cloudfront::${ACCOUNT_ID}:distribution/${id}`,
                domainName: `${id}.${stack}.cloudfront.net`,
              },
            };
          case 'aws:cloudfront/function:Function':
            return {
              id: String(inputs.name),
              state: { ...inputs, arn: `arn:aws:cloudfront::${ACCOUNT_ID}:function/${inputs.name}` },
            };
          case 'random:index/randomId:RandomId': {
            const created = randomId(inputs);
            entry.state = created.state;
            return created;
          }
          default:
            return { id, state: inputs };
        }
      },
      call(args) {
        result.invokes.push({ token: args.token, region: regionOf(args.provider) });
        switch (args.token) {
          case 'aws:index/getCallerIdentity:getCallerIdentity':
            return {
              accountId: ACCOUNT_ID,
              arn: `arn:aws:iam::${ACCOUNT_ID}:user/deployer`,
              userId: 'AIDAEXAMPLE',
              id: ACCOUNT_ID,
            };
          case 'aws:index/getRegion:getRegion': {
            const region = regionOf(args.provider);
            return { region, name: region, id: region, endpoint: `ec2.${region}.amazonaws.com` };
          }
          default:
            throw new Error(`unmocked invoke ${args.token}`);
        }
      },
    },
    PROJECT,
    stack,
  );

  // Resource options (parent, provider, retainOnDelete) are not part of MockResourceArgs: read them
  // from the registration request itself.
  const monitor = pulumi.runtime.getMonitor() as unknown as {
    registerResource(req: RegisterRequest, callback: (err: unknown, res: RegisterResponse) => void): unknown;
  };
  const register = monitor.registerResource.bind(monitor);
  monitor.registerResource = (req, callback) => {
    const entry = record(req.getType(), req.getName());
    entry.parent = req.getParent();
    entry.provider = req.getProvider();
    entry.retainOnDelete = req.getRetainondelete() === true;
    entry.custom = req.getCustom();
    return register(req, (err, res) => {
      if (res) entry.urn = res.getUrn();
      callback(err, res);
    });
  };

  const program = (await import('../../index')) as Record<string, unknown>;
  for (const [key, value] of Object.entries(program))
    if (pulumi.Output.isInstance(value))
      result.outputs[key] = await promiseOf(value as pulumi.Output<unknown>);

  const settings = localRequire('@pulumi/pulumi/runtime/settings') as { waitForRPCs(): Promise<void> };
  await settings.waitForRPCs();
  for (const entry of result.resources) entry.inputs = (await plain(entry.inputs)) as Record<string, unknown>;
  writeFileSync(outPath, JSON.stringify(result, null, 1));
}

interface RegisterRequest {
  getType(): string;
  getName(): string;
  getParent(): string;
  getProvider(): string;
  getRetainondelete(): boolean | undefined;
  getCustom(): boolean;
}
interface RegisterResponse {
  getUrn(): string;
}

process.on('unhandledRejection', (reason) => {
  process.stderr.write(`unhandled rejection: ${String((reason as Error)?.stack ?? reason)}\n`);
  process.exit(3);
});

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(2);
});
