// Least-privilege IAM. Every rule here is mandatory: over-broad IAM is the drift this pack exists to stop.
import {
  PolicyResource,
  ReportViolation,
  ResourceValidationArgs,
  ResourceValidationPolicy,
  StackValidationArgs,
  StackValidationPolicy,
} from '@pulumi/policy';

import {
  allowsAction,
  hasWildcard,
  isServiceWildcard,
  isWildcardResource,
  parsePolicyDocument,
  PolicyDocumentError,
  Statement,
  toArray,
} from '../lib/iam-document';
import { principalAccount, restrictingValues, statementLabel } from '../lib/resource-policy';
import { BUCKET_TYPES, RESOURCE_TYPES } from '../lib/resource-types';
import {
  bucketArn,
  bucketOf,
  DEFAULT_EDGE_TAG,
  edgeFunctions,
  ofType,
  roleOf,
  roleStatements,
} from '../lib/stack-graph';
import { asArray, asRecord, configWithDefaults, Policy, reportingUnknowns, stringList } from '../lib/support';

/** Resource types whose inputs carry a permission policy document. */
export const PERMISSION_DOCUMENT_TYPES = [
  RESOURCE_TYPES.role,
  RESOURCE_TYPES.rolePolicy,
  RESOURCE_TYPES.policy,
  RESOURCE_TYPES.userPolicy,
  RESOURCE_TYPES.groupPolicy,
];

export interface LabelledDocument {
  label: string;
  document: unknown;
}

/** The permission documents of a resource: `policy`, or a role's inline policies. */
export function permissionDocuments(type: string, props: Record<string, unknown>): LabelledDocument[] {
  if (type === RESOURCE_TYPES.role) {
    return asArray(props.inlinePolicies).map((p) => {
      const inline = asRecord(p);
      return { label: `inline policy "${String(inline.name ?? '')}"`, document: inline.policy };
    });
  }
  if (PERMISSION_DOCUMENT_TYPES.includes(type) && props.policy !== undefined) {
    return [{ label: 'policy', document: props.policy }];
  }
  return [];
}

/** Parses each document and hands its statements over; a document that does not parse is itself reported. */
function withStatements(
  docs: LabelledDocument[],
  report: ReportViolation,
  visit: (statements: Statement[], label: string) => void,
): void {
  for (const { label, document } of docs) {
    let statements: Statement[];
    try {
      statements = parsePolicyDocument(document);
    } catch (e) {
      if (!(e instanceof PolicyDocumentError)) throw e;
      report(`${label}: ${e.message}. Fix the document so it can be checked.`);
      continue;
    }
    visit(statements, label);
  }
}

function documentRule(
  visit: (
    statements: Statement[],
    label: string,
    report: ReportViolation,
    args: ResourceValidationArgs,
  ) => void,
) {
  return reportingUnknowns((args: ResourceValidationArgs, report: ReportViolation) => {
    if (!PERMISSION_DOCUMENT_TYPES.includes(args.type)) return;
    withStatements(permissionDocuments(args.type, args.props), report, (statements, label) =>
      visit(statements, label, report, args),
    );
  });
}

const wildcardActionsSchema = {
  properties: {
    allowedWildcardActions: stringList([], 'Service wildcards (e.g. "xray:*") that are accepted anyway.'),
  },
};

export const iamNoWildcardActions: ResourceValidationPolicy = {
  name: 'iam-no-wildcard-actions',
  description: 'IAM Allow statements name their actions; no "*" and no service wildcard such as "s3:*".',
  enforcementLevel: 'mandatory',
  configSchema: wildcardActionsSchema,
  validateResource: documentRule((statements, label, report, args) => {
    const { allowedWildcardActions } = configWithDefaults<{ allowedWildcardActions: string[] }>(
      wildcardActionsSchema,
      args,
    );
    const accepted = allowedWildcardActions.map((a) => a.toLowerCase());
    statements.forEach((s, i) => {
      if (s.effect !== 'Allow') return;
      for (const action of s.actions) {
        if (isServiceWildcard(action) && !accepted.includes(action.toLowerCase())) {
          report(
            `${label} ${statementLabel(s, i)} allows "${action}": list the exact actions the code calls ` +
              '(e.g. "s3:GetObject") instead of a wildcard.',
          );
        }
      }
    });
  }),
};

/**
 * Actions that do not support resource-level permissions, so `Resource: "*"` is the only way to grant them
 * (AWS Service Authorization Reference, "Resource types" column empty).
 */
export const DEFAULT_UNSCOPABLE_ACTIONS = [
  'sts:GetCallerIdentity',
  's3:ListAllMyBuckets',
  'xray:PutTraceSegments',
  'xray:PutTelemetryRecords',
  'xray:GetSamplingRules',
  'xray:GetSamplingTargets',
  'cloudwatch:PutMetricData',
  'ec2:CreateNetworkInterface',
  'ec2:DescribeNetworkInterfaces',
  'ec2:DeleteNetworkInterface',
  'ec2:AssignPrivateIpAddresses',
  'ec2:UnassignPrivateIpAddresses',
  'logs:DescribeLogGroups',
];

const wildcardResourcesSchema = {
  properties: {
    unscopableActions: stringList(
      DEFAULT_UNSCOPABLE_ACTIONS,
      'Actions without resource-level permissions, which may be granted on "*".',
    ),
  },
};

export const iamNoWildcardResources: ResourceValidationPolicy = {
  name: 'iam-no-wildcard-resources',
  description: 'IAM Allow statements scope resource-level actions to ARNs; "*" only for unscopable actions.',
  enforcementLevel: 'mandatory',
  configSchema: wildcardResourcesSchema,
  validateResource: documentRule((statements, label, report, args) => {
    const { unscopableActions } = configWithDefaults<{ unscopableActions: string[] }>(
      wildcardResourcesSchema,
      args,
    );
    const allowed = unscopableActions.map((a) => a.toLowerCase());
    statements.forEach((s, i) => {
      if (s.effect !== 'Allow') return;
      const wildcard = s.resources.find(isWildcardResource);
      if (wildcard === undefined) return;
      const scopable = s.actions.filter((a) => !allowed.includes(a.toLowerCase()));
      if (scopable.length > 0) {
        report(
          `${label} ${statementLabel(s, i)} allows ${scopable.join(', ')} on Resource "${wildcard}": ` +
            'scope it to the ARNs it needs (e.g. "arn:aws:s3:::<bucket>/*"); only unscopableActions may use "*".',
        );
      }
    });
  }),
};

export const iamNoNotActionOrNotResource: ResourceValidationPolicy = {
  name: 'iam-no-not-action-or-not-resource',
  description: 'IAM Allow statements do not use NotAction or NotResource, which grant everything not listed.',
  enforcementLevel: 'mandatory',
  validateResource: documentRule((statements, label, report) => {
    statements.forEach((s, i) => {
      if (s.effect !== 'Allow') return;
      if (s.notActions.length > 0) {
        report(
          `${label} ${statementLabel(s, i)} uses NotAction with Allow: list the allowed actions in Action.`,
        );
      }
      if (s.notResources.length > 0) {
        report(
          `${label} ${statementLabel(s, i)} uses NotResource with Allow: list the allowed ARNs in Resource.`,
        );
      }
    });
  }),
};

/**
 * AWS-managed policies that grant admin, whole-service, or read-everything access. The read-only family
 * (ReadOnlyAccess, ViewOnlyAccess, SecurityAudit, AmazonS3ReadOnlyAccess, ...) lets a compromised function
 * read every object of every bucket or every resource of the account: a function reads only its own buckets.
 */
export const DEFAULT_DISALLOWED_MANAGED_POLICIES = [
  'AdministratorAccess',
  'PowerUserAccess',
  'IAMFullAccess',
  'AmazonS3FullAccess',
  'AWSLambda_FullAccess',
  'AWSLambdaFullAccess',
  'CloudFrontFullAccess',
  'CloudWatchFullAccess',
  'CloudWatchLogsFullAccess',
  'AmazonSQSFullAccess',
  'ReadOnlyAccess',
  'ViewOnlyAccess',
  'SecurityAudit',
  'AWSSupportAccess',
  'SystemAdministrator',
  'DatabaseAdministrator',
  'NetworkAdministrator',
  'DataScientist',
  'AmazonS3ReadOnlyAccess',
  'IAMReadOnlyAccess',
  'AWSLambda_ReadOnlyAccess',
  'AWSLambdaReadOnlyAccess',
  'AmazonSQSReadOnlyAccess',
  'CloudWatchReadOnlyAccess',
  'CloudWatchLogsReadOnlyAccess',
  'AmazonDynamoDBReadOnlyAccess',
  'AmazonEC2ReadOnlyAccess',
  'SecretsManagerReadWrite',
  'AWSLambdaExecute',
  'AWSLambdaRole',
];

const managedPoliciesSchema = {
  properties: {
    disallowedPolicies: stringList(
      DEFAULT_DISALLOWED_MANAGED_POLICIES,
      'Names of AWS-managed policies that may not be attached.',
    ),
    disallowAllFullAccess: {
      type: 'boolean' as const,
      default: true,
      description: 'Also refuse every AWS-managed policy whose name ends in "FullAccess".',
    },
    disallowAllReadOnlyAccess: {
      type: 'boolean' as const,
      default: true,
      description: 'Also refuse every AWS-managed policy whose name ends in "ReadOnlyAccess" or "ReadOnly".',
    },
  },
};

/** The name of an AWS-managed policy ARN (`arn:aws:iam::aws:policy/service-role/X` -> `X`), else undefined. */
export function awsManagedPolicyName(arn: string): string | undefined {
  const m = /^arn:[^:]+:iam::aws:policy\/(?:.*\/)?([^/]+)$/.exec(arn);
  return m?.[1];
}

/** Every policy ARN a resource attaches, by whatever route (Role, attachments, exclusive attachments). */
export function attachedPolicyArns(type: string, props: Record<string, unknown>): string[] {
  switch (type) {
    case RESOURCE_TYPES.role:
      return toArray(props.managedPolicyArns);
    case RESOURCE_TYPES.rolePolicyAttachmentsExclusive:
    case RESOURCE_TYPES.userPolicyAttachmentsExclusive:
    case RESOURCE_TYPES.groupPolicyAttachmentsExclusive:
      return toArray(props.policyArns);
    case RESOURCE_TYPES.rolePolicyAttachment:
    case RESOURCE_TYPES.userPolicyAttachment:
    case RESOURCE_TYPES.groupPolicyAttachment:
    case RESOURCE_TYPES.policyAttachment:
      return toArray(props.policyArn);
    default:
      return [];
  }
}

export function isDisallowedManagedPolicy(
  name: string,
  cfg: { disallowedPolicies: string[]; disallowAllFullAccess: boolean; disallowAllReadOnlyAccess?: boolean },
): boolean {
  const n = name.toLowerCase();
  return (
    cfg.disallowedPolicies.some((d) => d.toLowerCase() === n) ||
    (cfg.disallowAllFullAccess && /fullaccess$/.test(n)) ||
    (cfg.disallowAllReadOnlyAccess !== false && /readonly(access)?$/.test(n))
  );
}

export const iamNoBroadManagedPolicies: ResourceValidationPolicy = {
  name: 'iam-no-broad-managed-policies',
  description:
    'No AWS-managed admin, full-access or read-everything policy is attached to a role, user or group.',
  enforcementLevel: 'mandatory',
  configSchema: managedPoliciesSchema,
  validateResource: reportingUnknowns((args: ResourceValidationArgs, report: ReportViolation) => {
    const cfg = configWithDefaults<{
      disallowedPolicies: string[];
      disallowAllFullAccess: boolean;
      disallowAllReadOnlyAccess: boolean;
    }>(managedPoliciesSchema, args);
    for (const arn of attachedPolicyArns(args.type, args.props)) {
      const name = awsManagedPolicyName(arn);
      if (name === undefined) continue;
      if (isDisallowedManagedPolicy(name, cfg)) {
        report(
          `attaches AWS-managed policy "${name}", which grants far more than this program needs: ` +
            'attach a customer policy with the exact actions and resources instead.',
        );
      }
    }
  }),
};

/**
 * Actions that on their own let the holder raise its own privileges or act as a stronger principal
 * (Rhino Security Labs, "AWS IAM Privilege Escalation – Methods and Mitigation", and its follow-ups):
 * writing or attaching policies, replacing policy versions or trust, removing or replacing permissions
 * boundaries, credentials for other users, and changing code or commands that already run as another role.
 */
export const DEFAULT_ESCALATION_ACTIONS = [
  'iam:PutRolePolicy',
  'iam:PutUserPolicy',
  'iam:PutGroupPolicy',
  'iam:AttachRolePolicy',
  'iam:AttachUserPolicy',
  'iam:AttachGroupPolicy',
  'iam:CreatePolicyVersion',
  'iam:SetDefaultPolicyVersion',
  'iam:UpdateAssumeRolePolicy',
  'iam:CreateAccessKey',
  'iam:CreateLoginProfile',
  'iam:UpdateLoginProfile',
  'iam:AddUserToGroup',
  'iam:DeleteRolePermissionsBoundary',
  'iam:PutRolePermissionsBoundary',
  'iam:DeleteUserPermissionsBoundary',
  'iam:PutUserPermissionsBoundary',
  'sts:AssumeRoot',
  'lambda:UpdateFunctionCode',
  'lambda:UpdateFunctionConfiguration',
  'glue:UpdateDevEndpoint',
  'glue:UpdateJob',
  'codebuild:StartBuild',
  'codebuild:UpdateProject',
  'cloudformation:UpdateStack',
  'cloudformation:ExecuteChangeSet',
  'ssm:SendCommand',
  'ssm:StartSession',
  'ec2-instance-connect:SendSSHPublicKey',
  'ec2:ModifyInstanceAttribute',
  'sagemaker:CreatePresignedNotebookInstanceUrl',
  'ecs:ExecuteCommand',
];

/** Actions that, together with iam:PassRole, run code under another (possibly stronger) role. */
export const DEFAULT_PASS_ROLE_COMPANIONS = [
  'lambda:CreateFunction',
  'lambda:UpdateFunctionCode',
  'lambda:UpdateFunctionConfiguration',
  'ec2:RunInstances',
  'ec2:RequestSpotInstances',
  'ec2:CreateLaunchTemplate',
  'ec2:AssociateIamInstanceProfile',
  'ec2:ReplaceIamInstanceProfileAssociation',
  'autoscaling:CreateLaunchConfiguration',
  'autoscaling:CreateAutoScalingGroup',
  'ecs:RunTask',
  'ecs:StartTask',
  'ecs:RegisterTaskDefinition',
  'ecs:CreateService',
  'batch:SubmitJob',
  'batch:RegisterJobDefinition',
  'cloudformation:CreateStack',
  'cloudformation:UpdateStack',
  'cloudformation:CreateChangeSet',
  'cloudformation:CreateStackSet',
  'glue:CreateDevEndpoint',
  'glue:CreateJob',
  'glue:UpdateJob',
  'datapipeline:CreatePipeline',
  'codebuild:CreateProject',
  'codebuild:UpdateProject',
  'codestar:CreateProject',
  'sagemaker:CreateNotebookInstance',
  'sagemaker:CreateTrainingJob',
  'sagemaker:CreateProcessingJob',
  'states:CreateStateMachine',
  'states:UpdateStateMachine',
  'apprunner:CreateService',
  'elasticmapreduce:RunJobFlow',
  'events:PutTargets',
  'scheduler:CreateSchedule',
  'iam:AddRoleToInstanceProfile',
];

/** The escalation rules' settings; `companionScope` says where iam:PassRole must also be granted. */
export function escalationSchema(companionScope: string) {
  return {
    properties: {
      escalationActions: stringList(DEFAULT_ESCALATION_ACTIONS, 'Actions refused on their own.'),
      passRoleCompanions: stringList(
        DEFAULT_PASS_ROLE_COMPANIONS,
        `Actions refused when ${companionScope} also grants iam:PassRole.`,
      ),
    },
  };
}

const policyEscalationSchema = escalationSchema('the same policy');

export interface EscalationConfig {
  escalationActions: string[];
  passRoleCompanions: string[];
}

export interface Escalation {
  /** Actions that escalate on their own. */
  alone: string[];
  /** Companions granted together with iam:PassRole. */
  withPassRole: string[];
}

/** What a set of statements (one document, or everything a role holds) grants that escalates. */
export function escalations(statements: Statement[], cfg: EscalationConfig): Escalation {
  const grants = (action: string) => statements.some((s) => allowsAction(s, action));
  return {
    alone: cfg.escalationActions.filter(grants),
    withPassRole: grants('iam:PassRole') ? cfg.passRoleCompanions.filter(grants) : [],
  };
}

export function escalationMessages(found: Escalation, prefix = ''): string[] {
  const out: string[] = [];
  if (found.alone.length > 0) {
    out.push(
      `${prefix}grants ${found.alone.join(', ')}, which let the holder raise its own privileges: remove ` +
        'them; change IAM from the deployment pipeline, not from a workload role.',
    );
  }
  if (found.withPassRole.length > 0) {
    out.push(
      `${prefix}grants iam:PassRole together with ${found.withPassRole.join(', ')}, which lets the holder run ` +
        'code as another role: remove iam:PassRole or the other actions.',
    );
  }
  return out;
}

export function escalationConfig(args: { getConfig<C extends object>(): C }): EscalationConfig {
  return configWithDefaults<EscalationConfig>(policyEscalationSchema, args);
}

export const iamNoPrivilegeEscalation: ResourceValidationPolicy = {
  name: 'iam-no-privilege-escalation',
  description: 'No policy grants an action, or a combination with iam:PassRole, that escalates privileges.',
  enforcementLevel: 'mandatory',
  configSchema: policyEscalationSchema,
  validateResource: reportingUnknowns((args: ResourceValidationArgs, report: ReportViolation) => {
    if (!PERMISSION_DOCUMENT_TYPES.includes(args.type)) return;
    // A role's inline policies all apply to the same principal, so their grants are judged together.
    const statements: Statement[] = [];
    withStatements(permissionDocuments(args.type, args.props), report, (s) => statements.push(...s));
    for (const m of escalationMessages(escalations(statements, escalationConfig(args)))) report(m);
  }),
};

function trustStatements(
  props: Record<string, unknown>,
  report: ReportViolation,
  visit: (s: Statement[]) => void,
) {
  withStatements([{ label: 'assumeRolePolicy', document: props.assumeRolePolicy }], report, visit);
}

export const iamTrustNoWildcardPrincipal: ResourceValidationPolicy = {
  name: 'iam-trust-no-wildcard-principal',
  description: 'A role trust policy never trusts "*".',
  enforcementLevel: 'mandatory',
  validateResource: reportingUnknowns((args: ResourceValidationArgs, report: ReportViolation) => {
    if (args.type !== RESOURCE_TYPES.role) return;
    trustStatements(args.props, report, (statements) =>
      statements.forEach((s, i) => {
        if (s.effect === 'Allow' && s.principals?.wildcard) {
          report(
            `assumeRolePolicy ${statementLabel(s, i)} trusts "*", so any AWS account can assume the role: ` +
              'name the service or account principal that needs it.',
          );
        }
        // Allow + NotPrincipal trusts everyone not listed; a trust policy has no use for NotPrincipal at all.
        if (s.notPrincipals) {
          report(
            `assumeRolePolicy ${statementLabel(s, i)} uses NotPrincipal, which trusts everyone not listed: ` +
              'name the trusted principal in Principal.',
          );
        }
      }),
    );
  }),
};

/** Condition keys that tie an assume-role request from another account to a known caller. */
const CROSS_ACCOUNT_KEYS = [
  'sts:ExternalId',
  'aws:PrincipalOrgID',
  'aws:PrincipalOrgPaths',
  'aws:PrincipalArn',
  'aws:SourceArn',
  'aws:SourceAccount',
  'aws:SourceIdentity',
];

const crossAccountSchema = {
  properties: {
    trustedAccounts: stringList(
      [],
      'Account ids a role may trust without a condition (e.g. the deployment account).',
    ),
  },
};

/** True if a federated statement pins the token's subject (`<provider>:sub`, `SAML:sub`, `...:aud`). */
function restrictsFederatedSubject(s: Statement): boolean {
  const keys = Object.values(s.conditions).flatMap((block) => Object.keys(block));
  const subjects = keys.filter((k) => /:(sub|aud|oaud|amr)$/i.test(k));
  return restrictingValues(s, subjects).some((v) => !/^[*?]+$/.test(v) && !/^[^*?]*:\*$/.test(v));
}

export const iamTrustCrossAccountCondition: ResourceValidationPolicy = {
  name: 'iam-trust-cross-account-condition',
  description:
    'A role trusts an AWS account or a federated identity only with a condition that names the caller ' +
    '(sts:ExternalId, aws:PrincipalOrgID, aws:PrincipalArn, or the token subject).',
  enforcementLevel: 'mandatory',
  configSchema: crossAccountSchema,
  validateResource: reportingUnknowns((args: ResourceValidationArgs, report: ReportViolation) => {
    if (args.type !== RESOURCE_TYPES.role) return;
    const { trustedAccounts } = configWithDefaults<{ trustedAccounts: string[] }>(crossAccountSchema, args);
    trustStatements(args.props, report, (statements) =>
      statements.forEach((s, i) => {
        if (s.effect !== 'Allow' || !s.principals || s.principals.wildcard) return;
        const unconditioned = s.principals.aws.filter((principal) => {
          const account = principalAccount(principal);
          return !(account !== undefined && trustedAccounts.includes(account));
        });
        if (unconditioned.length > 0 && restrictingValues(s, CROSS_ACCOUNT_KEYS).length === 0) {
          report(
            `assumeRolePolicy ${statementLabel(s, i)} trusts ${unconditioned.map((p) => `"${p}"`).join(', ')} ` +
              'without a condition, so every principal that account allows can assume the role: add ' +
              '{"StringEquals": {"sts:ExternalId": "..."}} or aws:PrincipalArn, or drop the account.',
          );
        }
        if (s.principals.federated.length > 0 && !restrictsFederatedSubject(s)) {
          report(
            `assumeRolePolicy ${statementLabel(s, i)} trusts ${s.principals.federated.join(', ')} without a ` +
              'condition on the token subject (e.g. "<provider>:sub"), so any identity of that provider can ' +
              'assume the role.',
          );
        }
      }),
    );
  }),
};

export const LAMBDA_SERVICE = 'lambda.amazonaws.com';
export const EDGE_LAMBDA_SERVICE = 'edgelambda.amazonaws.com';

const lambdaTrustSchema = {
  properties: {
    allowedServices: stringList(
      [LAMBDA_SERVICE, EDGE_LAMBDA_SERVICE],
      'Service principals a Lambda execution role may trust.',
    ),
  },
};

export const iamLambdaRoleTrust: ResourceValidationPolicy = {
  name: 'iam-lambda-role-trust',
  description:
    'A Lambda execution role trusts only lambda.amazonaws.com, plus edgelambda.amazonaws.com for edge.',
  enforcementLevel: 'mandatory',
  configSchema: lambdaTrustSchema,
  validateResource: reportingUnknowns((args: ResourceValidationArgs, report: ReportViolation) => {
    if (args.type !== RESOURCE_TYPES.role) return;
    const { allowedServices } = configWithDefaults<{ allowedServices: string[] }>(lambdaTrustSchema, args);
    trustStatements(args.props, report, (statements) => {
      const allows = statements.filter((s) => s.effect === 'Allow' && s.principals);
      const services = allows.flatMap((s) => s.principals!.service);
      if (!services.includes(LAMBDA_SERVICE) && !services.includes(EDGE_LAMBDA_SERVICE)) return;
      for (const service of services) {
        if (!allowedServices.includes(service)) {
          report(`Lambda role also trusts "${service}": trust only ${allowedServices.join(' and ')}.`);
        }
      }
      for (const other of allows.flatMap((s) => [...s.principals!.aws, ...s.principals!.federated])) {
        report(`Lambda role also trusts "${other}": trust only ${allowedServices.join(' and ')}.`);
      }
      if (services.includes(EDGE_LAMBDA_SERVICE) && !services.includes(LAMBDA_SERVICE)) {
        report(`Lambda@Edge role trusts ${EDGE_LAMBDA_SERVICE} without ${LAMBDA_SERVICE}: trust both.`);
      }
    });
  }),
};

export const iamNoUserPolicies: ResourceValidationPolicy = {
  name: 'iam-no-user-policies',
  description: 'No policy is attached to an IAM user; workloads get permissions through roles.',
  enforcementLevel: 'mandatory',
  validateResource: reportingUnknowns((args: ResourceValidationArgs, report: ReportViolation) => {
    const toUser =
      args.type === RESOURCE_TYPES.userPolicy ||
      args.type === RESOURCE_TYPES.userPolicyAttachment ||
      args.type === RESOURCE_TYPES.userPolicyAttachmentsExclusive ||
      (args.type === RESOURCE_TYPES.policyAttachment && toArray(args.props.users).length > 0);
    if (toUser) {
      report('attaches a policy to an IAM user: grant it to a role that the workload assumes instead.');
    }
  }),
};

// Stack rules: what no single resource shows.

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
    "The edge role's S3 permissions are exactly s3:GetObject on this stack's originals buckets and s3:PutObject on its derivatives buckets (one each per region of the stack).",
  enforcementLevel: 'mandatory',
  configSchema: edgeAccessSchema,
  validateStack: reportingUnknowns((args: StackValidationArgs, report: ReportViolation) => {
    const cfg = configWithDefaults<EdgeAccessConfig>(edgeAccessSchema, args);
    const edges = edgeFunctions(args.resources, cfg.edgeTag);
    if (edges.length === 0) return;
    const originals = findBucket(args.resources, cfg.originalsMatch);
    const derivatives = findBucket(args.resources, cfg.derivativesMatch);
    // One of each per region: home, and each replica region (`replicaRegions`).
    if (originals.length === 0 || derivatives.length === 0 || originals.length !== derivatives.length) {
      report(
        `expected an originals and a derivatives bucket per region (names containing "${cfg.originalsMatch}" and ` +
          `"${cfg.derivativesMatch}"), found ${originals.length} and ${derivatives.length}: ` +
          'name the buckets so, or set originalsMatch/derivativesMatch.',
      );
      return;
    }
    const o = originals.map(bucketArn);
    const d = derivatives.map(bucketArn);
    const required: [string, string][] = [
      ...o.map((arn): [string, string] => ['s3:GetObject', `${arn}/*`]),
      ...d.map((arn): [string, string] => ['s3:PutObject', `${arn}/*`]),
    ];
    const allowed: [string, string][] = [
      ...required,
      ...(cfg.allowListOriginals ? o.map((arn): [string, string] => ['s3:ListBucket', arn]) : []),
    ];
    const expectation = `grant only s3:GetObject on ${o.map((arn) => `${arn}/*`).join(', ')} and s3:PutObject on ${d.map((arn) => `${arn}/*`).join(', ')}`;
    const roles = ofType(args.resources, RESOURCE_TYPES.role);
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

/**
 * The role S3 Replication assumes, by what its replication configuration replicates: S3's documented
 * minimum ("Setting up permissions for live replication", S3 User Guide, step 2).
 */
const REPLICATION_GRANTS = {
  sourceBucket: ['s3:GetReplicationConfiguration', 's3:ListBucket'],
  sourceObjects: [
    's3:GetObjectVersionForReplication',
    's3:GetObjectVersionAcl',
    's3:GetObjectVersionTagging',
  ],
  destinationObjects: ['s3:ReplicateObject', 's3:ReplicateDelete', 's3:ReplicateTags'],
} as const;

export const iamReplicationRoleLeastPrivilege: StackValidationPolicy = {
  name: 'iam-replication-role-least-privilege',
  description:
    "A bucket replication configuration replicates a bucket of this stack to buckets of this stack, with a role of this stack that trusts only s3.amazonaws.com and may only read the source's versions and replicate to those destinations.",
  enforcementLevel: 'mandatory',
  validateStack: reportingUnknowns((args: StackValidationArgs, report: ReportViolation) => {
    const buckets = ofType(args.resources, ...BUCKET_TYPES);
    const roles = ofType(args.resources, RESOURCE_TYPES.role);
    for (const config of ofType(args.resources, RESOURCE_TYPES.bucketReplicationConfig)) {
      const source = bucketOf(config, buckets);
      if (!source) {
        report(
          'replicates a bucket that is not in this stack: replicate only buckets this stack creates.',
          config.urn,
        );
        continue;
      }
      const destinations = asArray(config.props.rules).map((rule) =>
        String(asRecord(asRecord(rule).destination).bucket ?? ''),
      );
      const ours = new Set(buckets.map(bucketArn));
      for (const destination of destinations.filter((arn) => !ours.has(normaliseArn(arn))))
        report(
          `replicates to "${destination}", which is not a bucket of this stack: replicate only to this stack's buckets.`,
          config.urn,
        );
      const role = roleOf(config, roles);
      if (!role) {
        report('its role is not a role in this stack: create the replication role here.', config.urn);
        continue;
      }
      const others = parsePolicyDocument(role.props.assumeRolePolicy)
        .filter((statement) => statement.effect === 'Allow')
        .flatMap((statement) => [
          ...(statement.principals?.service ?? []).filter((service) => service !== 's3.amazonaws.com'),
          ...(statement.principals?.aws ?? []),
          ...(statement.principals?.federated ?? []),
        ]);
      for (const other of others)
        report(
          `replication role "${role.name}" also trusts "${other}": trust only s3.amazonaws.com.`,
          role.urn,
        );
      const sourceArn = bucketArn(source);
      const allowed: [string, string][] = [
        ...REPLICATION_GRANTS.sourceBucket.map((action): [string, string] => [action, sourceArn]),
        ...REPLICATION_GRANTS.sourceObjects.map((action): [string, string] => [action, `${sourceArn}/*`]),
        ...destinations.flatMap((arn) =>
          REPLICATION_GRANTS.destinationObjects.map((action): [string, string] => [
            action,
            `${normaliseArn(arn)}/*`,
          ]),
        ),
      ];
      for (const { statement } of roleStatements(role, args.resources)) {
        if (statement.effect !== 'Allow') continue;
        for (const action of statement.actions)
          for (const resource of statement.resources) {
            const ok = allowed.some(
              ([a, r]) => a.toLowerCase() === action.toLowerCase() && r === normaliseArn(resource),
            );
            if (!ok)
              report(
                `replication role "${role.name}" grants ${action} on ${resource}: grant only S3 Replication's ` +
                  `actions, on ${sourceArn}, its objects, and the destinations' objects.`,
                role.urn,
              );
          }
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
    const roles = ofType(args.resources, RESOURCE_TYPES.role);
    for (const fn of ofType(args.resources, RESOURCE_TYPES.lambdaFunction)) {
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
    for (const role of ofType(args.resources, RESOURCE_TYPES.role)) {
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

export const iamPolicies: Policy[] = [
  iamNoWildcardActions,
  iamNoWildcardResources,
  iamNoNotActionOrNotResource,
  iamNoBroadManagedPolicies,
  iamNoPrivilegeEscalation,
  iamTrustNoWildcardPrincipal,
  iamTrustCrossAccountCondition,
  iamLambdaRoleTrust,
  iamNoUserPolicies,
  iamEdgeRoleExactS3Access,
  iamReplicationRoleLeastPrivilege,
  iamLambdaTrustMatchesFunction,
  iamRoleNoSplitPrivilegeEscalation,
];
