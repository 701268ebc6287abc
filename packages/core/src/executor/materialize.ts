import { randomUUID } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { Writable } from 'node:stream';
import PQueue from 'p-queue';
import type { LogEntry, Logger } from 'winston';
import type { Backend } from '../backend/backend.js';
import type { AssetKey } from '../definitions/asset-key.js';
import type { AssetDefinition, RetryPolicy } from '../definitions/asset.js';
import { checkedRelation, skippedCheck, type CheckResult, type CheckSeverity, type ResolvedCheck } from '../definitions/checks.js';
import type { PartitionContext } from '../definitions/context.js';
import type { Definitions } from '../definitions/define-assets.js';
import { partitionWindow } from '../definitions/partitions.js';
import { AssetFailedError, AssayError, CanceledError, describeError, errorMessage, isAssayError, SqlError } from '../errors.js';
import type { AssayEvent, RunStatus, StepStatus } from '../events.js';
import { silentLogger, winstonModule } from '../logging/logger.js';
import { derivedDataVersion, observedDataVersion } from '../planner/data-version.js';
import { observeSource } from '../planner/observe-source.js';
import { plan as makePlan, type Plan, type PlanOptions, type PlanStep } from '../planner/plan.js';
import { sleep } from '../sleep.js';
import type { StateStore } from '../state/state-store.js';
import { retryDelay } from './retry.js';
import { createAssetContext, renderStepSql, stepQuery, stepRenderer, type StepEnvironment } from './step-context.js';

/** Options of {@link materialize}. */
export interface MaterializeOptions extends Omit<PlanOptions, 'backend' | 'state'> {
  /** The warehouse to build in. */
  backend: Backend;
  /** Where runs, events and materializations are recorded (and read for `stale`). */
  state?: StateStore | undefined;
  /** Steps run at once. Defaults to the number of CPU cores (at least 2). */
  concurrency?: number | undefined;
  /** Limits per concurrency pool; an asset joins a pool with `pool: 'name'`. */
  pools?: Readonly<Record<string, number>> | undefined;
  /** Cancels the run: running steps get the signal, nothing new starts, the run ends `canceled`. */
  signal?: AbortSignal | undefined;
  /** Receives every event synchronously, in order. Exceptions it throws are logged, not raised. */
  onEvent?: ((event: AssayEvent) => void) | undefined;
  /** Logger for run and step messages. Defaults to a silent logger. */
  logger?: Logger | undefined;
  /** Stop starting new steps after the first failure (running ones are canceled). Defaults to false. */
  failFast?: boolean | undefined;
  /** Run only the checks of the selected assets, on what is already built. Defaults to false. */
  checksOnly?: boolean | undefined;
  /** Retry policy for assets that declare none. Defaults to no retries. */
  retry?: RetryPolicy | undefined;
  /** A plan made earlier with {@link plan}; made from these options when omitted. */
  plan?: Plan | undefined;
  /** Run id to use (defaults to a random UUID). */
  runId?: string | undefined;
}

/** A check's result as reported in a {@link RunResult}. */
export interface RunCheckSummary {
  name: string;
  passed: boolean;
  severity: CheckSeverity;
  blocking: boolean;
  failingRows?: number | undefined;
  quarantinedRows?: number | undefined;
  message?: string | undefined;
  /** Not evaluated: its scope (`full-builds`) leaves it out after a build that only added rows. */
  skipped?: boolean | undefined;
}

/** What happened to one selected asset in a run. */
export interface AssetRunResult {
  key: AssetKey;
  status: StepStatus;
  /** Why it ran, or why it was skipped or canceled. */
  reason?: string | undefined;
  /** Rows after the build, when the backend reports it. */
  rowCount?: number | undefined;
  durationMs: number;
  /** Attempts made (1 + retries). */
  attempts: number;
  partitions?: string[] | undefined;
  checks: RunCheckSummary[];
  /**
   * The failure, for failed steps. `sql` and `position` (1-based offset into `sql`) are set
   * when a SQL statement failed, so callers can show the statement around the error.
   */
  error?: { code: string; message: string; hint?: string | undefined; sql?: string | undefined; position?: number | undefined } | undefined;
  /** Metadata recorded on the materialization. */
  metadata?: Record<string, unknown> | undefined;
}

/** The result of {@link materialize}. */
export interface RunResult {
  runId: string;
  /** `success` only when every step succeeded and no error-severity check failed. */
  status: Exclude<RunStatus, 'running' | 'abandoned'>;
  startedAt: string;
  durationMs: number;
  /** Steps that ran or were meant to, then skipped-by-plan assets, in topological order. */
  assets: AssetRunResult[];
  /** The plan the run executed. */
  plan: Plan;
  /** Problems that did not fail the run (e.g. a state store write error). */
  warnings: string[];
}

interface StepState {
  step: PlanStep;
  def: AssetDefinition;
  /** Upstream steps not yet finished. */
  waiting: number;
  result: AssetRunResult;
  done: boolean;
}

/**
 * Materializes a selection of assets in dependency order and returns what happened.
 *
 * Steps start the moment their last upstream step finishes (a ready queue with in-degree
 * counters, not level by level), under a global concurrency limit and optional per-pool
 * limits. Transient errors are retried with exponential backoff and jitter. A failure skips
 * only its downstream; independent branches finish. A failed blocking check stops the
 * asset's downstream. Aborting `signal` cancels running steps and ends the run `canceled`.
 * Every step emits typed events to `onEvent` and the state store.
 *
 * @example
 * ```ts
 * const result = await materialize(defs, { backend: duckdb({ path: ':memory:' }), select: 'gold*' });
 * if (result.status !== 'success') process.exitCode = 1;
 * ```
 */
export async function materialize(defs: Definitions, options: MaterializeOptions): Promise<RunResult> {
  const backend = options.backend;
  const logger = options.logger ?? silentLogger();
  const projectDir = options.projectDir ?? process.cwd();
  const runId = options.runId ?? randomUUID();
  const startedAt = new Date();
  const concurrency = Math.max(1, Math.floor(options.concurrency ?? Math.max(2, availableParallelism())));
  const warnings: string[] = [];
  const state = options.state;

  // Cancellation: the caller's signal and fail-fast both abort one controller every step sees.
  const controller = new AbortController();
  const onCallerAbort = () => controller.abort(options.signal?.reason);
  if (options.signal?.aborted) controller.abort(options.signal.reason);
  options.signal?.addEventListener('abort', onCallerAbort, { once: true });

  // Events go to the callback synchronously and to the state store in order, batched.
  let pending: AssayEvent[] = [];
  let stateChain: Promise<void> = Promise.resolve();
  const stateWrite = (label: string, write: () => Promise<void>) => {
    if (!state) return;
    stateChain = stateChain.then(write).catch((error: unknown) => {
      const message = `state store: ${label} failed: ${errorMessage(error)}`;
      if (!warnings.includes(message)) warnings.push(message);
      logger.error(message);
    });
  };
  const flushEvents = () => {
    if (pending.length === 0) return;
    const batch = pending;
    pending = [];
    stateWrite('appendEvents', () => state!.appendEvents(batch));
  };
  const emit = (event: AssayEvent) => {
    try {
      options.onEvent?.(event);
    } catch (error) {
      logger.warn(`onEvent handler threw: ${errorMessage(error)}`);
    }
    if (state) {
      pending.push(event);
      if (pending.length >= 500) flushEvents();
    }
  };
  const now = () => new Date().toISOString();

  // The state store and the warehouse open side by side: on a cold start each may be a
  // database file to open, and a small run spends much of its time there.
  await Promise.all([state?.open(), backend.open({ concurrency, logger })]);
  const thePlan = options.plan ?? (await makePlan(defs, { ...options, backend, state, projectDir }));
  const stepKeys = new Set(thePlan.steps.map((s) => s.key));
  const steps = new Map<AssetKey, StepState>();
  for (const step of thePlan.steps) {
    const def = defs.get(step.key);
    steps.set(step.key, {
      step,
      def,
      waiting: def.deps.filter((d) => stepKeys.has(d)).length,
      result: { key: step.key, status: 'skipped', reason: step.reason, durationMs: 0, attempts: 0, checks: [], partitions: step.partitions },
      done: false,
    });
  }

  // One logger per run bridges log lines into `log` events; steps get cheap children of it.
  const runLogger = eventLogger(logger, (level, message, assetKey) => emit({ type: 'log', runId, timestamp: now(), level, message, assetKey }), { runId });
  stateWrite('recordRunStart', () => state!.recordRunStart({ runId, status: 'running', startedAt: startedAt.toISOString(), selection: options.select, backend: backend.name, pid: process.pid }));
  emit({ type: 'run_start', runId, timestamp: now(), selection: options.select, steps: thePlan.steps.map((s) => s.key), backend: backend.name });
  logger.info(`run ${runId}: ${thePlan.steps.length} step(s) on ${backend.name}`, { runId });

  const queue = new PQueue({ concurrency });
  const poolUse = new Map<string, number>();
  const poolWaiting = new Map<string, StepState[]>();
  let finished = 0;
  let failedAny = false;
  let resolveDone!: () => void;
  const allDone = new Promise<void>((r) => (resolveDone = r));
  if (steps.size === 0) resolveDone();

  const finish = (s: StepState) => {
    if (s.done) return;
    s.done = true;
    finished += 1;
    if (finished === steps.size) resolveDone();
  };

  const skipDownstream = (from: AssetKey, reason: string) => {
    // Only along edges inside the plan: an asset outside it keeps its old data, so its own
    // downstream is unaffected by this failure.
    const stack = [...defs.graph.downstream(from)];
    while (stack.length > 0) {
      const key = stack.pop()!;
      const s = steps.get(key);
      if (!s || s.done) continue;
      s.result.status = 'skipped';
      s.result.reason = reason;
      emit({ type: 'step_skipped', runId, timestamp: now(), assetKey: key, reason });
      finish(s);
      stack.push(...defs.graph.downstream(key));
    }
  };

  const schedule = (s: StepState) => {
    if (controller.signal.aborted) return cancelStep(s);
    const pool = s.def.pool;
    const limit = pool === undefined ? undefined : options.pools?.[pool];
    if (pool !== undefined && limit !== undefined) {
      const used = poolUse.get(pool) ?? 0;
      if (used >= limit) {
        let list = poolWaiting.get(pool);
        if (!list) poolWaiting.set(pool, (list = []));
        list.push(s);
        return;
      }
      poolUse.set(pool, used + 1);
    }
    queue.add(() => runStep(s)).catch((error: unknown) => logger.error(`internal error running ${s.def.key}: ${errorMessage(error)}`));
  };

  const releasePool = (s: StepState) => {
    const pool = s.def.pool;
    if (pool === undefined || options.pools?.[pool] === undefined) return;
    poolUse.set(pool, (poolUse.get(pool) ?? 1) - 1);
    const next = poolWaiting.get(pool)?.shift();
    if (next) schedule(next);
  };

  const cancelStep = (s: StepState) => {
    if (s.done) return;
    s.result.status = 'canceled';
    s.result.reason = 'run canceled';
    emit({ type: 'step_canceled', runId, timestamp: now(), assetKey: s.def.key });
    finish(s);
  };

  const running = new Set<StepState>();
  // Data versions recorded by this run's steps. Downstream steps read these rather than the
  // plan's expectations, which an observed asset (files rewritten mid-run) may not meet.
  const recordedVersions = new Map<AssetKey, string>();
  const runStep = async (s: StepState): Promise<void> => {
    if (controller.signal.aborted || s.done) {
      releasePool(s);
      return cancelStep(s);
    }
    running.add(s);
    try {
      await runStepBody(s);
    } finally {
      running.delete(s);
    }
  };

  const runStepBody = async (s: StepState): Promise<void> => {
    const { def, step } = s;
    const started = Date.now();
    emit({ type: 'step_start', runId, timestamp: now(), assetKey: def.key, reason: step.reason });
    const stepLogger = runLogger.child({ assetKey: def.key });
    let blocked: string | undefined;
    const upstreamVersions = { ...step.upstreamVersions };
    for (const d of def.deps) {
      const recorded = recordedVersions.get(d);
      if (recorded !== undefined) upstreamVersions[d] = recorded;
    }
    let presented = step.presentedVersion;
    try {
      for (const p of step.partitions ?? [undefined]) {
        const partition: PartitionContext | undefined = p === undefined ? undefined : { key: p, window: partitionWindow(def.partitions!, p) };
        const env: StepEnvironment = { asset: def, backend, runId, partition, logger: stepLogger, signal: controller.signal, projectDir, fullRefresh: !!options.fullRefresh, upstreamVersions };
        const outcome = options.checksOnly ? undefined : await withRetries(s, env);
        // Checks run before the materialization is recorded: quarantine moves rows out of
        // the asset, and the recorded row count must be what the table holds afterwards.
        const results = await runChecks(def, env, outcome?.addedRows);
        if (outcome) {
          const quarantined = results.reduce((n, r) => n + (r.quarantinedRows ?? 0), 0);
          const rowCount = outcome.rowCount === undefined ? undefined : Math.max(0, outcome.rowCount - quarantined);
          const metadata = quarantined > 0 ? { ...outcome.metadata, quarantinedRows: quarantined } : outcome.metadata;
          const dataVersion = outcome.dataVersion ?? derivedDataVersion(def, p ?? '', upstreamVersions);
          if (p === undefined) presented = dataVersion;
          s.result.rowCount = rowCount;
          s.result.metadata = { ...s.result.metadata, ...metadata };
          const record = {
            runId,
            assetKey: def.key,
            partition: p,
            dataVersion,
            codeVersion: step.codeVersion,
            upstreamVersions,
            rowCount,
            durationMs: Date.now() - started,
            metadata,
            createdAt: now(),
          };
          stateWrite('recordMaterialization', () => state!.recordMaterialization(record));
          emit({ type: 'materialization', runId, timestamp: record.createdAt, assetKey: def.key, partition: p, dataVersion, codeVersion: step.codeVersion, rowCount, metadata });
        }
        for (const r of results) {
          s.result.checks.push({
            name: r.name,
            passed: r.passed,
            severity: r.severity,
            blocking: r.blocking,
            failingRows: r.failingRows,
            quarantinedRows: r.quarantinedRows,
            message: r.message,
            ...(r.skipped ? { skipped: true } : {}),
          });
          emit({ type: 'check_result', runId, timestamp: now(), assetKey: def.key, partition: p, result: r });
          if (!r.passed && r.blocking && !blocked) blocked = r.name;
        }
        if (results.length > 0) {
          const stamped = results.map((r) => ({ ...r, runId, partition: p, createdAt: now() }));
          stateWrite('recordCheckResults', () => state!.recordCheckResults(stamped));
        }
      }
      if (!options.checksOnly) recordedVersions.set(def.key, presented);
      s.result.status = 'success';
      s.result.durationMs = Date.now() - started;
      emit({ type: 'step_success', runId, timestamp: now(), assetKey: def.key, durationMs: s.result.durationMs, rowCount: s.result.rowCount });
    } catch (error) {
      s.result.durationMs = Date.now() - started;
      if (controller.signal.aborted && (error instanceof CanceledError || !(error instanceof AssayError) || error.code === 'ASSAY_CANCELED')) {
        releasePool(s);
        return cancelStep(s);
      }
      const wrapped = wrapError(def.key, error);
      s.result.status = 'failed';
      const failedSql = findSqlError(wrapped);
      s.result.error = { code: wrapped.code, message: wrapped.message, hint: wrapped.hint, ...(failedSql ? { sql: failedSql.sql, position: failedSql.position } : {}) };
      failedAny = true;
      emit({ type: 'step_failure', runId, timestamp: now(), assetKey: def.key, durationMs: s.result.durationMs, error: { ...describeError(wrapped), ...(wrapped.cause ? { cause: describeError(wrapped.cause) } : {}) } });
      stepLogger.error(wrapped.message);
      finish(s);
      releasePool(s);
      skipDownstream(def.key, `upstream failed: ${def.key}`);
      if (options.failFast && !controller.signal.aborted) controller.abort(new CanceledError('fail-fast: a step failed'));
      flushEvents();
      return;
    }
    finish(s);
    releasePool(s);
    if (blocked) {
      skipDownstream(def.key, `blocking check failed: ${def.key} ${blocked}`);
    } else {
      for (const d of defs.graph.downstream(def.key)) {
        const ds = steps.get(d);
        if (!ds || ds.done) continue;
        ds.waiting -= 1;
        if (ds.waiting === 0) schedule(ds);
      }
    }
    if (pending.length >= 100) flushEvents();
  };

  const withRetries = async (s: StepState, env: StepEnvironment) => {
    const policy = s.def.retry ?? options.retry;
    for (let attempt = 1; ; attempt++) {
      s.result.attempts = attempt;
      try {
        return await buildOnce(env);
      } catch (error) {
        const transient = backend.isTransient(error) || (isAssayError(error) && error.transient);
        if (controller.signal.aborted || !transient || !policy || attempt > policy.maxRetries) throw error;
        const delayMs = retryDelay(policy, attempt);
        emit({ type: 'step_retry', runId, timestamp: now(), assetKey: s.def.key, partition: env.partition?.key, attempt, delayMs, error: describeError(error) });
        env.logger.warn(`transient failure (attempt ${attempt} of ${policy.maxRetries + 1}), retrying in ${delayMs} ms: ${errorMessage(error)}`);
        await sleep(delayMs, controller.signal);
      }
    }
  };

  const buildOnce = async (env: StepEnvironment): Promise<{ rowCount?: number | undefined; metadata: Record<string, unknown>; dataVersion?: string | undefined; addedRows?: string | undefined }> => {
    const def = env.asset;
    const request = { runId, partition: env.partition, signal: env.signal, logger: env.logger, projectDir };
    switch (def.type) {
      case 'sql': {
        const out = await backend.materializeSql({ ...request, asset: def, ...renderStepSql(backend, def, env.partition), fullRefresh: env.fullRefresh });
        return { rowCount: out.rowCount, metadata: out.metadata ?? {}, addedRows: out.addedRows };
      }
      case 'ingest': {
        const out = await backend.ingest({ ...request, asset: def, fullRefresh: env.fullRefresh });
        // The files as loaded, which an upstream step of this run may have just written:
        // what the plan observed before the run would be stale.
        const observed = await observeSource(def, { projectDir, backend });
        return {
          rowCount: out.rowCount,
          metadata: out.metadata ?? {},
          dataVersion: observed === undefined ? undefined : observedDataVersion(observed, def.deps, env.upstreamVersions),
          addedRows: out.addedRows,
        };
      }
      case 'source': {
        const metadata: Record<string, unknown> = {};
        const version = await observeSource(def, { projectDir, backend, context: () => createAssetContext(env, metadata) });
        return { metadata: { ...metadata, observed: version !== undefined }, dataVersion: version === undefined ? undefined : observedDataVersion(version, def.deps, env.upstreamVersions) };
      }
      case 'compute': {
        const metadata: Record<string, unknown> = {};
        const ctx = createAssetContext(env, metadata);
        const output = await def.fn(ctx);
        if (env.signal.aborted) throw new CanceledError(`Asset "${def.key}" canceled`, { assetKey: def.key });
        let rowCount = output?.rowCount;
        if (output?.rows) {
          const written = await backend.writeRows(def.key, output.rows, request);
          rowCount = written.rowCount ?? output.rows.length;
          Object.assign(metadata, written.metadata);
        }
        return { rowCount, metadata: { ...metadata, ...output?.metadata } };
      }
    }
  };

  /**
   * Evaluates the asset's checks after a build (or alone, in checks-only runs). `addedRows` is
   * the backend's relation of the rows the build added, when it only added rows: checks
   * scoped to `new-rows` read it, and `full-builds` checks are skipped.
   */
  const runChecks = async (def: AssetDefinition, env: StepEnvironment, addedRows: string | undefined): Promise<CheckResult[]> => {
    if (def.checks.length === 0 || def.type === 'source') return [];
    const table = backend.relation(def.key);
    const outcomes = new Map<string, CheckResult>();
    const stamp = (c: ResolvedCheck, o: Omit<CheckResult, 'assetKey' | 'name' | 'type' | 'severity' | 'blocking'>): CheckResult => ({
      ...o,
      assetKey: def.key,
      name: c.name,
      type: c.type,
      severity: c.severity,
      blocking: c.blocking,
    });
    const evaluated = def.checks.filter((c) => {
      if (checkedRelation(c, table, addedRows) !== undefined) return true;
      outcomes.set(c.name, stamp(c, skippedCheck(c)));
      return false;
    });
    const declared = evaluated.filter((c) => c.type !== 'function');
    const byName = new Map(def.checks.map((c) => [c.name, c]));
    if (declared.length > 0) {
      const results = await backend.runChecks({ runId, partition: env.partition, signal: env.signal, logger: env.logger, projectDir, assetKey: def.key, checks: declared, quarantine: def.quarantine, addedRows });
      for (const r of results) {
        const c = byName.get(r.name);
        if (c) outcomes.set(c.name, stamp(c, r));
      }
    }
    const query = stepQuery(backend, stepRenderer(backend, def.key, env.partition), env.signal);
    for (const c of evaluated) {
      if (c.type !== 'function') continue;
      try {
        const r = await c.fn({ assetKey: def.key, relation: checkedRelation(c, table, addedRows)!, query, signal: env.signal });
        outcomes.set(c.name, stamp(c, typeof r === 'boolean' ? { passed: r } : r));
      } catch (error) {
        if (env.signal.aborted) throw error;
        outcomes.set(c.name, stamp(c, { passed: false, message: `check threw: ${errorMessage(error)}` }));
      }
    }
    // Results in the order the checks are declared.
    return def.checks.flatMap((c) => outcomes.get(c.name) ?? []);
  };

  const onAbort = () => {
    // Queued and waiting steps will never start; running ones see the signal and end themselves.
    queue.clear();
    for (const list of poolWaiting.values()) list.length = 0;
    for (const s of steps.values()) if (!s.done && !running.has(s)) cancelStep(s);
  };
  controller.signal.addEventListener('abort', onAbort, { once: true });

  try {
    for (const s of steps.values()) if (s.waiting === 0) schedule(s);
    await allDone;
    await queue.onIdle();
  } finally {
    controller.signal.removeEventListener('abort', onAbort);
    options.signal?.removeEventListener('abort', onCallerAbort);
  }

  const skipReasons = new Map(thePlan.skipped.map((s) => [s.key, s.reason]));
  const results = thePlan.selected.map((key) => steps.get(key)?.result ?? skippedResult(key, skipReasons.get(key)));
  const canceled = [...steps.values()].some((s) => s.result.status === 'canceled');
  const checkFailed = results.some((r) => r.checks.some((c) => !c.passed && c.severity === 'error'));
  const status: RunResult['status'] = canceled && !(options.failFast && failedAny) ? 'canceled' : failedAny || checkFailed ? 'failed' : 'success';
  const durationMs = Date.now() - startedAt.getTime();
  emit({ type: 'run_end', runId, timestamp: now(), status, durationMs });
  flushEvents();
  stateWrite('recordRunEnd', () => state!.recordRunEnd(runId, status, now()));
  await stateChain;
  logger.info(`run ${runId} ${status} in ${durationMs} ms`, { runId });
  return { runId, status, startedAt: startedAt.toISOString(), durationMs, assets: results, plan: thePlan, warnings };
}

function skippedResult(key: AssetKey, reason: string | undefined): AssetRunResult {
  return { key, status: 'skipped', reason: reason ?? 'not planned', durationMs: 0, attempts: 0, checks: [] };
}

/** The SQL error in an error's cause chain, if any. */
function findSqlError(error: unknown): SqlError | undefined {
  for (let e: unknown = error, depth = 0; e && depth < 8; e = (e as { cause?: unknown }).cause, depth++) {
    if (e instanceof SqlError) return e;
  }
  return undefined;
}

/** Wraps anything thrown by user code or a driver so it names the asset; keeps the original as `cause`. */
function wrapError(key: AssetKey, error: unknown): AssayError {
  if (isAssayError(error) && error.assetKey !== undefined) return error as AssayError;
  if (isAssayError(error)) return new AssetFailedError(key, error.message, { cause: error, hint: error.hint, transient: error.transient });
  return new AssetFailedError(key, errorMessage(error), { cause: error });
}

/**
 * The run logger: lines go to the caller's logger (with run and asset fields) and become
 * `log` events, so what user code logs shows up in the CLI and the run history.
 */
function eventLogger(parent: Logger, onLine: (level: string, message: string, assetKey: AssetKey | undefined) => void, fields: Record<string, unknown>): Logger {
  const sink = new Writable({
    objectMode: true,
    write(info: { level: string; message: unknown; assetKey?: AssetKey }, _enc, done) {
      onLine(info.level, String(info.message), info.assetKey);
      parent.log({ ...info, ...fields } as LogEntry);
      done();
    },
  });
  const winston = winstonModule();
  return winston.createLogger({ level: parent.level, transports: [new winston.transports.Stream({ stream: sink })] });
}
