// The real program plus a RolePolicy that lets the batch role write the originals bucket that triggers it.
import '../../../index';

import * as aws from '@pulumi/aws';

import { originalsBucket, roleName } from './context';

new aws.iam.RolePolicy('injected-batch-write', {
  role: roleName('batch'),
  policy: originalsBucket().apply((bucket) =>
    JSON.stringify({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Action: 's3:PutObject', Resource: `arn:aws:s3:::${bucket}/*` }],
    }),
  ),
});
