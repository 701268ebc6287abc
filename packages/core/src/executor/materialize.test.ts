import { describe, expect, it } from 'vitest';
import { asset, sqlAsset, sourceAsset } from '../definitions/asset.js';
import { checks } from '../definitions/checks.js';
import { defineAssets } from '../definitions/define-assets.js';
import { partitions } from '../definitions/partitions.js';
import { partition } from '../definitions/sql.js';
import { NoopBackend } from '../backend/noop-backend.js';
import type { SqlMaterializeRequest } from '../backend/backend.js';
import { AssayError, BackendError } from '../errors.js';
import type { AssayEvent } from '../events.js';
import { MemoryStateStore } from '../state/memory-state-store.js';
import { materialize } from './materialize.js';
import { retryDelay } from './retry.js';

const node = (key: string, deps: string[] = [], extra: Record<string, unknown> = {}) => sqlAsset({ key, deps, ...extra })`select 1`;

/** Tracks which steps are running at once, from events only (no clocks). */
function tracker() {
  const events: AssayEvent[] = [];
  const running = new Set<string>();
  let maxRunning = 0;
  const startedWhileRunning = new Map<string, string[]>();
  return {
    events,
    onEvent: (e: AssayEvent) => {
      events.push(e);
      if (e.type === 'step_start') {
        startedWhileRunning.set(e.assetKey, [...running]);
        running.add(e.assetKey);
        maxRunning = Math.max(maxRunning, running.size);
      }
      if (e.type === 'step_success' || e.type === 'step_failure' || e.type === 'step_canceled') running.delete(e.assetKey);
    },
    get maxRunning() {
      return maxRunning;
    },
    startedWhileRunning,
    order: (type: AssayEvent['type']) => events.filter((e) => e.type === type).map((e) => ('assetKey' in e ? e.assetKey : '')),
  };
}

describe('materialize', () => {
  it('runs every step after all of its upstreams and reports success', async () => {
    const defs = defineAssets([node('raw/a'), node('raw/b'), node('silver/c', ['raw/a', 'raw/b']), node('gold/d', ['silver/c'])]);
    const t = tracker();
    const result = await materialize(defs, { backend: new NoopBackend({ delayMs: 2 }), onEvent: t.onEvent, concurrency: 4 });
    expect(result.status).toBe('success');
    expect(result.assets.map((a) => [a.key, a.status])).toEqual([
      ['raw/a', 'success'],
      ['raw/b', 'success'],
      ['silver/c', 'success'],
      ['gold/d', 'success'],
    ]);
    const ends = t.order('step_success');
    const starts = t.order('step_start');
    expect(starts.indexOf('silver/c')).toBeGreaterThan(-1);
    for (const [key, deps] of [['silver/c', ['raw/a', 'raw/b']], ['gold/d', ['silver/c']]] as const) {
      const startIndex = t.events.findIndex((e) => e.type === 'step_start' && e.assetKey === key);
      for (const d of deps) expect(t.events.findIndex((e) => e.type === 'step_success' && e.assetKey === d)).toBeLessThan(startIndex);
    }
    expect(ends).toHaveLength(4);
    expect(t.events[0]!.type).toBe('run_start');
    expect(t.events.at(-1)!.type).toBe('run_end');
  });

  it('starts a step as soon as its own upstream ends, not when its whole level ends', async () => {
    // slow -> after_slow; fast -> after_fast. after_fast must start while slow still runs.
    const defs = defineAssets([node('slow'), node('fast'), node('after_slow', ['slow']), node('after_fast', ['fast'])]);
    const t = tracker();
    await materialize(defs, { backend: new NoopBackend({ delayMs: (k) => (k === 'slow' ? 150 : 1) }), onEvent: t.onEvent, concurrency: 4 });
    expect(t.startedWhileRunning.get('after_fast')).toContain('slow');
  });

  it('never runs more steps than the concurrency limit, nor more than a pool allows', async () => {
    const many = Array.from({ length: 8 }, (_, i) => node(`n${i}`, [], i % 2 === 0 ? { pool: 'warehouse' } : {}));
    const defs = defineAssets(many);
    const t = tracker();
    const inPool = new Set<string>();
    let maxInPool = 0;
    const result = await materialize(defs, {
      backend: new NoopBackend({ delayMs: 5 }),
      concurrency: 3,
      pools: { warehouse: 1 },
      onEvent: (e) => {
        t.onEvent(e);
        const pooled = 'assetKey' in e && e.assetKey && Number(e.assetKey.slice(1)) % 2 === 0;
        if (e.type === 'step_start' && pooled) inPool.add(e.assetKey);
        if (e.type === 'step_success' && pooled) inPool.delete(e.assetKey);
        maxInPool = Math.max(maxInPool, inPool.size);
      },
    });
    expect(result.status).toBe('success');
    expect(t.maxRunning).toBe(3);
    expect(maxInPool).toBe(1);
  });

  it('retries transient errors with backoff and gives up on fatal ones', async () => {
    const defs = defineAssets([node('flaky', [], { retry: { maxRetries: 3, delayMs: 1 } }), node('broken', [], { retry: { maxRetries: 3, delayMs: 1 } })]);
    const backend = new NoopBackend({
      fail: (key, attempt) =>
        key === 'flaky' && attempt < 3 ? new BackendError('lock conflict', { transient: true }) : key === 'broken' ? new BackendError('syntax error') : undefined,
    });
    const t = tracker();
    const result = await materialize(defs, { backend, onEvent: t.onEvent });
    const flaky = result.assets.find((a) => a.key === 'flaky')!;
    expect(flaky).toMatchObject({ status: 'success', attempts: 3 });
    expect(t.events.filter((e) => e.type === 'step_retry' && e.assetKey === 'flaky')).toHaveLength(2);
    expect(result.assets.find((a) => a.key === 'broken')).toMatchObject({ status: 'failed', attempts: 1 });
    expect(backend.attempts.get('broken')).toBe(1);
  });

  it('computes exponential delays with jitter inside [0.5, 1] of the capped delay', () => {
    const policy = { maxRetries: 5, delayMs: 100, backoff: 3, maxDelayMs: 1000 };
    expect(retryDelay({ ...policy, jitter: false }, 1)).toBe(100);
    expect(retryDelay({ ...policy, jitter: false }, 2)).toBe(300);
    expect(retryDelay({ ...policy, jitter: false }, 4)).toBe(1000);
    expect(retryDelay(policy, 2, () => 0)).toBe(150);
    expect(retryDelay(policy, 2, () => 1)).toBe(300);
  });

  it('skips only the downstream of a failure; independent branches finish', async () => {
    const defs = defineAssets([node('a'), node('b', ['a']), node('c', ['b']), node('x'), node('y', ['x'])]);
    const result = await materialize(defs, { backend: new NoopBackend({ fail: (k) => (k === 'a' ? new Error('boom') : undefined) }) });
    const byKey = Object.fromEntries(result.assets.map((a) => [a.key, a]));
    expect(result.status).toBe('failed');
    expect(byKey.a!.status).toBe('failed');
    expect(byKey.a!.error).toMatchObject({ code: 'ASSAY_ASSET_FAILED' });
    expect(byKey.a!.error!.message).toContain('boom');
    expect(byKey.b).toMatchObject({ status: 'skipped', reason: 'upstream failed: a' });
    expect(byKey.c).toMatchObject({ status: 'skipped', reason: 'upstream failed: a' });
    expect(byKey.x!.status).toBe('success');
    expect(byKey.y!.status).toBe('success');
  });

  it('wraps user-code errors with the asset key and keeps the original as cause', async () => {
    const original = new TypeError('cannot read x of undefined');
    const defs = defineAssets([asset({ key: 'ml/model' }, () => { throw original; })]);
    const t = tracker();
    const result = await materialize(defs, { backend: new NoopBackend(), onEvent: t.onEvent });
    expect(result.assets[0]!.error).toMatchObject({ code: 'ASSAY_ASSET_FAILED', message: 'Asset "ml/model" failed: cannot read x of undefined' });
    const failure = t.events.find((e) => e.type === 'step_failure');
    expect(failure).toMatchObject({ assetKey: 'ml/model', error: { code: 'ASSAY_ASSET_FAILED', cause: { name: 'TypeError' } } });
  });

  it('stops the downstream of a failed blocking check, not of a warning', async () => {
    const defs = defineAssets([
      node('a', [], { checks: [checks.notNull('id')] }),
      node('a_down', ['a']),
      node('w', [], { checks: [checks.notNull('id', { severity: 'warn' })] }),
      node('w_down', ['w']),
    ]);
    const backend = new NoopBackend({ failChecks: () => ['not_null_id'] });
    const result = await materialize(defs, { backend });
    const byKey = Object.fromEntries(result.assets.map((a) => [a.key, a]));
    expect(byKey.a).toMatchObject({ status: 'success', checks: [{ name: 'not_null_id', passed: false, severity: 'error', blocking: true }] });
    expect(byKey.a_down).toMatchObject({ status: 'skipped', reason: 'blocking check failed: a not_null_id' });
    expect(byKey.w_down!.status).toBe('success');
    expect(result.status).toBe('failed'); // an error-severity check failed

    const warnOnly = await materialize(defineAssets([node('w', [], { checks: [checks.notNull('id', { severity: 'warn' })] })]), { backend });
    expect(warnOnly.status).toBe('success');
  });

  it('runs TypeScript checks with a query function, and counts a throwing check as failed', async () => {
    const defs = defineAssets([
      node('a', [], {
        checks: [checks.fn('positive', async (ctx) => (await ctx.query('select 1')).length === 0), checks.fn('throws', () => { throw new Error('nope'); }, { severity: 'warn' })],
      }),
    ]);
    const result = await materialize(defs, { backend: new NoopBackend() });
    expect(result.assets[0]!.checks).toMatchObject([
      { name: 'positive', passed: true },
      { name: 'throws', passed: false, message: 'check threw: nope' },
    ]);
  });

  it('cancels through an AbortSignal: running steps see it, nothing new starts, the run ends canceled', async () => {
    const defs = defineAssets([node('long'), node('after', ['long']), node('other', [], { pool: 'p' }), node('queued', [], { pool: 'p' })]);
    const controller = new AbortController();
    const t = tracker();
    const result = await materialize(defs, {
      backend: new NoopBackend({ delayMs: 10_000 }),
      pools: { p: 1 },
      signal: controller.signal,
      onEvent: (e) => {
        t.onEvent(e);
        if (e.type === 'step_start' && e.assetKey === 'long') setTimeout(() => controller.abort(), 20);
      },
    });
    expect(result.status).toBe('canceled');
    expect(result.assets.map((a) => a.status)).toEqual(['canceled', 'canceled', 'canceled', 'canceled']);
    expect(t.order('step_canceled').sort()).toEqual(['after', 'long', 'other', 'queued']);
    expect(t.order('step_start')).not.toContain('after');
  });

  it('stops everything after the first failure with failFast', async () => {
    const defs = defineAssets([node('bad'), node('slow')]);
    const result = await materialize(defs, {
      backend: new NoopBackend({ delayMs: (k) => (k === 'slow' ? 10_000 : 1), fail: (k) => (k === 'bad' ? new Error('x') : undefined) }),
      failFast: true,
    });
    expect(result.status).toBe('failed');
    expect(result.assets.find((a) => a.key === 'slow')!.status).toBe('canceled');
  });

  it('renders SQL for the backend and gives compute assets a context', async () => {
    const seen: SqlMaterializeRequest[] = [];
    class Recording extends NoopBackend {
      override materializeSql(request: SqlMaterializeRequest) {
        seen.push(request);
        return super.materializeSql(request);
      }
    }
    const src = sourceAsset({ key: 'raw/events' });
    const daily = sqlAsset({ key: 'silver/events', partitions: partitions.daily('2024-01-01', '2024-01-03') })`select * from ${src} where day = ${partition.key} and n > ${5}`;
    let ctxSeen: Record<string, unknown> = {};
    const report = asset({ key: 'gold/report', deps: [daily] }, async (ctx) => {
      ctx.logger.info('hello from user code');
      ctx.addMetadata({ answer: 42 });
      ctxSeen = { upstream: Object.keys(ctx.upstream), relation: ctx.relation(), partition: ctx.partition, runId: ctx.runId };
      return { rowCount: 7, metadata: { extra: true } };
    });
    const t = tracker();
    const result = await materialize(defineAssets([src, daily, report]), { backend: new Recording(), partition: { from: '2024-01-02', to: '2024-01-03' }, onEvent: t.onEvent });
    expect(result.status).toBe('success');
    expect(seen.map((r) => [r.sql.text, r.sql.params, r.partition?.key])).toEqual([
      ['select * from "raw"."events" where day = ? and n > ?', ['2024-01-02', 5], '2024-01-02'],
      ['select * from "raw"."events" where day = ? and n > ?', ['2024-01-03', 5], '2024-01-03'],
    ]);
    expect(seen[0]!.partition!.window).toEqual({ start: '2024-01-02T00:00:00.000Z', end: '2024-01-03T00:00:00.000Z' });
    expect(ctxSeen).toEqual({ upstream: ['silver/events'], relation: '"gold"."report"', partition: undefined, runId: result.runId });
    const gold = result.assets.find((a) => a.key === 'gold/report')!;
    expect(gold).toMatchObject({ rowCount: 7, metadata: { answer: 42, extra: true } });
    expect(t.events.find((e) => e.type === 'log')).toMatchObject({ message: 'hello from user code', assetKey: 'gold/report', level: 'info' });
    expect(result.assets.find((a) => a.key === 'silver/events')!.partitions).toEqual(['2024-01-02', '2024-01-03']);
  });

  it('rejects a partition outside an asset partitions with a clear error', async () => {
    const daily = sqlAsset({ key: 'silver/events', partitions: partitions.daily('2024-01-01', '2024-01-03') })`select 1`;
    await expect(materialize(defineAssets([daily]), { backend: new NoopBackend(), partition: '2023-12-31' })).rejects.toMatchObject({ code: 'ASSAY_PARTITION', assetKey: 'silver/events' });
  });

  it('records runs, events, materializations and check results in the state store', async () => {
    const state = new MemoryStateStore();
    const defs = defineAssets([node('a', [], { checks: [checks.rowCount({ min: 0 })] }), node('b', ['a'])]);
    const result = await materialize(defs, { backend: new NoopBackend(), state });
    const run = await state.getRun(result.runId);
    expect(run).toMatchObject({ status: 'success', backend: 'noop', pid: process.pid });
    const events = await state.runEvents(result.runId);
    expect(events[0]!.type).toBe('run_start');
    expect(events.at(-1)!.type).toBe('run_end');
    expect(events.filter((e) => e.type === 'materialization')).toHaveLength(2);
    const latest = await state.latestMaterializations();
    const b = latest.find((m) => m.assetKey === 'b')!;
    expect(b.upstreamVersions).toEqual({ a: latest.find((m) => m.assetKey === 'a')!.dataVersion });
    expect(await state.latestCheckResults()).toMatchObject([{ assetKey: 'a', name: 'row_count', passed: true }]);
  });

  it('re-runs nothing with stale when nothing changed, and the changed asset plus downstream when code changes', async () => {
    const state = new MemoryStateStore();
    const backend = new NoopBackend();
    const v1 = defineAssets([node('a'), node('b', ['a']), node('c', ['b']), node('z')]);
    await materialize(v1, { backend, state });
    const again = await materialize(v1, { backend, state, stale: true });
    expect(again.plan.steps).toEqual([]);
    expect(again.assets.every((a) => a.status === 'skipped' && a.reason!.startsWith('up to date'))).toBe(true);
    const v2 = defineAssets([node('a'), sqlAsset({ key: 'b', deps: ['a'] })`select 2`, node('c', ['b']), node('z')]);
    const third = await materialize(v2, { backend, state, stale: true });
    expect(third.plan.steps.map((s) => [s.key, s.reason])).toEqual([
      ['b', 'code version changed'],
      ['c', 'upstream changed: b'],
    ]);
  });

  it('raises no error for an empty plan', async () => {
    const result = await materialize(defineAssets([node('a')]), { backend: new NoopBackend(), select: 'nothing-matches' });
    expect(result).toMatchObject({ status: 'success', assets: [] });
  });

  it('is an AssayError for every failure it reports', async () => {
    const result = await materialize(defineAssets([node('a')]), { backend: new NoopBackend({ fail: () => 'a string was thrown' }) });
    expect(result.assets[0]!.error!.code).toBe('ASSAY_ASSET_FAILED');
    expect(new BackendError('x')).toBeInstanceOf(AssayError);
  });
});

describe('materialize failure details', () => {
  it('carries the failing statement and position of a SQL error in the result', async () => {
    const { SqlError } = await import('../errors.js');
    const failing = new SqlError('Parser Error: syntax error at or near "fromm"', 'select 1 fromm t', { position: 10, assetKey: 'a' });
    const result = await materialize(defineAssets([node('a')]), { backend: new NoopBackend({ fail: () => failing }) });
    expect(result.assets[0]!.error).toMatchObject({ code: 'ASSAY_SQL', sql: 'select 1 fromm t', position: 10 });
    // Wrapped errors keep it too.
    const wrapped = await materialize(defineAssets([node('a')]), { backend: new NoopBackend({ fail: () => new BackendError('outer', { cause: new SqlError('inner', 'select x', { position: 8 }) }) }) });
    expect(wrapped.assets[0]!.error).toMatchObject({ sql: 'select x', position: 8 });
  });
});

describe('row counts and quarantine', () => {
  it('records the row count left after checks quarantined rows', async () => {
    const { ingestAsset } = await import('../definitions/asset.js');
    class Quarantining extends NoopBackend {
      override async ingest() {
        return { rowCount: 10, metadata: { rowsLoaded: 10 } };
      }
      override async runChecks(request: import('../backend/backend.js').CheckRequest) {
        return request.checks.map((c) => ({ name: c.name, passed: true, failingRows: 3, quarantinedRows: 3 }));
      }
    }
    const raw = ingestAsset({ key: 'raw/x', path: 'none/*.csv', format: 'csv', quarantine: true, checks: [checks.notNull('id')] });
    const state = new MemoryStateStore();
    const result = await materialize(defineAssets([raw]), { backend: new Quarantining(), state });
    expect(result.assets[0]).toMatchObject({ rowCount: 7, metadata: { rowsLoaded: 10, quarantinedRows: 3 } });
    expect((await state.latestMaterializations())[0]).toMatchObject({ rowCount: 7 });
  });
});
