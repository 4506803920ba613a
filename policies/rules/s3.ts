// Safe S3: no public access by any route, TLS only, encryption, owner-enforced objects, CloudFront via OAC.
// Public-access rules are mandatory; hardening that AWS already applies by default to new buckets
// (SSE-S3, BucketOwnerEnforced) and TLS-only are advisory.
import {
  PolicyResource,
  ReportViolation,
  ResourceValidationArgs,
  ResourceValidationPolicy,
  StackValidationArgs,
  StackValidationPolicy,
} from '@pulumi/policy';

import {
  conditionValues,
  hasWildcard,
  parsePolicyDocument,
  PolicyDocumentError,
  restrictingConditionValues,
  Statement,
} from '../lib/iam-document';
import { openGrants } from '../lib/resource-policy';
import { statementLabel } from '../lib/resource-policy';
import { ACL_TYPES, BUCKET_TYPES, RESOURCE_TYPES } from '../lib/resource-types';
import { bucketName, companionsOf, dependsThrough, ofType, peek } from '../lib/stack-graph';
import { asArray, asRecord, configWithDefaults, Policy, reportingUnknowns, stringList } from '../lib/support';

const PUBLIC_CANNED_ACLS = ['public-read', 'public-read-write', 'authenticated-read'];
const PUBLIC_GRANTEE_URIS = [
  'http://acs.amazonaws.com/groups/global/AllUsers',
  'http://acs.amazonaws.com/groups/global/AuthenticatedUsers',
];
export const PAB_FLAGS = [
  'blockPublicAcls',
  'blockPublicPolicy',
  'ignorePublicAcls',
  'restrictPublicBuckets',
];

export const s3PublicAccessBlockAllFlags: ResourceValidationPolicy = {
  name: 's3-public-access-block-all-flags',
  description: 'A bucket public access block sets all four flags.',
  enforcementLevel: 'mandatory',
  validateResource: reportingUnknowns((args: ResourceValidationArgs, report: ReportViolation) => {
    if (args.type !== RESOURCE_TYPES.publicAccessBlock) return;
    const off = PAB_FLAGS.filter((f) => args.props[f] !== true);
    if (off.length > 0) {
      report(`${off.join(', ')} not true: set all four of ${PAB_FLAGS.join(', ')} to true.`);
    }
  }),
};

export const s3OwnershipBucketOwnerEnforced: ResourceValidationPolicy = {
  name: 's3-ownership-bucket-owner-enforced',
  description: 'Bucket ownership controls use BucketOwnerEnforced, which disables ACLs.',
  enforcementLevel: 'advisory',
  validateResource: reportingUnknowns((args: ResourceValidationArgs, report: ReportViolation) => {
    if (args.type !== RESOURCE_TYPES.ownershipControls) return;
    const ownership = asRecord(args.props.rule).objectOwnership;
    if (ownership !== 'BucketOwnerEnforced') {
      report(`objectOwnership is "${String(ownership)}": set rule.objectOwnership to "BucketOwnerEnforced".`);
    }
  }),
};

const encryptionSchema = {
  properties: {
    allowedAlgorithms: stringList(['AES256', 'aws:kms', 'aws:kms:dsse'], 'Accepted default SSE algorithms.'),
  },
};

export const s3DefaultEncryption: ResourceValidationPolicy = {
  name: 's3-default-encryption',
  description: 'Bucket default encryption uses an accepted SSE algorithm.',
  enforcementLevel: 'advisory',
  configSchema: encryptionSchema,
  validateResource: reportingUnknowns((args: ResourceValidationArgs, report: ReportViolation) => {
    if (args.type !== RESOURCE_TYPES.sse && args.type !== RESOURCE_TYPES.sseV2) return;
    const { allowedAlgorithms } = configWithDefaults<{ allowedAlgorithms: string[] }>(encryptionSchema, args);
    const algorithms = asArray(args.props.rules).map(
      (r) => asRecord(asRecord(r).applyServerSideEncryptionByDefault).sseAlgorithm,
    );
    if (!algorithms.some((a) => typeof a === 'string' && allowedAlgorithms.includes(a))) {
      report(
        `default encryption algorithm is ${algorithms.map((a) => `"${String(a)}"`).join(', ') || 'missing'}: ` +
          `set rules[0].applyServerSideEncryptionByDefault.sseAlgorithm to one of ${allowedAlgorithms.join(', ')}.`,
      );
    }
  }),
};

/** The bucket policy document of a BucketPolicy, or a bucket's inline `policy`. */
function bucketPolicyDocument(args: ResourceValidationArgs): unknown {
  if (args.type === RESOURCE_TYPES.bucketPolicy) return args.props.policy;
  if (BUCKET_TYPES.includes(args.type)) return args.props.policy;
  return undefined;
}

function withBucketPolicy(
  args: ResourceValidationArgs,
  report: ReportViolation,
  visit: (statements: Statement[]) => void,
): void {
  const document = bucketPolicyDocument(args);
  if (document === undefined || document === '') return;
  try {
    visit(parsePolicyDocument(document));
  } catch (e) {
    if (!(e instanceof PolicyDocumentError)) throw e;
    report(`bucket policy: ${e.message}. Fix the document so it can be checked.`);
  }
}

/** A Deny of all S3 actions to everyone when the request is not over TLS. */
export function isTlsOnlyDeny(s: Statement): boolean {
  return (
    s.effect === 'Deny' &&
    s.principals?.wildcard === true &&
    s.actions.some((a) => a === '*' || a.toLowerCase() === 's3:*') &&
    conditionValues(s, 'aws:SecureTransport', ['Bool']).includes('false') &&
    s.resources.some((r) => r.endsWith('/*')) &&
    s.resources.some((r) => !r.includes('/'))
  );
}

export const TLS_ONLY_FIX =
  'add a Deny of "s3:*" for Principal "*" on the bucket ARN and "<bucket ARN>/*" ' +
  'with Condition {"Bool": {"aws:SecureTransport": "false"}}.';

export const s3BucketPolicyTlsOnly: ResourceValidationPolicy = {
  name: 's3-bucket-policy-tls-only',
  description: 'A bucket policy denies every request that is not made over TLS.',
  enforcementLevel: 'advisory',
  validateResource: reportingUnknowns((args: ResourceValidationArgs, report: ReportViolation) => {
    if (args.type !== RESOURCE_TYPES.bucketPolicy) return;
    withBucketPolicy(args, report, (statements) => {
      if (!statements.some(isTlsOnlyDeny)) report(`bucket policy has no TLS-only deny: ${TLS_ONLY_FIX}`);
    });
  }),
};

const trustedAccountsSchema = {
  properties: {
    trustedAccounts: stringList([], 'Account ids a bucket policy may grant access to.'),
  },
};

/** ACL grantee types that name someone other than the bucket owner. */
const FOREIGN_GRANTEE_TYPES = ['AmazonCustomerByEmail'];

export const s3NoPublicGrants: ResourceValidationPolicy = {
  name: 's3-no-public-grants',
  description:
    'No bucket policy or ACL grants access to everyone, to all authenticated AWS users, to "everyone ' +
    'except" (NotPrincipal), or to another account.',
  enforcementLevel: 'mandatory',
  configSchema: trustedAccountsSchema,
  validateResource: reportingUnknowns((args: ResourceValidationArgs, report: ReportViolation) => {
    const { trustedAccounts } = configWithDefaults<{ trustedAccounts: string[] }>(
      trustedAccountsSchema,
      args,
    );
    if (args.type === RESOURCE_TYPES.bucketPolicy || BUCKET_TYPES.includes(args.type)) {
      withBucketPolicy(args, report, (statements) => {
        const options = {
          label: 'bucket policy',
          trustedAccounts,
          // The OAC rule judges CloudFront's grant, with its own message.
          servicesJudgedElsewhere: [CLOUDFRONT_SERVICE],
        };
        for (const m of openGrants(statements, options)) report(m);
      });
    }
    if (BUCKET_TYPES.includes(args.type) || ACL_TYPES.includes(args.type)) {
      const acl = args.props.acl;
      if (typeof acl === 'string' && PUBLIC_CANNED_ACLS.includes(acl.toLowerCase())) {
        report(`ACL "${acl}" makes the bucket public: remove the ACL (ownership BucketOwnerEnforced).`);
      }
      const policy = asRecord(args.props.accessControlPolicy);
      const ownerId = asRecord(policy.owner).id;
      const grants = [...asArray(args.props.grants), ...asArray(policy.grants)].map(asRecord);
      for (const g of grants) {
        const grantee = { ...g, ...asRecord(g.grantee) };
        const uri = grantee.uri;
        const type = String(grantee.type ?? '');
        if (typeof uri === 'string' && uri !== '') {
          if (PUBLIC_GRANTEE_URIS.includes(uri) || !uri.endsWith('/s3/LogDelivery')) {
            report(`ACL grants access to ${uri}: remove the grant (ownership BucketOwnerEnforced).`);
          }
        } else if (FOREIGN_GRANTEE_TYPES.includes(type) || grantee.emailAddress) {
          report(
            `ACL grants access to ${String(grantee.emailAddress ?? 'an e-mail grantee')}, another account: ` +
              'remove the grant (ownership BucketOwnerEnforced).',
          );
        } else if (grantee.id !== undefined && grantee.id !== ownerId) {
          report(
            `ACL grants access to canonical user ${String(grantee.id)}, which is not the bucket owner: ` +
              'remove the grant; only the owner may hold ACL grants (ownership BucketOwnerEnforced).',
          );
        }
      }
    }
  }),
};

const OAI_PRINCIPAL = /cloudfront:user\/CloudFront Origin Access Identity/;
export const CLOUDFRONT_SERVICE = 'cloudfront.amazonaws.com';
export const SOURCE_ARN_KEY = 'AWS:SourceArn';

/** The CloudFront (OAC) grants of a bucket policy: Allow statements whose principal is the CloudFront service. */
export function cloudfrontGrants(statements: Statement[]): { statement: Statement; index: number }[] {
  return statements
    .map((statement, index) => ({ statement, index }))
    .filter(
      ({ statement: s }) =>
        s.effect === 'Allow' && !!s.principals?.service.some((p) => p.toLowerCase() === CLOUDFRONT_SERVICE),
    );
}

export const s3CloudFrontReadsViaOac: ResourceValidationPolicy = {
  name: 's3-cloudfront-reads-via-oac',
  description:
    'CloudFront reads buckets through OAC (cloudfront.amazonaws.com with AWS:SourceArn), never an OAI.',
  enforcementLevel: 'mandatory',
  validateResource: reportingUnknowns((args: ResourceValidationArgs, report: ReportViolation) => {
    if (args.type !== RESOURCE_TYPES.bucketPolicy && !BUCKET_TYPES.includes(args.type)) return;
    withBucketPolicy(args, report, (statements) => {
      statements.forEach((s, i) => {
        if (s.effect !== 'Allow' || !s.principals) return;
        if (s.principals.aws.some((p) => OAI_PRINCIPAL.test(p))) {
          report(
            `bucket policy ${statementLabel(s, i)} grants an origin access identity (OAI): use OAC and grant ` +
              `"${CLOUDFRONT_SERVICE}" with an AWS:SourceArn condition instead.`,
          );
        }
      });
      for (const { statement: s, index } of cloudfrontGrants(statements)) {
        // Every value must be one distribution: a wildcard anywhere (any distribution, any account) lets
        // another account's distribution read the bucket through its own OAC.
        const values = restrictingConditionValues(s, [SOURCE_ARN_KEY]);
        if (values.length === 0 || values.some(hasWildcard)) {
          report(
            `bucket policy ${statementLabel(s, index)} lets ${CLOUDFRONT_SERVICE} read without pinning the ` +
              'distribution: add Condition {"StringEquals": {"AWS:SourceArn": "<distribution ARN>"}}.',
          );
        }
      }
    });
  }),
};

// Stack rules: what no single resource shows.

function bucketPolicyDocuments(bucket: PolicyResource, all: PolicyResource[]): unknown[] {
  const docs = companionsOf(bucket, all, RESOURCE_TYPES.bucketPolicy).map((p) => p.props.policy);
  if (bucket.props.policy) docs.push(bucket.props.policy);
  return docs;
}

export const s3BucketHasAccessBlockAndPolicy: StackValidationPolicy = {
  name: 's3-bucket-has-access-block-and-policy',
  description: 'Every bucket has a public access block with all four flags and a bucket policy.',
  enforcementLevel: 'mandatory',
  validateStack: reportingUnknowns((args: StackValidationArgs, report: ReportViolation) => {
    for (const bucket of ofType(args.resources, ...BUCKET_TYPES)) {
      const blocks = companionsOf(bucket, args.resources, RESOURCE_TYPES.publicAccessBlock);
      if (!blocks.some((b) => PAB_FLAGS.every((f) => b.props[f] === true))) {
        report(
          `bucket "${bucketName(bucket)}" has no public access block with all four flags: add an ` +
            `aws.s3.BucketPublicAccessBlock setting ${PAB_FLAGS.join(', ')} to true.`,
          bucket.urn,
        );
      }
      // The policy's content (TLS-only deny, OAC grant, nothing public) is judged by the s3-* resource rules.
      if (bucketPolicyDocuments(bucket, args.resources).length === 0) {
        report(
          `bucket "${bucketName(bucket)}" has no bucket policy: add an aws.s3.BucketPolicy; ${TLS_ONLY_FIX}`,
          bucket.urn,
        );
      }
    }
  }),
};

export const s3BucketOwnershipAndEncryption: StackValidationPolicy = {
  name: 's3-bucket-ownership-and-encryption',
  description:
    'Every bucket has ownership controls (BucketOwnerEnforced) and a default encryption configuration.',
  enforcementLevel: 'advisory',
  validateStack: reportingUnknowns((args: StackValidationArgs, report: ReportViolation) => {
    for (const bucket of ofType(args.resources, ...BUCKET_TYPES)) {
      const ownership = companionsOf(bucket, args.resources, RESOURCE_TYPES.ownershipControls);
      if (
        !ownership.some(
          (o) => (o.props.rule as { objectOwnership?: string })?.objectOwnership === 'BucketOwnerEnforced',
        )
      ) {
        report(
          `bucket "${bucketName(bucket)}" has no BucketOwnerEnforced ownership controls: add an ` +
            'aws.s3.BucketOwnershipControls with rule.objectOwnership "BucketOwnerEnforced".',
          bucket.urn,
        );
      }
      const sse = [
        ...companionsOf(bucket, args.resources, RESOURCE_TYPES.sse),
        ...companionsOf(bucket, args.resources, RESOURCE_TYPES.sseV2),
      ];
      if (sse.length === 0) {
        report(
          `bucket "${bucketName(bucket)}" has no default encryption configuration: add an ` +
            'aws.s3.BucketServerSideEncryptionConfiguration.',
          bucket.urn,
        );
      }
    }
  }),
};

export const s3OacGrantsThisDistribution: StackValidationPolicy = {
  name: 's3-oac-grants-this-distribution',
  description:
    "A bucket policy's CloudFront grant names, in AWS:SourceArn, a distribution of this stack, not one " +
    'of another account or stack.',
  enforcementLevel: 'mandatory',
  validateStack: reportingUnknowns((args: StackValidationArgs, report: ReportViolation) => {
    const distributions = ofType(args.resources, RESOURCE_TYPES.distribution);
    const arns = distributions.map((d) => peek(() => d.props.arn)).filter((a) => typeof a === 'string');
    const holders = [
      ...ofType(args.resources, RESOURCE_TYPES.bucketPolicy),
      ...ofType(args.resources, ...BUCKET_TYPES).filter((b) => b.props.policy),
    ];
    for (const holder of holders) {
      const statements = parsePolicyDocument(holder.props.policy);
      // While the distribution ARN is unknown (preview), a policy built from it is linked by the graph.
      const builtFromDistribution = distributions.some((d) => dependsThrough(holder, 'policy', d));
      for (const { statement, index } of cloudfrontGrants(statements)) {
        const values = restrictingConditionValues(statement, [SOURCE_ARN_KEY]);
        // Wildcards are refused by s3-cloudfront-reads-via-oac; here each named ARN must be ours.
        for (const value of values.filter((v) => !hasWildcard(v))) {
          if (arns.includes(value) || (builtFromDistribution && arns.length < distributions.length)) continue;
          report(
            `bucket policy ${statementLabel(statement, index)} lets distribution "${value}" read, which is ` +
              "not a distribution of this stack: name this stack's distribution ARN in AWS:SourceArn.",
            holder.urn,
          );
        }
      }
    }
  }),
};

export const s3Policies: Policy[] = [
  s3PublicAccessBlockAllFlags,
  s3OwnershipBucketOwnerEnforced,
  s3DefaultEncryption,
  s3BucketPolicyTlsOnly,
  s3NoPublicGrants,
  s3CloudFrontReadsViaOac,
  s3BucketHasAccessBlockAndPolicy,
  s3BucketOwnershipAndEncryption,
  s3OacGrantsThisDistribution,
];
