import type { Materialization, SqlAssetDefinition } from '../definitions/asset.js';
import { UnsupportedError } from '../errors.js';
import type { MaterializeOutcome } from './backend.js';

/** A relation a backend just built or loaded, as {@link buildOutcome} reports it. */
export interface BuiltRelation {
  /** The relation's qualified, quoted name. */
  relation: string;
  /** Its columns in order, with the engine's type names. */
  columns: readonly { name: string; type: string }[];
  /** Rows it holds; leave out for views. */
  rowCount?: number | undefined;
}

/**
 * The outcome of a build, in the shape every backend reports: `rowCount` (when known) and
 * metadata `{ columns, relation, materialization, ...extra }` — `extra` carries the strategy's
 * own facts (strategy, rows inserted/updated/deleted, schema changes, files loaded, ...).
 *
 * @example
 * ```ts
 * return buildOutcome({ relation: target.relation, ...facts }, 'incremental', { strategy: 'merge', ...fullRebuildCounts(facts.rowCount) });
 * ```
 */
export function buildOutcome(built: BuiltRelation, materialization: string, extra: Record<string, unknown> = {}): MaterializeOutcome {
  return {
    ...(built.rowCount === undefined ? {} : { rowCount: built.rowCount }),
    metadata: { columns: built.columns, relation: built.relation, materialization, ...extra },
  };
}

/**
 * Metadata of an incremental or SCD2 build that (re)built the whole table: `fullRefresh: true`,
 * every row inserted, none updated or deleted.
 */
export function fullRebuildCounts(rowCount: number): { fullRefresh: true; rowsInserted: number; rowsUpdated: 0; rowsDeleted: 0 } {
  return { fullRefresh: true, rowsInserted: rowCount, rowsUpdated: 0, rowsDeleted: 0 };
}

/** Names of the columns a build added, removed or changed the type of. */
export interface SchemaChange {
  added?: readonly string[];
  removed?: readonly string[];
  changed?: readonly string[];
}

/**
 * `{ schemaChange: { added, removed, changed } }` (missing lists as `[]`) to spread into a
 * build's metadata, or `{}` when nothing changed.
 */
export function schemaChangeMetadata(change: SchemaChange): { schemaChange?: { added: string[]; removed: string[]; changed: string[] } } {
  const added = [...(change.added ?? [])];
  const removed = [...(change.removed ?? [])];
  const changed = [...(change.changed ?? [])];
  return added.length + removed.length + changed.length === 0 ? {} : { schemaChange: { added, removed, changed } };
}

/** One build function per materialization a backend supports; see {@link materializeWith}. */
export type MaterializationStrategies = { readonly [M in Materialization]?: () => Promise<MaterializeOutcome> };

/**
 * Runs the strategy for a SQL asset's `materialize` option, or fails with `ASSAY_UNSUPPORTED`
 * (`The <backend> backend cannot materialize "<kind>"`) when the backend has none for it.
 *
 * @example
 * ```ts
 * return materializeWith(this.name, request.asset, {
 *   view: () => buildView(session, target, request.sql),
 *   table: () => buildTable(session, target, request.sql),
 * });
 * ```
 */
export async function materializeWith(backendName: string, asset: Pick<SqlAssetDefinition, 'key' | 'materialize'>, strategies: MaterializationStrategies): Promise<MaterializeOutcome> {
  const strategy = Object.hasOwn(strategies, asset.materialize) ? strategies[asset.materialize] : undefined;
  if (!strategy) throw new UnsupportedError(`The ${backendName} backend cannot materialize "${String(asset.materialize)}"`, { assetKey: asset.key });
  return strategy();
}

/**
 * A {@link MaterializeOutcome.addedRows} relation: the rows of `relation` matching
 * `predicate` (in the backend's SQL), e.g. this load's `loaded_at`; `false` for a build that
 * added nothing.
 */
export function addedRowsWhere(relation: string, predicate: string | false): string {
  return `(select * from ${relation} where ${predicate === false ? '1 = 0' : predicate})`;
}
