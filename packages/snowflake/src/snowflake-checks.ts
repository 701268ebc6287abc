import { renderSql, SELF_KEY, UnsupportedError, type CheckRequest, type NamedCheckOutcome, type ResolvedCheck, type Row } from '@assay/core';
import { describeColumns, objectType, type ColumnInfo, type SnowflakeTarget } from './snowflake-catalog.js';
import type { SnowflakeBackend } from './snowflake-backend.js';
import { quoteIdent, quoteStored } from './snowflake-names.js';
import type { SnowflakeSession } from './snowflake-session.js';
import { snowflakeLiteral } from './snowflake-values.js';

const SAMPLE_SIZE = 5;
/** Alias of the checked relation in check queries (predicates qualify columns with it). */
const ALIAS = 'assay_t';

/** Columns Assay adds to a `<table>__QUARANTINE` table after the asset's own. */
export const QUARANTINE_COLUMNS: readonly ColumnInfo[] = [
  { name: 'ASSAY_CHECK', type: 'VARCHAR' },
  { name: 'ASSAY_QUARANTINED_AT', type: 'TIMESTAMP_NTZ' },
  { name: 'ASSAY_RUN_ID', type: 'VARCHAR' },
];

/** The number in the first column of the first row (`count(*)` and friends). */
function firstNumber(rows: readonly Row[]): number {
  const row = rows[0];
  const value = row ? Object.values(row)[0] : 0;
  return Number(value ?? 0);
}

/** The value of `column` in a row, whatever its case. */
function valueOf(row: Row | undefined, column: string): unknown {
  if (!row) return undefined;
  if (column in row) return row[column];
  const wanted = column.toLowerCase();
  for (const [k, v] of Object.entries(row)) if (k.toLowerCase() === wanted) return v;
  return undefined;
}

/**
 * The predicate selecting rows of the relation aliased `alias` that fail a row-level check,
 * or undefined for aggregate checks. Column names follow the identifier policy (`status` → `"STATUS"`); an expression
 * check's SQL is used as written.
 */
export function failingRowPredicate(backend: SnowflakeBackend, alias: string, check: ResolvedCheck): string | undefined {
  const c = (name: string) => `${alias}.${quoteIdent(name)}`;
  switch (check.type) {
    case 'not_null':
      return `${c(check.column)} is null`;
    case 'accepted_values':
      return `${c(check.column)} is not null and ${c(check.column)} not in (${check.values.map((v) => snowflakeLiteral(v)).join(', ')})`;
    case 'relationships':
      return `${c(check.column)} is not null and not exists (select 1 from ${backend.relation(check.to)} as assay_parent where assay_parent.${quoteIdent(check.toColumn)} = ${c(check.column)})`;
    case 'expression':
      return `not (${check.expression})`;
    default:
      return undefined;
  }
}

/**
 * Evaluates one declared check on `target` with Snowflake SQL: row-level checks count and
 * sample failing rows (or quarantine them), `unique` samples duplicated values, `row_count`
 * and `freshness` compare one aggregate, custom SQL counts the rows it returns.
 */
export async function runCheck(backend: SnowflakeBackend, session: SnowflakeSession, request: CheckRequest, target: SnowflakeTarget, check: ResolvedCheck): Promise<NamedCheckOutcome> {
  const rel = target.relation;
  const predicate = failingRowPredicate(backend, ALIAS, check);
  if (predicate !== undefined) {
    const failing = firstNumber(await session.rows(`select count(*) as "N" from ${rel} as ${ALIAS} where ${predicate}`));
    if (failing === 0) return { name: check.name, passed: true, failingRows: 0 };
    const sample = await session.rows(`select ${ALIAS}.* from ${rel} as ${ALIAS} where ${predicate} limit ${SAMPLE_SIZE}`);
    if (request.quarantine) {
      const quarantined = await quarantineRows(backend, session, request, target, check, predicate);
      return { name: check.name, passed: true, failingRows: failing, sample, quarantinedRows: quarantined, message: `${quarantined} row(s) quarantined` };
    }
    return { name: check.name, passed: false, failingRows: failing, sample, message: `${failing} failing row(s)` };
  }
  switch (check.type) {
    case 'unique': {
      const cols = check.columns.map(quoteIdent).join(', ');
      const dupes = `select ${cols}, count(*) as "ASSAY_COUNT" from ${rel} group by ${cols} having count(*) > 1`;
      const [row] = await session.rows(`select count(*) as "K", coalesce(sum("ASSAY_COUNT"), 0) as "N" from (${dupes}) as d`);
      const keys = Number(valueOf(row, 'K') ?? 0);
      const rows = Number(valueOf(row, 'N') ?? 0);
      if (keys === 0) return { name: check.name, passed: true, failingRows: 0 };
      const sample = await session.rows(`${dupes} order by "ASSAY_COUNT" desc limit ${SAMPLE_SIZE}`);
      return { name: check.name, passed: false, failingRows: rows, sample, message: `${keys} duplicated value(s) over ${rows} rows` };
    }
    case 'row_count': {
      const n = firstNumber(await session.rows(`select count(*) as "N" from ${rel}`));
      const passed = (check.min === undefined || n >= check.min) && (check.max === undefined || n <= check.max);
      return { name: check.name, passed, failingRows: passed ? 0 : 1, metadata: { rowCount: n }, message: passed ? `${n} rows` : `${n} rows, expected ${check.min ?? '-∞'}..${check.max ?? '∞'}` };
    }
    case 'freshness': {
      const [row] = await session.rows(`select max(${quoteIdent(check.column)}) as "M" from ${rel}`);
      const m = valueOf(row, 'M');
      const newest = m instanceof Date ? m : m == null ? undefined : new Date(String(m));
      if (!newest || Number.isNaN(newest.getTime())) return { name: check.name, passed: false, failingRows: 1, message: `no ${check.column} values` };
      const ageSeconds = Math.round((Date.now() - newest.getTime()) / 1000);
      const passed = ageSeconds <= check.maxAgeSeconds;
      return { name: check.name, passed, failingRows: passed ? 0 : 1, metadata: { newest: newest.toISOString(), ageSeconds }, message: `newest ${check.column} is ${ageSeconds}s old (max ${check.maxAgeSeconds}s)` };
    }
    case 'sql': {
      const rendered = renderSql(check.sql, { relation: (k) => (k === SELF_KEY ? rel : backend.relation(k)), placeholder: (i) => backend.placeholder(i) });
      const failing = firstNumber(await session.rows(`select count(*) as "N" from (${rendered.text}) as assay_check`, rendered.params));
      if (failing === 0) return { name: check.name, passed: true, failingRows: 0 };
      const sample = await session.rows(`select * from (${rendered.text}) as assay_check limit ${SAMPLE_SIZE}`, rendered.params);
      return { name: check.name, passed: false, failingRows: failing, sample, message: `${failing} failing row(s)` };
    }
    default:
      throw new UnsupportedError(`Check type "${check.type}" is evaluated by the executor, not the backend`, { assetKey: request.assetKey });
  }
}

/**
 * Moves rows matching `predicate` (over the relation aliased `assay_t`) to `<table>__QUARANTINE` (the asset's columns plus
 * ASSAY_CHECK, ASSAY_QUARANTINED_AT and ASSAY_RUN_ID) in one transaction, so a failure never
 * leaves rows copied but not deleted. Columns the asset gained since the quarantine table was
 * created are added to it first. Returns how many rows moved.
 */
export async function quarantineRows(
  backend: SnowflakeBackend,
  session: SnowflakeSession,
  request: CheckRequest,
  target: SnowflakeTarget,
  check: ResolvedCheck,
  predicate: string,
): Promise<number> {
  const type = await objectType(session, target);
  if (type !== 'table') {
    throw new UnsupportedError(`Asset "${request.assetKey}" is a ${type ?? 'missing relation'}; only tables can quarantine rows`, {
      assetKey: request.assetKey,
      hint: 'Materialize the asset as a table (or incremental) to quarantine failing rows.',
    });
  }
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
