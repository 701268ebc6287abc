import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join, relative } from 'node:path';
import { CanceledError, createLogger, materialize, type AssayEvent, type Logger, type RunResult } from '@assay/core';
import { formatError } from '../render/format-error.js';
import { formatDuration, formatRows, formatTable } from '../render/format-table.js';
import { createRunReporter } from '../render/run-reporter.js';
import type { CommandContext } from '../run-cli.js';
import { planFor, printPlan } from './plan-command.js';
import { printJson, selectionOptions } from './selection-options.js';

/** `assets materialize --json` (and `assets check --json`): exactly this shape. */
export interface MaterializeJson {
  /** Null when nothing was run (`--stale` and everything up to date). */
  runId: string | null;
  status: RunResult['status'];
  assets: {
    key: string;
    status: RunResult['assets'][number]['status'];
    rowCount: number | null;
    durationMs: number;
    checks: { name: string; passed: boolean; severity: 'warn' | 'error' }[];
  }[];
}

/**
 * `assets materialize` and `assets check` (checks only, on what is built): plans, runs with
 * live progress, prints a summary, and maps the result to an exit code (0 all good, 1 a
 * failure or failing error-severity check, 130 canceled).
 */
export async function materializeCommand(ctx: CommandContext): Promise<number> {
  const checksOnly = ctx.verb.name === 'check';
  const project = await ctx.project();
  const defs = project.definitions;
  const { select, exclude, partition } = selectionOptions(ctx);
  const concurrency =
    typeof ctx.values.concurrency === 'string' ? Number(ctx.values.concurrency) : (project.config.concurrency ?? Math.max(2, availableParallelism()));

  const thePlan = await planFor(ctx, project, { stale: checksOnly ? false : ctx.values.stale === true, concurrency });
  if (ctx.values['dry-run'] === true) {
    printPlan(ctx, thePlan);
    return 0;
  }
  const s = ctx.style;
  if (thePlan.steps.length === 0) {
    // Only `--stale` gets here (an empty selection fails in planFor): report, record no run.
    if (ctx.json) {
      const assets = thePlan.skipped.map((k) => ({ key: k.key, status: 'skipped' as const, rowCount: null, durationMs: 0, checks: [] }));
      const out: MaterializeJson = { runId: null, status: 'success', assets };
      printJson(ctx, out);
    } else {
      ctx.print(s.green(`Everything selected is up to date (${thePlan.skipped.length} asset(s)); nothing to run.`));
    }
    return 0;
  }

  const backend = await project.target();
  const state = await project.state();
  const runId = randomUUID();
  const logFile = join(project.dir, '.assay', 'logs', `${runId}.jsonl`);
  const logger = createLogger({ jsonFile: logFile, level: ctx.verbose ? 'debug' : 'info' });
  const reporter = createRunReporter({ out: ctx.io.stdout, style: s, mode: ctx.json ? 'quiet' : ctx.interactive ? 'live' : 'plain', verbose: ctx.verbose, checksOnly });
  const failures = new Map<string, Record<string, unknown>>();
  const started = new Set<string>();
  let runStarted = false;
  const onEvent = (event: AssayEvent) => {
    reporter.onEvent(event);
    if (event.type === 'run_start') runStarted = true;
    if (event.type === 'step_start') started.add(event.assetKey);
    if (event.type === 'step_failure') failures.set(event.assetKey, event.error);
    // The run's JSON log holds its events; step log lines are already written by the executor.
    if (event.type !== 'log') {
      const key = 'assetKey' in event ? ` ${event.assetKey}` : '';
      logger.log(event.type === 'step_failure' ? 'error' : 'info', `${event.type}${key}`, { event });
    }
  };

  const controller = new AbortController();
  let interrupts = 0;
  const onSigint = () => {
    interrupts += 1;
    if (interrupts === 1) {
      const note = s.yellow('Canceling running assets… (press Ctrl-C again to quit at once)');
      if (ctx.json) ctx.printError(note);
      else reporter.note(note);
      controller.abort(new CanceledError('Canceled by Ctrl-C'));
    } else {
      reporter.stop();
      ctx.printError(s.red('Forced exit; running statements may still be finishing in the database.'));
      ctx.io.exit(130);
    }
  };
  if (ctx.io.handleSignals) process.on('SIGINT', onSigint);

  let result: RunResult;
  try {
    result = await materialize(defs, {
      backend,
      state,
      select,
      exclude,
      partition,
      concurrency,
      stale: ctx.values.stale === true,
      fullRefresh: ctx.values['full-refresh'] === true,
      failFast: ctx.values['fail-fast'] === true,
      checksOnly,
      pools: project.config.pools,
      signal: controller.signal,
      onEvent,
      logger,
      projectDir: project.dir,
      runId,
      plan: thePlan,
    });
  } catch (error) {
    // The run never started (a locked database, say): leave no empty log behind.
    await closeLogger(logger);
    if (!runStarted) rmSync(logFile, { force: true });
    throw error;
  } finally {
    if (ctx.io.handleSignals) process.removeListener('SIGINT', onSigint);
    reporter.stop();
    await closeLogger(logger);
  }

  const failedAsset = result.assets.some((a) => a.status === 'failed');
  const failedCheck = result.assets.some((a) => a.checks.some((c) => !c.passed && c.severity === 'error'));
  const code = result.status === 'canceled' ? 130 : result.status === 'failed' || failedAsset || failedCheck ? 1 : 0;

  if (ctx.json) {
    const out: MaterializeJson = {
      runId: result.runId,
      status: result.status,
      assets: result.assets.map((a) => ({
        key: a.key,
        status: a.status,
        rowCount: a.rowCount ?? null,
        durationMs: a.durationMs,
        checks: a.checks.map((c) => ({ name: c.name, passed: c.passed, severity: c.severity, ...(c.skipped ? { skipped: true } : {}) })),
      })),
    };
    printJson(ctx, out);
    // Scripts read stdout; people still need to know why it failed.
    for (const a of result.assets) {
      if (!a.error) continue;
      for (const line of formatError({ ...failures.get(a.key), ...a.error }, { style: s, label: `✗ ${a.key}`, assetKey: a.key })) ctx.printError(line);
    }
  } else {
    printSummary(ctx, result, checksOnly, failures, started);
    ctx.print(s.gray(`Log: ${relative(ctx.io.cwd, logFile) || logFile}`));
  }
  for (const w of result.warnings) ctx.printError(`${s.yellow('warning')}: ${w}`);
  return code;
}

function printSummary(
  ctx: CommandContext,
  result: RunResult,
  checksOnly: boolean,
  failures: Map<string, Record<string, unknown>>,
  started: Set<string>,
): void {
  const s = ctx.style;
  const statusText = (status: string) =>
    status === 'success' ? s.green(checksOnly ? 'checked' : 'success') : status === 'failed' ? s.red('failed') : s.yellow(status);
  const upToDate = result.assets.filter((a) => a.status === 'skipped' && a.attempts === 0 && a.reason?.startsWith('up to date'));
  const shown = result.assets.filter((a) => !upToDate.includes(a));
  const rows = shown.map((a) => {
    const evaluated = a.checks.filter((c) => !c.skipped);
    const passed = evaluated.filter((c) => c.passed).length;
    const failedError = a.checks.some((c) => !c.passed && c.severity === 'error');
    const skippedChecks = a.checks.length - evaluated.length;
    const checks = a.checks.length === 0 ? s.gray('-') : `${passed}/${evaluated.length}${skippedChecks > 0 ? s.gray(` +${skippedChecks} skipped`) : ''}`;
    return [
      a.key,
      statusText(a.status),
      a.status === 'success' && !checksOnly ? formatRows(a.rowCount) : s.gray('-'),
      a.status === 'success' || a.status === 'failed' ? formatDuration(a.durationMs) : s.gray('-'),
      failedError ? s.red(checks) : a.checks.some((c) => !c.passed) ? s.yellow(checks) : checks,
      s.gray(a.status === 'skipped' || a.status === 'canceled' ? (a.reason ?? '') : ''),
    ];
  });
  ctx.print();
  for (const line of formatTable(['ASSET', 'STATUS', 'ROWS', 'TIME', 'CHECKS', ''].map((h) => s.gray(h)), rows, ['left', 'left', 'right', 'right', 'right'])) ctx.print(line);
  if (upToDate.length > 0) ctx.print(s.gray(`${upToDate.length} asset(s) up to date, not run`));

  const count = (status: string) => result.assets.filter((a) => a.status === status && !upToDate.includes(a)).length;
  const parts = [`${count('success')} ${checksOnly ? 'checked' : 'succeeded'}`];
  if (count('failed')) parts.push(s.red(`${count('failed')} failed`));
  if (count('skipped')) parts.push(s.yellow(`${count('skipped')} skipped`));
  if (count('canceled')) parts.push(s.yellow(`${count('canceled')} canceled`));
  const failedChecks = result.assets.flatMap((a) => a.checks.filter((c) => !c.passed).map((c) => ({ key: a.key, ...c })));
  if (failedChecks.length) parts.push((failedChecks.some((c) => c.severity === 'error') ? s.red : s.yellow)(`${failedChecks.length} check(s) failed`));
  const head = result.status === 'success' ? s.green('Run succeeded') : result.status === 'canceled' ? s.yellow('Run canceled') : s.red('Run failed');
  ctx.print();
  ctx.print(`${s.bold(head)} in ${formatDuration(result.durationMs)}: ${parts.join(', ')}  ${s.gray(`(run ${result.runId})`)}`);

  for (const a of result.assets) {
    if (!a.error) continue;
    ctx.print();
    for (const line of formatError({ ...failures.get(a.key), ...a.error }, { style: s, label: `✗ ${a.key}`, assetKey: a.key, verbose: ctx.verbose })) ctx.print(line);
  }
  for (const c of failedChecks) {
    const label = c.severity === 'error' ? s.red('check failed') : s.yellow('check warned');
    ctx.print(`${label}: ${c.key} ${c.name}${c.message ? ` - ${c.message}` : c.failingRows ? ` - ${c.failingRows} failing row(s)` : ''}`);
  }
  const canceled = result.assets.filter((a) => a.status === 'canceled');
  if (canceled.length > 0) {
    const running = canceled.filter((a) => started.has(a.key)).map((a) => a.key);
    const pending = canceled.filter((a) => !started.has(a.key)).map((a) => a.key);
    ctx.print();
    if (running.length) ctx.print(s.yellow(`canceled while running: ${running.join(', ')}`));
    if (pending.length) ctx.print(s.yellow(`canceled before starting: ${pending.join(', ')}`));
  }
}

const closing = new WeakMap<Logger, Promise<void>>();

/** Ends a logger and waits for its transports to flush (once, however often it is called). */
function closeLogger(logger: Logger): Promise<void> {
  let done = closing.get(logger);
  if (!done) {
    done = endLogger(logger);
    closing.set(logger, done);
  }
  return done;
}

function endLogger(logger: Logger): Promise<void> {
  return new Promise((resolve) => {
    // 'finish' fires once every transport has flushed; the timeout guards a transport that never does.
    const timer = setTimeout(resolve, 2000);
    timer.unref();
    logger.on('finish', () => {
      clearTimeout(timer);
      resolve();
    });
    logger.end();
  });
}
