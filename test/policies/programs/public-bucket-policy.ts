// The real program plus a bucket policy that lets anyone read the originals.
import '../../../index';

import * as aws from '@pulumi/aws';

import { originalsBucket } from './context';

new aws.s3.BucketPolicy('injected-public-read', {
  bucket: originalsBucket(),
  policy: originalsBucket().apply((bucket) =>
    JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'PublicRead',
          Effect: 'Allow',
          Principal: '*',
          Action: 's3:GetObject',
          Resource: `arn:aws:s3:::${bucket}/*`,
        },
      ],
    }),
  ),
});
