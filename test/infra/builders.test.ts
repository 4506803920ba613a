import assert from 'node:assert/strict';

import fc from 'fast-check';

import { DEFAULT_RULES } from '../../functions/core/rules';
import { DEFAULT_EDGE_DEADLINE_MS } from '../../functions/edge/deadline';
import { DEFAULT_TRANSFORM_SETTINGS } from '../../functions/transform/settings';
import {
  cacheTtls,
  CLIENT_HINT_RESPONSE_HEADERS,
  defaultCacheBehavior,
  DERIVATIVES_ORIGIN_ID,
  responseHeadersPolicyHeaders,
  uriOnlyCacheKey,
  viewerCertificate,
} from '../../infra/cloudfront';
import { parseConfig } from '../../infra/config';
import { edgeConfigFor, viewerConfigFor } from '../../infra/function-configs';
import {
  batchFunctionPolicy,
  EDGE_TRUSTED_SERVICES,
  edgeFunctionPolicy,
  edgeLogGroupNames,
  originBucketPolicy,
  trustPolicy,
} from '../../infra/iam';
import { bucketName, physicalName, resourceName } from '../../infra/names';

describe('infra builders', () => {
  describe('physical names', () => {
    const context = { project: 'image-cdn', stack: 'dev', region: 'eu-west-1' };

    it('derive from project, stack and region', () => {
      assert.equal(bucketName(context, 'originals'), 'image-cdn-dev-eu-west-1-originals');
      assert.equal(resourceName(context, 'edge'), 'image-cdn-dev-eu-west-1-edge');
    });

    it("carry the deployment's random part before the part name when given one", () => {
      const deployed = { ...context, suffix: '0a1b2c3d' };
      assert.equal(bucketName(deployed, 'originals'), 'image-cdn-dev-eu-west-1-0a1b2c3d-originals');
      assert.equal(resourceName(deployed, 'edge'), 'image-cdn-dev-eu-west-1-0a1b2c3d-edge');
      const long = { ...deployed, stack: 'a-very-long-stack-name-for-a-feature-branch' };
      assert.equal(bucketName(long, 'derivatives').length, 63);
      assert.notEqual(
        bucketName(long, 'derivatives'),
        bucketName({ ...long, suffix: 'ffffffff' }, 'derivatives'),
      );
    });

    it('differ between stacks and between regions of the same stack name', () => {
      const names = new Set([
        bucketName(context, 'originals'),
        bucketName({ ...context, stack: 'prod' }, 'originals'),
        bucketName({ ...context, region: 'us-west-2' }, 'originals'),
      ]);
      assert.equal(names.size, 3);
    });

    it('are valid S3 bucket names for any stack name, and keep the part', () => {
      fc.assert(
        fc.property(fc.string({ minLength: 1, maxLength: 120 }), (stack) => {
          const name = bucketName({ ...context, stack }, 'derivatives');
          assert.ok(name.length >= 3 && name.length <= 63, name);
          assert.match(name, /^[a-z0-9][a-z0-9-]*[a-z0-9]$/);
          assert.ok(name.endsWith('-derivatives'), name);
          assert.equal(bucketName({ ...context, stack }, 'derivatives'), name, 'deterministic');
        }),
      );
    });

    it('stay distinct when long stack names are cut', () => {
      fc.assert(
        fc.property(
          fc.stringMatching(/^[a-z0-9]{60,90}$/),
          fc.stringMatching(/^[a-z0-9]{60,90}$/),
          (a, b) => {
            fc.pre(a !== b);
            assert.notEqual(
              physicalName({ ...context, stack: a }, 'originals', 63),
              physicalName({ ...context, stack: b }, 'originals', 63),
            );
          },
        ),
      );
    });
  });

  describe('IAM documents', () => {
    const args = {
      originalsBucket: 'o-bucket',
      derivativesBucket: 'd-bucket',
      accountId: '111122223333',
      functionName: 'fn',
    };

    it('trust exactly the given principals', () => {
      assert.deepEqual(trustPolicy(EDGE_TRUSTED_SERVICES), {
        Version: '2012-10-17',
        Statement: [
          {
            Sid: 'AssumeRole',
            Effect: 'Allow',
            Principal: { Service: ['lambda.amazonaws.com', 'edgelambda.amazonaws.com'] },
            Action: ['sts:AssumeRole'],
          },
        ],
      });
    });

    it('let the edge read originals, write derivatives and log to its own groups', () => {
      assert.deepEqual(edgeFunctionPolicy(args).Statement, [
        {
          Sid: 'ReadOriginals',
          Effect: 'Allow',
          Action: ['s3:GetObject'],
          Resource: ['arn:aws:s3:::o-bucket/*'],
        },
        {
          Sid: 'WriteDerivatives',
          Effect: 'Allow',
          Action: ['s3:PutObject'],
          Resource: ['arn:aws:s3:::d-bucket/*'],
        },
        {
          Sid: 'OwnLogs',
          Effect: 'Allow',
          Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
          Resource: [
            'arn:aws:logs:*:111122223333:log-group:/aws/lambda/us-east-1.fn:*',
            'arn:aws:logs:us-east-1:111122223333:log-group:/aws/lambda/fn:*',
          ],
        },
      ]);
    });

    it("let the edge of a stack with replica regions read and write every region's buckets, and only those", () => {
      const replicas = [{ originalsBucket: 'o-eu', derivativesBucket: 'd-eu' }];
      const statements = edgeFunctionPolicy({ ...args, replicas }).Statement;
      assert.deepEqual(statements[0]?.Resource, ['arn:aws:s3:::o-bucket/*', 'arn:aws:s3:::o-eu/*']);
      assert.deepEqual(statements[1]?.Resource, ['arn:aws:s3:::d-bucket/*', 'arn:aws:s3:::d-eu/*']);
      // Without replicas the document is the one-region document, byte for byte.
      assert.equal(
        JSON.stringify(edgeFunctionPolicy({ ...args, replicas: [] })),
        JSON.stringify(edgeFunctionPolicy(args)),
      );
    });

    it('never let the edge list originals (a 403 for a missing original is handled like a 404)', () => {
      const actions = edgeFunctionPolicy(args).Statement.flatMap((s) => s.Action);
      assert.deepEqual(actions, [
        's3:GetObject',
        's3:PutObject',
        'logs:CreateLogStream',
        'logs:PutLogEvents',
      ]);
    });

    it('never grant CreateLogGroup, a wildcard action or a wildcard resource', () => {
      const documents = [
        edgeFunctionPolicy(args),
        batchFunctionPolicy({ ...args, failureQueueArn: 'arn:aws:sqs:eu-west-1:1:q', region: 'eu-west-1' }),
      ];
      for (const statement of documents.flatMap((d) => d.Statement)) {
        for (const action of statement.Action)
          assert.ok(!action.includes('*') && action !== 'logs:CreateLogGroup');
        for (const resource of statement.Resource ?? []) assert.notEqual(resource, '*');
      }
    });

    it('let the batch resizer read originals, write and re-read derivatives, send failures and log', () => {
      const policy = batchFunctionPolicy({
        ...args,
        failureQueueArn: 'arn:aws:sqs:eu-west-1:111122223333:q',
        region: 'eu-west-1',
      });
      assert.deepEqual(
        policy.Statement.map((s) => [s.Action, s.Resource]),
        [
          [['s3:GetObject'], ['arn:aws:s3:::o-bucket/*']],
          [['s3:ListBucket'], ['arn:aws:s3:::o-bucket']],
          [['s3:PutObject'], ['arn:aws:s3:::d-bucket/*']],
          [['s3:GetObject'], ['arn:aws:s3:::d-bucket/*']],
          [['sqs:SendMessage'], ['arn:aws:sqs:eu-west-1:111122223333:q']],
          [
            ['logs:CreateLogStream', 'logs:PutLogEvents'],
            ['arn:aws:logs:eu-west-1:111122223333:log-group:/aws/lambda/fn:*'],
          ],
        ],
      );
    });

    it('make origin buckets TLS-only and readable by one distribution through OAC', () => {
      const arn = 'arn:aws:cloudfront::111122223333:distribution/E1';
      assert.deepEqual(originBucketPolicy('b', arn).Statement, [
        {
          Sid: 'DenyInsecureTransport',
          Effect: 'Deny',
          Principal: '*',
          Action: ['s3:*'],
          Resource: ['arn:aws:s3:::b', 'arn:aws:s3:::b/*'],
          Condition: { Bool: { 'aws:SecureTransport': 'false' } },
        },
        {
          Sid: 'AllowThisDistributionThroughOac',
          Effect: 'Allow',
          Principal: { Service: 'cloudfront.amazonaws.com' },
          Action: ['s3:GetObject'],
          Resource: ['arn:aws:s3:::b/*'],
          Condition: { StringEquals: { 'AWS:SourceArn': arn } },
        },
      ]);
    });

    it('name the edge log groups as Lambda@Edge writes them', () => {
      assert.deepEqual(edgeLogGroupNames('fn'), {
        replicas: '/aws/lambda/us-east-1.fn',
        own: '/aws/lambda/fn',
      });
    });
  });

  describe('CloudFront settings', () => {
    it('key the cache on the URI alone, without Accept-Encoding (images are never compressed)', () => {
      assert.deepEqual(uriOnlyCacheKey(), {
        queryStringsConfig: { queryStringBehavior: 'none' },
        headersConfig: { headerBehavior: 'none' },
        cookiesConfig: { cookieBehavior: 'none' },
        enableAcceptEncodingGzip: false,
        enableAcceptEncodingBrotli: false,
      });
    });

    it('keep objects without Cache-Control for the configured max-age', () => {
      assert.deepEqual(cacheTtls(86_400), { minTtl: 0, defaultTtl: 86_400, maxTtl: 31_536_000 });
    });

    it('associate the viewer function and the qualified edge ARN, HTTPS only', () => {
      const behavior = defaultCacheBehavior({
        cachePolicyId: 'cp',
        responseHeadersPolicyId: 'rhp',
        viewerFunctionArn: 'arn:aws:cloudfront::1:function/v',
        edgeFunctionQualifiedArn: 'arn:aws:lambda:us-east-1:1:function:e:7',
      });
      assert.equal(behavior.targetOriginId, DERIVATIVES_ORIGIN_ID);
      assert.equal(behavior.responseHeadersPolicyId, 'rhp');
      assert.equal(behavior.viewerProtocolPolicy, 'redirect-to-https');
      assert.deepEqual(behavior.functionAssociations, [
        { eventType: 'viewer-request', functionArn: 'arn:aws:cloudfront::1:function/v' },
      ]);
      assert.deepEqual(behavior.lambdaFunctionAssociations, [
        {
          eventType: 'origin-response',
          lambdaArn: 'arn:aws:lambda:us-east-1:1:function:e:7',
          includeBody: false,
        },
      ]);
    });

    // Browsers and caches between them and CloudFront must know the answer varies with what the viewer
    // function folded into the URI: Accept (format=auto), the client hints and Save-Data.
    it('add Accept-CH and a Vary on Accept, the hints and Save-Data, replacing the origin values', () => {
      assert.deepEqual(responseHeadersPolicyHeaders(), {
        items: [
          {
            header: 'Accept-CH',
            value: 'Sec-CH-DPR, Sec-CH-Width, Sec-CH-Viewport-Width',
            override: true,
          },
          {
            header: 'Vary',
            value: 'Accept, Sec-CH-DPR, Sec-CH-Width, Sec-CH-Viewport-Width, Save-Data',
            override: true,
          },
        ],
      });
      // Every hint Accept-CH asks for is one the answer varies on.
      const varies = CLIENT_HINT_RESPONSE_HEADERS.Vary.split(', ');
      for (const hint of CLIENT_HINT_RESPONSE_HEADERS['Accept-CH'].split(', '))
        assert.ok(varies.includes(hint), hint);
    });

    it('use TLSv1.2_2021 with SNI for a custom certificate, else the default certificate', () => {
      const arn = 'arn:aws:acm:us-east-1:111122223333:certificate/abc';
      assert.deepEqual(viewerCertificate(arn), {
        acmCertificateArn: arn,
        sslSupportMethod: 'sni-only',
        minimumProtocolVersion: 'TLSv1.2_2021',
      });
      assert.deepEqual(viewerCertificate(undefined), { cloudfrontDefaultCertificate: true });
    });
  });

  describe('function configs', () => {
    const config = parseConfig(() => undefined, { project: 'image-cdn', stack: 'dev', region: 'eu-west-1' });

    it('give the edge its buckets, their region, the rules and the fast transform settings', () => {
      assert.deepEqual(edgeConfigFor(config, 'o', 'd'), {
        originalsBucket: 'o',
        derivativesBucket: 'd',
        bucketRegion: 'eu-west-1',
        rules: DEFAULT_RULES,
        transform: DEFAULT_TRANSFORM_SETTINGS,
        cacheMaxAge: 31_536_000,
        errorMaxAge: 60,
        s3TimeoutMs: 5_000,
        deadlineMs: 29_000,
        metricsNamespace: 'ImageCdn',
      });
      const quick = { ...config, edge: { ...config.edge, timeoutSeconds: 5 } };
      assert.equal(edgeConfigFor(quick, 'o', 'd').deadlineMs, 4_000);
      assert.equal(
        edgeConfigFor(config, 'o', 'd', 'a-signing-secret-123').signingSecret,
        'a-signing-secret-123',
      );
    });

    it('give a deploy with the default timeout the deadline the handler falls back to (one home)', () => {
      assert.equal(edgeConfigFor(config, 'o', 'd').deadlineMs, DEFAULT_EDGE_DEADLINE_MS);
      assert.equal(DEFAULT_EDGE_DEADLINE_MS, 29_000);
    });

    it('give the viewer function the same rules and the originals origin id', () => {
      assert.deepEqual(viewerConfigFor(config), {
        rules: DEFAULT_RULES,
        originalsOriginId: 'originals',
        errorMaxAge: 60,
      });
    });
  });
});
