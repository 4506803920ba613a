// The real program plus a customer policy looked up by name, which the mocks cannot know: the check must
// fail (exit 2) with a clear message, never print a report for the part of the program that ran.
import '../../../index';

import * as aws from '@pulumi/aws';

import { roleName } from './context';

new aws.iam.RolePolicyAttachment('injected-customer-lookup', {
  role: roleName('batch'),
  policyArn: aws.iam.getPolicyOutput({ name: 'SomeoneElsesPolicy' }).arn,
});
