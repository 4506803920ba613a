import { isImageError, originalNotFound, storageFault } from '../core/errors';
import type { ImageStore, StoredObject } from './image-store';
import { nearestFirst } from './region-distance';

/**
 * The store of a stack with replica regions (`replicaRegions`): originals are read from the nearest
 * region that has them, derivatives are written to the region whose derivatives bucket CloudFront asked.
 */

/** One region of the stack: its store (originals replica or home originals, and its derivatives). */
export interface RegionStore {
  readonly region: string;
  readonly store: ImageStore;
}

export interface RegionalStoreOptions {
  /** Every region of the stack, the home region first. */
  readonly regions: readonly RegionStore[];
  /** Where this handler runs (`AWS_REGION` of the Lambda@Edge replica); undefined reads home first. */
  readonly edgeRegion?: string;
  /**
   * How long a region that faulted is asked last, after the healthy ones (a container serves many misses:
   * one slow failure, not one per miss). @default UNHEALTHY_FOR_MS
   */
  readonly unhealthyForMs?: number;
  /** The clock, in milliseconds. @default Date.now */
  readonly now?: () => number;
}

/** A faulting region is skipped (asked last) for this long, then tried in its place again. */
export const UNHEALTHY_FOR_MS = 30_000;

/**
 * Reads an original from the nearest healthy region first and falls to the next one on a storage fault or
 * timeout (each S3 request is bounded by the client's own timeout, and the whole miss by the handler's
 * deadline); a region that faulted is asked last for a while. A replica that lacks the original may
 * simply not have it yet (S3 Replication is asynchronous), so the next region is asked too; only the home
 * bucket's "not found" is final. When the home region cannot be asked and no replica has the original,
 * the answer is a 503 (not cached), never a 404 that CloudFront would keep.
 */
export function createRegionalImageStore(options: RegionalStoreOptions): ImageStore {
  const [home] = options.regions;
  if (!home) throw new Error('a regional store needs at least one region');
  const nearest = nearestFirst(options.edgeRegion, options.regions);
  const now = options.now ?? Date.now;
  const unhealthyForMs = options.unhealthyForMs ?? UNHEALTHY_FOR_MS;
  /** Until when each region that faulted is asked last. */
  const unhealthyUntil = new Map<string, number>();
  const healthy = (region: string) => (unhealthyUntil.get(region) ?? 0) <= now();
  const readOrder = () => [
    ...nearest.filter((entry) => healthy(entry.region)),
    ...nearest.filter((entry) => !healthy(entry.region)),
  ];
  const storeOf = (region: string | undefined): ImageStore => {
    if (region === undefined) return home.store;
    const found = options.regions.find((entry) => entry.region === region);
    if (!found) throw storageFault();
    return found.store;
  };

  return {
    async getOriginal(key): Promise<StoredObject> {
      let missingAtHome = false;
      let fallbacks = 0;
      for (const { region, store } of readOrder()) {
        try {
          const original = await store.getOriginal(key);
          unhealthyUntil.delete(region);
          return { ...original, region, fallbacks };
        } catch (error) {
          if (!isImageError(error)) throw error;
          fallbacks += 1;
          if (error.code === 'not_found') {
            if (region === home.region) missingAtHome = true;
          } else if (error.code === 'storage_fault' || error.code === 'timeout') {
            unhealthyUntil.set(region, now() + unhealthyForMs);
          } else {
            // A verdict on the original itself (too large, …) is the same in every region.
            throw error;
          }
        }
      }
      throw missingAtHome ? originalNotFound() : storageFault();
    },
    putDerivative: (key, body, contentType, cacheControl, sourceEtag, region) =>
      storeOf(region).putDerivative(key, body, contentType, cacheControl, sourceEtag),
    // The batch resizer's operations: it runs in the home region and works on its buckets.
    originalEtag: (key) => home.store.originalEtag(key),
    derivativeSourceEtag: (key) => home.store.derivativeSourceEtag(key),
    listOriginals: (...args) => home.store.listOriginals(...args),
  };
}
