import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

import * as images from '../support/images';

const MAIN = resolve(__dirname, '..', '..', 'local', 'main.ts');

interface Running {
  readonly child: ChildProcess;
  readonly output: () => string;
  /** Resolves with the output once a line matches `pattern` (rejects if the process ends first). */
  waitFor(pattern: RegExp): Promise<string>;
  exited: Promise<number | null>;
}

/** `npm start -- …` as a child process: node with tsx on local/main.ts, outside npm (no npm_config_*). */
function start(args: string[], env: Record<string, string> = {}): Running {
  const clean = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !name.startsWith('npm_config_')),
  );
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN, ...args], {
    env: { ...clean, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  const listeners = new Set<() => void>();
  const append = (chunk: Buffer) => {
    text += chunk.toString();
    for (const listener of listeners) listener();
  };
  child.stdout!.on('data', append);
  child.stderr!.on('data', append);
  const exited = new Promise<number | null>((done) => child.on('exit', (code) => done(code)));
  return {
    child,
    output: () => text,
    exited,
    waitFor: (pattern) =>
      new Promise((done, fail) => {
        const check = () => {
          const match = pattern.exec(text);
          if (match) {
            listeners.delete(check);
            done(match[0]);
          }
        };
        listeners.add(check);
        check();
        void exited.then(() => {
          check();
          fail(new Error(`exited before ${pattern}: ${text}`));
        });
      }),
  };
}

async function stop(running: Running) {
  running.child.kill('SIGTERM');
  await running.exited;
}

// Issue 15: the local edge's command line never leaves a user guessing.
describe('npm start (the local edge command line)', function () {
  this.timeout(90_000);

  it('lists every option with its default and examples for --help', async () => {
    const run = start(['--help']);
    assert.equal(await run.exited, 0);
    for (const flag of [
      '--port',
      '--originals',
      '--watch',
      '--signing-secret',
      '--cache-mb',
      '--transforms',
      '--regions',
      '--edge-region',
      '--replication-lag-ms',
      '--quiet',
    ])
      assert.ok(run.output().includes(flag), flag);
    assert.match(run.output(), /--port <value> .*\(default 3000\)/);
    assert.match(run.output(), /examples:\n {2}npm start\n/);
  });

  it('refuses --regions that are not region codes, or name a region twice, in one line', async () => {
    for (const [regions, message] of [
      [
        'us-west-2,Ireland',
        /--regions must list AWS region codes such as us-west-2,eu-west-1, got "Ireland"/,
      ],
      ['us-west-2,eu-west-1,us-west-2', /--regions lists us-west-2 twice/],
    ] as const) {
      const run = start(['--regions', regions]);
      assert.equal(await run.exited, 1);
      assert.match(run.output(), message);
      assert.equal(run.output().trim().split('\n').length, 1, run.output());
    }
  });

  it('says to put -- before the options when npm kept one for itself', async () => {
    const run = start([], { npm_config_port: '8080' });
    assert.equal(await run.exited, 1);
    assert.match(run.output(), /npm kept --port for itself: put -- before the options/);
  });

  it('reports a port in use in one line, before starting anything or leaving a folder behind', async () => {
    const blocker: Server = createServer();
    await new Promise<void>((done) => blocker.listen(0, '127.0.0.1', done));
    const port = (blocker.address() as { port: number }).port;
    const folders = () => readdirSync(tmpdir()).filter((name) => name.startsWith('image-cdn-s3-')).length;
    const before = folders();
    try {
      const run = start(['--port', String(port)]);
      assert.equal(await run.exited, 1);
      assert.equal(run.output().trim().split('\n').length, 1, run.output());
      assert.match(run.output(), new RegExp(`port ${port} is already in use`));
      assert.equal(folders(), before);
    } finally {
      blocker.close();
    }
  });

  describe('with a folder of originals', () => {
    let dir: string;
    before(async () => {
      dir = mkdtempSync(join(tmpdir(), 'cli-originals-'));
      writeFileSync(join(dir, 'cat.jpg'), await images.photoJpeg(320, 240));
      writeFileSync(join(dir, 'notes.txt'), 'not an image');
      symlinkSync(join(dir, 'cat.jpg'), join(dir, 'link.jpg'));
    });
    after(() => rmSync(dir, { recursive: true, force: true }));

    it('lists the files it skips, signs its "try" URL, and serves that URL', async () => {
      const run = start([
        '--port',
        '0',
        '--originals',
        dir,
        '--quiet',
        '--signing-secret',
        'cli-test-secret-0123456789',
      ]);
      try {
        const skipped = await run.waitFor(/skipped 2 file\(s\): [^\n]*/);
        assert.match(skipped, /link\.jpg \(symbolic link\)/);
        assert.match(skipped, /notes\.txt \(not one of/);
        const tryUrl = (await run.waitFor(/try (\S+)/)).slice('try '.length);
        assert.match(tryUrl, /\/cat\.jpg\?width=400&format=auto&s=[0-9a-f]{64}$/);
        assert.equal((await fetch(tryUrl)).status, 200);
        assert.equal((await fetch(tryUrl.replace(/&s=.*$/, ''))).status, 403);
        assert.match(
          run.output(),
          /upload by hand: AWS_ACCESS_KEY_ID=\S+ AWS_SECRET_ACCESS_KEY=\S+ aws --endpoint-url http:\/\/127\.0\.0\.1:\d+ s3 cp/,
        );
      } finally {
        await stop(run);
      }
    });

    it('uploads a file added while it runs (--watch), which the CDN then serves', async () => {
      const run = start(['--port', '0', '--originals', dir, '--quiet', '--watch']);
      try {
        const url = (await run.waitFor(/ready at (http:\/\/\S+)/)).split(' ').pop()!;
        writeFileSync(join(dir, 'new.jpg'), await images.photoJpeg(200, 100));
        await run.waitFor(/watch: uploaded new\.jpg/);
        const response = await fetch(`${url}/new.jpg?width=50`);
        assert.equal(response.status, 200);
      } finally {
        await stop(run);
      }
    });
  });
});
