import assert from 'node:assert/strict';

import { createLogger } from '../../functions/batch/log';

describe('batch log', () => {
  it('writes one JSON object per line to stdout by default', () => {
    const written: string[] = [];
    const original = process.stdout.write;
    process.stdout.write = ((chunk: string) => written.push(chunk) > 0) as typeof process.stdout.write;
    try {
      createLogger()('batch.original', { key: 'a\nb.jpg', outcome: 'skipped', reason: 'corrupt' });
    } finally {
      process.stdout.write = original;
    }
    assert.equal(written.length, 1);
    assert.ok(written[0]!.endsWith('\n'));
    assert.equal(written[0]!.trimEnd().split('\n').length, 1);
    const entry = JSON.parse(written[0]!);
    assert.equal(entry.event, 'batch.original');
    assert.equal(entry.key, 'a\nb.jpg');
    assert.equal(entry.reason, 'corrupt');
    assert.ok(!Number.isNaN(Date.parse(entry.time)));
  });
});
