import { derivativeCacheControl } from '../core/cache-control';
import { type ImageError, isImageError } from '../core/errors';
import { derivativeKey, parseDerivativeKey, validateOriginalKey } from '../core/key';
import type { ResizeSpec } from '../core/spec';
import { type ImageStore, unquoteEtag } from '../storage/image-store';
import { type BatchConfig, renditionSpec } from './batch-config';
import type { Limiter } from './limit';
import type { Logger } from './log';
import { renderRenditions } from './pipeline';

/**
 * - `processed`: every rendition is now stored for this version of the original (written or unchanged;
 *   a rendition that alone is impossible, e.g. over the output pixel limit, is listed as skipped);
 * - `skipped`: a permanent problem with the original (not an image, corrupt, too many pixels, gone,
 *   invalid key): logged and dropped, never retried;
 * - `refused`: the recursion guard (derivatives bucket, a derivative key, or a bucket that is not ours);
 * - `ignored`: not an ObjectCreated event;
 * - `failed`: a transient fault (S3 error, throttling); the event is retried.
 */
export type Outcome = 'processed' | 'skipped' | 'refused' | 'ignored' | 'failed';

export interface RenditionOutcome {
  /** The rendition's query, as configured. */
  readonly query: string;
  /** The derivative key, the one the CDN uses for this query. */
  readonly key: string;
  readonly outcome: 'written' | 'unchanged' | 'skipped';
  readonly code?: string;
  readonly reason?: string;
  readonly width?: number;
  readonly height?: number;
  readonly bytes?: number;
}

export interface ItemOutcome {
  readonly key: string;
  readonly bucket?: string;
  readonly outcome: Outcome;
  readonly code?: string;
  readonly reason?: string;
  readonly renditions?: readonly RenditionOutcome[];
  readonly ms?: number;
}

export interface ProcessorDeps {
  readonly config: BatchConfig;
  readonly store: ImageStore;
  /** Bounds sharp work (decode, resize, encode) across every original in flight. */
  readonly cpu: Limiter;
  readonly log: Logger;
}

interface Target {
  readonly query: string;
  readonly key: string;
  readonly spec: ResizeSpec;
}

/** The renditions of `originalKey`, once per derivative key (two queries may mean the same spec). */
function targetsFor(originalKey: string, config: BatchConfig): Target[] {
  const seen = new Set<string>();
  const targets: Target[] = [];
  for (const rendition of config.renditions) {
    const spec = renditionSpec(rendition, originalKey, config.rules);
    const key = derivativeKey(originalKey, spec);
    if (seen.has(key)) continue;
    seen.add(key);
    targets.push({ query: rendition.query, key, spec });
  }
  return targets;
}

function permanent(error: unknown): error is ImageError {
  return isImageError(error) && error.status < 500;
}

/**
 * Makes every rendition of one original, idempotently: a rendition whose stored derivative already
 * records this source ETag is left alone, and the original is not even read when all of them are.
 * Never throws: the outcome says what happened.
 */
export async function processOriginal(
  key: string,
  knownEtag: string | undefined,
  deps: ProcessorDeps,
): Promise<ItemOutcome> {
  const started = Date.now();
  const timings: Record<string, number> = {};
  let decoding: string | undefined;
  const timed = async <T>(name: string, work: () => Promise<T>): Promise<T> => {
    const start = Date.now();
    try {
      return await work();
    } finally {
      timings[name] = (timings[name] ?? 0) + Date.now() - start;
    }
  };
  const finish = (outcome: Omit<ItemOutcome, 'key' | 'ms'>): ItemOutcome => {
    const result: ItemOutcome = { key, ...outcome, ms: Date.now() - started };
    deps.log('batch.original', {
      key,
      outcome: result.outcome,
      code: result.code,
      reason: result.reason,
      decoding,
      renditions: result.renditions?.map((r) => ({ key: r.key, outcome: r.outcome, code: r.code })),
      ms: { total: result.ms, ...timings },
    });
    return result;
  };

  if (parseDerivativeKey(key) !== null)
    return finish({
      outcome: 'refused',
      code: 'derivative_key',
      reason: 'The key is itself a derivative key',
    });
  try {
    validateOriginalKey(key, deps.config.rules.maxKeyBytes);
  } catch (error) {
    if (permanent(error)) return finish({ outcome: 'skipped', code: error.code, reason: error.message });
    throw error;
  }

  try {
    const targets = targetsFor(key, deps.config);
    let etag = knownEtag ?? (await timed('head', () => deps.store.originalEtag(key)));
    const stored = await timed('head', () =>
      Promise.all(targets.map((target) => deps.store.derivativeSourceEtag(target.key))),
    );
    const unchanged = (index: number) => stored[index] === etag;
    if (!targets.every((_, index) => unchanged(index))) {
      const original = await timed('get', () => deps.store.getOriginal(key));
      // The object may have been replaced since the event: work from the version actually read.
      if (original.etag) etag = unquoteEtag(original.etag);
      const todo = targets.filter((_, index) => !unchanged(index));
      if (todo.length > 0) {
        const { strategy, rendered } = await timed('render', () =>
          renderRenditions(
            original.body,
            todo.map((target) => target.spec),
            deps.config.transform,
            deps.cpu,
          ),
        );
        decoding = strategy;
        const outcomes = await timed('put', () =>
          Promise.all(
            rendered.map(async (item, index): Promise<RenditionOutcome> => {
              const target = todo[index] as Target;
              if ('error' in item)
                return {
                  query: target.query,
                  key: target.key,
                  outcome: 'skipped',
                  code: item.error.code,
                  reason: item.error.message,
                };
              const { data, contentType, width, height } = item.result;
              await deps.store.putDerivative(
                target.key,
                data,
                contentType,
                derivativeCacheControl(deps.config.cacheMaxAge),
                etag,
              );
              return {
                query: target.query,
                key: target.key,
                outcome: 'written',
                width,
                height,
                bytes: data.length,
              };
            }),
          ),
        );
        const byKey = new Map(outcomes.map((outcome) => [outcome.key, outcome]));
        return finish({
          outcome: 'processed',
          renditions: targets.map(
            (target) =>
              byKey.get(target.key) ?? {
                query: target.query,
                key: target.key,
                outcome: 'unchanged' as const,
              },
          ),
        });
      }
    }
    return finish({
      outcome: 'processed',
      renditions: targets.map((target) => ({ query: target.query, key: target.key, outcome: 'unchanged' })),
    });
  } catch (error) {
    if (permanent(error)) return finish({ outcome: 'skipped', code: error.code, reason: error.message });
    const reason = isImageError(error) ? error.message : String((error as Error)?.message ?? error);
    return finish({ outcome: 'failed', code: isImageError(error) ? error.code : 'internal', reason });
  }
}
