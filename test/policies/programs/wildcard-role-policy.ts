// The real program plus a RolePolicy that grants every S3 action on the batch role.
import '../../../index';

import * as aws from '@pulumi/aws';

import { roleName } from './context';

new aws.iam.RolePolicy('injected-wildcard', {
  role: roleName('batch'),
  policy: JSON.stringify({
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Action: 's3:*', Resource: 'arn:aws:s3:::injected/*' }],
  }),
});
