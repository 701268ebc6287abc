import type { Connection, RowStatement, SnowflakeError } from 'snowflake-sdk';
import { BackendError, canceledError, isAssayError, type Logger, type Row } from '@assay/core';
import type { PooledConnection } from './connection-pool.js';
import { isSessionExpired, sqlExcerpt, toSqlError } from './snowflake-errors.js';
import { convertRow, resultColumns, toBind, type ResultColumn } from './snowflake-values.js';

/** What one statement returned. */
export interface StatementResult {
  /** Rows as JSON-friendly objects, keyed by column names as Snowflake returns them. */
  rows: Row[];
  /** The result's columns. */
  columns: ResultColumn[];
  /** Snowflake's query id, for query history. */
  queryId: string | undefined;
}

/** Options of {@link SnowflakeSession.run}. */
export interface RunOptions {
  /** Run even if the step was canceled (cleanup). */
  ignoreCancel?: boolean;
  /** `binds` is an array of rows, one INSERT row each (array binding). */
  multiRow?: boolean;
}

/** How long a canceled statement may take to stop before the step gives up waiting. */
const CANCEL_WAIT_MS = 15_000;

/**
 * One pooled connection bound to one step: every statement carries the step's QUERY_TAG,
 * honours its AbortSignal (canceling the statement in Snowflake), and fails as an `SqlError`
 * carrying the asset key and the statement. An expired session is logged in again and the
 * statement repeated, unless the session held a transaction or temporary tables.
 */
export class SnowflakeSession {
  private inTransaction = false;

  constructor(
    private readonly slot: PooledConnection,
    /** Asset the statements belong to, for error messages. */
    readonly assetKey: string | undefined,
    /** Cancels the running statement. */
    readonly signal: AbortSignal | undefined,
    /** QUERY_TAG of every statement. */
    readonly queryTag: string,
    private readonly logger: Logger | undefined,
  ) {}

  /** Throws `ASSAY_CANCELED` if the step was canceled. */
  throwIfCanceled(): void {
    if (this.signal?.aborted) throw canceledError(this.assetKey);
  }

  /** Marks the session as holding state (temporary tables) a reconnect would lose. */
  markStateful(): void {
    this.slot.stateful = true;
  }

  /** Runs one statement with `?` binds. */
  async run(sql: string, binds: readonly unknown[] = [], options: RunOptions = {}): Promise<StatementResult> {
    if (!options.ignoreCancel) this.throwIfCanceled();
    let connection: Connection;
    try {
      connection = await this.slot.ensure();
    } catch (error) {
      throw withAssetKey(error, this.assetKey);
    }
    try {
      return await this.execute(connection, sql, binds, options);
    } catch (error) {
      if (isAssayError(error)) throw error;
      if (isSessionExpired(error) && !this.slot.stateful) {
        this.logger?.debug(`Snowflake session expired (${String((error as SnowflakeError).code ?? '')}); logging in again and repeating the statement`, { assetKey: this.assetKey });
        try {
          connection = await this.slot.reconnect();
        } catch (reconnectError) {
          throw withAssetKey(reconnectError, this.assetKey);
        }
        try {
          return await this.execute(connection, sql, binds, options);
        } catch (again) {
          if (isAssayError(again)) throw again;
          throw toSqlError(again, sql, this.assetKey);
        }
      }
      throw toSqlError(error, sql, this.assetKey);
    }
  }

  private execute(connection: Connection, sql: string, binds: readonly unknown[], options: RunOptions): Promise<StatementResult> {
    const signal = options.ignoreCancel ? undefined : this.signal;
    this.logger?.debug(`snowflake: ${sqlExcerpt(sql, 200)}`, { assetKey: this.assetKey });
    return new Promise<StatementResult>((resolve, reject) => {
      let settled = false;
      let canceling: ReturnType<typeof setTimeout> | undefined;
      const finish = (fn: () => void) => {
        if (settled) return;
        settled = true;
        if (canceling) clearTimeout(canceling);
        signal?.removeEventListener('abort', onAbort);
        fn();
      };
      let statement: RowStatement | undefined;
      const onAbort = () => {
        // Wait for the statement to actually stop, so cleanup after the rejection never races it.
        statement?.cancel(() => undefined);
        canceling = setTimeout(() => finish(() => reject(canceledError(this.assetKey))), CANCEL_WAIT_MS);
      };
      statement = connection.execute({
        sqlText: sql,
        ...(binds.length > 0 ? { binds: (options.multiRow ? binds.map((row) => (row as unknown[]).map(toBind)) : binds.map(toBind)) as never } : {}),
        parameters: { QUERY_TAG: this.queryTag },
        fetchAsString: ['Number'],
        complete: (err, stmt, rows) => {
          if (signal?.aborted) return finish(() => reject(canceledError(this.assetKey, err)));
          if (err) return finish(() => reject(err));
          try {
            const columns = resultColumns(stmt.getColumns());
            const converted = ((rows ?? []) as Row[]).map((r) => convertRow(r, columns));
            finish(() => resolve({ rows: converted, columns, queryId: stmt.getQueryId() }));
          } catch (error) {
            finish(() => reject(error));
          }
        },
      }) as RowStatement;
      if (signal?.aborted) onAbort();
      else signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** Runs a statement and returns its rows. */
  async rows(sql: string, binds?: readonly unknown[]): Promise<Row[]> {
    return (await this.run(sql, binds)).rows;
  }

  /** Runs a statement returning one number in its first column (e.g. `count(*)`). */
  async count(sql: string, binds?: readonly unknown[]): Promise<number> {
    const [row] = await this.rows(sql, binds);
    const value = row ? Object.values(row)[0] : 0;
    return Number(value ?? 0);
  }

  /**
   * Runs `work` in a transaction: committed when it resolves, rolled back when it throws
   * (also on cancellation). Snowflake commits implicitly before DDL, so `work` must only run
   * DML; create and alter objects before calling this.
   */
  async transaction<T>(work: () => Promise<T>): Promise<T> {
    if (this.inTransaction) return work();
    await this.run('begin');
    this.inTransaction = true;
    const wasStateful = this.slot.stateful;
    this.slot.stateful = true;
    try {
      const result = await work();
      this.throwIfCanceled();
      await this.run('commit');
      return result;
    } catch (error) {
      await this.bestEffort('rollback');
      throw error;
    } finally {
      this.inTransaction = false;
      this.slot.stateful = wasStateful;
    }
  }

  /** Runs a cleanup statement even after cancellation; errors are swallowed. */
  async bestEffort(sql: string): Promise<void> {
    try {
      await this.run(sql, [], { ignoreCancel: true });
    } catch {
      // Cleanup must never mask the error that made it necessary.
    }
  }
}

/** Attaches the asset key to a connection error raised while a step needed a session. */
function withAssetKey(error: unknown, assetKey: string | undefined): unknown {
  if (!assetKey || !isAssayError(error) || error.assetKey !== undefined || error.code !== 'ASSAY_BACKEND') return error;
  return new BackendError(`Asset "${assetKey}": ${error.message}`, {
    cause: error.cause ?? error,
    assetKey,
    transient: error.transient,
    ...(error.hint === undefined ? {} : { hint: error.hint }),
  });
}

/** The count a DML statement reports (`number of rows inserted`, ...), 0 when absent. */
export function dmlCount(result: StatementResult, action: 'inserted' | 'updated' | 'deleted'): number {
  const row = result.rows[0];
  if (!row) return 0;
  const value = row[`number of rows ${action}`];
  return value === undefined || value === null ? 0 : Number(value);
}
