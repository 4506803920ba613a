import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import {
  Analyzer,
  type ComponentDefinition,
  type PropertyDefinition,
} from '@pulumi/pulumi/provider/experimental/analyzer';

import { CONFIG_KEYS, CONFIG_SCHEMA, type KeyDeclaration } from '../../infra/config/schema';
import { IMAGE_CDN_OUTPUTS } from '../../infra/image-cdn';

const root = join(__dirname, '..', '..');

/** The schema type Pulumi infers for a config key's TypeScript type (number, not integer: TS has one). */
function expectedType(declared: KeyDeclaration): { type: string; items?: string } {
  if (declared.type === 'array')
    return { type: 'array', items: declared.items === 'integer' ? 'number' : 'string' };
  return { type: declared.type === 'integer' ? 'number' : declared.type };
}

/**
 * The schema other languages would get (`pulumi package add`, which runs Pulumi's TypeScript analyzer on
 * this package: @pulumi/pulumi/provider/experimental), inferred here without the CLI from package.json's
 * "exports" entry point, as the CLI does.
 */
describe('ImageCdn as a multi-language component: the schema Pulumi infers from its types', function () {
  this.timeout(120_000);
  let component: ComponentDefinition;

  before(() => {
    const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as Record<string, unknown>;
    const result = new Analyzer(root, 'imagecdn', manifest, new Set(['ImageCdn'])).analyze();
    component = result.components.ImageCdn!;
    assert.ok(component, 'ImageCdn is found from the package entry point');
  });

  it('takes every config key (but the secret) under its own name and type, documented, plus the component options', () => {
    const settings = CONFIG_KEYS.filter((key) => !('secret' in CONFIG_SCHEMA[key]));
    assert.deepEqual(
      Object.keys(component.inputs).sort(),
      [...settings, 'region', 'awsProfile', 'signingSecret', 'adoptTopLevelResources'].sort(),
    );
    for (const key of settings) {
      const input = component.inputs[key] as PropertyDefinition & { type?: string };
      const expected = expectedType(CONFIG_SCHEMA[key]);
      assert.equal(input.type, expected.type, key);
      if (expected.items)
        assert.equal((input.items as { type?: string }).type, expected.items, `${key} items`);
      assert.equal(input.optional, true, `${key} is optional`);
      assert.ok((input.description ?? '').length > 10, `${key} is documented`);
    }
    // The secret is an Input (it may be a secret Output); plain settings are plain values.
    assert.equal(component.inputs.signingSecret?.plain, undefined);
    assert.equal(component.inputs.maxWidth?.plain, true);
  });

  it('outputs exactly what it registers, each a string', () => {
    assert.deepEqual(Object.keys(component.outputs).sort(), [...IMAGE_CDN_OUTPUTS].sort());
    for (const name of IMAGE_CDN_OUTPUTS)
      assert.equal((component.outputs[name] as { type?: string }).type, 'string', name);
  });
});
