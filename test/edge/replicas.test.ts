import assert from 'node:assert/strict';
import { createServer } from 'node:net';

import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';

import type { EdgeConfig } from '../../functions/edge/edge-config';
import { createEdgeStore } from '../../functions/edge/miss-path';
import { createOriginResponseHandler } from '../../functions/edge/origin-response';
import { createS3ImageStore } from '../../functions/storage/image-store';
import { nearestFirst } from '../../functions/storage/region-distance';
import { createRegionalImageStore } from '../../functions/storage/regional-store';
import { localEdgeConfig } from '../../local/stack';
import { originResponseEvent, s3OriginResponseEvent } from '../support/edge-event';
import * as images from '../support/images';
import { objectExists, useLocalS3 } from '../support/local-s3';

const HOME = { region: 'us-west-2', originalsBucket: 'originals', derivativesBucket: 'derivatives' };
const REPLICA = {
  region: 'eu-west-1',
  originalsBucket: 'originals-eu-west-1',
  derivativesBucket: 'derivatives-eu-west-1',
};
const URI = '/cat.jpg/_w200_q80.webp';
const KEY = 'cat.jpg/_w200_q80.webp';

/** A port nothing listens on: connections to it are refused, as to a region whose S3 is down. */
async function refusedEndpoint(): Promise<string> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as { port: number };
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}

describe('region distance: the order a Lambda@Edge replica reads the stack regions in', () => {
  const regions = ['us-east-1', 'eu-west-1', 'ap-northeast-1'].map((region) => ({ region }));
  const order = (from: string | undefined, list = regions) =>
    nearestFirst(from, list).map((entry) => entry.region);

  it('nearest first, from wherever the replica runs', () => {
    assert.deepEqual(order('eu-west-2'), ['eu-west-1', 'us-east-1', 'ap-northeast-1']);
    assert.deepEqual(order('ap-northeast-2'), ['ap-northeast-1', 'eu-west-1', 'us-east-1']);
    assert.deepEqual(order('us-east-2'), ['us-east-1', 'eu-west-1', 'ap-northeast-1']);
    // Tokyo–Dublin (9,600 km) is shorter than Tokyo–N. Virginia (10,900 km) over the pole.
    assert.deepEqual(order('ap-northeast-1'), ['ap-northeast-1', 'eu-west-1', 'us-east-1']);
  });

  // The example of README.md and docs/multi-region.md: home us-west-2, replicas eu-west-1 and ap-northeast-1.
  it('reads the documented example: Frankfurt, London and São Paulo read Ireland, Seoul and Singapore Tokyo, Ohio Oregon', () => {
    const stack = ['us-west-2', 'eu-west-1', 'ap-northeast-1'].map((region) => ({ region }));
    const first = (from: string) => nearestFirst(from, stack)[0]!.region;
    for (const from of ['eu-central-1', 'eu-west-2', 'sa-east-1'])
      assert.equal(first(from), 'eu-west-1', from);
    for (const from of ['ap-northeast-2', 'ap-southeast-1'])
      assert.equal(first(from), 'ap-northeast-1', from);
    assert.equal(first('us-east-2'), 'us-west-2');
  });

  it('an unknown edge region keeps the given order (home first); unknown stack regions go last', () => {
    assert.deepEqual(order(undefined), ['us-east-1', 'eu-west-1', 'ap-northeast-1']);
    assert.deepEqual(order('xx-nowhere-1'), ['us-east-1', 'eu-west-1', 'ap-northeast-1']);
    assert.deepEqual(order('eu-west-2', [{ region: 'xx-new-9' }, ...regions]), [
      'eu-west-1',
      'us-east-1',
      'ap-northeast-1',
      'xx-new-9',
    ]);
  });
});

describe('origin-response handler with replica regions (two S3-compatible servers, one per region)', function () {
  this.timeout(30_000);
  const home = useLocalS3([HOME.originalsBucket, HOME.derivativesBucket], { perTest: true });
  const replica = useLocalS3([REPLICA.originalsBucket, REPLICA.derivativesBucket], { perTest: true });
  const logs: Array<Record<string, unknown>> = [];
  afterEach(() => (logs.length = 0));
  // The deployed store takes its credentials from the environment, as on Lambda; s3rver checks these.
  const saved = { id: process.env.AWS_ACCESS_KEY_ID, secret: process.env.AWS_SECRET_ACCESS_KEY };
  before(() => {
    process.env.AWS_ACCESS_KEY_ID = 'S3RVER';
    process.env.AWS_SECRET_ACCESS_KEY = 'S3RVER';
  });
  after(() => {
    for (const [name, value] of [
      ['AWS_ACCESS_KEY_ID', saved.id],
      ['AWS_SECRET_ACCESS_KEY', saved.secret],
    ] as const)
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
  });

  function configWith(endpoints: { home?: string; replica?: string } = {}): EdgeConfig {
    return {
      ...localEdgeConfig(),
      ...HOME,
      bucketRegion: HOME.region,
      replicas: [REPLICA],
      s3TimeoutMs: 1_000,
      s3Endpoints: {
        [HOME.region]: endpoints.home ?? home.s3.endpoint,
        [REPLICA.region]: endpoints.replica ?? replica.s3.endpoint,
      },
    };
  }

  /** The handler as the deployed entry point builds it: createEdgeStore with the replica's AWS_REGION. */
  function handlerIn(edgeRegion: string, config = configWith()) {
    return createOriginResponseHandler({
      store: createEdgeStore(config, edgeRegion),
      config,
      log: (entry) => logs.push(entry),
    });
  }

  async function putOriginal(client: S3Client, bucket: string): Promise<void> {
    await client.send(
      new PutObjectCommand({ Bucket: bucket, Key: 'cat.jpg', Body: await images.photoJpeg(400, 300) }),
    );
  }

  const resized = () => logs.find((entry) => entry.outcome === 'resized');

  it('reads the original from the region nearest to the replica: London reads Ireland', async () => {
    await putOriginal(home.client, HOME.originalsBucket);
    await putOriginal(replica.client, REPLICA.originalsBucket);
    const response = await handlerIn('eu-west-2')(originResponseEvent(URI, '404'));
    assert.equal(response.status, '200');
    assert.equal(resized()?.originalRegion, 'eu-west-1');
  });

  it('and California reads Oregon (home)', async () => {
    await putOriginal(home.client, HOME.originalsBucket);
    await putOriginal(replica.client, REPLICA.originalsBucket);
    const response = await handlerIn('us-west-1')(originResponseEvent(URI, '404'));
    assert.equal(response.status, '200');
    assert.equal(resized()?.originalRegion, 'us-west-2');
  });

  it('an original not yet replicated is read from home (S3 Replication is asynchronous)', async () => {
    await putOriginal(home.client, HOME.originalsBucket);
    const response = await handlerIn('eu-west-2')(originResponseEvent(URI, '404'));
    assert.equal(response.status, '200');
    assert.equal(resized()?.originalRegion, 'us-west-2');
  });

  it('the home region down (connections refused): the replica answers', async () => {
    await putOriginal(replica.client, REPLICA.originalsBucket);
    const config = configWith({ home: await refusedEndpoint() });
    const response = await handlerIn(
      'us-west-1',
      config,
    )(s3OriginResponseEvent(URI, '404', REPLICA.derivativesBucket, REPLICA.region));
    assert.equal(response.status, '200');
    assert.equal(resized()?.originalRegion, 'eu-west-1');
    // The miss's metric line counts the region it fell over (Embedded Metric Format, functions/metrics/emf.ts).
    assert.equal(resized()?.RegionFallbacks, 1);
    const metrics = (
      resized()?._aws as { CloudWatchMetrics: Array<{ Metrics: Array<{ Name: string }> }> }
    ).CloudWatchMetrics[0]!.Metrics.map((metric) => metric.Name);
    assert.ok(metrics.includes('RegionFallbacks'));
  });

  it("missing everywhere is a 404 (home's answer is final); missing in the replica with home down is a 503", async () => {
    const missing = await handlerIn('eu-west-2')(originResponseEvent(URI, '404'));
    assert.equal(missing.status, '404');
    const config = configWith({ home: await refusedEndpoint() });
    const unknown = await handlerIn('eu-west-2', config)(originResponseEvent(URI, '404'));
    assert.equal(unknown.status, '503');
    assert.match(unknown.headers?.['cache-control']?.[0]?.value ?? '', /no-store/);
  });

  it('writes the derivative to the bucket of the origin CloudFront asked (origin failover)', async () => {
    await putOriginal(home.client, HOME.originalsBucket);
    await putOriginal(replica.client, REPLICA.originalsBucket);
    const handler = handlerIn('eu-west-2');
    const secondary = await handler(
      s3OriginResponseEvent(URI, '404', REPLICA.derivativesBucket, REPLICA.region),
    );
    assert.equal(secondary.status, '200');
    assert.equal(await objectExists(replica.client, REPLICA.derivativesBucket, KEY), true);
    assert.equal(await objectExists(home.client, HOME.derivativesBucket, KEY), false);

    const primary = await handler(s3OriginResponseEvent(URI, '404', HOME.derivativesBucket, HOME.region));
    assert.equal(primary.status, '200');
    assert.equal(await objectExists(home.client, HOME.derivativesBucket, KEY), true);
  });

  it('a region that faulted is asked last for a while, then in its place again', async () => {
    await putOriginal(replica.client, REPLICA.originalsBucket);
    let clock = 0;
    const down = replica.s3.client({ endpoint: await refusedEndpoint(), timeoutMs: 1_000, maxAttempts: 1 });
    const store = createRegionalImageStore({
      regions: [
        { region: HOME.region, store: createS3ImageStore({ client: down, ...HOME }) },
        { region: REPLICA.region, store: createS3ImageStore({ client: replica.client, ...REPLICA }) },
      ],
      edgeRegion: 'us-west-1',
      unhealthyForMs: 30_000,
      now: () => clock,
    });
    const read = async () => {
      const original = await store.getOriginal('cat.jpg');
      return [original.region, original.fallbacks];
    };
    assert.deepEqual(await read(), ['eu-west-1', 1]);
    clock = 29_999;
    assert.deepEqual(await read(), ['eu-west-1', 0]);
    clock = 30_001;
    assert.deepEqual(await read(), ['eu-west-1', 1]);
    down.destroy();
  });

  it("passes the primary's 5xx through unchanged, so CloudFront fails over to the secondary", async () => {
    const event = s3OriginResponseEvent(URI, '503', HOME.derivativesBucket, HOME.region);
    const response = await handlerIn('eu-west-2')(event);
    assert.equal(response, event.Records[0]!.cf.response);
  });
});
