import assert from 'node:assert/strict';

import {
  BatchConfigError,
  parseRenditions,
  readBatchConfig,
  renditionSpec,
} from '../../functions/batch/batch-config';
import { DEFAULT_RULES } from '../../functions/core/rules';
import { localFunctionConfigs } from '../../local/local-config';
import { batchConfig } from '../support/batch';

const RENDITIONS = ['width=320&format=webp', 'width=640&format=webp', 'width=1280&format=avif'];

/** BATCH_CONFIG as a stack with RENDITIONS writes it, changed by `change`. */
function configJson(change: (json: Record<string, unknown>) => Record<string, unknown> = (json) => json) {
  return JSON.stringify(change({ ...localFunctionConfigs().batch, renditions: RENDITIONS }));
}

describe('batch config (cold start)', () => {
  it('parses the renditions with the edge parser into canonical specs', () => {
    const config = batchConfig(RENDITIONS);
    assert.deepEqual(
      config.renditions.map((rendition) => renditionSpec(rendition, 'a.jpg', config.rules)),
      [
        { width: 320, format: 'webp', quality: 80 },
        { width: 640, format: 'webp', quality: 80 },
        { width: 1280, format: 'avif', quality: 50 },
      ],
    );
  });

  it('is written by the deploy with thorough encoder effort, and read as written', () => {
    assert.equal(batchConfig(RENDITIONS).transform.effort, 'thorough');
    const fast = readBatchConfig(
      configJson((json) => ({
        ...json,
        transform: { ...(json.transform as object), effort: 'fast', maxFrames: 5 },
      })),
    );
    assert.equal(fast.transform.effort, 'fast', 'the reader overrides nothing');
    assert.equal(fast.transform.maxFrames, 5);
  });

  it('carries the stack cacheMaxAgeSeconds for the renditions it stores, a year by default', () => {
    assert.equal(batchConfig(RENDITIONS).cacheMaxAge, 31_536_000);
    assert.equal(batchConfig(RENDITIONS, { cacheMaxAgeSeconds: '3600' }).cacheMaxAge, 3600);
    assert.throws(
      () => readBatchConfig(configJson((json) => ({ ...json, cacheMaxAge: 'soon' }))),
      /BATCH_CONFIG.cacheMaxAge must be a whole number of seconds/,
    );
  });

  it('carries the stack metricsNamespace for its metrics, ImageCdn by default, and refuses none', () => {
    assert.equal(batchConfig(RENDITIONS).metricsNamespace, 'ImageCdn');
    assert.equal(batchConfig(RENDITIONS, { metricsNamespace: 'Photos/Cdn' }).metricsNamespace, 'Photos/Cdn');
    assert.throws(
      () => readBatchConfig(configJson((json) => ({ ...json, metricsNamespace: '' }))),
      /BATCH_CONFIG.metricsNamespace must be a CloudWatch namespace/,
    );
  });

  it('carries the stack rules, so renditions follow allowedWidths', () => {
    const config = batchConfig(RENDITIONS, { allowedWidths: '[300,700,1400]' });
    assert.deepEqual(config.rules.allowedWidths, [300, 700, 1400]);
    assert.equal(config.rules.maxWidth, DEFAULT_RULES.maxWidth);
    assert.equal(renditionSpec(config.renditions[0]!, 'a.jpg', config.rules).width, 700);
  });

  for (const auto of ['format=auto', 'fm=AUTO', 'Format=Auto']) {
    it(`refuses ${auto} with a clear message`, () => {
      assert.throws(
        () => parseRenditions(['width=320&format=webp', `width=640&${auto}`], DEFAULT_RULES),
        (error: Error) =>
          error instanceof BatchConfigError &&
          /renditions entry 2/.test(error.message) &&
          /format=auto is refused/.test(error.message),
      );
    });
  }

  it('names the entry and the parameter of an invalid value', () => {
    assert.throws(
      () => parseRenditions(['width=320', 'width=abc&format=webp'], DEFAULT_RULES),
      /renditions entry 2 \('width=abc&format=webp'\): Invalid 'width': must be a whole number/,
    );
    assert.throws(
      () => parseRenditions(['width=99999'], DEFAULT_RULES),
      /entry 1.*'width': must be at most 4096/,
    );
    assert.throws(
      () => parseRenditions(['width=300&format=tiff'], DEFAULT_RULES),
      /'format': must be one of/,
    );
  });

  it('refuses an entry that asks for no transform, and an empty list', () => {
    assert.throws(
      () => parseRenditions(['width=320', 'foo=bar'], DEFAULT_RULES),
      /entry 2.*asks for no transform/,
    );
    assert.throws(() => parseRenditions([' ', ''], DEFAULT_RULES), /at least one rendition/);
  });

  it('names a missing variable, bad JSON and each missing or bad field', () => {
    assert.throws(() => readBatchConfig(undefined), /BATCH_CONFIG must be set/);
    assert.throws(() => readBatchConfig('{oops'), /BATCH_CONFIG is not valid JSON/);
    assert.throws(() => readBatchConfig('[]'), /BATCH_CONFIG must be a JSON object/);
    for (const field of [
      'originalsBucket',
      'derivativesBucket',
      'renditions',
      'rules',
      'transform',
      'cacheMaxAge',
    ])
      assert.throws(
        () => readBatchConfig(configJson((json) => ({ ...json, [field]: undefined }))),
        new RegExp(`BATCH_CONFIG.${field} must be`),
        field,
      );
    assert.throws(
      () => readBatchConfig(configJson((json) => ({ ...json, derivativesBucket: json.originalsBucket }))),
      /must differ/,
    );
    assert.throws(
      () => readBatchConfig(configJson((json) => ({ ...json, renditions: [] }))),
      /at least one rendition/,
    );
  });
});
