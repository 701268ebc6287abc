import { AssayError, plan, type Backend, type Definitions, type Plan } from '@assay/core';
import type { Project } from '../load-project.js';
import { formatTable } from '../render/format-table.js';
import type { CommandContext } from '../run-cli.js';
import { printJson, selectionOptions } from './selection-options.js';

/** `assets plan --json`: exactly `{ steps: [{ key, reason }], skipped: [{ key, reason }] }`. */
export interface PlanJson {
  steps: { key: string; reason: string }[];
  skipped: { key: string; reason: string }[];
}

/** `assets plan`: what `materialize` with the same options would run, and why. */
export async function planCommand(ctx: CommandContext): Promise<number> {
  const project = await ctx.project();
  const thePlan = await planFor(ctx, project);
  printPlan(ctx, thePlan);
  return 0;
}

/** Plans with the command's options (shared by `plan`, `materialize --dry-run` and `status`). */
export async function planFor(ctx: CommandContext, project: Project, overrides: { stale?: boolean; concurrency?: number } = {}): Promise<Plan> {
  const { select, exclude, partition } = selectionOptions(ctx);
  const state = await project.state();
  const backend = await backendForPlanning(project, project.definitions, overrides.concurrency);
  const thePlan = await plan(project.definitions, {
    select,
    exclude,
    partition,
    stale: overrides.stale ?? ctx.values.stale === true,
    fullRefresh: ctx.values['full-refresh'] === true,
    state,
    backend,
    projectDir: project.dir,
  });
  if (thePlan.selected.length === 0) {
    // selectAssets leaves "matches nothing" to callers; for a command that builds, a typo
    // silently doing nothing is worse than an error.
    throw new AssayError('ASSAY_SELECTION_EMPTY', `The selection matches no assets: ${[select && `--select "${select}"`, exclude && `--exclude "${exclude}"`].filter(Boolean).join(' ')}`, {
      hint: 'Run `assets list` to see the keys. A bare word is a key glob ("gold*"); use group:gold, tag:pii, ... for attributes.',
    });
  }
  return thePlan;
}

/**
 * The backend, opened, when planning needs it (sources observed through a table or a
 * custom function); else undefined, so planning never waits on the warehouse's lock.
 */
export async function backendForPlanning(project: Project, defs: Definitions, concurrency = 1): Promise<Backend | undefined> {
  const needed = defs.assets.some((d) => d.type === 'source' && (d.path === undefined || d.observe !== undefined));
  if (!needed) return undefined;
  const backend = await project.target();
  const { silentLogger } = await import('@assay/core');
  // Opened with the run's concurrency: a later open (by materialize) is a no-op, so a pool
  // sized 1 here would serialize the run.
  await backend.open({ concurrency, logger: silentLogger() });
  return backend;
}

/** Prints a plan: JSON (exact shape) or a table. */
export function printPlan(ctx: CommandContext, thePlan: Plan): void {
  if (ctx.json) {
    const out: PlanJson = {
      steps: thePlan.steps.map((s) => ({ key: s.key, reason: s.reason })),
      skipped: thePlan.skipped.map((s) => ({ key: s.key, reason: s.reason })),
    };
    printJson(ctx, out);
    return;
  }
  const s = ctx.style;
  if (thePlan.steps.length === 0) {
    ctx.print(thePlan.skipped.length > 0 ? s.green(`Nothing to run: ${thePlan.skipped.length} asset(s) up to date.`) : 'Nothing selected.');
  } else {
    const rows = thePlan.steps.map((step, i) => [
      s.gray(String(i + 1)),
      s.bold(step.key),
      step.reason + (step.partitions && step.partitions.length > 0 ? s.gray(`  [${describePartitions(step.partitions)}]`) : ''),
    ]);
    for (const line of formatTable(['#', 'RUN', 'WHY'].map((h) => s.gray(h)), rows, ['right'])) ctx.print(line);
  }
  if (thePlan.skipped.length > 0 && thePlan.steps.length > 0) {
    ctx.print();
    for (const line of formatTable(['SKIP', 'WHY'].map((h) => s.gray(h)), thePlan.skipped.map((k) => [k.key, s.gray(k.reason)]))) ctx.print(line);
  }
  ctx.print(s.gray(`${thePlan.steps.length} to run, ${thePlan.skipped.length} skipped`));
}

function describePartitions(parts: readonly string[]): string {
  return parts.length <= 3 ? parts.join(', ') : `${parts[0]} … ${parts[parts.length - 1]} (${parts.length} partitions)`;
}
