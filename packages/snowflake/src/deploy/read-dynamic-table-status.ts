import { errorMessage, type Row } from '@assay/core';
import type { DeployConnection } from './deploy-dynamic-tables.js';
import { splitQualifiedName } from './snowflake-identifier.js';

/** The latest refresh of a dynamic table, from `DYNAMIC_TABLE_REFRESH_HISTORY()`. */
export interface DynamicTableRefresh {
  /** `SUCCEEDED`, `FAILED`, `EXECUTING`, `SCHEDULED`, `CANCELLED`, `UPSTREAM_FAILED`, ... */
  readonly state: string;
  /** Snowflake's message for failed refreshes, else null. */
  readonly message: string | null;
  /** `INCREMENTAL`, `FULL`, `NO_DATA`, `REINITIALIZE`, or null when not reported. */
  readonly action: string | null;
  /** `SCHEDULED`, `MANUAL`, `CREATION`, or null when not reported. */
  readonly trigger: string | null;
  readonly startedAt: Date | null;
  readonly endedAt: Date | null;
  /** The point in time the refreshed data is current as of. */
  readonly dataTimestamp: Date | null;
}

/** One dynamic table as Snowflake reports it. */
export interface DynamicTableStatus {
  /** Resolved names (as Snowflake stores them: unquoted names upper-cased). */
  readonly database: string;
  readonly schema: string;
  readonly name: string;
  /** `DOWNSTREAM` or a time lag, from `SHOW DYNAMIC TABLES`; null when only the history was readable. */
  readonly targetLag: string | null;
  /** The refresh mode in effect (`INCREMENTAL` or `FULL`, AUTO resolved), or null. */
  readonly refreshMode: string | null;
  /** `RUNNING` or `SUSPENDED`, or null. */
  readonly schedulingState: string | null;
  /** What the table's content is current as of, or null. */
  readonly dataTimestamp: Date | null;
  /** The newest refresh that started (else the newest entry), or null when the history is unavailable or empty. */
  readonly lastRefresh: DynamicTableRefresh | null;
}

/** What {@link readDynamicTableStatus} could learn. */
export interface DynamicTableStatusReport {
  /** Dynamic tables in the session's current database. */
  readonly tables: readonly DynamicTableStatus[];
  /** Whether `INFORMATION_SCHEMA.DYNAMIC_TABLE_REFRESH_HISTORY()` answered. */
  readonly refreshHistory: boolean;
  /** Whether `SHOW DYNAMIC TABLES` answered. */
  readonly show: boolean;
  /** What was unavailable and why, for the user. */
  readonly notes: readonly string[];
}

/** SQL of the refresh-history read (the table function; 1000 newest refreshes). */
const REFRESH_HISTORY_SQL = 'SELECT * FROM TABLE(INFORMATION_SCHEMA.DYNAMIC_TABLE_REFRESH_HISTORY(RESULT_LIMIT => 1000))';

/**
 * Reads the dynamic tables of the session's current database: `SHOW DYNAMIC TABLES` for lag,
 * refresh mode, scheduling state and data timestamp, and
 * `INFORMATION_SCHEMA.DYNAMIC_TABLE_REFRESH_HISTORY()` for each table's latest refresh
 * (state, message, incremental or full). Either may be unavailable (privileges, an emulator
 * without the table function): what failed is said in `notes`, and the rest is still
 * returned. Never throws for a failing query.
 *
 * @example
 * ```ts
 * const report = await readDynamicTableStatus(backend);
 * const table = findDynamicTable(report, backend.relation('gold/revenue'));
 * console.log(table?.lastRefresh?.state); // 'SUCCEEDED'
 * ```
 */
export async function readDynamicTableStatus(connection: DeployConnection): Promise<DynamicTableStatusReport> {
  const notes: string[] = [];
  const byName = new Map<string, { database: string; schema: string; name: string; show?: Row; history: Row[] }>();
  const entry = (row: Row) => {
    const database = text(col(row, 'database_name')) ?? '';
    const schema = text(col(row, 'schema_name')) ?? '';
    const name = text(col(row, 'name')) ?? '';
    const id = `${database}.${schema}.${name}`;
    let e = byName.get(id);
    if (!e) byName.set(id, (e = { database, schema, name, history: [] }));
    return e;
  };

  let show = false;
  try {
    for (const row of await connection.query('SHOW DYNAMIC TABLES')) entry(row).show = row;
    show = true;
  } catch (error) {
    notes.push(`SHOW DYNAMIC TABLES failed: ${firstLine(errorMessage(error))}`);
  }
  let refreshHistory = false;
  try {
    for (const row of await connection.query(REFRESH_HISTORY_SQL)) entry(row).history.push(row);
    refreshHistory = true;
  } catch (error) {
    notes.push(`refresh history unavailable (INFORMATION_SCHEMA.DYNAMIC_TABLE_REFRESH_HISTORY(): ${firstLine(errorMessage(error))}); refresh states are not shown`);
  }

  const tables: DynamicTableStatus[] = [...byName.values()].map((e) => {
    const latest = newestRefresh(e.history);
    return {
      database: e.database,
      schema: e.schema,
      name: e.name,
      targetLag: e.show ? text(col(e.show, 'target_lag')) : null,
      refreshMode: e.show ? text(col(e.show, 'refresh_mode')) : null,
      schedulingState: e.show ? text(col(e.show, 'scheduling_state')) : null,
      dataTimestamp: (e.show ? date(col(e.show, 'data_timestamp')) : null) ?? latest?.dataTimestamp ?? null,
      lastRefresh: latest,
    };
  });
  tables.sort((a, b) => `${a.database}.${a.schema}.${a.name}`.localeCompare(`${b.database}.${b.schema}.${b.name}`));
  return { tables, refreshHistory, show, notes };
}

/**
 * The dynamic table a relation names (`"silver"."orders"`, `DB.SILVER.ORDERS`), matching
 * Snowflake's resolution: unquoted parts case-insensitively, quoted parts exactly. A
 * relation without a database matches in any database of the report.
 */
export function findDynamicTable(report: DynamicTableStatusReport, relation: string): DynamicTableStatus | undefined {
  const parts = splitQualifiedName(relation);
  if (!parts || parts.length < 2) return undefined;
  const name = parts[parts.length - 1]!.name;
  const schema = parts[parts.length - 2]!.name;
  const database = parts.length >= 3 ? parts[parts.length - 3]!.name : undefined;
  return report.tables.find((t) => t.name === name && t.schema === schema && (database === undefined || t.database === database));
}

function newestRefresh(rows: readonly Row[]): DynamicTableRefresh | null {
  if (rows.length === 0) return null;
  const refreshes = rows.map((row) => ({
    state: text(col(row, 'state')) ?? 'UNKNOWN',
    message: text(col(row, 'state_message')),
    action: text(col(row, 'refresh_action')),
    trigger: text(col(row, 'refresh_trigger')),
    startedAt: date(col(row, 'refresh_start_time')),
    endedAt: date(col(row, 'refresh_end_time')),
    dataTimestamp: date(col(row, 'data_timestamp')),
  }));
  const started = refreshes.filter((r) => r.startedAt !== null).sort((a, b) => b.startedAt!.getTime() - a.startedAt!.getTime());
  return started[0] ?? refreshes[0]!;
}

/** A column by name in either case (SHOW answers lower case, SELECT upper case). */
function col(row: Row, name: string): unknown {
  return row[name] ?? row[name.toUpperCase()];
}

function text(value: unknown): string | null {
  if (value === null || value === undefined || value === '') return null;
  return String(value);
}

function date(value: unknown): Date | null {
  if (value === null || value === undefined || value === '') return null;
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value;
  const d = typeof value === 'number' ? new Date(value * 1000) : new Date(String(value));
  return Number.isNaN(d.getTime()) ? null : d;
}

function firstLine(message: string): string {
  return message.split('\n').filter((l) => l.trim() !== '').join(' ').slice(0, 200);
}
