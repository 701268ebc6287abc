import { assertQuarantinable, type CheckRequest, type ResolvedCheck } from '@assay/core';
import { describeColumns, objectType, type ColumnInfo, type SnowflakeTarget } from './snowflake-catalog.js';
import type { SnowflakeBackend } from './snowflake-backend.js';
import { quoteStored } from './snowflake-names.js';
import type { SnowflakeSession } from './snowflake-session.js';

/** Alias of the quarantined relation in the copy and delete statements (the predicate qualifies columns with it). */
const ALIAS = 'assay_t';

/** Columns Assay adds to a `<table>__QUARANTINE` table after the asset's own. */
export const QUARANTINE_COLUMNS: readonly ColumnInfo[] = [
  { name: 'ASSAY_CHECK', type: 'VARCHAR' },
  { name: 'ASSAY_QUARANTINED_AT', type: 'TIMESTAMP_NTZ' },
  { name: 'ASSAY_RUN_ID', type: 'VARCHAR' },
];

/**
 * Moves the rows failing a row-level check to `<table>__QUARANTINE` (the asset's columns plus
 * ASSAY_CHECK, ASSAY_QUARANTINED_AT and ASSAY_RUN_ID) in one transaction, so a failure never
 * leaves rows copied but not deleted. Columns the asset gained since the quarantine table was
 * created are added to it first. Returns how many rows moved.
 */
export async function quarantineRows(backend: SnowflakeBackend, session: SnowflakeSession, request: CheckRequest, target: SnowflakeTarget, check: ResolvedCheck): Promise<number> {
  const predicate = backend.failingRowPredicate(ALIAS, check)!;
  assertQuarantinable(request.assetKey, await objectType(session, target));
  const quarantine = backend.target(`${request.assetKey}__quarantine`);
  const source = await describeColumns(session, target.relation);
  await backend.ensureTableWithColumns(session, quarantine, [...source, ...QUARANTINE_COLUMNS]);
  const sourceList = source.map((c) => quoteStored(c.name)).join(', ');
  return session.transaction(async () => {
    const moved = await session.run(
      `insert into ${quarantine.relation} (${sourceList}, "ASSAY_CHECK", "ASSAY_QUARANTINED_AT", "ASSAY_RUN_ID")
       select ${source.map((c) => `${ALIAS}.${quoteStored(c.name)}`).join(', ')}, ?, ?::timestamp_ntz, ? from ${target.relation} as ${ALIAS} where ${predicate}`,
      [check.name, new Date(), request.runId],
    );
    await session.run(`delete from ${target.relation} ${ALIAS} where ${predicate}`);
    const n = moved.rows[0]?.['number of rows inserted'];
    return Number(n ?? 0);
  });
}
