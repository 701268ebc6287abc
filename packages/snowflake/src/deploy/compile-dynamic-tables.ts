import {
  ConfigError,
  InvalidDefinitionError,
  isAssayError,
  selectAssets,
  sqlForDialect,
  SELF_KEY,
  type AssetDefinition,
  type AssetKey,
  type Definitions,
} from '@assay/core';
import { findFullRefreshConstructs, type RefreshConstruct } from './find-full-refresh-constructs.js';
import { renderInlineSql } from './render-inline-sql.js';
import { qualifiedName, snowflakeObjectName } from '../snowflake-names.js';
import { snowflakeIdentifier, splitQualifiedName } from './snowflake-identifier.js';
import { parseTargetLag, type TargetLag } from './target-lag.js';

/** How Snowflake refreshes a dynamic table. `AUTO` picks INCREMENTAL or FULL once, at creation. */
export type DynamicTableRefreshMode = 'AUTO' | 'INCREMENTAL' | 'FULL';

/** When a new dynamic table is first filled: while `CREATE` runs, or at its first scheduled refresh. */
export type DynamicTableInitialize = 'ON_CREATE' | 'ON_SCHEDULE';

/** Options of {@link compileDynamicTables}. */
export interface CompileDynamicTablesOptions {
  /** Assets to deploy (selection grammar, as `--select`). Defaults to every asset. */
  selection?: string | undefined;
  /** Assets to leave out (same grammar, as `--exclude`). Defaults to none. */
  exclude?: string | undefined;
  /** Warehouse that runs the refreshes (`WAREHOUSE = ...`). Required. */
  warehouse: string;
  /**
   * Database of every relation (`"ANALYTICS"."SILVER"."ORDERS"`), under the Snowflake
   * backend's identifier policy (a plain name is upper-cased; `'"quoted"'` is kept). Defaults
   * to none: relations resolve in the session's current database. Ignored when `relation` is
   * given (it names its own database, if any).
   */
  database?: string | undefined;
  /**
   * `REFRESH_MODE` of every table. Defaults per asset: `INCREMENTAL` for
   * `materialize: 'incremental'`, `AUTO` for tables and views.
   */
  refreshMode?: DynamicTableRefreshMode | undefined;
  /** `INITIALIZE` of every table. Defaults to leaving it out (Snowflake's default is `ON_CREATE`). */
  initialize?: DynamicTableInitialize | undefined;
  /**
   * Target lag for leaves (dynamic tables no other dynamic table reads) that declare no
   * time-based freshness target, e.g. `'1 hour'`. Defaults to none: such a leaf is an error,
   * since with `TARGET_LAG = DOWNSTREAM` and nothing downstream Snowflake would never refresh it.
   */
  defaultLag?: string | undefined;
  /**
   * Qualified relation of an asset key. Pass the target backend's `relation` so the DDL names
   * exactly the objects `assets materialize` builds there. Defaults to the Snowflake backend's
   * identifier policy: `silver/orders` → `"SILVER"."ORDERS"` (see snowflake-names.ts).
   */
  relation?: ((key: AssetKey) => string) | undefined;
  /** Which per-dialect SQL to use (then `default`). Defaults to `'snowflake'`. */
  dialect?: string | undefined;
}

/** One dynamic table of a {@link DynamicTablePlan}. */
export interface DynamicTableDdl {
  /** The asset. */
  readonly key: AssetKey;
  /** Its qualified relation, as in the DDL. */
  readonly relation: string;
  /** `DOWNSTREAM`, or a time lag in Snowflake's words (`5 minutes`). */
  readonly targetLag: string;
  /** Why it got that lag (its position in the graph and freshness target). */
  readonly lagReason: string;
  /** Its refresh mode. */
  readonly refreshMode: DynamicTableRefreshMode;
  /** The query, with relations resolved and parameters written as literals. */
  readonly query: string;
  /** `CREATE OR REPLACE DYNAMIC TABLE ...`. */
  readonly ddl: string;
  /** Its compensation: `DROP DYNAMIC TABLE IF EXISTS ...`. */
  readonly drop: string;
}

/** An asset that is not deployed as a dynamic table, and why. */
export interface NotDeployedAsset {
  readonly key: AssetKey;
  readonly reason: string;
}

/** A regular table (or other object) the deployed dynamic tables read. */
export interface DynamicTableInput {
  readonly key: AssetKey;
  readonly relation: string;
  /** Why it is not a dynamic table itself (same wording as {@link NotDeployedAsset.reason}). */
  readonly reason: string;
}

/** Something in the plan a user should look at before deploying. */
export interface DeployWarning {
  readonly key: AssetKey;
  readonly message: string;
}

/** What {@link compileDynamicTables} returns: the DDL to run, in order, and its compensation. */
export interface DynamicTablePlan {
  /** `CREATE SCHEMA IF NOT EXISTS ...` for the schemas the tables go to (idempotent, never compensated). */
  readonly setup: readonly string[];
  /** The dynamic tables, upstream first (stable topological order, ties by key). */
  readonly tables: readonly DynamicTableDdl[];
  /** Every statement to run, in order: {@link setup}, then each table's DDL. */
  readonly statements: readonly string[];
  /** `DROP DYNAMIC TABLE IF EXISTS ...` for every table, downstream first (the reverse order). */
  readonly compensation: readonly string[];
  /** Selected assets that are not dynamic tables, with the reason. */
  readonly skipped: readonly NotDeployedAsset[];
  /** Assets outside the plan that its tables read (sources, ingested tables, compute outputs). */
  readonly inputs: readonly DynamicTableInput[];
  /** Constructs that force a full refresh, lags that cannot be honored, ... */
  readonly warnings: readonly DeployWarning[];
}

type Eligibility = { ok: true; query: string } | { ok: false; reason: string };

class ReadsItself extends Error {}

/**
 * Compiles SQL assets to Snowflake Dynamic Tables: one `CREATE OR REPLACE DYNAMIC TABLE ...
 * TARGET_LAG = ... WAREHOUSE = ... REFRESH_MODE = ... AS <query>` per asset, upstream first,
 * with the reverse-order `DROP DYNAMIC TABLE IF EXISTS` list that undoes them.
 *
 * Which assets: SQL assets materialized as `table`, `view` or `incremental`, with Snowflake
 * (or `default`) SQL, unpartitioned and not reading themselves. Sources, ingestion assets,
 * TypeScript compute assets and SCD2 assets are skipped with a reason; those a table reads
 * are listed as {@link DynamicTablePlan.inputs} (they stay regular tables).
 *
 * Target lag follows the streaming playbook (seed 001): only leaves get a time lag;
 * intermediates get `DOWNSTREAM`, so Snowflake refreshes them exactly when a consumer needs
 * them. Positions are taken in the project's whole dynamic-table graph, not the selection, so
 * an asset compiles to the same DDL whether it is deployed alone or with the rest:
 * - read only by dynamic tables → `DOWNSTREAM`, even when it declares a time lag (a warning
 *   says so when that lag is tighter than what its dependents need);
 * - read also by assets that are not dynamic tables (a TypeScript model, an SCD2 snapshot)
 *   and declaring a time lag → that time lag, since Snowflake cannot see those readers;
 * - a leaf (no dynamic table reads it) → its time lag, else `defaultLag`, else an error.
 *
 * `materialize: 'incremental'` assets get `REFRESH_MODE = INCREMENTAL` and the others `AUTO`,
 * unless `refreshMode` is given. Queries are rendered with `relation` and every bound value is
 * written as a literal (DDL takes no parameters). Constructs that prevent incremental refresh
 * are reported as warnings.
 *
 * @throws {@link ConfigError} for a missing warehouse or an invalid option value;
 * {@link InvalidDefinitionError} (`ASSAY_INVALID_DEFINITION`, naming the asset) for a
 * selected leaf without a time lag and no `defaultLag`, or an unparsable freshness target;
 * selection errors as {@link selectAssets} throws them.
 *
 * @example
 * ```ts
 * const plan = compileDynamicTables(defs, { warehouse: 'TRANSFORM_WH', selection: 'group:silver or group:gold' });
 * for (const statement of plan.statements) await backend.query(statement);
 * ```
 */
export function compileDynamicTables(defs: Definitions, options: CompileDynamicTablesOptions): DynamicTablePlan {
  const warehouse = options.warehouse?.trim();
  if (!warehouse) throw new ConfigError('Deploying dynamic tables needs a warehouse (WAREHOUSE = ...)', { hint: 'Pass warehouse: "TRANSFORM_WH" (CLI: --warehouse).' });
  if (options.refreshMode !== undefined && !['AUTO', 'INCREMENTAL', 'FULL'].includes(options.refreshMode)) {
    throw new ConfigError(`Unknown refresh mode "${options.refreshMode}"`, { hint: 'Use AUTO, INCREMENTAL or FULL.' });
  }
  if (options.initialize !== undefined && !['ON_CREATE', 'ON_SCHEDULE'].includes(options.initialize)) {
    throw new ConfigError(`Unknown INITIALIZE value "${options.initialize}"`, { hint: 'Use ON_CREATE or ON_SCHEDULE.' });
  }
  let defaultLag: Extract<TargetLag, { kind: 'time' }> | undefined;
  if (options.defaultLag !== undefined) {
    const parsed = parseTargetLag(options.defaultLag);
    if (parsed?.kind !== 'time') {
      throw new ConfigError(`Invalid default lag "${options.defaultLag}"`, { hint: "A default lag is a time, such as '30 minutes' or '1 hour'." });
    }
    defaultLag = parsed;
  }
  const dialect = options.dialect ?? 'snowflake';
  const relation = options.relation ?? ((key: AssetKey) => qualifiedName(snowflakeObjectName(key, { database: options.database })));
  const graph = defs.graph;

  // Which assets can be dynamic tables is decided for the whole project, so lags do not
  // depend on what was selected.
  const eligibility = new Map<AssetKey, Eligibility>();
  for (const def of defs.assets) eligibility.set(def.key, classify(def, dialect, relation));
  const isDt = (key: AssetKey) => eligibility.get(key)?.ok === true;

  const selected = selectAssets(defs, options.selection, { exclude: options.exclude });
  const selectedSet = new Set(selected);

  // Reverse topological order: every dependent's lag is known before its upstream's.
  const lags = new Map<AssetKey, { lag: TargetLag; effectiveSeconds: number | undefined; reason: string }>();
  const warnings: DeployWarning[] = [];
  const leavesWithoutLag: AssetKey[] = [];
  for (let i = graph.order.length - 1; i >= 0; i--) {
    const key = graph.order[i]!;
    if (!isDt(key)) continue;
    const def = defs.get(key);
    const report = selectedSet.has(key);
    const declared = declaredLag(def, report);
    const dependents = graph.downstream(key);
    const dtDependents = dependents.filter(isDt);
    const otherDependents = dependents.filter((d) => !isDt(d));
    const effectiveOfDependents = minDefined(dtDependents.map((d) => lags.get(d)?.effectiveSeconds));
    const names = (keys: readonly AssetKey[]) => keys.map((k) => (selectedSet.has(k) || !isDt(k) ? k : `${k} (not in this deploy)`)).join(', ');

    if (dtDependents.length > 0 && (otherDependents.length === 0 || declared?.kind !== 'time')) {
      let reason = `intermediate: read by ${names(dtDependents)}`;
      if (declared?.kind === 'time') {
        reason += `; declared '${declared.text}' is not used`;
        if (report && effectiveOfDependents !== undefined && declared.seconds < effectiveOfDependents) {
          warnings.push({
            key,
            message: `declares '${declared.text}', but intermediate tables get TARGET_LAG = DOWNSTREAM (seed 001): it refreshes only as often as the tables reading it need, every ${formatSeconds(effectiveOfDependents)}`,
          });
        }
      }
      if (report && otherDependents.length > 0) {
        warnings.push({
          key,
          message: `is also read by ${otherDependents.join(', ')} (not dynamic tables), which do not drive its refreshes; give it a time-based freshness target if they need it fresh`,
        });
      }
      lags.set(key, { lag: { kind: 'downstream' }, effectiveSeconds: effectiveOfDependents, reason });
    } else if (declared?.kind === 'time') {
      const reason = dtDependents.length > 0
        ? `freshness '${declared.text}': also read by ${otherDependents.join(', ')} (not dynamic tables), so it keeps its own lag`
        : `leaf: freshness '${declared.text}'`;
      lags.set(key, { lag: declared, effectiveSeconds: declared.seconds, reason });
    } else if (defaultLag) {
      lags.set(key, { lag: defaultLag, effectiveSeconds: defaultLag.seconds, reason: `leaf: default lag '${defaultLag.text}'${declared ? ` (declared '${def.freshness!.targetLag}')` : ''}` });
    } else {
      if (report) leavesWithoutLag.push(key);
      lags.set(key, { lag: { kind: 'downstream' }, effectiveSeconds: undefined, reason: 'leaf without a time lag' });
    }
  }
  if (leavesWithoutLag.length > 0) {
    leavesWithoutLag.reverse(); // found downstream first; report in topological order
    const [first] = leavesWithoutLag;
    const others = leavesWithoutLag.length > 1 ? ` (also: ${leavesWithoutLag.slice(1).join(', ')})` : '';
    throw new InvalidDefinitionError(
      first,
      `no dynamic table reads it, so it needs a time-based freshness target: with TARGET_LAG = DOWNSTREAM and nothing downstream, Snowflake would never refresh it${others}`,
      "Give it freshness: { targetLag: '30 minutes' }, or pass a default lag for leaves (defaultLag; CLI: --default-lag '1 hour').",
    );
  }

  const tables: DynamicTableDdl[] = [];
  const skipped: NotDeployedAsset[] = [];
  const inputKeys = new Set<AssetKey>();
  for (const key of selected) {
    const status = eligibility.get(key)!;
    if (!status.ok) {
      skipped.push({ key, reason: status.reason });
      continue;
    }
    const def = defs.get(key);
    const lag = lags.get(key)!;
    const mode: DynamicTableRefreshMode = options.refreshMode ?? (def.type === 'sql' && def.materialize === 'incremental' ? 'INCREMENTAL' : 'AUTO');
    const rel = relation(key);
    const targetLag = lag.lag.kind === 'downstream' ? 'DOWNSTREAM' : lag.lag.text;
    const ddl = [
      `CREATE OR REPLACE DYNAMIC TABLE ${rel}`,
      `  TARGET_LAG = ${lag.lag.kind === 'downstream' ? 'DOWNSTREAM' : `'${lag.lag.text}'`}`,
      `  WAREHOUSE = ${snowflakeIdentifier(warehouse)}`,
      `  REFRESH_MODE = ${mode}`,
      ...(options.initialize ? [`  INITIALIZE = ${options.initialize}`] : []),
      '  AS',
      `    ${status.query}`,
    ].join('\n');
    tables.push({ key, relation: rel, targetLag, lagReason: lag.reason, refreshMode: mode, query: status.query, ddl, drop: `DROP DYNAMIC TABLE IF EXISTS ${rel}` });
    for (const up of graph.upstream(key)) if (!isDt(up)) inputKeys.add(up);
    if (mode !== 'FULL') for (const c of findFullRefreshConstructs(status.query)) {
      const message = constructWarning(c, mode);
      if (message) warnings.push({ key, message });
    }
  }

  const schemas: string[] = [];
  for (const t of tables) {
    const parts = splitQualifiedName(t.relation);
    if (!parts || parts.length < 2) continue;
    const schema = parts.slice(0, -1).map((p) => p.text).join('.');
    if (!schemas.includes(schema)) schemas.push(schema);
  }
  const setup = schemas.map((s) => `CREATE SCHEMA IF NOT EXISTS ${s}`);
  const inputs = graph.sort(inputKeys).map((key) => {
    const status = eligibility.get(key)!;
    return { key, relation: relation(key), reason: status.ok ? '' : status.reason };
  });
  const order = new Map(graph.order.map((k, i) => [k, i]));
  warnings.sort((a, b) => order.get(a.key)! - order.get(b.key)!);
  return {
    setup,
    tables,
    statements: [...setup, ...tables.map((t) => t.ddl)],
    compensation: tables.map((t) => t.drop).reverse(),
    skipped,
    inputs,
    warnings,
  };
}

function classify(def: AssetDefinition, dialect: string, relation: (key: AssetKey) => string): Eligibility {
  switch (def.type) {
    case 'source':
      return { ok: false, reason: 'source asset: an input Snowflake reads as it is' };
    case 'ingest':
      return { ok: false, reason: 'ingestion asset: stays a regular table loaded by `assets materialize` (COPY INTO)' };
    case 'compute':
      return { ok: false, reason: 'TypeScript compute asset: runs in Node, not in Snowflake; build it with `assets materialize`' };
    case 'sql':
      break;
  }
  if (def.materialize === 'scd2') return { ok: false, reason: 'scd2 keeps history across runs; a dynamic table holds only its query\'s current result' };
  if (def.partitions) return { ok: false, reason: 'partitioned: built partition by partition; a dynamic table holds one query result' };
  if (!def.sql[dialect] && !def.sql.default) return { ok: false, reason: `has no "${dialect}" or "default" SQL` };
  const fragment = sqlForDialect(def, dialect);
  try {
    const query = renderInlineSql(fragment, (key) => {
      if (key === SELF_KEY) throw new ReadsItself();
      return relation(key);
    }, def.key).trim();
    return { ok: true, query };
  } catch (error) {
    if (error instanceof ReadsItself) return { ok: false, reason: 'reads its own table (${self}); a dynamic table cannot' };
    if (isAssayError(error) && error.code === 'ASSAY_PARTITION') return { ok: false, reason: 'uses partition placeholders; a dynamic table has no partition' };
    throw error;
  }
}

/** The asset's parsed freshness target; an unparsable one fails only for assets being deployed. */
function declaredLag(def: AssetDefinition, strict: boolean): TargetLag | undefined {
  if (!def.freshness) return undefined;
  const lag = parseTargetLag(def.freshness.targetLag);
  if (!lag) {
    if (!strict) return undefined;
    throw new InvalidDefinitionError(def.key, `freshness target "${def.freshness.targetLag}" is not a lag Snowflake understands`, "Write a time such as '5 minutes', '1 hour', '2 days', or 'downstream'.");
  }
  return lag;
}

function constructWarning(c: RefreshConstruct, mode: DynamicTableRefreshMode): string | undefined {
  if (c.effect === 'unsupported') return `uses ${c.construct}: ${c.detail}; Snowflake will refuse to create it`;
  if (c.effect === 'filter-only') {
    return mode === 'INCREMENTAL' ? undefined : `uses ${c.construct} in a filter, which incremental refresh supports only with REFRESH_MODE = INCREMENTAL; AUTO will pick FULL (decided once, at creation)`;
  }
  return mode === 'INCREMENTAL'
    ? `uses ${c.construct} (${c.detail}), which incremental refresh does not support: with REFRESH_MODE = INCREMENTAL Snowflake will refuse to create it; use AUTO or FULL, or change the query`
    : `uses ${c.construct} (${c.detail}), which forces a full refresh: AUTO will pick FULL (decided once, at creation)`;
}

function minDefined(values: readonly (number | undefined)[]): number | undefined {
  let min: number | undefined;
  for (const v of values) if (v !== undefined && (min === undefined || v < min)) min = v;
  return min;
}

function formatSeconds(seconds: number): string {
  const lag = parseTargetLag(`${seconds}s`);
  return lag?.kind === 'time' ? lag.text : `${seconds} seconds`;
}
