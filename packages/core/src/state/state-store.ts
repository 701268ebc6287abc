import type { AssetKey } from '../definitions/asset-key.js';
import type { CheckResult } from '../definitions/checks.js';
import type { AssayEvent, RunStatus } from '../events.js';

/** One run as stored. */
export interface RunRecord {
  readonly runId: string;
  status: RunStatus;
  /** ISO time. */
  readonly startedAt: string;
  /** ISO time; undefined while running. */
  endedAt?: string | undefined;
  /** The selection text the run was started with, if any. */
  readonly selection?: string | undefined;
  /** Backend name (`duckdb`, `snowflake`). */
  readonly backend?: string | undefined;
  /** Process id of the runner, to detect abandoned runs. */
  readonly pid?: number | undefined;
}

/** One materialization of one asset (partition) as stored. */
export interface MaterializationRecord {
  readonly runId: string;
  readonly assetKey: AssetKey;
  readonly partition?: string | undefined;
  /** hash(code version + upstream data versions), or an observed fingerprint for sources. */
  readonly dataVersion: string;
  readonly codeVersion: string;
  /** Data versions of the upstreams this materialization read, by key. */
  readonly upstreamVersions: Readonly<Record<AssetKey, string>>;
  readonly rowCount?: number | undefined;
  readonly durationMs: number;
  readonly metadata: Readonly<Record<string, unknown>>;
  /** ISO time. */
  readonly createdAt: string;
}

/** A check result as stored. */
export interface StoredCheckResult extends CheckResult {
  readonly runId: string;
  readonly partition?: string | undefined;
  /** ISO time. */
  readonly createdAt: string;
}

/**
 * Where Assay keeps run history: runs, events, materializations and check results.
 *
 * Implementations: {@link MemoryStateStore} (tests, services that keep no history) and the
 * DuckDB store in `@assay/duckdb` (default, `.assay/state.duckdb`). Every method may be
 * called concurrently; implementations serialize writes themselves.
 */
export interface StateStore {
  /** Opens the store (creates tables, marks runs of dead processes `abandoned`). Idempotent. */
  open(): Promise<void>;
  /** Flushes and closes. */
  close(): Promise<void>;
  /** Records that a run started. */
  recordRunStart(run: RunRecord): Promise<void>;
  /** Records that a run ended. */
  recordRunEnd(runId: string, status: Exclude<RunStatus, 'running'>, endedAt: string): Promise<void>;
  /** Appends events (in order). Implementations may buffer until `flush` or `recordRunEnd`. */
  appendEvents(events: readonly AssayEvent[]): Promise<void>;
  /** Records a materialization. */
  recordMaterialization(record: MaterializationRecord): Promise<void>;
  /** Records check results. */
  recordCheckResults(results: readonly StoredCheckResult[]): Promise<void>;
  /** The latest materialization per (asset, partition), optionally only for `keys`. */
  latestMaterializations(keys?: readonly AssetKey[]): Promise<MaterializationRecord[]>;
  /** The latest result per (asset, check), optionally only for `keys`. */
  latestCheckResults(keys?: readonly AssetKey[]): Promise<StoredCheckResult[]>;
  /** Runs, newest first. */
  listRuns(options?: { limit?: number }): Promise<RunRecord[]>;
  /** One run, if known. */
  getRun(runId: string): Promise<RunRecord | undefined>;
  /** Events of a run, in order. */
  runEvents(runId: string): Promise<AssayEvent[]>;
  /** Materializations of one asset, newest first. */
  assetHistory(assetKey: AssetKey, options?: { limit?: number }): Promise<MaterializationRecord[]>;
}
