import type { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { BackendError } from '@assay/core';
import { canceledError } from './duckdb-errors.js';

interface Waiter {
  resolve: (connection: DuckDBConnection) => void;
  reject: (error: unknown) => void;
}

/**
 * A fixed set of connections to one DuckDB instance, handed out one per concurrent worker.
 *
 * DuckDB runs one statement at a time per connection, and a transaction belongs to its
 * connection, so a step keeps its connection from first statement to commit. Waiters are
 * served first come, first served.
 */
export class ConnectionPool {
  private readonly idle: DuckDBConnection[] = [];
  private readonly all: DuckDBConnection[] = [];
  private readonly waiters: Waiter[] = [];
  private closed = false;

  constructor(
    private readonly instance: DuckDBInstance,
    private readonly prepare: (connection: DuckDBConnection) => Promise<void>,
  ) {}

  /** Number of connections opened. */
  get size(): number {
    return this.all.length;
  }

  /** Opens connections until there are `size` of them. */
  async grow(size: number): Promise<void> {
    while (this.all.length < size) {
      const connection = await this.instance.connect();
      await this.prepare(connection);
      this.all.push(connection);
      this.release(connection);
    }
  }

  /** Waits for a free connection; rejects with `ASSAY_CANCELED` if `signal` aborts first. */
  acquire(signal?: AbortSignal, assetKey?: string): Promise<DuckDBConnection> {
    if (this.closed) return Promise.reject(new BackendError('The DuckDB backend is closed', { ...(assetKey ? { assetKey } : {}) }));
    if (signal?.aborted) return Promise.reject(canceledError(assetKey));
    const free = this.idle.pop();
    if (free) return Promise.resolve(free);
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        resolve: (c) => {
          signal?.removeEventListener('abort', onAbort);
          resolve(c);
        },
        reject: (e) => {
          signal?.removeEventListener('abort', onAbort);
          reject(e);
        },
      };
      const onAbort = () => {
        const i = this.waiters.indexOf(waiter);
        if (i >= 0) this.waiters.splice(i, 1);
        reject(canceledError(assetKey));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiters.push(waiter);
    });
  }

  /** Returns a connection to the pool (or to the next waiter). */
  release(connection: DuckDBConnection): void {
    if (this.closed) return;
    const next = this.waiters.shift();
    if (next) next.resolve(connection);
    else this.idle.push(connection);
  }

  /** Runs `work` with a connection, releasing it afterwards whatever happens. */
  async use<T>(work: (connection: DuckDBConnection) => Promise<T>, signal?: AbortSignal, assetKey?: string): Promise<T> {
    const connection = await this.acquire(signal, assetKey);
    try {
      return await work(connection);
    } finally {
      this.release(connection);
    }
  }

  /** Interrupts running statements and closes every connection; pending waiters are rejected. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const w of this.waiters.splice(0)) w.reject(new BackendError('The DuckDB backend was closed'));
    for (const c of this.all) {
      try {
        c.interrupt();
        c.closeSync();
      } catch {
        // Closing is best effort: the instance closes right after and frees everything.
      }
    }
    this.all.length = 0;
    this.idle.length = 0;
  }
}
