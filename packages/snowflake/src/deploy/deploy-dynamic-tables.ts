import { AssayError, CanceledError, errorMessage, isAssayError, SqlError, type AssetKey, type Row } from '@assay/core';
import type { DynamicTableDdl, DynamicTablePlan } from './compile-dynamic-tables.js';
import { splitQualifiedName } from './snowflake-identifier.js';

/** What {@link deployDynamicTables} needs of a target: a Snowflake backend's `query()`, opened. */
export interface DeployConnection {
  query(text: string, params?: readonly unknown[], options?: { signal?: AbortSignal }): Promise<Row[]>;
}

/** A dynamic table a deploy created (or replaced). */
export interface DeployedTable {
  readonly key: AssetKey;
  readonly relation: string;
  /**
   * `created` when no dynamic table of that name existed, `replaced` when one did (its
   * previous definition is gone), `undefined` when the pre-deploy probe could not tell.
   */
  readonly action: 'created' | 'replaced' | undefined;
  readonly durationMs: number;
}

/** Options of {@link deployDynamicTables}. */
export interface DeployDynamicTablesOptions {
  /** Stops before the next statement and interrupts the running one. */
  signal?: AbortSignal | undefined;
  /** Called after each dynamic table is created, for progress output. */
  onTable?: ((table: DeployedTable) => void) | undefined;
  /**
   * Run `SHOW DYNAMIC TABLES` first to tell created from replaced tables (the playbook's
   * pre-execution probe). Defaults to true; a failing probe is not an error.
   */
  probe?: boolean | undefined;
}

/** What a deploy did. */
export interface DeployResult {
  /** `success` when every statement ran; `failed` when one failed; `canceled` when aborted. */
  readonly status: 'success' | 'failed' | 'canceled';
  /** Tables created or replaced, in the order they were created. */
  readonly deployed: readonly DeployedTable[];
  /** The statement that failed, the asset it builds (none for setup statements), and the error. */
  readonly failure: { readonly key: AssetKey | undefined; readonly statement: string; readonly error: AssayError } | undefined;
  /** Statements not run because of the failure or cancellation. */
  readonly notRun: readonly string[];
  /**
   * `DROP DYNAMIC TABLE IF EXISTS` for every table this deploy created or replaced,
   * downstream first. Running them removes what the deploy made; it does not restore the
   * previous definition of a replaced table.
   */
  readonly compensation: readonly string[];
  /** Whether the probe worked, and how many dynamic tables existed before. */
  readonly probe: { readonly ok: boolean; readonly existing: number; readonly error?: string };
}

/**
 * Runs a {@link DynamicTablePlan} on a Snowflake connection: the setup statements, then each
 * `CREATE OR REPLACE DYNAMIC TABLE`, one at a time, upstream first. Stops at the first
 * failure and reports what was created, the failing statement, and the compensation (the
 * `DROP` statements for what this deploy created) — it does not run the compensation.
 *
 * Never throws for a failing statement: the failure is in the result (`status: 'failed'`),
 * as an Assay error carrying the asset key: a driver error is wrapped in {@link SqlError}
 * (`ASSAY_SQL`, with the statement); an Assay error from the backend keeps its code, and is
 * wrapped (as `cause`) only to attach the key.
 *
 * @example
 * ```ts
 * const backend = snowflake({ ... });
 * await backend.open({ concurrency: 1, logger });
 * const result = await deployDynamicTables(compileDynamicTables(defs, { warehouse: 'TRANSFORM_WH' }), backend);
 * if (result.status !== 'success') console.error(result.failure?.error.message, result.compensation);
 * ```
 */
export async function deployDynamicTables(plan: DynamicTablePlan, connection: DeployConnection, options: DeployDynamicTablesOptions = {}): Promise<DeployResult> {
  const signal = options.signal;
  const probe = options.probe === false ? { ok: false, existing: 0, names: new Set<string>() } : await probeExisting(connection, probeScope(plan), signal);
  const deployed: DeployedTable[] = [];
  const work: { statement: string; table: DynamicTableDdl | undefined }[] = [
    ...plan.setup.map((statement) => ({ statement, table: undefined })),
    ...plan.tables.map((table) => ({ statement: table.ddl, table })),
  ];
  const finish = (status: DeployResult['status'], failure: DeployResult['failure'], next: number): DeployResult => ({
    status,
    deployed,
    failure,
    notRun: work.slice(next).map((w) => w.statement),
    compensation: deployed.map((d) => plan.tables.find((t) => t.key === d.key)!.drop).reverse(),
    probe: { ok: probe.ok, existing: probe.existing, ...('error' in probe && probe.error ? { error: probe.error } : {}) },
  });

  for (let i = 0; i < work.length; i++) {
    const { statement, table } = work[i]!;
    if (signal?.aborted) return finish('canceled', undefined, i);
    const started = Date.now();
    try {
      await connection.query(statement, [], signal ? { signal } : {});
    } catch (error) {
      const wrapped = wrap(error, statement, table?.key);
      return finish(wrapped.code === 'ASSAY_CANCELED' || signal?.aborted ? 'canceled' : 'failed', { key: table?.key, statement, error: wrapped }, i + 1);
    }
    if (table) {
      const existed = probe.ok ? probe.names.has(nameKey(table.relation) ?? '') : undefined;
      const done: DeployedTable = { key: table.key, relation: table.relation, action: existed === undefined ? undefined : existed ? 'replaced' : 'created', durationMs: Date.now() - started };
      deployed.push(done);
      options.onTable?.(done);
    }
  }
  return finish('success', undefined, work.length);
}

/** The failure as an Assay error carrying the asset key (the backend's `query()` knows no asset). */
function wrap(error: unknown, statement: string, key: AssetKey | undefined): AssayError {
  if (isAssayError(error)) {
    if (error.assetKey !== undefined || key === undefined) return error;
    const options = { cause: error, assetKey: key, ...(error.hint !== undefined ? { hint: error.hint } : {}), transient: error.transient };
    if (error instanceof SqlError) return new SqlError(error.message, error.sql, { ...options, ...(error.position !== undefined ? { position: error.position } : {}) });
    return new AssayError(error.code, error.message, options);
  }
  if ((error as { name?: unknown } | null)?.name === 'AbortError') return new CanceledError('Deploy canceled', { cause: error, ...(key ? { assetKey: key } : {}) });
  return new SqlError(errorMessage(error), statement, { cause: error, ...(key ? { assetKey: key } : {}) });
}

/** `SCHEMA.NAME` (resolved, last two parts) of a relation, for matching SHOW output. */
function nameKey(relation: string): string | undefined {
  const parts = splitQualifiedName(relation);
  if (!parts) return undefined;
  return parts.slice(-2).map((p) => p.name).join('.');
}

/** `IN DATABASE x` when every table names the same database, else the session's database. */
function probeScope(plan: DynamicTablePlan): string {
  const databases = new Set(plan.tables.map((t) => {
    const parts = splitQualifiedName(t.relation);
    return parts && parts.length >= 3 ? parts[parts.length - 3]!.text : '';
  }));
  const [only] = databases;
  return databases.size === 1 && only ? ` IN DATABASE ${only}` : '';
}

async function probeExisting(connection: DeployConnection, scope: string, signal: AbortSignal | undefined): Promise<{ ok: boolean; existing: number; names: Set<string>; error?: string }> {
  try {
    const rows = await connection.query(`SHOW DYNAMIC TABLES${scope}`, [], signal ? { signal } : {});
    const names = new Set<string>();
    for (const row of rows) {
      const get = (col: string) => row[col] ?? row[col.toUpperCase()];
      names.add(`${String(get('schema_name'))}.${String(get('name'))}`);
    }
    return { ok: true, existing: rows.length, names };
  } catch (error) {
    return { ok: false, existing: 0, names: new Set(), error: errorMessage(error) };
  }
}
