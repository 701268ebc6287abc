import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, expect, it } from 'vitest';
import { MemoryStateStore, defineAssets, materialize } from '@assay/core';
import { duckdb } from '@assay/duckdb';
import * as assets from '../assets/index.js';

// The whole pipeline against an in-memory DuckDB: fast, and it leaves no files behind.
const backend = duckdb({ path: ':memory:' });
const projectDir = fileURLToPath(new URL('..', import.meta.url));

afterAll(() => backend.close());

/** A sample CSV read with plain string handling, independent of DuckDB and of the pipeline's SQL. */
function csv(name: string): Record<string, string>[] {
  const [header, ...lines] = readFileSync(new URL(`../data/${name}`, import.meta.url), 'utf8').trim().split(/\r?\n/);
  const cols = header!.split(',');
  return lines.map((line) => Object.fromEntries(line.split(',').map((v, i) => [cols[i], v])));
}

it('builds every layer and passes every check', async () => {
  const state = new MemoryStateStore();
  const result = await materialize(defineAssets(assets), { backend, state, projectDir });
  const failed = result.assets.filter((a) => a.status !== 'success' || a.checks.some((c) => !c.passed));
  expect(failed).toEqual([]);
  expect(result.status).toBe('success');

  // Totals recomputed from the CSVs (amounts are in cents).
  const orders = csv('raw_orders.csv');
  const paid = new Map<string, number>();
  for (const p of csv('raw_payments.csv')) paid.set(p.order_id!, (paid.get(p.order_id!) ?? 0) + Number(p.amount) / 100);
  const kept = orders.filter((o) => !['returned', 'return_pending'].includes(o.status!));
  const revenue = kept.reduce((sum, o) => sum + (paid.get(o.id!) ?? 0), 0);

  const [gold] = await backend.query('select sum(revenue) as revenue, sum(orders) as orders from "gold"."revenue_by_month"');
  expect(Number(gold?.revenue)).toBeCloseTo(revenue, 2);
  expect(Number(gold?.orders)).toBe(kept.length);
  const [customers] = await backend.query('select count(*) as n, sum(customer_lifetime_value) as ltv from "silver"."customers"');
  expect(Number(customers?.n)).toBe(csv('raw_customers.csv').length);
  expect(Number(customers?.ltv)).toBeCloseTo([...paid.values()].reduce((a, b) => a + b, 0), 2);
  const segments = await backend.query('select segment, count(*) as n from "gold"."customer_segments" group by 1 order by 1');
  expect(segments.map((r) => r.segment)).toEqual(['high', 'low', 'none']);

  // Nothing changed: a stale re-run has nothing to do.
  const again = await materialize(defineAssets(assets), { backend, state, projectDir, stale: true });
  expect(again.plan.steps).toEqual([]);
});
