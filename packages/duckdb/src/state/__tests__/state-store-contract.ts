import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AssayEvent, MaterializationRecord, RunRecord, StateStore, StoredCheckResult } from '@assay/core';

/** Creates a fresh, empty store for one test, and disposes of it afterwards. */
export interface StateStoreFixture {
  create(): Promise<StateStore>;
  dispose?(store: StateStore): Promise<void>;
}

const T0 = Date.parse('2025-03-01T08:00:00.000Z');
/** ISO time `n` seconds after T0, in the `toISOString` form executors emit. */
export function at(n: number): string {
  return new Date(T0 + n * 1000).toISOString();
}

/** A running run record started `n` seconds after T0. */
export function run(runId: string, n: number, extra: Partial<RunRecord> = {}): RunRecord {
  return { runId, status: 'running', startedAt: at(n), selection: 'gold*', backend: 'duckdb', pid: 4242, ...extra };
}

/** A materialization record created `n` seconds after T0. */
export function materialization(runId: string, assetKey: string, n: number, extra: Partial<MaterializationRecord> = {}): MaterializationRecord {
  return {
    runId,
    assetKey,
    dataVersion: `dv-${assetKey}-${n}`,
    codeVersion: `cv-${n}`,
    upstreamVersions: {},
    rowCount: n * 10,
    durationMs: n + 0.5,
    metadata: {},
    createdAt: at(n),
    ...extra,
  };
}

/** A stored check result created `n` seconds after T0; passes when `n` is even. */
export function checkResult(runId: string, assetKey: string, name: string, n: number, extra: Partial<StoredCheckResult> = {}): StoredCheckResult {
  return {
    runId,
    assetKey,
    name,
    type: 'not_null',
    severity: 'error',
    blocking: true,
    passed: n % 2 === 0,
    createdAt: at(n),
    ...extra,
  };
}

/** A log event whose message is `line n`. */
export function logEvent(runId: string, n: number): AssayEvent {
  return { type: 'log', runId, timestamp: at(n), level: 'info', message: `line ${n}` };
}

const byKey = <T extends { assetKey: string; partition?: string | undefined; name?: string }>(a: T, b: T): number =>
  `${a.assetKey}\u0000${a.partition ?? ''}\u0000${a.name ?? ''}`.localeCompare(`${b.assetKey}\u0000${b.partition ?? ''}\u0000${b.name ?? ''}`);

/**
 * The {@link StateStore} contract as executable tests: every implementation must pass it
 * unchanged, so the in-memory and DuckDB stores agree on semantics.
 */
export function describeStateStoreContract(name: string, fixture: StateStoreFixture): void {
  describe(`StateStore contract: ${name}`, () => {
    let store: StateStore;

    beforeEach(async () => {
      store = await fixture.create();
      await store.open();
    });

    afterEach(async () => {
      await store.close();
      await fixture.dispose?.(store);
    });

    describe('runs', () => {
      it('open() is idempotent', async () => {
        await store.open();
        await store.recordRunStart(run('r1', 0));
        await store.open();
        expect((await store.listRuns()).map((r) => r.runId)).toEqual(['r1']);
      });

      it('round-trips a run record, and returns undefined for an unknown run', async () => {
        const record = run('r1', 0);
        await store.recordRunStart(record);
        expect(await store.getRun('r1')).toEqual(record);
        expect(await store.getRun('nope')).toBeUndefined();
      });

      it('keeps optional fields absent when they were not given', async () => {
        await store.recordRunStart({ runId: 'bare', status: 'running', startedAt: at(1) });
        const got = await store.getRun('bare');
        expect(got).toEqual({ runId: 'bare', status: 'running', startedAt: at(1) });
        expect(got?.endedAt).toBeUndefined();
        expect(got?.pid).toBeUndefined();
      });

      it('records the end of a run: status and end time', async () => {
        await store.recordRunStart(run('r1', 0));
        await store.recordRunEnd('r1', 'failed', at(30));
        expect(await store.getRun('r1')).toEqual({ ...run('r1', 0), status: 'failed', endedAt: at(30) });
      });

      it('ignores the end of a run it never saw start', async () => {
        await store.recordRunEnd('ghost', 'success', at(1));
        expect(await store.getRun('ghost')).toBeUndefined();
        expect(await store.listRuns()).toEqual([]);
      });

      it('lists runs newest first, honouring limit', async () => {
        for (let i = 1; i <= 5; i++) await store.recordRunStart(run(`r${i}`, i));
        await store.recordRunEnd('r2', 'success', at(20));
        expect((await store.listRuns()).map((r) => r.runId)).toEqual(['r5', 'r4', 'r3', 'r2', 'r1']);
        expect((await store.listRuns({ limit: 2 })).map((r) => r.runId)).toEqual(['r5', 'r4']);
        expect(await store.listRuns({ limit: 0 })).toEqual([]);
        expect((await store.listRuns({ limit: 50 })).length).toBe(5);
        expect((await store.listRuns()).find((r) => r.runId === 'r2')).toMatchObject({ status: 'success', endedAt: at(20) });
      });

      it('accepts every final status', async () => {
        const statuses = ['success', 'failed', 'canceled', 'abandoned'] as const;
        for (const [i, status] of statuses.entries()) {
          await store.recordRunStart(run(`r${i}`, i));
          await store.recordRunEnd(`r${i}`, status, at(100 + i));
        }
        const runs = await store.listRuns();
        expect(runs.map((r) => r.status)).toEqual([...statuses].reverse());
      });
    });

    describe('events', () => {
      it('returns a run’s events in the order appended, each exactly as given', async () => {
        const events: AssayEvent[] = [
          { type: 'run_start', runId: 'r1', timestamp: at(0), selection: 'gold*', steps: ['a', 'b/c'], backend: 'duckdb' },
          { type: 'step_start', runId: 'r1', timestamp: at(1), assetKey: 'a', reason: 'never materialized' },
          { type: 'step_retry', runId: 'r1', timestamp: at(2), assetKey: 'a', attempt: 1, delayMs: 250, error: { code: 'ASSAY_SQL', message: 'lock "x"' } },
          {
            type: 'materialization',
            runId: 'r1',
            timestamp: at(3),
            assetKey: 'a',
            partition: '2025-03-01',
            dataVersion: 'dv1',
            codeVersion: 'cv1',
            rowCount: 12,
            metadata: { path: 's3://b/k', nested: { list: [1, 'two', null, true] } },
          },
          {
            type: 'check_result',
            runId: 'r1',
            timestamp: at(4),
            assetKey: 'a',
            result: { assetKey: 'a', name: 'nn', type: 'not_null', severity: 'warn', blocking: false, passed: false, failingRows: 2, sample: [{ id: 1, email: null }], message: '2 nulls' },
          },
          { type: 'step_success', runId: 'r1', timestamp: at(5), assetKey: 'a', durationMs: 12.5, rowCount: undefined },
          { type: 'step_failure', runId: 'r1', timestamp: at(6), assetKey: 'b/c', durationMs: 1, error: { name: 'SqlError', message: 'boom' } },
          { type: 'step_skipped', runId: 'r1', timestamp: at(7), assetKey: 'd', reason: 'upstream failed' },
          { type: 'step_canceled', runId: 'r1', timestamp: at(8), assetKey: 'e' },
          { type: 'log', runId: 'r1', timestamp: at(9), level: 'warn', message: 'ünïcödé "quotes" \\ and \n newlines', assetKey: 'a' },
          { type: 'run_end', runId: 'r1', timestamp: at(10), status: 'failed', durationMs: 10_000 },
        ];
        await store.appendEvents(events.slice(0, 4));
        await store.appendEvents(events.slice(4));
        expect(await store.runEvents('r1')).toEqual(events);
      });

      it('keeps runs apart and returns [] for an unknown run', async () => {
        await store.appendEvents([logEvent('r1', 0), logEvent('r2', 1), logEvent('r1', 2)]);
        await store.appendEvents([logEvent('r2', 3)]);
        expect((await store.runEvents('r1')).map((e) => e.timestamp)).toEqual([at(0), at(2)]);
        expect((await store.runEvents('r2')).map((e) => e.timestamp)).toEqual([at(1), at(3)]);
        expect(await store.runEvents('r3')).toEqual([]);
      });

      it('keeps call order when many appends race', async () => {
        const n = 300;
        await Promise.all(Array.from({ length: n }, (_, i) => store.appendEvents([logEvent('r1', i)])));
        const got = await store.runEvents('r1');
        expect(got.map((e) => (e.type === 'log' ? e.message : ''))).toEqual(Array.from({ length: n }, (_, i) => `line ${i}`));
      });

      it('accepts an empty batch', async () => {
        await store.appendEvents([]);
        expect(await store.runEvents('r1')).toEqual([]);
      });
    });

    describe('materializations', () => {
      it('returns the latest materialization per (asset, partition)', async () => {
        await store.recordMaterialization(materialization('r1', 'a', 1));
        await store.recordMaterialization(materialization('r1', 'b', 2));
        await store.recordMaterialization(materialization('r1', 'p', 3, { partition: '2025-01' }));
        await store.recordMaterialization(materialization('r1', 'p', 4, { partition: '2025-02' }));
        await store.recordMaterialization(materialization('r2', 'a', 5));
        await store.recordMaterialization(materialization('r2', 'p', 6, { partition: '2025-01' }));
        const latest = (await store.latestMaterializations()).sort(byKey);
        expect(latest).toEqual([
          materialization('r2', 'a', 5),
          materialization('r1', 'b', 2),
          materialization('r2', 'p', 6, { partition: '2025-01' }),
          materialization('r1', 'p', 4, { partition: '2025-02' }),
        ]);
      });

      it('the latest is the last recorded, whatever its createdAt says', async () => {
        await store.recordMaterialization(materialization('r1', 'a', 9));
        await store.recordMaterialization(materialization('r2', 'a', 1));
        expect(await store.latestMaterializations(['a'])).toEqual([materialization('r2', 'a', 1)]);
      });

      it('filters latest materializations by key', async () => {
        for (const [i, key] of ['a', 'b', 'c/d'].entries()) await store.recordMaterialization(materialization('r1', key, i));
        expect((await store.latestMaterializations(['c/d', 'a', 'zz'])).map((m) => m.assetKey).sort()).toEqual(['a', 'c/d']);
        expect(await store.latestMaterializations([])).toEqual([]);
        expect(await store.latestMaterializations(['zz'])).toEqual([]);
      });

      it('lists one asset’s history newest first, honouring limit', async () => {
        for (let i = 1; i <= 4; i++) await store.recordMaterialization(materialization(`r${i}`, 'a', i));
        await store.recordMaterialization(materialization('r9', 'other', 9));
        expect((await store.assetHistory('a')).map((m) => m.runId)).toEqual(['r4', 'r3', 'r2', 'r1']);
        expect(await store.assetHistory('a', { limit: 2 })).toEqual([materialization('r4', 'a', 4), materialization('r3', 'a', 3)]);
        expect(await store.assetHistory('a', { limit: 0 })).toEqual([]);
        expect(await store.assetHistory('missing')).toEqual([]);
      });

      it('round-trips metadata, upstream versions and optional fields', async () => {
        const record = materialization('r1', 'gold/orders', 3, {
          partition: 'eu',
          upstreamVersions: { 'silver/orders': 'abc123', 'silver/customers': 'def456' },
          rowCount: 13_500_000,
          durationMs: 1234.567,
          metadata: {
            count: 42n,
            huge: 2n ** 70n,
            negative: -7n,
            loadedAt: new Date('2025-03-01T08:00:00.123Z'),
            text: 'a "quoted" \\ ünïcödé string',
            list: [1, 2.5, 'x', null, false, { deep: [[]] }],
            empty: {},
            looksTagged: { $bigint: 'not really' },
          },
        });
        await store.recordMaterialization(record);
        const [got] = await store.assetHistory('gold/orders');
        expect(got).toEqual(record);
        expect(typeof got?.metadata.count).toBe('bigint');
        expect(got?.metadata.loadedAt).toBeInstanceOf(Date);
      });

      it('keeps rowCount and partition absent when not given', async () => {
        await store.recordMaterialization(materialization('r1', 'a', 1, { rowCount: undefined }));
        const [got] = await store.latestMaterializations();
        expect(got?.rowCount).toBeUndefined();
        expect(got?.partition).toBeUndefined();
      });
    });

    describe('check results', () => {
      it('returns the latest result per (asset, check)', async () => {
        await store.recordCheckResults([checkResult('r1', 'a', 'nn', 1), checkResult('r1', 'a', 'uniq', 2), checkResult('r1', 'b', 'nn', 3)]);
        await store.recordCheckResults([checkResult('r2', 'a', 'nn', 4)]);
        const latest = (await store.latestCheckResults()).sort(byKey);
        expect(latest).toEqual([checkResult('r2', 'a', 'nn', 4), checkResult('r1', 'a', 'uniq', 2), checkResult('r1', 'b', 'nn', 3)]);
      });

      it('filters latest check results by key', async () => {
        await store.recordCheckResults([checkResult('r1', 'a', 'nn', 1), checkResult('r1', 'b', 'nn', 2), checkResult('r1', 'c', 'nn', 3)]);
        expect((await store.latestCheckResults(['a', 'c'])).map((c) => c.assetKey).sort()).toEqual(['a', 'c']);
        expect(await store.latestCheckResults([])).toEqual([]);
      });

      it('round-trips every field of a check result', async () => {
        const result = checkResult('r1', 'silver/users', 'accepted_values_status', 1, {
          type: 'accepted_values',
          severity: 'warn',
          blocking: false,
          passed: false,
          partition: '2025-03-01',
          failingRows: 3,
          quarantinedRows: 3,
          message: '3 values not in [a, b]',
          sample: [
            { id: 1n, status: 'x', seen: new Date('2025-01-01T00:00:00.000Z') },
            { id: 2n, status: null, seen: null },
          ],
          metadata: { observed: ['x', null] },
        });
        await store.recordCheckResults([result]);
        expect(await store.latestCheckResults()).toEqual([result]);
      });

      it('accepts an empty batch', async () => {
        await store.recordCheckResults([]);
        expect(await store.latestCheckResults()).toEqual([]);
      });
    });
  });
}
