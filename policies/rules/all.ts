// Every rule of the pack, in report order. index.ts serves these; the offline checker and tests evaluate them.
import { ResourceValidationPolicy, StackValidationPolicy } from '@pulumi/policy';
import { cloudfrontPolicies } from './cloudfront';
import { iamPolicies } from './iam';
import { lambdaResourcePolicies, lambdaStackPolicies } from './lambda';
import { logsPolicies } from './logs';
import { resourcePolicyPolicies } from './resource-policies';
import { s3Policies } from './s3';
import { stackPolicies } from './stack';

export const resourcePolicies: ResourceValidationPolicy[] = [
  ...iamPolicies,
  ...s3Policies,
  ...resourcePolicyPolicies,
  ...lambdaResourcePolicies,
  ...logsPolicies,
  ...cloudfrontPolicies,
];

export const stackValidationPolicies: StackValidationPolicy[] = [...lambdaStackPolicies, ...stackPolicies];

export const allPolicies: (ResourceValidationPolicy | StackValidationPolicy)[] = [
  ...resourcePolicies,
  ...stackValidationPolicies,
];
