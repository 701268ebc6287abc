import type { Backend, CheckRequest, IngestMaterializeRequest, SqlMaterializeRequest, StepRequest } from '../backend/backend.js';
import type { AssetKey } from '../definitions/asset-key.js';
import type { IngestAssetDefinition, SqlAssetDefinition } from '../definitions/asset.js';
import { resolveCheck, type CheckSpec } from '../definitions/checks.js';
import type { PartitionContext, Row } from '../definitions/context.js';
import { partitionWindow } from '../definitions/partitions.js';
import { renderStepSql } from '../executor/step-context.js';
import { silentLogger } from '../logging/logger.js';

/** Overrides for the fields every request carries. */
export interface StepRequestOverrides {
  /** Defaults to `'conformance'`. */
  runId?: string;
  /** A partition key of the asset (time partitions get their window), or a full context. */
  partition?: string | PartitionContext;
  /** Defaults to a signal that never aborts. */
  signal?: AbortSignal;
  /** Defaults to the current working directory. */
  projectDir?: string;
  /** Defaults to `false` (materialize and ingest requests only). */
  fullRefresh?: boolean;
}

function partitionContext(partitions: SqlAssetDefinition['partitions'], partition: StepRequestOverrides['partition']): PartitionContext | undefined {
  if (partition === undefined) return undefined;
  if (typeof partition !== 'string') return partition;
  return { key: partition, window: partitions ? partitionWindow(partitions, partition) : undefined };
}

/**
 * The fields every backend request carries, with test-friendly defaults: run id
 * `conformance`, no partition, a signal that never aborts, a silent logger, and the current
 * directory as project root.
 */
export function buildStepRequest(overrides: StepRequestOverrides = {}, partitions?: SqlAssetDefinition['partitions']): StepRequest {
  return {
    runId: overrides.runId ?? 'conformance',
    partition: partitionContext(partitions, overrides.partition),
    signal: overrides.signal ?? new AbortController().signal,
    logger: silentLogger(),
    projectDir: overrides.projectDir ?? process.cwd(),
  };
}

/**
 * A request to build a SQL asset, with its SQL rendered for the backend's dialect the way
 * the executor does it (`renderStepSql`): `self` is the asset, `partition.*` placeholders are
 * bound from the request's partition, and `incrementalSql` is set for `whenIncremental`.
 *
 * @example
 * ```ts
 * await backend.materializeSql(buildSqlRequest(backend, orders, { fullRefresh: true }));
 * ```
 */
export function buildSqlRequest(backend: Backend, asset: SqlAssetDefinition, overrides: StepRequestOverrides = {}): SqlMaterializeRequest {
  const step = buildStepRequest(overrides, asset.partitions);
  // Rendered as the executor renders it: `self` is the asset, partition placeholders the step's partition.
  return { ...step, asset, ...renderStepSql(backend, asset, step.partition), fullRefresh: overrides.fullRefresh ?? false };
}

/** A request to load an ingestion asset's files. */
export function buildIngestRequest(asset: IngestAssetDefinition, overrides: StepRequestOverrides = {}): IngestMaterializeRequest {
  return { ...buildStepRequest(overrides, asset.partitions), asset, fullRefresh: overrides.fullRefresh ?? false };
}

/** A request to evaluate checks (resolved to their defaults) on an asset. */
export function buildCheckRequest(assetKey: AssetKey, checks: readonly CheckSpec[], options: StepRequestOverrides & { quarantine?: boolean; addedRows?: string | undefined } = {}): CheckRequest {
  return { ...buildStepRequest(options), assetKey, checks: checks.map(resolveCheck), quarantine: options.quarantine ?? false, addedRows: options.addedRows };
}

/**
 * A row's value by column name, ignoring case (engines that upper-case unquoted identifiers,
 * like Snowflake, return `N` for `count(*) as n`).
 */
export function columnValue(row: Row | undefined, column: string): unknown {
  if (!row) return undefined;
  if (column in row) return row[column];
  const wanted = column.toLowerCase();
  for (const [k, v] of Object.entries(row)) if (k.toLowerCase() === wanted) return v;
  return undefined;
}

/** Rows with lower-cased column names and values as given. */
export function lowerKeys(rows: readonly Row[]): Row[] {
  return rows.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k.toLowerCase(), v])));
}
