import { BackendError, buildOutcome, inferColumnKinds, type ColumnKind, type MaterializeOutcome, type Row } from '@assay/core';
import { objectType, type SnowflakeTarget } from './snowflake-catalog.js';
import type { SnowflakeBackend } from './snowflake-backend.js';
import { buildAside } from './materialize-table.js';
import { displayName, quoteStored, storedName } from './snowflake-names.js';
import type { SnowflakeSession } from './snowflake-session.js';
import { timestampText } from './snowflake-values.js';

/** Snowflake column types {@link inferColumns} chooses from. */
export type InferredType = 'BOOLEAN' | 'NUMBER(38,0)' | 'FLOAT' | 'VARCHAR' | 'TIMESTAMP_NTZ' | 'BINARY' | 'VARIANT';

/** Bind values per INSERT: below the 65,280 at which snowflake-sdk switches to stage binding. */
const MAX_BINDS_PER_INSERT = 60_000;

/** The Snowflake type of each neutral column kind; integers beyond NUMBER's 38 digits are inferred as text. */
const SNOWFLAKE_TYPES: Readonly<Record<ColumnKind, InferredType>> = {
  boolean: 'BOOLEAN',
  integer: 'NUMBER(38,0)',
  bigInteger: 'NUMBER(38,0)',
  double: 'FLOAT',
  text: 'VARCHAR',
  timestamp: 'TIMESTAMP_NTZ',
  binary: 'BINARY',
  json: 'VARIANT',
};

/**
 * Column names (in order of first appearance, under the identifier policy: `id` → `ID`) and
 * Snowflake types for rows returned by a compute asset: booleans → BOOLEAN; integers →
 * NUMBER(38,0); other numbers → FLOAT; strings → VARCHAR; `Date` → TIMESTAMP_NTZ; bytes →
 * BINARY; arrays and objects → VARIANT; columns mixing kinds or holding only nulls → VARCHAR.
 *
 * @throws {@link BackendError} when two keys map to the same column (`id` and `ID`).
 */
export function inferColumns(rows: readonly Row[], assetKey = ''): { key: string; name: string; type: InferredType }[] {
  const columns = inferColumnKinds(rows, { maxIntegerDigits: 38 });
  const owners = new Map<string, string>();
  for (const { name: key } of columns) {
    const name = storedName(key);
    const owner = owners.get(name);
    if (owner !== undefined) {
      throw new BackendError(`Asset "${assetKey}": the returned rows have fields "${owner}" and "${key}", which are the same Snowflake column ${displayName(name)}`, {
        assetKey,
        hint: 'Snowflake upper-cases unquoted names; rename one of the fields.',
      });
    }
    owners.set(name, key);
  }
  return columns.map(({ name: key, kind }) => ({ key, name: storedName(key), type: SNOWFLAKE_TYPES[kind] }));
}

function asText(value: unknown, type: InferredType): string | null {
  if (value === null || value === undefined) return null;
  if (value instanceof Date) return type === 'TIMESTAMP_NTZ' ? timestampText(value) : value.toISOString();
  if (value instanceof Uint8Array) return Buffer.from(value).toString('hex');
  if (typeof value === 'object' || type === 'VARIANT') return JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
  return String(value);
}

function convert(column: string, type: InferredType): string {
  switch (type) {
    case 'VARIANT':
      return `parse_json(${column})`;
    case 'BINARY':
      return `to_binary(${column}, 'HEX')`;
    default:
      return `${column}::${type}`;
  }
}

/**
 * Stores rows as the asset's table, replacing it atomically (built aside, then swapped in).
 * The rows travel as text through a scratch table with array-bound INSERTs, then a
 * `CREATE TABLE AS` casts each column to its inferred type (`parse_json` for VARIANT, which
 * cannot be bound directly). With no rows, an existing table is emptied and keeps its
 * columns; with no rows and no table, there is nothing to infer columns from and the call
 * fails.
 */
export async function writeRowsTable(backend: SnowflakeBackend, session: SnowflakeSession, target: SnowflakeTarget, rows: readonly Row[]): Promise<MaterializeOutcome> {
  if (!Array.isArray(rows)) throw new BackendError(`Asset "${target.key}": rows must be an array of objects`, { assetKey: target.key });
  const columns = inferColumns(rows, target.key);
  if (columns.length === 0) {
    if ((await objectType(session, target)) !== 'table') {
      throw new BackendError(`Asset "${target.key}" returned no rows (or rows without columns), so its table's columns cannot be inferred`, {
        assetKey: target.key,
        hint: 'Return at least one row on the first run, or create the table yourself with ctx.query and return { rowCount }.',
      });
    }
    await buildAside(backend, session, target, (aside) => session.run(`create or replace table ${aside} like ${target.relation}`).then(() => undefined));
  } else {
    const staged = await backend.createScratch(session, target, 'ROWS', `(${columns.map((c) => `${quoteStored(c.name)} varchar`).join(', ')})`);
    try {
      const perInsert = Math.max(1, Math.floor(MAX_BINDS_PER_INSERT / columns.length));
      const insert = `insert into ${staged} (${columns.map((c) => quoteStored(c.name)).join(', ')}) values (${columns.map(() => '?').join(', ')})`;
      for (let start = 0; start < rows.length; start += perInsert) {
        const batch = rows.slice(start, start + perInsert).map((row) => columns.map((c) => asText(row[c.key], c.type)));
        await session.run(insert, batch, { multiRow: true });
      }
      await buildAside(backend, session, target, async (aside) => {
        await session.run(`create or replace table ${aside} as select ${columns.map((c) => `${convert(quoteStored(c.name), c.type)} as ${quoteStored(c.name)}`).join(', ')} from ${staged}`);
      });
    } finally {
      await session.bestEffort(`drop table if exists ${staged}`);
    }
  }
  return buildOutcome({ relation: target.relation, ...(await backend.tableFacts(session, target)) }, 'rows');
}
