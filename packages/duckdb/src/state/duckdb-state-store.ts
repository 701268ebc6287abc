import { resolve } from 'node:path';
import type { DuckDBAppender, DuckDBConnection, DuckDBInstance, DuckDBTimestampTZValue, DuckDBValue } from '@duckdb/node-api';
import { duckDbDriver } from '../duckdb-driver.js';
import {
  BackendError,
  StateError,
  errorMessage,
  isAssayError,
  type AssayEvent,
  type AssetKey,
  type CheckResult,
  type MaterializationRecord,
  type RunRecord,
  type RunStatus,
  type StateStore,
  type StoredCheckResult,
} from '@assay/core';
import { closeDatabase, openDatabase } from '../open-database.js';
import { decodeJson, encodeJson } from './json-codec.js';
import { migrateStateSchema } from './state-schema.js';

/** Where {@link duckdbState} keeps state unless told otherwise, relative to the working directory. */
export const DEFAULT_STATE_PATH = '.assay/state.duckdb';

/** Options of {@link DuckDbStateStore} and {@link duckdbState}. */
export interface DuckDbStateOptions {
  /**
   * The state file. Defaults to `.assay/state.duckdb`. A relative path is resolved against
   * the working directory when the store is created; `:memory:` keeps nothing on disk.
   */
  path?: string;
  /**
   * How long `open()` waits for another process (or another store in this process) holding
   * the file before failing with `ASSAY_LOCKED`. Defaults to 10,000 ms.
   */
  lockTimeoutMs?: number;
  /** How long buffered events, materializations and check results may wait before being written. Defaults to 250 ms. */
  flushIntervalMs?: number;
  /** How many buffered rows trigger a write at once (the call that crosses it waits for the write). Defaults to 2,000. */
  flushRows?: number;
}

type Lifecycle = 'new' | 'open' | 'closing' | 'closed';

interface EventRow {
  readonly runId: string;
  readonly type: string;
  readonly assetKey: string | null;
  readonly partition: string | null;
  readonly ts: bigint | null;
  readonly payload: string;
}

interface MaterializationRow {
  readonly runId: string;
  readonly assetKey: string;
  readonly partition: string | null;
  readonly dataVersion: string;
  readonly codeVersion: string;
  readonly upstreamVersions: string;
  readonly rowCount: bigint | null;
  readonly durationMs: number;
  readonly metadata: string;
  readonly createdAt: bigint;
}

interface CheckRow {
  readonly runId: string;
  readonly assetKey: string;
  readonly partition: string | null;
  readonly name: string;
  readonly type: string;
  readonly severity: string;
  readonly blocking: boolean;
  readonly passed: boolean;
  readonly failingRows: bigint | null;
  readonly quarantinedRows: bigint | null;
  readonly message: string | null;
  readonly sample: string | null;
  readonly metadata: string | null;
  readonly createdAt: bigint;
}

type Row = Record<string, unknown>;

/** A TIMESTAMPTZ value from microseconds since the epoch. */
function timestampTz(micros: bigint): DuckDBTimestampTZValue {
  return new (duckDbDriver().DuckDBTimestampTZValue)(micros);
}

// Open stores, so the exit hook can write what they still buffer. (Two stores on one file in
// one process are kept apart by openDatabase's in-process registry.)
const openStores = new Set<DuckDbStateStore>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // The flush timer is unref'd so it never keeps a process alive; this writes what is still
  // buffered when a program ends without calling close(). It runs again after the write and
  // then finds nothing to do, so the process exits.
  process.on('beforeExit', () => {
    for (const store of openStores) {
      if (store.hasBufferedWrites()) store.flush().catch(() => undefined);
    }
  });
}

/** Microseconds since the epoch of an ISO time, or null when it does not parse. */
function toMicros(iso: string | undefined): bigint | null {
  if (iso === undefined) return null;
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? null : BigInt(ms) * 1000n;
}

function requireMicros(iso: string, what: string, assetKey?: string): bigint {
  const micros = toMicros(iso);
  if (micros === null) {
    throw new StateError(`Invalid ${what} "${iso}": expected an ISO-8601 time`, assetKey === undefined ? {} : { assetKey });
  }
  return micros;
}

function toCount(value: unknown): bigint | null {
  if (typeof value === 'bigint') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return BigInt(Math.round(value));
  return null;
}

function encode(value: unknown, what: string, assetKey: string | undefined): string {
  try {
    return encodeJson(value);
  } catch (error) {
    throw new StateError(`Cannot store ${what}: it is not serializable as JSON (${errorMessage(error)})`, {
      cause: error,
      ...(assetKey === undefined ? {} : { assetKey }),
    });
  }
}

function iso(value: unknown): string {
  return value instanceof Date ? value.toISOString() : String(value);
}

function optionalNumber(value: unknown): number | undefined {
  return value === null || value === undefined ? undefined : Number(value);
}

function optionalString(value: unknown): string | undefined {
  return value === null || value === undefined ? undefined : String(value);
}

function checkLimit(limit: number | undefined): number | undefined {
  if (limit === undefined) return undefined;
  if (!Number.isInteger(limit) || limit < 0) {
    throw new StateError(`Invalid limit ${String(limit)}: expected a non-negative integer`);
  }
  return limit;
}

function processIsAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function appendNullable(appender: DuckDBAppender, value: string | null): void {
  if (value === null) appender.appendNull();
  else appender.appendVarchar(value);
}

function appendNullableBigInt(appender: DuckDBAppender, value: bigint | null): void {
  if (value === null) appender.appendNull();
  else appender.appendBigInt(value);
}

function appendNullableTimestamp(appender: DuckDBAppender, micros: bigint | null): void {
  if (micros === null) appender.appendNull();
  else appender.appendTimestampTZ(timestampTz(micros));
}

/**
 * The default {@link StateStore}: run history in a DuckDB file of its own
 * (`.assay/state.duckdb`), separate from the data database.
 *
 * - Tables `runs`, `events`, `materializations`, `check_results` and `schema_version`,
 *   queryable with any DuckDB client once no Assay process holds the file. JSON columns
 *   (`payload`, `metadata`, `upstream_versions`, `sample`) write `bigint`, `Date` and bytes
 *   as tagged objects such as `{"$bigint":"42"}` so they read back as they were written.
 * - Events, materializations and check results are buffered and written in one transaction
 *   per batch (every `flushIntervalMs`, every `flushRows` rows, on `recordRunEnd`, `flush`
 *   and `close`). Every read writes the buffer first, so reads always see earlier writes.
 *   Run starts and ends are written at once. A program that ends without `close()` still
 *   gets its buffer written when the event loop drains (not after `process.exit()` or a
 *   signal, where up to `flushIntervalMs` of buffered rows are lost).
 * - Calls may come concurrently; they run one at a time in call order.
 * - Committed batches survive a crash (DuckDB's write-ahead log). `open()` marks runs still
 *   `running` whose process is gone as `abandoned`, ended now.
 * - One process holds the file at a time; `open()` waits up to `lockTimeoutMs` for it, then
 *   fails with `ASSAY_LOCKED`.
 *
 * Times are stored as `TIMESTAMPTZ` and read back as `Date#toISOString()` (UTC, milliseconds).
 * Methods other than `open` open the store on first use; after `close()` they throw until
 * `open()` is called again.
 *
 * @example
 * ```ts
 * const state = new DuckDbStateStore({ path: '.assay/state.duckdb' });
 * await state.open();
 * try {
 *   await materialize(defs, { backend, state });
 *   console.log(await state.listRuns({ limit: 5 }));
 * } finally {
 *   await state.close();
 * }
 * ```
 */
export class DuckDbStateStore implements StateStore {
  /** Absolute path of the state file, or `:memory:`. */
  readonly path: string;
  private readonly lockTimeoutMs: number;
  private readonly flushIntervalMs: number;
  private readonly flushRows: number;

  private lifecycle: Lifecycle = 'new';
  private opening: Promise<void> | undefined;
  private closing: Promise<void> | undefined;
  private instance: DuckDBInstance | undefined;
  private connection: DuckDBConnection | undefined;
  /** Tail of the operation chain; every database call runs after the one before it. */
  private tail: Promise<unknown> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;
  private deferredError: unknown;
  private recovered: readonly string[] = [];

  private events: EventRow[] = [];
  private materializations: MaterializationRow[] = [];
  private checks: CheckRow[] = [];
  private nextRunSeq = 0;
  private nextEventSeq = 0;
  private nextMaterializationSeq = 0;
  private nextCheckSeq = 0;

  /** Creates a store; nothing is opened until {@link DuckDbStateStore.open} or the first call. */
  constructor(options: DuckDbStateOptions = {}) {
    const path = options.path ?? DEFAULT_STATE_PATH;
    this.path = path === ':memory:' ? path : resolve(path);
    this.lockTimeoutMs = options.lockTimeoutMs ?? 10_000;
    this.flushIntervalMs = options.flushIntervalMs ?? 250;
    this.flushRows = options.flushRows ?? 2_000;
  }

  /** Ids of the runs the last `open()` found unfinished with a dead process and marked `abandoned`. */
  get abandonedRunIds(): readonly string[] {
    return this.recovered;
  }

  /** True while events, materializations or check results wait in the buffer. */
  hasBufferedWrites(): boolean {
    return this.events.length + this.materializations.length + this.checks.length > 0;
  }

  /**
   * Opens the file (waiting for another holder up to `lockTimeoutMs`), creates or migrates
   * the tables, and marks runs of dead processes `abandoned`. Idempotent; reopens after `close()`.
   *
   * @throws {@link BackendError} `ASSAY_LOCKED` when the file stays held by another process
   * or another store in this process; {@link StateError} `ASSAY_STATE` when the file cannot
   * be opened or migrated.
   */
  async open(): Promise<void> {
    if (this.lifecycle === 'open') return;
    if (this.lifecycle === 'closing') await this.closing?.catch(() => undefined);
    this.closing = undefined;
    this.opening ??= this.doOpen().finally(() => {
      this.opening = undefined;
    });
    return this.opening;
  }

  private async doOpen(): Promise<void> {
    try {
      this.instance = await openDatabase(this.path, { lockTimeoutMs: this.lockTimeoutMs });
      openStores.add(this);
      this.connection = await this.instance.connect();
      await migrateStateSchema(this.connection, this.path);
      await this.loadSequences(this.connection);
      this.recovered = await this.markAbandoned(this.connection);
    } catch (error) {
      this.releaseHandles();
      if (isAssayError(error)) throw error;
      throw new StateError(`Cannot open state store "${this.path}": ${errorMessage(error)}`, { cause: error });
    }
    this.lifecycle = 'open';
    installExitHook();
    if (this.hasBufferedWrites()) this.scheduleFlush();
  }

  private async loadSequences(connection: DuckDBConnection): Promise<void> {
    const rows = (
      await connection.runAndReadAll(`SELECT
        (SELECT coalesce(max(seq) + 1, 0) FROM runs) AS runs,
        (SELECT coalesce(max(seq) + 1, 0) FROM events) AS events,
        (SELECT coalesce(max(seq) + 1, 0) FROM materializations) AS materializations,
        (SELECT coalesce(max(seq) + 1, 0) FROM check_results) AS checks`)
    ).getRowObjectsJS();
    const row = rows[0] ?? {};
    this.nextRunSeq = Number(row.runs ?? 0);
    this.nextEventSeq = Number(row.events ?? 0);
    this.nextMaterializationSeq = Number(row.materializations ?? 0);
    this.nextCheckSeq = Number(row.checks ?? 0);
  }

  private async markAbandoned(connection: DuckDBConnection): Promise<string[]> {
    const running = (await connection.runAndReadAll(`SELECT run_id, pid FROM runs WHERE status = 'running' AND pid IS NOT NULL`)).getRowObjectsJS();
    // A run of this very process may still be going on through a store that was closed and
    // reopened; only another process's death proves a run is over.
    const dead = running.filter((r) => Number(r.pid) !== process.pid && !processIsAlive(Number(r.pid))).map((r) => String(r.run_id));
    if (dead.length > 0) {
      await connection.run(`UPDATE runs SET status = 'abandoned', ended_at = $2 WHERE run_id IN (SELECT unnest($1::VARCHAR[]))`, [
        duckDbDriver().listValue(dead),
        timestampTz(BigInt(Date.now()) * 1000n),
      ]);
    }
    return dead;
  }

  /**
   * Writes everything buffered, then closes the file (releasing its lock). Idempotent.
   *
   * @throws {@link StateError} when the final write fails; the file is closed regardless.
   */
  async close(): Promise<void> {
    if (this.opening) await this.opening.catch(() => undefined);
    if (this.lifecycle === 'closed') return;
    if (this.lifecycle === 'closing') return this.closing;
    if (this.lifecycle === 'new') {
      this.lifecycle = 'closed';
      return;
    }
    this.lifecycle = 'closing';
    this.clearTimer();
    this.closing = this.enqueue(async () => {
      try {
        await this.writeBatch();
      } finally {
        this.releaseHandles();
        this.lifecycle = 'closed';
      }
    });
    return this.closing;
  }

  private releaseHandles(): void {
    try {
      this.connection?.closeSync();
    } catch {
      // Closing a handle that DuckDB already invalidated has nothing left to release.
    }
    closeDatabase(this.instance);
    openStores.delete(this);
    this.connection = undefined;
    this.instance = undefined;
  }

  /**
   * Writes everything buffered now, in one transaction.
   *
   * @throws {@link StateError} when the write fails; the rows stay buffered for the next attempt.
   */
  async flush(): Promise<void> {
    if (this.lifecycle === 'closed' || this.lifecycle === 'closing') return;
    await this.ready();
    this.clearTimer();
    await this.enqueue(() => this.writeBatch());
  }

  /** Records (or replaces) a run, written at once so a crash leaves it findable. @throws {@link StateError} for an invalid time. */
  async recordRunStart(run: RunRecord): Promise<void> {
    this.assertUsable();
    const startedAt = requireMicros(run.startedAt, `start time of run ${run.runId}`);
    const endedAt = run.endedAt === undefined ? null : requireMicros(run.endedAt, `end time of run ${run.runId}`);
    await this.operate(`record the start of run ${run.runId}`, async (connection) => {
      await connection.run(
        `INSERT INTO runs (run_id, seq, status, started_at, ended_at, selection, backend, pid)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
         ON CONFLICT (run_id) DO UPDATE SET status = excluded.status, started_at = excluded.started_at,
           ended_at = excluded.ended_at, selection = excluded.selection, backend = excluded.backend, pid = excluded.pid`,
        [
          run.runId,
          BigInt(this.nextRunSeq),
          run.status,
          timestampTz(startedAt),
          endedAt === null ? null : timestampTz(endedAt),
          run.selection ?? null,
          run.backend ?? null,
          run.pid ?? null,
        ],
      );
      this.nextRunSeq++;
    });
  }

  /** Writes the buffer, then the run's final status and end time. Unknown run ids are ignored. */
  async recordRunEnd(runId: string, status: Exclude<RunStatus, 'running'>, endedAt: string): Promise<void> {
    this.assertUsable();
    const ended = requireMicros(endedAt, `end time of run ${runId}`);
    await this.operate(`record the end of run ${runId}`, async (connection) => {
      // Events first, so whoever sees the run finished also sees all of its events.
      await this.writeBatch();
      await connection.run('UPDATE runs SET status = $2, ended_at = $3 WHERE run_id = $1', [runId, status, timestampTz(ended)]);
    });
  }

  /** Buffers events in call order; resolves once buffered (or written, when the buffer reached `flushRows`). */
  async appendEvents(events: readonly AssayEvent[]): Promise<void> {
    this.assertUsable();
    const rows = events.map((event): EventRow => {
      const assetKey = 'assetKey' in event && typeof event.assetKey === 'string' ? event.assetKey : undefined;
      const partition = 'partition' in event && typeof event.partition === 'string' ? event.partition : null;
      return {
        runId: event.runId,
        type: event.type,
        assetKey: assetKey ?? null,
        partition,
        ts: toMicros(event.timestamp),
        payload: encode(event, `a ${event.type} event of run ${event.runId}`, assetKey),
      };
    });
    // Buffered synchronously, before any await, so concurrent calls keep their call order.
    for (const row of rows) this.events.push(row);
    await this.afterBuffering();
  }

  /** Buffers a materialization. @throws {@link StateError} (with the asset key) for unserializable metadata or an invalid time. */
  async recordMaterialization(record: MaterializationRecord): Promise<void> {
    this.assertUsable();
    const what = `the materialization of ${record.assetKey}`;
    this.materializations.push({
      runId: record.runId,
      assetKey: record.assetKey,
      partition: record.partition ?? null,
      dataVersion: record.dataVersion,
      codeVersion: record.codeVersion,
      upstreamVersions: encode(record.upstreamVersions ?? {}, `${what} (upstreamVersions)`, record.assetKey),
      rowCount: toCount(record.rowCount),
      durationMs: Number(record.durationMs),
      metadata: encode(record.metadata ?? {}, `${what} (metadata)`, record.assetKey),
      createdAt: requireMicros(record.createdAt, `createdAt of ${what}`, record.assetKey),
    });
    await this.afterBuffering();
  }

  /** Buffers check results. @throws {@link StateError} (with the asset key) for an unserializable sample or metadata. */
  async recordCheckResults(results: readonly StoredCheckResult[]): Promise<void> {
    this.assertUsable();
    const rows = results.map((r): CheckRow => {
      const what = `check result "${r.name}" of ${r.assetKey}`;
      return {
        runId: r.runId,
        assetKey: r.assetKey,
        partition: r.partition ?? null,
        name: r.name,
        type: r.type,
        severity: r.severity,
        blocking: Boolean(r.blocking),
        passed: Boolean(r.passed),
        failingRows: toCount(r.failingRows),
        quarantinedRows: toCount(r.quarantinedRows),
        message: r.message ?? null,
        sample: r.sample === undefined ? null : encode(r.sample, `${what} (sample)`, r.assetKey),
        metadata: r.metadata === undefined ? null : encode(r.metadata, `${what} (metadata)`, r.assetKey),
        createdAt: requireMicros(r.createdAt, `createdAt of ${what}`, r.assetKey),
      };
    });
    for (const row of rows) this.checks.push(row);
    await this.afterBuffering();
  }

  /** The last recorded materialization per (asset, partition), ordered by key then partition. */
  async latestMaterializations(keys?: readonly AssetKey[]): Promise<MaterializationRecord[]> {
    if (keys !== undefined && keys.length === 0) return [];
    const rows = await this.query(
      'read the latest materializations',
      `SELECT * FROM materializations
       ${keys === undefined ? '' : 'WHERE asset_key IN (SELECT unnest($1::VARCHAR[]))'}
       QUALIFY row_number() OVER (PARTITION BY asset_key, partition_key ORDER BY seq DESC) = 1
       ORDER BY asset_key, partition_key NULLS FIRST`,
      keys === undefined ? [] : [duckDbDriver().listValue([...keys])],
    );
    return rows.map(toMaterialization);
  }

  /** The last recorded result per (asset, check name), ordered by key then check name. */
  async latestCheckResults(keys?: readonly AssetKey[]): Promise<StoredCheckResult[]> {
    if (keys !== undefined && keys.length === 0) return [];
    const rows = await this.query(
      'read the latest check results',
      `SELECT * FROM check_results
       ${keys === undefined ? '' : 'WHERE asset_key IN (SELECT unnest($1::VARCHAR[]))'}
       QUALIFY row_number() OVER (PARTITION BY asset_key, check_name ORDER BY seq DESC) = 1
       ORDER BY asset_key, check_name`,
      keys === undefined ? [] : [duckDbDriver().listValue([...keys])],
    );
    return rows.map(toCheckResult);
  }

  /** Runs in reverse order of their first `recordRunStart`. @throws {@link StateError} for a negative or fractional limit. */
  async listRuns(options: { limit?: number } = {}): Promise<RunRecord[]> {
    const limit = checkLimit(options.limit);
    const rows = await this.query(
      'list runs',
      `SELECT * FROM runs ORDER BY seq DESC${limit === undefined ? '' : ' LIMIT $1'}`,
      limit === undefined ? [] : [limit],
    );
    return rows.map(toRun);
  }

  /** One run, or undefined. */
  async getRun(runId: string): Promise<RunRecord | undefined> {
    const rows = await this.query(`read run ${runId}`, 'SELECT * FROM runs WHERE run_id = $1', [runId]);
    return rows[0] === undefined ? undefined : toRun(rows[0]);
  }

  /** A run's events in the order they were appended, as they were given. */
  async runEvents(runId: string): Promise<AssayEvent[]> {
    const rows = await this.query(`read the events of run ${runId}`, 'SELECT payload FROM events WHERE run_id = $1 ORDER BY seq', [runId]);
    return rows.map((r) => decodeJson<AssayEvent>(String(r.payload)));
  }

  /** One asset's materializations (all partitions), newest first. */
  async assetHistory(assetKey: AssetKey, options: { limit?: number } = {}): Promise<MaterializationRecord[]> {
    const limit = checkLimit(options.limit);
    const rows = await this.query(
      `read the history of ${assetKey}`,
      `SELECT * FROM materializations WHERE asset_key = $1 ORDER BY seq DESC${limit === undefined ? '' : ' LIMIT $2'}`,
      limit === undefined ? [assetKey] : [assetKey, limit],
      assetKey,
    );
    return rows.map(toMaterialization);
  }

  private assertUsable(): void {
    this.assertNotClosed();
    if (this.deferredError !== undefined) {
      const error = this.deferredError;
      this.deferredError = undefined;
      throw error;
    }
  }

  private assertNotClosed(): void {
    if (this.lifecycle === 'closed' || this.lifecycle === 'closing') {
      throw new StateError(`State store "${this.path}" is closed`, { hint: 'Call open() again before using it.' });
    }
  }

  /** Opens on first use; a closed store stays closed until `open()`. */
  private async ready(): Promise<void> {
    if (this.lifecycle === 'open') return;
    this.assertNotClosed();
    await this.open();
  }

  private async afterBuffering(): Promise<void> {
    await this.ready();
    if (this.events.length + this.materializations.length + this.checks.length >= this.flushRows) {
      this.clearTimer();
      await this.enqueue(() => this.writeBatch());
    } else {
      this.scheduleFlush();
    }
  }

  private scheduleFlush(): void {
    if (this.timer !== undefined || this.lifecycle !== 'open') return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.enqueue(() => this.writeBatch()).catch((error: unknown) => {
        // Nobody awaits a timed write; the next call reports it.
        this.deferredError ??= error;
      });
    }, this.flushIntervalMs);
    this.timer.unref();
  }

  private clearTimer(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** Runs `fn` after every operation queued before it. */
  private enqueue<T>(fn: () => Promise<T>): Promise<T> {
    const result = this.tail.then(fn);
    this.tail = result.catch(() => undefined);
    return result;
  }

  /** Opens if needed, then runs `fn` in turn on the connection, wrapping driver errors. */
  private async operate<T>(what: string, fn: (connection: DuckDBConnection) => Promise<T>, assetKey?: string): Promise<T> {
    await this.ready();
    return this.enqueue(async () => {
      const connection = this.connection;
      if (connection === undefined) throw new StateError(`State store "${this.path}" is closed`);
      try {
        return await fn(connection);
      } catch (error) {
        if (isAssayError(error)) throw error;
        throw new StateError(`State store "${this.path}": cannot ${what}: ${errorMessage(error)}`, {
          cause: error,
          ...(assetKey === undefined ? {} : { assetKey }),
        });
      }
    });
  }

  private async query(what: string, sql: string, params: DuckDBValue[], assetKey?: string): Promise<Row[]> {
    return this.operate(
      what,
      async (connection) => {
        await this.writeBatch();
        return (await connection.runAndReadAll(sql, params)).getRowObjectsJS() as Row[];
      },
      assetKey,
    );
  }

  /** Writes the buffer in one transaction. Must run inside the operation chain. */
  private async writeBatch(): Promise<void> {
    const connection = this.connection;
    if (connection === undefined || !this.hasBufferedWrites()) return;
    const events = this.events;
    const materializations = this.materializations;
    const checks = this.checks;
    this.events = [];
    this.materializations = [];
    this.checks = [];
    let eventSeq = this.nextEventSeq;
    let materializationSeq = this.nextMaterializationSeq;
    let checkSeq = this.nextCheckSeq;
    try {
      await connection.run('BEGIN TRANSACTION');
      if (events.length > 0) {
        await append(connection, 'events', (a) => {
          for (const e of events) {
            a.appendBigInt(BigInt(eventSeq++));
            a.appendVarchar(e.runId);
            a.appendVarchar(e.type);
            appendNullable(a, e.assetKey);
            appendNullable(a, e.partition);
            appendNullableTimestamp(a, e.ts);
            a.appendVarchar(e.payload);
            a.endRow();
          }
        });
      }
      if (materializations.length > 0) {
        await append(connection, 'materializations', (a) => {
          for (const m of materializations) {
            a.appendBigInt(BigInt(materializationSeq++));
            a.appendVarchar(m.runId);
            a.appendVarchar(m.assetKey);
            appendNullable(a, m.partition);
            a.appendVarchar(m.dataVersion);
            a.appendVarchar(m.codeVersion);
            a.appendVarchar(m.upstreamVersions);
            appendNullableBigInt(a, m.rowCount);
            a.appendDouble(m.durationMs);
            a.appendVarchar(m.metadata);
            a.appendTimestampTZ(timestampTz(m.createdAt));
            a.endRow();
          }
        });
      }
      if (checks.length > 0) {
        await append(connection, 'check_results', (a) => {
          for (const c of checks) {
            a.appendBigInt(BigInt(checkSeq++));
            a.appendVarchar(c.runId);
            a.appendVarchar(c.assetKey);
            appendNullable(a, c.partition);
            a.appendVarchar(c.name);
            a.appendVarchar(c.type);
            a.appendVarchar(c.severity);
            a.appendBoolean(c.blocking);
            a.appendBoolean(c.passed);
            appendNullableBigInt(a, c.failingRows);
            appendNullableBigInt(a, c.quarantinedRows);
            appendNullable(a, c.message);
            appendNullable(a, c.sample);
            appendNullable(a, c.metadata);
            a.appendTimestampTZ(timestampTz(c.createdAt));
            a.endRow();
          }
        });
      }
      await connection.run('COMMIT');
    } catch (error) {
      await connection.run('ROLLBACK').catch(() => undefined);
      // Put the batch back in front of anything buffered since, so a retry keeps the order.
      this.events = events.concat(this.events);
      this.materializations = materializations.concat(this.materializations);
      this.checks = checks.concat(this.checks);
      throw new StateError(`Cannot write to state store "${this.path}": ${errorMessage(error)}`, { cause: error, transient: true });
    }
    this.nextEventSeq = eventSeq;
    this.nextMaterializationSeq = materializationSeq;
    this.nextCheckSeq = checkSeq;
    this.deferredError = undefined;
  }
}

async function append(connection: DuckDBConnection, table: string, fill: (appender: DuckDBAppender) => void): Promise<void> {
  const appender = await connection.createAppender(table);
  try {
    fill(appender);
    appender.flushSync();
  } finally {
    try {
      appender.closeSync();
    } catch {
      // A failed fill already surfaced its error; closing only releases the appender.
    }
  }
}

function toRun(r: Row): RunRecord {
  const run: RunRecord = { runId: String(r.run_id), status: String(r.status) as RunStatus, startedAt: iso(r.started_at) };
  if (r.ended_at !== null && r.ended_at !== undefined) run.endedAt = iso(r.ended_at);
  const selection = optionalString(r.selection);
  const backend = optionalString(r.backend);
  const pid = optionalNumber(r.pid);
  return {
    ...run,
    ...(selection === undefined ? {} : { selection }),
    ...(backend === undefined ? {} : { backend }),
    ...(pid === undefined ? {} : { pid }),
  };
}

function toMaterialization(r: Row): MaterializationRecord {
  const partition = optionalString(r.partition_key);
  const rowCount = optionalNumber(r.row_count);
  return {
    runId: String(r.run_id),
    assetKey: String(r.asset_key),
    ...(partition === undefined ? {} : { partition }),
    dataVersion: String(r.data_version),
    codeVersion: String(r.code_version),
    upstreamVersions: decodeJson<Record<string, string>>(String(r.upstream_versions)),
    ...(rowCount === undefined ? {} : { rowCount }),
    durationMs: Number(r.duration_ms),
    metadata: decodeJson<Record<string, unknown>>(String(r.metadata)),
    createdAt: iso(r.created_at),
  };
}

function toCheckResult(r: Row): StoredCheckResult {
  const partition = optionalString(r.partition_key);
  const failingRows = optionalNumber(r.failing_rows);
  const quarantinedRows = optionalNumber(r.quarantined_rows);
  const message = optionalString(r.message);
  return {
    runId: String(r.run_id),
    assetKey: String(r.asset_key),
    ...(partition === undefined ? {} : { partition }),
    name: String(r.check_name),
    type: String(r.check_type) as CheckResult['type'],
    severity: String(r.severity) as CheckResult['severity'],
    blocking: Boolean(r.blocking),
    passed: Boolean(r.passed),
    ...(failingRows === undefined ? {} : { failingRows }),
    ...(quarantinedRows === undefined ? {} : { quarantinedRows }),
    ...(message === undefined ? {} : { message }),
    ...(r.sample === null || r.sample === undefined ? {} : { sample: decodeJson<Record<string, unknown>[]>(String(r.sample)) }),
    ...(r.metadata === null || r.metadata === undefined ? {} : { metadata: decodeJson<Record<string, unknown>>(String(r.metadata)) }),
    createdAt: iso(r.created_at),
  };
}

/**
 * Creates the default state store: a {@link DuckDbStateStore} on `.assay/state.duckdb`
 * (or `path`), opened on first use.
 *
 * @example
 * ```ts
 * // assay.config.ts
 * export default defineConfig({
 *   definitions: './assets/index.ts',
 *   targets: { dev: duckdb({ path: '.assay/dev.duckdb' }) },
 *   state: duckdbState({ path: '.assay/state.duckdb', lockTimeoutMs: 30_000 }),
 * });
 * ```
 */
export function duckdbState(options: DuckDbStateOptions = {}): DuckDbStateStore {
  return new DuckDbStateStore(options);
}
