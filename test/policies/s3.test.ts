import { strict as assert } from 'node:assert';

import * as aws from '@pulumi/aws';

import {
  s3BucketHasAccessBlockAndPolicy,
  s3BucketOwnershipAndEncryption,
  s3BucketPolicyTlsOnly,
  s3CloudFrontReadsViaOac,
  s3DefaultEncryption,
  s3NoPublicGrants,
  s3OwnershipBucketOwnerEnforced,
  s3PublicAccessBlockAllFlags,
} from '../../policies/rules/s3';
import { check, compliantStack, find, policyDoc, set, urnOf } from '../support/policy-fixture';

const ORIGINALS_POLICY = urnOf(aws.s3.BucketPolicy, 'images-originals-policy');
const one = (rule: string, level: string, message: string, urn: string) => [{ rule, level, message, urn }];

/** The originals bucket policy with one extra statement. */
function withOriginalsStatement(statement: unknown) {
  const stack = compliantStack();
  const current = JSON.parse(String(find(stack, 'images-originals-policy').inputs.policy)) as {
    Statement: unknown[];
  };
  return set(stack, 'images-originals-policy', 'policy', policyDoc(...current.Statement, statement));
}

describe('s3 rules', () => {
  describe('s3-public-access-block-all-flags', () => {
    it('passes the compliant stack', async () => {
      assert.deepEqual(await check(s3PublicAccessBlockAllFlags, compliantStack()), []);
    });
    it('reports a flag that is not true', async () => {
      const stack = set(compliantStack(), 'images-originals-public-access', 'restrictPublicBuckets', false);
      assert.deepEqual(
        await check(s3PublicAccessBlockAllFlags, stack),
        one(
          's3-public-access-block-all-flags',
          'mandatory',
          'restrictPublicBuckets not true: set all four of blockPublicAcls, blockPublicPolicy, ignorePublicAcls, restrictPublicBuckets to true.',
          urnOf(aws.s3.BucketPublicAccessBlock, 'images-originals-public-access'),
        ),
      );
    });
  });

  describe('s3-ownership-bucket-owner-enforced', () => {
    it('passes the compliant stack', async () => {
      assert.deepEqual(await check(s3OwnershipBucketOwnerEnforced, compliantStack()), []);
    });
    it('reports ObjectWriter', async () => {
      const stack = set(compliantStack(), 'images-derivatives-ownership', 'rule', {
        objectOwnership: 'ObjectWriter',
      });
      assert.deepEqual(
        await check(s3OwnershipBucketOwnerEnforced, stack),
        one(
          's3-ownership-bucket-owner-enforced',
          'advisory',
          'objectOwnership is "ObjectWriter": set rule.objectOwnership to "BucketOwnerEnforced".',
          urnOf(aws.s3.BucketOwnershipControls, 'images-derivatives-ownership'),
        ),
      );
    });
  });

  describe('s3-default-encryption', () => {
    it('passes the compliant stack', async () => {
      assert.deepEqual(await check(s3DefaultEncryption, compliantStack()), []);
    });
    it('reports an algorithm that is not accepted', async () => {
      const stack = set(compliantStack(), 'images-originals-sse', 'rules', [
        { applyServerSideEncryptionByDefault: { sseAlgorithm: 'none' } },
      ]);
      assert.deepEqual(
        await check(s3DefaultEncryption, stack),
        one(
          's3-default-encryption',
          'advisory',
          'default encryption algorithm is "none": set rules[0].applyServerSideEncryptionByDefault.sseAlgorithm to one of AES256, aws:kms, aws:kms:dsse.',
          urnOf(aws.s3.BucketServerSideEncryptionConfiguration, 'images-originals-sse'),
        ),
      );
    });
    it('defaults allowedAlgorithms to AES256 and KMS, and config can require KMS', async () => {
      assert.deepEqual(s3DefaultEncryption.configSchema?.properties.allowedAlgorithms?.default, [
        'AES256',
        'aws:kms',
        'aws:kms:dsse',
      ]);
      const config = { 's3-default-encryption': { allowedAlgorithms: ['aws:kms'] } };
      assert.equal((await check(s3DefaultEncryption, compliantStack(), config)).length, 2);
    });
  });

  describe('s3-bucket-policy-tls-only', () => {
    it('passes the compliant stack', async () => {
      assert.deepEqual(await check(s3BucketPolicyTlsOnly, compliantStack()), []);
    });
    it('reports a policy without the TLS deny', async () => {
      const stack = set(
        compliantStack(),
        'images-originals-policy',
        'policy',
        policyDoc({
          Effect: 'Allow',
          Principal: { Service: 'cloudfront.amazonaws.com' },
          Action: 's3:GetObject',
          Resource: 'x',
        }),
      );
      assert.deepEqual(
        await check(s3BucketPolicyTlsOnly, stack),
        one(
          's3-bucket-policy-tls-only',
          'advisory',
          'bucket policy has no TLS-only deny: add a Deny of "s3:*" for Principal "*" on the bucket ARN and "<bucket ARN>/*" with Condition {"Bool": {"aws:SecureTransport": "false"}}.',
          ORIGINALS_POLICY,
        ),
      );
    });
  });

  describe('s3-no-public-grants', () => {
    it('passes the compliant stack', async () => {
      assert.deepEqual(await check(s3NoPublicGrants, compliantStack()), []);
    });
    it('reports a bucket policy that allows Principal "*"', async () => {
      const stack = withOriginalsStatement({
        Sid: 'Public',
        Effect: 'Allow',
        Principal: '*',
        Action: 's3:GetObject',
        Resource: 'arn:aws:s3:::cdn-test-originals/*',
      });
      assert.deepEqual(
        await check(s3NoPublicGrants, stack),
        one(
          's3-no-public-grants',
          'mandatory',
          'bucket policy statement "Public" allows Principal "*": grant only named principals (CloudFront reads through OAC with an AWS:SourceArn condition).',
          ORIGINALS_POLICY,
        ),
      );
    });
    it('reports a public canned ACL on the bucket', async () => {
      const stack = set(compliantStack(), 'images-originals', 'acl', 'public-read');
      assert.deepEqual(
        await check(s3NoPublicGrants, stack),
        one(
          's3-no-public-grants',
          'mandatory',
          'ACL "public-read" makes the bucket public: remove the ACL (ownership BucketOwnerEnforced).',
          urnOf(aws.s3.Bucket, 'images-originals'),
        ),
      );
    });
    it('reports an ACL grant to AllUsers', async () => {
      const stack = set(compliantStack(), 'images-originals', 'grants', [
        { type: 'Group', uri: 'http://acs.amazonaws.com/groups/global/AllUsers', permissions: ['READ'] },
      ]);
      assert.deepEqual(
        await check(s3NoPublicGrants, stack),
        one(
          's3-no-public-grants',
          'mandatory',
          'ACL grants access to http://acs.amazonaws.com/groups/global/AllUsers: remove the grant (ownership BucketOwnerEnforced).',
          urnOf(aws.s3.Bucket, 'images-originals'),
        ),
      );
    });
  });

  describe('s3-cloudfront-reads-via-oac', () => {
    it('passes the compliant stack', async () => {
      assert.deepEqual(await check(s3CloudFrontReadsViaOac, compliantStack()), []);
    });
    it('reports an OAI grant', async () => {
      const stack = withOriginalsStatement({
        Sid: 'Oai',
        Effect: 'Allow',
        Principal: { AWS: 'arn:aws:iam::cloudfront:user/CloudFront Origin Access Identity E1' },
        Action: 's3:GetObject',
        Resource: 'arn:aws:s3:::cdn-test-originals/*',
      });
      assert.deepEqual(
        await check(s3CloudFrontReadsViaOac, stack),
        one(
          's3-cloudfront-reads-via-oac',
          'mandatory',
          'bucket policy statement "Oai" grants an origin access identity (OAI): use OAC and grant "cloudfront.amazonaws.com" with an AWS:SourceArn condition instead.',
          ORIGINALS_POLICY,
        ),
      );
    });
    it('reports cloudfront.amazonaws.com without AWS:SourceArn', async () => {
      const stack = withOriginalsStatement({
        Sid: 'AnyDistribution',
        Effect: 'Allow',
        Principal: { Service: 'cloudfront.amazonaws.com' },
        Action: 's3:GetObject',
        Resource: 'arn:aws:s3:::cdn-test-originals/*',
      });
      assert.deepEqual(
        await check(s3CloudFrontReadsViaOac, stack),
        one(
          's3-cloudfront-reads-via-oac',
          'mandatory',
          'bucket policy statement "AnyDistribution" lets cloudfront.amazonaws.com read without pinning the distribution: add Condition {"StringEquals": {"AWS:SourceArn": "<distribution ARN>"}}.',
          ORIGINALS_POLICY,
        ),
      );
    });
  });
});

describe('s3 stack rules', () => {
  const ORIGINALS_BUCKET = urnOf(aws.s3.Bucket, 'images-originals');
  const one = (rule: string, level: string, message: string, urn: string) => [{ rule, level, message, urn }];

  describe('s3-bucket-has-access-block-and-policy', () => {
    it('passes the compliant stack', async () => {
      assert.deepEqual(await check(s3BucketHasAccessBlockAndPolicy, compliantStack()), []);
    });
    it('reports a bucket without a public access block', async () => {
      const stack = compliantStack().filter((r) => r.name !== 'images-originals-public-access');
      assert.deepEqual(
        await check(s3BucketHasAccessBlockAndPolicy, stack),
        one(
          's3-bucket-has-access-block-and-policy',
          'mandatory',
          'bucket "cdn-test-originals" has no public access block with all four flags: add an aws.s3.BucketPublicAccessBlock setting blockPublicAcls, blockPublicPolicy, ignorePublicAcls, restrictPublicBuckets to true.',
          ORIGINALS_BUCKET,
        ),
      );
    });
    it('reports a bucket without a bucket policy', async () => {
      const stack = compliantStack().filter((r) => r.name !== 'images-originals-policy');
      assert.deepEqual(
        await check(s3BucketHasAccessBlockAndPolicy, stack),
        one(
          's3-bucket-has-access-block-and-policy',
          'mandatory',
          'bucket "cdn-test-originals" has no bucket policy: add an aws.s3.BucketPolicy; add a Deny of "s3:*" for Principal "*" on the bucket ARN and "<bucket ARN>/*" with Condition {"Bool": {"aws:SecureTransport": "false"}}.',
          ORIGINALS_BUCKET,
        ),
      );
    });
    it('links companions by value when there is no dependency edge', async () => {
      const stack = compliantStack();
      find(stack, 'images-originals-public-access').propertyDependencies = {};
      find(stack, 'images-originals-policy').propertyDependencies = {};
      assert.deepEqual(await check(s3BucketHasAccessBlockAndPolicy, stack), []);
    });
  });
  describe('s3-bucket-ownership-and-encryption', () => {
    it('passes the compliant stack', async () => {
      assert.deepEqual(await check(s3BucketOwnershipAndEncryption, compliantStack()), []);
    });
    it('reports a bucket without ownership controls', async () => {
      const stack = compliantStack().filter((r) => r.name !== 'images-originals-ownership');
      assert.deepEqual(
        await check(s3BucketOwnershipAndEncryption, stack),
        one(
          's3-bucket-ownership-and-encryption',
          'advisory',
          'bucket "cdn-test-originals" has no BucketOwnerEnforced ownership controls: add an aws.s3.BucketOwnershipControls with rule.objectOwnership "BucketOwnerEnforced".',
          ORIGINALS_BUCKET,
        ),
      );
    });
    it('reports a bucket without default encryption', async () => {
      const stack = compliantStack().filter((r) => r.name !== 'images-originals-sse');
      assert.deepEqual(
        await check(s3BucketOwnershipAndEncryption, stack),
        one(
          's3-bucket-ownership-and-encryption',
          'advisory',
          'bucket "cdn-test-originals" has no default encryption configuration: add an aws.s3.BucketServerSideEncryptionConfiguration.',
          ORIGINALS_BUCKET,
        ),
      );
    });
  });
});
