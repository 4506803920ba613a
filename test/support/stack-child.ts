// Runs the real index.ts under the offline checker's mock runner (policies/offline/run-program.ts, the one
// mock harness) for one stack, in its own process (Pulumi's runtime state is global), and writes every
// registered resource, the invokes and the stack outputs as JSON for test/support/stack.ts.
//
//   node --import tsx test/support/stack-child.ts <stack> <out.json> [config-overrides-json] [program.ts]
//
// Config is what the CLI would pass: Pulumi.yaml defaults, then Pulumi.<stack>.yaml, then overrides (as if
// the stack file held them; `{ secure: text }` is an encrypted value), validated by the CLI's rules.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

import * as pulumi from '@pulumi/pulumi';
// A secret may arrive as `{ [specialSigKey]: specialSecretSig, value }`.
import { specialSecretSig, specialSigKey } from '@pulumi/pulumi/runtime/rpc';

import { runProgram } from '../../policies/offline/run-program';
import type { StackRun } from './stack';

const root = join(__dirname, '..', '..');

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

async function main(): Promise<void> {
  const [stack, outPath, overridesJson, program = join(root, 'index.ts')] = process.argv.slice(2);
  if (!stack || !outPath) throw new Error('usage: stack-child.ts <stack> <out.json> [overrides]');
  const overrides = overridesJson ? (JSON.parse(overridesJson) as Record<string, unknown>) : {};
  const run = await runProgram(root, stack, program, { configOverrides: overrides });
  const homeRegion = run.config['aws:region'] ?? 'us-east-1';
  const result: StackRun = {
    stack,
    config: run.config,
    resources: [],
    outputs: (await plain(run.outputs)) as Record<string, unknown>,
    invokes: run.invokes,
  };
  for (const resource of run.resources) {
    result.resources.push({
      type: resource.type,
      name: resource.name,
      urn: resource.urn,
      parent: resource.parent ?? '',
      provider: resource.providerReference,
      retainOnDelete: resource.retainOnDelete,
      aliases: resource.aliases,
      custom: resource.custom,
      region: String(resource.provider?.props.region ?? homeRegion),
      inputs: (await plain(resource.inputs)) as Record<string, unknown>,
      state: (await plain(resource.outputs)) as Record<string, unknown>,
      ...(resource.registeredOutputs
        ? { registeredOutputs: (await plain(resource.registeredOutputs)) as Record<string, unknown> }
        : {}),
    });
  }
  writeFileSync(outPath, JSON.stringify(result, null, 1));
}

process.on('unhandledRejection', (reason) => {
  process.stderr.write(`unhandled rejection: ${String((reason as Error)?.stack ?? reason)}\n`);
  process.exit(3);
});

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(2);
});
