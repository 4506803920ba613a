import assert from 'node:assert/strict';

import { PutObjectCommand } from '@aws-sdk/client-s3';

import { isImageError } from '../../functions/core/errors';
import { createS3ImageStore } from '../../functions/storage/image-store';
import { useLocalS3 } from '../support/local-s3';

describe('S3 image store (functions/storage/image-store.ts): limits', () => {
  const local = useLocalS3(['originals', 'derivatives']);

  it('refuses an original over maxOriginalBytes from its Content-Length', async () => {
    const { client } = local;
    await client.send(
      new PutObjectCommand({ Bucket: 'originals', Key: 'big.jpg', Body: Buffer.alloc(2048, 1) }),
    );
    const store = createS3ImageStore({
      client,
      originalsBucket: 'originals',
      derivativesBucket: 'derivatives',
      maxOriginalBytes: 1024,
    });
    await assert.rejects(store.getOriginal('big.jpg'), (error: unknown) => {
      assert.ok(isImageError(error));
      assert.deepEqual([error.status, error.code], [400, 'original_too_large']);
      return true;
    });
    const roomy = createS3ImageStore({
      client,
      originalsBucket: 'originals',
      derivativesBucket: 'derivatives',
      maxOriginalBytes: 4096,
    });
    assert.equal((await roomy.getOriginal('big.jpg')).body.length, 2048);
  });
});
