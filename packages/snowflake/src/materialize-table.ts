import { asSubquery, type RenderedSql } from '@assay/core';
import { objectType, sibling, type SnowflakeTarget } from './snowflake-catalog.js';
import type { SnowflakeBackend } from './snowflake-backend.js';
import { BUILD_SUFFIX } from './snowflake-names.js';
import type { SnowflakeSession } from './snowflake-session.js';

/** The relation a build of `target` writes before the swap: `"DB"."S"."ORDERS__ASSAY_NEW"`. */
export function buildRelation(target: SnowflakeTarget): string {
  return sibling(target, `${target.name}${BUILD_SUFFIX}`);
}

/**
 * Builds `target` as a table from a SELECT without ever exposing a half-built table:
 *
 * ```sql
 * create or replace table "DB"."S"."T__ASSAY_NEW" as (<select>);
 * alter table "DB"."S"."T__ASSAY_NEW" swap with "DB"."S"."T";  -- or rename, the first time
 * drop table "DB"."S"."T__ASSAY_NEW";                            -- now holds the old rows
 * ```
 *
 * `SWAP WITH` exchanges the two tables in one metadata operation, so readers see the old
 * table or the new one, never neither. A failed or canceled build drops the new table and
 * leaves the old one untouched. Values bound in the asset's SQL are inlined as literals
 * (Snowflake DDL takes no bind variables).
 */
export async function buildTable(backend: SnowflakeBackend, session: SnowflakeSession, target: SnowflakeTarget, sql: RenderedSql): Promise<void> {
  const select = backend.inline(sql);
  await buildAside(backend, session, target, async (aside) => {
    await session.run(`create or replace table ${aside} as ${asSubquery(select)}`);
  });
}

/**
 * Runs `fill` to create the aside table, then swaps it in (see {@link buildTable}). `fill`
 * receives the aside table's qualified name.
 */
export async function buildAside(backend: SnowflakeBackend, session: SnowflakeSession, target: SnowflakeTarget, fill: (aside: string) => Promise<void>): Promise<void> {
  await backend.ensureSchema(session, target);
  const aside = buildRelation(target);
  try {
    await fill(aside);
    session.throwIfCanceled();
    const existing = await objectType(session, target);
    if (existing === 'table') {
      await session.run(`alter table ${aside} swap with ${target.relation}`);
      await session.bestEffort(`drop table if exists ${aside}`);
    } else {
      if (existing === 'view') await session.run(`drop view ${target.relation}`);
      await session.run(`alter table ${aside} rename to ${target.relation}`);
    }
  } catch (error) {
    await session.bestEffort(`drop table if exists ${aside}`);
    throw error;
  }
}

/**
 * Creates or replaces a view. A table of the same name is dropped first (Snowflake cannot
 * replace a table with a view in one statement), once the query is known to compile. Bound
 * values are inlined as literals.
 */
export async function buildView(backend: SnowflakeBackend, session: SnowflakeSession, target: SnowflakeTarget, sql: RenderedSql): Promise<void> {
  await backend.ensureSchema(session, target);
  const select = backend.inline(sql);
  if ((await objectType(session, target)) === 'table') {
    // Compile the query before dropping the table it replaces: Snowflake DDL is not transactional.
    await session.run(`select * from ${asSubquery(select)} where 1 = 0`);
    await session.run(`drop table ${target.relation}`);
  }
  await session.run(`create or replace view ${target.relation} as ${asSubquery(select)}`);
}
