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
import { baseType, byName, describeColumns, objectType, typeArgs, type ColumnInfo, type SnowflakeTarget } from './snowflake-catalog.js';
import type { SnowflakeBackend } from './snowflake-backend.js';
import { displayName, quoteStored, storedName } from './snowflake-names.js';
import { dmlCount, type SnowflakeSession } from './snowflake-session.js';
import { snowflakeLiteral, timestampText } from './snowflake-values.js';
import { buildTable } from './materialize-table.js';

/** How a query's columns differ from its table's. */
export interface SchemaDiff {
  /** Columns the query has and the table lacks. */
  added: ColumnInfo[];
  /** Columns the table has and the query lacks. */
  removed: ColumnInfo[];
  /** Columns whose base type (or NUMBER scale) differs. */
  changed: { name: string; from: string; to: string }[];
  /** Columns of the same type that the query needs wider (longer VARCHAR, more NUMBER digits). */
  widened: { name: string; from: string; to: string }[];
}

/**
 * Compares a query's columns (`next`) with a table's (`current`) by stored name. Snowflake
 * sizes columns of `CREATE TABLE AS` from the data (`'abc'` is `VARCHAR(3)`), so a wider
 * VARCHAR or NUMBER of the same type is a widening, not a schema change.
 */
export function diffColumns(current: readonly ColumnInfo[], next: readonly ColumnInfo[]): SchemaDiff {
  const cur = byName(current);
  const nxt = byName(next);
  const changed: SchemaDiff['changed'] = [];
  const widened: SchemaDiff['widened'] = [];
  for (const c of next) {
    const old = cur.get(c.name);
    if (!old || old.type === c.type) continue;
    const from = baseType(old.type);
    const to = baseType(c.type);
    if (from !== to) {
      changed.push({ name: c.name, from: old.type, to: c.type });
      continue;
    }
    const [fromSize, fromScale] = typeArgs(old.type);
    const [toSize, toScale] = typeArgs(c.type);
    if (from === 'NUMBER' && (fromScale ?? 0) !== (toScale ?? 0)) changed.push({ name: c.name, from: old.type, to: c.type });
    else if ((from === 'VARCHAR' || from === 'NUMBER' || from === 'BINARY') && fromSize !== undefined && toSize !== undefined && toSize > fromSize) widened.push({ name: c.name, from: old.type, to: c.type });
  }
  return {
    added: next.filter((c) => !cur.has(c.name)),
    removed: current.filter((c) => !nxt.has(c.name)),
    changed,
    widened,
  };
}

/**
 * Applies `onSchemaChange` to a new batch: fails (`ASSAY_SCHEMA_CHANGE`), adds new columns to
 * the table, or ignores them; widens columns in every case. Returns the columns to write.
 * Runs DDL, so call it before opening a transaction (Snowflake commits before DDL).
 */
export async function reconcileSchema(
  session: SnowflakeSession,
  target: SnowflakeTarget,
  current: readonly ColumnInfo[],
  next: readonly ColumnInfo[],
  policy: NonNullable<IncrementalOptions['onSchemaChange']>,
): Promise<{ columns: ColumnInfo[]; diff: SchemaDiff }> {
  const diff = diffColumns(current, next);
  // Widenings are no schema change: they are applied whatever the policy.
  if (!isEmptyColumnDiff(diff) && policy === 'fail') throw schemaChangeError(target.key, diff, displayName);
  for (const w of diff.widened) await session.run(`alter table ${target.relation} alter column ${quoteStored(w.name)} set data type ${w.to}`);
  if (policy === 'append_new_columns') {
    for (const c of diff.added) await session.run(`alter table ${target.relation} add column ${quoteStored(c.name)} ${c.type}`);
    return { columns: [...next], diff };
  }
  const cur = byName(current);
  return { columns: next.filter((c) => cur.has(c.name)), diff };
}

/** Key column(s) of an incremental or SCD2 option as stored names. */
export function storedKeys(uniqueKey: string | readonly string[] | undefined): string[] {
  return keyList(uniqueKey).map(storedName);
}

/**
 * Fails with a clear message when `relation` repeats a key: a MERGE (or an SCD2 snapshot)
 * needs one source row per key, and Snowflake would otherwise stop with "Duplicate row
 * detected during DML action" (100090) or update nondeterministically.
 */
export function assertUniqueKeys(session: SnowflakeSession, target: SnowflakeTarget, relation: string, keys: readonly string[], what: string): Promise<void> {
  return assertUniqueKey({
    assetKey: target.key,
    relation,
    keys,
    quoteIdent: quoteStored,
    displayName,
    countColumn: 'ASSAY_ROWS',
    rows: (text) => session.rows(text),
    subject: `the ${what} repeats`,
    requirement: 'it needs one row per key',
  });
}

/**
 * Materializes an incremental asset. The first run, or a full refresh, builds the whole table
 * atomically (as `table`). Later runs stage the query's rows in a scratch table, reconcile
 * columns (DDL, before the transaction), then apply the strategy in one transaction:
 *
 * - `append`: `insert into t select ... from batch where watermark > (select max(watermark) from t)`
 * - `merge`: `merge into t using batch on (keys) when matched then update ... when not matched then insert ...`
 * - `delete+insert`: `delete from t using batch where keys` (or the partition window on the
 *   watermark), then `insert into t select ... from batch`
 *
 * A failure or cancellation rolls the transaction back and leaves the table as it was.
 */
export async function materializeIncremental(backend: SnowflakeBackend, session: SnowflakeSession, target: SnowflakeTarget, request: SqlMaterializeRequest): Promise<MaterializeOutcome> {
  const options = request.asset.incremental;
  if (!options) throw new InvalidDefinitionError(target.key, 'materialize: "incremental" needs an "incremental" option');
  const existing = await objectType(session, target);
  if (request.fullRefresh || existing !== 'table') {
    await buildTable(backend, session, target, request.sql);
    const facts = await backend.tableFacts(session, target);
    return buildOutcome({ relation: target.relation, ...facts }, 'incremental', { strategy: options.strategy, ...fullRebuildCounts(facts.rowCount) });
  }
  // The old watermark tells the appended rows apart afterwards, for checks scoped to new rows.
  // A value read back at millisecond precision can only let a few old rows in, never leave new ones out.
  const watermark = options.strategy === 'append' ? quoteStored(storedName(options.watermark!)) : undefined;
  const before = watermark ? (await session.rows(`select max(${watermark}) as "M" from ${target.relation}`))[0]?.M : undefined;
  // With whenIncremental(...) branches, the query that adds to the table differs from the one that builds it.
  const batch = await backend.createScratch(session, target, 'BATCH', `as ${asSubquery(backend.inline(request.incrementalSql ?? request.sql))}`);
  let counts: { rowsInserted: number; rowsUpdated: number; rowsDeleted: number };
  let diff: SchemaDiff;
  try {
    const current = await describeColumns(session, target.relation);
    const next = await describeColumns(session, batch);
    const reconciled = await reconcileSchema(session, target, current, next, options.onSchemaChange ?? 'fail');
    diff = reconciled.diff;
    const keys = storedKeys(options.uniqueKey);
    if (options.strategy === 'merge') await assertUniqueKeys(session, target, batch, keys, 'new batch');
    counts = await session.transaction(() => applyStrategy(session, target, batch, reconciled.columns, options, request));
  } finally {
    await session.bestEffort(`drop table if exists ${batch}`);
  }
  const facts = await backend.tableFacts(session, target);
  const outcome = buildOutcome({ relation: target.relation, ...facts }, 'incremental', {
    strategy: options.strategy,
    fullRefresh: false,
    ...counts,
    ...schemaChangeMetadata(columnDiffNames(diff)),
  });
  return watermark && before !== null && before !== undefined ? { ...outcome, addedRows: addedRowsWhere(target.relation, `${watermark} > ${snowflakeLiteral(before)}`) } : outcome;
}

async function applyStrategy(
  session: SnowflakeSession,
  target: SnowflakeTarget,
  batch: string,
  columns: readonly ColumnInfo[],
  options: IncrementalOptions,
  request: SqlMaterializeRequest,
): Promise<{ rowsInserted: number; rowsUpdated: number; rowsDeleted: number }> {
  const cols = columns.map((c) => quoteStored(c.name));
  const list = cols.join(', ');
  const t = target.relation;
  const keys = storedKeys(options.uniqueKey);
  switch (options.strategy) {
    case 'append': {
      const wm = quoteStored(storedName(options.watermark!));
      const inserted = await session.run(
        `insert into ${t} (${list}) select ${cols.map((c) => `b.${c}`).join(', ')} from ${batch} as b where (select max(${wm}) from ${t}) is null or b.${wm} > (select max(${wm}) from ${t})`,
      );
      return { rowsInserted: dmlCount(inserted, 'inserted'), rowsUpdated: 0, rowsDeleted: 0 };
    }
    case 'merge': {
      const keySet = new Set(keys);
      const updates = columns.filter((c) => !keySet.has(c.name)).map((c) => `${quoteStored(c.name)} = b.${quoteStored(c.name)}`);
      const merged = await session.run(
        `merge into ${t} as t using ${batch} as b on (${keyJoin('t', 'b', keys, quoteStored)})
         ${updates.length > 0 ? `when matched then update set ${updates.join(', ')}` : ''}
         when not matched then insert (${list}) values (${cols.map((c) => `b.${c}`).join(', ')})`,
      );
      return { rowsInserted: dmlCount(merged, 'inserted'), rowsUpdated: dmlCount(merged, 'updated'), rowsDeleted: 0 };
    }
    case 'delete+insert': {
      let deleted: number;
      if (keys.length > 0) {
        // The target's alias goes without AS: DELETE's grammar does not document `AS` for it.
        deleted = dmlCount(await session.run(`delete from ${t} t using ${batch} as b where ${keyJoin('t', 'b', keys, quoteStored)}`), 'deleted');
      } else {
        const wm = quoteStored(storedName(options.watermark!));
        const window = request.partition?.window;
        deleted = window
          ? dmlCount(
              await session.run(`delete from ${t} where ${wm} >= ?::timestamp_ntz and ${wm} < ?::timestamp_ntz`, [timestampText(new Date(window.start)), timestampText(new Date(window.end))]),
              'deleted',
            )
          : dmlCount(await session.run(`delete from ${t} where ${wm} between (select min(${wm}) from ${batch}) and (select max(${wm}) from ${batch})`), 'deleted');
      }
      const inserted = await session.run(`insert into ${t} (${list}) select ${list} from ${batch}`);
      return { rowsInserted: dmlCount(inserted, 'inserted'), rowsUpdated: 0, rowsDeleted: deleted };
    }
    default:
      throw new InvalidDefinitionError(target.key, `unknown incremental strategy "${String(options.strategy)}"`);
  }
}
