import assert from 'node:assert/strict';

import { type LocalStack, startLocalStack } from '../../local/stack';
import { objectExists } from '../support/local-s3';

/**
 * Chaos test of a stack with a replica region, through the local edge: a steady mix of cache hits and
 * misses runs while the home region's store is taken down (connections cut and refused) and brought
 * back. CloudFront's origin group fails the derivatives over to the replica region ("Optimize high
 * availability with CloudFront origin failover"), and the handler reads the replicated original there.
 */

const HOME = 'us-west-2';
const REPLICA = 'eu-west-1';
/** Requests per phase: before the outage, during it, after the home region is back. */
const PER_PHASE = 30;
const WORKERS = 3;

/** The home region is up, down, being brought back (its server may already answer), up again. */
type Phase = 'before' | 'during' | 'restoring' | 'after';

interface Outcome {
  /** When the request started, and when its answer arrived. */
  readonly phase: Phase;
  readonly endPhase: Phase;
  readonly kind: 'hit' | 'miss';
  readonly key?: string;
  readonly status: number | 'dropped';
  readonly region?: string;
  readonly ms: number;
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

describe('multi-region local edge: the home region goes down under load (chaos)', function () {
  this.timeout(180_000);
  let stack: LocalStack | undefined;

  before(async () => {
    stack = await startLocalStack({
      regions: [HOME, REPLICA],
      replicationLagMs: 50,
      renditions: false,
    });
    await stack.replication!.settled();
  });
  after(async () => stack?.close());

  it('answers every request: misses fail over to the replica region, and writes resume at home', async () => {
    const cdn = stack!;
    const key = cdn.keys[0]!;
    const hits = [200, 240, 280, 320].map((width) => `/${key}?width=${width}&format=webp`);
    for (const url of hits) assert.equal((await fetch(cdn.url + url)).status, 200);

    const outcomes: Outcome[] = [];
    let phase: Phase = 'before';
    let issued = 0;
    let stop = false;

    async function request(index: number): Promise<void> {
      const started = process.hrtime.bigint();
      const miss = index % 2 === 1;
      // Each miss asks for a width no one asked for: a new derivative, so a miss at every layer.
      const width = 400 + index;
      const url = miss ? `/${key}?width=${width}&format=webp` : hits[index % hits.length]!;
      const at = phase;
      let status: Outcome['status'];
      let region: string | undefined;
      try {
        const response = await fetch(cdn.url + url);
        await response.arrayBuffer();
        status = response.status;
        region = response.headers.get('x-local-origin-region') ?? undefined;
      } catch {
        status = 'dropped';
      }
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      outcomes.push({
        phase: at,
        endPhase: phase,
        kind: miss ? 'miss' : 'hit',
        ...(miss ? { key: `${key}/_w${width}_q80.webp` } : {}),
        status,
        ...(region ? { region } : {}),
        ms,
      });
    }

    async function worker(): Promise<void> {
      while (!stop) await request(issued++);
    }

    /** Waits (without a time limit of its own) until `count` requests of the current phase are done. */
    async function completed(count: number): Promise<void> {
      while (outcomes.filter((outcome) => outcome.phase === phase).length < count)
        await new Promise((resolve) => setTimeout(resolve, 5));
    }

    const workers = Array.from({ length: WORKERS }, () => worker());
    await completed(PER_PHASE);
    // Through the user's own control, while requests are in flight.
    const down = await fetch(`${cdn.url}/_local/outage?region=${HOME}`, { method: 'POST' });
    assert.deepEqual(await down.json(), { regions: { [HOME]: 'down', [REPLICA]: 'up' } });
    phase = 'during';
    await completed(PER_PHASE);
    // Requests in flight while home comes back may reach either region: they are checked for failures only.
    phase = 'restoring';
    const up = await fetch(`${cdn.url}/_local/outage?region=${HOME}`, { method: 'DELETE' });
    assert.deepEqual(await up.json(), { regions: { [HOME]: 'up', [REPLICA]: 'up' } });
    phase = 'after';
    await completed(PER_PHASE);
    stop = true;
    await Promise.all(workers);

    const table = (['before', 'during', 'after'] as const).map((name) => {
      // The outage lasts until home is back: requests started while it was coming back count as during.
      const of = outcomes.filter(
        (outcome) => outcome.phase === name || (name === 'during' && outcome.phase === 'restoring'),
      );
      const ms = of.map((outcome) => outcome.ms);
      return {
        phase: name,
        requests: of.length,
        misses: of.filter((outcome) => outcome.kind === 'miss').length,
        failures: of.filter((outcome) => outcome.status !== 200).length,
        'p50 ms': Math.round(percentile(ms, 50)),
        'p99 ms': Math.round(percentile(ms, 99)),
      };
    });
    console.table(table);

    const failed = outcomes.filter((outcome) => outcome.status !== 200);
    assert.deepEqual(failed, [], 'no 5xx and no dropped connection, in any phase');

    // Misses that started and ended while home was down, and misses that started once it was back.
    const misses = (name: Phase) =>
      outcomes.filter(
        (o) => o.kind === 'miss' && o.phase === name && (name !== 'during' || o.endPhase === 'during'),
      );
    assert.ok(misses('during').length > 0);
    for (const miss of misses('during')) assert.equal(miss.region, REPLICA, `${miss.key} during the outage`);
    const replica = cdn.regions[1]!;
    for (const miss of misses('during'))
      assert.equal(await objectExists(replica.client, replica.buckets.derivativesBucket, miss.key!), true);

    assert.ok(misses('after').length > 0);
    const home = cdn.regions[0]!;
    for (const miss of misses('after')) {
      assert.equal(miss.region, HOME, `${miss.key} after the home region is back`);
      assert.equal(await objectExists(home.client, home.buckets.derivativesBucket, miss.key!), true);
    }
  });
});
