import { isImageError } from '../core/errors';
import { derivativeName } from '../core/key';
import { parseQuery, parseQueryString, type QueryValues } from '../core/params';
import type { QueryRules } from '../core/rules';
import { isDescription, type ResizeSpec } from '../core/spec';
import type { TransformSettings } from '../transform/settings';

/**
 * The batch resizer's configuration: one JSON object in the BATCH_CONFIG environment variable, produced
 * by `batchConfigFor` (infra/function-configs.ts) for a deployment and for the local edge alike. It is
 * read and checked once per container: every problem is reported at cold start with a message naming the
 * field, never on the first event. No field has a fallback here: the producer writes all of them.
 */
export interface BatchConfigJson {
  /** The bucket whose uploads trigger the function; events for any other bucket are refused. */
  readonly originalsBucket: string;
  /** Where renditions are written; events for this bucket are refused (no recursion). */
  readonly derivativesBucket: string;
  /** The requests to pre-generate, in the CDN's query language, e.g. `width=320&format=webp`. */
  readonly renditions: readonly string[];
  readonly rules: QueryRules;
  /** Encoder settings; the producer sets `effort: 'thorough'` (nobody waits on a batch rendition). */
  readonly transform: TransformSettings;
  /** `max-age` of the renditions it stores, in seconds (the edge's `cacheMaxAge`). */
  readonly cacheMaxAge: number;
  /** CloudWatch namespace of its own metrics (Embedded Metric Format in its summary lines). */
  readonly metricsNamespace: string;
}

/** The environment variable that carries the configuration. */
export const BATCH_CONFIG_VARIABLE = 'BATCH_CONFIG';

/** The configuration as the handler uses it: the renditions parsed with the edge's own parser. */
export interface BatchConfig extends Omit<BatchConfigJson, 'renditions'> {
  readonly renditions: readonly Rendition[];
}

/** One rendition: the request as the CDN would receive it. */
export interface Rendition {
  /** The query as configured, e.g. `width=320&format=webp`. */
  readonly query: string;
  readonly values: QueryValues;
}

/** A configuration problem found at cold start. */
export class BatchConfigError extends Error {
  override readonly name = 'BatchConfigError';
}

/** Key used to validate renditions at cold start; a rendition's spec may depend on the original's format. */
const PROBE_KEYS = ['probe.jpg', 'probe.png', 'probe.gif', 'probe.webp'];

/** An Accept header that takes every format: a rendition that answers it differently negotiates. */
const EVERY_FORMAT = 'image/avif,image/webp,image/*';

/** Why `values` cannot be a stored rendition of `probeKey`, or undefined when it can. */
function renditionProblem(values: QueryValues, probeKey: string, rules: QueryRules): string | undefined {
  const spec = parseQuery(values, probeKey, undefined, rules);
  if (spec === null) return 'asks for no transform; give at least a width, height or format';
  if (isDescription(spec.format))
    return `asks for fm=${spec.format}, which describes the original and is not a rendition`;
  const negotiated = parseQuery(values, probeKey, EVERY_FORMAT, rules) as ResizeSpec;
  if (derivativeName(negotiated) !== derivativeName(spec))
    return 'format=auto is refused; the batch resizer has no Accept header to negotiate with, name the format (avif, webp, jpeg, png)';
  return undefined;
}

/**
 * Parses the renditions with the edge's own parser. Throws a BatchConfigError naming the entry for an
 * invalid value, for a format negotiated from Accept (`format=auto`, `auto=format`, or a preset saying
 * so: there is no viewer to negotiate with, and the CDN never stores an `auto` key), for a description
 * (`fm=json`, `fm=thumbhash`), and for an entry that asks for no transform.
 */
export function parseRenditions(queries: readonly string[], rules: QueryRules): Rendition[] {
  const entries = queries.map((entry) => entry.trim()).filter((entry) => entry !== '');
  if (entries.length === 0) throw new BatchConfigError('renditions must list at least one rendition');
  return entries.map((query, index) => {
    const where = `renditions entry ${index + 1} ('${query}')`;
    let values: QueryValues;
    try {
      values = parseQueryString(query);
      for (const key of PROBE_KEYS) {
        const problem = renditionProblem(values, key, rules);
        if (problem) throw new BatchConfigError(`${where}: ${problem}`);
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

function field<T>(
  config: Record<string, unknown>,
  name: keyof BatchConfigJson,
  check: (value: unknown) => boolean,
  expected: string,
): T {
  const value = config[name];
  if (!check(value)) throw new BatchConfigError(`${BATCH_CONFIG_VARIABLE}.${name} must be ${expected}`);
  return value as T;
}

const isObject = (value: unknown) => value !== null && typeof value === 'object' && !Array.isArray(value);
const isName = (value: unknown) => typeof value === 'string' && value.trim() !== '';

/**
 * Reads BATCH_CONFIG (the JSON `batchConfigFor` wrote) and checks every field: the bucket names, the
 * renditions (parsed as the edge parses queries), the rules, the transform settings, the max-age and the
 * metrics namespace.
 */
export function readBatchConfig(text: string | undefined): BatchConfig {
  if (!text?.trim()) throw new BatchConfigError(`${BATCH_CONFIG_VARIABLE} must be set`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new BatchConfigError(`${BATCH_CONFIG_VARIABLE} is not valid JSON: ${(error as Error).message}`);
  }
  if (!isObject(parsed)) throw new BatchConfigError(`${BATCH_CONFIG_VARIABLE} must be a JSON object`);
  const config = parsed as Record<string, unknown>;
  const originalsBucket = field<string>(config, 'originalsBucket', isName, 'a bucket name');
  const derivativesBucket = field<string>(config, 'derivativesBucket', isName, 'a bucket name');
  if (originalsBucket === derivativesBucket)
    throw new BatchConfigError(
      `${BATCH_CONFIG_VARIABLE}.derivativesBucket must differ from originalsBucket, or every write would retrigger`,
    );
  const rules = field<QueryRules>(config, 'rules', isObject, "an object (the CDN's query rules)");
  const transform = field<TransformSettings>(config, 'transform', isObject, 'an object (transform settings)');
  const queries = field<string[]>(
    config,
    'renditions',
    (value) => Array.isArray(value) && value.every((entry) => typeof entry === 'string'),
    'a list of queries',
  );
  const cacheMaxAge = field<number>(
    config,
    'cacheMaxAge',
    (value) => Number.isInteger(value) && (value as number) >= 1,
    'a whole number of seconds',
  );
  const metricsNamespace = field<string>(config, 'metricsNamespace', isName, 'a CloudWatch namespace');
  const renditions = parseRenditions(queries, rules);
  return { originalsBucket, derivativesBucket, renditions, rules, transform, cacheMaxAge, metricsNamespace };
}
