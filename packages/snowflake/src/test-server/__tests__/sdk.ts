/**
 * Promise helpers over the real snowflake-sdk driver for the test server's tests.
 * Not part of the build (tests only).
 */
import snowflake from 'snowflake-sdk';
import type { Connection, ConnectionOptions, RowStatement, SnowflakeError } from 'snowflake-sdk';
import type { SnowflakeTestServer } from '../snowflake-test-server.js';

snowflake.configure({ logLevel: 'OFF' });

export { snowflake };

/** Connection options for `server`, with overrides. */
export function options(server: SnowflakeTestServer, extra: Partial<ConnectionOptions> = {}): ConnectionOptions {
  return { ...server.connectionOptions(), ...extra } as ConnectionOptions;
}

/** Connects and resolves with the connection, or rejects with the driver's error. */
export function connect(server: SnowflakeTestServer, extra: Partial<ConnectionOptions> = {}): Promise<Connection> {
  const conn = snowflake.createConnection(options(server, extra));
  return new Promise((resolve, reject) => {
    conn.connect((err) => (err ? reject(err) : resolve(conn)));
  });
}

/** Result of {@link query}. */
export interface QueryResult {
  rows: Record<string, unknown>[];
  statement: RowStatement;
}

/** Executes a statement and collects all rows (chunks included). */
export function query(conn: Connection, sqlText: string, binds?: unknown[], extra: Record<string, unknown> = {}): Promise<QueryResult> {
  return new Promise((resolve, reject) => {
    conn.execute({
      sqlText,
      ...(binds ? { binds: binds as never } : {}),
      ...extra,
      complete: (err: SnowflakeError | undefined, statement: RowStatement, rows: unknown[] | undefined) => {
        if (err) reject(err);
        else resolve({ rows: (rows ?? []) as Record<string, unknown>[], statement });
      },
    });
  });
}

/** Rows of a statement. */
export async function rows(conn: Connection, sqlText: string, binds?: unknown[]): Promise<Record<string, unknown>[]> {
  return (await query(conn, sqlText, binds)).rows;
}

/** Expects a statement to fail and returns the driver error. */
export async function failure(conn: Connection, sqlText: string, binds?: unknown[]): Promise<SnowflakeError & { sqlState?: string; code?: string | number }> {
  try {
    await query(conn, sqlText, binds);
  } catch (err) {
    return err as SnowflakeError & { sqlState?: string };
  }
  throw new Error(`expected failure: ${sqlText}`);
}

/** Destroys a connection. */
export function destroy(conn: Connection): Promise<void> {
  return new Promise((resolve, reject) => conn.destroy((err) => (err ? reject(err) : resolve())));
}
