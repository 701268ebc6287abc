import { asSubquery, type RenderedSql } from '@assay/core';
import { BUILD_SUFFIX, objectType, qualified, quoteIdent } from './duckdb-catalog.js';
import type { DuckDbBackend, DuckDbTarget } from './duckdb-backend.js';
import type { DuckDbSession } from './duckdb-session.js';

/** The relation a build of `target` writes before the swap. */
export function buildRelation(target: DuckDbTarget): string {
  return qualified(target.schema, `${target.table}${BUILD_SUFFIX}`);
}

/**
 * Builds `target` as a table from a SELECT without ever exposing a half-built table: the
 * result goes to `<table>__assay_new`, which then replaces the old relation in one
 * transaction. A failed or canceled build drops the new relation and leaves the old one as
 * it was; a leftover from a killed process is dropped first.
 */
export async function buildTable(backend: DuckDbBackend, session: DuckDbSession, target: DuckDbTarget, sql: RenderedSql): Promise<void> {
  await buildAside(backend, session, target, (aside) => session.run(`create table ${aside} as ${asSubquery(sql.text)}`, sql.params).then(() => undefined));
}

/**
 * Runs `fill` to create the aside relation, then swaps it in (see {@link buildTable}).
 * `fill` receives the aside relation's quoted name.
 */
export async function buildAside(backend: DuckDbBackend, session: DuckDbSession, target: DuckDbTarget, fill: (aside: string) => Promise<void>): Promise<void> {
  await backend.ensureSchema(session, target.schema);
  const aside = buildRelation(target);
  await session.run(`drop table if exists ${aside}`);
  try {
    await fill(aside);
    session.throwIfCanceled();
    await session.transaction(async () => {
      await dropExisting(session, target);
      await session.run(`alter table ${aside} rename to ${quoteIdent(target.table)}`);
    });
  } catch (error) {
    await session.bestEffort(`drop table if exists ${aside}`);
    throw error;
  }
}

/** Drops whatever relation currently holds the target's name (table or view). */
export async function dropExisting(session: DuckDbSession, target: DuckDbTarget): Promise<void> {
  const existing = await objectType(session, target.schema, target.table);
  if (existing === 'table') await session.run(`drop table ${target.relation}`);
  else if (existing === 'view') await session.run(`drop view ${target.relation}`);
}

/**
 * Creates or replaces a view. DuckDB cannot prepare CREATE VIEW, so bound values are
 * inlined as literals. A table of the same name is replaced in the same transaction.
 */
export async function buildView(backend: DuckDbBackend, session: DuckDbSession, target: DuckDbTarget, sql: RenderedSql): Promise<void> {
  await backend.ensureSchema(session, target.schema);
  const text = backend.inline(sql);
  await session.transaction(async () => {
    if ((await objectType(session, target.schema, target.table)) === 'table') await session.run(`drop table ${target.relation}`);
    await session.run(`create or replace view ${target.relation} as ${asSubquery(text)}`);
  });
}
