import { strict as assert } from 'node:assert';

import * as aws from '@pulumi/aws';

import type { RegisteredResource } from '../../policies/offline/evaluate';
import { iamEdgeRoleExactS3Access, iamReplicationRoleLeastPrivilege } from '../../policies/rules/iam';
import {
  ACCOUNT,
  add,
  bucketWithCompanions,
  check,
  compliantStack,
  DERIVATIVES,
  find,
  ORIGINALS,
  policyDoc,
  set,
  trust,
  urnOf,
} from '../support/policy-fixture';

/**
 * Issue 13: a stack with a replica region. The replication role's documented minimum is S3 User Guide,
 * "Setting up permissions for live replication", step 2.
 */

const REPLICA_ORIGINALS = `${ORIGINALS}-eu-west-1`;
const REPLICA_DERIVATIVES = `${DERIVATIVES}-eu-west-1`;
const ROLE_ARN = `arn:aws:iam::${ACCOUNT}:role/cdn-replication`;
const arn = (bucket: string) => `arn:aws:s3:::${bucket}`;

const replicationStatements = (destination = REPLICA_ORIGINALS) => [
  {
    Sid: 'ReadReplicationConfiguration',
    Effect: 'Allow',
    Action: ['s3:GetReplicationConfiguration', 's3:ListBucket'],
    Resource: [arn(ORIGINALS)],
  },
  {
    Sid: 'ReadSourceVersions',
    Effect: 'Allow',
    Action: ['s3:GetObjectVersionForReplication', 's3:GetObjectVersionAcl', 's3:GetObjectVersionTagging'],
    Resource: [`${arn(ORIGINALS)}/*`],
  },
  {
    Sid: 'WriteReplicas',
    Effect: 'Allow',
    Action: ['s3:ReplicateObject', 's3:ReplicateDelete', 's3:ReplicateTags'],
    Resource: [`${arn(destination)}/*`],
  },
];

/** The compliant stack with a replica region: its buckets, the replication role and configuration. */
function replicatedStack(): RegisteredResource[] {
  const stack = [
    ...compliantStack(),
    ...bucketWithCompanions('replica-originals', REPLICA_ORIGINALS),
    ...bucketWithCompanions('replica-derivatives', REPLICA_DERIVATIVES),
  ];
  add(
    stack,
    aws.iam.Role,
    'replication-role',
    { name: 'cdn-replication', assumeRolePolicy: trust('s3.amazonaws.com') },
    { computed: { arn: ROLE_ARN } },
  );
  add(stack, aws.iam.RolePolicy, 'replication-policy', {
    role: 'cdn-replication',
    policy: policyDoc(...replicationStatements()),
  });
  add(stack, aws.s3.BucketReplicationConfig, 'replication', {
    bucket: ORIGINALS,
    role: ROLE_ARN,
    rules: [
      {
        id: 'originals-to-eu-west-1',
        status: 'Enabled',
        priority: 1,
        filter: { prefix: '' },
        deleteMarkerReplication: { status: 'Enabled' },
        destination: { bucket: arn(REPLICA_ORIGINALS), storageClass: 'STANDARD' },
      },
    ],
  });
  // The edge reads and writes every region's buckets.
  const edge = JSON.parse(String(find(stack, 'edge-policy').inputs.policy)) as {
    Statement: { Sid: string; Resource: string[] }[];
  };
  for (const statement of edge.Statement) {
    if (statement.Sid === 'ReadOriginals') statement.Resource.push(`${arn(REPLICA_ORIGINALS)}/*`);
    if (statement.Sid === 'WriteDerivatives') statement.Resource.push(`${arn(REPLICA_DERIVATIVES)}/*`);
  }
  return set(stack, 'edge-policy', 'policy', JSON.stringify(edge));
}

const ROLE = urnOf(aws.iam.Role, 'replication-role');
const CONFIG = urnOf(aws.s3.BucketReplicationConfig, 'replication');
const messages = async (stack: RegisteredResource[]) =>
  (await check(iamReplicationRoleLeastPrivilege, stack)).map((found) => [found.message, found.urn]);

describe('iam-replication-role-least-privilege', () => {
  it('passes the replicated stack, and the edge rule accepts a bucket pair per region', async () => {
    assert.deepEqual(await check(iamReplicationRoleLeastPrivilege, replicatedStack()), []);
    assert.deepEqual(await check(iamEdgeRoleExactS3Access, replicatedStack()), []);
  });

  it("reports an edge role that cannot read a replica region's originals", async () => {
    const stack = replicatedStack();
    const edge = JSON.parse(String(find(stack, 'edge-policy').inputs.policy)) as {
      Statement: { Sid: string; Resource: string[] }[];
    };
    edge.Statement.find((s) => s.Sid === 'ReadOriginals')!.Resource.pop();
    set(stack, 'edge-policy', 'policy', JSON.stringify(edge));
    const found = (await check(iamEdgeRoleExactS3Access, stack)).map((f) => f.message);
    assert.equal(found.length, 1);
    assert.match(found[0]!, new RegExp(`lacks s3:GetObject on ${arn(REPLICA_ORIGINALS)}/\\*`));
  });

  it('reports replication to a bucket of another stack', async () => {
    const stack = replicatedStack();
    set(stack, 'replication', 'rules', [{ status: 'Enabled', destination: { bucket: arn('someone-else') } }]);
    const found = await messages(stack);
    assert.deepEqual(found[0], [
      `replicates to "${arn('someone-else')}", which is not a bucket of this stack: replicate only to this stack's buckets.`,
      CONFIG,
    ]);
  });

  it('reports a role that also trusts another service', async () => {
    const stack = set(
      replicatedStack(),
      'replication-role',
      'assumeRolePolicy',
      trust('s3.amazonaws.com', 'lambda.amazonaws.com'),
    );
    assert.deepEqual(await messages(stack), [
      [
        'replication role "replication-role" also trusts "lambda.amazonaws.com": trust only s3.amazonaws.com.',
        ROLE,
      ],
    ]);
  });

  it('reports a grant beyond replication: writing objects, or replicating to another bucket', async () => {
    const stack = set(
      replicatedStack(),
      'replication-policy',
      'policy',
      policyDoc(
        ...replicationStatements(),
        { Effect: 'Allow', Action: 's3:PutObject', Resource: `${arn(REPLICA_ORIGINALS)}/*` },
        { Effect: 'Allow', Action: 's3:ReplicateObject', Resource: `${arn(DERIVATIVES)}/*` },
      ),
    );
    const found = (await messages(stack)).map(([message]) => message);
    assert.equal(found.length, 2);
    assert.match(found[0]!, /grants s3:PutObject on arn:aws:s3:::cdn-test-originals-eu-west-1\/\*/);
    assert.match(found[1]!, /grants s3:ReplicateObject on arn:aws:s3:::cdn-test-derivatives\/\*/);
  });

  it('reports a role that is not in this stack', async () => {
    const stack = set(replicatedStack(), 'replication', 'role', `arn:aws:iam::${ACCOUNT}:role/elsewhere`);
    assert.deepEqual(await messages(stack), [
      ['its role is not a role in this stack: create the replication role here.', CONFIG],
    ]);
  });
});
