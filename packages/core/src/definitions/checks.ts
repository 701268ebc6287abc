import type { AssetKey } from './asset-key.js';
import type { AssetRef, SqlFragment } from './sql.js';

/** How bad a failing check is. `error` fails the run's exit status; `warn` only reports. */
export type CheckSeverity = 'warn' | 'error';

/**
 * Which rows a check reads after a build that only added rows to an existing table (an
 * ingestion loading new files, an `append` incremental):
 *
 * - `'table'` (the default): the whole table, after every build.
 * - `'new-rows'`: only the rows that build added. Exact for row-level checks on data that is
 *   only appended, since the older rows passed when they arrived; `unique` still finds new
 *   keys that repeat old ones. Builds that write the whole table check all of it.
 * - `'full-builds'`: the whole table, but only after builds that write all of it (first
 *   build, full refresh, table materializations) and in `assets check`; skipped, and
 *   reported as skipped, after a build that only added rows. For statistics over the whole
 *   data set that one small batch cannot move.
 */
export type CheckScope = 'table' | 'new-rows' | 'full-builds';

/** Valid {@link CheckScope} values. */
export const CHECK_SCOPES: readonly CheckScope[] = ['table', 'new-rows', 'full-builds'];

/** Fields every check shares. */
export interface CheckBase {
  /** Unique name within the asset. Defaults to a name derived from the check (e.g. `not_null_email`). */
  name?: string;
  /** Defaults to `'error'`. */
  severity?: CheckSeverity;
  /**
   * When true, a failure stops the asset's downstream from running. Defaults to false for
   * `warn` severity and true for `error` severity.
   */
  blocking?: boolean;
  /** Human description shown in CLI output and lineage. */
  description?: string;
  /** Which rows the check reads after a build that only added rows. Defaults to `'table'`. */
  scope?: CheckScope;
}

/** Row-level: the column must have no nulls. */
export interface NotNullCheck extends CheckBase { type: 'not_null'; column: string }
/** The column (or combination of columns) must be unique. */
export interface UniqueCheck extends CheckBase { type: 'unique'; columns: string[] }
/** Row-level: the column's non-null values must be in the list. */
export interface AcceptedValuesCheck extends CheckBase { type: 'accepted_values'; column: string; values: (string | number | boolean)[] }
/** Row-level: every non-null value of `column` must exist in `to.toColumn` (a foreign key). */
export interface RelationshipsCheck extends CheckBase { type: 'relationships'; column: string; to: AssetKey; toColumn: string }
/** The row count must be within `[min, max]` (either bound optional). */
export interface RowCountCheck extends CheckBase { type: 'row_count'; min?: number; max?: number }
/** Row-level: the SQL boolean expression must hold for every row. */
export interface ExpressionCheck extends CheckBase { type: 'expression'; expression: string }
/** The newest value of a timestamp column must be at most `maxAgeSeconds` old. */
export interface FreshnessCheck extends CheckBase { type: 'freshness'; column: string; maxAgeSeconds: number }
/**
 * Custom SQL that returns the failing rows; zero rows means pass. `${self}` is the asset
 * (only its new rows with `scope: 'new-rows'`); `${newRows}` is always the rows the build
 * added, or the whole asset when it wrote all of it.
 */
export interface SqlCheck extends CheckBase { type: 'sql'; sql: SqlFragment }
/** Custom TypeScript check; return `true`/`false` or a detailed result. */
export interface FunctionCheck extends CheckBase {
  type: 'function';
  fn: (ctx: CheckContext) => Promise<CheckOutcome | boolean> | CheckOutcome | boolean;
}

/** Any declared check. Backends evaluate all but `function`, which the executor runs. */
export type CheckSpec =
  | NotNullCheck
  | UniqueCheck
  | AcceptedValuesCheck
  | RelationshipsCheck
  | RowCountCheck
  | ExpressionCheck
  | FreshnessCheck
  | SqlCheck
  | FunctionCheck;

/** Check kinds whose failures are individual rows, and so can be quarantined. */
export const ROW_LEVEL_CHECKS: ReadonlySet<CheckSpec['type']> = new Set(['not_null', 'accepted_values', 'relationships', 'expression']);

/** What a custom TS check receives. */
export interface CheckContext {
  /** Key of the asset under check. */
  readonly assetKey: AssetKey;
  /**
   * Qualified relation of the asset in the target backend; with `scope: 'new-rows'`, after a
   * build that only added rows, a subquery of those rows.
   */
  readonly relation: string;
  /** Runs a query on the target backend and returns rows as plain objects. */
  query(text: string | SqlFragment, params?: unknown[]): Promise<Record<string, unknown>[]>;
  /** Aborted when the run is canceled. */
  readonly signal: AbortSignal;
}

/** What a check produced, before the executor stamps it with names and times. */
export interface CheckOutcome {
  /** Whether the check passed. */
  passed: boolean;
  /** Number of failing rows (row-level and SQL checks) or 0/1. */
  failingRows?: number;
  /** Up to 5 example failing rows. */
  sample?: Record<string, unknown>[];
  /** Free-form details (observed row count, max age, ...). */
  metadata?: Record<string, unknown>;
  /** Human summary, e.g. `3 null values in email`. */
  message?: string;
  /** The check was not evaluated (scope `'full-builds'` after a build that only added rows); `passed` is true. */
  skipped?: boolean;
}

/** A check after evaluation, as stored and emitted. */
export interface CheckResult extends CheckOutcome {
  /** Asset the check belongs to. */
  assetKey: AssetKey;
  /** Check name (unique per asset). */
  name: string;
  /** Check type. */
  type: CheckSpec['type'];
  /** Severity as declared. */
  severity: CheckSeverity;
  /** Whether failure stops downstream. */
  blocking: boolean;
  /** Rows moved to quarantine instead of failing, when the asset quarantines. */
  quarantinedRows?: number;
}

type Opts = Omit<CheckBase, never>;

/**
 * Builders for declared checks. Each returns a plain, serializable spec.
 *
 * @example
 * ```ts
 * checks: [checks.notNull('email'), checks.unique(['order_id']), checks.rowCount({ min: 1 })]
 * ```
 */
export const checks = {
  /** The column has no nulls. */
  notNull: (column: string, opts: Opts = {}): NotNullCheck => ({ type: 'not_null', column, ...opts }),
  /** The column, or the combination of columns, is unique. */
  unique: (columns: string | string[], opts: Opts = {}): UniqueCheck => ({ type: 'unique', columns: typeof columns === 'string' ? [columns] : columns, ...opts }),
  /** Non-null values of the column are in the list. */
  acceptedValues: (column: string, values: (string | number | boolean)[], opts: Opts = {}): AcceptedValuesCheck => ({ type: 'accepted_values', column, values, ...opts }),
  /** Each non-null value of `column` exists in `to`'s `toColumn`. `to` may be an asset or its key. */
  relationships: (column: string, to: AssetRef | AssetKey, toColumn: string, opts: Opts = {}): RelationshipsCheck => ({
    type: 'relationships',
    column,
    to: typeof to === 'string' ? to : to.key,
    toColumn,
    ...opts,
  }),
  /** Row count in `[min, max]`. */
  rowCount: (bounds: { min?: number; max?: number }, opts: Opts = {}): RowCountCheck => ({ type: 'row_count', ...bounds, ...opts }),
  /** A SQL boolean expression that must hold for every row, e.g. `'amount >= 0'`. */
  expression: (expression: string, opts: Opts = {}): ExpressionCheck => ({ type: 'expression', expression, ...opts }),
  /** The newest `column` value is at most `maxAgeSeconds` old. */
  freshness: (column: string, maxAgeSeconds: number, opts: Opts = {}): FreshnessCheck => ({ type: 'freshness', column, maxAgeSeconds, ...opts }),
  /** Custom SQL returning failing rows. */
  sql: (name: string, query: SqlFragment, opts: Omit<Opts, 'name'> = {}): SqlCheck => ({ type: 'sql', sql: query, name, ...opts }),
  /** Custom TypeScript check. */
  fn: (name: string, fn: FunctionCheck['fn'], opts: Omit<Opts, 'name'> = {}): FunctionCheck => ({ type: 'function', fn, name, ...opts }),
} as const;

/** The default name of a check (`not_null_email`, `unique_order_id`, `row_count`, ...). */
export function defaultCheckName(check: CheckSpec): string {
  const slug = (s: string) => s.replace(/[^A-Za-z0-9_]+/g, '_').replace(/^_+|_+$/g, '').toLowerCase();
  switch (check.type) {
    case 'not_null': return `not_null_${slug(check.column)}`;
    case 'unique': return `unique_${check.columns.map(slug).join('_')}`;
    case 'accepted_values': return `accepted_values_${slug(check.column)}`;
    case 'relationships': return `relationships_${slug(check.column)}_to_${slug(check.to)}`;
    case 'row_count': return 'row_count';
    case 'expression': return `expression_${slug(check.expression).slice(0, 60)}`;
    case 'freshness': return `freshness_${slug(check.column)}`;
    case 'sql': return check.name ?? 'sql_check';
    case 'function': return check.name ?? 'function_check';
  }
}

/** A check with name, severity, blocking and scope resolved to their defaults. */
export type ResolvedCheck = CheckSpec & { name: string; severity: CheckSeverity; blocking: boolean; scope: CheckScope };

/** Fills in a check's defaults (name, severity `error`, blocking = severity is `error`, scope `table`). */
export function resolveCheck(check: CheckSpec): ResolvedCheck {
  const severity = check.severity ?? 'error';
  return { ...check, name: check.name ?? defaultCheckName(check), severity, blocking: check.blocking ?? severity === 'error', scope: check.scope ?? 'table' };
}

/**
 * What a check reads after a build: `undefined` to skip it, else the relation — `addedRows`
 * (the rows the build added, when it only added rows) for `new-rows`, the table otherwise.
 */
export function checkedRelation(check: Pick<ResolvedCheck, 'scope'>, table: string, addedRows: string | undefined): string | undefined {
  if (addedRows === undefined || check.scope === 'table') return table;
  return check.scope === 'new-rows' ? addedRows : undefined;
}

/** The outcome of a check its scope leaves out after a build that only added rows. */
export function skippedCheck(check: Pick<ResolvedCheck, 'name'>): CheckOutcome & { name: string } {
  return { name: check.name, passed: true, skipped: true, message: 'skipped: the build only added rows (scope full-builds)' };
}
