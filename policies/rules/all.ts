// Every rule of the pack, one module per service, each holding that service's resource and stack rules.
// index.ts serves them; the offline checker and the tests evaluate them.
import type { ResourceValidationPolicy, StackValidationPolicy } from '@pulumi/policy';

import type { Policy } from '../lib/support';
import { cloudfrontPolicies } from './cloudfront';
import { iamPolicies } from './iam';
import { lambdaPolicies } from './lambda';
import { logsPolicies } from './logs';
import { resourcePolicyPolicies } from './resource-policies';
import { s3Policies } from './s3';

export const allPolicies: Policy[] = [
  ...iamPolicies,
  ...s3Policies,
  ...resourcePolicyPolicies,
  ...lambdaPolicies,
  ...logsPolicies,
  ...cloudfrontPolicies,
];

export const resourcePolicies = allPolicies.filter(
  (policy): policy is ResourceValidationPolicy => 'validateResource' in policy,
);

export const stackValidationPolicies = allPolicies.filter(
  (policy): policy is StackValidationPolicy => 'validateStack' in policy,
);
