import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';

const SIGN = resolve(__dirname, '..', '..', 'scripts', 'sign.ts');
const sign = (args: string[], env: Record<string, string> = {}) =>
  spawnSync(process.execPath, ['--import', 'tsx', SIGN, ...args], {
    encoding: 'utf8',
    env: { ...process.env, ...env },
  });

// Issue 15: `npm run sign -- --help` prints its usage.
describe('npm run sign', function () {
  this.timeout(30_000);

  it('prints its usage, options and an example for --help, and exits 0', () => {
    const run = sign(['--help']);
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /^usage: npm run sign -- "<path\?query>"/);
    for (const text of ['--expires', '--secret', 'IMAGE_CDN_SIGNING_SECRET', 'example:'])
      assert.ok(run.stdout.includes(text), text);
  });

  it('signs a path with the secret from the environment', () => {
    const run = sign(['/photos/cat.jpg?width=400'], {
      IMAGE_CDN_SIGNING_SECRET: 'sign-test-secret-0123456789',
    });
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout.trim(), /^\/photos\/cat\.jpg\?width=400&s=[0-9a-f]{64}$/);
  });

  it('says what is missing, with the usage, when there is no secret', () => {
    const run = sign(['/photos/cat.jpg'], { IMAGE_CDN_SIGNING_SECRET: '' });
    assert.equal(run.status, 1);
    assert.match(run.stderr, /no secret: pass --secret or set IMAGE_CDN_SIGNING_SECRET/);
  });
});
