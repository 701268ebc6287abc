/**
 * `@assay/duckdb`: the DuckDB backend (the embedded default) and the DuckDB state store.
 *
 * @packageDocumentation
 */
export { openDatabase, closeDatabase, type OpenDatabaseOptions } from './open-database.js';
export { duckdb, duckDbConfig, DuckDbBackend, type DuckDbBackendOptions, type DuckDbTarget } from './duckdb-backend.js';
export { duckDbObjectName, type DuckDbObjectName, type ColumnInfo } from './duckdb-catalog.js';
export { isTransientDuckDbError } from './duckdb-errors.js';
export { SCD2_COLUMNS } from './materialize-scd2.js';
export { LOAD_HISTORY, SYSTEM_SCHEMA } from './ingest-files.js';
export * from './state/index.js';
