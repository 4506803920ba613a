import * as pulumi from '@pulumi/pulumi';
import { MAX_ORIGINAL_KEY_BYTES } from '../functions/core/key';
import { DEFAULT_RULES, type QueryRules } from '../functions/core/rules';
import { DEFAULT_TRANSFORM_SETTINGS, type TransformSettings } from '../functions/transform/settings';
import { parseRenditions } from '../functions/batch/config';
import {
  ASYNC_INVOKE_LIMITS,
  LAMBDA_LIMITS,
  LOG_RETENTION_DAYS,
  MAX_OUTPUT_SIDE,
  ORIGIN_EVENT_LIMITS,
  PRICE_CLASSES,
  REGIONAL_EDGE_CACHE_REGIONS,
  SQS_RETENTION_LIMITS,
  type PriceClass,
} from './limits';

/** Original suffixes that trigger the batch resizer by default: every input format it accepts. */
export const DEFAULT_BATCH_SUFFIXES: readonly string[] = [
  '.jpg',
  '.jpeg',
  '.png',
  '.webp',
  '.gif',
  '.avif',
  '.tif',
  '.tiff',
];

/** Config namespace of this project's keys (`image-cdn:<key>`). */
export const CONFIG_NAMESPACE = 'image-cdn';

/**
 * Every project key with its default. `Pulumi.yaml` declares the same keys with the same defaults
 * (a test keeps them equal), and the query/transform defaults equal DEFAULT_RULES and
 * DEFAULT_TRANSFORM_SETTINGS.
 */
export const CONFIG_DEFAULTS = {
  maxWidth: DEFAULT_RULES.maxWidth,
  maxHeight: DEFAULT_RULES.maxHeight,
  maxPixels: DEFAULT_RULES.maxPixels,
  allowedWidths: [...DEFAULT_RULES.allowedWidths] as number[],
  maxDpr: DEFAULT_RULES.maxDpr,
  enableAvif: DEFAULT_RULES.enableAvif,
  qualityAvif: DEFAULT_RULES.defaultQuality.avif,
  qualityWebp: DEFAULT_RULES.defaultQuality.webp,
  qualityJpeg: DEFAULT_RULES.defaultQuality.jpeg,
  maxKeyBytes: DEFAULT_RULES.maxKeyBytes,
  inputPixelLimit: DEFAULT_TRANSFORM_SETTINGS.inputPixelLimit,
  maxFrames: DEFAULT_TRANSFORM_SETTINGS.maxFrames,
  allowSvg: DEFAULT_TRANSFORM_SETTINGS.allowSvg,
  background: DEFAULT_TRANSFORM_SETTINGS.background,
  transformTimeoutSeconds: DEFAULT_TRANSFORM_SETTINGS.timeoutSeconds ?? 20,
  cacheMaxAgeSeconds: 31_536_000,
  errorMaxAgeSeconds: 60,
  s3TimeoutMs: 5_000,
  edgeMemoryMb: 2_048,
  edgeTimeoutSeconds: 30,
  edgeListOriginals: true,
  edgeLogRegions: [...REGIONAL_EDGE_CACHE_REGIONS] as string[],
  logRetentionDays: 30,
  derivativesExpirationDays: 90,
  originalsVersioning: false,
  forceDestroy: false,
  priceClass: 'PriceClass_100' as string,
  aliases: [] as string[],
  certificateArn: '',
  loggingBucket: '',
  webAclId: '',
  originShield: false,
  originShieldRegion: '',
  batchRenditions: ['width=320&format=webp', 'width=640&format=webp', 'width=1280&format=webp'] as string[],
  batchPrefix: '',
  batchSuffixes: [...DEFAULT_BATCH_SUFFIXES] as string[],
  batchMemoryMb: 2_048,
  batchTimeoutSeconds: 120,
  batchReservedConcurrency: 10,
  batchMaxRetryAttempts: 2,
  batchMaxEventAgeSeconds: 3_600,
  failureQueueRetentionSeconds: 1_209_600,
  signingSecret: '',
} as const;

export type ConfigKey = keyof typeof CONFIG_DEFAULTS;

/** The stack's validated configuration, read once. */
export interface CdnConfig {
  readonly project: string;
  readonly stack: string;
  /** Home region: buckets, batch resizer, and the Origin Shield default. */
  readonly region: string;
  /** `aws:profile`, copied onto the explicit providers (they do not read `aws:` stack config). */
  readonly awsProfile?: string;
  readonly rules: QueryRules;
  /** Settings of the on-demand (edge) transform: `effort: 'fast'`. */
  readonly edgeTransform: TransformSettings;
  /** Settings of the batch transform: `effort: 'thorough'` (nobody waits on it). */
  readonly batchTransform: TransformSettings;
  readonly cacheMaxAgeSeconds: number;
  readonly errorMaxAgeSeconds: number;
  readonly s3TimeoutMs: number;
  readonly edge: {
    readonly memoryMb: number;
    readonly timeoutSeconds: number;
    readonly listOriginals: boolean;
    readonly logRegions: readonly string[];
  };
  readonly logRetentionDays: number;
  readonly buckets: {
    readonly derivativesExpirationDays: number;
    readonly originalsVersioning: boolean;
    readonly forceDestroy: boolean;
  };
  readonly distribution: {
    readonly priceClass: PriceClass;
    readonly aliases: readonly string[];
    readonly certificateArn?: string;
    readonly loggingBucket?: string;
    readonly webAclId?: string;
    /** Origin Shield region, or undefined when Origin Shield is off. */
    readonly originShieldRegion?: string;
  };
  readonly batch: {
    readonly renditions: readonly string[];
    readonly prefix: string;
    readonly suffixes: readonly string[];
    readonly memoryMb: number;
    readonly timeoutSeconds: number;
    readonly reservedConcurrency: number;
    readonly maxRetryAttempts: number;
    readonly maxEventAgeSeconds: number;
    readonly failureQueueRetentionSeconds: number;
  };
}

/** Thrown for any invalid key; the message starts with the fully qualified key. */
export class ConfigError extends Error {
  constructor(
    readonly key: string,
    reason: string,
  ) {
    super(`${key}: ${reason}`);
    this.name = 'ConfigError';
  }
}

/** Where raw values come from: the Pulumi config in a deployment, a plain map in tests. */
export type RawConfig = (key: ConfigKey) => string | undefined;

export interface StackContext {
  readonly project: string;
  readonly stack: string;
  readonly region: string | undefined;
  readonly awsProfile?: string;
}

const REGION_PATTERN = /^[a-z]{2}(-[a-z]+)+-\d$/;

/** Validates every key and builds the typed config. Throws a ConfigError naming the first bad key. */
export function parseConfig(raw: RawConfig, context: StackContext): CdnConfig {
  const r = new Reader(raw);
  if (context.region === undefined || !REGION_PATTERN.test(context.region))
    throw new ConfigError('aws:region', `must be set to an AWS region code, got ${String(context.region)}`);
  const region = context.region;

  const maxWidth = r.int('maxWidth', 1, MAX_OUTPUT_SIDE);
  const maxHeight = r.int('maxHeight', 1, MAX_OUTPUT_SIDE);
  const maxPixels = r.int('maxPixels', 1, maxWidth * maxHeight);
  const allowedWidths = [...new Set(r.intArray('allowedWidths', 1, maxWidth))].sort((a, b) => a - b);
  const rules: QueryRules = {
    maxWidth,
    maxHeight,
    maxPixels,
    allowedWidths,
    maxDpr: r.int('maxDpr', 1, 5),
    enableAvif: r.bool('enableAvif'),
    defaultQuality: {
      avif: r.int('qualityAvif', 1, 100),
      webp: r.int('qualityWebp', 1, 100),
      jpeg: r.int('qualityJpeg', 1, 100),
    },
    maxKeyBytes: r.int('maxKeyBytes', 1, MAX_ORIGINAL_KEY_BYTES),
  };
  const background = r.string('background');
  if (!/^#[0-9a-fA-F]{6}$/.test(background)) throw r.error('background', 'must be a #rrggbb colour');
  const edgeTransform: TransformSettings = {
    inputPixelLimit: r.int('inputPixelLimit', maxPixels, 1_000_000_000),
    maxPixels,
    maxFrames: r.int('maxFrames', 1, 10_000),
    allowSvg: r.bool('allowSvg'),
    background,
    effort: 'fast',
    timeoutSeconds: r.int('transformTimeoutSeconds', 1, LAMBDA_LIMITS.maxTimeoutSeconds),
  };

  const logRetentionDays = r.int('logRetentionDays', 1, 3653);
  if (!LOG_RETENTION_DAYS.includes(logRetentionDays))
    throw r.error('logRetentionDays', `must be one of ${LOG_RETENTION_DAYS.join(', ')}`);

  const logRegions = [...new Set(r.stringArray('edgeLogRegions'))];
  if (logRegions.length === 0) throw r.error('edgeLogRegions', 'must list at least one region');
  for (const logRegion of logRegions)
    if (!REGION_PATTERN.test(logRegion))
      throw r.error('edgeLogRegions', `"${logRegion}" is not a region code`);

  const priceClass = r.string('priceClass');
  if (!(PRICE_CLASSES as readonly string[]).includes(priceClass))
    throw r.error('priceClass', `must be one of ${PRICE_CLASSES.join(', ')}, got "${priceClass}"`);
  const aliases = r.stringArray('aliases');
  const certificateArn = r.string('certificateArn');
  if (aliases.length > 0 && certificateArn === '')
    throw r.error('certificateArn', 'must be set when aliases are set (an ACM certificate in us-east-1)');
  if (certificateArn !== '' && aliases.length === 0)
    throw r.error('aliases', 'must be set when certificateArn is set');
  if (certificateArn !== '' && !/^arn:aws:acm:us-east-1:\d{12}:certificate\/[\w-]+$/.test(certificateArn))
    throw r.error(
      'certificateArn',
      'must be an ACM certificate ARN in us-east-1 (CloudFront only reads those)',
    );
  for (const alias of aliases)
    if (!/^(\*\.)?([a-z0-9]([a-z0-9-]*[a-z0-9])?\.)+[a-z]{2,}$/.test(alias))
      throw r.error('aliases', `"${alias}" is not a lowercase domain name`);
  const loggingBucket = r.string('loggingBucket');
  if (loggingBucket !== '' && !/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(loggingBucket))
    throw r.error('loggingBucket', 'must be an S3 bucket name (the bucket, not its domain)');
  const originShieldRegion = r.bool('originShield') ? r.string('originShieldRegion') || region : undefined;
  if (originShieldRegion !== undefined && !REGION_PATTERN.test(originShieldRegion))
    throw r.error('originShieldRegion', `"${originShieldRegion}" is not a region code`);

  const renditions = r.stringArray('batchRenditions');
  for (const rendition of renditions) {
    if (rendition.includes(';')) throw r.error('batchRenditions', `"${rendition}" must not contain ";"`);
  }
  try {
    // The batch resizer's own cold-start parser, so a rendition it would refuse (format=auto) fails here.
    parseRenditions(renditions.join(';'), rules);
  } catch (error) {
    throw r.error('batchRenditions', (error as Error).message);
  }
  const suffixes = r.stringArray('batchSuffixes');
  if (suffixes.length === 0) throw r.error('batchSuffixes', 'must list at least one suffix');

  const config: CdnConfig = {
    project: context.project,
    stack: context.stack,
    region,
    ...(context.awsProfile ? { awsProfile: context.awsProfile } : {}),
    rules,
    edgeTransform,
    batchTransform: { ...edgeTransform, effort: 'thorough' },
    cacheMaxAgeSeconds: r.int('cacheMaxAgeSeconds', 1, 31_536_000),
    errorMaxAgeSeconds: r.int('errorMaxAgeSeconds', 0, 86_400),
    s3TimeoutMs: r.int('s3TimeoutMs', 100, 10_000),
    edge: {
      memoryMb: r.int('edgeMemoryMb', ORIGIN_EVENT_LIMITS.minMemoryMb, ORIGIN_EVENT_LIMITS.maxMemoryMb),
      timeoutSeconds: r.int('edgeTimeoutSeconds', 1, ORIGIN_EVENT_LIMITS.maxTimeoutSeconds),
      listOriginals: r.bool('edgeListOriginals'),
      logRegions,
    },
    logRetentionDays,
    buckets: {
      derivativesExpirationDays: r.int('derivativesExpirationDays', 1, 36_500),
      originalsVersioning: r.bool('originalsVersioning'),
      forceDestroy: r.bool('forceDestroy'),
    },
    distribution: {
      priceClass: priceClass as PriceClass,
      aliases,
      ...(certificateArn ? { certificateArn } : {}),
      ...(loggingBucket ? { loggingBucket } : {}),
      ...(r.string('webAclId') ? { webAclId: r.string('webAclId') } : {}),
      ...(originShieldRegion ? { originShieldRegion } : {}),
    },
    batch: {
      renditions,
      prefix: r.string('batchPrefix'),
      suffixes,
      memoryMb: r.int('batchMemoryMb', LAMBDA_LIMITS.minMemoryMb, LAMBDA_LIMITS.maxMemoryMb),
      timeoutSeconds: r.int('batchTimeoutSeconds', 1, LAMBDA_LIMITS.maxTimeoutSeconds),
      reservedConcurrency: r.int('batchReservedConcurrency', 1, 1_000),
      maxRetryAttempts: r.int('batchMaxRetryAttempts', 0, ASYNC_INVOKE_LIMITS.maxRetryAttempts),
      maxEventAgeSeconds: r.int(
        'batchMaxEventAgeSeconds',
        ASYNC_INVOKE_LIMITS.minEventAgeSeconds,
        ASYNC_INVOKE_LIMITS.maxEventAgeSeconds,
      ),
      failureQueueRetentionSeconds: r.int(
        'failureQueueRetentionSeconds',
        SQS_RETENTION_LIMITS.min,
        SQS_RETENTION_LIMITS.max,
      ),
    },
  };
  const transformTimeout = edgeTransform.timeoutSeconds ?? 0;
  if (transformTimeout >= config.edge.timeoutSeconds)
    throw r.error(
      'transformTimeoutSeconds',
      `must be below edgeTimeoutSeconds (${config.edge.timeoutSeconds} s) so the handler can still answer`,
    );
  if (transformTimeout >= config.batch.timeoutSeconds)
    throw r.error(
      'transformTimeoutSeconds',
      `must be below batchTimeoutSeconds (${config.batch.timeoutSeconds} s)`,
    );
  if (config.s3TimeoutMs >= config.edge.timeoutSeconds * 1000)
    throw r.error('s3TimeoutMs', `must be below edgeTimeoutSeconds (${config.edge.timeoutSeconds} s)`);
  return config;
}

/** Reads the stack's config from Pulumi (once per program run) and validates it. */
export function loadConfig(): CdnConfig {
  const project = new pulumi.Config(CONFIG_NAMESPACE);
  const aws = new pulumi.Config('aws');
  const awsProfile = aws.get('profile');
  return parseConfig((key) => project.get(key), {
    project: pulumi.getProject(),
    stack: pulumi.getStack(),
    region: aws.get('region'),
    ...(awsProfile ? { awsProfile } : {}),
  });
}

/** Shortest signing secret accepted: 16 bytes of entropy is the least an HMAC key should have. */
export const MIN_SIGNING_SECRET_LENGTH = 16;

/** Throws unless `secret` is empty (signing off) or long enough to be a real key. */
export function validateSigningSecret(secret: string): void {
  if (secret !== '' && secret.length < MIN_SIGNING_SECRET_LENGTH) {
    throw new ConfigError(
      `${CONFIG_NAMESPACE}:signingSecret`,
      `must be at least ${MIN_SIGNING_SECRET_LENGTH} characters (or unset to turn signed URLs off)`,
    );
  }
}

/**
 * The signed-URL secret, read with `getSecret` so it stays encrypted in the state, and in the viewer
 * function code and edge config built from it. Empty when signed URLs are off.
 */
export function loadSigningSecret(): pulumi.Output<string> {
  const secret = new pulumi.Config(CONFIG_NAMESPACE).getSecret('signingSecret') ?? pulumi.secret('');
  return secret.apply((value) => {
    validateSigningSecret(value);
    return value;
  });
}

/** Typed access to raw strings, with defaults and errors that name the key. */
class Reader {
  constructor(private readonly raw: RawConfig) {}

  error(key: ConfigKey, reason: string): ConfigError {
    return new ConfigError(`${CONFIG_NAMESPACE}:${key}`, reason);
  }

  private value(key: ConfigKey): string | undefined {
    const value = this.raw(key);
    return value === undefined || value === '' ? undefined : value;
  }

  int(key: ConfigKey, min: number, max: number): number {
    const text = this.value(key);
    const value = text === undefined ? (CONFIG_DEFAULTS[key] as number) : Number(text);
    if (!Number.isInteger(value)) throw this.error(key, `must be an integer, got "${text}"`);
    if (value < min || value > max) throw this.error(key, `must be between ${min} and ${max}, got ${value}`);
    return value;
  }

  bool(key: ConfigKey): boolean {
    const text = this.value(key);
    if (text === undefined) return CONFIG_DEFAULTS[key] as boolean;
    if (text !== 'true' && text !== 'false') throw this.error(key, `must be true or false, got "${text}"`);
    return text === 'true';
  }

  string(key: ConfigKey): string {
    return this.value(key) ?? (CONFIG_DEFAULTS[key] as string);
  }

  private array(key: ConfigKey): unknown[] {
    const text = this.value(key);
    if (text === undefined) return [...(CONFIG_DEFAULTS[key] as readonly unknown[])];
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw this.error(key, `must be a JSON array, got "${text}"`);
    }
    if (!Array.isArray(parsed)) throw this.error(key, `must be an array, got "${text}"`);
    return parsed;
  }

  stringArray(key: ConfigKey): string[] {
    return this.array(key).map((item) => {
      if (typeof item !== 'string' || item === '') throw this.error(key, `items must be non-empty strings`);
      return item;
    });
  }

  intArray(key: ConfigKey, min: number, max: number): number[] {
    return this.array(key).map((item) => {
      if (typeof item !== 'number' || !Number.isInteger(item))
        throw this.error(key, `items must be integers, got ${JSON.stringify(item)}`);
      if (item < min || item > max)
        throw this.error(key, `items must be between ${min} and ${max}, got ${item}`);
      return item;
    });
  }
}
