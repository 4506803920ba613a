// docs/deployer-policy.json, the least-privilege policy the README gives whoever runs `pulumi up`, must allow
// creating every resource the stacks register, on that resource's own ARN, plus what Lambda@Edge asks of
// the deployer (CloudFront Developer Guide, "Set up IAM permissions and roles for Lambda@Edge").
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { ACCOUNT_ID, type RecordedResource, runStack } from '../support/stack';

interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: string | string[];
}
const policy = JSON.parse(
  readFileSync(join(__dirname, '..', '..', 'docs', 'deployer-policy.json'), 'utf8'),
) as {
  Statement: Statement[];
};

const list = (value: string | string[]) => (Array.isArray(value) ? value : [value]);
const glob = (pattern: string, text: string, flags = '') =>
  new RegExp(`^${pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`, flags).test(text);

/** Whether an Allow statement covers `action` on `arn` (conditions aside). */
const allows = (action: string, arn: string) =>
  policy.Statement.some(
    (s) =>
      s.Effect === 'Allow' &&
      list(s.Action).some((pattern) => glob(pattern, action, 'i')) &&
      list(s.Resource).some((pattern) => glob(pattern, arn)),
  );

const text = (value: unknown) => String(value);

/** For each resource type the program creates: the create action and the ARN it is authorised on. */
const CREATE: Record<string, (r: RecordedResource) => [string, string][]> = {
  'aws:s3/bucket:Bucket': (r) => [['s3:CreateBucket', `arn:aws:s3:::${text(r.inputs.bucket)}`]],
  'aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock': (r) => [
    ['s3:PutBucketPublicAccessBlock', `arn:aws:s3:::${text(r.inputs.bucket)}`],
  ],
  'aws:s3/bucketOwnershipControls:BucketOwnershipControls': (r) => [
    ['s3:PutBucketOwnershipControls', `arn:aws:s3:::${text(r.inputs.bucket)}`],
  ],
  'aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration': (r) => [
    ['s3:PutEncryptionConfiguration', `arn:aws:s3:::${text(r.inputs.bucket)}`],
  ],
  'aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration': (r) => [
    ['s3:PutLifecycleConfiguration', `arn:aws:s3:::${text(r.inputs.bucket)}`],
  ],
  'aws:s3/bucketVersioning:BucketVersioning': (r) => [
    ['s3:PutBucketVersioning', `arn:aws:s3:::${text(r.inputs.bucket)}`],
  ],
  'aws:s3/bucketNotification:BucketNotification': (r) => [
    ['s3:PutBucketNotification', `arn:aws:s3:::${text(r.inputs.bucket)}`],
  ],
  // S3 Replication: the deployer sets the configuration and passes the replication role to S3.
  'aws:s3/bucketReplicationConfig:BucketReplicationConfig': (r) => [
    ['s3:PutReplicationConfiguration', `arn:aws:s3:::${text(r.inputs.bucket)}`],
    ['iam:PassRole', text(r.inputs.role)],
  ],
  'aws:s3/bucketPolicy:BucketPolicy': (r) => [
    ['s3:PutBucketPolicy', `arn:aws:s3:::${text(r.inputs.bucket)}`],
  ],
  'aws:iam/role:Role': (r) => [['iam:CreateRole', `arn:aws:iam::${ACCOUNT_ID}:role/${text(r.inputs.name)}`]],
  'aws:iam/rolePolicy:RolePolicy': (r) => [
    ['iam:PutRolePolicy', `arn:aws:iam::${ACCOUNT_ID}:role/${text(r.inputs.role)}`],
  ],
  'aws:lambda/function:Function': (r) => [
    ['lambda:CreateFunction', `arn:aws:lambda:${r.region}:${ACCOUNT_ID}:function:${text(r.inputs.name)}`],
    ['iam:PassRole', text(r.inputs.role)],
  ],
  'aws:lambda/layerVersion:LayerVersion': (r) => [
    [
      'lambda:PublishLayerVersion',
      `arn:aws:lambda:${r.region}:${ACCOUNT_ID}:layer:${text(r.inputs.layerName)}`,
    ],
  ],
  'aws:lambda/permission:Permission': (r) => [
    ['lambda:AddPermission', `arn:aws:lambda:${r.region}:${ACCOUNT_ID}:function:${text(r.inputs.function)}`],
  ],
  'aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig': (r) => [
    [
      'lambda:PutFunctionEventInvokeConfig',
      `arn:aws:lambda:${r.region}:${ACCOUNT_ID}:function:${text(r.inputs.functionName)}`,
    ],
  ],
  'aws:sqs/queue:Queue': (r) => [
    ['sqs:CreateQueue', `arn:aws:sqs:${r.region}:${ACCOUNT_ID}:${text(r.inputs.name)}`],
  ],
  'aws:cloudwatch/logGroup:LogGroup': (r) => [
    ['logs:CreateLogGroup', `arn:aws:logs:${r.region}:${ACCOUNT_ID}:log-group:${text(r.inputs.name)}`],
    ['logs:PutRetentionPolicy', `arn:aws:logs:${r.region}:${ACCOUNT_ID}:log-group:${text(r.inputs.name)}`],
  ],
  'aws:sns/topic:Topic': (r) => [
    ['sns:CreateTopic', `arn:aws:sns:${r.region}:${ACCOUNT_ID}:${text(r.inputs.name)}`],
  ],
  'aws:sns/topicPolicy:TopicPolicy': (r) => [['sns:SetTopicAttributes', text(r.inputs.arn)]],
  'aws:sns/topicSubscription:TopicSubscription': (r) => [['sns:Subscribe', text(r.inputs.topic)]],
  'aws:cloudwatch/metricAlarm:MetricAlarm': (r) => [
    [
      'cloudwatch:PutMetricAlarm',
      `arn:aws:cloudwatch:${r.region}:${ACCOUNT_ID}:alarm:${text(r.inputs.name)}`,
    ],
  ],
  'aws:cloudwatch/dashboard:Dashboard': (r) => [
    [
      'cloudwatch:PutDashboard',
      `arn:aws:cloudwatch::${ACCOUNT_ID}:dashboard/${text(r.inputs.dashboardName)}`,
    ],
  ],
  'aws:cloudfront/monitoringSubscription:MonitoringSubscription': (r) => [
    [
      'cloudfront:CreateMonitoringSubscription',
      `arn:aws:cloudfront::${ACCOUNT_ID}:distribution/${text(r.inputs.distributionId)}`,
    ],
  ],
  'aws:cloudfront/distribution:Distribution': () => [['cloudfront:CreateDistribution', '*']],
  'aws:cloudfront/originAccessControl:OriginAccessControl': () => [
    ['cloudfront:CreateOriginAccessControl', '*'],
  ],
  'aws:cloudfront/cachePolicy:CachePolicy': () => [['cloudfront:CreateCachePolicy', '*']],
  'aws:cloudfront/responseHeadersPolicy:ResponseHeadersPolicy': () => [
    ['cloudfront:CreateResponseHeadersPolicy', '*'],
  ],
  'aws:cloudfront/function:Function': () => [
    ['cloudfront:CreateFunction', '*'],
    ['cloudfront:PublishFunction', '*'],
  ],
};

describe('deployer policy (docs/deployer-policy.json)', function () {
  this.timeout(120_000);

  // Every stack file, and dev with the options that add resources (alarm email, additional metrics).
  const runs: [string, Record<string, unknown>][] = [
    ['dev', {}],
    ['prod-eu', {}],
    ['multi-region', {}],
    ['dev', { 'image-cdn:alarmEmail': 'ops@example.com', 'image-cdn:cloudfrontAdditionalMetrics': true }],
    [
      'dev',
      {
        'image-cdn:replicaRegions': ['eu-west-1', 'ap-northeast-1'],
        'image-cdn:replicationTimeControl': true,
      },
    ],
  ];
  for (const [stackName, overrides] of runs)
    it(`allows creating every resource stack ${stackName} ${JSON.stringify(overrides)} registers, on its own ARN`, async () => {
      const stack = await runStack(stackName, overrides);
      const resources = stack.resources.filter((r) => r.custom && r.type.startsWith('aws:'));
      const uncovered = [...new Set(resources.map((r) => r.type))].filter((type) => !(type in CREATE));
      assert.deepEqual(
        uncovered,
        [],
        'resource types with no entry here: add them to the policy and to CREATE',
      );
      for (const resource of resources)
        for (const [action, arn] of CREATE[resource.type]!(resource))
          assert.ok(allows(action, arn), `${resource.type} ${resource.name}: ${action} on ${arn}`);
    });

  it('grants what Lambda@Edge asks of the deployer, on the edge function version', async () => {
    const stack = await runStack('dev');
    const edge = stack.get('aws:lambda/function:Function', 'image-cdn-edge-function');
    const version = `arn:aws:lambda:us-east-1:${ACCOUNT_ID}:function:${text(edge.inputs.name)}:1`;
    for (const action of ['lambda:GetFunction', 'lambda:EnableReplication', 'lambda:DisableReplication'])
      assert.ok(allows(action, version), action);
    assert.ok(allows('cloudfront:UpdateDistribution', '*'));
    // The response headers policy is read, updated and deleted by its CloudFront-assigned id as well.
    for (const verb of ['Get', 'Update', 'Delete'])
      assert.ok(allows(`cloudfront:${verb}ResponseHeadersPolicy`, '*'), verb);
    assert.ok(
      allows(
        'iam:CreateServiceLinkedRole',
        `arn:aws:iam::${ACCOUNT_ID}:role/aws-service-role/replicator.lambda.amazonaws.com/AWSServiceRoleForLambdaReplicator`,
      ),
    );
    assert.ok(!allows('s3:PutObject', 'arn:aws:s3:::someone-elses-bucket/x'), 'nothing beyond the stack');
    assert.ok(!allows('iam:CreateRole', `arn:aws:iam::${ACCOUNT_ID}:role/admin`), 'no other roles');
  });
});
