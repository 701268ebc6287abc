/**
 * `@assay/snowflake/test-server`: a Snowflake-protocol server backed by DuckDB, so code using
 * the real snowflake-sdk driver can be tested without a Snowflake account.
 *
 * It is a test double for the protocol and the SQL Assay emits, not a Snowflake replacement;
 * docs/snowflake-test-server.md lists what it emulates and what it does not.
 *
 * @example
 * ```ts
 * import snowflake from 'snowflake-sdk';
 * import { startSnowflakeTestServer } from '@assay/snowflake/test-server';
 *
 * const server = await startSnowflakeTestServer({ chunkRows: 1000 });
 * const connection = snowflake.createConnection(server.connectionOptions());
 * // connect, execute, ... then:
 * await server.close();
 * ```
 *
 * @packageDocumentation
 */
export {
  startSnowflakeTestServer,
  type SnowflakeTestServer,
  type SnowflakeTestServerOptions,
  type SnowflakeTestServerStats,
  type FailureKind,
  type FailureEndpoint,
  type FailureOptions,
  type QueryHistoryEntry,
  type DynamicTableInfo,
  type TestConnectionOptions,
  type TestServerLogger,
} from './snowflake-test-server.js';
export { translateStatement, type TranslatedStatement, type TranslateContext, type QualifiedName } from './sql-translator.js';
export { tokenizeSql, type SqlToken, type SqlTokenKind } from './sql-tokenizer.js';
export { SnowflakeSqlError } from './snowflake-sql-error.js';
