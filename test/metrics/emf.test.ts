import assert from 'node:assert/strict';

import { metricFields, statusClass } from '../../functions/metrics/emf';

// "Specification: Embedded metric format" (Amazon CloudWatch User Guide): a root `_aws` member with
// `Timestamp` (ms since the epoch) and `CloudWatchMetrics`, a list of directives each with `Namespace`,
// `Dimensions` (a list of dimension sets, each a list of member names) and `Metrics` (`Name`, `Unit`);
// every metric and dimension named must be a member of the root object, a metric's value a number.
describe('Embedded Metric Format records (functions/metrics/emf.ts)', () => {
  it('carries the directive and, at the root, every named dimension and metric value', () => {
    const fields = metricFields(
      'ImageCdn',
      { StatusClass: '2xx' },
      { Requests: { value: 1, unit: 'Count' }, Duration: { value: 42, unit: 'Milliseconds' } },
      1_700_000_000_000,
    );
    assert.deepEqual(fields, {
      StatusClass: '2xx',
      Requests: 1,
      Duration: 42,
      _aws: {
        Timestamp: 1_700_000_000_000,
        CloudWatchMetrics: [
          {
            Namespace: 'ImageCdn',
            Dimensions: [['StatusClass']],
            Metrics: [
              { Name: 'Requests', Unit: 'Count' },
              { Name: 'Duration', Unit: 'Milliseconds' },
            ],
          },
        ],
      },
    });
    const line = JSON.parse(JSON.stringify(fields)) as Record<string, unknown>;
    const directive = (
      line._aws as { CloudWatchMetrics: { Dimensions: string[][]; Metrics: { Name: string }[] }[] }
    ).CloudWatchMetrics[0]!;
    for (const name of directive.Dimensions.flat()) assert.equal(typeof line[name], 'string', name);
    for (const { Name } of directive.Metrics) assert.equal(typeof line[Name], 'number', Name);
  });

  it('puts a status into one of four classes', () => {
    assert.deepEqual([200, 302, 404, 415, 503].map(statusClass), ['2xx', '3xx', '4xx', '4xx', '5xx']);
  });
});
