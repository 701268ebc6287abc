import type { AssayEvent, RunRecord, StateStore } from '@assay/core';
import { formatDuration, formatRows, formatTable, formatTime } from '../render/format-table.js';
import type { CommandContext } from '../run-cli.js';
import { printJson } from './selection-options.js';

/** One run in `assets history --json`. */
export interface RunHistoryJson {
  runId: string;
  status: RunRecord['status'];
  startedAt: string;
  endedAt: string | null;
  durationMs: number | null;
  selection: string | null;
  backend: string | null;
}

/** One entry of `assets history <key> --json`: what happened to the asset in one run. */
export interface AssetHistoryJson {
  runId: string;
  /** When the asset's step started (or the run, for assets that never started). */
  at: string;
  status: 'success' | 'failed' | 'skipped' | 'canceled' | 'running';
  partitions: string[];
  rowCount: number | null;
  durationMs: number | null;
  dataVersion: string | null;
  checks: { name: string; passed: boolean; severity: 'warn' | 'error' }[];
  /** Failure message, or why it was skipped. */
  message: string | null;
}

/** `assets history [key]`: past runs, or what happened to one asset in past runs. */
export async function historyCommand(ctx: CommandContext): Promise<number> {
  const project = await ctx.project();
  const limit = typeof ctx.values.limit === 'string' ? Number(ctx.values.limit) : 20;
  const key = ctx.positionals[0];
  if (key !== undefined && !project.definitions.has(key)) {
    // Still show history of an asset that was removed; only an unknown key with none is an error.
    const state = await project.state();
    if ((await state.assetHistory(key, { limit: 1 })).length === 0) project.definitions.get(key);
  }
  const state = await project.state();
  return key === undefined ? printRuns(ctx, state, limit) : printAssetHistory(ctx, state, key, limit);
}

async function printRuns(ctx: CommandContext, state: StateStore, limit: number): Promise<number> {
  const runs = await state.listRuns({ limit });
  const out: RunHistoryJson[] = runs.map((r) => ({
    runId: r.runId,
    status: r.status,
    startedAt: r.startedAt,
    endedAt: r.endedAt ?? null,
    durationMs: r.endedAt ? Date.parse(r.endedAt) - Date.parse(r.startedAt) : null,
    selection: r.selection ?? null,
    backend: r.backend ?? null,
  }));
  if (ctx.json) {
    printJson(ctx, out);
    return 0;
  }
  if (out.length === 0) {
    ctx.print('No runs yet. Run `assets materialize`.');
    return 0;
  }
  const s = ctx.style;
  const rows = out.map((r) => [r.runId, colorStatus(ctx, r.status), formatTime(r.startedAt), r.durationMs === null ? s.gray('-') : formatDuration(r.durationMs), r.selection ?? s.gray('(all)'), r.backend ?? '']);
  for (const line of formatTable(['RUN', 'STATUS', 'STARTED (UTC)', 'TIME', 'SELECTION', 'BACKEND'].map((h) => s.gray(h)), rows, ['left', 'left', 'left', 'right'])) ctx.print(line);
  return 0;
}

async function printAssetHistory(ctx: CommandContext, state: StateStore, key: string, limit: number): Promise<number> {
  const entries: AssetHistoryJson[] = [];
  // Runs that never touched the asset are skipped over, so look further back than `limit`.
  const runs = await state.listRuns({ limit: Math.max(limit * 5, 50) });
  for (const run of runs) {
    if (entries.length >= limit) break;
    const entry = entryFor(key, run, await state.runEvents(run.runId));
    if (entry) entries.push(entry);
  }
  if (entries.length === 0) {
    // A state store that keeps no events still has materializations.
    for (const m of await state.assetHistory(key, { limit })) {
      entries.push({ runId: m.runId, at: m.createdAt, status: 'success', partitions: m.partition ? [m.partition] : [], rowCount: m.rowCount ?? null, durationMs: m.durationMs, dataVersion: m.dataVersion, checks: [], message: null });
    }
  }
  if (ctx.json) {
    printJson(ctx, entries);
    return 0;
  }
  const s = ctx.style;
  if (entries.length === 0) {
    ctx.print(`No history for ${key} yet.`);
    return 0;
  }
  const rows = entries.map((e) => {
    const failing = e.checks.filter((c) => !c.passed);
    return [
      e.runId,
      colorStatus(ctx, e.status),
      formatTime(e.at),
      e.partitions.length === 0 ? '' : e.partitions.length === 1 ? e.partitions[0]! : `${e.partitions.length} partitions`,
      e.rowCount === null ? s.gray('-') : formatRows(e.rowCount),
      e.durationMs === null ? s.gray('-') : formatDuration(e.durationMs),
      e.checks.length === 0 ? s.gray('-') : failing.length === 0 ? `${e.checks.length}/${e.checks.length}` : s.red(`${e.checks.length - failing.length}/${e.checks.length}`),
      e.dataVersion ?? '',
      s.gray(e.message ?? ''),
    ];
  });
  ctx.print(s.bold(key));
  for (const line of formatTable(['RUN', 'STATUS', 'AT (UTC)', 'PARTITION', 'ROWS', 'TIME', 'CHECKS', 'DATA VERSION', ''].map((h) => s.gray(h)), rows, ['left', 'left', 'left', 'left', 'right', 'right', 'right'])) ctx.print(line);
  return 0;
}

function entryFor(key: string, run: RunRecord, events: readonly AssayEvent[]): AssetHistoryJson | undefined {
  let entry: AssetHistoryJson | undefined;
  const ensure = (at: string): AssetHistoryJson =>
    (entry ??= { runId: run.runId, at, status: run.status === 'running' ? 'running' : 'canceled', partitions: [], rowCount: null, durationMs: null, dataVersion: null, checks: [], message: null });
  for (const e of events) {
    if (e.type === 'run_start' || e.type === 'run_end' || e.type === 'log' || e.assetKey !== key) continue;
    const x = ensure(e.timestamp);
    switch (e.type) {
      case 'materialization':
        if (e.partition !== undefined) x.partitions.push(e.partition);
        // The backend reports the table's rows after each build; the last one is the asset's.
        x.rowCount = e.rowCount ?? x.rowCount;
        x.dataVersion = e.dataVersion;
        break;
      case 'check_result':
        x.checks.push({ name: e.result.name, passed: e.result.passed, severity: e.result.severity });
        break;
      case 'step_success':
        x.status = 'success';
        x.durationMs = e.durationMs;
        if (e.rowCount !== undefined) x.rowCount = e.rowCount;
        break;
      case 'step_failure':
        x.status = 'failed';
        x.durationMs = e.durationMs;
        x.message = typeof e.error.message === 'string' ? e.error.message.split('\n')[0]! : 'failed';
        break;
      case 'step_skipped':
        x.status = 'skipped';
        x.message = e.reason;
        break;
      case 'step_canceled':
        x.status = 'canceled';
        break;
      default:
        break;
    }
  }
  return entry;
}

function colorStatus(ctx: CommandContext, status: string): string {
  const s = ctx.style;
  return status === 'success' ? s.green(status) : status === 'failed' ? s.red(status) : status === 'running' ? s.cyan(status) : s.yellow(status);
}
