// Validates raw config strings against the schema and the rules between keys, and builds the typed config.
// Defaults and bounds come from schema.ts; a default that depends on other keys is derived from them here,
// so changing one key never makes a key the user did not set invalid. Every error names a key the user set.
import { parseRenditions } from '../../functions/batch/batch-config';
import type { QueryRules } from '../../functions/core/rules';
import type { TransformSettings } from '../../functions/transform/settings';
import { LOG_RETENTION_DAYS, PRICE_CLASSES, type PriceClass } from '../limits';
import { parsePresets } from './presets';
import {
  CONFIG_NAMESPACE,
  CONFIG_SCHEMA,
  type ConfigKey,
  type IntegerKey,
  type IntegerListKey,
  type StringListKey,
} from './schema';

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
  /** CloudWatch namespace of the handlers' Embedded Metric Format metrics. */
  readonly metricsNamespace: string;
  /** CloudFront's additional (billed) metrics are on. */
  readonly additionalMetrics: boolean;
  readonly alarms: {
    /** Subscribed to every alarm topic; '' for none. */
    readonly email: string;
    /** An existing topic for the alarms of its region. */
    readonly topicArn?: string;
    readonly errorRatePercent: number;
  };
  readonly s3TimeoutMs: number;
  readonly edge: {
    readonly memoryMb: number;
    readonly timeoutSeconds: number;
    readonly logRegions: readonly string[];
  };
  readonly logRetentionDays: number;
  readonly buckets: {
    readonly derivativesExpirationDays: number;
    readonly originalsVersioning: boolean;
    readonly forceDestroy: boolean;
    /** An existing bucket to read originals from, instead of creating one. */
    readonly existingOriginals?: string;
  };
  /** Other regions holding a replica of the originals and a derivatives bucket; [] for one region. */
  readonly replicas: {
    readonly regions: readonly string[];
    readonly replicationTimeControl: boolean;
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

/** A key's value as a program gives it to ImageCdn (typed) or as the stack stores it (a string). */
export type ConfigValue = string | number | boolean | readonly string[] | readonly number[];

/**
 * Where values come from: the Pulumi config in a deployment (strings), ImageCdn's args (typed values), a
 * plain map in tests. Typed values are read as the strings the stack would hold, by the same rules.
 */
export type RawConfig = (key: ConfigKey) => ConfigValue | undefined;

export interface StackContext {
  readonly project: string;
  readonly stack: string;
  readonly region: string | undefined;
  readonly awsProfile?: string;
}

const REGION_PATTERN = /^[a-z]{2}(-[a-z]+)+-\d$/;

/**
 * Most replica regions a stack may list. Each adds two buckets and a replication rule, billed per GB
 * replicated; five already cover every continent with a regional edge cache.
 */
export const MAX_REPLICA_REGIONS = 5;

/** An S3 bucket name ("General purpose bucket naming rules", S3 User Guide): 3–63 of a-z, 0-9, `.`, `-`. */
const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/** Widths of the default batch renditions, before maxWidth and allowedWidths shape them. */
const DEFAULT_RENDITION_WIDTHS = [320, 640, 1280];

/**
 * The default batch renditions for `rules`: each width capped at maxWidth and rounded up to the allowed
 * widths (or down to the largest one), so they are valid whatever the user set.
 */
export function defaultRenditions(rules: QueryRules): string[] {
  const allowed = rules.allowedWidths;
  const widths = DEFAULT_RENDITION_WIDTHS.map((width) => {
    const capped = Math.min(width, rules.maxWidth);
    if (allowed.length === 0) return capped;
    return allowed.find((candidate) => candidate >= capped) ?? allowed[allowed.length - 1]!;
  });
  return [...new Set(widths)].map((width) => `width=${width}&format=webp`);
}

/** Validates every key and builds the typed config. Throws a ConfigError naming the first bad key. */
export function parseConfig(raw: RawConfig, context: StackContext): CdnConfig {
  const r = new Reader(raw);
  if (context.region === undefined || !REGION_PATTERN.test(context.region))
    throw new ConfigError('aws:region', `must be set to an AWS region code, got ${String(context.region)}`);
  const region = context.region;

  const maxWidth = r.int('maxWidth');
  const maxHeight = r.int('maxHeight');
  const maxPixels = r.optionalInt('maxPixels') ?? maxWidth * maxHeight;
  if (maxPixels > maxWidth * maxHeight)
    throw r.error(
      'maxPixels',
      `must be at most maxWidth x maxHeight (${maxWidth * maxHeight}), got ${maxPixels}: lower it, raise maxWidth/maxHeight, or unset it to follow them`,
    );
  // Each allowed width is at most maxWidth, a bound set by another key: say which.
  const allowedWidths = [...new Set(r.intArray('allowedWidths', maxWidth))].sort((a, b) => a - b);
  const baseRules: QueryRules = {
    maxWidth,
    maxHeight,
    maxPixels,
    allowedWidths,
    maxDpr: r.int('maxDpr'),
    enableAvif: r.bool('enableAvif'),
    defaultQuality: {
      avif: r.int('qualityAvif'),
      webp: r.int('qualityWebp'),
      jpeg: r.int('qualityJpeg'),
    },
    maxKeyBytes: r.int('maxKeyBytes'),
  };
  // Presets are parsed with the rules above, then join them: a request and a batch rendition may name one.
  const presetText = r.string('presets');
  const presets =
    presetText === '' ? {} : parsePresets(presetText, baseRules, (reason) => r.error('presets', reason));
  const rules: QueryRules = Object.keys(presets).length > 0 ? { ...baseRules, presets } : baseRules;

  const background = r.string('background');
  if (!/^#[0-9a-fA-F]{6}$/.test(background)) throw r.error('background', 'must be a #rrggbb colour');
  const inputPixelLimit = r.optionalInt('inputPixelLimit') ?? Math.max(50_000_000, maxPixels);
  if (inputPixelLimit < maxPixels)
    throw r.error(
      'inputPixelLimit',
      `must be at least maxPixels (${maxPixels}), got ${inputPixelLimit}: raise it or unset it`,
    );

  const edgeTimeoutSeconds = r.int('edgeTimeoutSeconds');
  const batchTimeoutSeconds = r.int('batchTimeoutSeconds');
  const transformTimeoutSeconds =
    r.optionalInt('transformTimeoutSeconds') ??
    Math.max(1, Math.min(edgeTimeoutSeconds, batchTimeoutSeconds) - 10);
  if (transformTimeoutSeconds >= edgeTimeoutSeconds)
    throw r.error(
      'transformTimeoutSeconds',
      `must be below edgeTimeoutSeconds (${edgeTimeoutSeconds} s) so the handler can still answer: lower it or unset it`,
    );
  if (transformTimeoutSeconds >= batchTimeoutSeconds)
    throw r.error(
      'transformTimeoutSeconds',
      `must be below batchTimeoutSeconds (${batchTimeoutSeconds} s): lower it or unset it`,
    );
  const s3TimeoutMs =
    r.optionalInt('s3TimeoutMs') ?? Math.min(5_000, Math.floor((edgeTimeoutSeconds * 1000) / 4));
  if (s3TimeoutMs >= edgeTimeoutSeconds * 1000)
    throw r.error(
      's3TimeoutMs',
      `must be below edgeTimeoutSeconds (${edgeTimeoutSeconds} s): lower it or unset it`,
    );

  const edgeTransform: TransformSettings = {
    inputPixelLimit,
    maxPixels,
    maxFrames: r.int('maxFrames'),
    maxAvifPixels: r.int('maxAvifPixels'),
    maxGifPixels: r.int('maxGifPixels'),
    allowSvg: r.bool('allowSvg'),
    background,
    effort: 'fast',
    timeoutSeconds: transformTimeoutSeconds,
  };

  const logRetentionDays = r.int('logRetentionDays');
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
  const existingOriginals = r.string('existingOriginalsBucket');
  if (existingOriginals !== '' && !BUCKET_NAME.test(existingOriginals))
    throw r.error('existingOriginalsBucket', 'must be an S3 bucket name (the bucket, not its ARN or domain)');
  const replicaRegions = r.stringArray('replicaRegions');
  for (const replicaRegion of replicaRegions) {
    if (!REGION_PATTERN.test(replicaRegion))
      throw r.error('replicaRegions', `"${replicaRegion}" is not a region code`);
    if (replicaRegion === region)
      throw r.error('replicaRegions', `${replicaRegion} is the home region (aws:region), not a replica`);
  }
  if (new Set(replicaRegions).size !== replicaRegions.length)
    throw r.error('replicaRegions', 'lists a region twice');
  if (replicaRegions.length > MAX_REPLICA_REGIONS)
    throw r.error('replicaRegions', `must list at most ${MAX_REPLICA_REGIONS} regions`);
  if (replicaRegions.length > 0 && existingOriginals !== '')
    throw r.error(
      'replicaRegions',
      "cannot replicate an existing originals bucket: its one replication configuration is its owner's (unset existingOriginalsBucket, or set up replication on that bucket yourself)",
    );
  const loggingBucket = r.string('loggingBucket');
  if (loggingBucket !== '' && !BUCKET_NAME.test(loggingBucket))
    throw r.error('loggingBucket', 'must be an S3 bucket name (the bucket, not its domain)');
  const originShieldRegion = r.bool('originShield') ? r.string('originShieldRegion') || region : undefined;
  if (originShieldRegion !== undefined && !REGION_PATTERN.test(originShieldRegion))
    throw r.error('originShieldRegion', `"${originShieldRegion}" is not a region code`);
  const webAclId = r.string('webAclId');

  // "Namespaces": 1–255 of letters, digits and . - _ / # : and space, at least one not a space; "AWS/" is
  // reserved for AWS services (Amazon CloudWatch User Guide, CloudWatch concepts).
  const metricsNamespace = r.string('metricsNamespace');
  if (
    !/^[0-9A-Za-z.\-_/#: ]{1,255}$/.test(metricsNamespace) ||
    metricsNamespace.trim() === '' ||
    metricsNamespace.startsWith('AWS/')
  )
    throw r.error(
      'metricsNamespace',
      'must be 1-255 letters, digits, spaces or . - _ / # :, and not start with AWS/',
    );

  const alarmEmail = r.string('alarmEmail');
  if (alarmEmail !== '' && !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(alarmEmail))
    throw r.error('alarmEmail', 'must be an email address (or empty for no subscription)');

  const alarmTopicArn = r.string('alarmTopicArn');
  if (
    alarmTopicArn !== '' &&
    !/^arn:aws:sns:[a-z]{2}(-[a-z]+)+-\d:\d{12}:[A-Za-z0-9_-]{1,256}$/.test(alarmTopicArn)
  )
    throw r.error('alarmTopicArn', 'must be an SNS topic ARN (arn:aws:sns:<region>:<account>:<name>)');

  const setRenditions = r.stringArray('batchRenditions');
  const renditions = setRenditions.length > 0 ? setRenditions : defaultRenditions(rules);
  try {
    // The batch resizer's own cold-start parser, so a rendition it would refuse (format=auto) fails here.
    parseRenditions(renditions, rules);
  } catch (error) {
    throw r.error('batchRenditions', (error as Error).message);
  }
  const suffixes = r.stringArray('batchSuffixes');
  if (suffixes.length === 0) throw r.error('batchSuffixes', 'must list at least one suffix');

  return {
    project: context.project,
    stack: context.stack,
    region,
    ...(context.awsProfile ? { awsProfile: context.awsProfile } : {}),
    rules,
    edgeTransform,
    batchTransform: { ...edgeTransform, effort: 'thorough' },
    cacheMaxAgeSeconds: r.int('cacheMaxAgeSeconds'),
    errorMaxAgeSeconds: r.int('errorMaxAgeSeconds'),
    metricsNamespace,
    additionalMetrics: r.bool('cloudfrontAdditionalMetrics'),
    alarms: {
      email: alarmEmail,
      errorRatePercent: r.int('alarmErrorRatePercent'),
      ...(alarmTopicArn ? { topicArn: alarmTopicArn } : {}),
    },
    s3TimeoutMs,
    edge: {
      memoryMb: r.int('edgeMemoryMb'),
      timeoutSeconds: edgeTimeoutSeconds,
      logRegions,
    },
    logRetentionDays,
    buckets: {
      derivativesExpirationDays: r.int('derivativesExpirationDays'),
      // S3 Replication requires versioning on the source bucket ("Requirements and considerations for
      // replication", S3 User Guide): replicas turn it on.
      originalsVersioning: r.bool('originalsVersioning') || replicaRegions.length > 0,
      forceDestroy: r.bool('forceDestroy'),
      ...(existingOriginals ? { existingOriginals } : {}),
    },
    replicas: { regions: replicaRegions, replicationTimeControl: r.bool('replicationTimeControl') },
    distribution: {
      priceClass: priceClass as PriceClass,
      aliases,
      ...(certificateArn ? { certificateArn } : {}),
      ...(loggingBucket ? { loggingBucket } : {}),
      ...(webAclId ? { webAclId } : {}),
      ...(originShieldRegion ? { originShieldRegion } : {}),
    },
    batch: {
      renditions,
      prefix: r.string('batchPrefix'),
      suffixes,
      memoryMb: r.int('batchMemoryMb'),
      timeoutSeconds: batchTimeoutSeconds,
      reservedConcurrency: r.int('batchReservedConcurrency'),
      maxRetryAttempts: r.int('batchMaxRetryAttempts'),
      maxEventAgeSeconds: r.int('batchMaxEventAgeSeconds'),
      failureQueueRetentionSeconds: r.int('failureQueueRetentionSeconds'),
    },
  };
}

/** Shortest signing secret accepted: 16 bytes of entropy is the least an HMAC key should have. */
export const MIN_SIGNING_SECRET_LENGTH = 16;

/**
 * Throws unless `secret` is empty (signing off), or long enough to be a real key and stored encrypted
 * (`encrypted`: whether the stack holds it as a secure value).
 */
export function validateSigningSecret(secret: string, encrypted = true): void {
  const key = `${CONFIG_NAMESPACE}:signingSecret`;
  if (secret === '') return;
  if (secret.length < MIN_SIGNING_SECRET_LENGTH)
    throw new ConfigError(
      key,
      `must be at least ${MIN_SIGNING_SECRET_LENGTH} characters (or unset to turn signed URLs off)`,
    );
  if (!encrypted)
    throw new ConfigError(
      key,
      `is stored in plaintext: set it again with \`pulumi config set --secret ${key} ...\``,
    );
}

/**
 * A stack's string as the value of the key's declared type (integer, boolean, JSON array or string), or a
 * ConfigError naming the key. The one type check: the Reader applies it before bounds and the rules
 * between keys, and the program applies it to turn the stack's strings into ImageCdn's typed args.
 */
export function typedConfigValue(key: ConfigKey, text: string): ConfigValue {
  const fail = (reason: string) => new ConfigError(`${CONFIG_NAMESPACE}:${key}`, reason);
  const declared = CONFIG_SCHEMA[key];
  switch (declared.type) {
    case 'integer': {
      const value = Number(text);
      if (!Number.isInteger(value)) throw fail(`must be an integer, got "${text}"`);
      return value;
    }
    case 'boolean':
      if (text !== 'true' && text !== 'false') throw fail(`must be true or false, got "${text}"`);
      return text === 'true';
    case 'array': {
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        throw fail(`must be a JSON array, got "${text}"`);
      }
      if (!Array.isArray(parsed)) throw fail(`must be an array, got "${text}"`);
      return parsed as string[];
    }
    case 'string':
      return text;
  }
}

/** Typed access to raw strings: defaults and bounds from the schema, errors that name the key. */
class Reader {
  constructor(private readonly raw: RawConfig) {}

  error(key: ConfigKey, reason: string): ConfigError {
    return new ConfigError(`${CONFIG_NAMESPACE}:${key}`, reason);
  }

  private value(key: ConfigKey): string | undefined {
    const value = this.raw(key);
    if (value === undefined || value === '') return undefined;
    return typeof value === 'string' ? value : JSON.stringify(value);
  }

  private parseInt(key: ConfigKey, declared: IntegerKey, text: string): number {
    const value = typedConfigValue(key, text) as number;
    if (value < declared.min || value > declared.max)
      throw this.error(key, `must be between ${declared.min} and ${declared.max}, got ${value}`);
    return value;
  }

  int(key: ConfigKey): number {
    const declared = CONFIG_SCHEMA[key] as IntegerKey;
    const text = this.value(key);
    return text === undefined ? declared.default : this.parseInt(key, declared, text);
  }

  /** A key whose default is derived from others: undefined when unset (or set to the 0 sentinel). */
  optionalInt(key: ConfigKey): number | undefined {
    const declared = CONFIG_SCHEMA[key] as IntegerKey;
    const text = this.value(key);
    if (text === undefined || Number(text) === declared.default) return undefined;
    return this.parseInt(key, declared, text);
  }

  bool(key: ConfigKey): boolean {
    const text = this.value(key);
    if (text === undefined) return CONFIG_SCHEMA[key].default as boolean;
    return typedConfigValue(key, text) as boolean;
  }

  string(key: ConfigKey): string {
    return this.value(key) ?? (CONFIG_SCHEMA[key].default as string);
  }

  private array(key: ConfigKey): unknown[] {
    const text = this.value(key);
    if (text === undefined) return [...(CONFIG_SCHEMA[key] as IntegerListKey | StringListKey).default];
    return [...(typedConfigValue(key, text) as unknown[])];
  }

  stringArray(key: ConfigKey): string[] {
    return this.array(key).map((item) => {
      if (typeof item !== 'string' || item === '') throw this.error(key, `items must be non-empty strings`);
      return item;
    });
  }

  intArray(key: ConfigKey, max?: number): number[] {
    const declared = CONFIG_SCHEMA[key] as IntegerListKey;
    const upper = Math.min(declared.max, max ?? declared.max);
    return this.array(key).map((item) => {
      if (typeof item !== 'number' || !Number.isInteger(item))
        throw this.error(key, `items must be integers, got ${JSON.stringify(item)}`);
      if (item < declared.min || item > upper)
        throw this.error(key, `items must be between ${declared.min} and ${upper}, got ${item}`);
      return item;
    });
  }
}
