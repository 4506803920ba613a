// The policy check without cloud credentials or the Pulumi CLI. Run `npm run policy:check -- --help`.
//
// Runs the program under runtime mocks with the stack's config, evaluates every rule of the pack (resource
// and stack rules) on what it registered, prints a report, and exits 1 on any mandatory violation
// (2 when the program or the checker itself fails, or the program does not finish: an Output that never
// resolves, a data source the mocks do not know). No report is printed unless the program finished.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs as parseCommandLine } from 'node:util';

import type { PolicyPackConfig } from '@pulumi/policy';

import { allPolicies } from '../rules/all';
import { evaluate } from './evaluate';
import { formatJson, formatText, summary } from './report';
import { DEFAULT_PROGRAM_TIMEOUT_MS, runProgram } from './run-program';

const USAGE = `usage: npm run policy:check -- --stack <name> [options]

Runs the program under Pulumi's runtime mocks with Pulumi.<name>.yaml and evaluates every rule of the
policy pack, without the Pulumi CLI or cloud credentials.

options:
  -s, --stack <name>              stack to check (required), e.g. dev
      --json                      print the report as JSON
      --program <file>            program to run (default: index.ts)
      --policy-pack-config <file> rule levels and settings, as for pulumi --policy-pack-config
      --timeout <seconds>         give up on a program that has not finished (default: ${DEFAULT_PROGRAM_TIMEOUT_MS / 1000})
  -h, --help                      print this help

exit codes: 0 no mandatory violation, 1 a mandatory violation, 2 the check could not run (bad arguments,
invalid stack config, a program that fails or never finishes)

example: npm run policy:check -- --stack dev --json > report.json`;

interface Options {
  stack: string;
  json: boolean;
  program: string;
  config: PolicyPackConfig;
  timeoutMs: number;
}

const root = resolve(__dirname, '..', '..');

/** Stacks with a Pulumi.<stack>.yaml beside Pulumi.yaml. */
function existingStacks(): string[] {
  return readdirSync(root)
    .map((file) => /^Pulumi\.(.+)\.yaml$/.exec(file)?.[1])
    .filter((stack): stack is string => stack !== undefined)
    .sort();
}

/** The options, or undefined when --help was asked for. */
function parseArgs(argv: string[]): Options | undefined {
  const { values } = parseCommandLine({
    args: argv,
    options: {
      stack: { type: 'string', short: 's' },
      json: { type: 'boolean', default: false },
      program: { type: 'string' },
      'policy-pack-config': { type: 'string' },
      timeout: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) return undefined;
  if (!values.stack) throw new Error('--stack <name> is required (e.g. --stack dev)');
  if (!existsSync(join(root, `Pulumi.${values.stack}.yaml`))) {
    throw new Error(
      `no stack file Pulumi.${values.stack}.yaml for stack '${values.stack}'; stacks: ${existingStacks().join(', ')}`,
    );
  }
  let timeoutMs = DEFAULT_PROGRAM_TIMEOUT_MS;
  if (values.timeout !== undefined) {
    const seconds = Number(values.timeout);
    if (!(seconds > 0)) throw new Error('--timeout takes a number of seconds greater than 0');
    timeoutMs = seconds * 1000;
  }
  const configFile = values['policy-pack-config'];
  return {
    stack: values.stack,
    json: values.json,
    program: values.program ? resolve(values.program) : join(root, 'index.ts'),
    config: configFile ? (JSON.parse(readFileSync(configFile, 'utf8')) as PolicyPackConfig) : {},
    timeoutMs,
  };
}

async function main(): Promise<number> {
  const options = parseArgs(process.argv.slice(2));
  if (!options) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const pack = JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')) as {
    name: string;
    version: string;
  };
  const run = await runProgram(root, options.stack, options.program, { timeoutMs: options.timeoutMs });
  const violations = await evaluate(run.resources, allPolicies, { config: options.config });
  const result = {
    pack: { name: pack.name, version: pack.version },
    stack: options.stack,
    program: options.program,
    resources: run.resources,
    policies: allPolicies,
    violations,
    config: options.config,
  };
  process.stdout.write(`${options.json ? formatJson(result) : formatText(result)}\n`);
  return summary(violations).mandatory > 0 ? 1 : 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    // One line for the user; the stack trace only when asked for (DEBUG=1).
    const message =
      error instanceof Error ? (process.env.DEBUG ? error.stack : error.message) : String(error);
    process.stderr.write(`policy check failed: ${message}\n`);
    process.exit(2);
  },
);
