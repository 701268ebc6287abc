/**
 * Test helpers: a Snowflake backend pointed at a fresh Snowflake-protocol test server, through
 * the real snowflake-sdk driver. Not part of the build (tests only).
 */
import { startSnowflakeTestServer, type SnowflakeTestServer, type SnowflakeTestServerOptions } from '../test-server/index.js';
import { SnowflakeBackend, type SnowflakeBackendOptions } from '../index.js';

/** Long-running one-row query for cancellation tests (valid Snowflake SQL that runs long on both). */
export const LONG_RUNNING_SQL = 'select count(*) as n from table(generator(rowcount => 1000000000000))';

/** Options that reach `server` with no environment or connections.toml involved. */
export function serverOptions(server: SnowflakeTestServer, extra: SnowflakeBackendOptions = {}): SnowflakeBackendOptions {
  const c = server.connectionOptions();
  return {
    account: c.account,
    username: c.username,
    password: c.password,
    accessUrl: c.accessUrl,
    database: c.database,
    warehouse: c.warehouse,
    connectionsFile: '/nonexistent/assay-test/connections.toml',
    ...extra,
    sdkOptions: { sfRetryMaxLoginRetries: 0, ...(extra.sdkOptions ?? {}) },
  };
}

/** A backend on a fresh server, with no SNOWFLAKE_* variables or connections.toml read. */
export function testBackend(server: SnowflakeTestServer, extra: SnowflakeBackendOptions = {}): SnowflakeBackend {
  return new SnowflakeBackend(serverOptions(server, extra), { env: {}, home: '/nonexistent/assay-test-home' });
}

/** Starts a test server. */
export function startServer(options: SnowflakeTestServerOptions = {}): Promise<SnowflakeTestServer> {
  return startSnowflakeTestServer(options);
}
