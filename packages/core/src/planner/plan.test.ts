import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ingestAsset, sourceAsset, sqlAsset } from '../definitions/asset.js';
import { defineAssets } from '../definitions/define-assets.js';
import { NoopBackend } from '../backend/noop-backend.js';
import { materialize } from '../executor/materialize.js';
import { MemoryStateStore } from '../state/memory-state-store.js';
import { fingerprintFiles } from './observe-source.js';
import { plan } from './plan.js';

function project() {
  const dir = mkdtempSync(join(tmpdir(), 'assay-plan-'));
  writeFileSync(join(dir, 'orders.csv'), 'id\n1\n');
  const src = sourceAsset({ key: 'raw/orders', path: 'orders.csv' });
  const staged = sqlAsset({ key: 'bronze/orders' })`select * from ${src}`;
  const clean = sqlAsset({ key: 'silver/orders', materialize: 'incremental', incremental: { strategy: 'merge', uniqueKey: 'id' } })`select * from ${staged}`;
  const other = sqlAsset({ key: 'silver/other' })`select 1`;
  return { dir, defs: defineAssets([src, staged, clean, other]) };
}

describe('plan', () => {
  it('says "never materialized" without state and "selected" for up-to-date assets without stale', async () => {
    const { dir, defs } = project();
    const state = new MemoryStateStore();
    const first = await plan(defs, { projectDir: dir, state });
    expect(first.steps.map((s) => [s.key, s.reasonCode])).toEqual([
      ['raw/orders', 'never_materialized'],
      ['bronze/orders', 'never_materialized'],
      ['silver/orders', 'never_materialized'],
      ['silver/other', 'never_materialized'],
    ]);
    await materialize(defs, { backend: new NoopBackend(), state, projectDir: dir });
    const second = await plan(defs, { projectDir: dir, state });
    expect(second.steps.map((s) => s.reason)).toEqual(['selected', 'selected', 'selected', 'selected']);
    expect(second.skipped).toEqual([]);
    const full = await plan(defs, { projectDir: dir, state, fullRefresh: true });
    expect(full.steps.find((s) => s.key === 'silver/orders')!.reason).toBe('full refresh');
  });

  it('with stale, runs what a changed source file makes out of date and skips the rest with a reason', async () => {
    const { dir, defs } = project();
    const state = new MemoryStateStore();
    await materialize(defs, { backend: new NoopBackend(), state, projectDir: dir });
    const unchanged = await plan(defs, { projectDir: dir, state, stale: true });
    expect(unchanged.steps).toEqual([]);
    expect(unchanged.skipped.map((s) => s.key)).toEqual(['raw/orders', 'bronze/orders', 'silver/orders', 'silver/other']);
    expect(unchanged.skipped[0]!.reason).toMatch(/^up to date \(data version [0-9a-f]{16}\)$/);

    writeFileSync(join(dir, 'orders.csv'), 'id\n1\n2\n');
    const changed = await plan(defs, { projectDir: dir, state, stale: true });
    expect(changed.steps.map((s) => [s.key, s.reason])).toEqual([
      ['raw/orders', 'source changed'],
      ['bronze/orders', 'upstream changed: raw/orders'],
      ['silver/orders', 'upstream changed: bronze/orders'],
    ]);
    expect(changed.skipped.map((s) => s.key)).toEqual(['silver/other']);
  });

  it('sees upstream changes recorded by other runs even when the upstream is not selected', async () => {
    const { dir, defs } = project();
    const state = new MemoryStateStore();
    await materialize(defs, { backend: new NoopBackend(), state, projectDir: dir });
    writeFileSync(join(dir, 'orders.csv'), 'id\n9\n');
    // Only the source and bronze are refreshed...
    await materialize(defs, { backend: new NoopBackend(), state, projectDir: dir, select: 'raw/orders,bronze/orders' });
    // ...so silver is now behind bronze.
    const p = await plan(defs, { projectDir: dir, state, stale: true, select: 'silver/orders' });
    expect(p.steps.map((s) => [s.key, s.reason])).toEqual([['silver/orders', 'upstream changed: bronze/orders']]);
  });

  it('fingerprints ingestion inputs: new files make the ingestion asset stale', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'assay-ingest-'));
    writeFileSync(join(dir, 'a.jsonl'), '{"x":1}\n');
    const raw = ingestAsset({ key: 'bronze/raw', path: '*.jsonl', format: 'jsonl' });
    const defs = defineAssets([raw]);
    const state = new MemoryStateStore();
    await materialize(defs, { backend: new NoopBackend(), state, projectDir: dir });
    expect((await plan(defs, { projectDir: dir, state, stale: true })).steps).toEqual([]);
    writeFileSync(join(dir, 'b.jsonl'), '{"x":2}\n');
    expect((await plan(defs, { projectDir: dir, state, stale: true })).steps.map((s) => s.reason)).toEqual(['new or changed files']);
  });

  it('fingerprints files by content for small files', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'assay-fp-'));
    writeFileSync(join(dir, 'a.csv'), 'x\n');
    const before = await fingerprintFiles(['*.csv'], dir);
    writeFileSync(join(dir, 'a.csv'), 'x\n'); // rewritten, same bytes
    expect((await fingerprintFiles(['*.csv'], dir)).version).toBe(before.version);
    writeFileSync(join(dir, 'a.csv'), 'y\n');
    expect((await fingerprintFiles(['*.csv'], dir)).version).not.toBe(before.version);
    expect(before).toMatchObject({ files: 1, bytes: 2 });
  });
});

describe('plan with files written during the run', () => {
  it('re-ingests in the same stale run when an upstream step rewrites the files, and is up to date after', async () => {
    const { asset } = await import('../definitions/asset.js');
    const { mkdirSync } = await import('node:fs');
    const dir = mkdtempSync(join(tmpdir(), 'assay-producer-'));
    writeFileSync(join(dir, 'trigger.txt'), '1');
    mkdirSync(join(dir, 'out'));
    const trigger = sourceAsset({ key: 'src/trigger', path: 'trigger.txt' });
    let part = 0;
    const producer = asset({ key: 'bronze/producer', deps: [trigger] }, () => {
      writeFileSync(join(dir, 'out', `part-${part++}.csv`), 'x\n1\n');
    });
    const loaded = ingestAsset({ key: 'silver/loaded', path: 'out/*.csv', format: 'csv', deps: [producer] });
    const summary = sqlAsset({ key: 'gold/summary' })`select count(*) from ${loaded}`;
    const defs = defineAssets([trigger, producer, loaded, summary]);
    const state = new MemoryStateStore();
    const backend = new NoopBackend();
    const keysRun = async () => (await materialize(defs, { backend, state, projectDir: dir, stale: true })).assets.filter((a) => a.status === 'success').map((a) => a.key);

    expect(await keysRun()).toEqual(['src/trigger', 'bronze/producer', 'silver/loaded', 'gold/summary']);
    expect(await keysRun()).toEqual([]);
    writeFileSync(join(dir, 'trigger.txt'), '2');
    const p = await plan(defs, { projectDir: dir, state, stale: true });
    expect(p.steps.map((s) => [s.key, s.reason])).toEqual([
      ['src/trigger', 'source changed'],
      ['bronze/producer', 'upstream changed: src/trigger'],
      ['silver/loaded', 'upstream changed: bronze/producer'],
      ['gold/summary', 'upstream changed: silver/loaded'],
    ]);
    expect(await keysRun()).toEqual(['src/trigger', 'bronze/producer', 'silver/loaded', 'gold/summary']);
    // The ingestion recorded the files as they were after the producer wrote them, and its
    // downstream recorded that version: nothing is left to do.
    expect(await keysRun()).toEqual([]);
  });
});
