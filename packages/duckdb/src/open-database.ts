import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { DuckDBInstance } from '@duckdb/node-api';
import { BackendError, sleep } from '@assay/core';
import { loadDuckDbDriver } from './duckdb-driver.js';

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
 * Files this process has open, by absolute path. DuckDB's file lock is a POSIX lock, which a
 * process never conflicts with itself on: two instances in one process would both open the
 * file and corrupt it. So within a process, a file is held through this registry, and a
 * second opener waits exactly as it would for another process.
 */
const held = new Map<string, DuckDBInstance>();

function registryKey(path: string): string | undefined {
  return path === ':memory:' || path.startsWith('md:') ? undefined : resolve(path);
}

function seconds(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${Math.round(ms / 1000)} s`;
}

/**
 * Closes a database opened with {@link openDatabase} and releases its file for other
 * openers in this process. Safe to call twice.
 */
export function closeDatabase(instance: DuckDBInstance | undefined): void {
  if (!instance) return;
  for (const [key, value] of held) if (value === instance) held.delete(key);
  try {
    instance.closeSync();
  } catch {
    // An instance DuckDB already invalidated has nothing left to release.
  }
}

/**
 * Opens (creating directories as needed) a DuckDB database file, or `:memory:`.
 *
 * DuckDB lets one process hold a file at a time. When another process — or another backend
 * or state store in this process — holds it, this waits up to `lockTimeoutMs` (polling with
 * backoff), then fails with `ASSAY_LOCKED` naming the file and the holder. It never opens the
 * file in a way that could corrupt it. Close with {@link closeDatabase}.
 */
export async function openDatabase(path: string, options: OpenDatabaseOptions = {}): Promise<DuckDBInstance> {
  if (path !== ':memory:' && !path.startsWith('md:')) mkdirSync(dirname(path), { recursive: true });
  const timeout = options.lockTimeoutMs ?? 10_000;
  const started = Date.now();
  let delay = 50;
  const key = registryKey(path);
  for (;;) {
    if (key !== undefined && held.has(key)) {
      const waited = Date.now() - started;
      if (waited >= timeout) {
        throw new BackendError(`DuckDB database "${path}" is already open in this process (PID ${process.pid}); waited ${seconds(timeout)}`, {
          code: 'ASSAY_LOCKED',
          transient: true,
          hint: 'Close the other backend or state store on this file first, or share one.',
        });
      }
      await sleep(Math.min(delay, Math.max(1, timeout - waited)), options.signal);
      delay = Math.min(delay * 2, 500);
      continue;
    }
    try {
      const { DuckDBInstance } = await loadDuckDbDriver();
      const instance = await DuckDBInstance.create(path, options.config);
      if (key !== undefined) held.set(key, instance);
      return instance;
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      if (!LOCK_ERROR.test(message)) {
        throw new BackendError(`Cannot open DuckDB database "${path}": ${message}`, { cause: error });
      }
      if (Date.now() - started >= timeout) {
        const pid = /PID (\d+)/.exec(message)?.[1];
        throw new BackendError(`DuckDB database "${path}" is locked by another process${pid ? ` (PID ${pid})` : ''}; waited ${seconds(timeout)}`, {
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
