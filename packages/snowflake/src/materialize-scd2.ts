import { asSubquery, buildOutcome, fullRebuildCounts, InvalidDefinitionError, keyJoin, schemaChangeMetadata, type MaterializeOutcome, type Scd2Options, type SqlMaterializeRequest } from '@assay/core';
import { byName, describeColumns, objectType, type ColumnInfo, type SnowflakeTarget } from './snowflake-catalog.js';
import type { SnowflakeBackend } from './snowflake-backend.js';
import { assertUniqueKeys, storedKeys } from './materialize-incremental.js';
import { buildAside } from './materialize-table.js';
import { displayName, quoteStored, storedName } from './snowflake-names.js';
import { dmlCount, type SnowflakeSession } from './snowflake-session.js';
import { snowflakeLiteral } from './snowflake-values.js';

/** Columns Assay adds to an SCD2 history table, after the source's own columns. */
export const SCD2_COLUMNS: readonly ColumnInfo[] = [
  { name: 'VALID_FROM', type: 'TIMESTAMP_NTZ' },
  { name: 'VALID_TO', type: 'TIMESTAMP_NTZ' },
  { name: 'IS_CURRENT', type: 'BOOLEAN' },
  { name: 'SCD_ID', type: 'VARCHAR' },
];
const SCD2_NAMES = new Set(SCD2_COLUMNS.map((c) => c.name));
const SCD2_LIST = SCD2_COLUMNS.map((c) => quoteStored(c.name)).join(', ');

/**
 * Materializes an SCD2 (slowly changing dimension, type 2) asset with dbt snapshot semantics.
 *
 * The table keeps every version of each `uniqueKey`: the source's columns plus `VALID_FROM`,
 * `VALID_TO` (null while current), `IS_CURRENT` and `SCD_ID` (md5 of key and valid-from). A
 * key's current version is closed and a new one inserted when its `updatedAt` moved forward
 * (timestamp strategy) or one of `checkColumns` changed (check strategy; `'all'` = every
 * non-key column). Versions start at `updatedAt` when given, else at the run's time. With
 * `invalidateHardDeletes`, keys missing from the source are closed at the run's time.
 *
 * The source is staged in a scratch table, new source columns are added to the history and
 * the changed and new rows are staged (all DDL, before the transaction); then closing and
 * inserting versions happens in one transaction.
 */
export async function materializeScd2(backend: SnowflakeBackend, session: SnowflakeSession, target: SnowflakeTarget, request: SqlMaterializeRequest): Promise<MaterializeOutcome> {
  const options = request.asset.scd2;
  if (!options) throw new InvalidDefinitionError(target.key, 'materialize: "scd2" needs an "scd2" option');
  const keys = storedKeys(options.uniqueKey);
  const runAt = snowflakeLiteral(new Date());
  const updatedAt = options.updatedAt === undefined ? undefined : quoteStored(storedName(options.updatedAt));
  const validFrom = (alias: string) => (updatedAt ? `cast(${alias}.${updatedAt} as timestamp_ntz)` : runAt);
  const scdId = (alias: string) =>
    `md5(concat_ws('|', ${[...keys.map((k) => `${alias}.${quoteStored(k)}`), validFrom(alias)].map((e) => `coalesce(cast(${e} as varchar), '')`).join(', ')}))`;
  const versionParts = (alias: string) => [validFrom(alias), 'cast(null as timestamp_ntz)', 'true', scdId(alias)];
  const versionValues = (alias: string) => versionParts(alias).join(', ');

  const existing = await objectType(session, target);
  const batch = await backend.createScratch(session, target, 'SCD2', `as ${asSubquery(backend.inline(request.sql))}`);
  const scratch = [batch];
  try {
    const source = await describeColumns(session, batch);
    assertNoReservedColumns(target, source);
    await assertUniqueKeys(session, target, batch, keys, 'source');
    const sourceList = source.map((c) => quoteStored(c.name));

    if (request.fullRefresh || existing !== 'table') {
      await buildAside(backend, session, target, async (aside) => {
        await session.run(
          `create or replace table ${aside} as select ${sourceList.map((c) => `b.${c}`).join(', ')}, ${versionParts('b').map((e, i) => `${e} as ${quoteStored(SCD2_COLUMNS[i]!.name)}`).join(', ')} from ${batch} as b`,
        );
      });
      const facts = await backend.tableFacts(session, target);
      return buildOutcome({ relation: target.relation, ...facts }, 'scd2', fullRebuildCounts(facts.rowCount));
    }

    const history = byName(await describeColumns(session, target.relation));
    const added = source.filter((c) => !history.has(c.name));
    for (const c of added) await session.run(`alter table ${target.relation} add column ${quoteStored(c.name)} ${c.type}`);

    const on = keyJoin('t', 'b', keys, quoteStored);
    const changes = await backend.createScratch(
      session,
      target,
      'SCD2_CHANGES',
      `as select b.* from ${batch} as b join ${target.relation} as t on ${on} and t."IS_CURRENT" where ${changedCondition(options, keys, source)}`,
    );
    scratch.push(changes);
    const fresh = await backend.createScratch(session, target, 'SCD2_NEW', `as select b.* from ${batch} as b where not exists (select 1 from ${target.relation} as t where ${on} and t."IS_CURRENT")`);
    scratch.push(fresh);

    const counts = await session.transaction(async () => {
      const closed = await session.run(
        `update ${target.relation} as t set "VALID_TO" = ${validFrom('c')}, "IS_CURRENT" = false from ${changes} as c where ${keyJoin('t', 'c', keys, quoteStored)} and t."IS_CURRENT"`,
      );
      const invalidated = options.invalidateHardDeletes
        ? dmlCount(await session.run(`update ${target.relation} as t set "VALID_TO" = ${runAt}, "IS_CURRENT" = false where t."IS_CURRENT" and not exists (select 1 from ${batch} as b where ${on})`), 'updated')
        : 0;
      const inserted = await session.run(
        `insert into ${target.relation} (${sourceList.join(', ')}, ${SCD2_LIST})
         select ${sourceList.map((c) => `c.${c}`).join(', ')}, ${versionValues('c')} from ${changes} as c
         union all
         select ${sourceList.map((c) => `f.${c}`).join(', ')}, ${versionValues('f')} from ${fresh} as f`,
      );
      return { rowsInserted: dmlCount(inserted, 'inserted'), rowsUpdated: dmlCount(closed, 'updated'), rowsDeleted: invalidated };
    });
    const facts = await backend.tableFacts(session, target);
    return buildOutcome({ relation: target.relation, ...facts }, 'scd2', { fullRefresh: false, ...counts, ...schemaChangeMetadata({ added: added.map((c) => c.name) }) });
  } finally {
    for (const t of scratch) await session.bestEffort(`drop table if exists ${t}`);
  }
}

/** The SQL condition under which source row `b` is a new version of current row `t`. */
function changedCondition(options: Scd2Options, keys: readonly string[], source: readonly ColumnInfo[]): string {
  if (options.checkColumns) {
    const keySet = new Set(keys);
    const columns = options.checkColumns === 'all' ? source.map((c) => c.name).filter((n) => !keySet.has(n)) : options.checkColumns.map(storedName);
    if (columns.length === 0) return 'false';
    return `(${columns.map((c) => `(b.${quoteStored(c)} is distinct from t.${quoteStored(c)})`).join(' or ')})`;
  }
  const u = quoteStored(storedName(options.updatedAt!));
  return `b.${u} > t.${u}`;
}

function assertNoReservedColumns(target: SnowflakeTarget, columns: readonly ColumnInfo[]): void {
  const clash = columns.map((c) => c.name).filter((n) => SCD2_NAMES.has(n.toUpperCase()));
  if (clash.length > 0) {
    throw new InvalidDefinitionError(
      target.key,
      `the query returns column(s) reserved for SCD2 history (${clash.map(displayName).join(', ')})`,
      'Rename them in the query; Assay adds valid_from, valid_to, is_current and scd_id itself.',
    );
  }
}
