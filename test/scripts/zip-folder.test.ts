import assert from 'node:assert/strict';
import {
  chmodSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

import { unzipTo, zipFolder } from '../../scripts/zip-folder';

const root = resolve(__dirname, '..', '..');

// Issue 10, item 16: the build and the tests need nothing beyond `npm ci`.
describe('zipping without a zip program', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'zip-folder-'));
    mkdirSync(join(dir, 'in', 'lib'), { recursive: true });
    writeFileSync(join(dir, 'in', 'index.js'), 'exports.handler = 1;\n');
    writeFileSync(join(dir, 'in', 'lib', 'native.node'), Buffer.from([0, 1, 2, 255]));
    chmodSync(join(dir, 'in', 'lib', 'native.node'), 0o755);
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('round-trips a folder byte for byte, the same archive every time', () => {
    zipFolder(join(dir, 'in'), join(dir, 'a.zip'));
    zipFolder(join(dir, 'in'), join(dir, 'b.zip'));
    assert.deepEqual(readFileSync(join(dir, 'a.zip')), readFileSync(join(dir, 'b.zip')));
    unzipTo(join(dir, 'a.zip'), join(dir, 'out'));
    assert.deepEqual(readdirSync(join(dir, 'out')).sort(), ['index.js', 'lib']);
    assert.equal(readFileSync(join(dir, 'out', 'index.js'), 'utf8'), 'exports.handler = 1;\n');
    assert.deepEqual(readFileSync(join(dir, 'out', 'lib', 'native.node')), Buffer.from([0, 1, 2, 255]));
    assert.ok(statSync(join(dir, 'a.zip')).size > 0);
  });

  it('refuses a symbolic link instead of storing what it points to by accident', () => {
    symlinkSync(join(dir, 'in', 'index.js'), join(dir, 'in', 'link.js'));
    assert.throws(() => zipFolder(join(dir, 'in'), join(dir, 'c.zip')), /link\.js is a symbolic link/);
  });

  it('is what the build and the bundle test use: no program but node and npm is spawned by them', () => {
    for (const file of ['scripts/build.ts', 'test/edge/bundle.test.ts']) {
      const source = readFileSync(join(root, file), 'utf8');
      const programs = [...source.matchAll(/exec(?:File)?(?:Sync)?\(\s*['"]([^'"]+)['"]/g)].map((m) => m[1]);
      assert.deepEqual(
        programs.filter((program) => program !== 'npm'),
        [],
        `${file} spawns ${programs.join(', ')}`,
      );
    }
  });
});
