// Mock resource states with honest ids and ARNs, so every value a rule reads is known: a bucket's id is its
// name and its ARN arn:aws:s3:::<name>, a function's ARN carries its provider's region and a numbered
// version only when it publishes, and so on. Anything not listed echoes its inputs with id = name.
import { createHash, randomBytes } from 'node:crypto';

export const ACCOUNT_ID = '123456789012';

export interface MockState {
  id: string;
  state: Record<string, unknown>;
}

const str = (v: unknown, fallback: string) => (typeof v === 'string' && v !== '' ? v : fallback);

/** A UUID-shaped id (8-4-4-4-12 hex) derived from `name`, for resources AWS names by a UUID. */
export function uuidFrom(name: string): string {
  const hex = createHash('sha256').update(name).digest('hex');
  return [hex.slice(0, 8), hex.slice(8, 12), hex.slice(12, 16), hex.slice(16, 20), hex.slice(20, 32)].join(
    '-',
  );
}

/**
 * The state of an existing resource a program reads (`Bucket.get(name, id)`): what the provider would
 * read from AWS, known only for the types a program of this project reads. Anything else is refused, so a
 * read the mocks cannot answer fails loudly instead of inventing a state.
 */
export function mockRead(type: string, name: string, id: string, region: string): MockState {
  if (type === 'aws:s3/bucket:Bucket' || type === 'aws:s3/bucketV2:BucketV2')
    return mockResource(type, name, { bucket: id }, region);
  throw new Error(`no mock for reading an existing ${type} (${id})`);
}

export function mockResource(
  type: string,
  name: string,
  inputs: Record<string, unknown>,
  region: string,
): MockState {
  switch (type) {
    case 'aws:s3/bucket:Bucket':
    case 'aws:s3/bucketV2:BucketV2': {
      const bucket = str(inputs.bucket, name);
      return {
        id: bucket,
        state: {
          ...inputs,
          bucket,
          arn: `arn:aws:s3:::${bucket}`,
          bucketDomainName: `${bucket}.s3.amazonaws.com`,
          bucketRegionalDomainName: `${bucket}.s3.${region}.amazonaws.com`,
          region,
        },
      };
    }
    case 'aws:lambda/function:Function': {
      const fn = str(inputs.name, name);
      const arn = `arn:aws:lambda:${region}:${ACCOUNT_ID}:function:${fn}`;
      const version = inputs.publish === true ? '1' : '$LATEST';
      return {
        id: fn,
        state: {
          ...inputs,
          name: fn,
          arn,
          version,
          qualifiedArn: `${arn}:${version}`,
          invokeArn: `${arn}/invocations`,
        },
      };
    }
    case 'aws:lambda/layerVersion:LayerVersion': {
      const layerArn = `arn:aws:lambda:${region}:${ACCOUNT_ID}:layer:${str(inputs.layerName, name)}`;
      return { id: `${layerArn}:1`, state: { ...inputs, layerArn, arn: `${layerArn}:1`, version: '1' } };
    }
    case 'aws:iam/role:Role': {
      const role = str(inputs.name, name);
      return { id: role, state: { ...inputs, name: role, arn: `arn:aws:iam::${ACCOUNT_ID}:role/${role}` } };
    }
    case 'aws:iam/policy:Policy': {
      const policy = str(inputs.name, name);
      const arn = `arn:aws:iam::${ACCOUNT_ID}:policy/${policy}`;
      return { id: arn, state: { ...inputs, name: policy, arn } };
    }
    case 'aws:sqs/queue:Queue': {
      const queue = str(inputs.name, name);
      const url = `https://sqs.${region}.amazonaws.com/${ACCOUNT_ID}/${queue}`;
      return {
        id: url,
        state: { ...inputs, name: queue, url, arn: `arn:aws:sqs:${region}:${ACCOUNT_ID}:${queue}` },
      };
    }
    case 'aws:sns/topic:Topic': {
      const topic = str(inputs.name, name);
      const arn = `arn:aws:sns:${region}:${ACCOUNT_ID}:${topic}`;
      return { id: arn, state: { ...inputs, name: topic, arn } };
    }
    case 'aws:cloudwatch/metricAlarm:MetricAlarm': {
      const alarm = str(inputs.name, name);
      return {
        id: alarm,
        state: { ...inputs, name: alarm, arn: `arn:aws:cloudwatch:${region}:${ACCOUNT_ID}:alarm:${alarm}` },
      };
    }
    case 'aws:cloudwatch/logGroup:LogGroup': {
      const group = str(inputs.name, name);
      return {
        id: group,
        state: { ...inputs, name: group, arn: `arn:aws:logs:${region}:${ACCOUNT_ID}:log-group:${group}` },
      };
    }
    case 'aws:cloudfront/distribution:Distribution': {
      const id = `E${name.replace(/[^a-z0-9]/gi, '').toUpperCase()}`;
      return {
        id,
        state: {
          ...inputs,
          arn: `arn:aws:cloudfront::${ACCOUNT_ID}:distribution/${id}`,
          domainName: `${id.toLowerCase()}.cloudfront.net`,
        },
      };
    }
    case 'aws:cloudfront/function:Function': {
      const fn = str(inputs.name, name);
      return { id: fn, state: { ...inputs, arn: `arn:aws:cloudfront::${ACCOUNT_ID}:function/${fn}` } };
    }
    case 'aws:cloudfront/responseHeadersPolicy:ResponseHeadersPolicy': {
      // CloudFront names a response headers policy by a UUID it assigns (the id a behaviour references)
      // and versions it by an ETag; the mock derives both from the name, so a run is reproducible.
      const id = uuidFrom(name);
      return { id, state: { ...inputs, etag: `E${id.slice(0, 13).replace(/-/g, '').toUpperCase()}` } };
    }
    case 'random:index/randomId:RandomId':
      return randomId(inputs);
    default:
      return { id: name, state: { ...inputs, arn: `arn:aws:mock:${region}:${ACCOUNT_ID}:${name}` } };
  }
}

/**
 * A RandomId as the random provider creates it: `byteLength` random bytes, as hex, base64 (standard and
 * URL-safe, the id) and decimal, each after `prefix` (pulumi-random RandomId docs).
 */
export function randomId(inputs: Record<string, unknown>): MockState {
  const bytes = randomBytes(Number(inputs.byteLength));
  const prefix = typeof inputs.prefix === 'string' ? inputs.prefix : '';
  const b64Url = prefix + bytes.toString('base64url');
  return {
    id: b64Url,
    state: {
      ...inputs,
      hex: prefix + bytes.toString('hex'),
      b64Url,
      b64Std: prefix + bytes.toString('base64'),
      dec: prefix + BigInt(`0x${bytes.toString('hex')}`).toString(),
    },
  };
}

interface PolicyDocumentStatementArgs {
  sid?: string;
  effect?: string;
  actions?: string[];
  notActions?: string[];
  resources?: string[];
  notResources?: string[];
  principals?: { type: string; identifiers: string[] }[];
  notPrincipals?: { type: string; identifiers: string[] }[];
  conditions?: { test: string; variable: string; values: string[] }[];
}

/** What aws.iam.getPolicyDocument returns, built the way the provider builds it. */
function policyDocument(inputs: { statements?: PolicyDocumentStatementArgs[] }): Record<string, unknown> {
  const Statement = (inputs.statements ?? []).map((s) => {
    const out: Record<string, unknown> = { Effect: s.effect ?? 'Allow' };
    if (s.sid) out.Sid = s.sid;
    if (s.actions) out.Action = s.actions;
    if (s.notActions) out.NotAction = s.notActions;
    if (s.resources) out.Resource = s.resources;
    if (s.notResources) out.NotResource = s.notResources;
    // Principal and NotPrincipal are rendered alike; leaving NotPrincipal out would turn an "everyone
    // except" grant into a statement with no principal, which no rule would flag.
    const render = (list: { type: string; identifiers: string[] }[]) => {
      const principal: Record<string, string[]> = {};
      for (const p of list) principal[p.type] = [...(principal[p.type] ?? []), ...p.identifiers];
      return principal['*'] ? '*' : principal;
    };
    if (s.principals) out.Principal = render(s.principals);
    if (s.notPrincipals) out.NotPrincipal = render(s.notPrincipals);
    if (s.conditions) {
      const condition: Record<string, Record<string, string[]>> = {};
      for (const c of s.conditions) condition[c.test] = { ...condition[c.test], [c.variable]: c.values };
      out.Condition = condition;
    }
    return out;
  });
  const json = JSON.stringify({ Version: '2012-10-17', Statement });
  return { id: 'mock', json, minifiedJson: json };
}

/**
 * AWS-managed policies the mocks can look up (aws.iam.getPolicy by name or ARN), with their path. The
 * statements are given where they are short enough to restate (from each policy's page in the AWS Managed
 * Policy Reference Guide); the others are looked up by ARN only.
 */
const AWS_MANAGED_POLICIES: Record<string, { path: string; statements?: Record<string, unknown>[] }> = {
  AdministratorAccess: { path: '/', statements: [{ Effect: 'Allow', Action: '*', Resource: '*' }] },
  PowerUserAccess: { path: '/' },
  ReadOnlyAccess: { path: '/' },
  ViewOnlyAccess: { path: '/job-function/' },
  SystemAdministrator: { path: '/job-function/' },
  DatabaseAdministrator: { path: '/job-function/' },
  NetworkAdministrator: { path: '/job-function/' },
  DataScientist: { path: '/job-function/' },
  SecurityAudit: { path: '/' },
  AWSSupportAccess: { path: '/' },
  IAMFullAccess: { path: '/' },
  IAMReadOnlyAccess: { path: '/' },
  AmazonS3FullAccess: {
    path: '/',
    statements: [{ Effect: 'Allow', Action: ['s3:*', 's3-object-lambda:*'], Resource: '*' }],
  },
  AmazonS3ReadOnlyAccess: {
    path: '/',
    statements: [
      {
        Effect: 'Allow',
        Action: ['s3:Get*', 's3:List*', 's3:Describe*', 's3-object-lambda:Get*', 's3-object-lambda:List*'],
        Resource: '*',
      },
    ],
  },
  AmazonSQSFullAccess: { path: '/' },
  AmazonSQSReadOnlyAccess: { path: '/' },
  AmazonDynamoDBReadOnlyAccess: { path: '/' },
  AmazonEC2ReadOnlyAccess: { path: '/' },
  CloudFrontFullAccess: { path: '/' },
  CloudFrontReadOnlyAccess: { path: '/' },
  CloudWatchFullAccess: { path: '/' },
  CloudWatchReadOnlyAccess: { path: '/' },
  CloudWatchLogsFullAccess: { path: '/' },
  CloudWatchLogsReadOnlyAccess: { path: '/' },
  SecretsManagerReadWrite: { path: '/' },
  AWSLambda_FullAccess: { path: '/' },
  AWSLambda_ReadOnlyAccess: { path: '/' },
  AWSLambdaExecute: { path: '/' },
  AWSLambdaRole: { path: '/service-role/' },
  AWSLambdaBasicExecutionRole: {
    path: '/service-role/',
    statements: [
      {
        Effect: 'Allow',
        Action: ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents'],
        Resource: '*',
      },
    ],
  },
  AWSLambdaVPCAccessExecutionRole: { path: '/service-role/' },
  AWSLambdaSQSQueueExecutionRole: { path: '/service-role/' },
  AWSXRayDaemonWriteAccess: { path: '/' },
  CloudWatchLambdaInsightsExecutionRolePolicy: { path: '/' },
};

/** aws.iam.getPolicy for an AWS-managed policy; anything else is refused rather than invented. */
function managedPolicy(inputs: { name?: string; arn?: string }): Record<string, unknown> {
  const name = inputs.name ?? /^arn:aws:iam::aws:policy\/(?:.*\/)?([^/]+)$/.exec(inputs.arn ?? '')?.[1];
  const known = name === undefined ? undefined : AWS_MANAGED_POLICIES[name];
  if (name === undefined || known === undefined) {
    throw new Error(
      `the offline checker cannot look up IAM policy ${JSON.stringify(inputs)}: it knows only the ` +
        'AWS-managed policies listed in policies/offline/mocks.ts; add it there, or reference the ' +
        "customer policy's aws.iam.Policy resource instead of looking it up",
    );
  }
  const arn = `arn:aws:iam::aws:policy${known.path}${name}`;
  return {
    id: arn,
    arn,
    name,
    path: known.path,
    policyId: `ANPAMOCK${name.toUpperCase().slice(0, 12)}`,
    description: `AWS-managed policy ${name}`,
    attachmentCount: 0,
    tags: {},
    ...(known.statements
      ? { policy: JSON.stringify({ Version: '2012-10-17', Statement: known.statements }) }
      : {}),
  };
}

export function mockCall(
  token: string,
  inputs: Record<string, unknown>,
  region: string,
): Record<string, unknown> {
  switch (token) {
    case 'aws:index/getCallerIdentity:getCallerIdentity':
      return {
        accountId: ACCOUNT_ID,
        arn: `arn:aws:iam::${ACCOUNT_ID}:user/ci`,
        userId: 'AIDAMOCK',
        id: ACCOUNT_ID,
      };
    case 'aws:index/getRegion:getRegion':
      return { id: region, name: region, region, endpoint: `ec2.${region}.amazonaws.com` };
    case 'aws:index/getPartition:getPartition':
      return { id: 'aws', partition: 'aws', dnsSuffix: 'amazonaws.com', reverseDnsPrefix: 'com.amazonaws' };
    case 'aws:iam/getPolicy:getPolicy':
      return managedPolicy(inputs as { name?: string; arn?: string });
    case 'aws:iam/getPolicyDocument:getPolicyDocument':
      return policyDocument(inputs as { statements?: PolicyDocumentStatementArgs[] });
    default:
      throw new Error(
        `the offline checker has no mock for invoke ${token}: add one to policies/offline/mocks.ts`,
      );
  }
}
