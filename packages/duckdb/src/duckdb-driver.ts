import type * as DuckDbApi from '@duckdb/node-api';
import { BackendError } from '@assay/core';

let api: typeof DuckDbApi | undefined;

/**
 * Loads the DuckDB driver on first use. Importing `@duckdb/node-api` loads a native library
 * (~200 ms), so `@assay/duckdb` defers it until a database is actually opened: commands
 * such as `assets list` on a DuckDB project never pay for it.
 */
export async function loadDuckDbDriver(): Promise<typeof DuckDbApi> {
  api ??= await import('@duckdb/node-api');
  return api;
}

/** The driver, once {@link loadDuckDbDriver} has run (every code path opens a database first). */
export function duckDbDriver(): typeof DuckDbApi {
  if (!api) throw new BackendError('The DuckDB driver was used before any database was opened (an Assay bug: please report it)');
  return api;
}
