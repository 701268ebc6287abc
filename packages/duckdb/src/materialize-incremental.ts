import { BackendError, InvalidDefinitionError, type IncrementalOptions, type MaterializeOutcome, type SqlMaterializeRequest } from '@assay/core';
import { byName, describeColumns, keyJoin, keyList, objectColumns, objectType, quoteIdent, type ColumnInfo } from './duckdb-catalog.js';
import type { DuckDbBackend, DuckDbTarget } from './duckdb-backend.js';
import type { DuckDbSession } from './duckdb-session.js';
import { buildTable } from './materialize-table.js';
import { asSubquery } from './sql-text.js';

/** How a query's columns differ from its table's. */
export interface SchemaDiff {
  /** Columns the query has and the table lacks. */
  added: ColumnInfo[];
  /** Columns the table has and the query lacks. */
  removed: ColumnInfo[];
  /** Columns whose type differs. */
  changed: { name: string; from: string; to: string }[];
}

/** Compares a query's columns (`next`) with a table's (`current`), case-insensitively. */
export function diffColumns(current: readonly ColumnInfo[], next: readonly ColumnInfo[]): SchemaDiff {
  const cur = byName(current);
  const nxt = byName(next);
  return {
    added: next.filter((c) => !cur.has(c.name.toLowerCase())),
    removed: current.filter((c) => !nxt.has(c.name.toLowerCase())),
    changed: next.flatMap((c) => {
      const old = cur.get(c.name.toLowerCase());
      return old && old.type !== c.type ? [{ name: c.name, from: old.type, to: c.type }] : [];
    }),
  };
}

/** True when a diff has no differences. */
export function isEmptyDiff(diff: SchemaDiff): boolean {
  return diff.added.length === 0 && diff.removed.length === 0 && diff.changed.length === 0;
}

/** `added: a INTEGER; removed: b VARCHAR; changed: c VARCHAR -> BIGINT`. */
export function describeDiff(diff: SchemaDiff): string {
  const parts: string[] = [];
  if (diff.added.length) parts.push(`added: ${diff.added.map((c) => `${c.name} ${c.type}`).join(', ')}`);
  if (diff.removed.length) parts.push(`removed: ${diff.removed.map((c) => `${c.name} ${c.type}`).join(', ')}`);
  if (diff.changed.length) parts.push(`changed: ${diff.changed.map((c) => `${c.name} ${c.from} -> ${c.to}`).join(', ')}`);
  return parts.join('; ');
}

/**
 * Applies `onSchemaChange` to a new batch: fails (`ASSAY_SCHEMA_CHANGE`), adds new columns to
 * the table, or ignores them. Returns the columns to write.
 */
export async function reconcileSchema(
  session: DuckDbSession,
  target: DuckDbTarget,
  current: readonly ColumnInfo[],
  next: readonly ColumnInfo[],
  policy: NonNullable<IncrementalOptions['onSchemaChange']>,
): Promise<{ columns: ColumnInfo[]; diff: SchemaDiff }> {
  const diff = diffColumns(current, next);
  if (isEmptyDiff(diff)) return { columns: [...next], diff };
  if (policy === 'fail') {
    throw new BackendError(`Asset "${target.key}": the query's columns no longer match the table (${describeDiff(diff)})`, {
      code: 'ASSAY_SCHEMA_CHANGE',
      assetKey: target.key,
      hint: 'Rebuild with --full-refresh, or set incremental.onSchemaChange to "append_new_columns" or "ignore".',
    });
  }
  if (policy === 'append_new_columns') {
    for (const c of diff.added) await session.run(`alter table ${target.relation} add column ${quoteIdent(c.name)} ${c.type}`);
    return { columns: [...next], diff };
  }
  const cur = byName(current);
  return { columns: next.filter((c) => cur.has(c.name.toLowerCase())), diff };
}

let batchCounter = 0;

/** A connection-local temp table name for one batch of new rows. */
export function batchTable(prefix: string): string {
  batchCounter = (batchCounter + 1) % 1_000_000;
  return `temp.main.${quoteIdent(`assay_${prefix}_${process.pid}_${batchCounter}`)}`;
}

/**
 * Materializes an incremental asset. The first run, or a full refresh, builds the whole table
 * atomically (as `table`). Later runs stage the query's rows in a temp table and apply the
 * strategy — `append`, `merge` or `delete+insert` — in one transaction, so a failure leaves
 * the table exactly as it was.
 */
export async function materializeIncremental(backend: DuckDbBackend, session: DuckDbSession, target: DuckDbTarget, request: SqlMaterializeRequest): Promise<MaterializeOutcome> {
  const options = request.asset.incremental;
  if (!options) throw new InvalidDefinitionError(target.key, 'materialize: "incremental" needs an "incremental" option');
  const existing = await objectType(session, target.schema, target.table);
  if (request.fullRefresh || existing !== 'table') {
    await buildTable(backend, session, target, request.sql);
    const facts = await backend.tableFacts(session, target);
    return {
      rowCount: facts.rowCount,
      metadata: { columns: facts.columns, relation: target.relation, materialization: 'incremental', strategy: options.strategy, fullRefresh: true, rowsInserted: facts.rowCount, rowsUpdated: 0, rowsDeleted: 0 },
    };
  }
  const batch = batchTable('batch');
  const counts = await session.transaction(async () => {
    await session.run(`create temp table ${batch} as ${asSubquery(request.sql.text)}`, request.sql.params);
    const current = await objectColumns(session, target.schema, target.table);
    const next = await describeColumns(session, batch);
    const { columns, diff } = await reconcileSchema(session, target, current, next, options.onSchemaChange ?? 'fail');
    const applied = await applyStrategy(session, target, batch, columns, options, request);
    await session.run(`drop table ${batch}`);
    return { ...applied, diff };
  }).catch(async (error: unknown) => {
    await session.bestEffort(`drop table if exists ${batch}`);
    throw error;
  });
  const facts = await backend.tableFacts(session, target);
  const { diff, ...rows } = counts;
  return {
    rowCount: facts.rowCount,
    metadata: {
      columns: facts.columns,
      relation: target.relation,
      materialization: 'incremental',
      strategy: options.strategy,
      fullRefresh: false,
      ...rows,
      ...(isEmptyDiff(diff) ? {} : { schemaChange: { added: diff.added.map((c) => c.name), removed: diff.removed.map((c) => c.name), changed: diff.changed.map((c) => c.name) } }),
    },
  };
}

async function applyStrategy(
  session: DuckDbSession,
  target: DuckDbTarget,
  batch: string,
  columns: readonly ColumnInfo[],
  options: IncrementalOptions,
  request: SqlMaterializeRequest,
): Promise<{ rowsInserted: number; rowsUpdated: number; rowsDeleted: number }> {
  const cols = columns.map((c) => quoteIdent(c.name));
  const list = cols.join(', ');
  const t = target.relation;
  const keys = keyList(options.uniqueKey);
  switch (options.strategy) {
    case 'append': {
      const wm = quoteIdent(options.watermark!);
      const inserted = await session.run(
        `insert into ${t} by name select ${list} from ${batch} as b where (select max(${wm}) from ${t}) is null or b.${wm} > (select max(${wm}) from ${t})`,
      );
      return { rowsInserted: inserted.rowsChanged, rowsUpdated: 0, rowsDeleted: 0 };
    }
    case 'merge': {
      const duplicates = await session.rows(
        `select ${keys.map(quoteIdent).join(', ')}, count(*) as assay_rows from ${batch} group by all having count(*) > 1 limit 5`,
      );
      if (duplicates.length > 0) {
        throw new BackendError(
          `Asset "${target.key}": the new rows repeat the unique key (${keys.join(', ')}), e.g. ${JSON.stringify(duplicates[0])}; a merge needs one row per key`,
          { assetKey: target.key, hint: 'Deduplicate in the query, e.g. `qualify row_number() over (partition by <key> order by <updated_at> desc) = 1`.' },
        );
      }
      const matched = await session.count(`select count(*) from ${batch} as b where exists (select 1 from ${t} as t where ${keyJoin('t', 'b', keys)})`);
      const total = await session.count(`select count(*) from ${batch}`);
      const keySet = new Set(keys.map((k) => k.toLowerCase()));
      const updates = columns.filter((c) => !keySet.has(c.name.toLowerCase())).map((c) => `${quoteIdent(c.name)} = b.${quoteIdent(c.name)}`);
      await session.run(
        `merge into ${t} as t using ${batch} as b on (${keyJoin('t', 'b', keys)})
         ${updates.length > 0 ? `when matched then update set ${updates.join(', ')}` : ''}
         when not matched then insert (${list}) values (${cols.map((c) => `b.${c}`).join(', ')})`,
      );
      return { rowsInserted: total - matched, rowsUpdated: matched, rowsDeleted: 0 };
    }
    case 'delete+insert': {
      let deleted: number;
      if (keys.length > 0) {
        deleted = (await session.run(`delete from ${t} as t where exists (select 1 from ${batch} as b where ${keyJoin('t', 'b', keys)})`)).rowsChanged;
      } else {
        const wm = quoteIdent(options.watermark!);
        const window = request.partition?.window;
        deleted = window
          ? (await session.run(`delete from ${t} where ${wm} >= cast(? as timestamp) and ${wm} < cast(? as timestamp)`, [window.start, window.end])).rowsChanged
          : (await session.run(`delete from ${t} where ${wm} between (select min(${wm}) from ${batch}) and (select max(${wm}) from ${batch})`)).rowsChanged;
      }
      const inserted = await session.run(`insert into ${t} by name select ${list} from ${batch}`);
      return { rowsInserted: inserted.rowsChanged, rowsUpdated: 0, rowsDeleted: deleted };
    }
    default:
      throw new InvalidDefinitionError(target.key, `unknown incremental strategy "${String(options.strategy)}"`);
  }
}
