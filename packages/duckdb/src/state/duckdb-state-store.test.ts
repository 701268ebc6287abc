import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { DuckDBInstance } from '@duckdb/node-api';
import { AssayError } from '@assay/core';
import { DEFAULT_STATE_PATH, DuckDbStateStore, duckdbState, type DuckDbStateOptions } from './duckdb-state-store.js';
import { STATE_SCHEMA_VERSION } from './state-schema.js';
import { at, checkResult, logEvent, materialization, run } from './__tests__/state-store-contract.js';

const dir = mkdtempSync(join(tmpdir(), 'assay-state-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const fresh = (): string => join(dir, `s${n++}`, 'state.duckdb');

const stores: DuckDbStateStore[] = [];
function store(path: string, options: Omit<DuckDbStateOptions, 'path'> = {}): DuckDbStateStore {
  const s = new DuckDbStateStore({ path, ...options });
  stores.push(s);
  return s;
}
afterEach(async () => {
  await Promise.all(stores.splice(0).map((s) => s.close().catch(() => undefined)));
});

/** Runs SQL on a state file directly, the way a user with the DuckDB CLI would. */
async function sqlOn(path: string, sql: string): Promise<Record<string, unknown>[]> {
  const instance = await DuckDBInstance.create(path);
  try {
    const connection = await instance.connect();
    try {
      return (await connection.runAndReadAll(sql)).getRowObjectsJS() as Record<string, unknown>[];
    } finally {
      connection.closeSync();
    }
  } finally {
    instance.closeSync();
  }
}

async function rejection(promise: Promise<unknown>): Promise<AssayError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AssayError);
  return error as AssayError;
}

/** The pid of a process that has certainly exited. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', '']);
  expect(child.pid).toBeGreaterThan(0);
  return child.pid ?? 0;
}

describe('duckdbState()', () => {
  it('defaults to .assay/state.duckdb under the working directory, resolved once', () => {
    expect(DEFAULT_STATE_PATH).toBe('.assay/state.duckdb');
    expect(duckdbState().path).toBe(resolve('.assay/state.duckdb'));
    expect(duckdbState({ path: 'x/y.duckdb' }).path).toBe(resolve('x/y.duckdb'));
    expect(duckdbState({ path: ':memory:' }).path).toBe(':memory:');
  });
});

describe('DuckDbStateStore: the file', () => {
  it('creates the directory, the tables and schema version 1', async () => {
    const path = fresh();
    const s = store(path);
    await s.open();
    await s.close();
    const tables = await sqlOn(path, `SELECT table_name FROM information_schema.tables ORDER BY table_name`);
    expect(tables.map((t) => t.table_name)).toEqual(['check_results', 'events', 'materializations', 'runs', 'schema_version']);
    const versions = await sqlOn(path, 'SELECT version FROM schema_version');
    expect(versions).toEqual([{ version: 1 }]);
    expect(STATE_SCHEMA_VERSION).toBe(1);
  });

  it('keeps everything across close and reopen, and keeps ordering after it', async () => {
    const path = fresh();
    const first = store(path);
    await first.recordRunStart(run('r1', 1));
    await first.appendEvents([logEvent('r1', 1), logEvent('r1', 2)]);
    await first.recordMaterialization(materialization('r1', 'a', 1));
    await first.recordCheckResults([checkResult('r1', 'a', 'nn', 1)]);
    await first.recordRunEnd('r1', 'success', at(9));
    await first.close();

    const second = store(path);
    await second.open();
    await second.recordRunStart(run('r2', 2));
    await second.appendEvents([logEvent('r1', 3)]);
    await second.recordMaterialization(materialization('r2', 'a', 2));
    expect((await second.listRuns()).map((r) => r.runId)).toEqual(['r2', 'r1']);
    expect(await second.getRun('r1')).toEqual({ ...run('r1', 1), status: 'success', endedAt: at(9) });
    expect((await second.runEvents('r1')).map((e) => e.timestamp)).toEqual([at(1), at(2), at(3)]);
    expect((await second.assetHistory('a')).map((m) => m.runId)).toEqual(['r2', 'r1']);
    expect(await second.latestCheckResults()).toEqual([checkResult('r1', 'a', 'nn', 1)]);
  });

  it('stores queryable columns and JSON next to the payload', async () => {
    const path = fresh();
    const s = store(path);
    await s.appendEvents([{ type: 'step_start', runId: 'r1', timestamp: at(5), assetKey: 'silver/x', partition: '2025-03', reason: 'code changed' }]);
    await s.recordMaterialization(materialization('r1', 'silver/x', 1, { metadata: { rows: 5n } }));
    await s.close();
    const [event] = await sqlOn(path, `SELECT run_id, type, asset_key, partition_key, ts, payload->>'$.reason' AS reason FROM events`);
    expect(event).toEqual({ run_id: 'r1', type: 'step_start', asset_key: 'silver/x', partition_key: '2025-03', ts: new Date(at(5)), reason: 'code changed' });
    const [m] = await sqlOn(path, `SELECT row_count, metadata->>'$.rows."$bigint"' AS rows FROM materializations`);
    expect(m).toEqual({ row_count: 10n, rows: '5' });
  });

  it('refuses a file written by a newer schema', async () => {
    const path = fresh();
    const s = store(path);
    await s.open();
    await s.close();
    await sqlOn(path, `INSERT INTO schema_version (version, description) VALUES (${STATE_SCHEMA_VERSION + 1}, 'from the future')`);
    const error = await rejection(store(path).open());
    expect(error.code).toBe('ASSAY_STATE');
    expect(error.message).toContain(`schema version ${STATE_SCHEMA_VERSION + 1}`);
    expect(error.hint).toMatch(/newer/);
  });

  it('works in memory', async () => {
    const s = store(':memory:');
    await s.recordRunStart(run('r1', 0));
    expect((await s.listRuns()).length).toBe(1);
  });
});

describe('DuckDbStateStore: lifecycle', () => {
  it('opens on first use', async () => {
    const s = store(fresh());
    await s.appendEvents([logEvent('r1', 0)]);
    expect(await s.runEvents('r1')).toHaveLength(1);
  });

  it('refuses calls after close() until open() again', async () => {
    const s = store(fresh());
    await s.recordRunStart(run('r1', 0));
    await s.close();
    await s.close();
    for (const call of [s.appendEvents([logEvent('r1', 1)]), s.listRuns(), s.recordRunStart(run('r2', 1))]) {
      const error = await rejection(call);
      expect(error.code).toBe('ASSAY_STATE');
      expect(error.message).toMatch(/closed/);
    }
    await s.open();
    expect((await s.listRuns()).map((r) => r.runId)).toEqual(['r1']);
  });

  it('lets only one store in this process hold a file: the second waits, then fails with ASSAY_LOCKED', async () => {
    const path = fresh();
    const first = store(path);
    await first.open();
    const error = await rejection(store(path, { lockTimeoutMs: 100 }).open());
    expect(error.code).toBe('ASSAY_LOCKED');
    expect(error.message).toContain(path);
    expect(error.transient).toBe(true);

    const waiting = store(path, { lockTimeoutMs: 20_000 });
    const opened = waiting.open();
    await first.recordRunStart(run('r1', 0));
    await first.close();
    await opened;
    expect((await waiting.listRuns()).map((r) => r.runId)).toEqual(['r1']);
  });
});

describe('DuckDbStateStore: validation', () => {
  it('rejects invalid times with the asset key, buffering nothing', async () => {
    const s = store(fresh());
    const error = await rejection(s.recordMaterialization(materialization('r1', 'gold/x', 1, { createdAt: 'yesterday-ish' })));
    expect(error.code).toBe('ASSAY_STATE');
    expect(error.assetKey).toBe('gold/x');
    expect(error.message).toContain('yesterday-ish');
    expect((await rejection(s.recordRunStart(run('r1', 0, { startedAt: 'soon' })))).code).toBe('ASSAY_STATE');
    expect(await s.latestMaterializations()).toEqual([]);
  });

  it('rejects metadata that is not JSON-serializable, keeping the cause', async () => {
    const s = store(fresh());
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    const error = await rejection(s.recordMaterialization(materialization('r1', 'gold/x', 1, { metadata: circular })));
    expect(error.code).toBe('ASSAY_STATE');
    expect(error.assetKey).toBe('gold/x');
    expect(error.cause).toBeInstanceOf(TypeError);
    expect(await s.assetHistory('gold/x')).toEqual([]);
  });

  it('rejects a negative or fractional limit', async () => {
    const s = store(fresh());
    expect((await rejection(s.listRuns({ limit: -1 }))).code).toBe('ASSAY_STATE');
    expect((await rejection(s.assetHistory('a', { limit: 1.5 }))).code).toBe('ASSAY_STATE');
  });
});

describe('DuckDbStateStore: batching', () => {
  it('buffers writes and flushes before any read', async () => {
    const s = store(fresh(), { flushIntervalMs: 60_000, flushRows: 100_000 });
    await s.appendEvents([logEvent('r1', 0)]);
    await s.recordMaterialization(materialization('r1', 'a', 1));
    expect(s.hasBufferedWrites()).toBe(true);
    expect(await s.latestMaterializations()).toHaveLength(1);
    expect(s.hasBufferedWrites()).toBe(false);
  });

  it('writes when the buffer reaches flushRows', async () => {
    const s = store(fresh(), { flushIntervalMs: 60_000, flushRows: 10 });
    for (let i = 0; i < 9; i++) await s.appendEvents([logEvent('r1', i)]);
    expect(s.hasBufferedWrites()).toBe(true);
    await s.appendEvents([logEvent('r1', 9)]);
    expect(s.hasBufferedWrites()).toBe(false);
  });

  it('writes on its own after flushIntervalMs', async () => {
    const s = store(fresh(), { flushIntervalMs: 20 });
    await s.appendEvents([logEvent('r1', 0)]);
    await vi.waitFor(() => expect(s.hasBufferedWrites()).toBe(false), { timeout: 10_000, interval: 10 });
  });

  it('writes the buffer before recording a run end', async () => {
    const s = store(fresh(), { flushIntervalMs: 60_000, flushRows: 100_000 });
    await s.recordRunStart(run('r1', 0));
    await s.appendEvents([logEvent('r1', 1)]);
    await s.recordRunEnd('r1', 'success', at(2));
    expect(s.hasBufferedWrites()).toBe(false);
  });

  it('loses nothing on close and keeps the order of a large interleaved run', async () => {
    const path = fresh();
    const s = store(path, { flushIntervalMs: 60_000, flushRows: 500 });
    const assets = 300;
    const pending: Promise<void>[] = [];
    await s.recordRunStart(run('big', 0));
    for (let i = 0; i < assets; i++) {
      // Not awaited one by one: the executor's calls overlap like this.
      pending.push(s.appendEvents([{ type: 'step_start', runId: 'big', timestamp: at(i), assetKey: `k${i}`, reason: 'r' }]));
      pending.push(s.recordMaterialization(materialization('big', `k${i}`, i)));
      pending.push(s.recordCheckResults([checkResult('big', `k${i}`, 'nn', i)]));
      pending.push(s.appendEvents([{ type: 'step_success', runId: 'big', timestamp: at(i), assetKey: `k${i}`, durationMs: i, rowCount: i }]));
    }
    await Promise.all(pending);
    await s.close();

    const counts = await sqlOn(path, `SELECT (SELECT count(*) FROM events) AS e, (SELECT count(*) FROM materializations) AS m, (SELECT count(*) FROM check_results) AS c,
      (SELECT count(DISTINCT seq) = count(*) AND min(seq) = 0 AND max(seq) = count(*) - 1 FROM events) AS dense`);
    expect(counts).toEqual([{ e: BigInt(2 * assets), m: BigInt(assets), c: BigInt(assets), dense: true }]);

    const reopened = store(path);
    const events = await reopened.runEvents('big');
    expect(events.map((e) => `${e.type}:${'assetKey' in e ? e.assetKey : ''}`)).toEqual(
      Array.from({ length: assets }, (_, i) => [`step_start:k${i}`, `step_success:k${i}`]).flat(),
    );
    expect(await reopened.latestMaterializations()).toHaveLength(assets);
  });
});

describe('DuckDbStateStore: abandoned runs', () => {
  it('marks running runs of dead processes abandoned on open, and only those', async () => {
    const path = fresh();
    const dead = deadPid();
    const s = store(path);
    await s.recordRunStart(run('dead', 0, { pid: dead }));
    await s.recordRunStart(run('alive', 1, { pid: process.ppid }));
    await s.recordRunStart(run('mine', 2, { pid: process.pid }));
    await s.recordRunStart(run('no-pid', 3, { pid: undefined }));
    await s.recordRunStart(run('finished', 4, { pid: dead }));
    await s.recordRunEnd('finished', 'success', at(5));
    await s.close();

    const before = Date.now();
    const reopened = store(path);
    await reopened.open();
    expect(reopened.abandonedRunIds).toEqual(['dead']);
    const runs = Object.fromEntries((await reopened.listRuns()).map((r) => [r.runId, r]));
    expect(runs.dead?.status).toBe('abandoned');
    expect(Date.parse(runs.dead?.endedAt ?? '')).toBeGreaterThanOrEqual(before - 1000);
    expect(runs.alive?.status).toBe('running');
    expect(runs.mine?.status).toBe('running');
    expect(runs['no-pid']?.status).toBe('running');
    expect(runs.finished).toMatchObject({ status: 'success', endedAt: at(5) });
  });
});
