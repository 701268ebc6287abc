import type { Logger } from 'winston';
import type { Backend } from '../backend/backend.js';
import type { AssetKey } from './asset-key.js';
import type { AssetDefinition } from './asset.js';
import type { SqlFragment } from './sql.js';

/** A row as returned by queries: column name → value. */
export type Row = Record<string, unknown>;

/** What a compute asset knows about one of its upstream assets. */
export interface UpstreamHandle {
  /** Upstream key. */
  readonly key: AssetKey;
  /** Its qualified relation in the target backend. */
  readonly relation: string;
  /** Its current data version, when known. */
  readonly dataVersion: string | undefined;
}

/** The partition a step is running, if the asset is partitioned. */
export interface PartitionContext {
  /** Partition key, e.g. `2024-01-31` or `eu`. */
  readonly key: string;
  /** For time partitions, the window `[start, end)` as ISO timestamps. */
  readonly window: { readonly start: string; readonly end: string } | undefined;
}

/**
 * What a TypeScript compute asset receives when it runs.
 *
 * @example
 * ```ts
 * asset({ key: 'gold/report', deps: [orders] }, async (ctx) => {
 *   const [row] = await ctx.query(sql`select count(*) as n from ${orders}`);
 *   ctx.addMetadata({ orders: Number(row?.n) });
 * });
 * ```
 */
export interface AssetContext {
  /** The asset's key. */
  readonly key: AssetKey;
  /** The asset's definition. */
  readonly asset: AssetDefinition;
  /** Id of the run. */
  readonly runId: string;
  /** The partition being materialized, if any. */
  readonly partition: PartitionContext | undefined;
  /** The target backend (DuckDB, Snowflake, ...). */
  readonly backend: Backend;
  /** Logger scoped to this step; lines become run events. */
  readonly logger: Logger;
  /** Aborted when the run is canceled; pass it on to long work. */
  readonly signal: AbortSignal;
  /** Upstream assets by key. */
  readonly upstream: Readonly<Record<AssetKey, UpstreamHandle>>;
  /** Whether this run rebuilds incremental state from scratch. */
  readonly fullRefresh: boolean;
  /** The project root (paths in specs are relative to it). */
  readonly projectDir: string;
  /** Qualified relation of this asset (or of `key`) in the backend. */
  relation(key?: AssetKey): string;
  /** Runs SQL on the backend; interpolated assets render as relations, values are bound. */
  query(text: string | SqlFragment, params?: unknown[]): Promise<Row[]>;
  /** Records metadata on this materialization (merged; later keys win). */
  addMetadata(metadata: Record<string, unknown>): void;
}

/**
 * What a compute asset may return: nothing, `{ rowCount, metadata }`, or `{ rows }` to have
 * the backend store the rows as the asset's table.
 */
export interface AssetOutput {
  /** Rows to store as the asset's table (the backend creates or replaces it). */
  rows?: Row[];
  /** Row count to record, when the function wrote the data itself. */
  rowCount?: number;
  /** Metadata to record on the materialization. */
  metadata?: Record<string, unknown>;
}
