import type { AssetKey } from '../definitions/asset-key.js';
import type { AssetDefinition } from '../definitions/asset.js';
import { shortHash } from '../hash.js';

/**
 * The data version of a derived asset (partition): hash(code version + partition + upstream
 * data versions). The planner computes it from what it expects upstreams to hold; the
 * executor from what upstream steps of the run actually recorded. Same inputs, same version.
 */
export function derivedDataVersion(def: AssetDefinition, partition: string, upstreamVersions: Readonly<Record<AssetKey, string>>): string {
  return shortHash(def.codeVersion, partition, ...def.deps.map((d) => `${d}=${upstreamVersions[d] ?? 'missing'}`));
}

/**
 * The data version of an observed asset (source, ingestion): the observation itself,
 * combined with upstream data versions when it has dependencies (an ingestion asset reading
 * files that an upstream asset writes must change when that upstream does, even before the
 * files are rewritten).
 */
export function observedDataVersion(observation: string, deps: readonly AssetKey[], upstreamVersions: Readonly<Record<AssetKey, string>>): string {
  return deps.length === 0 ? observation : shortHash(observation, ...deps.map((d) => `${d}=${upstreamVersions[d] ?? 'missing'}`));
}
