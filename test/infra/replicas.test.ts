import assert from 'node:assert/strict';

import type { EdgeConfig } from '../../functions/edge/edge-config';
import type { PolicyDocument } from '../../infra/iam';
import { ACCOUNT_ID, type RecordedResource, runStack, type Stack, T } from '../support/stack';

/**
 * Issue 13: a stack with `replicaRegions`, under mocks. Stack `dev` is at home in us-west-2.
 * Sources: "Optimize high availability with CloudFront origin failover" (origin groups), S3 User Guide
 * "Setting up permissions for live replication" and "Replicating delete markers between buckets".
 */

const REPLICAS = ['eu-west-1', 'ap-northeast-1'];
const WITH_REPLICAS = { 'image-cdn:replicaRegions': REPLICAS };
const WITH_RTC = { ...WITH_REPLICAS, 'image-cdn:replicationTimeControl': true };

interface Origin {
  originId: string;
  domainName: string;
  originAccessControlId?: string;
}

const bucketName = (resource: RecordedResource) => String(resource.inputs.bucket);
/** The bucket a bucket-level resource (access block, policy, …) is on, by the bucket's physical name. */
const onBucket = (stack: Stack, type: string, bucket: string) =>
  stack.ofType(type).filter((resource) => resource.inputs.bucket === bucket);

describe('infra stack dev with replicaRegions (under mocks)', function () {
  this.timeout(120_000);
  let plain: Stack;
  let replicated: Stack;
  let withRtc: Stack;

  before(async () => {
    [plain, replicated, withRtc] = await Promise.all([
      runStack('dev'),
      runStack('dev', WITH_REPLICAS),
      runStack('dev', WITH_RTC),
    ]);
  });

  const homeBuckets = (stack: Stack) =>
    stack.ofType(T.bucket).filter((bucket) => bucket.region === 'us-west-2');
  const replicaBucketsIn = (stack: Stack, region: string) =>
    stack.ofType(T.bucket).filter((bucket) => bucket.region === region);

  it('without replicas: no replica bucket, no replication, no origin group, no new resource type', () => {
    assert.equal(plain.ofType(T.replication).length, 0);
    assert.equal(plain.ofType(T.bucket).length, 2);
    assert.equal(plain.resources.filter((r) => r.type === 'imagecdn:index:ReplicaRegions').length, 0);
    const cdn = plain.only(T.distribution);
    assert.equal(cdn.inputs.originGroups, undefined);
    assert.equal(
      (cdn.inputs.defaultCacheBehavior as { targetOriginId: string }).targetOriginId,
      'derivatives',
    );
  });

  it('adding replicas replaces nothing: every resource of the stack keeps its URN, and its buckets their names', () => {
    const after = new Map(replicated.resources.map((resource) => [resource.urn, resource]));
    for (const resource of plain.resources)
      assert.ok(after.has(resource.urn), `${resource.urn} is still in the stack`);
    // The names' random part is the RandomId's, kept in state (no keepers: its inputs are the same with or
    // without replicas); each mock run draws its own, so it is set aside here.
    const random = T.randomId;
    assert.deepEqual(replicated.only(random).inputs, plain.only(random).inputs);
    const withoutSuffix = (inputs: Record<string, unknown> | undefined) =>
      JSON.parse(JSON.stringify(inputs).replace(/-[0-9a-f]{8}-/g, '-<random>-')) as unknown;
    for (const bucket of plain.ofType(T.bucket))
      assert.deepEqual(
        withoutSuffix(after.get(bucket.urn)?.inputs),
        withoutSuffix(bucket.inputs),
        `${bucket.name}: same inputs, no replacement`,
      );
    // Replication requires versioning on the source: added beside the bucket, which it does not replace.
    const [originals] = homeBuckets(replicated).filter((b) => bucketName(b).endsWith('-originals'));
    assert.equal(onBucket(plain, T.versioning, bucketName(originals!)).length, 0);
    assert.deepEqual(
      onBucket(replicated, T.versioning, bucketName(originals!))[0]?.inputs.versioningConfiguration,
      {
        status: 'Enabled',
      },
    );
  });

  for (const region of REPLICAS)
    it(`creates ${region}'s buckets through a provider for ${region}, with the home buckets' protections`, () => {
      const buckets = replicaBucketsIn(replicated, region);
      assert.deepEqual(
        buckets
          .map(bucketName)
          .map((name) => name.replace(/^.*-(originals|derivatives)-/, '$1-'))
          .sort(),
        [`derivatives-${region}`, `originals-${region}`],
      );
      for (const bucket of buckets) {
        const provider = replicated.providerOf(bucket);
        assert.equal(provider?.type, T.provider);
        assert.equal(provider?.inputs.region, region);
        const name = bucketName(bucket);
        for (const type of [T.publicAccess, T.ownership, T.sse, T.bucketPolicy]) {
          const [resource] = onBucket(replicated, type, name);
          assert.ok(resource, `${type} on ${name}`);
          assert.equal(
            replicated.providerOf(resource!)?.inputs.region,
            region,
            `${type} on ${name} in ${region}`,
          );
        }
        assert.deepEqual(onBucket(replicated, T.publicAccess, name)[0]!.inputs, {
          bucket: name,
          blockPublicAcls: true,
          blockPublicPolicy: true,
          ignorePublicAcls: true,
          restrictPublicBuckets: true,
        });
      }
      const originals = buckets.find((bucket) => bucketName(bucket).includes('-originals-'))!;
      const derivatives = buckets.find((bucket) => bucketName(bucket).includes('-derivatives-'))!;
      assert.equal(
        onBucket(replicated, T.versioning, bucketName(originals)).length,
        1,
        'destination versioned',
      );
      assert.equal(
        onBucket(replicated, T.lifecycle, bucketName(derivatives)).length,
        1,
        'derivatives expire',
      );
    });

  it('replicates the home originals to each replica, delete markers included, RTC only when asked', () => {
    const config = replicated.only(T.replication);
    const home = homeBuckets(replicated).find((b) => bucketName(b).endsWith('-originals'))!;
    assert.equal(config.inputs.bucket, bucketName(home));
    assert.equal(replicated.providerOf(config), undefined, 'in the home region (the stack provider)');
    const role = replicated.ofType(T.role).find((r) => String(r.inputs.name).endsWith('-replication'))!;
    assert.equal(config.inputs.role, `arn:aws:iam::${ACCOUNT_ID}:role/${String(role.inputs.name)}`);
    const destinationOf = (region: string) =>
      `arn:aws:s3:::${bucketName(replicaBucketsIn(replicated, region).find((b) => bucketName(b).includes('-originals-'))!)}`;
    assert.deepEqual(config.inputs.rules, [
      {
        id: 'originals-to-eu-west-1',
        status: 'Enabled',
        priority: 1,
        filter: { prefix: '' },
        deleteMarkerReplication: { status: 'Enabled' },
        destination: { bucket: destinationOf('eu-west-1'), storageClass: 'STANDARD' },
      },
      {
        id: 'originals-to-ap-northeast-1',
        status: 'Enabled',
        priority: 2,
        filter: { prefix: '' },
        deleteMarkerReplication: { status: 'Enabled' },
        destination: { bucket: destinationOf('ap-northeast-1'), storageClass: 'STANDARD' },
      },
    ]);
    const rtc = (
      withRtc.only(T.replication).inputs.rules as Array<{ destination: Record<string, unknown> }>
    )[0]!;
    assert.deepEqual(rtc.destination.replicationTime, { status: 'Enabled', time: { minutes: 15 } });
    assert.deepEqual(rtc.destination.metrics, { status: 'Enabled', eventThreshold: { minutes: 15 } });
  });

  it('gives the replication role exactly what S3 Replication needs, on exactly these buckets', () => {
    const role = replicated.ofType(T.role).find((r) => String(r.inputs.name).endsWith('-replication'))!;
    assert.deepEqual(replicated.json<PolicyDocument>(role, 'assumeRolePolicy').Statement, [
      {
        Sid: 'AssumeRole',
        Effect: 'Allow',
        Principal: { Service: ['s3.amazonaws.com'] },
        Action: ['sts:AssumeRole'],
      },
    ]);
    const policy = replicated.ofType(T.rolePolicy).find((p) => p.inputs.role === role.inputs.name)!;
    const home = bucketName(homeBuckets(replicated).find((b) => bucketName(b).endsWith('-originals'))!);
    const replicas = REPLICAS.map((region) =>
      bucketName(replicaBucketsIn(replicated, region).find((b) => bucketName(b).includes('-originals-'))!),
    );
    assert.deepEqual(replicated.json<PolicyDocument>(policy, 'policy').Statement, [
      {
        Sid: 'ReadReplicationConfiguration',
        Effect: 'Allow',
        Action: ['s3:GetReplicationConfiguration', 's3:ListBucket'],
        Resource: [`arn:aws:s3:::${home}`],
      },
      {
        Sid: 'ReadSourceVersions',
        Effect: 'Allow',
        Action: ['s3:GetObjectVersionForReplication', 's3:GetObjectVersionAcl', 's3:GetObjectVersionTagging'],
        Resource: [`arn:aws:s3:::${home}/*`],
      },
      {
        Sid: 'WriteReplicas',
        Effect: 'Allow',
        Action: ['s3:ReplicateObject', 's3:ReplicateDelete', 's3:ReplicateTags'],
        Resource: replicas.map((bucket) => `arn:aws:s3:::${bucket}/*`),
      },
    ]);
  });

  it("lets the edge read exactly the stack's originals buckets and write exactly its derivatives buckets", () => {
    const edge = replicated.get(T.lambda, 'image-cdn-edge-function');
    const policy = replicated.ofType(T.rolePolicy).find((p) => p.inputs.role === edge.inputs.name)!;
    const statements = replicated.json<PolicyDocument>(policy, 'policy').Statement;
    const all = replicated.ofType(T.bucket).map(bucketName);
    const resourcesOf = (sid: string) => [...(statements.find((s) => s.Sid === sid)?.Resource ?? [])].sort();
    assert.deepEqual(
      resourcesOf('ReadOriginals'),
      all
        .filter((b) => /-originals(-|$)/.test(b))
        .map((b) => `arn:aws:s3:::${b}/*`)
        .sort(),
    );
    assert.deepEqual(
      resourcesOf('WriteDerivatives'),
      all
        .filter((b) => /-derivatives(-|$)/.test(b))
        .map((b) => `arn:aws:s3:::${b}/*`)
        .sort(),
    );
    assert.equal(resourcesOf('ReadOriginals').length, 3);
  });

  it("bakes every region's buckets into the edge config, in the stack's order", () => {
    const code = replicated.get(T.lambda, 'image-cdn-edge-function').inputs.code as {
      assets: Record<string, { text?: string }>;
    };
    const baked = JSON.parse(code.assets['edge-config.json']!.text!) as EdgeConfig;
    assert.deepEqual(
      baked.replicas?.map((replica) => replica.region),
      REPLICAS,
    );
    for (const replica of baked.replicas ?? []) {
      const names = replicaBucketsIn(replicated, replica.region).map(bucketName).sort();
      assert.deepEqual([replica.derivativesBucket, replica.originalsBucket], names);
    }
  });

  it('puts the derivatives behind an origin group that fails over to the first replica on 500, 502, 503, 504', () => {
    const cdn = replicated.only(T.distribution);
    const origins = cdn.inputs.origins as Origin[];
    assert.deepEqual(
      origins.map((origin) => origin.originId),
      [
        'derivatives',
        'originals',
        'derivatives-eu-west-1',
        'originals-eu-west-1',
        'derivatives-ap-northeast-1',
        'originals-ap-northeast-1',
      ],
    );
    for (const origin of origins)
      assert.ok(origin.originAccessControlId, `${origin.originId} reads through OAC`);
    const euDerivatives = bucketName(
      replicaBucketsIn(replicated, 'eu-west-1').find((b) => bucketName(b).includes('-derivatives-'))!,
    );
    assert.equal(
      origins.find((origin) => origin.originId === 'derivatives-eu-west-1')?.domainName,
      `${euDerivatives}.s3.eu-west-1.amazonaws.com`,
    );
    assert.deepEqual(cdn.inputs.originGroups, [
      {
        originId: 'derivatives-failover',
        failoverCriteria: { statusCodes: [500, 502, 503, 504] },
        members: [{ originId: 'derivatives' }, { originId: 'derivatives-eu-west-1' }],
      },
    ]);
    const behaviour = cdn.inputs.defaultCacheBehavior as { targetOriginId: string; allowedMethods: string[] };
    assert.equal(behaviour.targetOriginId, 'derivatives-failover');
    assert.deepEqual(behaviour.allowedMethods, ['GET', 'HEAD']);
  });

  it('grants this distribution OAC reads, over TLS only, on every bucket of the stack', () => {
    const buckets = replicated.ofType(T.bucket);
    assert.equal(buckets.length, 6);
    const sourceArns = new Set<string>();
    for (const bucket of buckets) {
      const [policy] = onBucket(replicated, T.bucketPolicy, bucketName(bucket));
      assert.ok(policy, `a policy on ${bucketName(bucket)}`);
      const statements = replicated.json<PolicyDocument>(policy!, 'policy').Statement;
      assert.deepEqual(
        statements.map((s) => s.Sid),
        ['DenyInsecureTransport', 'AllowThisDistributionThroughOac'],
      );
      assert.deepEqual(statements[1]!.Principal, { Service: 'cloudfront.amazonaws.com' });
      sourceArns.add(statements[1]!.Condition!.StringEquals!['AWS:SourceArn']!);
    }
    // One distribution, this stack's: the mock gives it an honest id (E…).
    assert.equal(sourceArns.size, 1);
    assert.match(
      [...sourceArns][0]!,
      new RegExp(`^arn:aws:cloudfront::${ACCOUNT_ID}:distribution/E[A-Z0-9]+$`),
    );
  });

  it("charts, per edge region, the regions the edge's misses passed over (only with replicas)", () => {
    const lines = (stack: Stack) =>
      JSON.stringify(stack.only(T.dashboard).inputs.dashboardBody).split('RegionFallbacks').length - 1;
    assert.equal(lines(plain), 0);
    assert.equal(lines(replicated), 13, 'one line per regional edge cache region');
  });

  it('never shares a physical name with another stack that has replicas', async () => {
    const other = await runStack('prod-eu', { 'image-cdn:replicaRegions': ['us-west-2', 'ap-northeast-1'] });
    const names = (stack: Stack) =>
      new Set([
        ...stack.ofType(T.bucket).map(bucketName),
        ...stack.ofType(T.role).map((role) => String(role.inputs.name)),
      ]);
    const ours = names(replicated);
    const shared = [...names(other)].filter((name) => ours.has(name));
    assert.deepEqual(shared, []);
    assert.equal(ours.size, 6 + 3, 'six buckets and three roles, each named once');
  });
});
