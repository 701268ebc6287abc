import type { DuckDBConnection } from '@duckdb/node-api';
import { canceledError, type Row } from '@assay/core';
import { toSqlError } from './duckdb-errors.js';
import { readRows, toParam } from './duckdb-values.js';

/** What one statement returned. */
export interface StatementResult {
  /** Rows as JSON-friendly objects (empty for DDL). */
  rows: Row[];
  /** Rows inserted, updated or deleted by DML. */
  rowsChanged: number;
}

/**
 * One connection bound to one step: every statement honours the step's AbortSignal
 * (interrupting DuckDB mid-statement) and failures become `SqlError`s carrying the asset key
 * and the statement.
 */
export class DuckDbSession {
  private inTransaction = false;

  constructor(
    /** The connection, held for the session's lifetime. */
    readonly connection: DuckDBConnection,
    /** Asset the statements belong to, for error messages. */
    readonly assetKey: string | undefined,
    /** Cancels the running statement. */
    readonly signal: AbortSignal | undefined,
  ) {}

  /** Throws `ASSAY_CANCELED` if the step was canceled. */
  throwIfCanceled(): void {
    if (this.signal?.aborted) throw canceledError(this.assetKey);
  }

  /** Runs one statement (several separated by `;` when there are no parameters). */
  async run(sql: string, params?: readonly unknown[]): Promise<StatementResult> {
    this.throwIfCanceled();
    const signal = this.signal;
    const onAbort = () => this.connection.interrupt();
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      const values = params && params.length > 0 ? params.map(toParam) : undefined;
      const reader = await this.connection.runAndReadAll(sql, values);
      return { rows: readRows(reader), rowsChanged: reader.rowsChanged };
    } catch (error) {
      if (signal?.aborted) throw canceledError(this.assetKey, error);
      throw toSqlError(error, sql, this.assetKey);
    } finally {
      signal?.removeEventListener('abort', onAbort);
    }
  }

  /** Runs a statement and returns its rows. */
  async rows(sql: string, params?: readonly unknown[]): Promise<Row[]> {
    return (await this.run(sql, params)).rows;
  }

  /** Runs a statement that returns one number in its first column (e.g. `count(*)`). */
  async count(sql: string, params?: readonly unknown[]): Promise<number> {
    const [row] = await this.rows(sql, params);
    const value = row ? Object.values(row)[0] : 0;
    return Number(value ?? 0);
  }

  /**
   * Runs `work` inside a transaction: committed when it resolves, rolled back when it throws
   * (including on cancellation, where DuckDB leaves the transaction aborted until rollback).
   */
  async transaction<T>(work: () => Promise<T>): Promise<T> {
    if (this.inTransaction) return work();
    await this.run('BEGIN TRANSACTION');
    this.inTransaction = true;
    try {
      const result = await work();
      this.throwIfCanceled();
      await this.run('COMMIT');
      return result;
    } catch (error) {
      await this.rollback();
      throw error;
    } finally {
      this.inTransaction = false;
    }
  }

  /** Rolls back the open transaction, ignoring errors (there may be none open). */
  private async rollback(): Promise<void> {
    try {
      await this.connection.run('ROLLBACK');
    } catch {
      // Nothing to roll back (a failed COMMIT already ended the transaction).
    }
  }

  /** Runs cleanup statements even after cancellation; errors are swallowed. */
  async bestEffort(sql: string): Promise<void> {
    try {
      await this.connection.run(sql);
    } catch {
      // Cleanup must never mask the error that made it necessary.
    }
  }
}
