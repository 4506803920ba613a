import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import yaml from 'js-yaml';

import { BATCH_CONFIG_VARIABLE, readBatchConfig, renditionSpec } from '../../functions/batch/batch-config';
import { DEFAULT_RULES } from '../../functions/core/rules';
import { buildViewerFunction, VIEWER_CODE_LIMIT } from '../../functions/viewer/build';
import type { ViewerEvent, ViewerRequest } from '../../functions/viewer/viewer-request';
import { type ConfigKey, parseConfig, type StackContext } from '../../infra/config';
import { MAX_PRESETS } from '../../infra/config/presets';
import { batchEnvironment } from '../../infra/function-configs';
import { localFunctionConfigs } from '../../local/local-config';
import { isViewerResponse, loadViewerFunction } from '../../local/viewer-sandbox';
import { runStack, StackRunError } from '../support/stack';

const root = join(__dirname, '..', '..');
const context: StackContext = { project: 'image-cdn', stack: 'test', region: 'eu-west-1' };
const THUMB = { thumb: 'w=200&h=200&fit=cover&crop=edges' };

function parse(values: Partial<Record<ConfigKey, unknown>> = {}) {
  return parseConfig((key) => {
    const value = values[key];
    return value === undefined ? undefined : typeof value === 'string' ? value : JSON.stringify(value);
  }, context);
}

/** The one-line error parse throws for `presets` (beside `others`). */
function presetError(presets: unknown, others: Partial<Record<ConfigKey, unknown>> = {}): string {
  try {
    parse({ ...others, presets: typeof presets === 'string' ? presets : JSON.stringify(presets) });
  } catch (error) {
    const message = (error as Error).message;
    assert.ok(!message.includes('\n'), `one line: ${message}`);
    return message;
  }
  assert.fail(`presets ${JSON.stringify(presets)} were accepted`);
}

function viewerEvent(uri: string, query: Record<string, string>): ViewerEvent {
  const querystring: ViewerEvent['request']['querystring'] = {};
  for (const [name, value] of Object.entries(query)) querystring[name] = { value };
  return {
    request: { method: 'GET', uri, querystring, headers: { accept: { value: '*/*' } }, cookies: {} },
  } as ViewerEvent;
}

/** 32 allowed widths (100 … 3200): with signing on, the largest viewer a stack had before presets. */
const WIDTHS_32 = JSON.stringify(Array.from({ length: 32 }, (_, index) => 100 * (index + 1)));
const SECRET = 'a-signing-secret-0123456789';

describe('image-cdn:presets (stack config)', () => {
  describe('are stored in rules.presets as canonical names and values', () => {
    it('splits each query into canonical parameter names', () => {
      const { rules } = parse({
        presets: { thumb: 'w=200&h=200&fit=cover&crop=edges', hero: 'fm=webp&q=70' },
      });
      assert.deepEqual(rules.presets, {
        thumb: { width: '200', height: '200', fit: 'cover', crop: 'edges' },
        hero: { format: 'webp', quality: '70' },
      });
    });

    it('leaves the rules as they were without presets (no empty map baked into every function)', () => {
      assert.deepEqual(parse().rules, DEFAULT_RULES);
      assert.deepEqual(parse({ presets: {} }).rules, DEFAULT_RULES);
      assert.equal('presets' in parse().rules, false);
    });
  });

  describe('refuses, in one line naming the key and the preset', () => {
    const cases: [string, unknown, RegExp][] = [
      ['text that is not JSON', '{thumb: w=200}', /^image-cdn:presets: must be a JSON object/],
      ['a JSON array', '["w=200"]', /^image-cdn:presets: must be a JSON object/],
      ['an upper-case name', { Thumb: 'w=200' }, /^image-cdn:presets: preset "Thumb": names are 1-32/],
      ['a name starting with a dash', { '-thumb': 'w=200' }, /preset "-thumb": names are/],
      ['a 33-character name', { ['a'.repeat(33)]: 'w=200' }, /preset "a{33}": names are/],
      ['an empty query', { thumb: '' }, /^image-cdn:presets: preset "thumb": must be a non-empty query/],
      ['a query that is not a string', { thumb: 200 }, /preset "thumb": must be a non-empty query/],
      [
        'a typo of a parameter',
        { thumb: 'widht=200' },
        /^image-cdn:presets: preset "thumb": 'widht' is not a parameter/,
      ],
      [
        'a cache buster (unknown names are not dropped here)',
        { thumb: 'w=200&utm=1' },
        /preset "thumb": 'utm' is not a parameter/,
      ],
      [
        'a preset inside a preset',
        { thumb: 'preset=hero' },
        /preset "thumb": 'preset' cannot be set in a preset/,
      ],
      ['a signature', { thumb: 'w=200&s=abc' }, /preset "thumb": 's' cannot be set in a preset/],
      ['an expiry', { thumb: 'w=200&expires=1' }, /preset "thumb": 'expires' cannot be set in a preset/],
      [
        'a parameter given twice',
        { thumb: 'w=200&width=300' },
        /preset "thumb": 'width' is given more than once/,
      ],
      ['a width above maxWidth', { big: 'w=99999' }, /^image-cdn:presets: preset "big": Invalid 'width'/],
      ['a bad value', { thumb: 'fit=squash' }, /preset "thumb": Invalid 'fit'/],
      ['malformed percent-encoding', { thumb: 'w=%zz' }, /preset "thumb": .*percent-encoding/],
      [
        `more than ${MAX_PRESETS} presets`,
        Object.fromEntries(Array.from({ length: MAX_PRESETS + 1 }, (_, i) => [`p${i}`, 'w=100'])),
        /^image-cdn:presets: declares 21 presets, at most 20/,
      ],
    ];
    for (const [what, presets, message] of cases)
      it(what, () => {
        assert.match(presetError(presets), message);
      });

    it('a width the stack allow-list cannot round to', () => {
      assert.match(
        presetError({ wide: 'w=900' }, { allowedWidths: [320, 640] }),
        /preset "wide": Invalid 'width': must be at most 640/,
      );
    });

    it('accepts exactly 20 presets, and the names the pattern allows', () => {
      const twenty = Object.fromEntries(Array.from({ length: MAX_PRESETS }, (_, i) => [`p-${i}_x`, 'w=100']));
      assert.equal(Object.keys(parse({ presets: twenty }).rules.presets ?? {}).length, 20);
      assert.ok(parse({ presets: { ['9'.repeat(32)]: 'w=1' } }).rules.presets);
    });
  });

  describe('batch renditions may name a preset', () => {
    it('travels in BATCH_CONFIG (its rules carry the presets) and resolves to the preset spec', () => {
      const configs = localFunctionConfigs({
        presets: JSON.stringify(THUMB),
        batchRenditions: JSON.stringify(['preset=thumb&format=webp', 'preset=thumb&w=100&format=jpeg']),
      });
      const batch = readBatchConfig(batchEnvironment(configs.batch)[BATCH_CONFIG_VARIABLE]);
      assert.deepEqual(batch.rules.presets, configs.cdn.rules.presets);
      const [thumb, small] = batch.renditions.map((rendition) =>
        renditionSpec(rendition, 'photo.jpg', batch.rules),
      );
      assert.deepEqual([thumb?.width, thumb?.height, thumb?.fit, thumb?.format], [200, 200, 'cover', 'webp']);
      // An explicit parameter beside preset= overrides the preset's.
      assert.deepEqual([small?.width, small?.height, small?.format], [100, 200, 'jpeg']);
    });

    it('refuses a rendition naming an unknown preset, or a preset that negotiates its format', () => {
      assert.throws(
        () => parse({ presets: THUMB, batchRenditions: ['preset=thum'] }),
        /^ConfigError: image-cdn:batchRenditions: renditions entry 1 \('preset=thum'\): Invalid 'preset': must be one of thumb/,
      );
      assert.throws(
        () => parse({ presets: { any: 'w=300&format=auto' }, batchRenditions: ['preset=any'] }),
        /image-cdn:batchRenditions: renditions entry 1 \('preset=any'\): format=auto is refused/,
      );
      assert.throws(
        () => parse({ presets: { any: 'w=300&auto=format' }, batchRenditions: ['preset=any'] }),
        /format=auto is refused/,
      );
      assert.doesNotThrow(() =>
        parse({ presets: { any: 'w=300&format=auto' }, batchRenditions: ['preset=any&format=webp'] }),
      );
    });
  });

  describe('the viewer function', () => {
    it('fits with a preset on the default stack, and expands it', () => {
      const code = buildViewerFunction(localFunctionConfigs({ presets: JSON.stringify(THUMB) }).viewer);
      assert.ok(Buffer.byteLength(code) <= VIEWER_CODE_LIMIT);
      const run = loadViewerFunction(code);
      const thumb = run(viewerEvent('/a.jpg', { preset: 'thumb' }));
      assert.ok(!isViewerResponse(thumb.result));
      assert.equal((thumb.result as ViewerRequest).uri, '/a.jpg/_w200_h200_cover_q80_crop-edges.jpeg');
    });

    // Pulumi.dev.yaml carries no example preset: with signing turned on, one preset takes the viewer just
    // past 10 KB (about 10,260 bytes), so the example would break `dev` with a signing secret.
    it("fits with a preset on the dev stack's config", () => {
      const file = yaml.load(readFileSync(join(root, 'Pulumi.dev.yaml'), 'utf8')) as {
        config: Record<string, unknown>;
      };
      const values: Record<string, string> = { presets: JSON.stringify(THUMB) };
      for (const [key, value] of Object.entries(file.config))
        if (key.startsWith('image-cdn:'))
          values[key.slice('image-cdn:'.length)] = typeof value === 'string' ? value : JSON.stringify(value);
      const code = buildViewerFunction(localFunctionConfigs(values).viewer);
      assert.ok(Buffer.byteLength(code) <= VIEWER_CODE_LIMIT, `${Buffer.byteLength(code)} bytes`);
    });

    it("is refused by the build with CloudFront's limit when presets push it over 10 KB (signed, 32 widths)", () => {
      const signed = localFunctionConfigs({ allowedWidths: WIDTHS_32 }, SECRET).viewer;
      assert.ok(Buffer.byteLength(buildViewerFunction(signed)) <= VIEWER_CODE_LIMIT, 'fits without presets');
      const withPresets = localFunctionConfigs(
        { allowedWidths: WIDTHS_32, presets: JSON.stringify(THUMB) },
        SECRET,
      ).viewer;
      assert.throws(
        () => buildViewerFunction(withPresets),
        /^Error: viewer function is \d+ bytes, over CloudFront Functions' 10240-byte limit$/,
      );
    });
  });
});

describe('image-cdn:presets in a stack run (under mocks)', function () {
  this.timeout(120_000);

  it('bakes the presets into the viewer function and the batch config', async () => {
    const stack = await runStack('dev', { 'image-cdn:presets': JSON.stringify(THUMB) });
    const run = loadViewerFunction(String(stack.only('aws:cloudfront/function:Function').inputs.code));
    const thumb = run(viewerEvent('/a.jpg', { preset: 'thumb', w: '300' }));
    assert.equal((thumb.result as ViewerRequest).uri, '/a.jpg/_w300_h200_cover_q80_crop-edges.jpeg');
    const lambda = stack.get('aws:lambda/function:Function', 'image-cdn-batch-function');
    const variables = (lambda.inputs.environment as { variables: Record<string, string> }).variables;
    assert.deepEqual(readBatchConfig(variables.BATCH_CONFIG).rules.presets, {
      thumb: { width: '200', height: '200', fit: 'cover', crop: 'edges' },
    });
  });

  it('fails at preview with the config error, naming the key and the preset', async () => {
    await assert.rejects(
      runStack('dev', { 'image-cdn:presets': '{"thumb": "w=99999"}' }),
      (error: unknown) => {
        assert.ok(error instanceof StackRunError);
        assert.match(error.stderr, /image-cdn:presets: preset "thumb": Invalid 'width'/);
        return true;
      },
    );
  });

  it("fails at preview with the build's size error when presets do not fit a signed stack", async () => {
    await assert.rejects(
      runStack('dev', {
        'image-cdn:signingSecret': { secure: SECRET },
        'image-cdn:allowedWidths': JSON.parse(WIDTHS_32) as number[],
        'image-cdn:presets': JSON.stringify(THUMB),
      }),
      (error: unknown) => {
        assert.ok(error instanceof StackRunError);
        assert.match(
          error.stderr,
          /viewer function is \d+ bytes, over CloudFront Functions' 10240-byte limit: declare fewer or shorter image-cdn:presets, list fewer image-cdn:allowedWidths, or unset image-cdn:signingSecret/,
        );
        return true;
      },
    );
  });
});
