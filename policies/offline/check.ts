// The policy check without cloud credentials or the Pulumi CLI:
//
//   npm run policy:check -- --stack dev [--json] [--program <file>] [--policy-pack-config <file.json>]
//                           [--timeout <seconds>]
//
// Runs the program under runtime mocks with the stack's config, evaluates every rule of the pack (resource
// and stack rules) on what it registered, prints a report, and exits 1 on any mandatory violation
// (2 when the program or the checker itself fails, or the program does not finish: an Output that never
// resolves, a data source the mocks do not know). No report is printed unless the program finished.
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { PolicyPackConfig } from '@pulumi/policy';
import { allPolicies } from '../rules/all';
import { evaluate } from './evaluate';
import { formatJson, formatText, summary } from './report';
import { DEFAULT_PROGRAM_TIMEOUT_MS, runProgram } from './run-program';

interface Options {
  stack: string;
  json: boolean;
  program: string;
  config: PolicyPackConfig;
  timeoutMs: number;
}

const root = resolve(__dirname, '..', '..');

function parseArgs(argv: string[]): Options {
  const options: Options = {
    stack: '',
    json: false,
    program: join(root, 'index.ts'),
    config: {},
    timeoutMs: DEFAULT_PROGRAM_TIMEOUT_MS,
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${arg} needs a value`);
      return v;
    };
    if (arg === '--stack' || arg === '-s') options.stack = value();
    else if (arg === '--json') options.json = true;
    else if (arg === '--program') options.program = resolve(value());
    else if (arg === '--policy-pack-config') options.config = JSON.parse(readFileSync(value(), 'utf8'));
    else if (arg === '--timeout') {
      const seconds = Number(value());
      if (!(seconds > 0)) throw new Error('--timeout takes a number of seconds greater than 0');
      options.timeoutMs = seconds * 1000;
    } else throw new Error(`unknown argument ${arg}`);
  }
  if (!options.stack) throw new Error('--stack <name> is required (e.g. --stack dev)');
  return options;
}

async function main(): Promise<number> {
  const options = parseArgs(process.argv.slice(2));
  const pack = JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')) as {
    name: string;
    version: string;
  };
  const run = await runProgram(root, options.stack, options.program, options.timeoutMs);
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
    process.stderr.write(`policy check failed: ${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(2);
  },
);
