/**
 * The DuckDB state store: run history in `.assay/state.duckdb`.
 *
 * @packageDocumentation
 */
export { DuckDbStateStore, duckdbState, DEFAULT_STATE_PATH, type DuckDbStateOptions } from './duckdb-state-store.js';
export { STATE_SCHEMA_VERSION } from './state-schema.js';
