// CloudFront: HTTPS to viewers, a modern TLS floor with custom certificates, and S3 origins through OAC.
import { ReportViolation, ResourceValidationArgs, ResourceValidationPolicy } from '@pulumi/policy';

import { RESOURCE_TYPES } from '../lib/resource-types';
import { asArray, asRecord, configWithDefaults, Policy, reportingUnknowns } from '../lib/support';

const DISTRIBUTION = RESOURCE_TYPES.distribution;

function behaviors(props: Record<string, unknown>): { label: string; behavior: Record<string, unknown> }[] {
  return [
    { label: 'defaultCacheBehavior', behavior: asRecord(props.defaultCacheBehavior) },
    ...asArray(props.orderedCacheBehaviors).map((b, i) => ({
      label: `orderedCacheBehaviors[${i}] (${String(asRecord(b).pathPattern)})`,
      behavior: asRecord(b),
    })),
  ];
}

export const cloudfrontHttpsOnly: ResourceValidationPolicy = {
  name: 'cloudfront-https-only',
  description: 'No cache behavior accepts plain HTTP (viewerProtocolPolicy "allow-all").',
  enforcementLevel: 'mandatory',
  validateResource: reportingUnknowns((args: ResourceValidationArgs, report: ReportViolation) => {
    if (args.type !== DISTRIBUTION) return;
    for (const { label, behavior } of behaviors(args.props)) {
      const policy = String(behavior.viewerProtocolPolicy ?? '').toLowerCase();
      if (policy !== 'redirect-to-https' && policy !== 'https-only') {
        report(`${label} allows HTTP: set viewerProtocolPolicy to "redirect-to-https" or "https-only".`);
      }
    }
  }),
};

/** CloudFront security policies, oldest first. */
export const PROTOCOL_VERSIONS = [
  'SSLv3',
  'TLSv1',
  'TLSv1_2016',
  'TLSv1.1_2016',
  'TLSv1.2_2018',
  'TLSv1.2_2019',
  'TLSv1.2_2021',
  'TLSv1.2_2025',
  'TLSv1.3_2025',
];

const tlsSchema = {
  properties: {
    minimumProtocolVersion: {
      type: 'string' as const,
      enum: PROTOCOL_VERSIONS,
      default: 'TLSv1.2_2021',
      description: 'Oldest accepted security policy for a custom certificate.',
    },
  },
};

export const cloudfrontTlsMinimum: ResourceValidationPolicy = {
  name: 'cloudfront-tls-minimum',
  description: 'A distribution with a custom certificate uses at least the configured TLS security policy.',
  enforcementLevel: 'mandatory',
  configSchema: tlsSchema,
  validateResource: reportingUnknowns((args: ResourceValidationArgs, report: ReportViolation) => {
    if (args.type !== DISTRIBUTION) return;
    const { minimumProtocolVersion } = configWithDefaults<{ minimumProtocolVersion: string }>(
      tlsSchema,
      args,
    );
    const cert = asRecord(args.props.viewerCertificate);
    // The default *.cloudfront.net certificate always uses TLSv1; the setting only exists for custom ones.
    if (!cert.acmCertificateArn && !cert.iamCertificateId) return;
    const actual = String(cert.minimumProtocolVersion ?? 'TLSv1');
    if (PROTOCOL_VERSIONS.indexOf(actual) < PROTOCOL_VERSIONS.indexOf(minimumProtocolVersion)) {
      report(
        `viewerCertificate.minimumProtocolVersion is "${actual}": set it to "${minimumProtocolVersion}" or newer.`,
      );
    }
  }),
};

/** S3 REST endpoints: bucket.s3.amazonaws.com, bucket.s3.<region>.amazonaws.com, bucket.s3-<region>.... */
const S3_ORIGIN = /\.s3[.-]([a-z0-9-]+\.)?amazonaws\.com(\.cn)?$/;

export const cloudfrontS3OriginOac: ResourceValidationPolicy = {
  name: 'cloudfront-s3-origin-oac',
  description: 'Every S3 origin uses an origin access control (OAC), not an origin access identity (OAI).',
  enforcementLevel: 'advisory',
  validateResource: reportingUnknowns((args: ResourceValidationArgs, report: ReportViolation) => {
    if (args.type !== DISTRIBUTION) return;
    for (const origin of asArray(args.props.origins).map(asRecord)) {
      const oai = asRecord(origin.s3OriginConfig).originAccessIdentity;
      const isS3 = S3_ORIGIN.test(String(origin.domainName)) || origin.s3OriginConfig !== undefined;
      if (!isS3) continue;
      if (oai) {
        report(
          `origin "${String(origin.originId)}" uses an OAI: set originAccessControlId to an OAC instead.`,
        );
      } else if (!origin.originAccessControlId) {
        report(`origin "${String(origin.originId)}" has no OAC: set originAccessControlId.`);
      }
    }
  }),
};

export const cloudfrontPolicies: Policy[] = [
  cloudfrontHttpsOnly,
  cloudfrontTlsMinimum,
  cloudfrontS3OriginOac,
];
