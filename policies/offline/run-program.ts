// Runs a Pulumi program under runtime mocks with a stack's config and records every registered resource:
// type, name, URN, inputs, mock outputs, provider (with its region), parent, dependencies,
// propertyDependencies and retainOnDelete, read from the registration request itself; also the invokes the
// program made and its stack outputs. The one mock runner: the offline checker and the infra tests
// (test/support/stack-child.ts) both use it. Pulumi's runtime state is global, so this runs once per process.
import { createRequire } from 'node:module';
import { resolve } from 'node:path';

import type { PolicyProviderResource } from '@pulumi/policy';
import * as pulumi from '@pulumi/pulumi';

import type { RegisteredResource } from './evaluate';
import { mockCall, mockRead, mockResource } from './mocks';
import { waitForProgram } from './program-completion';
import { loadStackConfig, type StackConfig, type StackValue } from './project-config';

const localRequire = createRequire(__filename);

/** A registered resource, with what only the registration request tells. */
export interface RunResource extends RegisteredResource {
  /** The provider reference `urn::id` as registered ('' for the default provider). */
  providerReference: string;
  retainOnDelete: boolean;
  /** What a component passed to `registerOutputs`, resolved (components only). */
  registeredOutputs?: Record<string, unknown>;
  /** The aliases registered, as URNs and as specs (`{ urn }` or `{ spec: { name, type, parentUrn, noparent, … } }`). */
  aliases: { urns: string[]; specs: { urn: string; spec?: Record<string, unknown> }[] };
}

export interface ProgramRun {
  project: string;
  stack: string;
  config: Record<string, string>;
  resources: RunResource[];
  /** Every invoke (data source call), with the region of the provider it went to. */
  invokes: { token: string; region: string }[];
  /** The program's exported outputs, resolved. */
  outputs: Record<string, unknown>;
}

export interface RunOptions {
  /** How long the program may run (`--timeout`). @default DEFAULT_PROGRAM_TIMEOUT_MS */
  readonly timeoutMs?: number;
  /** Values as if the stack file held them (`{ secure: text }` for an encrypted one). @default {} */
  readonly configOverrides?: Record<string, StackValue>;
}

/** The config the CLI would pass, validated by the CLI's rules (project-config.ts). */
export function stackConfig(
  root: string,
  stack: string,
  overrides: Record<string, StackValue> = {},
): StackConfig {
  return loadStackConfig(root, stack, overrides);
}

interface RegisterRequest {
  getType(): string;
  getName(): string;
  getParent(): string;
  getProvider(): string;
  getRetainondelete(): boolean | undefined;
  getAliasurnsList(): string[];
  getAliasesList(): { toObject(): { urn: string; spec?: Record<string, unknown> } }[];
  getCustom(): boolean;
  getObject(): unknown;
  getDependenciesList(): string[];
  getPropertydependenciesMap(): {
    forEach(cb: (value: { getUrnsList(): string[] }, key: string) => void): void;
  };
}
interface RegisterResponse {
  getUrn(): string;
  getObject(): unknown;
}
interface RegisterOutputsRequest {
  getUrn(): string;
  getOutputs(): unknown;
}

interface Monitor {
  registerResource(req: RegisterRequest, callback: (err: unknown, res?: RegisterResponse) => void): unknown;
  registerResourceOutputs(
    req: RegisterOutputsRequest,
    callback: (err: unknown, res?: unknown) => void,
  ): unknown;
}

/** How long a program may run before the checker gives up on it (`--timeout`). */
export const DEFAULT_PROGRAM_TIMEOUT_MS = 120_000;

/**
 * Runs `programPath` for `stack` (config read from `root`) and returns what it registered, only once the
 * program has really finished (see program-completion.ts); throws if it fails, hangs or can never finish.
 */
export async function runProgram(
  root: string,
  stack: string,
  programPath: string,
  options: RunOptions = {},
): Promise<ProgramRun> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_PROGRAM_TIMEOUT_MS;
  const { project, config, secretKeys } = stackConfig(root, stack, options.configOverrides);
  const invokes: ProgramRun['invokes'] = [];
  const outputs: ProgramRun['outputs'] = {};
  const homeRegion = config['aws:region'] ?? 'us-east-1';
  const providerRegions = new Map<string, string>();
  const regionOf = (ref: string | undefined) => {
    if (!ref) return homeRegion;
    return providerRegions.get(ref.slice(ref.lastIndexOf('::') + 2)) ?? homeRegion;
  };

  const callErrors: string[] = [];
  pulumi.runtime.setAllConfig(config, secretKeys);
  await pulumi.runtime.setMocks(
    {
      newResource(args) {
        const inputs = args.inputs as Record<string, unknown>;
        if (args.type.startsWith('pulumi:providers:')) {
          providerRegions.set(args.name, String(inputs.region ?? homeRegion));
          return { id: args.name, state: inputs };
        }
        if (args.id) return mockRead(args.type, args.name, args.id, regionOf(args.provider));
        return mockResource(args.type, args.name, inputs, regionOf(args.provider));
      },
      call(args) {
        invokes.push({ token: args.token, region: regionOf(args.provider) });
        try {
          return mockCall(args.token, args.inputs as Record<string, unknown>, regionOf(args.provider));
        } catch (e) {
          // The runtime passes on only an empty "error serializing" message; keep the real one.
          callErrors.push((e as Error).message);
          throw e;
        }
      },
    },
    project,
    stack,
  );

  const rpc = localRequire('@pulumi/pulumi/runtime/rpc') as {
    deserializeProperties(struct: unknown): Record<string, unknown>;
  };
  const resources: RunResource[] = [];
  const providerRefs = new Map<string, RunResource>();
  const pending: Promise<void>[] = [];
  const monitor = pulumi.runtime.getMonitor() as unknown as Monitor;
  const register = monitor.registerResource.bind(monitor);
  monitor.registerResource = (req, callback) => {
    const done = new Promise<void>((settle) => {
      register(req, (err, res) => {
        if (res) {
          const propertyDependencies: Record<string, string[]> = {};
          req.getPropertydependenciesMap().forEach((v, k) => (propertyDependencies[k] = v.getUrnsList()));
          const record: RunResource = {
            type: req.getType(),
            name: req.getName(),
            urn: res.getUrn(),
            custom: req.getCustom(),
            inputs: rpc.deserializeProperties(req.getObject()),
            outputs: rpc.deserializeProperties(res.getObject()),
            ...(req.getParent() ? { parent: req.getParent() } : {}),
            dependencies: req.getDependenciesList(),
            propertyDependencies,
            providerReference: req.getProvider(),
            retainOnDelete: req.getRetainondelete() === true,
            aliases: {
              urns: req.getAliasurnsList(),
              specs: req.getAliasesList().map((alias) => alias.toObject()),
            },
          };
          resources.push(record);
          if (record.type.startsWith('pulumi:providers:')) providerRefs.set(record.urn, record);
        }
        callback(err, res);
        settle();
      });
    });
    pending.push(done);
    return undefined;
  };

  const registeredOutputs = new Map<string, Record<string, unknown>>();
  const registerOutputs = monitor.registerResourceOutputs.bind(monitor);
  monitor.registerResourceOutputs = (req, callback) => {
    registeredOutputs.set(req.getUrn(), rpc.deserializeProperties(req.getOutputs()));
    return registerOutputs(req, callback);
  };

  const settings = localRequire('@pulumi/pulumi/runtime/settings') as { waitForRPCs(): Promise<void> };
  try {
    await waitForProgram(async () => {
      const program = localRequire(resolve(programPath)) as Record<string, unknown>;
      for (const [name, value] of Object.entries(program))
        if (pulumi.Output.isInstance(value)) outputs[name] = await resolved(value as pulumi.Output<unknown>);
      await settings.waitForRPCs();
      await Promise.all(pending);
    }, timeoutMs);
  } catch (e) {
    if (callErrors.length === 0) throw e;
    throw new Error(`${(e as Error).message}\n${callErrors.join('\n')}`);
  }

  // Providers are resolved last: a provider is registered before the resources that use it.
  for (const r of resources) {
    const registered = registeredOutputs.get(r.urn);
    if (registered) r.registeredOutputs = registered;
    const ref = r.providerReference;
    const provider = ref ? providerRefs.get(ref.slice(0, ref.lastIndexOf('::'))) : undefined;
    if (provider) r.provider = asProvider(provider);
    else if (r.custom && r.type.startsWith('aws:')) r.provider = defaultProvider(project, stack, homeRegion);
  }
  return { project, stack, config, resources, invokes, outputs };
}

/** An output's value once known (mocks resolve every output). */
function resolved<T>(output: pulumi.Output<T>): Promise<T> {
  return new Promise((resolve) => output.apply((value) => resolve(value)));
}

function asProvider(r: RunResource): PolicyProviderResource {
  return { type: r.type, name: r.name, urn: r.urn, props: r.inputs };
}

/** The engine's default provider, configured from the stack's aws: config. */
function defaultProvider(project: string, stack: string, region: string): PolicyProviderResource {
  return {
    type: 'pulumi:providers:aws',
    name: 'default',
    urn: `urn:pulumi:${stack}::${project}::pulumi:providers:aws::default`,
    props: { region },
  };
}
