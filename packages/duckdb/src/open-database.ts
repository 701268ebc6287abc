import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { BackendError, sleep } from '@assay/core';

/** Options of {@link openDatabase}. */
export interface OpenDatabaseOptions {
  /** How long to wait for another process's lock on the file before failing. Defaults to 10,000 ms. */
  lockTimeoutMs?: number;
  /** DuckDB configuration (threads, memory_limit, ...), passed as-is. */
  config?: Record<string, string>;
  /** Cancels the wait. */
  signal?: AbortSignal;
}

const LOCK_ERROR = /Could not set lock on file|Conflicting lock is held/i;

/**
 * Opens (creating directories as needed) a DuckDB database file, or `:memory:`.
 *
 * DuckDB lets one process hold a file at a time. When another process holds it, this waits
 * up to `lockTimeoutMs` (polling with backoff), then fails with `ASSAY_LOCKED` naming the
 * file and the process that holds it — it never opens the file in a way that could corrupt it.
 */
export async function openDatabase(path: string, options: OpenDatabaseOptions = {}): Promise<DuckDBInstance> {
  if (path !== ':memory:' && !path.startsWith('md:')) mkdirSync(dirname(path), { recursive: true });
  const timeout = options.lockTimeoutMs ?? 10_000;
  const started = Date.now();
  let delay = 50;
  for (;;) {
    try {
      return await DuckDBInstance.create(path, options.config);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      if (!LOCK_ERROR.test(message)) {
        throw new BackendError(`Cannot open DuckDB database "${path}": ${message}`, { cause: error });
      }
      if (Date.now() - started >= timeout) {
        const pid = /PID (\d+)/.exec(message)?.[1];
        throw new BackendError(`DuckDB database "${path}" is locked by another process${pid ? ` (PID ${pid})` : ''}; waited ${Math.round(timeout / 1000)} s`, {
          code: 'ASSAY_LOCKED',
          cause: error,
          transient: true,
          hint: 'Another `assets` command (or a notebook, or the DuckDB CLI) has the file open. Wait for it to finish or close it, then retry.',
        });
      }
      await sleep(Math.min(delay, Math.max(1, timeout - (Date.now() - started))), options.signal);
      delay = Math.min(delay * 2, 500);
    }
  }
}
