import { shortHash } from '../hash.js';
import { InvalidDefinitionError } from '../errors.js';
import { toAssetKey, keySegments, type AssetKey, type AssetKeyInput } from './asset-key.js';
import { CHECK_SCOPES, resolveCheck, type CheckSpec, type ResolvedCheck } from './checks.js';
import type { PartitionsDefinition } from './partitions.js';
import { ASSET_REF, fingerprintSql, hasIncrementalBranch, isAssetRef, isSqlFragment, NEW_ROWS_KEY, referencedKeys, someSqlValue, sql as sqlTag, type AssetRef, type SqlFragment, type SqlValue } from './sql.js';
import type { AssetContext, AssetOutput } from './context.js';

/** How a SQL asset is stored. */
export type Materialization = 'view' | 'table' | 'incremental' | 'scd2';

/** Options for `materialize: 'incremental'`. */
export interface IncrementalOptions {
  /**
   * - `append`: insert rows whose `watermark` is newer than the target's current maximum.
   * - `merge`: upsert by `uniqueKey` (MERGE INTO).
   * - `delete+insert`: delete target rows matching the new rows' `uniqueKey` (or the run's
   *   partition window on `watermark`), then insert.
   */
  strategy: 'append' | 'merge' | 'delete+insert';
  /** Key column(s) for `merge` and key-based `delete+insert`. */
  uniqueKey?: string | string[];
  /** Timestamp or monotonically increasing column for `append` and time-range `delete+insert`. */
  watermark?: string;
  /** What to do when the query's columns differ from the table's. Defaults to `'fail'`. */
  onSchemaChange?: 'fail' | 'append_new_columns' | 'ignore';
}

/** Options for `materialize: 'scd2'` (dbt snapshot semantics). */
export interface Scd2Options {
  /** Business key column(s). */
  uniqueKey: string | string[];
  /** Column telling when the source row last changed ("timestamp" strategy). */
  updatedAt?: string;
  /** Columns compared to detect a change ("check" strategy); `'all'` compares every non-key column. */
  checkColumns?: string[] | 'all';
  /** Close the current version of keys that disappear from the source. Defaults to false. */
  invalidateHardDeletes?: boolean;
}

/** File formats a raw ingestion asset reads. */
export type IngestFormat = 'json' | 'jsonl' | 'csv' | 'parquet';

/** Options of a raw file ingestion asset. */
export interface IngestOptions {
  /** Glob(s) of files, relative to the project root (or absolute). */
  path: string | string[];
  /** File format. */
  format: IngestFormat;
  /**
   * `raw`: one VARIANT/JSON column `raw` per record (seed 000's RAW_* tables);
   * `columns`: the reader's inferred columns. Defaults to `raw` for JSON formats, `columns` otherwise.
   */
  shape?: 'raw' | 'columns';
  /** Malformed records: fail the asset (default) or route them to `<table>__quarantine`. */
  onError?: 'fail' | 'quarantine';
  /** Extra reader options passed through to the backend (e.g. CSV delimiter). */
  readerOptions?: Record<string, string | number | boolean>;
}

/** Retries for transient failures (lock conflicts, network errors). */
export interface RetryPolicy {
  /** Retries after the first attempt. */
  maxRetries: number;
  /** First delay in ms. Defaults to 500. */
  delayMs?: number;
  /** Multiplier per attempt. Defaults to 2. */
  backoff?: number;
  /** Upper bound of a delay in ms. Defaults to 30,000. */
  maxDelayMs?: number;
  /** Randomize each delay in [0.5, 1.0] × delay to avoid thundering herds. Defaults to true. */
  jitter?: boolean;
}

/**
 * Freshness target with Snowflake's target-lag semantics: a time lag (`'5 minutes'`,
 * `'1 hour'`) on leaves, `'downstream'` on intermediates that refresh when a consumer needs them.
 */
export interface FreshnessPolicy {
  targetLag: string;
}

/** Fields every asset spec shares. */
export interface AssetSpecBase {
  /** `'silver/orders'` or `['silver', 'orders']`. */
  key: AssetKeyInput;
  /** The layer (raw, bronze, silver, gold, ml, semantic, ...). Defaults to the first key segment of multi-segment keys, else `'default'`. */
  group?: string;
  /** Free-form kind (table, view, model, cube, ...). Defaults from the asset type. */
  kind?: string;
  /** Upstream assets, as definitions or key strings. SQL interpolations add to these. */
  deps?: readonly (AssetRef | string)[];
  /** What the asset holds. */
  description?: string;
  /** People or teams responsible (`'ana@corp.com'`, `'team:finance'`). */
  owners?: readonly string[];
  /** Tags: `{ pii: '', team: 'finance' }` or `['pii']` (value ''). */
  tags?: Readonly<Record<string, string>> | readonly string[];
  /** Free-form metadata shown in lineage and the CLI. */
  metadata?: Readonly<Record<string, unknown>>;
  /** Overrides the computed code version (hash of the SQL or function source). */
  codeVersion?: string;
  /** Data quality checks run after each materialization. */
  checks?: readonly CheckSpec[];
  /** Retry policy for transient errors. Defaults to no retries. */
  retry?: RetryPolicy;
  /** Concurrency pool name; pools get limits in `materialize({ pools })`. */
  pool?: string;
  /** Partitions of the asset. */
  partitions?: PartitionsDefinition;
  /** Freshness target. */
  freshness?: FreshnessPolicy;
  /** Route rows failing row-level checks to `<table>__quarantine` instead of failing. Defaults to false. */
  quarantine?: boolean;
}

/** Spec of a SQL asset. */
export interface SqlAssetSpec extends AssetSpecBase {
  /** Defaults to `'table'`. */
  materialize?: Materialization;
  /** Required with `materialize: 'incremental'`. */
  incremental?: IncrementalOptions;
  /** Required with `materialize: 'scd2'`. */
  scd2?: Scd2Options;
}

/** Spec of a TypeScript compute asset. */
export type ComputeAssetSpec = AssetSpecBase;

/** Spec of a source asset: data Assay reads but does not build. */
export interface SourceAssetSpec extends AssetSpecBase {
  /** Files (globs) whose content fingerprints the source's data version. */
  path?: string | string[];
  /**
   * A column of the source table whose max (with the row count) fingerprints the data
   * version, e.g. `loaded_at`. Used when `path` is not set.
   */
  fingerprintColumn?: string;
  /** Custom observation returning a data version string. */
  observe?: (ctx: AssetContext) => Promise<string> | string;
}

/** Spec of a raw file ingestion asset. */
export interface IngestAssetSpec extends AssetSpecBase, IngestOptions {}

/** Per-dialect SQL: a `default` and/or one fragment per backend dialect (`duckdb`, `snowflake`). */
export type DialectSql = Readonly<Record<string, SqlFragment>>;

/** Compute function of an asset. */
export type AssetFunction = (ctx: AssetContext) => Promise<AssetOutput | void> | AssetOutput | void;

interface DefinitionBase extends AssetRef {
  readonly [ASSET_REF]: true;
  readonly key: AssetKey;
  readonly group: string;
  readonly kind: string;
  /** Upstream keys, deduplicated, in declaration order. */
  readonly deps: readonly AssetKey[];
  readonly description: string | undefined;
  readonly owners: readonly string[];
  readonly tags: Readonly<Record<string, string>>;
  readonly metadata: Readonly<Record<string, unknown>>;
  readonly codeVersion: string;
  readonly checks: readonly ResolvedCheck[];
  readonly retry: RetryPolicy | undefined;
  readonly pool: string | undefined;
  readonly partitions: PartitionsDefinition | undefined;
  readonly freshness: FreshnessPolicy | undefined;
  readonly quarantine: boolean;
}

/** A SQL asset. */
export interface SqlAssetDefinition extends DefinitionBase {
  readonly type: 'sql';
  readonly materialize: Materialization;
  readonly sql: DialectSql;
  readonly incremental: IncrementalOptions | undefined;
  readonly scd2: Scd2Options | undefined;
}

/** A TypeScript compute asset. */
export interface ComputeAssetDefinition extends DefinitionBase {
  readonly type: 'compute';
  readonly fn: AssetFunction;
}

/** A source asset (observed, never built). */
export interface SourceAssetDefinition extends DefinitionBase {
  readonly type: 'source';
  readonly path: readonly string[] | undefined;
  readonly fingerprintColumn: string | undefined;
  readonly observe: SourceAssetSpec['observe'];
}

/** A raw file ingestion asset. */
export interface IngestAssetDefinition extends DefinitionBase {
  readonly type: 'ingest';
  readonly ingest: Required<Pick<IngestOptions, 'format' | 'shape' | 'onError'>> & { path: readonly string[]; readerOptions: Readonly<Record<string, string | number | boolean>> };
}

/** Any asset definition. All authoring forms produce one of these. */
export type AssetDefinition = SqlAssetDefinition | ComputeAssetDefinition | SourceAssetDefinition | IngestAssetDefinition;

function normalizeTags(tags: AssetSpecBase['tags']): Record<string, string> {
  if (!tags) return {};
  if (Array.isArray(tags)) return Object.fromEntries((tags as readonly string[]).map((t) => [t, '']));
  return { ...(tags as Record<string, string>) };
}

function depKey(dep: AssetRef | string, owner: string): AssetKey {
  if (typeof dep === 'string') return toAssetKey(dep);
  if (isAssetRef(dep)) return dep.key;
  throw new InvalidDefinitionError(owner, `a dependency is neither an asset nor a key string (got ${typeof dep})`, 'Pass asset definitions or key strings in "deps".');
}

/**
 * Builds a frozen definition: the shared fields plus the type-specific ones in `extra`.
 * Properties are assigned rather than spread: spreading an object with a symbol key takes
 * V8's slow path (~30 µs per asset, a third of a second for a 10k-asset project).
 */
function define<T extends AssetDefinition>(spec: AssetSpecBase, defaults: { kind: string; extraDeps?: readonly AssetKey[]; source: string }, extra: Omit<T, keyof DefinitionBase>): T {
  return Object.freeze(Object.assign(base(spec, defaults), extra)) as unknown as T;
}

function base(spec: AssetSpecBase, defaults: { kind: string; extraDeps?: readonly AssetKey[]; source: string }): DefinitionBase {
  if (spec === null || typeof spec !== 'object') throw new InvalidDefinitionError(undefined, 'an asset spec must be an object with at least a "key"');
  const key = toAssetKey(spec.key);
  const segments = keySegments(key);
  const checks = (spec.checks ?? []).map(resolveCheck);
  const names = new Set<string>();
  for (const c of checks) {
    if (names.has(c.name)) throw new InvalidDefinitionError(key, `two checks are named "${c.name}"`, 'Give one of them an explicit "name".');
    names.add(c.name);
    if (!CHECK_SCOPES.includes(c.scope)) {
      throw new InvalidDefinitionError(key, `check "${c.name}" has an unknown scope "${String(c.scope)}"`, `Use ${CHECK_SCOPES.map((v) => `"${v}"`).join(', ')}.`);
    }
    if (c.type === 'sql' && hasIncrementalBranch(c.sql)) {
      throw new InvalidDefinitionError(key, `check "${c.name}" uses whenIncremental(...), which only applies to an incremental asset's own SQL`, 'Read the rows a build added with ${newRows} and scope: "new-rows".');
    }
  }
  const deps = new Set<AssetKey>();
  for (const d of spec.deps ?? []) deps.add(depKey(d, key));
  for (const d of defaults.extraDeps ?? []) deps.add(d);
  for (const c of checks) if (c.type === 'relationships' && c.to !== key) deps.add(c.to);
  deps.delete(key); // a self-reference (e.g. incremental reading its own table) is not an edge
  if (spec.retry && (!Number.isInteger(spec.retry.maxRetries) || spec.retry.maxRetries < 0)) {
    throw new InvalidDefinitionError(key, 'retry.maxRetries must be a non-negative integer');
  }
  return {
    [ASSET_REF]: true,
    key,
    group: spec.group ?? (segments.length > 1 ? segments[0]! : 'default'),
    kind: spec.kind ?? defaults.kind,
    deps: [...deps],
    description: spec.description,
    owners: [...(spec.owners ?? [])],
    tags: normalizeTags(spec.tags),
    metadata: { ...(spec.metadata ?? {}) },
    codeVersion: spec.codeVersion ?? shortHash(defaults.source),
    checks,
    retry: spec.retry,
    pool: spec.pool,
    partitions: spec.partitions,
    freshness: spec.freshness,
    quarantine: spec.quarantine ?? false,
  };
}

function isTemplateStrings(value: unknown): value is TemplateStringsArray {
  return Array.isArray(value) && Array.isArray((value as unknown as TemplateStringsArray).raw);
}

/**
 * Declares a SQL asset with a tagged template. Interpolated assets render as their qualified
 * relation for the target backend and become dependencies; other values are bound parameters.
 *
 * Pass an object instead of a template for per-dialect SQL: `{ duckdb: sql`...`, snowflake: sql`...` }`
 * (`default` serves any dialect not listed).
 *
 * @example
 * ```ts
 * export const orders = sqlAsset({ key: 'silver/orders', materialize: 'table' })`
 *   select id, lower(status) as status from ${rawOrders}`;
 * ```
 */
export function sqlAsset(spec: SqlAssetSpec): {
  (strings: TemplateStringsArray, ...values: SqlValue[]): SqlAssetDefinition;
  (dialects: DialectSql | SqlFragment): SqlAssetDefinition;
} {
  return (first: TemplateStringsArray | DialectSql | SqlFragment, ...values: SqlValue[]): SqlAssetDefinition => {
    let dialects: Record<string, SqlFragment>;
    if (isTemplateStrings(first)) dialects = { default: sqlTag(first, ...values) };
    else if (isSqlFragment(first)) dialects = { default: first };
    else dialects = { ...(first as DialectSql) };
    const keyText = typeof spec?.key === 'string' ? spec.key : Array.isArray(spec?.key) ? spec.key.join('/') : undefined;
    const entries = Object.entries(dialects);
    if (entries.length === 0 || entries.some(([, f]) => !isSqlFragment(f))) {
      throw new InvalidDefinitionError(keyText, 'sqlAsset needs a SQL template, or an object of sql`...` fragments per dialect');
    }
    const materialize = spec.materialize ?? 'table';
    if (!['view', 'table', 'incremental', 'scd2'].includes(materialize)) {
      throw new InvalidDefinitionError(keyText, `unknown materialization "${materialize}"`, 'Use view, table, incremental or scd2.');
    }
    if (materialize === 'incremental') validateIncremental(keyText, spec.incremental);
    if (materialize === 'scd2') validateScd2(keyText, spec.scd2);
    if (materialize !== 'incremental' && entries.some(([, f]) => hasIncrementalBranch(f))) {
      throw new InvalidDefinitionError(keyText, `whenIncremental(...) only applies to incremental assets; this one is materialized as "${materialize}"`, 'Use materialize: "incremental", or drop the branch.');
    }
    if (entries.some(([, f]) => readsNewRows(f))) {
      throw new InvalidDefinitionError(keyText, 'newRows stands for the rows a build added and only means something in a check', 'Read the asset itself with ${self}.');
    }
    const refs = entries.flatMap(([, f]) => referencedKeys(f));
    const source = entries.sort(([a], [b]) => a.localeCompare(b)).map(([d, f]) => `${d}\n${fingerprintSql(f)}`).join('\n--\n')
      + JSON.stringify({ materialize, incremental: spec.incremental, scd2: spec.scd2 });
    return define<SqlAssetDefinition>(spec, { kind: materialize, extraDeps: refs, source }, {
      type: 'sql',
      materialize,
      sql: Object.freeze(dialects),
      incremental: spec.incremental,
      scd2: spec.scd2,
    });
  };
}

function validateIncremental(key: string | undefined, opts: IncrementalOptions | undefined): void {
  if (!opts) throw new InvalidDefinitionError(key, 'materialize: "incremental" needs an "incremental" option', 'e.g. incremental: { strategy: "merge", uniqueKey: "id" }');
  if (!['append', 'merge', 'delete+insert'].includes(opts.strategy)) throw new InvalidDefinitionError(key, `unknown incremental strategy "${opts.strategy}"`, 'Use append, merge or delete+insert.');
  if (opts.strategy === 'append' && !opts.watermark) throw new InvalidDefinitionError(key, 'incremental strategy "append" needs a "watermark" column');
  if (opts.strategy === 'merge' && !opts.uniqueKey) throw new InvalidDefinitionError(key, 'incremental strategy "merge" needs a "uniqueKey"');
  if (opts.strategy === 'delete+insert' && !opts.uniqueKey && !opts.watermark) throw new InvalidDefinitionError(key, 'incremental strategy "delete+insert" needs a "uniqueKey" or a "watermark" column');
}

function validateScd2(key: string | undefined, opts: Scd2Options | undefined): void {
  if (!opts) throw new InvalidDefinitionError(key, 'materialize: "scd2" needs an "scd2" option', 'e.g. scd2: { uniqueKey: "customer_id", updatedAt: "updated_at" }');
  if (!opts.uniqueKey || (Array.isArray(opts.uniqueKey) && opts.uniqueKey.length === 0)) throw new InvalidDefinitionError(key, 'scd2 needs a "uniqueKey"');
  if (!opts.updatedAt && !opts.checkColumns) throw new InvalidDefinitionError(key, 'scd2 needs "updatedAt" (timestamp strategy) or "checkColumns" (check strategy)');
}

/** Remembers decorated methods until {@link collectAssets} binds them to an instance. */
const decoratedMethods = new WeakMap<Function, ComputeAssetSpec>();

/** @internal Used by collectAssets: the spec recorded for a decorated method, if any. */
export function decoratedSpec(method: Function): ComputeAssetSpec | undefined {
  return decoratedMethods.get(method);
}

/**
 * Declares a TypeScript compute asset: `asset(spec, fn)`. Called with a spec alone it is a
 * standard (TC39) method decorator; collect decorated classes with `defineAssets(MyClass)`.
 *
 * `fn` receives an {@link AssetContext} (backend, logger, partition, upstream handles,
 * metadata recording, AbortSignal) and may return `{ rowCount, metadata }` or rows to store.
 *
 * @example
 * ```ts
 * export const model = asset({ key: 'ml/churn_model', deps: [features] }, async (ctx) => {
 *   const rows = await ctx.query(sql`select * from ${features}`);
 *   return { metadata: { auc: train(rows).auc } };
 * });
 * ```
 */
export function asset(spec: ComputeAssetSpec, fn: AssetFunction): ComputeAssetDefinition;
export function asset(spec: ComputeAssetSpec): <T extends (this: any, ctx: AssetContext) => unknown>(method: T, context: ClassMethodDecoratorContext) => T;
export function asset(spec: ComputeAssetSpec, fn?: AssetFunction): ComputeAssetDefinition | ((method: any, context: ClassMethodDecoratorContext) => any) {
  if (fn === undefined) {
    return (method: Function, context: ClassMethodDecoratorContext) => {
      if (context.kind !== 'method') throw new InvalidDefinitionError(String(spec?.key), '@asset decorates methods only');
      if (context.static) throw new InvalidDefinitionError(String(spec?.key), '@asset decorates instance methods, not static ones');
      decoratedMethods.set(method, spec);
      return method;
    };
  }
  if (typeof fn !== 'function') throw new InvalidDefinitionError(String(spec?.key), 'asset(spec, fn) needs a function');
  return computeAsset(spec, fn, fn.toString());
}

/** @internal Builds a compute definition; `source` feeds the default code version. */
export function computeAsset(spec: ComputeAssetSpec, fn: AssetFunction, source: string): ComputeAssetDefinition {
  return define<ComputeAssetDefinition>(spec, { kind: 'asset', source }, { type: 'compute', fn });
}

/**
 * Declares a source asset: an input Assay observes (files or an existing table) but does
 * not build. Its data version is an observed fingerprint, so downstream assets become stale
 * when it changes.
 *
 * @example
 * ```ts
 * export const rawOrders = sourceAsset({ key: 'raw/orders', path: 'data/orders/*.csv' });
 * ```
 */
export function sourceAsset(spec: SourceAssetSpec): SourceAssetDefinition {
  const path = spec.path === undefined ? undefined : typeof spec.path === 'string' ? [spec.path] : [...spec.path];
  return define<SourceAssetDefinition>(spec, { kind: 'source', source: JSON.stringify({ path, col: spec.fingerprintColumn, observe: spec.observe?.toString() }) }, {
    type: 'source',
    path,
    fingerprintColumn: spec.fingerprintColumn,
    observe: spec.observe,
  });
}

/**
 * Declares a raw ingestion asset that loads JSON, JSONL, CSV or Parquet files into a table
 * with `source_file` and `loaded_at` columns. Each run loads only files not loaded before
 * (like Snowflake's COPY INTO load history).
 *
 * @example
 * ```ts
 * export const rawCompletions = ingestAsset({ key: 'bronze/raw_chat_completions', path: 'data/chat_completions/*.jsonl', format: 'jsonl', onError: 'quarantine' });
 * ```
 */
export function ingestAsset(spec: IngestAssetSpec): IngestAssetDefinition {
  const keyText = typeof spec?.key === 'string' ? spec.key : undefined;
  if (!['json', 'jsonl', 'csv', 'parquet'].includes(spec.format)) throw new InvalidDefinitionError(keyText, `unknown ingest format "${spec.format}"`, 'Use json, jsonl, csv or parquet.');
  const path = typeof spec.path === 'string' ? [spec.path] : [...(spec.path ?? [])];
  if (path.length === 0) throw new InvalidDefinitionError(keyText, 'ingestAsset needs a "path" (file or glob)');
  const ingest = {
    path,
    format: spec.format,
    shape: spec.shape ?? (spec.format === 'json' || spec.format === 'jsonl' ? 'raw' as const : 'columns' as const),
    onError: spec.onError ?? 'fail' as const,
    readerOptions: { ...(spec.readerOptions ?? {}) },
  };
  return define<IngestAssetDefinition>(spec, { kind: 'ingest', source: JSON.stringify(ingest) }, { type: 'ingest', ingest });
}

/** True for any asset definition. */
export function isAssetDefinition(value: unknown): value is AssetDefinition {
  return isAssetRef(value) && typeof (value as { type?: unknown }).type === 'string' && Array.isArray((value as { deps?: unknown }).deps);
}

/**
 * The SQL of an asset for a dialect: the dialect's own fragment, else `default`.
 *
 * @throws {@link InvalidDefinitionError} when neither exists.
 */
export function sqlForDialect(def: SqlAssetDefinition, dialect: string): SqlFragment {
  const fragment = def.sql[dialect] ?? def.sql.default;
  if (!fragment) {
    throw new InvalidDefinitionError(def.key, `has no SQL for dialect "${dialect}" (it has: ${Object.keys(def.sql).join(', ')})`, `Add a "${dialect}" or "default" entry to its per-dialect SQL.`);
  }
  return fragment;
}

/** Whether a fragment interpolates `newRows` anywhere. */
function readsNewRows(fragment: SqlFragment): boolean {
  return someSqlValue(fragment, (v) => isAssetRef(v) && v.key === NEW_ROWS_KEY);
}
