import type { AssetKey } from '../definitions/asset-key.js';
import type { AssetDefinition } from '../definitions/asset.js';
import type { Definitions } from '../definitions/define-assets.js';
import { isAssayError, StateError } from '../errors.js';
import type { MaterializationRecord, StateStore } from '../state/state-store.js';

/** One edge of a lineage document: `from` is the upstream asset, `to` the asset reading it. */
export interface LineageEdge {
  /** Upstream key. */
  readonly from: AssetKey;
  /** Downstream key. */
  readonly to: AssetKey;
}

/**
 * The part of a project a lineage document describes: the included assets in stable
 * topological order, the edges between them, and their latest materializations.
 * Every renderer reads this one structure, so all formats agree on what they show.
 */
export interface LineageGraph {
  /** Included assets in stable topological order (ties by key). */
  readonly assets: readonly AssetDefinition[];
  /** Edges whose ends are both included, ordered by downstream position, then upstream key. */
  readonly edges: readonly LineageEdge[];
  /** Latest materialization per included asset (newest over its partitions); empty without state. */
  readonly materializations: ReadonlyMap<AssetKey, MaterializationRecord>;
}

/**
 * Gathers the {@link LineageGraph} for `defs`, restricted to `keys` when given.
 *
 * @throws {@link UnknownAssetError} (`ASSAY_UNKNOWN_ASSET`) when `keys` names an asset that
 * does not exist; {@link StateError} (`ASSAY_STATE`) when the state store cannot be read.
 */
export async function collectLineage(
  defs: Definitions,
  options: { keys?: readonly AssetKey[] | undefined; state?: StateStore | undefined } = {},
): Promise<LineageGraph> {
  let included: ReadonlySet<AssetKey> | undefined;
  if (options.keys) {
    // defs.get throws UnknownAssetError with a "did you mean" hint for a mistyped key.
    for (const key of options.keys) defs.get(key);
    included = new Set(options.keys);
  }
  const assets = included ? defs.assets.filter((a) => included.has(a.key)) : defs.assets;
  const keep = (key: AssetKey) => !included || included.has(key);

  const edges: LineageEdge[] = [];
  for (const a of assets) {
    for (const from of defs.graph.upstream(a.key)) if (keep(from)) edges.push({ from, to: a.key });
  }

  const materializations = new Map<AssetKey, MaterializationRecord>();
  if (options.state && assets.length > 0) {
    let records: MaterializationRecord[];
    try {
      records = await options.state.latestMaterializations(included ? assets.map((a) => a.key) : undefined);
    } catch (error) {
      if (isAssayError(error)) throw error;
      throw new StateError(`Could not read the latest materializations for lineage export: ${error instanceof Error ? error.message : String(error)}`, {
        cause: error,
        hint: 'Check that the state store is open and readable (default: .assay/state.duckdb).',
      });
    }
    for (const record of records) {
      if (!keep(record.assetKey) || !defs.has(record.assetKey)) continue;
      const current = materializations.get(record.assetKey);
      if (!current || isNewer(record, current)) materializations.set(record.assetKey, record);
    }
  }
  return { assets, edges, materializations };
}

/**
 * Whether `a` is more recent than `b`. Partitions of one asset are materialized
 * independently; the newest one stands for the asset. Ties break on run id, then partition,
 * so the choice never depends on the order the store returned rows in.
 */
function isNewer(a: MaterializationRecord, b: MaterializationRecord): boolean {
  const ta = Date.parse(a.createdAt);
  const tb = Date.parse(b.createdAt);
  if (ta !== tb && !Number.isNaN(ta) && !Number.isNaN(tb)) return ta > tb;
  if (a.createdAt !== b.createdAt) return a.createdAt > b.createdAt;
  if (a.runId !== b.runId) return a.runId > b.runId;
  return (a.partition ?? '') > (b.partition ?? '');
}

/** The groups of the included assets, in order of first appearance in topological order. */
export function groupsInOrder(graph: LineageGraph): Map<string, AssetDefinition[]> {
  const groups = new Map<string, AssetDefinition[]>();
  for (const a of graph.assets) {
    let members = groups.get(a.group);
    if (!members) groups.set(a.group, (members = []));
    members.push(a);
  }
  return groups;
}

/** How a diagram draws an asset: the visual families that kinds fall into. */
export type AssetShape = 'source' | 'ingest' | 'view' | 'table' | 'model' | 'cube';

/**
 * The diagram shape of an asset, from its type, materialization and free-form kind.
 * Kinds not recognized draw as tables.
 */
export function assetShape(asset: AssetDefinition): AssetShape {
  const kind = asset.kind.toLowerCase();
  if (asset.type === 'source' || kind === 'source') return 'source';
  if (asset.type === 'ingest' || kind === 'ingest') return 'ingest';
  if ((asset.type === 'sql' && asset.materialize === 'view') || kind === 'view') return 'view';
  if (kind === 'model' || kind === 'ml' || kind === 'ml_model') return 'model';
  if (kind === 'cube' || kind === 'semantic') return 'cube';
  return 'table';
}
