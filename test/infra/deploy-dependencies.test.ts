// `pulumi up` after `npm ci --omit=dev` must work: every package the deploy path loads is a production
// dependency. The deploy path is the program (index.ts and what it imports), the build it needs
// (scripts/build.ts), and the loader Pulumi.yaml's nodeargs names.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join } from 'node:path';

import { build } from 'esbuild';
import yaml from 'js-yaml';

const root = join(__dirname, '..', '..');

/** `@scope/name/sub` → `@scope/name`, `name/sub` → `name`. */
const packageOf = (specifier: string) =>
  specifier
    .split('/')
    .slice(0, specifier.startsWith('@') ? 2 : 1)
    .join('/');

describe('deploy dependencies', () => {
  const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
    dependencies: Record<string, string>;
  };

  it('every package the program and the build import is a production dependency', async function () {
    this.timeout(60_000);
    const result = await build({
      entryPoints: [join(root, 'index.ts'), join(root, 'scripts', 'build.ts')],
      bundle: true,
      platform: 'node',
      packages: 'external',
      metafile: true,
      write: false,
      outdir: join(root, '.deploy-deps-check'),
      logLevel: 'silent',
    });
    const packages = new Set<string>();
    for (const input of Object.values(result.metafile.inputs))
      for (const imported of input.imports)
        if (
          imported.external &&
          !imported.path.startsWith('node:') &&
          !builtinModules.includes(imported.path)
        )
          packages.add(packageOf(imported.path));
    assert.ok(packages.has('@pulumi/pulumi') && packages.has('esbuild'), [...packages].join(', '));
    const missing = [...packages].filter((name) => !(name in manifest.dependencies));
    assert.deepEqual(missing, [], 'imported by the deploy path but not in dependencies');
  });

  it("the loader Pulumi.yaml's nodeargs import is a production dependency", () => {
    const project = yaml.load(readFileSync(join(root, 'Pulumi.yaml'), 'utf8')) as {
      runtime: { options: { nodeargs: string } };
    };
    const loader = /--import\s+(\S+)/.exec(project.runtime.options.nodeargs)?.[1];
    assert.equal(loader, 'tsx');
    assert.ok(loader in manifest.dependencies, `${loader} is a dependency`);
  });
});
