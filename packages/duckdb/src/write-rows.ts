import { BackendError, buildOutcome, inferColumnKinds, isAssayError, type ColumnKind, type MaterializeOutcome, type Row } from '@assay/core';
import type { DuckDBAppender } from '@duckdb/node-api';
import { BUILD_SUFFIX, objectType, quoteIdent, type ColumnInfo } from './duckdb-catalog.js';
import type { DuckDbBackend, DuckDbTarget } from './duckdb-backend.js';
import type { DuckDbSession } from './duckdb-session.js';
import { toTimestamp } from './duckdb-values.js';
import { buildAside } from './materialize-table.js';

/** DuckDB column types {@link inferColumns} chooses from. */
export type InferredType = 'BOOLEAN' | 'BIGINT' | 'HUGEINT' | 'DOUBLE' | 'VARCHAR' | 'TIMESTAMP' | 'BLOB' | 'JSON';

/** The DuckDB type of each neutral column kind. */
const DUCKDB_TYPES: Readonly<Record<ColumnKind, InferredType>> = {
  boolean: 'BOOLEAN',
  integer: 'BIGINT',
  bigInteger: 'HUGEINT',
  double: 'DOUBLE',
  text: 'VARCHAR',
  timestamp: 'TIMESTAMP',
  binary: 'BLOB',
  json: 'JSON',
};

/**
 * Column names (in order of first appearance) and types for rows returned by a compute asset:
 * booleans → BOOLEAN; integers → BIGINT (HUGEINT beyond 64 bits); other numbers → DOUBLE;
 * strings → VARCHAR; `Date` → TIMESTAMP; bytes → BLOB; arrays and objects → JSON; columns
 * mixing kinds → VARCHAR; columns with only nulls → VARCHAR.
 */
export function inferColumns(rows: readonly Row[]): (ColumnInfo & { type: InferredType })[] {
  return inferColumnKinds(rows).map(({ name, kind }) => ({ name, type: DUCKDB_TYPES[kind] }));
}

function asText(value: unknown): string {
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'object') return JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
  return String(value);
}

function appendValue(appender: DuckDBAppender, type: InferredType, value: unknown): void {
  if (value === null || value === undefined) return appender.appendNull();
  switch (type) {
    case 'BOOLEAN':
      return appender.appendBoolean(Boolean(value));
    case 'BIGINT':
      return appender.appendBigInt(BigInt(value as number | bigint));
    case 'HUGEINT':
      return appender.appendHugeInt(BigInt(value as number | bigint));
    case 'DOUBLE':
      return appender.appendDouble(Number(value));
    case 'TIMESTAMP':
      return appender.appendTimestamp(toTimestamp(value as Date) as Parameters<DuckDBAppender['appendTimestamp']>[0]);
    case 'BLOB':
      return appender.appendBlob(value as Uint8Array);
    case 'JSON':
    default:
      return appender.appendVarchar(asText(value));
  }
}

/**
 * Stores rows as the asset's table, replacing it atomically (built aside, then swapped in).
 * With no rows, an existing table is emptied and keeps its columns; with no rows and no
 * table, there is nothing to infer columns from and the call fails.
 */
export async function writeRowsTable(backend: DuckDbBackend, session: DuckDbSession, target: DuckDbTarget, rows: readonly Row[]): Promise<MaterializeOutcome> {
  if (!Array.isArray(rows)) throw new BackendError(`Asset "${target.key}": rows must be an array of objects`, { assetKey: target.key });
  const columns = inferColumns(rows);
  if (columns.length === 0) {
    if ((await objectType(session, target.schema, target.table)) !== 'table') {
      throw new BackendError(`Asset "${target.key}" returned no rows (or rows without columns), so its table's columns cannot be inferred`, {
        assetKey: target.key,
        hint: 'Return at least one row on the first run, or create the table yourself with ctx.query and return { rowCount }.',
      });
    }
    await buildAside(backend, session, target, (aside) => session.run(`create table ${aside} as select * from ${target.relation} where false`).then(() => undefined));
  } else {
    await buildAside(backend, session, target, async (aside) => {
      await session.run(`create table ${aside} (${columns.map((c) => `${quoteIdent(c.name)} ${c.type}`).join(', ')})`);
      const appender = await session.connection.createAppender(`${target.table}${BUILD_SUFFIX}`, target.schema);
      let appended = false;
      try {
        rows.forEach((row, i) => {
          // The appender runs in JS, so cancellation is checked between rows rather than interrupted.
          if (i % 10_000 === 0) session.throwIfCanceled();
          for (const c of columns) appendValue(appender, c.type, row[c.name]);
          appender.endRow();
        });
        appender.flushSync();
        appended = true;
      } catch (error) {
        if (isAssayError(error)) throw error;
        throw new BackendError(`Asset "${target.key}": cannot store the returned rows: ${error instanceof Error ? error.message : String(error)}`, { assetKey: target.key, cause: error });
      } finally {
        try {
          appender.closeSync();
        } catch (error) {
          // After a failed append the appender may refuse to close; the original error matters more.
          if (appended) throw error;
        }
      }
    });
  }
  return buildOutcome({ relation: target.relation, ...(await backend.tableFacts(session, target)) }, 'rows');
}
