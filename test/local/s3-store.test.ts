import assert from 'node:assert/strict';
import { connect } from 'node:net';

import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';

import { decodeKeyPath, encodeKeyPath } from '../../local/s3-store';
import { useLocalS3 } from '../support/local-s3';

// Issue 10, item 12: the local store may be no more lenient than S3.
describe('local S3 store behaves as S3 where s3rver did not', function () {
  this.timeout(30_000);
  const local = useLocalS3(['derivatives']);

  const status = async (key: string) => {
    try {
      await local.client.send(new GetObjectCommand({ Bucket: 'derivatives', Key: key }));
      return 200;
    } catch (error) {
      return (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
    }
  };

  /** Starts an unsigned PUT that promises `declared` bytes, sends `sent`, then drops the connection. */
  function interruptedPut(key: string, declared: number, sent: number): Promise<void> {
    const url = new URL(local.s3.endpoint);
    return new Promise((resolve) => {
      const socket = connect(Number(url.port), url.hostname, () => {
        socket.write(
          [
            `PUT /derivatives/${key} HTTP/1.1`,
            `Host: ${url.host}`,
            `Content-Length: ${declared}`,
            'Content-Type: image/webp',
            '',
            '',
          ].join('\r\n'),
        );
        socket.write(Buffer.alloc(sent, 7), () => setTimeout(() => socket.destroy(), 50));
      });
      socket.on('close', () => setTimeout(resolve, 100));
      socket.on('error', () => {});
    });
  }

  // "Amazon S3 never adds partial objects" (S3 User Guide, data consistency model).
  it('never stores the half of an interrupted PUT', async () => {
    await interruptedPut('photos/a.jpg/_w400.webp', 100_000, 40_000);
    assert.equal(await status('photos/a.jpg/_w400.webp'), 404);
  });

  it('keeps the previous object whole when a PUT that replaces it is interrupted', async () => {
    const whole = Buffer.alloc(5_000, 3);
    await local.client.send(
      new PutObjectCommand({ Bucket: 'derivatives', Key: 'photos/b.jpg/_w400.webp', Body: whole }),
    );
    await interruptedPut('photos/b.jpg/_w400.webp', 100_000, 40_000);
    const object = await local.client.send(
      new GetObjectCommand({ Bucket: 'derivatives', Key: 'photos/b.jpg/_w400.webp' }),
    );
    assert.deepEqual(Buffer.from(await object.Body!.transformToByteArray()), whole);
  });

  // "Naming Amazon S3 objects": keys up to 1,024 bytes, no limit per segment (a file name has 255).
  it('stores, reads and lists keys with segments over 255 bytes', async () => {
    const keys = [
      `photos/${'a'.repeat(300)}.jpg/_w400.webp`,
      `photos/${'é'.repeat(400)}.jpg`,
      `${'b'.repeat(700)}/${'c'.repeat(250)}.png`,
      'photos/100%+off/x.jpg',
    ];
    for (const [index, key] of keys.entries()) {
      await local.client.send(
        new PutObjectCommand({ Bucket: 'derivatives', Key: key, Body: Buffer.from([index]) }),
      );
      const object = await local.client.send(new GetObjectCommand({ Bucket: 'derivatives', Key: key }));
      assert.deepEqual([...(await object.Body!.transformToByteArray())], [index], key.slice(0, 20));
    }
    const listed = await local.client.send(new ListObjectsV2Command({ Bucket: 'derivatives' }));
    const names = (listed.Contents ?? []).map((entry) => entry.Key);
    for (const key of keys) assert.ok(names.includes(key), `listed ${key.slice(0, 30)}…`);
  });

  it('maps every key to a path and back, each name within the file-name limit', () => {
    for (const key of ['a/b.jpg', `${'x'.repeat(1000)}`, `p/${'€'.repeat(300)}/q`, 'odd%+/%25/key']) {
      const path = encodeKeyPath(key);
      assert.equal(decodeKeyPath(path), key);
      for (const name of path.split('/')) assert.ok(Buffer.byteLength(name) <= 200, name.slice(0, 20));
    }
  });
});
