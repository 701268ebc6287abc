import { defineAssets, materialize, raw, sql, sqlAsset, type AssayEvent } from '@assay/core';
import { buildSqlRequest } from '@assay/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SnowflakeTestServer } from './test-server/index.js';
import { LONG_RUNNING_SQL, startServer, testBackend } from './__tests__/test-backend.js';
import type { SnowflakeBackend } from './index.js';

interface ErrorShape {
  code?: string;
  message: string;
  assetKey?: string;
  transient?: boolean;
  hint?: string;
  sql?: string;
}

async function failure(promise: Promise<unknown>): Promise<ErrorShape> {
  try {
    await promise;
  } catch (error) {
    return error as ErrorShape;
  }
  return expect.fail('expected a failure');
}

/** Polls until `fn` returns a value (bounded by the test timeout, never asserted on time). */
async function until<T>(fn: () => T | undefined): Promise<T> {
  for (;;) {
    const v = fn();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('Snowflake failure modes through snowflake-sdk', () => {
  let server: SnowflakeTestServer;
  let backend: SnowflakeBackend;

  beforeAll(async () => {
    server = await startServer();
    backend = testBackend(server, { poolSize: 2 });
    await backend.open({ concurrency: 2 });
  });
  afterAll(async () => {
    await backend?.close();
    await server?.close();
  });

  const running = (text: string) => () => server.queryHistory().find((q) => q.sqlText.includes(text) && q.status === 'RUNNING' && q.duckdbSql.length > 0);

  it('a wrong password is a clear ASSAY_BACKEND error after one login attempt', async () => {
    const refused = server.stats.failedLogins;
    const wrong = testBackend(server, { password: 'not-the-password' });
    const error = await failure(wrong.open({ concurrency: 1 }));
    expect(error.code).toBe('ASSAY_BACKEND');
    expect(error.message).toMatch(/refused the login of user "test" .*incorrect username or password \(390100\)/);
    expect(error.message).not.toContain('not-the-password');
    expect(error.transient).toBe(false);
    expect(server.stats.failedLogins).toBe(refused + 1);
    await wrong.close();
  });

  it('a server that is down is a clear, transient ASSAY_BACKEND error', async () => {
    const down = await startServer();
    const gone = testBackend(down);
    const url = down.accessUrl;
    await down.close();
    const error = await failure(gone.open({ concurrency: 1 }));
    expect(error.code).toBe('ASSAY_BACKEND');
    expect(error.message).toContain(`Cannot reach Snowflake at ${url}: connection refused`);
    expect(error.transient).toBe(true);
    expect(gone.isTransient(error)).toBe(true);
  });

  it('missing settings fail open() with ASSAY_CONFIG naming the environment variable', async () => {
    const { SnowflakeBackend } = await import('./index.js');
    const noAccount = new SnowflakeBackend({ username: 'x', password: 'y' }, { env: {}, home: '/nowhere' });
    expect(await failure(noAccount.open())).toMatchObject({ code: 'ASSAY_CONFIG', message: 'Snowflake account is not set', hint: expect.stringContaining('SNOWFLAKE_ACCOUNT') });
    const noKey = new SnowflakeBackend({ account: 'a', username: 'x', authenticator: 'SNOWFLAKE_JWT' }, { env: {}, home: '/nowhere' });
    expect((await failure(noKey.open())).message).toContain('private key');
  });

  it('a statement killed in Snowflake fails with a message saying so; the session stays usable', async () => {
    const pending = failure(backend.query(`${LONG_RUNNING_SQL} -- killed query`));
    const entry = await until(running('-- killed query'));
    expect(server.killQuery(entry.queryId)).toBe(true);
    const error = await pending;
    expect(error.code).toBe('ASSAY_SQL');
    expect(error.message).toContain('canceled in Snowflake (000604');
    expect(error.message).toContain('not by Assay');
    expect(error.hint).toMatch(/SYSTEM\$CANCEL_QUERY/);
    expect(await backend.query('select 1 as one')).toEqual([{ ONE: 1 }]);
  });

  it('a table build killed mid-run keeps the previous table and leaves nothing behind', async () => {
    const key = 'failures/killed';
    await backend.materializeSql(buildSqlRequest(backend, sqlAsset({ key })`select 1 as n`));
    const build = failure(backend.materializeSql(buildSqlRequest(backend, sqlAsset({ key })(sql`${raw(`${LONG_RUNNING_SQL} -- killed build`)}`))));
    const entry = await until(running('-- killed build'));
    server.killQuery(entry.queryId);
    const error = await build;
    expect(error).toMatchObject({ code: 'ASSAY_SQL', assetKey: key });
    expect(await backend.query('select n from failures.killed')).toEqual([{ N: 1 }]);
    const leftovers = await backend.query("select table_name from information_schema.tables where table_schema = 'FAILURES'");
    expect(leftovers).toEqual([{ TABLE_NAME: 'KILLED' }]);
  });

  it('a dropped connection is retried by the driver; the statement runs once and the asset succeeds', async () => {
    const injected = server.stats.injectedFailures;
    server.failNext('drop_connection', { match: 'DROPPED__ASSAY_NEW' });
    const out = await backend.materializeSql(buildSqlRequest(backend, sqlAsset({ key: 'failures/dropped' })`select 7 as n`));
    expect(out.rowCount).toBe(1);
    expect(server.stats.injectedFailures).toBe(injected + 1);
    const builds = server.queryHistory().filter((q) => q.sqlText.startsWith('create or replace table') && q.sqlText.includes('DROPPED__ASSAY_NEW'));
    expect(builds.map((q) => q.status)).toEqual(['SUCCESS']);
  });

  it('an expired session (390114) logs in again and repeats the statement', async () => {
    const logins = server.stats.logins;
    server.failNext('sql_error', { match: 'after_expiry', code: '390114', message: 'Authentication token has expired.  The user must authenticate again.', sqlState: '08001' });
    expect(await backend.query('select 42 as after_expiry')).toEqual([{ AFTER_EXPIRY: 42 }]);
    expect(server.stats.logins).toBe(logins + 1);
  });

  it('transient errors (lock waiters, 000625) are retried by the executor when the asset has a retry policy', async () => {
    const flaky = (retry?: { maxRetries: number; delayMs: number }) => sqlAsset({ key: 'failures/flaky', ...(retry ? { retry } : {}) })`select 1 as n`;
    const events: AssayEvent[] = [];
    server.failNext('sql_error', { match: 'FLAKY__ASSAY_NEW', code: '000625', message: 'Statement aborted: too many waiters for the lock.', sqlState: '57014' });
    const retried = await materialize(defineAssets([flaky({ maxRetries: 1, delayMs: 1 })]), { backend, concurrency: 1, onEvent: (e) => events.push(e) });
    expect(retried.status).toBe('success');
    expect(retried.assets[0]).toMatchObject({ key: 'failures/flaky', status: 'success', attempts: 2 });
    expect(events.filter((e) => e.type === 'step_retry')).toHaveLength(1);

    server.failNext('sql_error', { match: 'FLAKY__ASSAY_NEW', code: '000625', message: 'Statement aborted: too many waiters for the lock.', sqlState: '57014' });
    const once = await materialize(defineAssets([flaky()]), { backend, concurrency: 1 });
    expect(once.status).toBe('failed');
    expect(once.assets[0]?.attempts).toBe(1);
    expect(JSON.stringify(once.assets[0]?.error)).toContain('000625');
  });

  it('SQL errors are not retried, even with a retry policy', async () => {
    const broken = sqlAsset({ key: 'failures/broken', retry: { maxRetries: 3, delayMs: 1 } })`select no_such_column from (select 1 as id)`;
    const result = await materialize(defineAssets([broken]), { backend, concurrency: 1 });
    expect(result.status).toBe('failed');
    expect(result.assets[0]?.attempts).toBe(1);
  });

  it('statementTimeoutSeconds cancels long statements with a clear error', async () => {
    const timed = testBackend(server, { statementTimeoutSeconds: 1 });
    try {
      const error = await failure(timed.query('call system$wait(30)'));
      expect(error.code).toBe('ASSAY_SQL');
      expect(error.message).toContain('000630');
      expect(error.hint).toContain('statementTimeoutSeconds');
    } finally {
      await timed.close();
    }
  });
});
