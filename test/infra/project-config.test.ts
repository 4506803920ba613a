// The stand-in for the Pulumi CLI's config validation (policies/offline/project-config.ts), which both the
// offline policy check and the mocks harness run before the program. Each case is one of the CLI's rules
// (pulumi/pulumi pkg/workspace/config.go and sdk/go/common/workspace/project.go), with the CLI's message.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { loadStackConfig } from '../../policies/offline/project-config';
import { stackConfig } from '../../policies/offline/run-program';

const root = join(__dirname, '..', '..');

/** A project directory with `Pulumi.yaml` and `Pulumi.dev.yaml`; removed after the callback. */
function withProject<T>(project: string, stack: string, run: (dir: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), 'project-config-'));
  try {
    writeFileSync(join(dir, 'Pulumi.yaml'), `name: demo\nruntime: nodejs\n${project}`);
    writeFileSync(join(dir, 'Pulumi.dev.yaml'), stack);
    return run(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const load = (project: string, stack: string, overrides: Record<string, unknown> = {}) =>
  withProject(project, stack, (dir) => loadStackConfig(dir, 'dev', overrides));

describe('project and stack config, validated as the Pulumi CLI does', () => {
  it('refuses a secret key with a default, even when the stack does not set it (the old signingSecret)', () => {
    const project = "config:\n  signingSecret:\n    type: string\n    default: ''\n    secret: true\n";
    assert.throws(
      () => load(project, 'config: {}\n'),
      /^ProjectConfigError: Stack 'dev' with configuration key 'signingSecret' must be encrypted as it's secret$/,
    );
  });

  it('accepts a secret key without default only when the stack holds it encrypted', () => {
    const project = 'config:\n  token:\n    type: string\n    secret: true\n';
    const loaded = load(project, 'config:\n  demo:token:\n    secure: v1:abc\n');
    assert.deepEqual(loaded.secretKeys, ['demo:token']);
    assert.throws(
      () => load(project, 'config:\n  demo:token: plain\n'),
      /Stack 'dev' with configuration key 'token' must be encrypted as it's secret/,
    );
    assert.throws(
      () => load(project, 'config: {}\n'),
      /^ProjectConfigError: Stack 'dev' is missing configuration value 'token'$/,
    );
  });

  it("refuses a stack key in the project's namespace that Pulumi.yaml does not declare, naming it", () => {
    const project = 'config:\n  maxWidth:\n    type: integer\n    default: 4096\n';
    assert.throws(
      () => load(project, 'config:\n  aws:region: eu-west-1\n  demo:maxWidht: 2048\n'),
      /^ProjectConfigError: Stack 'dev' sets configuration key 'demo:maxWidht', which Pulumi.yaml does not declare/,
    );
    const loaded = load(project, 'config:\n  aws:region: eu-west-1\n  demo:maxWidth: 2048\n');
    assert.deepEqual(loaded.config, { 'aws:region': 'eu-west-1', 'demo:maxWidth': '2048' });
  });

  it('refuses values of the wrong type, as the CLI sees them (scalars as strings, lists as JSON)', () => {
    const project =
      'config:\n  width:\n    type: integer\n    default: 1\n  on:\n    type: boolean\n    default: false\n' +
      '  regions:\n    type: array\n    items:\n      type: string\n    default: []\n  label:\n    type: string\n    default: x\n';
    assert.throws(
      () => load(project, 'config:\n  demo:width: wide\n'),
      /Stack 'dev' with configuration key 'width' must be of type 'integer'/,
    );
    assert.throws(() => load(project, 'config:\n  demo:on: yes\n'), /key 'on' must be of type 'boolean'/);
    assert.throws(
      () => load(project, 'config:\n  demo:regions: [us-east-1, 2]\n'),
      /key 'regions' must be of type 'array<string>'/,
    );
    const loaded = load(project, 'config:\n  demo:width: "42"\n  demo:on: true\n  demo:label: 7\n');
    assert.equal(loaded.config['demo:width'], '42');
    assert.equal(loaded.config['demo:label'], '7');
    assert.equal(loaded.config['demo:regions'], '[]');
  });

  it('refuses a project file the CLI refuses (Project.Validate)', () => {
    assert.throws(
      () => load('config:\n  width:\n    type: integer\n    default: wide\n', ''),
      /The default value specified for configuration key 'width' is not of the expected type 'integer'/,
    );
    assert.throws(
      () => load('config:\n  names:\n    type: array\n    default: []\n', ''),
      /The configuration key 'names' declares an array but does not specify the underlying type/,
    );
    assert.throws(
      () => load('config:\n  aws:region:\n    type: string\n', ''),
      /Configuration key 'aws:region' is not namespaced by the project and should not define a type/,
    );
    assert.throws(
      () => load('config:\n  width:\n    default: 1\n    value: 2\n', ''),
      /project config 'width' cannot have both a 'default' and 'value' attribute/,
    );
  });

  for (const stack of ['dev', 'prod-eu', 'multi-region'])
    it(`passes this project's Pulumi.yaml with Pulumi.${stack}.yaml`, () => {
      const loaded = loadStackConfig(root, stack);
      assert.equal(loaded.project, 'image-cdn');
      assert.ok(loaded.config['aws:region']);
      assert.equal(loaded.config['image-cdn:maxWidth'], '4096');
    });

  it('is what the offline policy check runs the program with', () => {
    withProject(
      'config:\n  width:\n    type: integer\n    default: 1\n',
      'config:\n  demo:widht: 2\n',
      (dir) =>
        assert.throws(() => stackConfig(dir, 'dev'), /'demo:widht', which Pulumi.yaml does not declare/),
    );
  });
});
