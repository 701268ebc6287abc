import type { AssetKey } from '@assay/core';
import { qualifiedName, quoteStored, type SnowflakeObjectName } from './snowflake-names.js';
import type { SnowflakeSession } from './snowflake-session.js';

/** A column as Snowflake reports it (`DESCRIBE TABLE`: `NUMBER(38,0)`, `VARCHAR(16777216)`, ...). */
export interface ColumnInfo {
  name: string;
  type: string;
}

/** Where an asset key lives, with its quoted name. */
export interface SnowflakeTarget extends SnowflakeObjectName {
  /** The asset key. */
  key: AssetKey;
  /** `"DB"."SCHEMA"."NAME"`. */
  relation: string;
}

/** `"DB".INFORMATION_SCHEMA.<view>`, or the current database's when no database is set. */
function infoSchema(object: { database: string | undefined }, view: string): string {
  return object.database ? `${quoteStored(object.database)}.INFORMATION_SCHEMA.${view}` : `INFORMATION_SCHEMA.${view}`;
}

/** Whether an object is a table, a view, or absent. Views and materialized views count as views. */
export async function objectType(session: SnowflakeSession, object: SnowflakeObjectName): Promise<'table' | 'view' | undefined> {
  const [row] = await session.rows(`select table_type as "kind" from ${infoSchema(object, 'TABLES')} where table_schema = ? and table_name = ?`, [object.schema, object.name]);
  if (!row) return undefined;
  return /VIEW/i.test(String(row.kind)) ? 'view' : 'table';
}

/** Columns of a table or view in order, from INFORMATION_SCHEMA (empty when absent). */
export async function objectColumns(session: SnowflakeSession, object: SnowflakeObjectName): Promise<ColumnInfo[]> {
  const rows = await session.rows(
    `select column_name as "name", data_type as "type", numeric_precision as "precision", numeric_scale as "scale", character_maximum_length as "length"
     from ${infoSchema(object, 'COLUMNS')} where table_schema = ? and table_name = ? order by ordinal_position`,
    [object.schema, object.name],
  );
  return rows.map((r) => ({ name: String(r.name), type: typeWithSize(String(r.type), r.precision, r.scale, r.length) }));
}

function typeWithSize(type: string, precision: unknown, scale: unknown, length: unknown): string {
  const t = type.toUpperCase();
  if (t === 'NUMBER' && precision != null) return `NUMBER(${Number(precision)},${Number(scale ?? 0)})`;
  if (t === 'TEXT' && length != null) return `VARCHAR(${Number(length)})`;
  return t === 'TEXT' ? 'VARCHAR' : t;
}

/** Columns of any table (temporary ones included) through `DESCRIBE TABLE`. */
export async function describeColumns(session: SnowflakeSession, relation: string): Promise<ColumnInfo[]> {
  const rows = await session.rows(`describe table ${relation}`);
  return rows.filter((r) => r.kind === undefined || String(r.kind).toUpperCase() === 'COLUMN').map((r) => ({ name: String(r.name), type: String(r.type) }));
}

/** Column name → column, matched exactly (names are stored forms: `ID`, `"camelCase"` as `camelCase`). */
export function byName(columns: readonly ColumnInfo[]): Map<string, ColumnInfo> {
  return new Map(columns.map((c) => [c.name, c]));
}

/** The base type of a column type: `NUMBER(38,0)` → `NUMBER`, `VARCHAR(10)` → `VARCHAR`. */
export function baseType(type: string): string {
  const t = type.replace(/\(.*$/, '').trim().toUpperCase();
  const aliases: Record<string, string> = { TEXT: 'VARCHAR', STRING: 'VARCHAR', CHAR: 'VARCHAR', CHARACTER: 'VARCHAR', DECIMAL: 'NUMBER', NUMERIC: 'NUMBER', INT: 'NUMBER', INTEGER: 'NUMBER', BIGINT: 'NUMBER', DOUBLE: 'FLOAT', REAL: 'FLOAT', TIMESTAMP: 'TIMESTAMP_NTZ', DATETIME: 'TIMESTAMP_NTZ' };
  return aliases[t] ?? t;
}

/** `VARCHAR(10)` → `[10]`, `NUMBER(38,2)` → `[38, 2]`, else `[]`. */
export function typeArgs(type: string): number[] {
  const m = /\(([^)]*)\)/.exec(type);
  return m ? m[1]!.split(',').map((s) => Number(s.trim())) : [];
}

/** The qualified name of an object in the target's database and schema. */
export function sibling(target: SnowflakeTarget, name: string): string {
  return qualifiedName({ database: target.database, schema: target.schema, name });
}
