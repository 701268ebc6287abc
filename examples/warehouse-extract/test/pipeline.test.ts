import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineAssets, materialize, MemoryStateStore, type RunResult } from '@assay/core';
import { duckdb } from '@assay/duckdb';
import { extractionAsset, type TableExtraction } from '../assets/bronze.js';
import { extractConfig } from '../assets/extract-config.js';
import * as silver from '../assets/silver.js';
import * as gold from '../assets/gold.js';
import * as source from '../assets/source.js';
import type { WatermarkState } from '../assets/watermark-file.js';
import { generateSource } from '../scripts/generate.js';
import { mutateSource, type MutationSummary } from '../scripts/mutate.js';
import { expectedAnalytics, invalidReason, qualityScore, readSource, type CustomerRow, type SourceSnapshot } from './reference.js';

const BATCH = 150;
const TABLES = ['customers', 'products', 'orders', 'order_items'] as const;
// The project's assets with a small batch size, so a table spans several batches.
const defs = defineAssets(source, silver, gold, extractionAsset({ ...extractConfig, batch_size: BATCH }));

const extracted = (r: RunResult) => r.assets.find((a) => a.key === 'bronze/extraction')!.metadata!.tables as Record<string, TableExtraction>;
const rowsOf = (r: RunResult) => Object.fromEntries(TABLES.map((t) => [t, extracted(r)[t]!.rows]));
const asset = (r: RunResult, key: string) => r.assets.find((a) => a.key === key)!;
/** Failed checks, except the warning about orders of quarantined customers (expected). */
const failures = (r: RunResult) => r.assets.flatMap((a) => a.checks.filter((c) => !c.passed && c.name !== 'customer_in_dimension').map((c) => `${a.key}/${c.name}: ${c.message}`));

describe('warehouse-extract example (seed 004)', () => {
  const projectDir = mkdtempSync(join(tmpdir(), 'assay-warehouse-extract-'));
  const backend = duckdb({ path: ':memory:' });
  const state = new MemoryStateStore();
  let before: SourceSnapshot;
  let after: SourceSnapshot;
  let mutation: MutationSummary;
  const runs: RunResult[] = [];
  // What the warehouse held right after the first run (later runs change it).
  let firstRun: { stgOrders: Record<string, unknown>; dim: Record<string, unknown>[]; watermarks: WatermarkState };

  beforeAll(async () => {
    await generateSource({ projectDir, scale: 0.25, seed: 11 });
    before = await readSource(projectDir);
    runs.push(await materialize(defs, { backend, state, projectDir }));
    const [stgOrders] = await backend.query(`select count(distinct source_system) as systems, min(source_system) as system, count(distinct extraction_run_id) as runs,
      min(extraction_run_id) as run, count(*) filter (where extraction_timestamp is null) as no_ts, max(extraction_batch) as batches from silver.stg_orders`);
    firstRun = {
      stgOrders: stgOrders!,
      dim: await backend.query('select customer_id, data_quality_score, is_current, valid_from from silver.dim_customers'),
      watermarks: JSON.parse(readFileSync(join(projectDir, extractConfig.watermark_path), 'utf8')) as WatermarkState,
    };
    runs.push(await materialize(defs, { backend, state, projectDir }));
    mutation = await mutateSource({ projectDir });
    after = await readSource(projectDir);
    runs.push(await materialize(defs, { backend, state, projectDir }));
  });
  afterAll(async () => {
    await backend.close();
    rmSync(projectDir, { recursive: true, force: true });
  });

  it('runs every asset successfully three times, with no failing check', () => {
    for (const r of runs) {
      expect(r.assets.filter((a) => a.status !== 'success').map((a) => `${a.key}: ${a.error?.message}`)).toEqual([]);
      expect(failures(r)).toEqual([]);
      expect(r.status).toBe('success');
    }
  });

  it('first run extracts every source row, in batches, into dated Parquet files with extraction metadata', async () => {
    const first = runs[0]!;
    expect(rowsOf(first)).toEqual(Object.fromEntries(TABLES.map((t) => [t, before[t].length])));
    expect(asset(first, 'bronze/extraction').rowCount).toBe(TABLES.reduce((n, t) => n + before[t].length, 0));
    for (const t of TABLES) {
      const info = extracted(first)[t]!;
      expect(info.batches, t).toBe(Math.ceil(before[t].length / BATCH));
      expect(info.complete).toBe(true);
      for (const f of info.files) {
        expect(f).toMatch(new RegExp(`^data/bronze/${t}/date=\\d{4}-\\d{2}-\\d{2}/${first.runId}-\\d{4}\\.parquet$`));
        expect(existsSync(join(projectDir, f))).toBe(true);
      }
    }
    expect(firstRun.stgOrders).toMatchObject({ systems: 1, system: 'operational_db', runs: 1, run: first.runId, no_ts: 0, batches: Math.ceil(before.orders.length / BATCH) });

    const watermarks = firstRun.watermarks;
    const newest = [...before.customers].sort((a, b) => +a.updated_at! - +b.updated_at! || (a.customer_id < b.customer_id ? -1 : 1)).at(-1)!;
    expect(watermarks.tables.customers).toMatchObject({ key: newest.customer_id, run_id: first.runId, rows_total: before.customers.length });
    expect(new Date(`${watermarks.tables.customers!.watermark.replace(' ', 'T')}Z`).getTime()).toBe(newest.updated_at!.getTime());
  });

  it('quarantines exactly the customer rows that break a hard rule, and builds the dimension from the rest', async () => {
    const invalid = before.customers.filter((c) => invalidReason(c));
    expect(invalid.length).toBeGreaterThan(0);
    const quarantined = asset(runs[0]!, 'silver/stg_customers').checks.reduce((n, c) => n + (c.quarantinedRows ?? 0), 0);
    expect(quarantined).toBe(invalid.length);
    const byCheck = await backend.query('select assay_check, count(*) as n from silver.stg_customers__quarantine where assay_run_id = ? group by 1', [runs[0]!.runId]);
    const expected = new Map<string, number>();
    for (const c of invalid) expected.set(invalidReason(c)!, (expected.get(invalidReason(c)!) ?? 0) + 1);
    expect(new Map(byCheck.map((r) => [String(r.assay_check), Number(r.n)]))).toEqual(expected);

    const dim = firstRun.dim;
    expect(dim).toHaveLength(before.customers.length - invalid.length);
    const valid = new Map(before.customers.filter((c) => !invalidReason(c)).map((c) => [c.customer_id, c]));
    for (const row of dim) {
      const c = valid.get(String(row.customer_id))!;
      expect(row.is_current).toBe(true);
      expect((row.valid_from as Date).getTime()).toBe(c.updated_at!.getTime());
      expect(Number(row.data_quality_score), c.customer_id).toBeCloseTo(qualityScore(c), 10);
    }
    // The score is not trivially 1: the generator leaves gaps in contact data.
    expect(dim.filter((r) => Number(r.data_quality_score) < 1).length).toBeGreaterThan(0);
  });

  it('a second run with no source change extracts nothing and changes nothing', async () => {
    const second = runs[1]!;
    expect(rowsOf(second)).toEqual({ customers: 0, products: 0, orders: 0, order_items: 0 });
    for (const t of TABLES) expect(extracted(second)[t]!.files).toEqual([]);
    expect(asset(second, 'silver/stg_customers').metadata).toMatchObject({ filesLoaded: 0, rowsLoaded: 0 });
    expect(asset(second, 'silver/dim_customers').metadata).toMatchObject({ rowsInserted: 0, rowsUpdated: 0 });
    const [q] = await backend.query('select count(*) filter (where assay_run_id = ?) as n from silver.stg_customers__quarantine', [second.runId]);
    expect(Number(q!.n)).toBe(0);
  });

  it('after a mutation, extracts only the inserted and updated rows', async () => {
    const third = runs[2]!;
    const expectedRows = Object.fromEntries(TABLES.map((t) => [t, mutation[t].inserted + mutation[t].updated]));
    expect(rowsOf(third)).toEqual(expectedRows);
    // Independently: the rows whose updated_at moved past the first run's newest.
    for (const t of TABLES) {
      const newest = Math.max(...before[t].map((r) => +(r as { updated_at: Date }).updated_at));
      expect(after[t].filter((r) => +(r as { updated_at: Date }).updated_at > newest).length, t).toBe(expectedRows[t]);
    }
    expect(expectedRows.customers).toBeGreaterThan(0);
    expect(expectedRows.orders).toBeGreaterThan(0);
    const [dupes] = await backend.query('select count(*) - count(distinct (order_id, updated_at)) as n from silver.stg_orders');
    expect(Number(dupes!.n)).toBe(0);
  });

  it('keeps SCD2 history: a new version for each valid change, invalid changes quarantined', async () => {
    const beforeById = new Map(before.customers.map((c) => [c.customer_id, c]));
    // Expected versions per customer: its valid row from the first extraction, plus its changed row if valid.
    const versions = new Map<string, CustomerRow[]>();
    let newlyQuarantined = 0;
    for (const c of after.customers) {
      const old = beforeById.get(c.customer_id);
      const changed = !old || +old.updated_at! !== +c.updated_at!;
      const list = old && !invalidReason(old) ? [old] : [];
      if (changed) {
        if (invalidReason(c)) newlyQuarantined++;
        else list.push(c);
      }
      if (list.length > 0) versions.set(c.customer_id, list);
    }
    const rows = await backend.query('select customer_id, valid_from, valid_to, is_current, data_quality_score, email_normalized from silver.dim_customers order by customer_id, valid_from');
    expect(rows).toHaveLength([...versions.values()].reduce((n, v) => n + v.length, 0));
    const got = new Map<string, typeof rows>();
    for (const r of rows) got.set(String(r.customer_id), [...(got.get(String(r.customer_id)) ?? []), r]);
    expect([...got.keys()].sort()).toEqual([...versions.keys()].sort());
    let twoVersions = 0;
    for (const [id, want] of versions) {
      const have = got.get(id)!;
      expect(have.map((r) => (r.valid_from as Date).getTime()), id).toEqual(want.map((c) => c.updated_at!.getTime()));
      expect(have.map((r) => r.is_current)).toEqual(want.map((_, i) => i === want.length - 1));
      if (want.length === 2) {
        twoVersions++;
        expect((have[0]!.valid_to as Date).getTime()).toBe(want[1]!.updated_at!.getTime());
        expect(have[1]!.valid_to).toBeNull();
        expect(Number(have[1]!.data_quality_score)).toBeCloseTo(qualityScore(want[1]!), 10);
      }
    }
    expect(twoVersions).toBeGreaterThan(0);
    expect(asset(runs[2]!, 'silver/dim_customers').metadata).toMatchObject({ rowsUpdated: twoVersions });
    expect(newlyQuarantined).toBeGreaterThan(0);
    const [q] = await backend.query('select count(*) as n from silver.stg_customers__quarantine where assay_run_id = ?', [runs[2]!.runId]);
    expect(Number(q!.n)).toBe(newlyQuarantined);
  });

  it('gold customer_analytics matches LTV, order stats, churn, preferred category and region computed from the source', async () => {
    const current = new Map<string, CustomerRow>();
    const beforeById = new Map(before.customers.map((c) => [c.customer_id, c]));
    for (const c of after.customers) {
      const old = beforeById.get(c.customer_id);
      if (!invalidReason(c)) current.set(c.customer_id, c);
      else if (old && !invalidReason(old)) current.set(c.customer_id, old);
    }
    const want = expectedAnalytics(after, current);
    const dates = await backend.query('select analysis_date, count(*) as n from gold.customer_analytics group by 1 order by 1');
    expect(dates).toHaveLength(2);
    const latest = (dates[1]!.analysis_date as Date).toISOString().slice(0, 10);
    expect(latest).toBe([...want.values()][0]!.analysis_date);

    const rows = await backend.query('select * from gold.customer_analytics where analysis_date = ?', [dates[1]!.analysis_date]);
    expect(rows).toHaveLength(want.size);
    const segments = new Set<string>();
    for (const r of rows) {
      const w = want.get(String(r.customer_id))!;
      expect(w, String(r.customer_id)).toBeDefined();
      expect({
        id: r.customer_id,
        segment: r.customer_segment,
        ltv: Math.round(Number(r.lifetime_value) * 100),
        orders: r.total_orders,
        last: r.last_order_date === null ? null : (r.last_order_date as Date).toISOString().slice(0, 10),
        category: r.preferred_category,
        region: r.geographic_region,
      }).toEqual({ id: w.customer_id, segment: w.customer_segment, ltv: w.lifetime_value_cents, orders: w.total_orders, last: w.last_order_date, category: w.preferred_category, region: w.geographic_region });
      expect(Math.abs(Number(r.churn_probability) - w.churn_probability)).toBeLessThanOrEqual(1e-4 + 1e-9);
      segments.add(String(r.customer_segment));
    }
    expect(segments.size).toBeGreaterThanOrEqual(4);
  });
});
