import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

// autocannon ships no types; this is the part of its result used here.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const autocannon = require('autocannon') as (options: Record<string, unknown>) => Promise<AutocannonResult>;

interface AutocannonResult {
  latency: { p50: number; p99: number; average: number };
  requests: { average: number; total: number };
  errors: number;
  timeouts: number;
  non2xx: number;
  statusCodeStats?: Record<string, { count: number }>;
  '5xx': number;
}

export interface LoadFigures {
  readonly p50: number;
  readonly p99: number;
  readonly rps: number;
  readonly total: number;
  readonly errors: number;
  readonly status5xx: number;
  readonly statusCodes: Record<string, number>;
}

/** A load from autocannon, bounded in time, against a server on this machine. */
export async function runLoad(options: {
  url: string;
  connections: number;
  durationSeconds: number;
  requests?: Array<{ path: string; headers?: Record<string, string> }>;
  /** Chooses each request's path; called once per request. */
  nextPath?: () => string;
}): Promise<LoadFigures> {
  const requests = options.nextPath
    ? [{ method: 'GET', setupRequest: (req: { path: string }) => ({ ...req, path: options.nextPath!() }) }]
    : options.requests?.map((r) => ({ method: 'GET', path: r.path, headers: r.headers }));
  const result = await autocannon({
    url: options.url,
    connections: options.connections,
    duration: options.durationSeconds,
    requests,
  });
  const statusCodes = Object.fromEntries(
    Object.entries(result.statusCodeStats ?? {}).map(([code, s]) => [code, s.count]),
  );
  return {
    p50: result.latency.p50,
    p99: result.latency.p99,
    rps: result.requests.average,
    total: result.requests.total,
    errors: result.errors + result.timeouts,
    status5xx: result['5xx'],
    statusCodes,
  };
}

/** Resident set size of a process, from /proc (Linux). */
export function rssBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = /VmRSS:\s+(\d+)\s+kB/.exec(status);
  return kb ? Number(kb[1]) * 1024 : 0;
}

export interface ServerProcess {
  readonly url: string;
  readonly child: ChildProcess;
  stop(): Promise<void>;
}

/** Starts `npm start`'s program in a child process, so load and server do not share an event loop. */
export async function startLocalEdgeProcess(
  port: number,
  originalsDir?: string,
  extraArgs: string[] = [],
): Promise<ServerProcess> {
  const args = [join(__dirname, '../local/main.ts'), '--port', String(port), '--quiet', ...extraArgs];
  if (originalsDir) args.push('--originals', originalsDir);
  const child = spawn(process.execPath, ['--import', 'tsx', ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const ready = /ready at (http:\/\/\S+)/.exec(output);
      if (ready) resolve(ready[1] as string);
    });
    child.on('exit', (code) => reject(new Error(`local edge exited with ${code}: ${output}`)));
  });
  child.stdout?.resume();
  return {
    url,
    child,
    stop: () =>
      new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGINT');
      }),
  };
}
