import type { Connection, RowStatement, SnowflakeError } from 'snowflake-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSnowflakeTestServer, type QueryHistoryEntry, type SnowflakeTestServer } from './snowflake-test-server.js';
import { connect, destroy, failure, query, rows } from './__tests__/sdk.js';

/** Polls until `fn` returns a value (bounded by the test timeout, not asserted on time). */
async function until<T>(fn: () => T | undefined): Promise<T> {
  for (;;) {
    const v = fn();
    if (v !== undefined && v !== false) return v;
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Starts a statement and returns it with a promise of its outcome. */
function start(conn: Connection, sqlText: string, extra: Record<string, unknown> = {}): { statement: RowStatement; done: Promise<{ err?: SnowflakeError; rows?: unknown[] }> } {
  let statement!: RowStatement;
  const done = new Promise<{ err?: SnowflakeError; rows?: unknown[] }>((resolve) => {
    statement = conn.execute({ sqlText, ...extra, complete: (err, _s, rows) => resolve(err ? { err } : { rows: rows ?? [] }) });
  });
  return { statement, done };
}

describe('long-running statements, async results and cancellation', () => {
  let server: SnowflakeTestServer;
  let conn: Connection;
  const running = (text: string): QueryHistoryEntry | undefined => server.queryHistory().find((q) => q.sqlText.includes(text) && q.status === 'RUNNING');

  beforeAll(async () => {
    server = await startSnowflakeTestServer({ asyncThresholdMs: 50 });
    conn = await connect(server);
  });
  afterAll(async () => {
    await destroy(conn).catch(() => undefined);
    await server.close();
  });

  it('answers slow statements "in progress" (333333) and the driver polls the result URL', async () => {
    const before = { ...server.stats };
    expect(await rows(conn, "call system$wait(250, 'MILLISECONDS')")).toEqual([{ SYSTEM$WAIT: 'waited 250 milliseconds' }]);
    expect(server.stats.inProgressResponses).toBeGreaterThan(before.inProgressResponses);
    expect(server.stats.resultFetches).toBeGreaterThan(before.resultFetches);
  });

  it('detaches asyncExec statements (333334); status and results come by query id', async () => {
    const { statement, done } = start(conn, "select system$wait(1000, 'MILLISECONDS') as w", { asyncExec: true });
    await done;
    const queryId = statement.getQueryId();
    expect(queryId).toMatch(/^[0-9a-f-]{36}$/);
    expect(await conn.getQueryStatus(queryId)).toBe('RUNNING');
    const fetched = await new Promise<unknown[]>((resolve, reject) => {
      void conn.getResultsFromQueryId({ queryId, complete: (err: SnowflakeError | undefined, _s: unknown, r: unknown[] | undefined) => (err ? reject(err) : resolve(r ?? [])) } as never);
    });
    expect(fetched).toEqual([{ W: 'waited 1000 milliseconds' }]);
    expect(await conn.getQueryStatus(queryId)).toBe('SUCCESS');
  });

  it('reports a failed asyncExec statement through the monitoring endpoint', async () => {
    const { statement, done } = start(conn, 'select * from missing_async_table', { asyncExec: true });
    await done;
    const queryId = statement.getQueryId();
    await until(() => server.queryHistory().find((q) => q.queryId === queryId && q.status === 'FAILED_WITH_ERROR'));
    expect(await conn.getQueryStatus(queryId)).toBe('FAILED_WITH_ERROR');
    await expect(conn.getQueryStatusThrowIfError(queryId)).rejects.toMatchObject({ code: '002003' });
  });

  it('cancels a running SYSTEM$WAIT with statement.cancel() (000604)', async () => {
    const { statement, done } = start(conn, 'call system$wait(60) -- cancel me');
    await until(() => statement.getQueryId());
    await until(() => running('cancel me'));
    const aborts = server.stats.aborts;
    await new Promise<void>((resolve, reject) => statement.cancel((err) => (err ? reject(err) : resolve())));
    const { err } = await done;
    expect(err).toMatchObject({ code: '000604', message: 'SQL execution canceled' });
    expect(server.stats.aborts).toBe(aborts + 1);
    expect(await rows(conn, 'select 1 as still_alive')).toEqual([{ STILL_ALIVE: 1 }]);
  });

  it('interrupts a running DuckDB query (killQuery) and keeps the session usable', async () => {
    const { done } = start(conn, 'select count(*) as n from (select range as a from range(1000000)) x, (select range as b from range(1000000)) y where (a * b) % 7 = 3');
    // Once DuckDB SQL is recorded the statement is inside DuckDB: cancel must interrupt it
    // (uninterrupted, this cross join of 10^12 rows would outlive the test timeout).
    const entry = await until(() => server.queryHistory().find((q) => q.sqlText.includes('range(1000000)') && q.status === 'RUNNING' && q.duckdbSql.length > 0));
    expect(server.killQuery(entry.queryId)).toBe(true);
    expect((await done).err).toMatchObject({ code: '000604' });
    expect(server.queryHistory().find((q) => q.queryId === entry.queryId)?.status).toBe('ABORTED');
    expect(await rows(conn, 'select 2 as after_interrupt')).toEqual([{ AFTER_INTERRUPT: 2 }]);
  });

  it('cancels from another session with SYSTEM$CANCEL_QUERY', async () => {
    const other = await connect(server);
    const { done } = start(conn, 'call system$wait(60) -- cancel from elsewhere');
    const entry = await until(() => running('cancel from elsewhere'));
    const [row] = await rows(other, `select system$cancel_query('${entry.queryId}') as r`);
    expect(row).toEqual({ R: `query [${entry.queryId}] terminated.` });
    expect((await done).err).toMatchObject({ code: '000604' });
    await destroy(other);
  });

  it('enforces STATEMENT_TIMEOUT_IN_SECONDS (000630)', async () => {
    await rows(conn, 'alter session set statement_timeout_in_seconds = 1');
    const err = await failure(conn, 'call system$wait(30)');
    expect(err).toMatchObject({ code: '000630', sqlState: '57014' });
    expect(err.message).toMatch(/timeout of 1 second/);
    await rows(conn, 'alter session unset statement_timeout_in_seconds');
    expect((await query(conn, 'select 1 as ok')).rows).toEqual([{ OK: 1 }]);
  });

  describe('while the driver waits on the query request itself (no in-progress answer yet)', () => {
    let slow: SnowflakeTestServer;
    beforeAll(async () => {
      slow = await startSnowflakeTestServer();
    });
    afterAll(async () => {
      await slow.close();
    });
    const runningOn = (text: string): QueryHistoryEntry | undefined => slow.queryHistory().find((q) => q.sqlText.includes(text) && q.status === 'RUNNING');

    it('cancels by request id, before the driver knows the query id', async () => {
      const c = await connect(slow);
      const { statement, done } = start(c, 'call system$wait(60) -- by request id');
      await until(() => runningOn('by request id'));
      expect(statement.getQueryId()).toBeUndefined();
      await new Promise<void>((resolve, reject) => statement.cancel((err) => (err ? reject(err) : resolve())));
      expect((await done).err).toMatchObject({ code: '000604' });
      await destroy(c);
    });

    it('cancels the statements of a session when the connection is destroyed', async () => {
      const c = await connect(slow);
      // Detached, so no HTTP request is in flight when the driver tears its sockets down.
      const { statement, done } = start(c, 'call system$wait(60) -- destroyed', { asyncExec: true });
      await done;
      await until(() => runningOn('destroyed'));
      const aborts = slow.stats.aborts;
      await destroy(c);
      await until(() => slow.queryHistory().find((q) => q.queryId === statement.getQueryId() && q.status === 'ABORTED'));
      expect(slow.stats.aborts).toBe(aborts + 1);
      expect(slow.queryHistory().find((q) => q.queryId === statement.getQueryId())?.errorCode).toBe('000604');
    });
  });
});
