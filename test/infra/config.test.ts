import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import fc from 'fast-check';
import yaml from 'js-yaml';

import { DEFAULT_RULES } from '../../functions/core/rules';
import { DEFAULT_TRANSFORM_SETTINGS } from '../../functions/transform/settings';
import {
  checkDeclaredKeys,
  CONFIG_KEYS,
  CONFIG_SCHEMA,
  type ConfigKey,
  defaultRenditions,
  parseConfig,
  type StackContext,
} from '../../infra/config';
import { ORIGIN_EVENT_LIMITS, REGIONAL_EDGE_CACHE_REGIONS } from '../../infra/limits';
import { loadStackConfig } from '../../policies/offline/project-config';
import {
  DOC_FILE,
  PROJECT_FILE,
  README_FILE,
  renderDocs,
  renderProjectFile,
  renderReadme,
  renderSettingsFile,
  SETTINGS_FILE,
} from '../../scripts/config-docs';

const root = join(__dirname, '..', '..');
// The tests read the real project and stack files.

const context: StackContext = { project: 'image-cdn', stack: 'test', region: 'eu-west-1' };

/** parseConfig over a plain map of raw strings, as `pulumi.Config#get` returns them. */
function parse(values: Partial<Record<ConfigKey, unknown>> = {}, ctx: StackContext = context) {
  return parseConfig((key) => {
    const value = values[key];
    return value === undefined ? undefined : typeof value === 'string' ? value : JSON.stringify(value);
  }, ctx);
}

function rejects(values: Partial<Record<ConfigKey, unknown>>, message: RegExp): void {
  assert.throws(() => parse(values), message);
}

describe('infra config', () => {
  describe('defaults', () => {
    it('equal DEFAULT_RULES and DEFAULT_TRANSFORM_SETTINGS (edge effort fast, batch thorough)', () => {
      const config = parse();
      assert.deepEqual(config.rules, DEFAULT_RULES);
      assert.deepEqual(config.edgeTransform, DEFAULT_TRANSFORM_SETTINGS);
      assert.deepEqual(config.batchTransform, { ...DEFAULT_TRANSFORM_SETTINGS, effort: 'thorough' });
    });

    // The constants above are where the schema takes its defaults from, so pin the values the docs
    // promise as literals too: a changed default must be a deliberate edit here and in the docs.
    it('are the documented values', () => {
      const { rules, edgeTransform } = parse();
      assert.deepEqual(rules, {
        maxWidth: 4096,
        maxHeight: 4096,
        maxPixels: 16_777_216,
        allowedWidths: [],
        maxDpr: 3,
        enableAvif: true,
        defaultQuality: { avif: 50, webp: 80, jpeg: 80 },
        maxKeyBytes: 900,
      });
      assert.deepEqual(edgeTransform, {
        inputPixelLimit: 50_000_000,
        maxPixels: 16_777_216,
        maxFrames: 300,
        maxAvifPixels: 4_194_304,
        maxGifPixels: 16_777_216,
        allowSvg: false,
        background: '#ffffff',
        effort: 'fast',
        timeoutSeconds: 20,
      });
    });

    it('take the encoder budgets from the stack config, for the edge and the batch alike', () => {
      const config = parse({ maxAvifPixels: 1_000_000, maxGifPixels: 2_000_000 });
      for (const transform of [config.edgeTransform, config.batchTransform]) {
        assert.equal(transform.maxAvifPixels, 1_000_000);
        assert.equal(transform.maxGifPixels, 2_000_000);
      }
      rejects({ maxAvifPixels: 0 }, /image-cdn:maxAvifPixels: must be between 1 and/);
    });

    it('log the edge in the regional edge cache regions, within origin-event limits', () => {
      const config = parse();
      assert.deepEqual(config.edge.logRegions, REGIONAL_EDGE_CACHE_REGIONS);
      assert.ok(config.edge.timeoutSeconds <= ORIGIN_EVENT_LIMITS.maxTimeoutSeconds);
      assert.equal(config.batch.maxRetryAttempts, 2);
      assert.equal(config.distribution.originShieldRegion, undefined);
    });

    it('default the Origin Shield region to the home region', () => {
      assert.equal(parse({ originShield: true }).distribution.originShieldRegion, 'eu-west-1');
      assert.equal(
        parse({ originShield: true, originShieldRegion: 'us-east-2' }).distribution.originShieldRegion,
        'us-east-2',
      );
    });
  });

  describe('Pulumi.yaml', () => {
    const project = yaml.load(readFileSync(join(root, 'Pulumi.yaml'), 'utf8')) as {
      runtime: { options: Record<string, unknown> };
      config: Record<
        string,
        { type: string; default: unknown; description: string; items?: { type: string } }
      >;
    };

    it('declares every key with a type, a description and the same default as the code', () => {
      assert.deepEqual(Object.keys(project.config), CONFIG_KEYS);
      for (const key of CONFIG_KEYS) {
        const declared = project.config[key]!;
        const schema = CONFIG_SCHEMA[key];
        assert.equal(declared.type, schema.type, key);
        assert.ok(declared.description.length > 10, `${key} has a description`);
        assert.deepEqual(declared.default, schema.default, `${key} default`);
        if (schema.type === 'array')
          assert.equal(declared.items?.type, schema.items, `${key} declares its items`);
      }
    });

    it('is generated from the schema, as docs/configuration.md is (run `npm run config:docs`)', async () => {
      const current = readFileSync(PROJECT_FILE, 'utf8');
      assert.equal(await renderProjectFile(current), current, 'Pulumi.yaml is stale');
      assert.equal(renderDocs(), readFileSync(DOC_FILE, 'utf8'), 'docs/configuration.md is stale');
      for (const key of CONFIG_KEYS) assert.match(renderDocs(), new RegExp(`\\| \`${key}\` \\|`));
      assert.equal(
        await renderSettingsFile(),
        readFileSync(SETTINGS_FILE, 'utf8'),
        'ImageCdnSettings is stale',
      );
      const readme = readFileSync(README_FILE, 'utf8');
      assert.equal(renderReadme(readme), readme, "README.md's configuration table is stale");
      for (const key of CONFIG_KEYS) assert.ok(readme.includes(`\`${key}\` `), `README lists ${key}`);
    });

    // `pulumi new` stores each template default, a string (ProjectTemplateConfigValue.Default), as the new
    // stack's value: each must be a key of the project or of aws:, and pass the project's typed config.
    it('asks `pulumi new` only for keys whose string default the typed config accepts', () => {
      const template = (
        project as unknown as {
          template: { config: Record<string, { default: unknown; description: string }> };
        }
      ).template;
      assert.ok(Object.keys(template.config).includes('aws:region'));
      for (const [key, entry] of Object.entries(template.config)) {
        assert.equal(typeof entry.default, 'string', `${key}: a template default is a string`);
        assert.ok(entry.description.length > 10, `${key} has a description`);
        const name = key.replace(/^image-cdn:/, '');
        if (!key.startsWith('aws:')) assert.ok(CONFIG_KEYS.includes(name as never), `${key} is declared`);
        const config = loadStackConfig(root, 'dev', { [key]: entry.default as string });
        assert.equal(config.config[key], entry.default, key);
      }
    });

    it('requires a Pulumi CLI that reads requiredPulumiVersion and applies the config rules', () => {
      assert.equal((project as { requiredPulumiVersion?: string }).requiredPulumiVersion, '>=3.219.0');
    });

    it('the workflow pins the Pulumi CLI to the SDK version, which satisfies requiredPulumiVersion', () => {
      const workflow = readFileSync(join(root, '.github', 'workflows', 'policies.yml'), 'utf8');
      const pinned = [...workflow.matchAll(/pulumi-version: (\S+)/g)].map((m) => m[1]);
      const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
        dependencies: Record<string, string>;
      };
      assert.deepEqual(pinned, [manifest.dependencies['@pulumi/pulumi']]);
      const [major, minor] = String(pinned[0]).split('.').map(Number);
      assert.ok(major === 3 && minor! >= 219, `${pinned[0]} >= 3.219.0`);
      assert.equal(
        workflow.match(/uses: pulumi\/actions@/g)?.length,
        pinned.length,
        'every pulumi/actions step pinned',
      );
    });

    it('runs the program with tsx instead of the vendored ts-node', () => {
      assert.equal(project.runtime.options.typescript, false);
      assert.equal(project.runtime.options.nodeargs, '--import tsx');
    });

    for (const stack of ['dev', 'prod-eu', 'multi-region']) {
      it(`Pulumi.${stack}.yaml sets a region and only declared keys, all valid`, () => {
        const file = yaml.load(readFileSync(join(root, `Pulumi.${stack}.yaml`), 'utf8')) as {
          config: Record<string, unknown>;
        };
        const values: Partial<Record<ConfigKey, unknown>> = {};
        for (const [key, value] of Object.entries(file.config)) {
          if (key.startsWith('aws:')) continue;
          assert.match(key, /^image-cdn:/);
          const name = key.slice('image-cdn:'.length);
          assert.ok(name in CONFIG_SCHEMA, `${key} is declared in Pulumi.yaml`);
          values[name as ConfigKey] = value;
        }
        const region = file.config['aws:region'];
        assert.equal(typeof region, 'string');
        assert.doesNotThrow(() => parse(values, { ...context, stack, region: region as string }));
        // Replicas run (and log) in every regional edge cache region whatever the price class.
        const logRegions = parse(values, { ...context, stack, region: region as string }).edge.logRegions;
        for (const needed of REGIONAL_EDGE_CACHE_REGIONS)
          assert.ok(logRegions.includes(needed), `${stack} logs in ${needed}`);
      });
    }
  });

  describe('defaults that depend on other keys follow them (README examples)', () => {
    it('maxWidth 2048 alone is valid: maxPixels follows maxWidth x maxHeight', () => {
      const config = parse({ maxWidth: 2048 });
      assert.equal(config.rules.maxPixels, 2048 * 4096);
      assert.equal(config.edgeTransform.maxPixels, 2048 * 4096);
      assert.equal(parse({ maxWidth: 16383, maxHeight: 16383 }).edgeTransform.inputPixelLimit, 16383 * 16383);
    });

    it('allowedWidths [320, 640] alone is valid: the default renditions round up to them', () => {
      const config = parse({ allowedWidths: [320, 640] });
      assert.deepEqual(config.batch.renditions, ['width=320&format=webp', 'width=640&format=webp']);
      assert.deepEqual(parse().batch.renditions, [
        'width=320&format=webp',
        'width=640&format=webp',
        'width=1280&format=webp',
      ]);
      assert.deepEqual(defaultRenditions({ ...parse().rules, maxWidth: 500 }), [
        'width=320&format=webp',
        'width=500&format=webp',
      ]);
    });

    it('a shorter edge timeout alone is valid: the transform and S3 budgets follow it', () => {
      const config = parse({ edgeTimeoutSeconds: 8 });
      assert.equal(config.edgeTransform.timeoutSeconds, 1);
      assert.equal(config.s3TimeoutMs, 2000);
      assert.equal(parse().edgeTransform.timeoutSeconds, 20);
      assert.equal(parse().s3TimeoutMs, 5000);
    });

    it('an error names the key the user set and what to change', () => {
      rejects(
        { maxWidth: 2048, maxPixels: 16_777_216 },
        /^ConfigError: image-cdn:maxPixels: must be at most maxWidth x maxHeight \(8388608\), got 16777216: lower it, raise maxWidth\/maxHeight, or unset it/,
      );
      rejects(
        { maxPixels: 16_777_216, inputPixelLimit: 1_000_000 },
        /^ConfigError: image-cdn:inputPixelLimit: must be at least maxPixels \(16777216\)/,
      );
    });
  });

  describe('validation fails early and names the key', () => {
    it('a key of this project the schema does not declare (the CLI itself accepts it)', () => {
      assert.throws(
        () => checkDeclaredKeys(['aws:region', 'image-cdn:maxWidht']),
        /^ConfigError: image-cdn:maxWidht: is not a key of this project/,
      );
      assert.doesNotThrow(() =>
        checkDeclaredKeys(['aws:region', 'pulumi:tags', ...CONFIG_KEYS.map((k) => `image-cdn:${k}`)]),
      );
    });

    // "Namespaces" (Amazon CloudWatch User Guide, CloudWatch concepts): 1-255 valid characters, and the
    // AWS/ prefix is reserved for AWS services.
    it('a metrics namespace CloudWatch would refuse', () => {
      for (const namespace of ['AWS/Lambda', ' ', 'a'.repeat(256), 'Image|Cdn'])
        rejects({ metricsNamespace: namespace }, /^ConfigError: image-cdn:metricsNamespace: must be 1-255/);
      assert.equal(parse({ metricsNamespace: 'Acme/Images cdn#1' }).metricsNamespace, 'Acme/Images cdn#1');
    });

    it('replica regions that are malformed, the home region, repeated, too many, or beside an existing originals bucket', () => {
      rejects(
        { replicaRegions: ['Ireland'] },
        /^ConfigError: image-cdn:replicaRegions: "Ireland" is not a region code$/,
      );
      rejects({ replicaRegions: ['eu-west-1'] }, /replicaRegions: eu-west-1 is the home region/);
      rejects({ replicaRegions: ['us-east-1', 'us-east-1'] }, /replicaRegions: lists a region twice/);
      rejects(
        { replicaRegions: ['us-east-1', 'us-east-2', 'us-west-1', 'us-west-2', 'ap-south-1', 'sa-east-1'] },
        /replicaRegions: must list at most 5 regions/,
      );
      rejects(
        { replicaRegions: ['us-east-1'], existingOriginalsBucket: 'their-bucket' },
        /replicaRegions: cannot replicate an existing originals bucket/,
      );
    });

    it('replica regions turn versioning of the originals on (S3 Replication requires it)', () => {
      assert.deepEqual(parse().replicas, { regions: [], replicationTimeControl: false });
      assert.equal(parse().buckets.originalsVersioning, false);
      const replicated = parse({
        replicaRegions: ['us-east-1', 'ap-northeast-1'],
        replicationTimeControl: true,
      });
      assert.deepEqual(replicated.replicas, {
        regions: ['us-east-1', 'ap-northeast-1'],
        replicationTimeControl: true,
      });
      assert.equal(replicated.buckets.originalsVersioning, true);
    });

    it('a missing or malformed aws:region', () => {
      assert.throws(
        () => parse({}, { ...context, region: undefined }),
        /^ConfigError: aws:region: must be set/,
      );
      assert.throws(() => parse({}, { ...context, region: 'Ireland' }), /aws:region/);
    });

    it('widths above the maximum', () => {
      rejects(
        { allowedWidths: [320, 5000] },
        /^ConfigError: image-cdn:allowedWidths: items must be between 1 and 4096, got 5000$/,
      );
      rejects({ maxWidth: 20000 }, /image-cdn:maxWidth: must be between 1 and 16383, got 20000/);
      rejects({ maxWidth: 'wide' }, /image-cdn:maxWidth: must be an integer, got "wide"/);
      rejects({ allowedWidths: 'not json' }, /image-cdn:allowedWidths: must be a JSON array/);
    });

    it('a quality outside 1-100', () => {
      fc.assert(
        fc.property(fc.integer({ min: -1000, max: 1000 }), (quality) => {
          if (quality >= 1 && quality <= 100)
            assert.equal(parse({ qualityWebp: quality }).rules.defaultQuality.webp, quality);
          else
            assert.throws(
              () => parse({ qualityWebp: quality }),
              /image-cdn:qualityWebp: must be between 1 and 100/,
            );
        }),
      );
      rejects({ qualityAvif: 0 }, /image-cdn:qualityAvif/);
      rejects({ qualityJpeg: 101 }, /image-cdn:qualityJpeg/);
    });

    it('an unknown price class', () => {
      rejects(
        { priceClass: 'PriceClass_300' },
        /image-cdn:priceClass: must be one of PriceClass_100, PriceClass_200, PriceClass_All, got "PriceClass_300"/,
      );
    });

    it('an edge memory or timeout above the origin-event limits', () => {
      rejects({ edgeMemoryMb: 10_241 }, /image-cdn:edgeMemoryMb: must be between 128 and 10240, got 10241/);
      rejects({ edgeTimeoutSeconds: 31 }, /image-cdn:edgeTimeoutSeconds: must be between 5 and 30, got 31/);
      rejects(
        { edgeTimeoutSeconds: 20, transformTimeoutSeconds: 20 },
        /image-cdn:transformTimeoutSeconds: must be below edgeTimeoutSeconds \(20 s\)/,
      );
      rejects(
        { edgeTimeoutSeconds: 5, transformTimeoutSeconds: 4, s3TimeoutMs: 5000 },
        /image-cdn:s3TimeoutMs: must be below edgeTimeoutSeconds/,
      );
    });

    it('batch renditions the rules refuse', () => {
      rejects(
        { batchRenditions: ['width=99999'] },
        /image-cdn:batchRenditions: renditions entry 1 \('width=99999'\): Invalid 'width'/,
      );
      rejects({ batchRenditions: ['utm=1'] }, /image-cdn:batchRenditions: renditions entry 1 \('utm=1'\)/);
      rejects(
        { allowedWidths: [320], batchRenditions: ['width=640'] },
        /image-cdn:batchRenditions: renditions entry 1 \('width=640'\)/,
      );
      rejects(
        { batchRenditions: ['width=320', 'width=640&format=auto'] },
        /image-cdn:batchRenditions: renditions entry 2 .*auto/,
      );
      // One JSON variable carries the list now, so a ";" is only an invalid width, named like any other.
      rejects(
        { batchRenditions: ['width=320;width=640'] },
        /renditions entry 1 .*'width': must be a whole number/,
      );
    });

    it('batch retries and event age outside the async-invoke bounds', () => {
      rejects({ batchMaxRetryAttempts: 3 }, /image-cdn:batchMaxRetryAttempts: must be between 0 and 2/);
      rejects(
        { batchMaxEventAgeSeconds: 30 },
        /image-cdn:batchMaxEventAgeSeconds: must be between 60 and 21600/,
      );
      rejects({ batchReservedConcurrency: 0 }, /image-cdn:batchReservedConcurrency/);
    });

    it('a certificate outside us-east-1, or aliases without one', () => {
      rejects({ aliases: ['img.example.com'] }, /image-cdn:certificateArn: must be set when aliases are set/);
      rejects(
        {
          aliases: ['img.example.com'],
          certificateArn: 'arn:aws:acm:eu-west-1:111122223333:certificate/abc',
        },
        /image-cdn:certificateArn: must be an ACM certificate ARN in us-east-1/,
      );
      const config = parse({
        aliases: ['img.example.com'],
        certificateArn: 'arn:aws:acm:us-east-1:111122223333:certificate/abc-123',
      });
      assert.deepEqual(config.distribution.aliases, ['img.example.com']);
    });

    it('a log retention CloudWatch does not accept, and bad regions', () => {
      rejects({ logRetentionDays: 31 }, /image-cdn:logRetentionDays: must be one of 1, 3, 5/);
      rejects({ edgeLogRegions: [] }, /image-cdn:edgeLogRegions: must list at least one region/);
      rejects({ edgeLogRegions: ['moon-1'] }, /image-cdn:edgeLogRegions: "moon-1" is not a region code/);
      rejects({ originShield: true, originShieldRegion: 'x' }, /image-cdn:originShieldRegion/);
    });

    it('booleans and colours', () => {
      rejects({ enableAvif: 'yes' }, /image-cdn:enableAvif: must be true or false, got "yes"/);
      rejects({ background: 'white' }, /image-cdn:background: must be a #rrggbb colour/);
    });
  });
});
