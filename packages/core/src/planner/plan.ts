import type { Backend } from '../backend/backend.js';
import type { AssetKey } from '../definitions/asset-key.js';
import type { AssetDefinition } from '../definitions/asset.js';
import type { Definitions } from '../definitions/define-assets.js';
import { resolvePartitions, partitionKeys, type PartitionSelection } from '../definitions/partitions.js';
import { PartitionError } from '../errors.js';
import { shortHash } from '../hash.js';
import { selectAssets } from '../selection/index.js';
import type { MaterializationRecord, StateStore } from '../state/state-store.js';
import { derivedDataVersion, observedDataVersion } from './data-version.js';
import { observeSource } from './observe-source.js';
import { createAssetContext } from '../executor/step-context.js';
import { silentLogger } from '../logging/logger.js';

/** Why a step runs (machine-readable). */
export type StepReasonCode = 'never_materialized' | 'code_changed' | 'upstream_changed' | 'source_changed' | 'full_refresh' | 'selected';

/** One asset (with its partitions) the plan runs. */
export interface PlanStep {
  /** Asset key. */
  key: AssetKey;
  /** Human reason: `never materialized`, `code version changed`, `upstream changed: silver/x`, `selected`. */
  reason: string;
  /** Machine reason. */
  reasonCode: StepReasonCode;
  /** Partitions to run, for partitioned assets; undefined otherwise. */
  partitions?: string[] | undefined;
  /** Code version the step materializes. */
  codeVersion: string;
  /**
   * Data version the step will record: hash(code version + upstream data versions), or the
   * observed fingerprint for sources and ingestion assets. Per partition when partitioned.
   */
  dataVersions: Record<string, string>;
  /** Data versions of the upstreams as the plan saw them. */
  upstreamVersions: Record<AssetKey, string>;
  /** The version the whole asset presents downstream after the step (a hash over partitions when partitioned). */
  presentedVersion: string;
}

/** An asset in the selection that the plan does not run, and why. */
export interface SkippedStep {
  key: AssetKey;
  reason: string;
}

/** The result of {@link plan}: what runs and why, what is skipped and why. */
export interface Plan {
  /** Steps in stable topological order. */
  steps: PlanStep[];
  /** Selected assets that do not run (e.g. up to date with `stale`). */
  skipped: SkippedStep[];
  /** Keys the selection resolved to, in topological order. */
  selected: AssetKey[];
}

/** Options of {@link plan}. */
export interface PlanOptions {
  /** Selection expression (DESIGN.md grammar); all assets when omitted. */
  select?: string | undefined;
  /** Selection removed from `select`. */
  exclude?: string | undefined;
  /** State store with past materializations; without one every asset is "never materialized". */
  state?: StateStore | undefined;
  /** Run only out-of-date assets (missing, code changed, upstream or source changed). Defaults to false. */
  stale?: boolean | undefined;
  /** Backend used to observe source tables; without one, table sources are not fingerprinted. */
  backend?: Backend | undefined;
  /** Partition key or `{ from, to }` range for partitioned assets; defaults to each asset's latest partition. */
  partition?: PartitionSelection | undefined;
  /** Rebuild incremental assets from scratch (reason `full refresh`). */
  fullRefresh?: boolean | undefined;
  /** Project root for relative file paths (sources, ingestion). Defaults to `process.cwd()`. */
  projectDir?: string | undefined;
  /** "Now" for open-ended time partitions. Defaults to the current time. */
  now?: Date | undefined;
}

const UNPARTITIONED = '';

/**
 * Plans a run: resolves the selection, compares each asset's code version and upstream data
 * versions with its last materialization, and returns the steps to run with the reason for
 * each, plus what is skipped and why.
 *
 * Data version of a derived asset = hash(code version + upstream data versions); of a source
 * or ingestion asset = an observed fingerprint (files, or the table's row count and max of a
 * column). An asset is stale when it was never materialized, its code version changed, or an
 * upstream's data version differs from the one its last materialization read.
 *
 * @example
 * ```ts
 * const p = await plan(defs, { select: 'gold*', state, stale: true });
 * for (const s of p.steps) console.log(s.key, s.reason);
 * ```
 */
export async function plan(defs: Definitions, options: PlanOptions = {}): Promise<Plan> {
  const selected = selectAssets(defs, options.select, { exclude: options.exclude });
  const projectDir = options.projectDir ?? process.cwd();
  const now = options.now ?? new Date();
  const latest = indexLatest(options.state ? await options.state.latestMaterializations() : []);

  // Observations are I/O (files, queries): start them all at once.
  const selectedSet = new Set(selected);
  const observed = new Map<AssetKey, Promise<string | undefined>>();
  for (const key of selected) {
    const def = defs.get(key);
    if (def.type !== 'source' && def.type !== 'ingest') continue;
    const backend = options.backend;
    const context = backend
      ? () => createAssetContext({ asset: def, backend, runId: 'plan', partition: undefined, logger: silentLogger(), signal: new AbortController().signal, projectDir, fullRefresh: false, upstreamVersions: {} }, {})
      : undefined;
    observed.set(key, observeSource(def, { projectDir, backend, ...(context ? { context } : {}) }));
  }

  const current = new Map<AssetKey, string>(); // data version each asset has (or will have after the run)
  const steps: PlanStep[] = [];
  const skipped: SkippedStep[] = [];

  // Every asset in topological order, so upstream versions are known before they are read.
  for (const def of defs.assets) {
    const key = def.key;
    const last = latest.get(key);
    if (!selectedSet.has(key)) {
      const version = wholeVersion(last);
      if (version !== undefined) current.set(key, version);
      continue;
    }
    const upstreamVersions: Record<AssetKey, string> = {};
    for (const d of def.deps) upstreamVersions[d] = current.get(d) ?? 'missing';
    const parts = def.partitions ? partitionsFor(def, options.partition, now) : [UNPARTITIONED];
    const observation = observed.has(key) ? await observed.get(key) : undefined;

    const dataVersions: Record<string, string> = {};
    let verdict: { code: StepReasonCode; reason: string } | undefined;
    const runParts: string[] = [];
    for (const p of parts) {
      const expected =
        observation !== undefined
          ? observedDataVersion(observation, def.deps, upstreamVersions)
          : derivedDataVersion(def, p, upstreamVersions);
      dataVersions[p] = expected;
      const v = staleness(def, last?.get(p), expected, upstreamVersions, observation !== undefined);
      if (v || !options.stale) runParts.push(p);
      if (v && (!verdict || rank(v.code) < rank(verdict.code))) verdict = v;
    }
    if (!verdict && options.fullRefresh && (def.type === 'ingest' || (def.type === 'sql' && (def.materialize === 'incremental' || def.materialize === 'scd2')))) {
      verdict = { code: 'full_refresh', reason: 'full refresh' };
    }
    if (runParts.length === 0) {
      skipped.push({ key, reason: `up to date (data version ${dataVersions[parts[0]!]})` });
      const version = wholeVersion(last);
      if (version !== undefined) current.set(key, version);
      continue;
    }
    let presented: string;
    if (!def.partitions) presented = dataVersions[UNPARTITIONED]!;
    else {
      // Downstream sees the asset as a whole: its partitions' versions after this run.
      const merged = new Map<string, string>();
      for (const [p, m] of last ?? []) merged.set(p, m.dataVersion);
      for (const p of runParts) merged.set(p, dataVersions[p]!);
      presented = shortHash(...[...merged.keys()].sort().map((p) => `${p}=${merged.get(p)}`));
    }
    current.set(key, presented);
    steps.push({
      key,
      reason: verdict?.reason ?? 'selected',
      reasonCode: verdict?.code ?? 'selected',
      partitions: def.partitions ? runParts : undefined,
      codeVersion: def.codeVersion,
      dataVersions: runParts.length === parts.length ? dataVersions : pick(dataVersions, runParts),
      upstreamVersions,
      presentedVersion: presented,
    });
  }
  return { steps, skipped, selected };
}

function rank(code: StepReasonCode): number {
  return ['never_materialized', 'code_changed', 'source_changed', 'upstream_changed', 'full_refresh', 'selected'].indexOf(code);
}

function staleness(
  def: AssetDefinition,
  last: MaterializationRecord | undefined,
  expected: string,
  upstream: Record<AssetKey, string>,
  observedSource: boolean,
): { code: StepReasonCode; reason: string } | undefined {
  if (!last) return { code: 'never_materialized', reason: 'never materialized' };
  if (last.codeVersion !== def.codeVersion) return { code: 'code_changed', reason: 'code version changed' };
  if (last.dataVersion === expected) return undefined;
  const changed = def.deps.filter((d) => last.upstreamVersions[d] !== upstream[d]);
  if (changed.length > 0) return { code: 'upstream_changed', reason: `upstream changed: ${changed.join(', ')}` };
  if (observedSource || def.type === 'source') return { code: 'source_changed', reason: def.type === 'ingest' ? 'new or changed files' : 'source changed' };
  return { code: 'upstream_changed', reason: 'upstream changed' };
}

function partitionsFor(def: AssetDefinition, selection: PartitionSelection | undefined, now: Date): string[] {
  const pd = def.partitions!;
  if (selection === undefined) {
    const all = partitionKeys(pd, now);
    if (all.length === 0) throw new PartitionError(`Asset "${def.key}" has no partitions yet`, { assetKey: def.key });
    return [all[all.length - 1]!];
  }
  try {
    return resolvePartitions(pd, selection, now);
  } catch (error) {
    throw new PartitionError(`Asset "${def.key}": ${(error as Error).message}`, { assetKey: def.key, cause: error });
  }
}

function indexLatest(records: readonly MaterializationRecord[]): Map<AssetKey, Map<string, MaterializationRecord>> {
  const out = new Map<AssetKey, Map<string, MaterializationRecord>>();
  for (const r of records) {
    let m = out.get(r.assetKey);
    if (!m) out.set(r.assetKey, (m = new Map()));
    m.set(r.partition ?? UNPARTITIONED, r);
  }
  return out;
}

/** The data version an asset presents downstream: its own, or a hash over its partitions'. */
function wholeVersion(parts: Map<string, MaterializationRecord> | undefined): string | undefined {
  if (!parts || parts.size === 0) return undefined;
  const only = parts.get(UNPARTITIONED);
  if (only && parts.size === 1) return only.dataVersion;
  return shortHash(...[...parts.keys()].sort().map((p) => `${p}=${parts.get(p)!.dataVersion}`));
}

function pick(record: Record<string, string>, keys: readonly string[]): Record<string, string> {
  return Object.fromEntries(keys.map((k) => [k, record[k]!]));
}
