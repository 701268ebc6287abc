import type { Connection } from 'snowflake-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSnowflakeTestServer, type SnowflakeTestServer } from './snowflake-test-server.js';
import { connect, destroy, failure, rows } from './__tests__/sdk.js';

describe('failure modes seen through snowflake-sdk', () => {
  let server: SnowflakeTestServer;
  let conn: Connection;
  const runs = (text: string): number => server.queryHistory().filter((q) => q.sqlText.includes(text)).length;

  beforeAll(async () => {
    server = await startSnowflakeTestServer();
    conn = await connect(server);
  });
  afterAll(async () => {
    await destroy(conn);
    await server.close();
  });

  it('renews the session token after 390112 and repeats the statement', async () => {
    const renewals = server.stats.renewals;
    server.failNext('token_expired');
    expect(await rows(conn, 'select 1 as after_renewal')).toEqual([{ AFTER_RENEWAL: 1 }]);
    expect(server.stats.renewals).toBe(renewals + 1);
    expect(runs('after_renewal')).toBe(1);
  });

  it('renews when the token really expires (tokenValiditySeconds)', async () => {
    const short = await startSnowflakeTestServer({ tokenValiditySeconds: 1 });
    try {
      const c = await connect(short);
      await new Promise((r) => setTimeout(r, 1_100));
      expect(await rows(c, 'select 2 as late')).toEqual([{ LATE: 2 }]);
      expect(short.stats.renewals).toBe(1);
      await destroy(c);
    } finally {
      await short.close();
    }
  });

  it('gives a clear network error when the connection drops during login', async () => {
    server.failNext('drop_connection', { endpoint: 'login' });
    await expect(connect(server)).rejects.toMatchObject({ code: 401001, message: expect.stringMatching(/socket hang up|ECONNRESET/) });
  });

  it('retries a statement whose connection dropped; it runs once', async () => {
    const injected = server.stats.injectedFailures;
    server.failNext('drop_connection', { match: 'dropped_once' });
    expect(await rows(conn, 'select 3 as dropped_once')).toEqual([{ DROPPED_ONCE: 3 }]);
    expect(server.stats.injectedFailures).toBe(injected + 1);
    expect(runs('dropped_once')).toBe(1);
  });

  it('retries a statement answered 503 (overload)', async () => {
    server.failNext('overload', { match: 'overloaded_once' });
    expect(await rows(conn, 'select 4 as overloaded_once')).toEqual([{ OVERLOADED_ONCE: 4 }]);
  });

  it('fails a login answered 503 with the driver\'s request-failed error', async () => {
    server.failNext('overload', { endpoint: 'login' });
    await expect(connect(server)).rejects.toMatchObject({ code: 401002 });
  });

  it('injects a SQL error into matching statements only', async () => {
    server.failNext('sql_error', { match: 'swap with', code: '000625', message: 'Statement was aborted (injected).', sqlState: '57014' });
    await rows(conn, 'create or replace table inj_a (id number)');
    await rows(conn, 'create or replace table inj_b (id number)');
    expect(await failure(conn, 'alter table inj_a swap with inj_b')).toMatchObject({ code: '000625', sqlState: '57014', message: 'Statement was aborted (injected).' });
    expect(await rows(conn, 'alter table inj_a swap with inj_b')).toEqual([{ status: 'Statement executed successfully.' }]);
  });
});
