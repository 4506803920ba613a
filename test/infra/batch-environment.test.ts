import assert from 'node:assert/strict';

import { BATCH_CONFIG_VARIABLE, readBatchConfig } from '../../functions/batch/batch-config';
import { batchEnvironment, LAMBDA_ENVIRONMENT_LIMIT_BYTES } from '../../infra/function-configs';
import { localFunctionConfigs } from '../../local/local-config';

describe('batch environment (infra)', () => {
  it('is the one BATCH_CONFIG variable the handler reads, plus the allocator setting', () => {
    const environment = batchEnvironment(localFunctionConfigs().batch);
    assert.deepEqual(Object.keys(environment).sort(), [BATCH_CONFIG_VARIABLE, 'MALLOC_ARENA_MAX']);
    assert.deepEqual(
      readBatchConfig(environment[BATCH_CONFIG_VARIABLE]).rules,
      localFunctionConfigs().cdn.rules,
    );
  });

  it("refuses a configuration over Lambda's 4 KB of environment variables, naming what to shorten", () => {
    const widths = Array.from({ length: 1000 }, (_, index) => 16 + index * 4);
    const big = localFunctionConfigs({ maxWidth: '4096', allowedWidths: JSON.stringify(widths) }).batch;
    assert.ok(JSON.stringify(big).length > LAMBDA_ENVIRONMENT_LIMIT_BYTES);
    assert.throws(
      () => batchEnvironment(big),
      /over Lambda's 4096: list fewer batchRenditions or allowedWidths/,
    );
  });
});
