import { strict as assert } from 'node:assert';

import * as aws from '@pulumi/aws';

import {
  cloudfrontHttpsOnly,
  cloudfrontS3OriginOac,
  cloudfrontTlsMinimum,
} from '../../policies/rules/cloudfront';
import { check, compliantStack, find, set, urnOf } from '../support/policy-fixture';

const DISTRIBUTION = urnOf(aws.cloudfront.Distribution, 'cdn-distribution');
/** Issue 11: plain HTTP to viewers and a TLS floor below 1.2 are mandatory findings; the rest advisory. */
const MANDATORY = ['cloudfront-https-only', 'cloudfront-tls-minimum'];
const one = (rule: string, message: string, urn: string) => [
  { rule, level: MANDATORY.includes(rule) ? 'mandatory' : 'advisory', message, urn },
];

function withDistribution(field: string, change: (value: Record<string, unknown>) => unknown) {
  const stack = compliantStack();
  const current = find(stack, 'cdn-distribution').inputs[field];
  return set(stack, 'cdn-distribution', field, change(structuredClone(current) as Record<string, unknown>));
}

describe('cloudfront rules', () => {
  describe('cloudfront-https-only', () => {
    it('passes the compliant stack', async () => {
      assert.deepEqual(await check(cloudfrontHttpsOnly, compliantStack()), []);
    });
    it('reports allow-all', async () => {
      const stack = withDistribution('defaultCacheBehavior', (b) => ({
        ...b,
        viewerProtocolPolicy: 'allow-all',
      }));
      assert.deepEqual(
        await check(cloudfrontHttpsOnly, stack),
        one(
          'cloudfront-https-only',
          'defaultCacheBehavior allows HTTP: set viewerProtocolPolicy to "redirect-to-https" or "https-only".',
          DISTRIBUTION,
        ),
      );
    });
  });

  describe('cloudfront-tls-minimum', () => {
    it('passes the compliant stack, and the default certificate', async () => {
      assert.deepEqual(await check(cloudfrontTlsMinimum, compliantStack()), []);
      const stack = set(compliantStack(), 'cdn-distribution', 'viewerCertificate', {
        cloudfrontDefaultCertificate: true,
      });
      assert.deepEqual(await check(cloudfrontTlsMinimum, stack), []);
    });
    it('reports an older security policy with a custom certificate', async () => {
      const stack = withDistribution('viewerCertificate', (c) => ({
        ...c,
        minimumProtocolVersion: 'TLSv1.2_2019',
      }));
      assert.deepEqual(
        await check(cloudfrontTlsMinimum, stack),
        one(
          'cloudfront-tls-minimum',
          'viewerCertificate.minimumProtocolVersion is "TLSv1.2_2019": set it to "TLSv1.2_2021" or newer.',
          DISTRIBUTION,
        ),
      );
    });
    it('defaults minimumProtocolVersion to TLSv1.2_2021, and config can raise it', async () => {
      assert.equal(
        cloudfrontTlsMinimum.configSchema?.properties.minimumProtocolVersion?.default,
        'TLSv1.2_2021',
      );
      const config = { 'cloudfront-tls-minimum': { minimumProtocolVersion: 'TLSv1.2_2025' } };
      assert.equal((await check(cloudfrontTlsMinimum, compliantStack(), config)).length, 1);
    });
  });

  describe('cloudfront-s3-origin-oac', () => {
    it('passes the compliant stack', async () => {
      assert.deepEqual(await check(cloudfrontS3OriginOac, compliantStack()), []);
    });
    it('reports an S3 origin through an OAI', async () => {
      const stack = withDistribution('origins', (origins) => {
        const list = origins as unknown as Record<string, unknown>[];
        list[1] = {
          originId: 'originals',
          domainName: 'cdn-test-originals.s3.us-west-2.amazonaws.com',
          s3OriginConfig: { originAccessIdentity: 'origin-access-identity/cloudfront/E1' },
        };
        return list;
      });
      assert.deepEqual(
        await check(cloudfrontS3OriginOac, stack),
        one(
          'cloudfront-s3-origin-oac',
          'origin "originals" uses an OAI: set originAccessControlId to an OAC instead.',
          DISTRIBUTION,
        ),
      );
    });
    it('reports an S3 origin without OAC', async () => {
      const stack = withDistribution('origins', (origins) => {
        const list = origins as unknown as Record<string, unknown>[];
        delete list[0]!.originAccessControlId;
        return list;
      });
      assert.deepEqual(
        await check(cloudfrontS3OriginOac, stack),
        one(
          'cloudfront-s3-origin-oac',
          'origin "derivatives" has no OAC: set originAccessControlId.',
          DISTRIBUTION,
        ),
      );
    });
  });
});
