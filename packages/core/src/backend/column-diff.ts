import { BackendError } from '../errors.js';
import type { SchemaChange } from './materialize-outcome.js';

/**
 * How the columns of an incremental batch differ from its table's. Each backend computes it
 * with its own identifier rules (DuckDB matches names case-insensitively, Snowflake by stored
 * name) and type rules (Snowflake tells a wider VARCHAR from a new type); reporting and the
 * `onSchemaChange: 'fail'` error are shared.
 */
export interface ColumnDiff {
  /** Columns the query has and the table lacks. */
  readonly added: readonly { name: string; type: string }[];
  /** Columns the table has and the query lacks. */
  readonly removed: readonly { name: string; type: string }[];
  /** Columns whose type changed. */
  readonly changed: readonly { name: string; from: string; to: string }[];
}

/** True when no column was added, removed or changed. */
export function isEmptyColumnDiff(diff: ColumnDiff): boolean {
  return diff.added.length === 0 && diff.removed.length === 0 && diff.changed.length === 0;
}

/**
 * A one-line description: `added: a INTEGER; removed: b VARCHAR; changed: c VARCHAR -> BIGINT`,
 * names as `displayName` writes them (defaults to as stored).
 */
export function describeColumnDiff(diff: ColumnDiff, displayName: (name: string) => string = (name) => name): string {
  const parts: string[] = [];
  if (diff.added.length) parts.push(`added: ${diff.added.map((c) => `${displayName(c.name)} ${c.type}`).join(', ')}`);
  if (diff.removed.length) parts.push(`removed: ${diff.removed.map((c) => `${displayName(c.name)} ${c.type}`).join(', ')}`);
  if (diff.changed.length) parts.push(`changed: ${diff.changed.map((c) => `${displayName(c.name)} ${c.from} -> ${c.to}`).join(', ')}`);
  return parts.join('; ');
}

/** The names in a diff, for {@link schemaChangeMetadata}. */
export function columnDiffNames(diff: ColumnDiff): Required<SchemaChange> {
  return { added: diff.added.map((c) => c.name), removed: diff.removed.map((c) => c.name), changed: diff.changed.map((c) => c.name) };
}

/**
 * The error of `onSchemaChange: 'fail'` (`ASSAY_SCHEMA_CHANGE`): the asset's query no longer
 * returns the table's columns; the message lists the differences, the hint the ways out.
 */
export function schemaChangeError(assetKey: string, diff: ColumnDiff, displayName?: (name: string) => string): BackendError {
  return new BackendError(`Asset "${assetKey}": the query's columns no longer match the table (${describeColumnDiff(diff, displayName)})`, {
    code: 'ASSAY_SCHEMA_CHANGE',
    assetKey,
    hint: 'Rebuild with --full-refresh, or set incremental.onSchemaChange to "append_new_columns" or "ignore".',
  });
}
