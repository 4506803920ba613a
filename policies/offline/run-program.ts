// Runs a Pulumi program under runtime mocks with a stack's config and records every registered resource:
// type, name, URN, inputs, mock outputs, provider (with its region), parent, dependencies and
// propertyDependencies, read from the registration request itself. Pulumi's runtime state is global, so
// this runs once per process.
import * as pulumi from '@pulumi/pulumi';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import type { PolicyProviderResource } from '@pulumi/policy';
import type { RegisteredResource } from './evaluate';
import { mockCall, mockResource } from './mocks';
import { waitForProgram } from './program-completion';
import { loadStackConfig, type StackConfig } from './project-config';

const localRequire = createRequire(__filename);

export interface ProgramRun {
  project: string;
  stack: string;
  config: Record<string, string>;
  resources: RegisteredResource[];
}

/** The config the CLI would pass, validated by the CLI's rules (project-config.ts). */
export function stackConfig(root: string, stack: string): StackConfig {
  return loadStackConfig(root, stack);
}

interface RegisterRequest {
  getType(): string;
  getName(): string;
  getParent(): string;
  getProvider(): string;
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
interface Monitor {
  registerResource(req: RegisterRequest, callback: (err: unknown, res?: RegisterResponse) => void): unknown;
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
  timeoutMs = DEFAULT_PROGRAM_TIMEOUT_MS,
): Promise<ProgramRun> {
  const { project, config, secretKeys } = stackConfig(root, stack);
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
        return mockResource(args.type, args.name, inputs, regionOf(args.provider));
      },
      call(args) {
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
  const resources: RegisteredResource[] = [];
  const providerRefs = new Map<string, RegisteredResource>();
  const pending: Promise<void>[] = [];
  const monitor = pulumi.runtime.getMonitor() as unknown as Monitor;
  const register = monitor.registerResource.bind(monitor);
  monitor.registerResource = (req, callback) => {
    const done = new Promise<void>((settle) => {
      register(req, (err, res) => {
        if (res) {
          const propertyDependencies: Record<string, string[]> = {};
          req.getPropertydependenciesMap().forEach((v, k) => (propertyDependencies[k] = v.getUrnsList()));
          const record: RegisteredResource = {
            type: req.getType(),
            name: req.getName(),
            urn: res.getUrn(),
            custom: req.getCustom(),
            inputs: rpc.deserializeProperties(req.getObject()),
            outputs: rpc.deserializeProperties(res.getObject()),
            ...(req.getParent() ? { parent: req.getParent() } : {}),
            dependencies: req.getDependenciesList(),
            propertyDependencies,
          };
          const providerRef = req.getProvider();
          if (providerRef) (record as { providerRef?: string }).providerRef = providerRef;
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

  const settings = localRequire('@pulumi/pulumi/runtime/settings') as { waitForRPCs(): Promise<void> };
  try {
    await waitForProgram(async () => {
      localRequire(resolve(programPath));
      await settings.waitForRPCs();
      await Promise.all(pending);
    }, timeoutMs);
  } catch (e) {
    if (callErrors.length === 0) throw e;
    throw new Error(`${(e as Error).message}\n${callErrors.join('\n')}`);
  }

  // Providers are resolved last: a provider is registered before the resources that use it.
  for (const r of resources) {
    const ref = (r as { providerRef?: string }).providerRef;
    delete (r as { providerRef?: string }).providerRef;
    const provider = ref ? providerRefs.get(ref.slice(0, ref.lastIndexOf('::'))) : undefined;
    if (provider) r.provider = asProvider(provider);
    else if (r.custom && r.type.startsWith('aws:')) r.provider = defaultProvider(project, stack, homeRegion);
  }
  return { project, stack, config, resources };
}

function asProvider(r: RegisteredResource): PolicyProviderResource {
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
