import type { AssetKey } from '@assay/core';
import type { DuckDbSession } from './duckdb-session.js';

/** Schema and table an asset key maps to in DuckDB. */
export interface DuckDbObjectName {
  /** Schema name (unquoted). */
  schema: string;
  /** Table or view name (unquoted). */
  table: string;
}

/** A column as DuckDB reports it. */
export interface ColumnInfo {
  name: string;
  type: string;
}

/** Suffix of the relation a `table` build writes before it is swapped in. */
export const BUILD_SUFFIX = '__assay_new';

/**
 * Where an asset key lives in DuckDB: `silver/orders` → schema `silver`, table `orders`;
 * one-segment keys (`orders`) → schema `main`; deeper keys `a/b/c` → schema `a`, table `b__c`
 * (DuckDB has no nested schemas, so the remaining segments are joined with `__`).
 *
 * @example
 * ```ts
 * duckDbObjectName('gold/finance/revenue'); // { schema: 'gold', table: 'finance__revenue' }
 * ```
 */
export function duckDbObjectName(key: AssetKey): DuckDbObjectName {
  const segments = key.split('/');
  if (segments.length === 1) return { schema: 'main', table: segments[0]! };
  return { schema: segments[0]!, table: segments.slice(1).join('__') };
}

/** Quotes an identifier for DuckDB (`"a""b"`). */
export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** `"schema"."table"`. */
export function qualified(schema: string, table: string): string {
  return `${quoteIdent(schema)}.${quoteIdent(table)}`;
}

/** Whether `schema.table` is a table, a view, or absent, in the database (not temp objects). */
export async function objectType(session: DuckDbSession, schema: string, table: string): Promise<'table' | 'view' | undefined> {
  const rows = await session.rows(
    `select 'table' as kind from duckdb_tables() where database_name = current_database() and schema_name = ? and table_name = ?
     union all
     select 'view' from duckdb_views() where database_name = current_database() and schema_name = ? and view_name = ? and not internal`,
    [schema, table, schema, table],
  );
  return rows[0]?.kind as 'table' | 'view' | undefined;
}

/** Columns of `schema.table` in order (empty when absent). */
export async function objectColumns(session: DuckDbSession, schema: string, table: string): Promise<ColumnInfo[]> {
  const rows = await session.rows(
    `select column_name as name, data_type as type from duckdb_columns()
     where database_name = current_database() and schema_name = ? and table_name = ? order by column_index`,
    [schema, table],
  );
  return rows.map((r) => ({ name: String(r.name), type: String(r.type) }));
}

/** Columns of any relation or temp table, through DESCRIBE. */
export async function describeColumns(session: DuckDbSession, relation: string): Promise<ColumnInfo[]> {
  const rows = await session.rows(`describe ${relation}`);
  return rows.map((r) => ({ name: String(r.column_name), type: String(r.column_type) }));
}

/** Lower-cased name → column, since DuckDB identifiers are case-insensitive. */
export function byName(columns: readonly ColumnInfo[]): Map<string, ColumnInfo> {
  return new Map(columns.map((c) => [c.name.toLowerCase(), c]));
}

/** A target relation: where an asset key lives, with its quoted name. */
export interface DuckDbTarget extends DuckDbObjectName {
  /** The asset key. */
  key: AssetKey;
  /** `"schema"."table"`. */
  relation: string;
}

/**
 * @internal Creates `target` with `columns` if missing, else adds the columns it lacks
 * (matched case-insensitively). Used by quarantine tables, which collect rows across schema
 * changes.
 */
export async function ensureTableWithColumns(session: DuckDbSession, target: DuckDbTarget, columns: readonly ColumnInfo[]): Promise<void> {
  await session.run(`create schema if not exists ${quoteIdent(target.schema)}`);
  const existing = byName(await objectColumns(session, target.schema, target.table));
  if (existing.size === 0) {
    const defs = columns.map((c) => `${quoteIdent(c.name)} ${c.type}`).join(', ');
    await session.run(`create table if not exists ${target.relation} (${defs})`);
    return;
  }
  for (const c of columns) {
    if (!existing.has(c.name.toLowerCase())) await session.run(`alter table ${target.relation} add column ${quoteIdent(c.name)} ${c.type}`);
  }
}
