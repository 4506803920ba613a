// The real program plus AdministratorAccess attached to the batch role, its ARN looked up by a data source.
import '../../../index';

import * as aws from '@pulumi/aws';

import { roleName } from './context';

new aws.iam.RolePolicyAttachment('injected-admin-lookup', {
  role: roleName('batch'),
  policyArn: aws.iam.getPolicyOutput({ name: 'AdministratorAccess' }).arn,
});
