import { PartitionError } from '../errors.js';
import type { AssetKey } from './asset-key.js';

/** Marker carried by every asset definition so SQL templates can recognise interpolated assets. */
export const ASSET_REF = Symbol.for('assay.assetRef');

/** Anything that can stand for an asset inside a SQL template: a definition (or its ref). */
export interface AssetRef {
  readonly [ASSET_REF]: true;
  /** Key of the referenced asset. */
  readonly key: AssetKey;
}

/** A piece of SQL spliced in verbatim. Only for trusted text (identifiers you control, keywords). */
export interface RawSql {
  readonly kind: 'raw';
  readonly text: string;
}

/** One interpolated value of a {@link SqlFragment}. */
export type SqlValue = AssetRef | SqlFragment | RawSql | unknown;

/**
 * A SQL text with interpolations, produced by the {@link sql} tag.
 *
 * Interpolated assets render as the backend's qualified relation and become dependencies;
 * interpolated fragments are inlined; {@link raw} values are spliced; every other value is a
 * bound parameter, never string-spliced.
 */
export interface SqlFragment {
  readonly kind: 'sql';
  readonly strings: readonly string[];
  readonly values: readonly SqlValue[];
}

/**
 * Tagged template for SQL text.
 *
 * @example
 * ```ts
 * const recent = sql`select * from ${orders} where amount > ${minAmount}`;
 * ```
 */
export function sql(strings: TemplateStringsArray | readonly string[], ...values: SqlValue[]): SqlFragment {
  return { kind: 'sql', strings: [...strings], values };
}

/** Splices trusted text into a SQL template verbatim (no quoting, no binding). */
export function raw(text: string): RawSql {
  return { kind: 'raw', text };
}

/** True for values made by {@link sql}. */
export function isSqlFragment(value: unknown): value is SqlFragment {
  return typeof value === 'object' && value !== null && (value as { kind?: unknown }).kind === 'sql' && Array.isArray((value as SqlFragment).strings);
}

/** True for values made by {@link raw}. */
export function isRawSql(value: unknown): value is RawSql {
  return typeof value === 'object' && value !== null && (value as { kind?: unknown }).kind === 'raw' && typeof (value as RawSql).text === 'string';
}

/** True for asset definitions and refs. */
export function isAssetRef(value: unknown): value is AssetRef {
  return (typeof value === 'object' || typeof value === 'function') && value !== null && (value as Record<symbol, unknown>)[ASSET_REF] === true;
}

/** Key of {@link self}; never a real asset (keys cannot start with `@`). */
export const SELF_KEY = '@self';

/**
 * Stands for "the asset being checked or built" inside a template, e.g. in a custom SQL
 * check: ``checks.sql('no_future_dates', sql`select * from ${self} where d > current_date`)``.
 */
export const self: AssetRef = Object.freeze({ [ASSET_REF]: true as const, key: SELF_KEY });

/** Key of {@link newRows}. */
export const NEW_ROWS_KEY = '@new-rows';

/**
 * Stands for "the rows the build just added" inside a custom SQL check: after an ingestion
 * of new files or an `append` incremental, only those rows; after a build that wrote the
 * whole table, the whole table. A check can compare them with `${self}`, the whole table:
 * ``sql`select id from ${self} where id >= (select min(id) from ${newRows}) group by id having count(*) > 1` ``.
 */
export const newRows: AssetRef = Object.freeze({ [ASSET_REF]: true as const, key: NEW_ROWS_KEY });

/** True for the keys of {@link self} and {@link newRows}, which stand for the asset being checked or built. */
export function isPlaceholderKey(key: AssetKey): boolean {
  return key === SELF_KEY || key === NEW_ROWS_KEY;
}

/**
 * Calls `visit` on every interpolated value of a fragment, in order of appearance, nested
 * fragments and both sides of {@link whenIncremental} branches included (the branch itself
 * is visited too). Stops, and returns true, as soon as `visit` returns true.
 */
export function someSqlValue(fragment: SqlFragment, visit: (value: SqlValue) => boolean): boolean {
  for (const v of fragment.values) {
    if (visit(v)) return true;
    if (isSqlFragment(v) && someSqlValue(v, visit)) return true;
    if (isIncrementalBranch(v) && (someSqlValue(v.then, visit) || (v.otherwise !== undefined && someSqlValue(v.otherwise, visit)))) return true;
  }
  return false;
}

/** Keys of every asset interpolated in a fragment, nested fragments and branches included, in order of appearance. */
export function referencedKeys(fragment: SqlFragment): AssetKey[] {
  const out: AssetKey[] = [];
  someSqlValue(fragment, (v) => {
    if (isAssetRef(v) && !isPlaceholderKey(v.key)) out.push(v.key);
    return false;
  });
  return out;
}

/** A value filled in per step from the running partition (bound as a parameter). */
export interface PartitionVar {
  readonly kind: 'partition';
  readonly field: 'key' | 'start' | 'end';
}

/** True for {@link partition} placeholders. */
export function isPartitionVar(value: unknown): value is PartitionVar {
  return typeof value === 'object' && value !== null && (value as { kind?: unknown }).kind === 'partition';
}

/**
 * Placeholders for the running partition inside SQL templates, bound as parameters at run
 * time: `key` (`2024-01-31`), and for time partitions `start`/`end` of the window
 * `[start, end)` as ISO timestamps.
 *
 * @example
 * ```ts
 * sqlAsset({ key: 'silver/events', partitions: partitions.daily('2024-01-01'), materialize: 'incremental',
 *   incremental: { strategy: 'delete+insert', watermark: 'ts' } })`
 *   select * from ${raw} where ts >= ${partition.start}::timestamp and ts < ${partition.end}::timestamp`;
 * ```
 */
export const partition: { readonly key: PartitionVar; readonly start: PartitionVar; readonly end: PartitionVar } = Object.freeze({
  key: Object.freeze({ kind: 'partition' as const, field: 'key' as const }),
  start: Object.freeze({ kind: 'partition' as const, field: 'start' as const }),
  end: Object.freeze({ kind: 'partition' as const, field: 'end' as const }),
});

/** SQL taken only when an incremental asset adds to its table; see {@link whenIncremental}. */
export interface IncrementalBranch {
  readonly kind: 'incremental-branch';
  /** Rendered when the build adds to an existing table. */
  readonly then: SqlFragment;
  /** Rendered on the first build and on a full refresh (nothing when absent). */
  readonly otherwise: SqlFragment | undefined;
}

/** True for values made by {@link whenIncremental}. */
export function isIncrementalBranch(value: unknown): value is IncrementalBranch {
  return typeof value === 'object' && value !== null && (value as { kind?: unknown }).kind === 'incremental-branch';
}

/**
 * SQL that applies only when an `incremental` asset adds to its existing table, like dbt's
 * `{% if is_incremental() %}`: on the first build and on a full refresh the template holds
 * `otherwise` instead (nothing by default). Inside it, `${self}` is the table as it stands,
 * so the query can pick up where the last build stopped.
 *
 * @example
 * ```ts
 * sqlAsset({ key: 'gold/daily', materialize: 'incremental', incremental: { strategy: 'delete+insert', uniqueKey: 'day' } })`
 *   select cast(ts as date) as day, count(*) as events from ${events}
 *   ${whenIncremental(sql`where ts >= (select max(day) from ${self})`)}
 *   group by all`;
 * ```
 */
export function whenIncremental(then: SqlFragment, otherwise?: SqlFragment): IncrementalBranch {
  if (!isSqlFragment(then) || (otherwise !== undefined && !isSqlFragment(otherwise))) {
    throw new TypeError('whenIncremental takes sql`...` fragments');
  }
  return Object.freeze({ kind: 'incremental-branch' as const, then, otherwise });
}

/** Whether a fragment holds a {@link whenIncremental} branch anywhere. */
export function hasIncrementalBranch(fragment: SqlFragment): boolean {
  return someSqlValue(fragment, isIncrementalBranch);
}

/** How a backend renders the parts of a template it owns. */
export interface SqlRenderer {
  /** Qualified, quoted relation for an asset key (e.g. `"silver"."orders"`). */
  relation(key: AssetKey): string;
  /** Placeholder for the parameter at 1-based `index` (e.g. `$1` or `?`). */
  placeholder(index: number): string;
  /** Value of a {@link partition} placeholder; rendering one without this fails. */
  partitionValue?(field: PartitionVar['field']): string;
  /** Take the `then` side of {@link whenIncremental} branches. Defaults to false. */
  incremental?: boolean;
}

/** A rendered statement: text plus positional parameters. */
export interface RenderedSql {
  readonly text: string;
  readonly params: unknown[];
}

/**
 * Renders a fragment for a backend: asset refs become relations, plain values become
 * parameters (numbered from `firstIndex`).
 */
export function renderSql(fragment: SqlFragment, renderer: SqlRenderer, firstIndex = 1): RenderedSql {
  const params: unknown[] = [];
  let text = '';
  const walk = (f: SqlFragment): void => {
    f.strings.forEach((s, i) => {
      text += s;
      if (i >= f.values.length) return;
      let v = f.values[i];
      if (isAssetRef(v)) text += renderer.relation(v.key);
      else if (isSqlFragment(v)) walk(v);
      else if (isRawSql(v)) text += v.text;
      else if (isIncrementalBranch(v)) {
        const taken = renderer.incremental ? v.then : v.otherwise;
        if (taken) walk(taken);
      } else {
        if (isPartitionVar(v)) {
          if (!renderer.partitionValue) throw new PartitionError(`partition.${v.field} is used in SQL but the step runs no partition`);
          v = renderer.partitionValue(v.field);
        }
        params.push(v);
        text += renderer.placeholder(firstIndex + params.length - 1);
      }
    });
  };
  walk(fragment);
  return { text, params };
}

/**
 * A stable text of the template for hashing (code versions): refs as `{{key}}`, parameters
 * by value, since a changed bound value (a threshold, a date) changes what the asset holds.
 */
export function fingerprintSql(fragment: SqlFragment): string {
  let text = '';
  const walk = (f: SqlFragment): void => {
    f.strings.forEach((s, i) => {
      text += s;
      if (i >= f.values.length) return;
      const v = f.values[i];
      if (isAssetRef(v)) text += `{{${v.key}}}`;
      else if (isSqlFragment(v)) walk(v);
      else if (isRawSql(v)) text += v.text;
      else if (isIncrementalBranch(v)) {
        text += '{{incremental:';
        walk(v.then);
        text += '|';
        if (v.otherwise) walk(v.otherwise);
        text += '}}';
      } else if (isPartitionVar(v)) text += `{{partition.${v.field}}}`;
      else text += `{{?${JSON.stringify(v) ?? String(v)}}}`;
    });
  };
  walk(fragment);
  return text;
}
