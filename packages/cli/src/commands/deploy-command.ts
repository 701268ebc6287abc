import { AssayError, ConfigError, errorMessage, isAssayError, silentLogger, CanceledError, type Backend } from '@assay/core';
import type { DeployResult, DynamicTableInitialize, DynamicTablePlan, DynamicTableRefreshMode } from '@assay/snowflake';
import { formatError } from '../render/format-error.js';
import { formatDuration, formatTable } from '../render/format-table.js';
import type { CommandContext } from '../run-cli.js';
import { printJson, selectionOptions } from './selection-options.js';

/** `assets deploy --json`: the plan, and with a real deploy what happened. */
export interface DeployJson {
  /** The target deployed to. */
  target: string;
  /** True with `--dry-run` (nothing was executed). */
  dryRun: boolean;
  /** `planned` (dry run), `success`, `failed` or `canceled`. */
  status: 'planned' | DeployResult['status'];
  /** `CREATE SCHEMA IF NOT EXISTS` statements run first. */
  setup: string[];
  /** The dynamic tables, upstream first. `action` is null in a dry run, when not reached, or when the probe could not tell. */
  tables: {
    key: string;
    relation: string;
    targetLag: string;
    lagReason: string;
    refreshMode: string;
    ddl: string;
    deployed: boolean;
    action: 'created' | 'replaced' | null;
  }[];
  /** Selected assets that are not dynamic tables. */
  skipped: { key: string; reason: string }[];
  /** Regular tables the dynamic tables read. */
  inputs: { key: string; relation: string }[];
  warnings: { key: string; message: string }[];
  /**
   * Dry run: the `DROP DYNAMIC TABLE IF EXISTS` list undoing the whole plan. Deploy: the list
   * undoing what this deploy created (empty when nothing was).
   */
  compensation: string[];
  /** The failing statement, when `status` is `failed`. */
  failure: { key: string | null; statement: string; code: string; message: string } | null;
}

type SnowflakeModule = typeof import('@assay/snowflake');

/**
 * `assets deploy`: compiles the selected SQL assets to Snowflake Dynamic Tables for a
 * Snowflake target and runs the DDL (or, with `--dry-run`, prints it as a script, with the
 * compensation list commented out). On a failure it stops and prints what was created and
 * the statements that undo it.
 */
export async function deployCommand(ctx: CommandContext): Promise<number> {
  const project = await ctx.project();
  const dryRun = ctx.values['dry-run'] === true;
  const str = (name: string) => (typeof ctx.values[name] === 'string' ? (ctx.values[name] as string) : undefined);
  const { select, exclude } = selectionOptions(ctx);
  const targetName = project.defaultTarget;
  const sf = await loadSnowflake();

  let backend: Backend | undefined;
  try {
    backend = await project.target();
  } catch (error) {
    // A dry run never connects: a target whose `${env:...}` credentials are unset still compiles,
    // with the Snowflake backend's default naming.
    if (!dryRun || !isAssayError(error) || error.code !== 'ASSAY_CONFIG' || !/^Environment variable /.test(error.message)) throw error;
    ctx.printError(`${ctx.style.yellow('note')}: target "${targetName}" was not created (${error.message}); names follow the Snowflake backend's defaults, in the session's current database`);
  }
  if (backend && backend.dialect !== 'snowflake') {
    throw new ConfigError(`Target "${targetName}" is a ${backend.name} backend; assets deploy creates Snowflake Dynamic Tables`, {
      hint: `Pass --target with a snowflake({...}) target (targets: ${project.targetNames.join(', ')}).`,
    });
  }
  const warehouse = str('warehouse') ?? (backend ? configuredWarehouse(backend) : undefined);
  if (!warehouse) {
    throw new ConfigError('No warehouse to run the dynamic tables\' refreshes', {
      hint: `Pass --warehouse <name>, or set warehouse in the "${targetName}" target.`,
    });
  }

  const target = backend;
  const plan = sf.compileDynamicTables(project.definitions, {
    selection: select,
    exclude,
    warehouse,
    // Checked by the compiler, which names the accepted values.
    refreshMode: upper(str('refresh-mode')) as DynamicTableRefreshMode | undefined,
    initialize: upper(str('initialize')) as DynamicTableInitialize | undefined,
    defaultLag: str('default-lag'),
    relation: target ? (key) => target.relation(key) : undefined,
  });
  if (plan.tables.length === 0 && plan.skipped.length === 0) {
    throw new AssayError('ASSAY_SELECTION_EMPTY', `The selection matches no assets: ${[select && `--select "${select}"`, exclude && `--exclude "${exclude}"`].filter(Boolean).join(' ')}`, {
      hint: 'Run `assets list` to see the keys.',
    });
  }

  if (dryRun) {
    if (ctx.json) printJson(ctx, toJson(targetName, plan, undefined));
    else printScript(ctx, targetName, warehouse, plan);
    return 0;
  }
  if (!ctx.json) printPlanTable(ctx, targetName, warehouse, plan);
  if (plan.tables.length === 0) {
    if (ctx.json) printJson(ctx, toJson(targetName, plan, undefined));
    else ctx.print(ctx.style.yellow('Nothing to deploy: no selected asset can be a dynamic table.'));
    return 0;
  }

  const controller = new AbortController();
  const onSigint = () => {
    if (controller.signal.aborted) {
      ctx.printError(ctx.style.red('Forced exit; the running statement may still finish in Snowflake.'));
      ctx.io.exit(130);
      return;
    }
    ctx.printError(ctx.style.yellow('Canceling the deploy… (press Ctrl-C again to quit at once)'));
    controller.abort(new CanceledError('Canceled by Ctrl-C'));
  };
  if (ctx.io.handleSignals) process.on('SIGINT', onSigint);
  const s = ctx.style;
  let result: DeployResult;
  const started = Date.now();
  try {
    await backend!.open({ concurrency: 1, logger: silentLogger() });
    if (!ctx.json) ctx.print();
    result = await sf.deployDynamicTables(plan, backend!, {
      signal: controller.signal,
      onTable: (t) => {
        if (!ctx.json) ctx.print(`${s.green('✓')} ${s.bold(t.key)}  ${t.relation}  ${s.gray(t.action ?? 'created or replaced')}  ${s.gray(formatDuration(t.durationMs))}`);
      },
    });
  } finally {
    if (ctx.io.handleSignals) process.removeListener('SIGINT', onSigint);
  }

  if (ctx.json) {
    printJson(ctx, toJson(targetName, plan, result));
    if (result.failure) for (const line of formatError(result.failure.error, { style: s, label: `✗ ${result.failure.key ?? 'setup'}`, ...(result.failure.key ? { assetKey: result.failure.key } : {}) })) ctx.printError(line);
  } else {
    printOutcome(ctx, targetName, result, Date.now() - started);
  }
  if (!result.probe.ok && !ctx.json) ctx.printError(`${s.yellow('note')}: could not list existing dynamic tables (${result.probe.error}); created and replaced tables are not told apart`);
  return result.status === 'success' ? 0 : result.status === 'canceled' ? 130 : 1;
}

/** `@assay/snowflake`, loaded on use; a missing or outdated install is a configuration error. */
export async function loadSnowflake(): Promise<SnowflakeModule> {
  let mod: SnowflakeModule;
  try {
    mod = await import('@assay/snowflake');
  } catch (error) {
    throw new ConfigError(`Dynamic tables need @assay/snowflake: ${errorMessage(error)}`, { cause: error, hint: 'Install it in the project: npm install @assay/snowflake' });
  }
  if (typeof mod.compileDynamicTables !== 'function') {
    throw new ConfigError('The installed @assay/snowflake has no Dynamic Table support', { hint: 'Update it to the version of @assay/cli: npm install @assay/snowflake@latest' });
  }
  return mod;
}

function upper(value: string | undefined): string | undefined {
  return value?.toUpperCase().replace(/-/g, '_');
}

/** The warehouse configured on a Snowflake target (`snowflake({ warehouse })`), if it says. */
function configuredWarehouse(backend: Backend): string | undefined {
  const b = backend as unknown as { warehouse?: unknown; options?: { warehouse?: unknown } };
  const value = b.warehouse ?? b.options?.warehouse;
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function toJson(target: string, plan: DynamicTablePlan, result: DeployResult | undefined): DeployJson {
  const deployed = new Map((result?.deployed ?? []).map((d) => [d.key, d]));
  return {
    target,
    dryRun: result === undefined,
    status: result?.status ?? 'planned',
    setup: [...plan.setup],
    tables: plan.tables.map((t) => ({
      key: t.key,
      relation: t.relation,
      targetLag: t.targetLag,
      lagReason: t.lagReason,
      refreshMode: t.refreshMode,
      ddl: t.ddl,
      deployed: deployed.has(t.key),
      action: deployed.get(t.key)?.action ?? null,
    })),
    skipped: plan.skipped.map((k) => ({ key: k.key, reason: k.reason })),
    inputs: plan.inputs.map((i) => ({ key: i.key, relation: i.relation })),
    warnings: plan.warnings.map((w) => ({ key: w.key, message: w.message })),
    compensation: [...(result ? result.compensation : plan.compensation)],
    failure: result?.failure
      ? { key: result.failure.key ?? null, statement: result.failure.statement, code: result.failure.error.code, message: result.failure.error.message }
      : null,
  };
}

/** `--dry-run`: the plan as SQL comments, the DDL, and the compensation commented out, so stdout is a runnable script. */
function printScript(ctx: CommandContext, target: string, warehouse: string, plan: DynamicTablePlan): void {
  const comment = (text = '') => ctx.print(text ? `-- ${text}` : '--');
  comment(`assets deploy --target ${target} (dry run): ${plan.tables.length} dynamic table(s), refreshed by warehouse ${warehouse}`);
  if (plan.tables.length > 0) {
    for (const line of formatTable(['#', 'DYNAMIC TABLE', 'TARGET_LAG', 'REFRESH_MODE', 'WHY THIS LAG'], plan.tables.map((t, i) => [String(i + 1), t.key, t.targetLag, t.refreshMode, t.lagReason]), ['right'])) comment(line);
  }
  printNotes(ctx, plan, comment);
  if (plan.statements.length > 0) {
    ctx.print();
    for (const statement of plan.statements) ctx.print(`${statement};\n`);
    comment('Compensation: run these to remove what this deploy creates (downstream first).');
    for (const drop of plan.compensation) comment(`${drop};`);
  } else {
    comment('Nothing to deploy: no selected asset can be a dynamic table.');
  }
}

/** Before a real deploy: what will be created, and why each lag. */
function printPlanTable(ctx: CommandContext, target: string, warehouse: string, plan: DynamicTablePlan): void {
  const s = ctx.style;
  ctx.print(`Deploying ${s.bold(String(plan.tables.length))} dynamic table(s) to ${s.bold(target)} (warehouse ${warehouse})`);
  if (plan.tables.length > 0) {
    const rows = plan.tables.map((t, i) => [s.gray(String(i + 1)), s.bold(t.key), t.targetLag, t.refreshMode, s.gray(t.lagReason)]);
    for (const line of formatTable(['#', 'DYNAMIC TABLE', 'TARGET_LAG', 'REFRESH_MODE', 'WHY THIS LAG'].map((h) => s.gray(h)), rows, ['right'])) ctx.print(line);
  }
  printNotes(ctx, plan, (line = '') => ctx.print(line));
}

function printNotes(ctx: CommandContext, plan: DynamicTablePlan, out: (line?: string) => void): void {
  const s = ctx.style;
  if (plan.skipped.length > 0) {
    out();
    for (const line of formatTable(['NOT DEPLOYED', 'WHY'].map((h) => s.gray(h)), plan.skipped.map((k) => [k.key, s.gray(k.reason)]))) out(line);
  }
  if (plan.inputs.length > 0) {
    out();
    out(`Reads regular tables: ${plan.inputs.map((i) => `${i.relation} (${i.key})`).join(', ')}`);
    out('  They must exist before the deploy, with change tracking on (Snowflake turns it on at creation when the deploying role owns them).');
  }
  if (plan.warnings.length > 0) {
    out();
    for (const w of plan.warnings) out(`${s.yellow('warning')}: ${w.key} ${w.message}`);
  }
}

function printOutcome(ctx: CommandContext, target: string, result: DeployResult, elapsedMs: number): void {
  const s = ctx.style;
  ctx.print();
  if (result.status === 'success') {
    const replaced = result.deployed.filter((d) => d.action === 'replaced').length;
    ctx.print(`${s.bold(s.green('Deployed'))} ${result.deployed.length} dynamic table(s) to ${target} in ${formatDuration(elapsedMs)}${replaced ? ` (${replaced} replaced)` : ''}.`);
    ctx.print(s.gray('Compensation (removes them, downstream first):'));
    for (const drop of result.compensation) ctx.print(s.gray(`  ${drop};`));
    return;
  }
  if (result.failure) {
    for (const line of formatError(result.failure.error, { style: s, label: `✗ ${result.failure.key ?? 'setup'}`, verbose: ctx.verbose, ...(result.failure.key ? { assetKey: result.failure.key } : {}) })) ctx.print(line);
    ctx.print();
  }
  ctx.print(`${s.bold(result.status === 'canceled' ? s.yellow('Deploy canceled') : s.red('Deploy failed'))}: ${result.deployed.length} dynamic table(s) created, ${result.notRun.length} statement(s) not run.`);
  if (result.deployed.length > 0) {
    ctx.print(`Created: ${result.deployed.map((d) => `${d.key}${d.action === 'replaced' ? ' (replaced)' : ''}`).join(', ')}`);
    ctx.print('Compensation (run to remove what this deploy created, downstream first):');
    for (const drop of result.compensation) ctx.print(`  ${drop};`);
    if (result.deployed.some((d) => d.action === 'replaced')) ctx.print(s.gray('  Dropping a replaced table does not bring back its previous definition.'));
  }
}
