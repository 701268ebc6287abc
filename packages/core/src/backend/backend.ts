import type { Logger } from 'winston';
import type { AssetKey } from '../definitions/asset-key.js';
import type { IngestAssetDefinition, SqlAssetDefinition } from '../definitions/asset.js';
import type { CheckOutcome, ResolvedCheck } from '../definitions/checks.js';
import type { PartitionContext, Row } from '../definitions/context.js';
import type { RenderedSql, SqlRenderer } from '../definitions/sql.js';

/** Passed to {@link Backend.open}. */
export interface BackendOpenOptions {
  /** Maximum number of steps the executor runs at once; size connection pools to it. */
  concurrency: number;
  /** Logger for the backend's own messages. */
  logger: Logger;
}

/** Fields every request to a backend carries. */
export interface StepRequest {
  /** Id of the run. */
  runId: string;
  /** The partition being materialized, if any. */
  partition: PartitionContext | undefined;
  /** Aborted on cancellation: the backend interrupts running statements and rejects with `CanceledError`. */
  signal: AbortSignal;
  /** Step-scoped logger. */
  logger: Logger;
  /** Project root: relative paths in specs (ingest globs) resolve against it. */
  projectDir: string;
}

/** Ask a backend to build a SQL asset. */
export interface SqlMaterializeRequest extends StepRequest {
  asset: SqlAssetDefinition;
  /** The asset's SQL for this backend's dialect, rendered (relations resolved, values as parameters). */
  sql: RenderedSql;
  /**
   * For `incremental` assets whose SQL has `whenIncremental(...)` branches: the SQL with those
   * branches taken, to run when the build adds to an existing table (not on the first build
   * nor on a full refresh, which run {@link SqlMaterializeRequest.sql}). Absent otherwise.
   */
  incrementalSql?: RenderedSql | undefined;
  /** Rebuild incremental and SCD2 assets from scratch. */
  fullRefresh: boolean;
}

/** Ask a backend to load files for an ingestion asset. */
export interface IngestMaterializeRequest extends StepRequest {
  asset: IngestAssetDefinition;
  /** Forget the load history and reload every file. */
  fullRefresh: boolean;
}

/** What a materialization produced. */
export interface MaterializeOutcome {
  /** Rows in the asset after the build (or rows loaded, for ingestion: see metadata). */
  rowCount?: number | undefined;
  /** Extra facts: columns and types, bytes, rows inserted/updated, files loaded, ... */
  metadata?: Record<string, unknown>;
  /**
   * When the build only added rows to an existing table: a relation (a parenthesized
   * subquery in the backend's SQL) selecting exactly those rows, which checks with
   * `scope: 'new-rows'` read instead of the table. Absent when the build wrote the whole
   * table, or cannot tell its new rows apart; those checks then read the whole table.
   */
  addedRows?: string | undefined;
}

/** Ask a backend to evaluate declared checks on a materialized asset. */
export interface CheckRequest extends StepRequest {
  /** Key of the asset under check. */
  assetKey: AssetKey;
  /** Checks to evaluate; never of type `function` (the executor runs those). */
  checks: readonly ResolvedCheck[];
  /** Move rows failing row-level checks to `<relation>__quarantine` instead of failing. */
  quarantine: boolean;
  /**
   * The build's {@link MaterializeOutcome.addedRows}, when it only added rows: checks with
   * `scope: 'new-rows'` read it. Undefined for whole-table builds and `assets check`.
   */
  addedRows?: string | undefined;
}

/** A check outcome tagged with the check's name. */
export interface NamedCheckOutcome extends CheckOutcome {
  /** Name of the check evaluated. */
  name: string;
  /** Rows moved to quarantine, when quarantining. */
  quarantinedRows?: number;
}

/** Facts about a relation in the warehouse. */
export interface RelationInfo {
  /** Columns in order, with the engine's type names. */
  columns: { name: string; type: string }[];
  /** Row count, when cheap to know. */
  rowCount?: number | undefined;
  /** `table` or `view`. */
  type: 'table' | 'view';
}

/**
 * The contract between Assay's core and a warehouse.
 *
 * Core renders SQL templates (through {@link SqlRenderer}), orders and schedules steps,
 * and records state; a backend only turns one asset at a time into warehouse objects,
 * evaluates checks and answers queries. Extend {@link BaseBackend} to get defaults for the
 * optional parts.
 */
export interface Backend extends SqlRenderer {
  /** Short name for logs and state (`duckdb`, `snowflake`). */
  readonly name: string;
  /** Which per-dialect SQL variant of an asset to use (`duckdb`, `snowflake`). */
  readonly dialect: string;
  /** Opens connections. Called by the executor before a run; must be idempotent. */
  open(options: BackendOpenOptions): Promise<void>;
  /** Closes connections. Safe to call more than once. */
  close(): Promise<void>;
  /** Qualified, quoted relation for an asset key: `silver/orders` → `"silver"."orders"`. */
  relation(key: AssetKey): string;
  /** Placeholder for the parameter at 1-based `index`. */
  placeholder(index: number): string;
  /** Builds a SQL asset with its materialization strategy. */
  materializeSql(request: SqlMaterializeRequest): Promise<MaterializeOutcome>;
  /** Loads files for an ingestion asset (only files not loaded before, unless `fullRefresh`). */
  ingest(request: IngestMaterializeRequest): Promise<MaterializeOutcome>;
  /** Stores rows returned by a compute asset as the asset's table (create or replace). */
  writeRows(key: AssetKey, rows: readonly Row[], request: StepRequest): Promise<MaterializeOutcome>;
  /** Evaluates declared checks; one outcome per check, in order. */
  runChecks(request: CheckRequest): Promise<NamedCheckOutcome[]>;
  /** Runs one statement and returns its rows as plain objects. */
  query(text: string, params?: readonly unknown[], options?: { signal?: AbortSignal }): Promise<Row[]>;
  /** Describes a relation, or undefined if it does not exist. */
  describe(key: AssetKey): Promise<RelationInfo | undefined>;
  /**
   * A fingerprint of an existing table for source data versions: row count plus
   * `max(column)` when given. Undefined when the table does not exist.
   */
  observeTable(key: AssetKey, column?: string): Promise<string | undefined>;
  /** True when retrying the failed work may succeed (lock conflict, network error, overload). */
  isTransient(error: unknown): boolean;
}
