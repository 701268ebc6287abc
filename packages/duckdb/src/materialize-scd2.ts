import {
  asSubquery,
  assertUniqueKey,
  buildOutcome,
  fullRebuildCounts,
  InvalidDefinitionError,
  keyJoin,
  keyList,
  schemaChangeMetadata,
  type MaterializeOutcome,
  type Scd2Options,
  type SqlMaterializeRequest,
} from '@assay/core';
import { byName, describeColumns, objectColumns, objectType, quoteIdent, type ColumnInfo } from './duckdb-catalog.js';
import type { DuckDbBackend, DuckDbTarget } from './duckdb-backend.js';
import type { DuckDbSession } from './duckdb-session.js';
import { batchTable } from './materialize-incremental.js';
import { buildAside } from './materialize-table.js';

/** Columns Assay adds to an SCD2 history table, after the source's own columns. */
export const SCD2_COLUMNS: readonly ColumnInfo[] = [
  { name: 'valid_from', type: 'TIMESTAMP' },
  { name: 'valid_to', type: 'TIMESTAMP' },
  { name: 'is_current', type: 'BOOLEAN' },
  { name: 'scd_id', type: 'VARCHAR' },
];
const SCD2_NAMES = new Set(SCD2_COLUMNS.map((c) => c.name));

/**
 * Materializes an SCD2 (slowly changing dimension, type 2) asset with dbt snapshot semantics.
 *
 * The table keeps every version of each `uniqueKey`: the source's columns plus `valid_from`,
 * `valid_to` (null while current), `is_current` and `scd_id` (md5 of key and `valid_from`).
 * A key's current version is closed and a new one inserted when its `updatedAt` moved forward
 * (timestamp strategy) or one of `checkColumns` changed (check strategy; `'all'` = every
 * non-key column). Versions start at `updatedAt` when given, else at the run's time. With
 * `invalidateHardDeletes`, keys missing from the source are closed at the run's time. New
 * source columns are added to the history. All of it runs in one transaction.
 */
export async function materializeScd2(backend: DuckDbBackend, session: DuckDbSession, target: DuckDbTarget, request: SqlMaterializeRequest): Promise<MaterializeOutcome> {
  const options = request.asset.scd2;
  if (!options) throw new InvalidDefinitionError(target.key, 'materialize: "scd2" needs an "scd2" option');
  const keys = keyList(options.uniqueKey);
  const runAt = backend.literal(new Date());
  const validFrom = (alias: string) => (options.updatedAt ? `cast(${alias}.${quoteIdent(options.updatedAt)} as timestamp)` : runAt);
  const scdId = (alias: string) => `md5(concat_ws('|', ${keys.map((k) => `cast(${alias}.${quoteIdent(k)} as varchar)`).join(', ')}, cast(${validFrom(alias)} as varchar)))`;
  const versionColumns = (alias: string) =>
    `${validFrom(alias)} as valid_from, cast(null as timestamp) as valid_to, true as is_current, ${scdId(alias)} as scd_id`;

  const existing = await objectType(session, target.schema, target.table);
  if (request.fullRefresh || existing !== 'table') {
    const first = batchTable('scd2');
    // Created outside the transaction: concurrent uncommitted CREATE SCHEMAs conflict.
    await backend.ensureSchema(session, target.schema);
    await session
      .transaction(async () => {
        await session.run(`create temp table ${first} as ${asSubquery(request.sql.text)}`, request.sql.params);
        assertNoReservedColumns(target, await describeColumns(session, first));
        await assertUniqueKeys(session, target, first, keys);
        await buildAside(backend, session, target, async (aside) => {
          await session.run(`create table ${aside} as select b.*, ${versionColumns('b')} from ${first} as b`);
        });
        await session.run(`drop table ${first}`);
      })
      .catch(async (error: unknown) => {
        await session.bestEffort(`drop table if exists ${first}`);
        throw error;
      });
    const facts = await backend.tableFacts(session, target);
    return buildOutcome({ relation: target.relation, ...facts }, 'scd2', fullRebuildCounts(facts.rowCount));
  }

  const batch = batchTable('scd2');
  const changes = batchTable('scd2_changes');
  const fresh = batchTable('scd2_new');
  const counts = await backend
    .appendingInOrder(session, () => session.transaction(async () => {
      await session.run(`create temp table ${batch} as ${asSubquery(request.sql.text)}`, request.sql.params);
      const source = await describeColumns(session, batch);
      assertNoReservedColumns(target, source);
      await assertUniqueKeys(session, target, batch, keys);
      const history = byName(await objectColumns(session, target.schema, target.table));
      const added = source.filter((c) => !history.has(c.name.toLowerCase()));
      for (const c of added) await session.run(`alter table ${target.relation} add column ${quoteIdent(c.name)} ${c.type}`);

      const on = keyJoin('t', 'b', keys, quoteIdent);
      await session.run(`create temp table ${changes} as select b.* from ${batch} as b join ${target.relation} as t on ${on} and t.is_current where ${changedCondition(options, keys, source)}`);
      await session.run(`create temp table ${fresh} as select b.* from ${batch} as b where not exists (select 1 from ${target.relation} as t where ${on} and t.is_current)`);

      const closed = await session.run(
        `update ${target.relation} as t set valid_to = ${validFrom('c')}, is_current = false from ${changes} as c where ${keyJoin('t', 'c', keys, quoteIdent)} and t.is_current`,
      );
      const invalidated = options.invalidateHardDeletes
        ? await session.run(
            `update ${target.relation} as t set valid_to = ${runAt}, is_current = false where t.is_current and not exists (select 1 from ${batch} as b where ${on})`,
          )
        : { rowsChanged: 0 };
      const inserted = await session.run(
        `insert into ${target.relation} by name
         select c.*, ${versionColumns('c')} from ${changes} as c
         union all by name
         select f.*, ${versionColumns('f')} from ${fresh} as f`,
      );
      for (const t of [batch, changes, fresh]) await session.run(`drop table ${t}`);
      return { rowsInserted: inserted.rowsChanged, rowsUpdated: closed.rowsChanged, rowsDeleted: invalidated.rowsChanged, addedColumns: added.map((c) => c.name) };
    }))
    .catch(async (error: unknown) => {
      for (const t of [batch, changes, fresh]) await session.bestEffort(`drop table if exists ${t}`);
      throw error;
    });
  const facts = await backend.tableFacts(session, target);
  const { addedColumns, ...rows } = counts;
  return buildOutcome({ relation: target.relation, ...facts }, 'scd2', { fullRefresh: false, ...rows, ...schemaChangeMetadata({ added: addedColumns }) });
}

/** The SQL condition under which source row `b` is a new version of current row `t`. */
function changedCondition(options: Scd2Options, keys: readonly string[], source: readonly ColumnInfo[]): string {
  if (options.checkColumns) {
    const keySet = new Set(keys.map((k) => k.toLowerCase()));
    const columns = options.checkColumns === 'all' ? source.map((c) => c.name).filter((n) => !keySet.has(n.toLowerCase())) : options.checkColumns;
    if (columns.length === 0) return 'false';
    return `(${columns.map((c) => `b.${quoteIdent(c)} is distinct from t.${quoteIdent(c)}`).join(' or ')})`;
  }
  const u = quoteIdent(options.updatedAt!);
  return `b.${u} > t.${u}`;
}

function assertNoReservedColumns(target: DuckDbTarget, columns: readonly ColumnInfo[]): void {
  const clash = columns.map((c) => c.name).filter((n) => SCD2_NAMES.has(n.toLowerCase()));
  if (clash.length > 0) {
    throw new InvalidDefinitionError(target.key, `the query returns column(s) reserved for SCD2 history (${clash.join(', ')})`, 'Rename them in the query; Assay adds valid_from, valid_to, is_current and scd_id itself.');
  }
}

function assertUniqueKeys(session: DuckDbSession, target: DuckDbTarget, relation: string, keys: readonly string[]): Promise<void> {
  return assertUniqueKey({
    assetKey: target.key,
    relation,
    keys,
    quoteIdent,
    rows: (text) => session.rows(text),
    subject: 'the source repeats',
    requirement: 'an SCD2 snapshot needs one row per key',
  });
}
