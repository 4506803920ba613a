import { parseQuery, parseQueryString, type QueryValues } from '../core/params';
import { DEFAULT_RULES, type QueryRules } from '../core/rules';
import type { ResizeSpec } from '../core/spec';
import { isImageError } from '../core/errors';
import { DEFAULT_CACHE_MAX_AGE } from '../core/cache-control';
import { DEFAULT_TRANSFORM_SETTINGS, type TransformSettings } from '../transform/settings';

/**
 * The batch resizer's configuration, read once per container from the Lambda's environment. Every
 * problem is reported at cold start with a message naming the variable, never on the first event.
 */
export interface BatchConfig {
  /** The bucket whose uploads trigger the function; events for any other bucket are refused. */
  readonly originalsBucket: string;
  /** Where renditions are written; events for this bucket are refused (no recursion). */
  readonly derivedBucket: string;
  readonly renditions: readonly Rendition[];
  readonly rules: QueryRules;
  readonly transform: TransformSettings;
  /** `max-age` of the renditions it stores, in seconds (CACHE_MAX_AGE, the edge's `cacheMaxAge`). */
  readonly cacheMaxAge: number;
}

/** One entry of RENDITIONS: the request as the CDN would receive it. */
export interface Rendition {
  /** The query as written in RENDITIONS, e.g. `width=320&format=webp`. */
  readonly query: string;
  readonly values: QueryValues;
}

/** A configuration problem found at cold start. */
export class BatchConfigError extends Error {
  override readonly name = 'BatchConfigError';
}

/** Key used to validate renditions at cold start; a rendition's spec may depend on the original's format. */
const PROBE_KEYS = ['probe.jpg', 'probe.png', 'probe.gif', 'probe.webp'];

function hasAutoFormat(values: QueryValues): boolean {
  return Object.keys(values).some((name) => {
    const lower = name.toLowerCase();
    return (
      (lower === 'format' || lower === 'fm') &&
      (values[name] ?? []).some((value) => value.trim().toLowerCase() === 'auto')
    );
  });
}

/**
 * Parses RENDITIONS (`width=320&format=webp;width=640&format=webp`) with the edge's own parser. Throws a
 * BatchConfigError naming the entry for an invalid value, for `format=auto` (there is no viewer to
 * negotiate with, and the CDN never stores an `auto` key), and for an entry that asks for no transform.
 */
export function parseRenditions(text: string, rules: QueryRules): Rendition[] {
  const entries = text
    .split(';')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
  if (entries.length === 0) throw new BatchConfigError('RENDITIONS must list at least one rendition');
  return entries.map((query, index) => {
    const where = `RENDITIONS entry ${index + 1} ('${query}')`;
    let values: QueryValues;
    try {
      values = parseQueryString(query);
      if (hasAutoFormat(values))
        throw new BatchConfigError(
          `${where}: format=auto is refused; the batch resizer has no Accept header to negotiate with, name the format (avif, webp, jpeg, png)`,
        );
      for (const key of PROBE_KEYS) {
        if (parseQuery(values, key, undefined, rules) === null)
          throw new BatchConfigError(
            `${where} asks for no transform; give at least a width, height or format`,
          );
      }
    } catch (error) {
      if (error instanceof BatchConfigError) throw error;
      if (isImageError(error)) throw new BatchConfigError(`${where}: ${error.message}`);
      throw error;
    }
    return { query, values };
  });
}

/** The canonical spec the CDN derives from `rendition` for `originalKey`. */
export function renditionSpec(rendition: Rendition, originalKey: string, rules: QueryRules): ResizeSpec {
  const spec = parseQuery(rendition.values, originalKey, undefined, rules);
  if (spec === null) throw new BatchConfigError(`Rendition '${rendition.query}' asks for no transform`);
  return spec;
}

function required(env: Record<string, string | undefined>, name: string): string {
  const value = env[name]?.trim();
  if (!value) throw new BatchConfigError(`${name} must be set`);
  return value;
}

function seconds(env: Record<string, string | undefined>, name: string, fallback: number): number {
  const text = env[name]?.trim();
  if (!text) return fallback;
  if (!/^[0-9]{1,9}$/.test(text) || Number(text) < 1)
    throw new BatchConfigError(`${name} must be a number of seconds`);
  return Number(text);
}

function json<T extends object>(env: Record<string, string | undefined>, name: string, fallback: T): T {
  const text = env[name]?.trim();
  if (!text) return fallback;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new BatchConfigError(`${name} is not valid JSON: ${(error as Error).message}`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed))
    throw new BatchConfigError(`${name} must be a JSON object`);
  // Given fields override the defaults, so a stack may set only what it changes.
  return { ...fallback, ...(parsed as Partial<T>) };
}

/**
 * Reads the configuration from the environment: ORIGINALS_BUCKET, DERIVED_BUCKET and RENDITIONS are
 * required; IMAGE_RULES and TRANSFORM_SETTINGS (JSON) default to the edge's defaults. Encoder effort is
 * always `thorough`: nobody waits on a batch rendition.
 */
export function loadBatchConfig(env: Record<string, string | undefined>): BatchConfig {
  const originalsBucket = required(env, 'ORIGINALS_BUCKET');
  const derivedBucket = required(env, 'DERIVED_BUCKET');
  if (originalsBucket === derivedBucket)
    throw new BatchConfigError(
      'DERIVED_BUCKET must differ from ORIGINALS_BUCKET, or every write would retrigger',
    );
  const rules = json(env, 'IMAGE_RULES', DEFAULT_RULES);
  const transform: TransformSettings = {
    ...json(env, 'TRANSFORM_SETTINGS', DEFAULT_TRANSFORM_SETTINGS),
    effort: 'thorough',
  };
  const renditions = parseRenditions(required(env, 'RENDITIONS'), rules);
  const cacheMaxAge = seconds(env, 'CACHE_MAX_AGE', DEFAULT_CACHE_MAX_AGE);
  return { originalsBucket, derivedBucket, renditions, rules, transform, cacheMaxAge };
}
