// Resource policies of every other service (SQS queues, SNS topics, KMS keys, ECR repositories, secrets,
// log resource policies, EventBridge buses, access points, ...): judged by the same lib/resource-policy.ts
// rules as bucket policies, so the failure queue or a topic cannot be opened where a bucket could not.
import * as aws from '@pulumi/aws';
import { ReportViolation, ResourceValidationArgs, ResourceValidationPolicy } from '@pulumi/policy';

import { parsePolicyDocument, PolicyDocumentError } from '../lib/iam-document';
import { openGrants } from '../lib/resource-policy';
import { configWithDefaults, Policy, reportingUnknowns, stringList, typeOf } from '../lib/support';

/** Resource type -> [input holding the resource policy, what to call it in messages]. */
export const RESOURCE_POLICY_INPUTS: Record<string, [string, string]> = {
  [typeOf(aws.sqs.QueuePolicy)]: ['policy', 'queue policy'],
  [typeOf(aws.sqs.Queue)]: ['policy', 'queue policy'],
  [typeOf(aws.sns.TopicPolicy)]: ['policy', 'topic policy'],
  [typeOf(aws.sns.Topic)]: ['policy', 'topic policy'],
  [typeOf(aws.kms.Key)]: ['policy', 'key policy'],
  [typeOf(aws.kms.KeyPolicy)]: ['policy', 'key policy'],
  [typeOf(aws.ecr.RepositoryPolicy)]: ['policy', 'repository policy'],
  [typeOf(aws.secretsmanager.SecretPolicy)]: ['policy', 'secret policy'],
  [typeOf(aws.secretsmanager.Secret)]: ['policy', 'secret policy'],
  [typeOf(aws.cloudwatch.LogResourcePolicy)]: ['policyDocument', 'log resource policy'],
  [typeOf(aws.cloudwatch.EventBusPolicy)]: ['policy', 'event bus policy'],
  [typeOf(aws.s3.AccessPoint)]: ['policy', 'access point policy'],
  [typeOf(aws.s3control.AccessPointPolicy)]: ['policy', 'access point policy'],
  [typeOf(aws.s3control.BucketPolicy)]: ['policy', 'bucket policy'],
  [typeOf(aws.efs.FileSystemPolicy)]: ['policy', 'file system policy'],
  [typeOf(aws.apigateway.RestApiPolicy)]: ['policy', 'REST API policy'],
  [typeOf(aws.apigateway.RestApi)]: ['policy', 'REST API policy'],
  [typeOf(aws.opensearch.DomainPolicy)]: ['accessPolicies', 'domain policy'],
  [typeOf(aws.backup.VaultPolicy)]: ['policy', 'vault policy'],
};

const schema = {
  properties: {
    trustedAccounts: stringList([], 'Account ids a resource policy may grant access to.'),
  },
};

export const resourcePolicyNoPublicOrCrossAccount: ResourceValidationPolicy = {
  name: 'resource-policy-no-public-or-cross-account',
  description:
    'No queue, topic, key or other resource policy grants "*", uses NotPrincipal/NotAction/NotResource ' +
    'with Allow, grants another account, or grants a service without naming the source.',
  enforcementLevel: 'mandatory',
  configSchema: schema,
  validateResource: reportingUnknowns((args: ResourceValidationArgs, report: ReportViolation) => {
    const entry = RESOURCE_POLICY_INPUTS[args.type];
    if (!entry) return;
    const [input, label] = entry;
    const document = args.props[input];
    if (document === undefined || document === null || document === '') return;
    const { trustedAccounts } = configWithDefaults<{ trustedAccounts: string[] }>(schema, args);
    try {
      for (const m of openGrants(parsePolicyDocument(document), { label, trustedAccounts })) report(m);
    } catch (e) {
      if (!(e instanceof PolicyDocumentError)) throw e;
      report(`${label}: ${e.message}. Fix the document so it can be checked.`);
    }
  }),
};

export const resourcePolicyPolicies: Policy[] = [resourcePolicyNoPublicOrCrossAccount];
