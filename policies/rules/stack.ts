// Stack rules: properties of the whole program that no single resource shows, such as "the edge role can touch
// exactly this stack's two buckets" or "the batch function cannot write where its own trigger fires".
import { PolicyResource, ReportViolation, StackValidationArgs, StackValidationPolicy } from '@pulumi/policy';
import {
  allowsAction,
  hasWildcard,
  parsePolicyDocument,
  resourceMatches,
  resourceReachesPrefix,
  restrictingConditionValues,
  Statement,
} from '../lib/iam-document';
import {
  bucketArn,
  bucketName,
  BUCKET_TYPES,
  companionsOf,
  DEFAULT_EDGE_TAG,
  dependsThrough,
  edgeFunctions,
  notificationTargets,
  ofType,
  peek,
  roleOf,
  roleStatements,
  T,
} from '../lib/stack-graph';
import { configWithDefaults, reportingUnknowns } from '../lib/support';
import {
  EDGE_LAMBDA_SERVICE,
  EscalationConfig,
  escalationMessages,
  escalationSchema,
  escalations,
  statementLabel,
} from './iam';
import { cloudfrontGrants, PAB_FLAGS, SOURCE_ARN_KEY, TLS_ONLY_FIX } from './s3';

const edgeAccessSchema = {
  properties: {
    originalsMatch: {
      type: 'string' as const,
      default: 'originals',
      description: 'Substring of the originals bucket resource name.',
    },
    derivativesMatch: {
      type: 'string' as const,
      default: 'derivatives',
      description: 'Substring of the derivatives bucket resource name.',
    },
    allowListOriginals: {
      type: 'boolean' as const,
      default: true,
      description:
        'Also accept s3:ListBucket on the originals bucket (turns a missing original into 404, not 403).',
    },
    edgeTag: {
      type: 'string' as const,
      default: DEFAULT_EDGE_TAG,
      description: 'Tag marking edge functions.',
    },
  },
};

interface EdgeAccessConfig {
  originalsMatch: string;
  derivativesMatch: string;
  allowListOriginals: boolean;
  edgeTag: string;
}

function findBucket(all: PolicyResource[], match: string): PolicyResource[] {
  return ofType(all, ...BUCKET_TYPES).filter((b) => b.name.includes(match));
}

/** Normalises the partition so `arn:aws-cn:s3:::b` compares equal to `arn:aws:s3:::b`. */
const normaliseArn = (arn: string) => arn.replace(/^arn:aws[a-z-]*:/, 'arn:aws:');

export const iamEdgeRoleExactS3Access: StackValidationPolicy = {
  name: 'iam-edge-role-exact-s3-access',
  description:
    "The edge role's S3 permissions are exactly s3:GetObject on this stack's originals and s3:PutObject on its derivatives.",
  enforcementLevel: 'mandatory',
  configSchema: edgeAccessSchema,
  validateStack: reportingUnknowns((args: StackValidationArgs, report: ReportViolation) => {
    const cfg = configWithDefaults<EdgeAccessConfig>(edgeAccessSchema, args);
    const edges = edgeFunctions(args.resources, cfg.edgeTag);
    if (edges.length === 0) return;
    const originals = findBucket(args.resources, cfg.originalsMatch);
    const derivatives = findBucket(args.resources, cfg.derivativesMatch);
    if (originals.length !== 1 || derivatives.length !== 1) {
      report(
        `expected one originals and one derivatives bucket (names containing "${cfg.originalsMatch}" and ` +
          `"${cfg.derivativesMatch}"), found ${originals.length} and ${derivatives.length}: ` +
          'name the buckets so, or set originalsMatch/derivativesMatch.',
      );
      return;
    }
    const o = bucketArn(originals[0]!);
    const d = bucketArn(derivatives[0]!);
    const allowed: [string, string][] = [
      ['s3:GetObject', `${o}/*`],
      ['s3:PutObject', `${d}/*`],
      ...(cfg.allowListOriginals ? [['s3:ListBucket', o] as [string, string]] : []),
    ];
    const required = allowed.slice(0, 2);
    const expectation = `grant only s3:GetObject on ${o}/* and s3:PutObject on ${d}/*`;
    const roles = ofType(args.resources, T.role);
    const checked = new Set<string>();
    for (const fn of edges) {
      const role = roleOf(fn, roles);
      if (!role) {
        report(
          `edge function "${fn.name}": its role is not a role in this stack: create the role here.`,
          fn.urn,
        );
        continue;
      }
      if (checked.has(role.urn)) continue;
      checked.add(role.urn);
      const granted: [string, string][] = [];
      for (const { statement: s } of roleStatements(role, args.resources)) {
        if (s.effect !== 'Allow') continue;
        // Any pattern that can name an S3 action (`s3:...`, `*`, `s*:Get*`, `S3:GetObject`) is compared exactly.
        for (const action of s.actions.filter((a) => /^s3:/i.test(a) || hasWildcard(a.split(':')[0] ?? ''))) {
          for (const resource of s.resources) granted.push([action, normaliseArn(resource)]);
        }
      }
      for (const [action, resource] of granted) {
        const ok = allowed.some(([a, r]) => a.toLowerCase() === action.toLowerCase() && r === resource);
        if (!ok)
          report(`edge role "${role.name}" grants ${action} on ${resource}: ${expectation}.`, role.urn);
      }
      for (const [action, resource] of required) {
        if (!granted.some(([a, r]) => a.toLowerCase() === action.toLowerCase() && r === resource)) {
          report(`edge role "${role.name}" lacks ${action} on ${resource}: ${expectation}.`, role.urn);
        }
      }
    }
  }),
};

const recursionSchema = {
  properties: {
    writeActions: {
      type: 'array' as const,
      items: { type: 'string' as const },
      default: [
        's3:PutObject',
        's3:DeleteObject',
        's3:DeleteObjectVersion',
        's3:RestoreObject',
        's3:ReplicateObject',
      ],
      description: 'Actions that create S3 events, so may re-trigger a function subscribed to the bucket.',
    },
  },
};

export const lambdaNoTriggerRecursion: StackValidationPolicy = {
  name: 'lambda-no-trigger-recursion',
  description: 'A function triggered by S3 cannot write to the bucket and prefix that trigger it.',
  enforcementLevel: 'mandatory',
  configSchema: recursionSchema,
  validateStack: reportingUnknowns((args: StackValidationArgs, report: ReportViolation) => {
    const { writeActions } = configWithDefaults<{ writeActions: string[] }>(recursionSchema, args);
    const buckets = ofType(args.resources, ...BUCKET_TYPES);
    const fns = ofType(args.resources, T.lambdaFunction);
    const roles = ofType(args.resources, T.role);
    // One notification has a filter per suffix; the same finding is reported once.
    const reported = new Set<string>();
    const reportOnce = (message: string, urn: string) => {
      if (!reported.has(message)) report(message, urn);
      reported.add(message);
    };
    for (const n of ofType(args.resources, T.bucketNotification)) {
      const bucket = buckets.find((b) => companionsOf(b, args.resources, T.bucketNotification).includes(n));
      if (!bucket) {
        report('notification bucket is not a bucket in this stack: create the bucket here.', n.urn);
        continue;
      }
      for (const target of notificationTargets(n, fns)) {
        if (!target.fn) {
          report('notification target is not a function in this stack: create the function here.', n.urn);
          continue;
        }
        const role = roleOf(target.fn, roles);
        if (!role) {
          reportOnce(
            `function "${target.fn.name}" runs as a role that is not in this stack, so what it may write ` +
              'cannot be checked: create its role in this stack.',
            target.fn.urn,
          );
          continue;
        }
        const trigger = `${bucketArn(bucket)}/${target.prefix}`;
        for (const { statement: s } of roleStatements(role, args.resources)) {
          if (s.effect !== 'Allow') continue;
          const action = writeActions.find((w) => allowsAction(s, w));
          // An Allow with NotResource reaches every resource it does not list (never the trigger's prefix
          // as a whole, since a listed pattern would have to cover all of it).
          const resource =
            s.resources.find((r) => resourceReachesPrefix(r, trigger)) ??
            (s.notResources.length > 0 && !s.notResources.some((r) => resourceMatches(r, `${trigger}zq9`))
              ? `NotResource ${s.notResources.join(', ')}`
              : undefined);
          if (action && resource) {
            reportOnce(
              `function "${target.fn.name}" is triggered by ${trigger}* but its role "${role.name}" may ` +
                `${action} on ${resource}: write only to the derivatives bucket, never where the trigger fires.`,
              role.urn,
            );
          }
        }
      }
    }
  }),
};

function bucketPolicyDocuments(bucket: PolicyResource, all: PolicyResource[]): unknown[] {
  const docs = companionsOf(bucket, all, T.bucketPolicy).map((p) => p.props.policy);
  if (bucket.props.policy) docs.push(bucket.props.policy);
  return docs;
}

export const s3BucketHasAccessBlockAndPolicy: StackValidationPolicy = {
  name: 's3-bucket-has-access-block-and-policy',
  description: 'Every bucket has a public access block with all four flags and a bucket policy.',
  enforcementLevel: 'mandatory',
  validateStack: reportingUnknowns((args: StackValidationArgs, report: ReportViolation) => {
    for (const bucket of ofType(args.resources, ...BUCKET_TYPES)) {
      const blocks = companionsOf(bucket, args.resources, T.publicAccessBlock);
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
      const ownership = companionsOf(bucket, args.resources, T.ownershipControls);
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
        ...companionsOf(bucket, args.resources, T.sse),
        ...companionsOf(bucket, args.resources, T.sseV2),
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

const trustPairingSchema = {
  properties: {
    edgeTag: {
      type: 'string' as const,
      default: DEFAULT_EDGE_TAG,
      description: 'Tag marking edge functions.',
    },
  },
};

function trustedServices(role: PolicyResource): string[] {
  return parsePolicyDocument(role.props.assumeRolePolicy)
    .filter((s) => s.effect === 'Allow')
    .flatMap((s) => s.principals?.service ?? []);
}

export const iamLambdaTrustMatchesFunction: StackValidationPolicy = {
  name: 'iam-lambda-trust-matches-function',
  description: 'An edge function role trusts edgelambda.amazonaws.com; a regular function role does not.',
  enforcementLevel: 'mandatory',
  configSchema: trustPairingSchema,
  validateStack: reportingUnknowns((args: StackValidationArgs, report: ReportViolation) => {
    const { edgeTag } = configWithDefaults<{ edgeTag: string }>(trustPairingSchema, args);
    const edges = new Set(edgeFunctions(args.resources, edgeTag).map((f) => f.urn));
    const roles = ofType(args.resources, T.role);
    for (const fn of ofType(args.resources, T.lambdaFunction)) {
      const role = roleOf(fn, roles);
      if (!role) {
        report(
          `function "${fn.name}" runs as a role that is not in this stack, so its trust cannot be checked: ` +
            'create its role in this stack.',
          fn.urn,
        );
        continue;
      }
      const trustsEdge = trustedServices(role).includes(EDGE_LAMBDA_SERVICE);
      if (edges.has(fn.urn) && !trustsEdge) {
        report(
          `role "${role.name}" of edge function "${fn.name}" does not trust ${EDGE_LAMBDA_SERVICE}: add it.`,
          role.urn,
        );
      }
      if (!edges.has(fn.urn) && trustsEdge) {
        report(
          `role "${role.name}" of regular function "${fn.name}" trusts ${EDGE_LAMBDA_SERVICE}: trust only lambda.amazonaws.com.`,
          role.urn,
        );
      }
    }
  }),
};

const escalationStackSchema = escalationSchema('the role');

export const iamRoleNoSplitPrivilegeEscalation: StackValidationPolicy = {
  name: 'iam-role-no-split-privilege-escalation',
  description:
    'No role escalates through the union of its policies (inline, RolePolicy, attached), even when no ' +
    'single policy does, e.g. iam:PassRole in one policy and lambda:CreateFunction in another.',
  enforcementLevel: 'mandatory',
  configSchema: escalationStackSchema,
  validateStack: reportingUnknowns((args: StackValidationArgs, report: ReportViolation) => {
    const cfg = configWithDefaults<EscalationConfig>(escalationStackSchema, args);
    for (const role of ofType(args.resources, T.role)) {
      const held = roleStatements(role, args.resources);
      const union = escalations(
        held.map((h) => h.statement),
        cfg,
      );
      // What one document already grants is reported by iam-no-privilege-escalation on that document.
      const bySource = new Map<string, Statement[]>();
      for (const h of held) {
        // A Role's inline policies are one resource, judged together by iam-no-privilege-escalation.
        const source = h.source.startsWith('inline policy') ? 'inline policies' : h.source;
        bySource.set(source, [...(bySource.get(source) ?? []), h.statement]);
      }
      const single = [...bySource.values()].map((statements) => escalations(statements, cfg));
      const split = {
        alone: union.alone.filter((a) => !single.some((e) => e.alone.includes(a))),
        withPassRole: union.withPassRole.filter((a) => !single.some((e) => e.withPassRole.includes(a))),
      };
      for (const m of escalationMessages(split, `role "${role.name}" (through ${bySource.size} policies) `)) {
        report(m, role.urn);
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
    const distributions = ofType(args.resources, T.distribution);
    const arns = distributions.map((d) => peek(() => d.props.arn)).filter((a) => typeof a === 'string');
    const holders = [
      ...ofType(args.resources, T.bucketPolicy),
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

export const stackPolicies: StackValidationPolicy[] = [
  iamEdgeRoleExactS3Access,
  lambdaNoTriggerRecursion,
  s3BucketHasAccessBlockAndPolicy,
  s3BucketOwnershipAndEncryption,
  iamLambdaTrustMatchesFunction,
  iamRoleNoSplitPrivilegeEscalation,
  s3OacGrantsThisDistribution,
];
