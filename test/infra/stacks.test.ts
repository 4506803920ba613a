// The real index.ts, run under Pulumi runtime mocks for each example stack (one child process per
// stack, so Pulumi's global runtime state and the module cache never leak between stacks).
import assert from 'node:assert/strict';
import { join, relative } from 'node:path';

import { type BatchConfigJson, readBatchConfig } from '../../functions/batch/batch-config';
import type { EdgeConfig } from '../../functions/edge/edge-config';
import { BATCH_METRICS, EDGE_METRICS } from '../../functions/metrics/emf';
import { signUrl } from '../../functions/signing/sign-url';
import type { ViewerEvent, ViewerRequest } from '../../functions/viewer/viewer-request';
import { responseHeadersPolicyHeaders } from '../../infra/cloudfront';
import { defaultRenditions } from '../../infra/config';
import { originBucketPolicy, type PolicyDocument } from '../../infra/iam';
import { bucketName, resourceName } from '../../infra/names';
import { isViewerResponse, loadViewerFunction } from '../../local/viewer-sandbox';
import { uuidFrom } from '../../policies/offline/mocks';
import { ACCOUNT_ID, type RecordedResource, runStack, type Stack, StackRunError, T } from '../support/stack';

const RESPONSE_HEADERS_POLICY = 'aws:cloudfront/responseHeadersPolicy:ResponseHeadersPolicy';
const INDEX = join(__dirname, '..', '..', 'index.ts');
const EXAMPLE = join(__dirname, '..', '..', 'examples', 'site-with-images', 'index.ts');

/**
 * The programs checked resource by resource: this project's index.ts in both stacks, and the example
 * program that adds an ImageCdn named `images` beside resources of its own (only what is inside the
 * component is checked, by the same assertions).
 */
const STACKS = [
  { stack: 'dev', region: 'us-west-2', program: INDEX, cdn: 'image-cdn' },
  { stack: 'prod-eu', region: 'eu-west-1', program: INDEX, cdn: 'image-cdn' },
  { stack: 'dev', region: 'us-west-2', program: EXAMPLE, cdn: 'images' },
] as const;

/** A config value of the run, as the program received it (arrays and numbers arrive as JSON text). */
function configOf(stack: Stack, key: string): unknown {
  const raw = stack.run.config[`image-cdn:${key}`];
  assert.ok(raw !== undefined, `config image-cdn:${key} is set (Pulumi.yaml default or stack file)`);
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}

/** The deployment's random name part, as the RandomId mock created it. */
function nameSuffix(stack: Stack): string {
  const id = stack.only(T.randomId);
  const hex = String(id.state?.hex);
  assert.match(hex, /^[0-9a-f]{8}$/);
  return hex;
}

function statements(stack: Stack, resource: RecordedResource): PolicyDocument['Statement'] {
  return stack.json<PolicyDocument>(resource, 'policy').Statement;
}

function providerRegion(stack: Stack, resource: RecordedResource): string {
  const provider = stack.providerOf(resource);
  assert.ok(provider, `${resource.name} has an explicit provider`);
  assert.equal(provider.type, T.provider);
  return String(provider.inputs.region);
}

function viewerEvent(uri: string, query: Record<string, string>, accept = 'image/webp,*/*'): ViewerEvent {
  const querystring: ViewerEvent['request']['querystring'] = {};
  for (const [name, value] of Object.entries(query)) querystring[name] = { value };
  return {
    request: { method: 'GET', uri, querystring, headers: { accept: { value: accept } }, cookies: {} },
  } as ViewerEvent;
}

/** The stack's one distribution, with the state the mock answered (its id and ARN). */
function distribution(stack: Stack) {
  return stack.only(T.distribution);
}

for (const { stack: stackName, region, program, cdn } of STACKS) {
  describe(`infra stack ${stackName} (${relative(join(__dirname, '..', '..'), program)} under mocks)`, function () {
    this.timeout(120_000);
    let whole: Stack;
    let stack: Stack;
    let originals: string;
    let derivatives: string;
    let edgeName: string;
    let batchName: string;
    let suffix: string;

    before(async () => {
      whole = await runStack(stackName, {}, program);
      stack = whole.within('imagecdn:index:ImageCdn');
      suffix = nameSuffix(stack);
      originals = `image-cdn-${stackName}-${region}-${suffix}-originals`;
      derivatives = `image-cdn-${stackName}-${region}-${suffix}-derivatives`;
      edgeName = `image-cdn-${stackName}-${region}-${suffix}-edge`;
      batchName = `image-cdn-${stackName}-${region}-batch`;
    });

    it('parents every resource to a component and prefixes its name with the component name', () => {
      const components = stack.resources.filter((r) => r.type.startsWith('imagecdn:index:'));
      assert.deepEqual(components.map((c) => c.type).sort(), [
        'imagecdn:index:BatchResizer',
        'imagecdn:index:DeploymentNames',
        'imagecdn:index:EdgeFunction',
        'imagecdn:index:ImageBuckets',
        'imagecdn:index:ImageCdn',
        'imagecdn:index:ImageDistribution',
        'imagecdn:index:Monitoring',
        'imagecdn:index:OriginBucketPolicies',
        'imagecdn:index:StackDashboard',
      ]);
      // One ImageCdn at the top (index.ts); every other component is its child, named after it.
      const top = stack.only('imagecdn:index:ImageCdn');
      assert.equal(top.parent, '');
      for (const component of components.filter((c) => c !== top)) {
        assert.equal(component.parent, top.urn, `${component.name} is a child of the ImageCdn`);
        assert.ok(component.name.startsWith(`${top.name}-`), `${component.name} is named after it`);
      }
      // index.ts builds nothing beside its ImageCdn; the example builds its site beside it.
      if (program === INDEX) assert.equal(whole.resources.length, stack.resources.length);
      else assert.ok(whole.resources.length > stack.resources.length);
      const children = stack.resources.filter((r) => !r.type.startsWith('imagecdn:index:'));
      assert.ok(children.length >= 30, `${children.length} resources`);
      for (const child of children) {
        const parent = stack.byUrn(child.parent);
        assert.ok(parent, `${child.type} ${child.name} has a recorded parent`);
        assert.ok(parent.type.startsWith('imagecdn:index:'), `${child.name} is parented to a component`);
        assert.ok(child.name.startsWith(`${parent.name}-`), `${child.name} is named under ${parent.name}`);
      }
    });

    // Stacks deployed before ImageCdn existed hold these components at the top level under their short
    // names: index.ts aliases each to that URN, and the engine carries the alias down to their children,
    // whose names start with their parent's ("Aliases", Pulumi docs: child aliases are inherited), so an
    // upgrade updates in place. The example program has no such past, and no aliases.
    it(
      program === INDEX
        ? 'aliases its components to their URNs from before ImageCdn (and only those)'
        : 'registers no adoption aliases',
      () => {
        const top = stack.only('imagecdn:index:ImageCdn');
        const existedBefore = ['names', 'images', 'edge', 'cdn', 'origin-access', 'batch'];
        for (const component of stack.resources.filter((r) => r.parent === top.urn)) {
          const adopted = component.aliases.specs.filter((alias) => alias.spec?.noparent === true);
          if (program === INDEX && existedBefore.includes(component.name.slice(`${cdn}-`.length)))
            assert.deepEqual(
              adopted.map((alias) => alias.spec?.name),
              [component.name.slice(`${cdn}-`.length)],
              component.name,
            );
          else assert.deepEqual(adopted, [], component.name);
        }
      },
    );

    it('outputs the domain, the id, both buckets, the qualified edge ARN, the batch name and an example URL', () => {
      // The mock gives a distribution CloudFront's id shape (E + upper case) and <id>.cloudfront.net.
      const distributionId = String(distribution(stack).state?.arn).split('/').pop();
      assert.match(String(distributionId), /^E[A-Z0-9]+$/);
      const domain = `${String(distributionId).toLowerCase()}.cloudfront.net`;
      const registered = stack.only('imagecdn:index:ImageCdn').registeredOutputs;
      if (program === INDEX) {
        // index.ts exports exactly what its ImageCdn registers.
        assert.deepEqual(whole.run.outputs, registered);
      } else {
        // The component registers exactly its public Output fields (read in the program itself).
        assert.deepEqual(whole.run.outputs.imageCdnPublicFields, Object.keys(registered ?? {}).sort());
        assert.equal(whole.run.outputs.imageDomain, domain);
      }
      assert.deepEqual(registered, {
        distributionDomainName: domain,
        distributionId,
        originalsBucketName: originals,
        derivativesBucketName: derivatives,
        edgeFunctionQualifiedArn: `arn:aws:lambda:us-east-1:${ACCOUNT_ID}:function:${edgeName}:1`,
        batchFunctionName: batchName,
        sharpLayerArn: `arn:aws:lambda:${region}:${ACCOUNT_ID}:layer:${batchName}-sharp:1`,
        exampleImageUrl: `https://${domain}/photos/cat.jpg?width=640&format=auto`,
        originalsBucketPolicy: JSON.stringify(
          originBucketPolicy(originals, String(distribution(stack).state?.arn)),
        ),
      });
      // The policy given is the one applied to the originals bucket this stack created.
      assert.equal(
        stack.get(T.bucketPolicy, `${cdn}-origin-access-originals`).inputs.policy,
        registered?.originalsBucketPolicy,
      );
    });

    describe('alarms', () => {
      /** The region of the provider a resource was created with. */
      const regionOf = (resource: RecordedResource) => providerRegion(stack, resource);
      const alarms = () => stack.ofType(T.alarm);

      it('watch CloudFront in us-east-1, the edge in each edge region, the batch and its queue at home', () => {
        const edgeRegions = configOf(stack, 'edgeLogRegions') as string[];
        const where = alarms().map(
          (alarm) =>
            `${String(alarm.inputs.namespace)}/${String(alarm.inputs.metricName)}@${regionOf(alarm)}`,
        );
        assert.deepEqual(
          where.sort(),
          [
            'AWS/CloudFront/5xxErrorRate@us-east-1',
            ...edgeRegions.map((r) => `AWS/Lambda/Errors@${r}`),
            `AWS/Lambda/Errors@${region}`,
            `AWS/SQS/ApproximateNumberOfMessagesVisible@${region}`,
          ].sort(),
        );
      });

      // The dimensions name resources this stack has, as their metrics land ("Lambda@Edge CloudWatch
      // metrics": a replica's FunctionName is us-east-1.<name>; CloudFront's metrics have Region=Global).
      it('name metrics of resources the stack really has', () => {
        const distributionId = String(distribution(stack).state?.arn).split('/').pop();
        const queue = stack.only(T.queue).inputs.name;
        const batchAlarms = alarms().filter(
          (alarm) => (alarm.inputs.dimensions as Record<string, string>).FunctionName === batchName,
        );
        assert.equal(batchAlarms.length, 1);
        assert.equal(regionOf(batchAlarms[0]!), region);
        for (const alarm of alarms()) {
          const dimensions = alarm.inputs.dimensions as Record<string, string>;
          if (alarm.inputs.namespace === 'AWS/CloudFront')
            assert.deepEqual(dimensions, { DistributionId: distributionId, Region: 'Global' });
          else if (alarm.inputs.namespace === 'AWS/SQS') assert.deepEqual(dimensions, { QueueName: queue });
          else if (!batchAlarms.includes(alarm))
            assert.deepEqual(
              dimensions,
              { FunctionName: `us-east-1.${edgeName}` },
              String(alarm.inputs.name),
            );
        }
      });

      // Every line of the dashboard names a metric of a resource the stack has, in the region where it
      // lands; the handlers' own metric names are those test/edge/metrics.test.ts and the batch handler
      // test read from their log lines.
      it('draws a dashboard whose every metric is one the stack has, in the region where it lands', () => {
        const body = JSON.parse(String(stack.only(T.dashboard).inputs.dashboardBody)) as {
          widgets: { properties: { region: string; metrics: (string | object)[][] } }[];
        };
        const own = configOf(stack, 'metricsNamespace');
        const distributionId = String(distribution(stack).state?.arn).split('/').pop();
        const handlerMetrics: readonly string[] = [...EDGE_METRICS, ...BATCH_METRICS];
        const edgeRegions = configOf(stack, 'edgeLogRegions') as string[];
        const seen = new Set<string>();
        for (const { properties } of body.widgets) {
          for (const line of properties.metrics) {
            const [namespace, metric, ...rest] = line.filter((part) => typeof part === 'string') as string[];
            const dimensions = Object.fromEntries(
              Array.from({ length: rest.length / 2 }, (_, i) => [rest[2 * i], rest[2 * i + 1]]),
            );
            seen.add(`${namespace}@${properties.region}`);
            if (namespace === 'AWS/CloudFront') {
              assert.equal(properties.region, 'us-east-1');
              assert.deepEqual(dimensions, { DistributionId: distributionId, Region: 'Global' });
            } else if (namespace === 'AWS/SQS') {
              assert.equal(properties.region, region);
              assert.deepEqual(dimensions, { QueueName: stack.only(T.queue).inputs.name });
            } else if (namespace === 'AWS/Lambda') {
              const expected =
                properties.region === region && dimensions.FunctionName === batchName
                  ? batchName
                  : `us-east-1.${edgeName}`;
              assert.deepEqual(dimensions, { FunctionName: expected }, properties.region);
              if (expected !== batchName) assert.ok(edgeRegions.includes(properties.region));
            } else {
              assert.equal(namespace, own);
              assert.ok(handlerMetrics.includes(String(metric)), String(metric));
            }
          }
        }
        for (const edgeRegion of edgeRegions) {
          assert.ok(seen.has(`AWS/Lambda@${edgeRegion}`), edgeRegion);
          assert.ok(seen.has(`${String(own)}@${edgeRegion}`), edgeRegion);
        }
        assert.ok(
          seen.has(`AWS/Lambda@${region}`) &&
            seen.has(`AWS/SQS@${region}`) &&
            seen.has(`${String(own)}@${region}`),
        );
        // CloudFront's additional metrics cost money: off unless asked for.
        assert.equal(stack.ofType(T.monitoringSubscription).length, 0);
        assert.ok(!JSON.stringify(body).includes('CacheHitRate'));
      });

      it("notify a topic of their own region, which only this stack's alarms of that region may publish to", () => {
        for (const alarm of alarms()) {
          const [topic] = alarm.inputs.alarmActions as string[];
          assert.match(String(topic), new RegExp(`^arn:aws:sns:${regionOf(alarm)}:${ACCOUNT_ID}:`));
          assert.deepEqual(alarm.inputs.okActions, alarm.inputs.alarmActions);
          assert.ok(String(alarm.inputs.name).startsWith(`image-cdn-${stackName}-${region}-alarm-`));
        }
        for (const policy of stack.ofType(T.topicPolicy)) {
          assert.deepEqual(statements(stack, policy), [
            {
              Sid: 'AlarmsOfThisStack',
              Effect: 'Allow',
              Principal: { Service: 'cloudwatch.amazonaws.com' },
              Action: ['sns:Publish'],
              Resource: [policy.inputs.arn],
              Condition: {
                ArnLike: {
                  'aws:SourceArn': `arn:aws:cloudwatch:${regionOf(policy)}:${ACCOUNT_ID}:alarm:image-cdn-${stackName}-${region}-alarm-*`,
                },
                StringEquals: { 'aws:SourceAccount': ACCOUNT_ID },
              },
            },
          ]);
        }
        assert.equal(stack.ofType(T.topic).length, new Set(alarms().map(regionOf)).size);
        assert.equal(stack.ofType(T.subscription).length, 0, 'no email configured');
      });
    });

    describe('edge function', () => {
      it('is in us-east-1 through an explicit provider, whatever aws:region is', () => {
        assert.equal(stack.run.config['aws:region'], region);
        const fn = stack.get(T.lambda, `${cdn}-edge-function`);
        assert.equal(providerRegion(stack, fn), 'us-east-1');
        assert.equal(fn.region, 'us-east-1');
        assert.equal(providerRegion(stack, stack.get(T.role, `${cdn}-edge-role`)), 'us-east-1');
        const identity = stack.run.invokes.filter(
          (i) => i.token === 'aws:index/getCallerIdentity:getCallerIdentity',
        );
        assert.ok(identity.some((i) => i.region === 'us-east-1'));
      });

      it('is published, x86_64, the newest Lambda@Edge Node.js runtime, without environment or layers', () => {
        const inputs = stack.get(T.lambda, `${cdn}-edge-function`).inputs;
        assert.equal(inputs.publish, true);
        assert.deepEqual(inputs.architectures, ['x86_64']);
        assert.equal(inputs.runtime, 'nodejs22.x');
        assert.equal(inputs.handler, 'index.handler');
        assert.equal(inputs.environment, undefined);
        assert.equal(inputs.layers, undefined);
        assert.equal(inputs.name, edgeName);
      });

      it('takes memory and timeout from config, within origin-event limits', () => {
        const inputs = stack.get(T.lambda, `${cdn}-edge-function`).inputs;
        assert.equal(inputs.memorySize, configOf(stack, 'edgeMemoryMb'));
        assert.equal(inputs.timeout, configOf(stack, 'edgeTimeoutSeconds'));
        assert.ok((inputs.timeout as number) <= 30);
      });

      it('is retained on delete (replicas outlive the distribution), and only it', () => {
        const retained = stack.resources.filter((r) => r.retainOnDelete).map((r) => r.name);
        assert.deepEqual(retained, [`${cdn}-edge-function`]);
      });

      it('ships the bundle with the stack config baked in as edge-config.json', () => {
        const code = stack.get(T.lambda, `${cdn}-edge-function`).inputs.code as {
          archive: string;
          assets: Record<string, { asset?: string; archive?: string; path?: string; text?: string }>;
        };
        assert.equal(code.archive, 'assets');
        assert.deepEqual(Object.keys(code.assets).sort(), ['edge-config.json', 'index.js', 'node_modules']);
        assert.equal(code.assets['index.js']!.path, join(__dirname, '..', '..', 'dist', 'edge', 'index.js'));
        assert.equal(code.assets.node_modules!.archive, 'file');
        const baked = JSON.parse(code.assets['edge-config.json']!.text!) as EdgeConfig;
        assert.equal(baked.originalsBucket, originals);
        assert.equal(baked.derivativesBucket, derivatives);
        assert.equal(baked.bucketRegion, region);
        assert.deepEqual(baked.rules.allowedWidths, configOf(stack, 'allowedWidths'));
        assert.equal(baked.rules.defaultQuality.webp, configOf(stack, 'qualityWebp'));
        assert.equal(baked.rules.enableAvif, configOf(stack, 'enableAvif'));
        assert.equal(baked.transform.effort, 'fast');
        assert.equal(baked.transform.maxPixels, baked.rules.maxPixels);
        assert.equal(baked.cacheMaxAge, configOf(stack, 'cacheMaxAgeSeconds'));
        assert.equal(baked.errorMaxAge, configOf(stack, 'errorMaxAgeSeconds'));
        assert.ok(baked.s3TimeoutMs < 30_000);
      });

      it('has a role trusted by exactly lambda and edgelambda', () => {
        const trust = stack.json<PolicyDocument>(stack.get(T.role, `${cdn}-edge-role`), 'assumeRolePolicy');
        assert.deepEqual(trust.Statement, [
          {
            Sid: 'AssumeRole',
            Effect: 'Allow',
            Principal: { Service: ['lambda.amazonaws.com', 'edgelambda.amazonaws.com'] },
            Action: ['sts:AssumeRole'],
          },
        ]);
      });

      it("may read this stack's originals, write its derivatives and log to its own groups, never list", () => {
        assert.deepEqual(statements(stack, stack.get(T.rolePolicy, `${cdn}-edge-policy`)), [
          {
            Sid: 'ReadOriginals',
            Effect: 'Allow',
            Action: ['s3:GetObject'],
            Resource: [`arn:aws:s3:::${originals}/*`],
          },
          {
            Sid: 'WriteDerivatives',
            Effect: 'Allow',
            Action: ['s3:PutObject'],
            Resource: [`arn:aws:s3:::${derivatives}/*`],
          },
          {
            Sid: 'OwnLogs',
            Effect: 'Allow',
            Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
            Resource: [
              `arn:aws:logs:*:${ACCOUNT_ID}:log-group:/aws/lambda/us-east-1.${edgeName}:*`,
              `arn:aws:logs:us-east-1:${ACCOUNT_ID}:log-group:/aws/lambda/${edgeName}:*`,
            ],
          },
        ]);
      });

      it('creates the replica log group with retention in every configured region, one provider each', () => {
        const regions = configOf(stack, 'edgeLogRegions') as string[];
        const retention = configOf(stack, 'logRetentionDays');
        const replicas = stack
          .ofType(T.logGroup)
          .filter((g) => g.inputs.name === `/aws/lambda/us-east-1.${edgeName}`);
        assert.deepEqual(
          replicas.map((g) => providerRegion(stack, g)),
          regions,
        );
        for (const group of replicas) assert.equal(group.inputs.retentionInDays, retention);
        const own = stack.get(T.logGroup, `${cdn}-edge-logs`);
        assert.equal(own.inputs.name, `/aws/lambda/${edgeName}`);
        assert.equal(providerRegion(stack, own), 'us-east-1');
        assert.equal(own.inputs.retentionInDays, retention);
        const edgeProviders = stack
          .ofType(T.provider)
          .filter((p) => stack.byUrn(p.parent)?.type === 'imagecdn:index:EdgeFunction');
        const providerRegions = edgeProviders.map((p) => String(p.inputs.region)).sort();
        assert.deepEqual(providerRegions, [...new Set([...regions, 'us-east-1'])].sort());
      });
    });

    describe('buckets', () => {
      it('are aws.s3.Bucket with this stack and region in their names', () => {
        const buckets = stack.ofType(T.bucket);
        assert.deepEqual(buckets.map((b) => b.inputs.bucket).sort(), [derivatives, originals]);
        assert.equal(stack.resources.filter((r) => r.type.startsWith('aws:s3/bucketV2')).length, 0);
        for (const bucket of buckets) {
          assert.equal(bucket.region, region);
          assert.ok(String(bucket.inputs.bucket).length <= 63);
        }
      });

      it('are private: all four public-access flags, owner-enforced, encrypted by default', () => {
        for (const part of ['originals', 'derivatives']) {
          const id = part === 'originals' ? originals : derivatives;
          assert.deepEqual(stack.get(T.publicAccess, `${cdn}-images-${part}-public-access`).inputs, {
            bucket: id,
            blockPublicAcls: true,
            blockPublicPolicy: true,
            ignorePublicAcls: true,
            restrictPublicBuckets: true,
          });
          assert.deepEqual(stack.get(T.ownership, `${cdn}-images-${part}-ownership`).inputs, {
            bucket: id,
            rule: { objectOwnership: 'BucketOwnerEnforced' },
          });
          assert.deepEqual(stack.get(T.sse, `${cdn}-images-${part}-sse`).inputs.rules, [
            { applyServerSideEncryptionByDefault: { sseAlgorithm: 'AES256' }, bucketKeyEnabled: true },
          ]);
        }
      });

      it('let only this distribution read, through OAC, and only over TLS', () => {
        const distributionArn = String(distribution(stack).state?.arn);
        assert.match(
          distributionArn,
          new RegExp(`^arn:aws:cloudfront::${ACCOUNT_ID}:distribution/E[A-Z0-9]+$`),
        );
        for (const [part, bucket] of [
          ['originals', originals],
          ['derivatives', derivatives],
        ] as const) {
          const policy = stack.get(T.bucketPolicy, `${cdn}-origin-access-${part}`);
          assert.equal(policy.inputs.bucket, bucket);
          assert.deepEqual(statements(stack, policy), [
            {
              Sid: 'DenyInsecureTransport',
              Effect: 'Deny',
              Principal: '*',
              Action: ['s3:*'],
              Resource: [`arn:aws:s3:::${bucket}`, `arn:aws:s3:::${bucket}/*`],
              Condition: { Bool: { 'aws:SecureTransport': 'false' } },
            },
            {
              Sid: 'AllowThisDistributionThroughOac',
              Effect: 'Allow',
              Principal: { Service: 'cloudfront.amazonaws.com' },
              Action: ['s3:GetObject'],
              Resource: [`arn:aws:s3:::${bucket}/*`],
              Condition: { StringEquals: { 'AWS:SourceArn': distributionArn } },
            },
          ]);
        }
      });

      it('expire derivatives after the configured days; version originals and force-destroy only if configured', () => {
        const lifecycle = stack.get(T.lifecycle, `${cdn}-images-derivatives-lifecycle`);
        assert.equal(lifecycle.inputs.bucket, derivatives);
        const rules = lifecycle.inputs.rules as { expiration: { days: number }; status: string }[];
        assert.equal(rules[0]!.expiration.days, configOf(stack, 'derivativesExpirationDays'));
        assert.equal(rules[0]!.status, 'Enabled');
        const versioning = stack.ofType(T.versioning);
        if (configOf(stack, 'originalsVersioning') === true) {
          assert.equal(versioning.length, 1);
          assert.equal(versioning[0]!.inputs.bucket, originals);
        } else assert.equal(versioning.length, 0);
        for (const bucket of stack.ofType(T.bucket))
          assert.equal(bucket.inputs.forceDestroy, configOf(stack, 'forceDestroy'));
      });
    });

    describe('distribution', () => {
      it('has two S3 origins, each behind its own OAC (s3, sigv4, always)', () => {
        const origins = stack.only(T.distribution).inputs.origins as Record<string, unknown>[];
        assert.deepEqual(
          origins.map((o) => [o.originId, o.domainName, o.originAccessControlId]),
          [
            ['derivatives', `${derivatives}.s3.${region}.amazonaws.com`, `${cdn}-cdn-derivatives-oac`],
            ['originals', `${originals}.s3.${region}.amazonaws.com`, `${cdn}-cdn-originals-oac`],
          ],
        );
        for (const oac of stack.ofType(T.oac)) {
          assert.equal(oac.inputs.originAccessControlOriginType, 's3');
          assert.equal(oac.inputs.signingBehavior, 'always');
          assert.equal(oac.inputs.signingProtocol, 'sigv4');
        }
        assert.equal(stack.ofType(T.oac).length, 2);
        const shield = configOf(stack, 'originShield') === true;
        for (const origin of origins)
          assert.deepEqual(
            origin.originShield,
            shield ? { enabled: true, originShieldRegion: region } : undefined,
          );
      });

      it('keys the cache on the URI only: no query string, header, cookie or Accept-Encoding (issue 10, item 7)', () => {
        const policy = stack.only(T.cachePolicy);
        assert.deepEqual(policy.inputs.parametersInCacheKeyAndForwardedToOrigin, {
          queryStringsConfig: { queryStringBehavior: 'none' },
          headersConfig: { headerBehavior: 'none' },
          cookiesConfig: { cookieBehavior: 'none' },
          enableAcceptEncodingGzip: false,
          enableAcceptEncodingBrotli: false,
        });
        assert.equal(policy.inputs.defaultTtl, configOf(stack, 'cacheMaxAgeSeconds'));
        const behavior = stack.only(T.distribution).inputs.defaultCacheBehavior as Record<string, unknown>;
        assert.equal(behavior.cachePolicyId, policy.name);
        assert.equal(behavior.forwardedValues, undefined);
        assert.equal(behavior.compress, false);
        assert.equal(stack.only(T.distribution).inputs.orderedCacheBehaviors, undefined);
      });

      // Browsers and downstream caches learn what the answer varies on; CloudFront's own key is the URI.
      it('adds Accept-CH and Vary with a response headers policy, referenced by its id from every behaviour', () => {
        const policy = stack.only(RESPONSE_HEADERS_POLICY);
        assert.equal(policy.parent, stack.only('imagecdn:index:ImageDistribution').urn);
        assert.deepEqual(policy.inputs.customHeadersConfig, responseHeadersPolicyHeaders());
        assert.ok(!('corsConfig' in policy.inputs) && !('securityHeadersConfig' in policy.inputs));
        // The id the mocks assigned the policy: a UUID, as CloudFront assigns (policies/offline/mocks.ts).
        const id = uuidFrom(policy.name);
        assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
        const inputs = stack.only(T.distribution).inputs;
        const behaviors = [
          inputs.defaultCacheBehavior,
          ...((inputs.orderedCacheBehaviors as unknown[] | undefined) ?? []),
        ] as Record<string, unknown>[];
        for (const behavior of behaviors) assert.equal(behavior.responseHeadersPolicyId, id);
      });

      // "How CloudFront processes HTTP 4xx and 5xx status codes from your origin": a 5xx is cached for the
      // error caching minimum TTL (10 s unless a custom error response sets it), `no-store` or not.
      it('holds 5xx answers for 2 s, not the 10 s default of CloudFront (issue 10, item 6)', () => {
        const responses = stack.only(T.distribution).inputs.customErrorResponses as Record<string, unknown>[];
        assert.deepEqual(
          responses.map((r) => [r.errorCode, r.errorCachingMinTtl]),
          [500, 502, 503, 504].map((code) => [code, 2]),
        );
        for (const response of responses) {
          assert.equal(response.responsePagePath, undefined, "the origin's own body is kept");
          assert.equal(response.responseCode, undefined, "the origin's own status is kept");
        }
      });

      it('is HTTPS only, HTTP/2 and HTTP/3, IPv6, with the configured price class', () => {
        const inputs = stack.only(T.distribution).inputs;
        const behavior = inputs.defaultCacheBehavior as Record<string, unknown>;
        assert.equal(behavior.viewerProtocolPolicy, 'redirect-to-https');
        assert.equal(inputs.httpVersion, 'http2and3');
        assert.equal(inputs.isIpv6Enabled, true);
        assert.equal(inputs.priceClass, configOf(stack, 'priceClass'));
        assert.deepEqual(inputs.viewerCertificate, { cloudfrontDefaultCertificate: true });
        assert.equal(inputs.loggingConfig, undefined);
        assert.equal(inputs.webAclId, undefined);
      });

      it('associates the published viewer function and the edge version-qualified ARN', () => {
        const behavior = stack.only(T.distribution).inputs.defaultCacheBehavior as Record<string, unknown>;
        const viewer = stack.only(T.cfFunction);
        assert.equal(viewer.inputs.runtime, 'cloudfront-js-2.0');
        assert.equal(viewer.inputs.publish, true);
        assert.deepEqual(behavior.functionAssociations, [
          {
            eventType: 'viewer-request',
            functionArn: `arn:aws:cloudfront::${ACCOUNT_ID}:function/${viewer.inputs.name}`,
          },
        ]);
        const associations = behavior.lambdaFunctionAssociations as {
          eventType: string;
          lambdaArn: string;
        }[];
        assert.equal(associations.length, 1);
        assert.equal(associations[0]!.eventType, 'origin-response');
        assert.equal(
          associations[0]!.lambdaArn,
          stack.only('imagecdn:index:ImageCdn').registeredOutputs?.edgeFunctionQualifiedArn,
        );
        assert.match(associations[0]!.lambdaArn, new RegExp(`:function:${edgeName}:\\d+$`));
      });

      it("runs a viewer function built with this stack's rules and origin id", () => {
        const run = loadViewerFunction(String(stack.only(T.cfFunction).inputs.code));
        const widths = configOf(stack, 'allowedWidths') as number[];
        const resized = run(viewerEvent('/photos/cat.jpg', { width: '300', format: 'webp' }));
        assert.ok(!isViewerResponse(resized.result));
        const expectedWidth = widths.length > 0 ? widths.find((w) => w >= 300) : 300;
        const quality = configOf(stack, 'qualityWebp');
        assert.equal(
          (resized.result as ViewerRequest).uri,
          `/photos/cat.jpg/_w${expectedWidth}_q${quality}.webp`,
        );
        assert.equal(
          resized.originId,
          undefined,
          'transformed requests go to the default (derivatives) origin',
        );
        const original = run(viewerEvent('/photos/cat.jpg', {}));
        assert.equal(original.originId, 'originals');
      });
    });

    describe('batch resizer', () => {
      it('is a regular Lambda in the home region with sharp from a layer', () => {
        const fn = stack.get(T.lambda, `${cdn}-batch-function`);
        const layer = stack.only(T.layer);
        assert.equal(fn.provider, '', 'default provider: aws:region');
        assert.equal(fn.region, region);
        assert.deepEqual(layer.inputs.compatibleArchitectures, ['x86_64']);
        assert.deepEqual(layer.inputs.code, {
          archive: 'file',
          path: join(__dirname, '..', '..', 'dist', 'sharp-layer'),
        });
        assert.deepEqual(fn.inputs.layers, [
          `arn:aws:lambda:${region}:${ACCOUNT_ID}:layer:${batchName}-sharp:1`,
        ]);
        assert.deepEqual(fn.inputs.architectures, ['x86_64']);
        assert.equal(fn.inputs.reservedConcurrentExecutions, configOf(stack, 'batchReservedConcurrency'));
      });

      it('gets the same rules and the configured renditions through its environment', () => {
        const fn = stack.get(T.lambda, `${cdn}-batch-function`);
        const variables = (fn.inputs.environment as { variables: Record<string, string> }).variables;
        const baked = JSON.parse(
          (
            stack.get(T.lambda, `${cdn}-edge-function`).inputs.code as {
              assets: Record<string, { text: string }>;
            }
          ).assets['edge-config.json']!.text,
        ) as EdgeConfig;
        assert.deepEqual(Object.keys(variables).sort(), ['BATCH_CONFIG', 'MALLOC_ARENA_MAX']);
        const batch = JSON.parse(variables.BATCH_CONFIG!) as BatchConfigJson;
        assert.equal(batch.originalsBucket, originals);
        assert.equal(batch.derivativesBucket, derivatives);
        // An empty batchRenditions (the default) means the standard ones, shaped by the rules.
        const configured = configOf(stack, 'batchRenditions') as string[];
        const renditions = configured.length > 0 ? configured : defaultRenditions(baked.rules);
        assert.deepEqual(batch.renditions, renditions);
        assert.equal(variables.MALLOC_ARENA_MAX, '2');
        assert.equal(batch.cacheMaxAge, configOf(stack, 'cacheMaxAgeSeconds'));
        assert.deepEqual(batch.rules, baked.rules);
        assert.deepEqual(batch.transform, { ...baked.transform, effort: 'thorough' });
        // What the handler reads at cold start: the same JSON passes its checks.
        assert.equal(readBatchConfig(variables.BATCH_CONFIG).renditions.length, renditions.length);
      });

      it('is triggered by the originals bucket, one filter per suffix with the prefix', () => {
        const notification = stack.only(T.notification);
        assert.equal(notification.inputs.bucket, originals);
        const prefix = configOf(stack, 'batchPrefix');
        const fnArn = `arn:aws:lambda:${region}:${ACCOUNT_ID}:function:${batchName}`;
        const filters = notification.inputs.lambdaFunctions as Record<string, unknown>[];
        assert.deepEqual(
          filters.map((f) => f.filterSuffix),
          configOf(stack, 'batchSuffixes'),
        );
        for (const filter of filters) {
          assert.equal(filter.lambdaFunctionArn, fnArn);
          assert.deepEqual(filter.events, ['s3:ObjectCreated:*']);
          assert.equal(filter.filterPrefix, prefix === '' ? undefined : prefix);
        }
      });

      it('may be invoked by S3 only for this bucket and account', () => {
        const permission = stack.only(T.permission);
        assert.deepEqual(permission.inputs, {
          action: 'lambda:InvokeFunction',
          function: batchName,
          principal: 's3.amazonaws.com',
          sourceArn: `arn:aws:s3:::${originals}`,
          sourceAccount: ACCOUNT_ID,
        });
      });

      it('retries twice, drops old events, and sends failures to an encrypted queue with retention', () => {
        const queue = stack.only(T.queue);
        assert.equal(queue.inputs.sqsManagedSseEnabled, true);
        assert.equal(queue.inputs.messageRetentionSeconds, configOf(stack, 'failureQueueRetentionSeconds'));
        assert.deepEqual(stack.only(T.invokeConfig).inputs, {
          functionName: batchName,
          maximumRetryAttempts: 2,
          maximumEventAgeInSeconds: configOf(stack, 'batchMaxEventAgeSeconds'),
          destinationConfig: {
            onFailure: { destination: `arn:aws:sqs:${region}:${ACCOUNT_ID}:${queue.inputs.name}` },
          },
        });
      });

      it('keeps its logs for the configured retention', () => {
        const group = stack.get(T.logGroup, `${cdn}-batch-logs`);
        assert.equal(group.inputs.name, `/aws/lambda/${batchName}`);
        assert.equal(group.inputs.retentionInDays, configOf(stack, 'logRetentionDays'));
      });

      it('has a role that may read (and list) originals, write and re-read derivatives, report failures and log, nothing else', () => {
        const trust = stack.json<PolicyDocument>(stack.get(T.role, `${cdn}-batch-role`), 'assumeRolePolicy');
        assert.deepEqual(
          trust.Statement.map((s) => s.Principal),
          [{ Service: ['lambda.amazonaws.com'] }],
        );
        const queue = stack.only(T.queue);
        assert.deepEqual(statements(stack, stack.get(T.rolePolicy, `${cdn}-batch-policy`)), [
          {
            Sid: 'ReadOriginals',
            Effect: 'Allow',
            Action: ['s3:GetObject'],
            Resource: [`arn:aws:s3:::${originals}/*`],
          },
          {
            Sid: 'ListOriginals',
            Effect: 'Allow',
            Action: ['s3:ListBucket'],
            Resource: [`arn:aws:s3:::${originals}`],
          },
          {
            Sid: 'WriteDerivatives',
            Effect: 'Allow',
            Action: ['s3:PutObject'],
            Resource: [`arn:aws:s3:::${derivatives}/*`],
          },
          {
            Sid: 'ReadOwnDerivatives',
            Effect: 'Allow',
            Action: ['s3:GetObject'],
            Resource: [`arn:aws:s3:::${derivatives}/*`],
          },
          {
            Sid: 'ReportFailures',
            Effect: 'Allow',
            Action: ['sqs:SendMessage'],
            Resource: [`arn:aws:sqs:${region}:${ACCOUNT_ID}:${queue.inputs.name}`],
          },
          {
            Sid: 'OwnLogs',
            Effect: 'Allow',
            Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
            Resource: [`arn:aws:logs:${region}:${ACCOUNT_ID}:log-group:/aws/lambda/${batchName}:*`],
          },
        ]);
        assert.equal(stack.ofType(T.rolePolicy).length, 2, 'no other role policies');
        for (const role of stack.ofType(T.role)) assert.equal(role.inputs.managedPolicyArns, undefined);
      });
    });
  });
}

describe('infra stacks side by side', function () {
  this.timeout(120_000);

  /** The input that carries each resource type's physical name. */
  const NAME_INPUT: Record<string, string> = {
    [T.bucket]: 'bucket',
    [T.lambda]: 'name',
    [T.role]: 'name',
    [T.queue]: 'name',
    [T.layer]: 'layerName',
    [T.logGroup]: 'name',
    [T.oac]: 'name',
    [T.cachePolicy]: 'name',
    [T.cfFunction]: 'name',
  };

  function physicalNames(stack: Stack): string[] {
    return stack.resources
      .filter((resource) => resource.type in NAME_INPUT)
      .map((resource) => `${resource.type} ${String(resource.inputs[NAME_INPUT[resource.type]!])}`);
  }

  it('never share a physical name, so they deploy in one account', async () => {
    const [dev, prod] = await Promise.all([runStack('dev'), runStack('prod-eu')]);
    const devNames = physicalNames(dev);
    const prodNames = new Set(physicalNames(prod));
    assert.equal(devNames.length, dev.resources.filter((r) => r.type in NAME_INPUT).length);
    for (const name of [...devNames, ...prodNames]) {
      const physical = name.slice(name.indexOf(' ') + 1);
      assert.doesNotMatch(physical, /^undefined$/);
      if (!physical.startsWith('/aws/lambda/'))
        assert.ok(physical.length <= 64, `${name} fits AWS name limits`);
    }
    assert.deepEqual(
      devNames.filter((name) => prodNames.has(name)),
      [],
    );
  });

  it('name buckets and the edge function with a random part kept in state, never from config', async () => {
    const [dev, changed] = await Promise.all([
      runStack('dev'),
      runStack('dev', { 'image-cdn:logRetentionDays': 14, 'image-cdn:edgeMemoryMb': 3008 }),
    ]);
    // The RandomId has no keepers: its inputs are the same whatever the config, so the engine keeps its
    // state (and every name made from it) across config changes.
    assert.deepEqual(dev.only(T.randomId).inputs, { byteLength: 4 });
    assert.deepEqual(changed.only(T.randomId).inputs, dev.only(T.randomId).inputs);
    for (const stack of [dev, changed]) {
      const context = { project: 'image-cdn', stack: 'dev', region: 'us-west-2', suffix: nameSuffix(stack) };
      assert.equal(
        stack.get(T.bucket, 'image-cdn-images-originals').inputs.bucket,
        bucketName(context, 'originals'),
      );
      assert.equal(
        stack.get(T.bucket, 'image-cdn-images-derivatives').inputs.bucket,
        bucketName(context, 'derivatives'),
      );
      const edge = stack.get(T.lambda, 'image-cdn-edge-function');
      assert.equal(edge.inputs.name, resourceName(context, 'edge'));
      assert.equal(edge.retainOnDelete, true);
    }
  });

  it('give each new deployment new bucket and edge names (another account, or up right after destroy)', async () => {
    // Each mocks run is a fresh deployment with an empty state, like a second account or a redeploy
    // after `pulumi destroy` (which deletes the RandomId but retains the edge function).
    const [first, second] = await Promise.all([
      runStack('dev'),
      runStack('dev', { 'image-cdn:forceDestroy': true }),
    ]);
    assert.notEqual(nameSuffix(first), nameSuffix(second));
    for (const [type, name, input] of [
      [T.bucket, 'image-cdn-images-originals', 'bucket'],
      [T.bucket, 'image-cdn-images-derivatives', 'bucket'],
      [T.lambda, 'image-cdn-edge-function', 'name'],
      [T.role, 'image-cdn-edge-role', 'name'],
    ] as const)
      assert.notEqual(first.get(type, name).inputs[input], second.get(type, name).inputs[input], name);
  });

  it('fail early, naming the key, when the config is invalid', async () => {
    await assert.rejects(runStack('dev', { 'image-cdn:qualityWebp': 101 }), (error: unknown) => {
      assert.ok(error instanceof StackRunError);
      assert.match(error.stderr, /image-cdn:qualityWebp: must be between 1 and 100, got 101/);
      return true;
    });
    await assert.rejects(runStack('prod-eu', { 'image-cdn:edgeTimeoutSeconds': 60 }), (error: unknown) => {
      assert.ok(error instanceof StackRunError);
      assert.match(error.stderr, /image-cdn:edgeTimeoutSeconds: must be between 5 and 30, got 60/);
      return true;
    });
  });

  it('refuse a key Pulumi.yaml does not declare, and a secret key with a default, as the CLI would', async () => {
    await assert.rejects(runStack('dev', { 'image-cdn:maxWidht': 2048 }), (error: unknown) => {
      assert.ok(error instanceof StackRunError);
      assert.match(error.stderr, /'image-cdn:maxWidht', which Pulumi.yaml does not declare/);
      return true;
    });
    await assert.rejects(runStack('dev', { 'image-cdn:maxWidth': 'wide' }), (error: unknown) => {
      assert.ok(error instanceof StackRunError);
      assert.match(error.stderr, /Stack 'dev' with configuration key 'maxWidth' must be of type 'integer'/);
      return true;
    });
  });

  it("deploy the README's examples: maxWidth 2048, and allowedWidths [320, 640]", async () => {
    const [narrow, allowList] = await Promise.all([
      runStack('dev', { 'image-cdn:maxWidth': 2048 }),
      runStack('dev', { 'image-cdn:allowedWidths': [320, 640] }),
    ]);
    const batchConfig = (stack: Stack) =>
      JSON.parse(
        (
          stack.get(T.lambda, 'image-cdn-batch-function').inputs.environment as {
            variables: Record<string, string>;
          }
        ).variables.BATCH_CONFIG!,
      ) as BatchConfigJson;
    assert.equal(batchConfig(narrow).rules.maxPixels, 2048 * 4096);
    assert.deepEqual(batchConfig(allowList).renditions, ['width=320&format=webp', 'width=640&format=webp']);
  });
});

describe('infra stack options (dev with a domain, access logs, WAF)', function () {
  this.timeout(120_000);
  const certificateArn = `arn:aws:acm:us-east-1:${ACCOUNT_ID}:certificate/0a1b2c3d-example`;
  const webAclId = `arn:aws:wafv2:us-east-1:${ACCOUNT_ID}:global/webacl/images/abc`;
  let stack: Stack;

  before(async () => {
    stack = await runStack('dev', {
      'image-cdn:aliases': ['img.example.com'],
      'image-cdn:certificateArn': certificateArn,
      'image-cdn:loggingBucket': 'example-cdn-logs',
      'image-cdn:webAclId': webAclId,
      'image-cdn:originShield': true,
    });
  });

  it('serves the aliases with the us-east-1 ACM certificate, SNI and TLSv1.2_2021', () => {
    const inputs = stack.only(T.distribution).inputs;
    assert.deepEqual(inputs.aliases, ['img.example.com']);
    assert.deepEqual(inputs.viewerCertificate, {
      acmCertificateArn: certificateArn,
      sslSupportMethod: 'sni-only',
      minimumProtocolVersion: 'TLSv1.2_2021',
    });
    assert.equal(
      stack.run.outputs.exampleImageUrl,
      'https://img.example.com/photos/cat.jpg?width=640&format=auto',
    );
  });

  it('writes access logs to the logging bucket and attaches the web ACL', () => {
    const inputs = stack.only(T.distribution).inputs;
    assert.deepEqual(inputs.loggingConfig, {
      bucket: 'example-cdn-logs.s3.amazonaws.com',
      prefix: 'image-cdn-dev-us-west-2-cdn/',
      includeCookies: false,
    });
    assert.equal(inputs.webAclId, webAclId);
  });

  it('puts Origin Shield in the home region by default', () => {
    const origins = stack.only(T.distribution).inputs.origins as { originShield?: unknown }[];
    for (const origin of origins)
      assert.deepEqual(origin.originShield, { enabled: true, originShieldRegion: 'us-west-2' });
  });

  it('leaves s3:ListBucket out of the edge role (403 and 404 are handled alike)', () => {
    const actions = statements(stack, stack.get(T.rolePolicy, 'image-cdn-edge-policy')).flatMap(
      (s) => s.Action,
    );
    assert.deepEqual(actions, ['s3:GetObject', 's3:PutObject', 'logs:CreateLogStream', 'logs:PutLogEvents']);
  });
});

describe('infra stack with signed URLs (signingSecret set)', function () {
  this.timeout(120_000);
  const secret = 'stack-signing-secret-0123456789';
  let stack: Stack;

  before(async () => {
    stack = await runStack('dev', { 'image-cdn:signingSecret': { secure: secret } });
  });

  it('bakes the secret into the viewer function, which then refuses unsigned requests', () => {
    const run = loadViewerFunction(String(stack.only(T.cfFunction).inputs.code));
    const unsigned = run(viewerEvent('/photos/cat.jpg', { width: '320' }));
    assert.ok(isViewerResponse(unsigned.result));
    assert.equal(unsigned.result.statusCode, 403);
    const signed = new URL(signUrl('/photos/cat.jpg?width=320', secret), 'https://cdn.example');
    const query = Object.fromEntries(signed.searchParams.entries());
    assert.ok(!isViewerResponse(run(viewerEvent('/photos/cat.jpg', query)).result));
  });

  it('gives the edge the secret too, for signed redirects', () => {
    const code = stack.get(T.lambda, 'image-cdn-edge-function').inputs.code as {
      assets: Record<string, { text?: string }>;
    };
    const baked = JSON.parse(code.assets['edge-config.json']!.text!) as EdgeConfig;
    assert.equal(baked.signingSecret, secret);
  });

  it('refuses a secret too short to be a key, naming the key', async () => {
    await assert.rejects(
      runStack('dev', { 'image-cdn:signingSecret': { secure: 'short' } }),
      (error: unknown) => {
        assert.ok(error instanceof StackRunError);
        assert.match(error.stderr, /image-cdn:signingSecret: must be at least 16 characters/);
        return true;
      },
    );
  });

  it('refuses a secret stored in plaintext (set without --secret), naming the key', async () => {
    await assert.rejects(runStack('dev', { 'image-cdn:signingSecret': secret }), (error: unknown) => {
      assert.ok(error instanceof StackRunError);
      assert.match(error.stderr, /image-cdn:signingSecret: is stored in plaintext: set it again with/);
      return true;
    });
  });
});

describe('infra stack with an existing originals bucket (existingOriginalsBucket)', function () {
  this.timeout(120_000);
  const existing = 'our-photo-library';
  let stack: Stack;
  let created: Stack;

  before(async () => {
    [stack, created] = await Promise.all([
      runStack('dev', { 'image-cdn:existingOriginalsBucket': existing }),
      runStack('dev'),
    ]);
  });

  it('creates only the derivatives bucket, and nothing on the existing one', () => {
    assert.deepEqual(
      stack.ofType(T.bucket).map((bucket) => bucket.name),
      ['image-cdn-images-derivatives'],
    );
    for (const type of [T.publicAccess, T.ownership, T.sse, T.bucketPolicy, T.versioning, T.notification])
      for (const resource of stack.ofType(type))
        assert.ok(
          !JSON.stringify(resource.inputs).includes(existing),
          `${resource.name} leaves ${existing} alone`,
        );
    // Only the derivatives get a bucket policy; the stack created both before.
    assert.deepEqual(
      stack.ofType(T.bucketPolicy).map((policy) => policy.name),
      ['image-cdn-origin-access-derivatives'],
    );
    assert.equal(created.ofType(T.bucketPolicy).length, 2);
  });

  it('gives the existing bucket to the edge, the batch resizer and the distribution', () => {
    const code = stack.get(T.lambda, 'image-cdn-edge-function').inputs.code as {
      assets: Record<string, { text?: string }>;
    };
    assert.equal(
      (JSON.parse(code.assets['edge-config.json']!.text!) as EdgeConfig).originalsBucket,
      existing,
    );
    const batch = stack.get(T.lambda, 'image-cdn-batch-function').inputs.environment as {
      variables: Record<string, string>;
    };
    assert.equal(readBatchConfig(batch.variables.BATCH_CONFIG).originalsBucket, existing);
    const edgeReads = statements(stack, stack.get(T.rolePolicy, 'image-cdn-edge-policy')).filter(
      (statement) => ([] as string[]).concat(statement.Action).includes('s3:GetObject'),
    );
    assert.deepEqual(
      edgeReads.flatMap((statement) => statement.Resource ?? []),
      [`arn:aws:s3:::${existing}/*`],
    );
    const origins = distribution(stack).inputs.origins as { domainName: string }[];
    assert.ok(origins.some((origin) => origin.domainName === `${existing}.s3.us-west-2.amazonaws.com`));
  });

  it("is not triggered by uploads to a bucket it does not own (its one notification is the owner's)", () => {
    assert.equal(stack.ofType(T.notification).length, 0);
    assert.ok(
      !stack.ofType(T.permission).some((permission) => permission.inputs.principal === 's3.amazonaws.com'),
    );
    assert.equal(created.ofType(T.notification).length, 1);
  });

  it('outputs the policy statements the owner adds: OAC reads by this distribution only, TLS only', () => {
    const policy = JSON.parse(String(stack.run.outputs.originalsBucketPolicy)) as PolicyDocument;
    assert.deepEqual(policy, originBucketPolicy(existing, String(distribution(stack).state?.arn)));
  });

  it('refuses a value that is not a bucket name, naming the key', async () => {
    await assert.rejects(
      runStack('dev', { 'image-cdn:existingOriginalsBucket': 'arn:aws:s3:::photos' }),
      (error: unknown) => {
        assert.ok(error instanceof StackRunError);
        assert.match(error.stderr, /image-cdn:existingOriginalsBucket: must be an S3 bucket name/);
        return true;
      },
    );
  });
});

describe('infra stack with alarm email (alarmEmail)', function () {
  this.timeout(120_000);

  it('subscribes the address to the topic of every region with alarms', async () => {
    const stack = await runStack('dev', { 'image-cdn:alarmEmail': 'ops@example.com' });
    const topics = stack.ofType(T.topic);
    const subscriptions = stack.ofType(T.subscription);
    assert.equal(subscriptions.length, topics.length);
    for (const subscription of subscriptions) {
      assert.equal(subscription.inputs.protocol, 'email');
      assert.equal(subscription.inputs.endpoint, 'ops@example.com');
      assert.ok(topics.some((topic) => topic.state?.arn === subscription.inputs.topic));
    }
  });

  it('refuses a value that is not an email address, naming the key', async () => {
    await assert.rejects(runStack('dev', { 'image-cdn:alarmEmail': 'ops' }), (error: unknown) => {
      assert.ok(error instanceof StackRunError);
      assert.match(error.stderr, /image-cdn:alarmEmail: must be an email address/);
      return true;
    });
  });
});

describe('infra stack with CloudFront additional metrics (cloudfrontAdditionalMetrics)', function () {
  this.timeout(120_000);

  it('subscribes the distribution and adds the cache hit rate to the dashboard', async () => {
    const stack = await runStack('dev', { 'image-cdn:cloudfrontAdditionalMetrics': true });
    const id = String(stack.only(T.distribution).state?.arn).split('/').pop();
    const subscription = stack.only(T.monitoringSubscription);
    assert.equal(subscription.inputs.distributionId, id);
    assert.deepEqual(subscription.inputs.monitoringSubscription, {
      realtimeMetricsSubscriptionConfig: { realtimeMetricsSubscriptionStatus: 'Enabled' },
    });
    const body = String(stack.only(T.dashboard).inputs.dashboardBody);
    assert.ok(
      body.includes(
        JSON.stringify(['AWS/CloudFront', 'CacheHitRate', 'DistributionId', id, 'Region', 'Global', {}]),
      ),
    );
  });
});

describe('infra stack with an existing alarm topic (alarmTopicArn)', function () {
  this.timeout(120_000);
  const existing = `arn:aws:sns:us-east-1:${ACCOUNT_ID}:ops-pager`;

  it("notifies it from the alarms of its region, creates no topic there, and keeps the other regions' topics", async () => {
    const [stack, plain] = await Promise.all([
      runStack('dev', { 'image-cdn:alarmTopicArn': existing, 'image-cdn:alarmEmail': 'ops@example.com' }),
      runStack('dev'),
    ]);
    const regionOf = (resource: RecordedResource) => providerRegion(stack, resource);
    for (const alarm of stack.ofType(T.alarm)) {
      const [topic] = alarm.inputs.alarmActions as string[];
      if (regionOf(alarm) === 'us-east-1') assert.equal(topic, existing);
      else assert.notEqual(topic, existing);
    }
    assert.deepEqual(
      stack.ofType(T.topic).map(regionOf).sort(),
      plain
        .ofType(T.topic)
        .map((topic) => providerRegion(plain, topic))
        .filter((region) => region !== 'us-east-1')
        .sort(),
    );
    // Its policy and subscriptions are its owner's.
    for (const resource of [...stack.ofType(T.topicPolicy), ...stack.ofType(T.subscription)])
      assert.notEqual(regionOf(resource), 'us-east-1');
  });

  it('refuses a value that is not a topic ARN, naming the key', async () => {
    await assert.rejects(runStack('dev', { 'image-cdn:alarmTopicArn': 'ops-pager' }), (error: unknown) => {
      assert.ok(error instanceof StackRunError);
      assert.match(error.stderr, /image-cdn:alarmTopicArn: must be an SNS topic ARN/);
      return true;
    });
  });
});
