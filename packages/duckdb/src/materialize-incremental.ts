import {
  addedRowsWhere,
  asSubquery,
  assertUniqueKey,
  buildOutcome,
  columnDiffNames,
  fullRebuildCounts,
  InvalidDefinitionError,
  isEmptyColumnDiff,
  keyJoin,
  keyList,
  schemaChangeError,
  schemaChangeMetadata,
  type IncrementalOptions,
  type MaterializeOutcome,
  type SqlMaterializeRequest,
} from '@assay/core';
import { byName, describeColumns, objectColumns, objectType, quoteIdent, type ColumnInfo } from './duckdb-catalog.js';
import type { DuckDbBackend, DuckDbTarget } from './duckdb-backend.js';
import type { DuckDbSession } from './duckdb-session.js';
import { buildTable } from './materialize-table.js';

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
  if (isEmptyColumnDiff(diff)) return { columns: [...next], diff };
  if (policy === 'fail') throw schemaChangeError(target.key, diff);
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
    return buildOutcome({ relation: target.relation, ...facts }, 'incremental', { strategy: options.strategy, ...fullRebuildCounts(facts.rowCount) });
  }
  const batch = batchTable('batch');
  const watermark = options.strategy === 'append' ? await currentWatermark(session, target, options.watermark!) : undefined;
  const counts = await backend.appendingInOrder(session, () => session.transaction(async () => {
    // With whenIncremental(...) branches, the query that adds to the table differs from the one that builds it.
    const query = request.incrementalSql ?? request.sql;
    await session.run(`create temp table ${batch} as ${stagingQuery(options, query.text, watermark)}`, query.params);
    const current = await objectColumns(session, target.schema, target.table);
    const next = await describeColumns(session, batch);
    const { columns, diff } = await reconcileSchema(session, target, current, next, options.onSchemaChange ?? 'fail');
    const applied = await applyStrategy(session, target, batch, columns, options, request);
    await session.run(`drop table ${batch}`);
    return { ...applied, diff };
  })).catch(async (error: unknown) => {
    await session.bestEffort(`drop table if exists ${batch}`);
    throw error;
  });
  const facts = await backend.tableFacts(session, target);
  const { diff, ...rows } = counts;
  const outcome = buildOutcome({ relation: target.relation, ...facts }, 'incremental', {
    strategy: options.strategy,
    fullRefresh: false,
    ...rows,
    ...schemaChangeMetadata(columnDiffNames(diff)),
  });
  // Appended rows are the ones past the old watermark: what `new-rows` checks read.
  return watermark ? { ...outcome, addedRows: addedRowsWhere(target.relation, `${watermark.column} > ${watermark.literal}`) } : outcome;
}

/** The target's watermark before a run, as a typed literal; undefined when the table is empty. */
async function currentWatermark(session: DuckDbSession, target: DuckDbTarget, column: string): Promise<{ column: string; literal: string } | undefined> {
  const wm = quoteIdent(column);
  const [row] = await session.rows(`select cast(max(${wm}) as varchar) as value, typeof(max(${wm})) as type from ${target.relation}`);
  if (row?.value === null || row?.value === undefined) return undefined;
  return { column: wm, literal: `cast('${String(row.value).replace(/'/g, "''")}' as ${String(row.type)})` };
}

/**
 * The query that stages new rows. For `append`, only rows past the target's watermark: the
 * filter sits on the staging query itself so DuckDB pushes it into the scan (on a 13.7M-row
 * fact, staging the whole result took 3.4 s, the filtered one 13 ms). An empty target stages
 * everything.
 */
function stagingQuery(options: IncrementalOptions, text: string, watermark: { column: string; literal: string } | undefined): string {
  if (options.strategy !== 'append' || !watermark) return asSubquery(text);
  return `select * from ${asSubquery(text)} as assay_new where assay_new.${watermark.column} > ${watermark.literal}`;
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
      await assertUniqueKey({
        assetKey: target.key,
        relation: batch,
        keys,
        quoteIdent,
        rows: (text) => session.rows(text),
        subject: 'the new rows repeat',
        requirement: 'a merge needs one row per key',
      });
      const matched = await session.count(`select count(*) from ${batch} as b where exists (select 1 from ${t} as t where ${keyJoin('t', 'b', keys, quoteIdent)})`);
      const total = await session.count(`select count(*) from ${batch}`);
      const keySet = new Set(keys.map((k) => k.toLowerCase()));
      const updates = columns.filter((c) => !keySet.has(c.name.toLowerCase())).map((c) => `${quoteIdent(c.name)} = b.${quoteIdent(c.name)}`);
      await session.run(
        `merge into ${t} as t using ${batch} as b on (${keyJoin('t', 'b', keys, quoteIdent)})
         ${updates.length > 0 ? `when matched then update set ${updates.join(', ')}` : ''}
         when not matched then insert (${list}) values (${cols.map((c) => `b.${c}`).join(', ')})`,
      );
      return { rowsInserted: total - matched, rowsUpdated: matched, rowsDeleted: 0 };
    }
    case 'delete+insert': {
      let deleted: number;
      if (keys.length > 0) {
        deleted = (await session.run(`delete from ${t} as t where exists (select 1 from ${batch} as b where ${keyJoin('t', 'b', keys, quoteIdent)})`)).rowsChanged;
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
