/**
 * `@assay/snowflake`: the Snowflake backend (snowflake-sdk, loaded on first use).
 *
 * The Snowflake-protocol test server is a separate entry point,
 * `@assay/snowflake/test-server`.
 *
 * @packageDocumentation
 */
export { snowflake, SnowflakeBackend } from './snowflake-backend.js';
export {
  resolveSnowflakeOptions,
  SNOWFLAKE_ENV,
  type SnowflakeBackendOptions,
  type ResolvedSnowflakeOptions,
  type ResolveEnvironment,
  type ResolvedOptionsResult,
  type OptionSource,
} from './snowflake-options.js';
export { parseToml, type TomlTable, type TomlValue } from './connections-toml.js';
export { snowflakeObjectName, storedName, quoteIdent, type SnowflakeObjectName } from './snowflake-names.js';
export { isTransientSnowflakeError } from './snowflake-errors.js';
export { SCD2_COLUMNS } from './materialize-scd2.js';
export { INGEST_STAGE, LOAD_HISTORY } from './ingest-files.js';
export { SYSTEM_SCHEMA } from './snowflake-names.js';
export * from './deploy/index.js';
