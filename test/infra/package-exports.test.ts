import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const root = join(__dirname, '..', '..');
const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  main: string;
  exports: Record<string, string | { types: string; default: string }>;
};

/** What `require(specifier)` exports, by name and kind, in a fresh process as a dependent program does. */
function exportsOf(specifier: string): Record<string, string> {
  const script = `const m = require(${JSON.stringify(specifier)});
    process.stdout.write(JSON.stringify(Object.fromEntries(Object.entries(m).map(([k, v]) => [k, typeof v]))));`;
  return JSON.parse(
    execFileSync(process.execPath, ['--import', 'tsx', '-e', script], { cwd: root, encoding: 'utf8' }),
  ) as Record<string, string>;
}

describe('the package (package.json exports), as another program imports it', function () {
  this.timeout(60_000);

  it('keeps main on the program, for the Pulumi CLI, and points every export at a file that exists', () => {
    assert.equal(manifest.main, 'index.ts');
    for (const [path, target] of Object.entries(manifest.exports)) {
      const files = typeof target === 'string' ? [target] : [target.types, target.default];
      for (const file of files) assert.ok(existsSync(join(root, file)), `${path} → ${file}`);
    }
  });

  it("'image-cdn' gives the component, its output names and the stack config readers, not the program", () => {
    assert.deepEqual(exportsOf('image-cdn'), {
      IMAGE_CDN_OUTPUTS: 'object',
      ImageCdn: 'function',
      loadSigningSecret: 'function',
      loadStackSettings: 'function',
    });
  });

  it("'image-cdn/client', '/client/signed' and '/client/next-loader' give the URL builders and the loader", () => {
    assert.deepEqual(exportsOf('image-cdn/client'), {
      imageQuery: 'function',
      imageUrl: 'function',
      srcSet: 'function',
    });
    assert.deepEqual(exportsOf('image-cdn/client/signed'), {
      signedImageUrl: 'function',
      signedSrcSet: 'function',
    });
    assert.deepEqual(exportsOf('image-cdn/client/next-loader'), { default: 'function' });
  });
});
