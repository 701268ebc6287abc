import { selectAssets, type MaterializationRecord, type StoredCheckResult } from '@assay/core';
import { formatDuration, formatRows, formatTable, formatTime } from '../render/format-table.js';
import type { CommandContext } from '../run-cli.js';
import { readDynamicTables, type DynamicTableStatusJson } from './dynamic-table-status.js';
import { planFor } from './plan-command.js';
import { printJson, selectionOptions } from './selection-options.js';

/** One asset in `assets status --json`. */
export interface AssetStatusJson {
  key: string;
  group: string;
  kind: string;
  /** The newest materialization (of any partition), or null when never materialized. */
  lastMaterialization: { runId: string; at: string; partition: string | null; rowCount: number | null; durationMs: number } | null;
  /** Data version of that materialization, or null. */
  dataVersion: string | null;
  /** The asset's current code version. */
  codeVersion: string;
  /** Whether `materialize --stale` would run it. */
  stale: boolean;
  /** Why it is stale (`never materialized`, `code version changed`, `upstream changed: x`, ...), or null. */
  staleReason: string | null;
  /** Freshness against the asset's target lag, or null when it declares none (or `downstream`). */
  freshness: { targetLag: string; ageSeconds: number | null; fresh: boolean } | null;
  /** The latest result of each check. */
  checks: { name: string; passed: boolean; severity: 'warn' | 'error'; at: string; message: string | null }[];
  /**
   * Only on a Snowflake target: the asset's dynamic table (`assets deploy`), or null when it is
   * not one. Its freshness is then measured from the table's data timestamp.
   */
  dynamicTable?: DynamicTableStatusJson | null;
}

/** `assets status`: per asset, last materialization, data version, staleness, freshness and checks. */
export async function statusCommand(ctx: CommandContext): Promise<number> {
  const project = await ctx.project();
  const defs = project.definitions;
  const { select, exclude } = selectionOptions(ctx);
  const keys = select === undefined && exclude === undefined ? [...defs.keys] : selectAssets(defs, select, { exclude });
  const state = await project.state();
  const [stalePlan, materializations, checkResults] = await Promise.all([
    planFor(ctx, project, { stale: true }),
    state.latestMaterializations(keys),
    state.latestCheckResults(keys),
  ]);
  const dynamic = await readDynamicTables(project, keys);
  const staleReasons = new Map(stalePlan.steps.map((s) => [s.key, s.reason]));
  const latest = new Map<string, MaterializationRecord>();
  for (const m of materializations) {
    const current = latest.get(m.assetKey);
    if (!current || m.createdAt > current.createdAt) latest.set(m.assetKey, m);
  }
  const checksByKey = new Map<string, StoredCheckResult[]>();
  for (const c of checkResults) {
    let list = checksByKey.get(c.assetKey);
    if (!list) checksByKey.set(c.assetKey, (list = []));
    list.push(c);
  }
  const now = Date.now();
  const statuses: AssetStatusJson[] = keys.map((key) => {
    const def = defs.get(key);
    const m = latest.get(key);
    const lagSeconds = def.freshness ? parseLag(def.freshness.targetLag) : undefined;
    const dt = dynamic?.byKey?.get(key);
    // Snowflake refreshes a dynamic table itself: its data timestamp, not Assay's runs, says how fresh it is.
    const freshAt = dt?.dataTimestamp ?? m?.createdAt;
    const ageSeconds = freshAt ? Math.max(0, Math.round((now - Date.parse(freshAt)) / 1000)) : null;
    const status: AssetStatusJson = {
      key,
      group: def.group,
      kind: def.kind,
      lastMaterialization: m ? { runId: m.runId, at: m.createdAt, partition: m.partition ?? null, rowCount: m.rowCount ?? null, durationMs: m.durationMs } : null,
      dataVersion: m?.dataVersion ?? null,
      codeVersion: def.codeVersion,
      stale: staleReasons.has(key),
      staleReason: staleReasons.get(key) ?? null,
      freshness:
        def.freshness && lagSeconds !== undefined
          ? { targetLag: def.freshness.targetLag, ageSeconds, fresh: ageSeconds !== null && ageSeconds <= lagSeconds }
          : null,
      checks: (checksByKey.get(key) ?? [])
        .sort((a, b) => a.name.localeCompare(b.name))
        .map((c) => ({ name: c.name, passed: c.passed, severity: c.severity, at: c.createdAt, message: c.message ?? null })),
    };
    if (dynamic?.byKey) status.dynamicTable = dt ?? null;
    return status;
  });

  const s = ctx.style;
  for (const note of dynamic?.notes ?? []) ctx.printError(`${s.yellow('note')}: ${note}`);
  if (ctx.json) {
    printJson(ctx, statuses);
    return 0;
  }
  const rows = statuses.map((a) => {
    const failing = a.checks.filter((c) => !c.passed);
    const checks =
      a.checks.length === 0
        ? s.gray('-')
        : failing.length === 0
          ? s.green(`${a.checks.length} passed`)
          : (failing.some((c) => c.severity === 'error') ? s.red : s.yellow)(`${failing.length} failing: ${failing.map((c) => c.name).join(', ')}`);
    const freshness = a.freshness
      ? a.freshness.fresh
        ? s.green(`fresh (${a.freshness.targetLag})`)
        : s.red(`late: ${a.freshness.ageSeconds === null ? 'never built' : `${formatDuration(a.freshness.ageSeconds * 1000)} old`} > ${a.freshness.targetLag}`)
      : s.gray('-');
    return [
      s.bold(a.key),
      a.lastMaterialization ? formatTime(a.lastMaterialization.at) : s.yellow('never'),
      a.lastMaterialization ? formatRows(a.lastMaterialization.rowCount) : s.gray('-'),
      // Snowflake refreshes a dynamic table; Assay's own run history does not apply to it.
      a.dynamicTable ? s.cyan('dynamic table') : a.stale ? s.yellow(`stale: ${a.staleReason}`) : s.green('up to date'),
      freshness,
      checks,
      ...(dynamic?.byKey ? [describeDynamicTable(ctx, a.dynamicTable ?? null)] : []),
    ];
  });
  const header = ['ASSET', 'LAST MATERIALIZED (UTC)', 'ROWS', 'STATE', 'FRESHNESS', 'CHECKS', ...(dynamic?.byKey ? ['DYNAMIC TABLE'] : [])];
  for (const line of formatTable(header.map((h) => s.gray(h)), rows, ['left', 'left', 'right'])) ctx.print(line);
  const staleCount = statuses.filter((a) => a.stale).length;
  ctx.print(s.gray(`${statuses.length} asset(s), ${staleCount} stale`));
  return 0;
}

/** The DYNAMIC TABLE column: scheduling state, lag, and the latest refresh when known. */
function describeDynamicTable(ctx: CommandContext, dt: DynamicTableStatusJson | null): string {
  const s = ctx.style;
  if (!dt) return s.gray('-');
  const parts = [dt.schedulingState === 'SUSPENDED' ? s.yellow('suspended') : 'running', dt.targetLag ? `lag ${dt.targetLag}` : '', dt.refreshMode ?? ''];
  const last = dt.lastRefresh;
  if (last) {
    const state = last.state === 'SUCCEEDED' ? s.green : last.state === 'FAILED' || last.state === 'UPSTREAM_FAILED' ? s.red : s.yellow;
    parts.push(`last refresh ${state(last.state)}${last.action ? ` (${last.action})` : ''}${last.endedAt ?? last.startedAt ? ` ${formatTime(last.endedAt ?? last.startedAt ?? undefined)}` : ''}${last.message ? `: ${last.message}` : ''}`);
  } else if (dt.dataTimestamp) {
    parts.push(`data as of ${formatTime(dt.dataTimestamp)}`);
  }
  return parts.filter(Boolean).join(', ');
}

const UNITS: Record<string, number> = { second: 1, minute: 60, hour: 3600, day: 86400, week: 604800 };

/** `'5 minutes'`, `'1 hour'`, `'30s'`, `'2h'` → seconds; undefined for `downstream` or anything unparsable. */
export function parseLag(text: string): number | undefined {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(s|sec|secs|seconds?|m|min|mins|minutes?|h|hr|hrs|hours?|d|days?|w|weeks?)\s*$/i.exec(text);
  if (!m) return undefined;
  const unit = m[2]!.toLowerCase();
  const base = unit.startsWith('s') ? 'second' : unit.startsWith('mi') || unit === 'm' ? 'minute' : unit.startsWith('h') ? 'hour' : unit.startsWith('d') ? 'day' : 'week';
  return Number(m[1]) * UNITS[base]!;
}
