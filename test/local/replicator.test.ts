import assert from 'node:assert/strict';

import { DeleteObjectCommand, HeadObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';

import { type LocalReplication, startLocalReplication } from '../../local/replicator';
import { objectExists, useLocalS3 } from '../support/local-s3';

/**
 * The local stand-in for S3 Replication ("Replicating objects within and across Regions", S3 User Guide):
 * asynchronous, retried while a side is down, deletes replicated as the stack's rule replicates delete
 * markers.
 */
describe('local replication between two S3-compatible stores', function () {
  this.timeout(30_000);
  const home = useLocalS3(['originals'], { perTest: true, client: { maxAttempts: 1 } });
  const replica = useLocalS3(['originals-eu-west-1'], { perTest: true, client: { maxAttempts: 1 } });
  let replication: LocalReplication | undefined;

  beforeEach(() => {
    replication = startLocalReplication({
      source: { region: 'us-west-2', client: home.client, bucket: 'originals' },
      destinations: [{ region: 'eu-west-1', client: replica.client, bucket: 'originals-eu-west-1' }],
      lagMs: 20,
    });
    home.s3.onEvent((event) => replication?.onEvent(event));
  });
  afterEach(() => replication?.close());

  const put = (key: string) =>
    home.client.send(
      new PutObjectCommand({ Bucket: 'originals', Key: key, Body: 'image', ContentType: 'image/jpeg' }),
    );

  it('copies a new original after the lag, content type included', async () => {
    await put('a.jpg');
    await replication!.settled();
    const head = await replica.client.send(
      new HeadObjectCommand({ Bucket: 'originals-eu-west-1', Key: 'a.jpg' }),
    );
    assert.equal(head.ContentType, 'image/jpeg');
  });

  it('keeps retrying while the replica region is down, and lands once it is back', async () => {
    await replica.s3.takeDown();
    await put('b.jpg');
    while (replication!.stats.failedAttempts < 2) await new Promise((resolve) => setTimeout(resolve, 10));
    assert.equal(replication!.pending(), 1);
    await replica.s3.bringUp();
    await replication!.settled();
    assert.equal(await objectExists(replica.client, 'originals-eu-west-1', 'b.jpg'), true);
  });

  it('replicates a delete, and the latest change of a key wins', async () => {
    await put('c.jpg');
    await replication!.settled();
    await home.client.send(new DeleteObjectCommand({ Bucket: 'originals', Key: 'c.jpg' }));
    await replication!.settled();
    assert.equal(await objectExists(replica.client, 'originals-eu-west-1', 'c.jpg'), false);

    await put('d.jpg');
    await home.client.send(new DeleteObjectCommand({ Bucket: 'originals', Key: 'd.jpg' }));
    await replication!.settled();
    assert.equal(await objectExists(replica.client, 'originals-eu-west-1', 'd.jpg'), false);
  });
});
