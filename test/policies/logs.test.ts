import { strict as assert } from 'node:assert';

import * as aws from '@pulumi/aws';

import { logsRetention } from '../../policies/rules/logs';
import { check, compliantStack, set, urnOf } from '../support/policy-fixture';

/** logs-retention is advisory. */
const one = (rule: string, message: string, urn: string) => [{ rule, level: 'advisory', message, urn }];

describe('logs rules', () => {
  describe('logs-retention', () => {
    const BATCH_LOGS = urnOf(aws.cloudwatch.LogGroup, 'batch-logs');
    it('passes the compliant stack', async () => {
      assert.deepEqual(await check(logsRetention, compliantStack()), []);
    });
    it('reports a log group without retention', async () => {
      const stack = set(compliantStack(), 'batch-logs', 'retentionInDays', undefined);
      assert.deepEqual(
        await check(logsRetention, stack),
        one('logs-retention', 'log group never expires: set retentionInDays (e.g. 14 or 30).', BATCH_LOGS),
      );
    });
    it('defaults maxRetentionDays to 3653, and config can lower it', async () => {
      assert.equal(logsRetention.configSchema?.properties.maxRetentionDays?.default, 3653);
      const config = { 'logs-retention': { maxRetentionDays: 14 } };
      assert.deepEqual(
        (await check(logsRetention, compliantStack(), config)).map((f) => f.message),
        ['retentionInDays is 30: set it to at most 14.', 'retentionInDays is 30: set it to at most 14.'],
      );
    });
  });
});
