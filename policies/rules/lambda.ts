// Lambda and Lambda@Edge. The edge rules are stack rules because "is an edge function" is a relation between
// a distribution and a function, which a resource rule (one resource at a time) cannot see. Edge rules that
// restate AWS's hard "Restrictions on Lambda@Edge" are mandatory: breaking one fails the deployment anyway.
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
  resourceMatches,
  resourceReachesPrefix,
  toArray,
} from '../lib/iam-document';
import { principalAccount } from '../lib/resource-policy';
import { BUCKET_TYPES, RESOURCE_TYPES } from '../lib/resource-types';
import {
  bucketArn,
  companionsOf,
  DEFAULT_EDGE_TAG,
  dependsThrough,
  edgeAssociations,
  edgeFunctions,
  notificationTargets,
  ofType,
  peek,
  regionOf,
  roleOf,
  roleStatements,
} from '../lib/stack-graph';
import { asArray, asRecord, configWithDefaults, Policy, reportingUnknowns, stringList } from '../lib/support';

const edgeTagProperty = {
  edgeTag: {
    type: 'string' as const,
    default: DEFAULT_EDGE_TAG,
    description:
      'A function tagged <edgeTag>: "true" is treated as an edge function even before it is associated.',
  },
};

function edgeRule(
  check: (
    fn: PolicyResource,
    all: PolicyResource[],
    report: (m: string) => void,
    cfg: Record<string, unknown>,
  ) => void,
  schema: { properties: Record<string, object> },
) {
  return reportingUnknowns((args: StackValidationArgs, report: ReportViolation) => {
    const cfg = configWithDefaults<Record<string, unknown>>(schema, args);
    for (const fn of edgeFunctions(args.resources, String(cfg.edgeTag))) {
      check(fn, args.resources, (m) => report(`edge function "${fn.name}": ${m}`, fn.urn), cfg);
    }
  });
}

const regionSchema = {
  properties: {
    ...edgeTagProperty,
    region: {
      type: 'string' as const,
      default: 'us-east-1',
      description: 'The only region Lambda@Edge accepts.',
    },
  },
};

export const lambdaEdgeInUsEast1: StackValidationPolicy = {
  name: 'lambda-edge-in-us-east-1',
  description: 'A Lambda@Edge function is created in us-east-1, through a provider pinned to that region.',
  enforcementLevel: 'mandatory',
  configSchema: regionSchema,
  validateStack: edgeRule((fn, _all, report, cfg) => {
    const region = regionOf(fn);
    if (region !== cfg.region) {
      report(
        `region is ${region === undefined ? 'not known' : `"${region}"`}: create it with an explicit ` +
          `aws.Provider whose region is "${String(cfg.region)}".`,
      );
    }
  }, regionSchema),
};

const publishedSchema = { properties: { ...edgeTagProperty } };

export const lambdaEdgePublishedVersion: StackValidationPolicy = {
  name: 'lambda-edge-published-version',
  description: 'A Lambda@Edge function publishes versions and is associated by a numbered version ARN.',
  enforcementLevel: 'mandatory',
  configSchema: publishedSchema,
  validateStack: edgeRule((fn, all, report) => {
    if (fn.props.publish !== true)
      report('publish is not true: set publish: true so each deploy has a version.');
    for (const a of edgeAssociations(fn, all)) {
      if (a.lambdaArn === undefined) {
        report(
          `the ${a.eventType} association ARN is unknown at preview: associate fn.qualifiedArn ` +
            '(a numbered version); `npm run policy:check` resolves it.',
        );
      } else if (!/:\d+$/.test(a.lambdaArn)) {
        report(
          `the ${a.eventType} association uses "${a.lambdaArn}": associate fn.qualifiedArn, a numbered version, ` +
            'not $LATEST, an alias or the unqualified ARN.',
        );
      }
    }
  }, publishedSchema),
};

const restrictionsSchema = {
  properties: {
    ...edgeTagProperty,
    maxOriginTimeoutSeconds: {
      type: 'integer' as const,
      default: 30,
      description: 'Timeout quota for origin-request/origin-response functions.',
    },
    maxViewerTimeoutSeconds: {
      type: 'integer' as const,
      default: 5,
      description: 'Timeout quota for viewer-request/viewer-response functions.',
    },
  },
};

/** Lambda's own default when `timeout` is not set. */
const DEFAULT_LAMBDA_TIMEOUT = 3;

export const lambdaEdgeRestrictions: StackValidationPolicy = {
  name: 'lambda-edge-restrictions',
  description:
    'A Lambda@Edge function has no environment, layers, VPC or DLQ, runs on x86_64, and fits the timeout.',
  enforcementLevel: 'mandatory',
  configSchema: restrictionsSchema,
  validateStack: edgeRule((fn, all, report, cfg) => {
    const p = fn.props;
    if (Object.keys(asRecord(asRecord(p.environment).variables)).length > 0) {
      report('has environment variables: bake configuration into the bundle instead.');
    }
    if (asArray(p.layers).length > 0) report('has layers: bundle dependencies into the package instead.');
    if (asArray(asRecord(p.vpcConfig).subnetIds).length > 0) report('has a VPC config: remove vpcConfig.');
    if (asRecord(p.deadLetterConfig).targetArn) report('has a dead-letter queue: remove deadLetterConfig.');
    const architectures = toArray(p.architectures);
    if (architectures.some((a) => a !== 'x86_64')) {
      report(`architectures is [${architectures.join(', ')}]: use ["x86_64"].`);
    }
    const timeout = typeof p.timeout === 'number' ? p.timeout : DEFAULT_LAMBDA_TIMEOUT;
    const events = edgeAssociations(fn, all).map((a) => a.eventType);
    const viewer = events.length > 0 && events.every((e) => e.startsWith('viewer-'));
    const limit = Number(viewer ? cfg.maxViewerTimeoutSeconds : cfg.maxOriginTimeoutSeconds);
    if (timeout > limit) {
      report(
        `timeout is ${timeout} s: set it to at most ${limit} s for ${viewer ? 'viewer' : 'origin'} events.`,
      );
    }
  }, restrictionsSchema),
};

export const DEFAULT_DEPRECATED_RUNTIMES = [
  'nodejs',
  'nodejs4.3',
  'nodejs6.10',
  'nodejs8.10',
  'nodejs10.x',
  'nodejs12.x',
  'nodejs14.x',
  'nodejs16.x',
  'nodejs18.x',
  'nodejs20.x',
  'python2.7',
  'python3.6',
  'python3.7',
  'python3.8',
  'python3.9',
  'python3.10',
];

const runtimeSchema = {
  properties: {
    ...edgeTagProperty,
    deprecatedRuntimes: stringList(
      DEFAULT_DEPRECATED_RUNTIMES,
      'Runtimes past their Lambda deprecation date (AWS Lambda runtimes page).',
    ),
  },
};

export const lambdaEdgeRuntime: StackValidationPolicy = {
  name: 'lambda-edge-runtime',
  description: 'A Lambda@Edge function uses a Node.js or Python runtime that is not deprecated.',
  enforcementLevel: 'advisory',
  configSchema: runtimeSchema,
  validateStack: edgeRule((fn, _all, report, cfg) => {
    const runtime = String(fn.props.runtime ?? '');
    const deprecated = cfg.deprecatedRuntimes as string[];
    if (!/^(nodejs\d+\.x|python3\.\d+)$/.test(runtime)) {
      report(`runtime "${runtime}" is not supported at the edge: use a current Node.js or Python runtime.`);
    } else if (deprecated.includes(runtime)) {
      report(`runtime "${runtime}" is deprecated: move to a current Node.js or Python runtime.`);
    }
  }, runtimeSchema),
};

function functionMatches(fn: PolicyResource, from: PolicyResource, property: string): boolean {
  if (dependsThrough(from, property, fn)) return true;
  const value = peek(() => from.props[property]);
  return (
    typeof value === 'string' &&
    [peek(() => fn.props.name), peek(() => fn.props.arn), peek(() => fn.props.id)].includes(value)
  );
}

const asyncSchema = {
  properties: {
    asyncPrincipals: stringList(
      ['s3.amazonaws.com', 'sns.amazonaws.com', 'events.amazonaws.com'],
      'Service principals that invoke a function asynchronously when granted lambda:InvokeFunction.',
    ),
  },
};

export const lambdaAsyncFailureHandling: StackValidationPolicy = {
  name: 'lambda-async-failure-handling',
  description:
    'An asynchronously invoked function has an event-invoke config and a DLQ or on-failure destination.',
  enforcementLevel: 'mandatory',
  configSchema: asyncSchema,
  validateStack: reportingUnknowns((args: StackValidationArgs, report: ReportViolation) => {
    const { asyncPrincipals } = configWithDefaults<{ asyncPrincipals: string[] }>(asyncSchema, args);
    const fns = ofType(args.resources, RESOURCE_TYPES.lambdaFunction);
    const invokedAsync = new Set<PolicyResource>();
    for (const n of ofType(args.resources, RESOURCE_TYPES.bucketNotification)) {
      for (const t of notificationTargets(n, fns)) if (t.fn) invokedAsync.add(t.fn);
    }
    for (const perm of ofType(args.resources, RESOURCE_TYPES.permission)) {
      if (!asyncPrincipals.includes(String(perm.props.principal).toLowerCase())) continue;
      for (const fn of fns) if (functionMatches(fn, perm, 'function')) invokedAsync.add(fn);
    }
    const configs = ofType(args.resources, RESOURCE_TYPES.eventInvokeConfig);
    for (const fn of invokedAsync) {
      const config = configs.find((c) => functionMatches(fn, c, 'functionName'));
      if (!config) {
        report(
          `function "${fn.name}" is invoked asynchronously without a FunctionEventInvokeConfig: add one with ` +
            'maximumRetryAttempts, maximumEventAgeInSeconds and an onFailure destination.',
          fn.urn,
        );
      }
      const onFailure = asRecord(asRecord(config?.props.destinationConfig).onFailure).destination;
      const dlq = asRecord(fn.props.deadLetterConfig).targetArn;
      if (!onFailure && !dlq) {
        report(
          `function "${fn.name}" is invoked asynchronously and drops failed events: set ` +
            'destinationConfig.onFailure.destination (e.g. an SQS queue) or deadLetterConfig.targetArn.',
          fn.urn,
        );
      }
    }
  }),
};

export const lambdaPermissionSourceRestricted: ResourceValidationPolicy = {
  name: 'lambda-permission-source-restricted',
  description: 'A lambda.Permission for a service principal names the source ARN and source account.',
  enforcementLevel: 'mandatory',
  validateResource: reportingUnknowns((args: ResourceValidationArgs, report: ReportViolation) => {
    if (args.type !== RESOURCE_TYPES.permission) return;
    const principal = String(args.props.principal);
    if (!principal.toLowerCase().endsWith('.amazonaws.com') || hasWildcard(principal)) return;
    const missing = ['sourceArn', 'sourceAccount'].filter((k) => !args.props[k]);
    if (missing.length > 0) {
      report(
        `permission for ${principal} has no ${missing.join(' or ')}: set sourceArn and sourceAccount so only ` +
          "this stack's resource can invoke the function.",
      );
    }
    const sourceArn = args.props.sourceArn;
    if (typeof sourceArn === 'string' && (isWildcardResource(sourceArn) || /^[*?]+$/.test(sourceArn))) {
      report(`permission for ${principal} has sourceArn "${sourceArn}", which names no resource: name one.`);
    }
  }),
};

const permissionSchema = {
  properties: {
    trustedAccounts: stringList([], 'Account ids that may be granted lambda:InvokeFunction.'),
  },
};

export const lambdaPermissionNoPublicOrCrossAccount: ResourceValidationPolicy = {
  name: 'lambda-permission-no-public-or-cross-account',
  description:
    'No lambda.Permission or layer permission grants "*" or another account, allows a wildcard action, ' +
    'or opens a function URL without authentication.',
  enforcementLevel: 'mandatory',
  configSchema: permissionSchema,
  validateResource: reportingUnknowns((args: ResourceValidationArgs, report: ReportViolation) => {
    if (args.type !== RESOURCE_TYPES.permission && args.type !== RESOURCE_TYPES.layerVersionPermission)
      return;
    const { trustedAccounts } = configWithDefaults<{ trustedAccounts: string[] }>(permissionSchema, args);
    const what = args.type === RESOURCE_TYPES.permission ? 'permission' : 'layer permission';
    const principal = String(args.props.principal ?? '');
    const account = principalAccount(principal);
    if (principal === '' || hasWildcard(principal)) {
      report(
        `${what} grants principal "${principal}" (everyone): grant the service that invokes the function, ` +
          'with sourceArn and sourceAccount.',
      );
    } else if (account !== undefined && !trustedAccounts.includes(account)) {
      report(
        `${what} grants account ${account} (${principal}): this program's functions are invoked only by ` +
          "this stack's services; remove the grant or add the account to trustedAccounts.",
      );
    } else if (!principal.toLowerCase().endsWith('.amazonaws.com') && account === undefined) {
      report(`${what} grants "${principal}", which is neither a service nor a trusted account: remove it.`);
    }
    const action = String(args.props.action ?? '');
    if (isServiceWildcard(action) || /^lambda:\*|\*$/i.test(action)) {
      report(`${what} allows action "${action}": grant only lambda:InvokeFunction.`);
    }
    if (String(args.props.functionUrlAuthType ?? '').toUpperCase() === 'NONE') {
      report(`${what} has functionUrlAuthType NONE, which lets anyone call the function URL: use AWS_IAM.`);
    }
  }),
};

export const lambdaFunctionUrlAuth: ResourceValidationPolicy = {
  name: 'lambda-function-url-auth',
  description: 'A Lambda function URL requires IAM authentication (authorizationType AWS_IAM), never NONE.',
  enforcementLevel: 'mandatory',
  validateResource: reportingUnknowns((args: ResourceValidationArgs, report: ReportViolation) => {
    if (args.type !== RESOURCE_TYPES.functionUrl) return;
    const type = String(args.props.authorizationType ?? '');
    if (type.toUpperCase() !== 'AWS_IAM') {
      report(
        `function URL authorizationType is "${type}", so anyone on the internet can invoke the function: ` +
          'set authorizationType to "AWS_IAM" (this program serves images through CloudFront only).',
      );
    }
  }),
};

const recursionSchema = {
  properties: {
    writeActions: stringList(
      ['s3:PutObject', 's3:DeleteObject', 's3:DeleteObjectVersion', 's3:RestoreObject', 's3:ReplicateObject'],
      'Actions that create S3 events, so may re-trigger a function subscribed to the bucket.',
    ),
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
    const fns = ofType(args.resources, RESOURCE_TYPES.lambdaFunction);
    const roles = ofType(args.resources, RESOURCE_TYPES.role);
    // One notification has a filter per suffix; the same finding is reported once.
    const reported = new Set<string>();
    const reportOnce = (message: string, urn: string) => {
      if (!reported.has(message)) report(message, urn);
      reported.add(message);
    };
    for (const n of ofType(args.resources, RESOURCE_TYPES.bucketNotification)) {
      const bucket = buckets.find((b) =>
        companionsOf(b, args.resources, RESOURCE_TYPES.bucketNotification).includes(n),
      );
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

export const lambdaPolicies: Policy[] = [
  lambdaPermissionSourceRestricted,
  lambdaPermissionNoPublicOrCrossAccount,
  lambdaFunctionUrlAuth,
  lambdaEdgeInUsEast1,
  lambdaEdgePublishedVersion,
  lambdaEdgeRestrictions,
  lambdaEdgeRuntime,
  lambdaAsyncFailureHandling,
  lambdaNoTriggerRecursion,
];
