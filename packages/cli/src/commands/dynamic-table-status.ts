import { errorMessage, silentLogger, type Backend } from '@assay/core';
import type { Project } from '../load-project.js';
import { loadSnowflake } from './deploy-command.js';

/** `dynamicTable` of an asset in `assets status --json` on a Snowflake target. */
export interface DynamicTableStatusJson {
  /** The relation the asset's dynamic table has. */
  relation: string;
  /** `DOWNSTREAM` or a time lag, as Snowflake reports it (null when only the refresh history was readable). */
  targetLag: string | null;
  /** `INCREMENTAL` or `FULL` (what AUTO resolved to), or null. */
  refreshMode: string | null;
  /** `RUNNING` or `SUSPENDED`, or null. */
  schedulingState: string | null;
  /** What the table's content is current as of (ISO), or null. */
  dataTimestamp: string | null;
  /** The latest refresh from `INFORMATION_SCHEMA.DYNAMIC_TABLE_REFRESH_HISTORY()`, or null when unavailable. */
  lastRefresh: { state: string; action: string | null; message: string | null; startedAt: string | null; endedAt: string | null } | null;
}

/** What `assets status` adds on a Snowflake target. */
export interface DynamicTableStatusExtras {
  /** Per asset key: its dynamic table, or null when it is not one; undefined when nothing could be read. */
  readonly byKey: ReadonlyMap<string, DynamicTableStatusJson | null> | undefined;
  /** What could not be read, for the user. */
  readonly notes: readonly string[];
}

/**
 * Reads the dynamic tables behind `keys` when the project's target is Snowflake: one login,
 * `SHOW DYNAMIC TABLES` and the refresh-history table function (see `readDynamicTableStatus`
 * in @assay/snowflake). Undefined for other targets. Never fails the status command: an
 * unreachable warehouse becomes a note.
 */
export async function readDynamicTables(project: Project, keys: readonly string[]): Promise<DynamicTableStatusExtras | undefined> {
  let backend: Backend;
  try {
    backend = await project.target();
  } catch (error) {
    return { byKey: undefined, notes: [`target "${project.defaultTarget}" could not be created, so dynamic tables were not read: ${errorMessage(error)}`] };
  }
  if (backend.dialect !== 'snowflake') return undefined;
  let sf: Awaited<ReturnType<typeof loadSnowflake>>;
  try {
    sf = await loadSnowflake();
  } catch (error) {
    return { byKey: undefined, notes: [`dynamic tables were not read: ${errorMessage(error)}`] };
  }
  try {
    await backend.open({ concurrency: 1, logger: silentLogger() });
  } catch (error) {
    return { byKey: undefined, notes: [`could not connect to "${project.defaultTarget}" to read its dynamic tables: ${firstLine(errorMessage(error))}`] };
  }
  const report = await sf.readDynamicTableStatus(backend);
  const byKey = new Map<string, DynamicTableStatusJson | null>();
  for (const key of keys) {
    const relation = backend.relation(key);
    const table = sf.findDynamicTable(report, relation);
    byKey.set(
      key,
      table
        ? {
            relation,
            targetLag: table.targetLag,
            refreshMode: table.refreshMode,
            schedulingState: table.schedulingState,
            dataTimestamp: table.dataTimestamp?.toISOString() ?? null,
            lastRefresh: table.lastRefresh
              ? {
                  state: table.lastRefresh.state,
                  action: table.lastRefresh.action,
                  message: table.lastRefresh.message,
                  startedAt: table.lastRefresh.startedAt?.toISOString() ?? null,
                  endedAt: table.lastRefresh.endedAt?.toISOString() ?? null,
                }
              : null,
          }
        : null,
    );
  }
  return { byKey, notes: [...report.notes] };
}

function firstLine(text: string): string {
  return text.split('\n')[0] ?? text;
}
