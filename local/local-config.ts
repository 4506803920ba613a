// The local edge's configuration: the stack config keys, validated by the deploy's own parser, turned
// into each function's configuration by the deploy's own builders. So the local edge runs with exactly
// the defaults and rules a deployed stack gets; only the bucket names and the region are local.
import type { BatchConfigJson } from '../functions/batch/batch-config';
import type { EdgeConfig, RegionBuckets } from '../functions/edge/edge-config';
import type { ViewerConfig } from '../functions/viewer/viewer-config';
import { type CdnConfig, parseConfig, type StackContext } from '../infra/config/parse';
import type { ConfigKey } from '../infra/config/schema';
import { batchConfigFor, edgeConfigFor, viewerConfigFor } from '../infra/function-configs';

export const LOCAL_BUCKETS = { originals: 'originals', derivatives: 'derivatives' } as const;

/** The local buckets of a replica region: each region's store is its own server, the names tell them apart. */
export function localReplicaBuckets(region: string): RegionBuckets {
  return { region, originalsBucket: `originals-${region}`, derivativesBucket: `derivatives-${region}` };
}

/** What stands in for `pulumi stack`: the project, a `local` stack, and a home region. */
export const LOCAL_CONTEXT: StackContext = { project: 'image-cdn', stack: 'local', region: 'us-east-1' };

/**
 * Stack config values by key (`{ maxWidth: '2000', batchRenditions: '["width=320&format=webp"]' }`),
 * as strings exactly as `pulumi config set image-cdn:<key>` would store them.
 */
export type LocalConfigValues = Partial<Record<ConfigKey, string>>;

export interface LocalFunctionConfigs {
  readonly cdn: CdnConfig;
  readonly edge: EdgeConfig;
  readonly viewer: ViewerConfig;
  readonly batch: BatchConfigJson;
}

/**
 * The stack config the local edge runs with: `values` over the schema's defaults, validated. `regions`
 * stands in for the stack's regions: the first is the home region (`aws:region`), the others its
 * `replicaRegions`.
 */
export function localCdnConfig(
  values: LocalConfigValues = {},
  regions: readonly string[] = [LOCAL_CONTEXT.region as string],
): CdnConfig {
  const [home, ...replicas] = regions;
  const withReplicas: LocalConfigValues =
    replicas.length > 0 ? { ...values, replicaRegions: JSON.stringify(replicas) } : values;
  return parseConfig((key) => withReplicas[key], { ...LOCAL_CONTEXT, region: home });
}

/** Each function's configuration, from the same builders a deployment uses. */
export function localFunctionConfigs(
  values: LocalConfigValues = {},
  signingSecret = '',
  regions?: readonly string[],
): LocalFunctionConfigs {
  const cdn = localCdnConfig(values, regions);
  return {
    cdn,
    edge: edgeConfigFor(
      cdn,
      LOCAL_BUCKETS.originals,
      LOCAL_BUCKETS.derivatives,
      signingSecret,
      cdn.replicas.regions.map(localReplicaBuckets),
    ),
    viewer: viewerConfigFor(cdn, signingSecret),
    batch: batchConfigFor(cdn, LOCAL_BUCKETS.originals, LOCAL_BUCKETS.derivatives),
  };
}

/** The origin-response handler's configuration with the default stack config (tests, benchmarks). */
export function localEdgeConfig(values: LocalConfigValues = {}): EdgeConfig {
  return localFunctionConfigs(values).edge;
}
