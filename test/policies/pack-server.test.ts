// Boots policies/index.ts the way the CLI does (its own process, cwd = the pack) and waits for the analyzer
// to print its gRPC port: the pack constructs, its names and schemas pass the SDK's checks, and it serves.
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { join } from 'node:path';

describe('policy pack server', function () {
  this.timeout(60_000);

  it('starts the analyzer and prints its port', async () => {
    const dir = join(__dirname, '..', '..', 'policies');
    const child = spawn(process.execPath, ['--import', 'tsx', 'index.ts'], { cwd: dir });
    try {
      const port = await new Promise<string>((resolve, reject) => {
        let out = '';
        let err = '';
        child.stdout.on('data', (chunk: Buffer) => {
          out += chunk.toString();
          const line = /^(\d+)\s*$/m.exec(out);
          if (line) resolve(line[1]!);
        });
        child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
        child.on('exit', (code) => reject(new Error(`pack exited with ${code}: ${err}`)));
      });
      assert.ok(Number(port) > 0);
    } finally {
      child.kill();
    }
  });
});
