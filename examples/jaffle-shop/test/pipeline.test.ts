import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { defineAssets, materialize, MemoryStateStore } from '@assay/core';
import { duckdb } from '@assay/duckdb';
import * as assets from '../assets/index.js';

const projectDir = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Reads a CSV of the sample data with plain string handling, independent of DuckDB. */
function csv(name: string): Record<string, string>[] {
  const [header, ...lines] = readFileSync(join(projectDir, 'data', name), 'utf8').trim().split('\n');
  const cols = header!.split(',');
  return lines.map((l) => Object.fromEntries(l.split(',').map((v, i) => [cols[i], v])));
}

describe('jaffle-shop example', () => {
  const backend = duckdb({ path: ':memory:' });
  afterAll(() => backend.close());

  it('materializes raw -> bronze -> silver -> gold with every check passing', async () => {
    const defs = defineAssets(assets);
    const state = new MemoryStateStore();
    const result = await materialize(defs, { backend, state, projectDir });
    const failed = result.assets.filter((a) => a.status !== 'success' || a.checks.some((c) => !c.passed));
    expect(failed).toEqual([]);
    expect(result.status).toBe('success');

    // Known aggregates, computed here from the CSVs without DuckDB.
    const orders = csv('raw_orders.csv');
    const payments = csv('raw_payments.csv');
    const customers = csv('raw_customers.csv');
    const amountByOrder = new Map<string, number>();
    for (const p of payments) amountByOrder.set(p.order_id!, (amountByOrder.get(p.order_id!) ?? 0) + Number(p.amount) / 100);
    const revenue = orders.filter((o) => !['returned', 'return_pending'].includes(o.status!)).reduce((s, o) => s + (amountByOrder.get(o.id!) ?? 0), 0);

    const [gold] = await backend.query('select sum(revenue) as revenue, sum(orders) as orders from "gold"."daily_revenue"');
    expect(Number(gold!.revenue)).toBeCloseTo(revenue, 2);
    const [c] = await backend.query('select count(*) as n, sum(customer_lifetime_value) as ltv from "gold"."customers"');
    expect(Number(c!.n)).toBe(customers.length);
    const totalPaid = [...amountByOrder.values()].reduce((a, b) => a + b, 0);
    expect(Number(c!.ltv)).toBeCloseTo(totalPaid, 2);
    const top = await backend.query('select * from "gold"."top_customers"');
    expect(top).toHaveLength(5);
    expect(result.assets.find((a) => a.key === 'raw/orders')!.rowCount).toBe(orders.length);
  });

  it('has nothing to do on a stale re-run', async () => {
    const defs = defineAssets(assets);
    const state = new MemoryStateStore();
    const fresh = duckdb({ path: ':memory:' });
    try {
      await materialize(defs, { backend: fresh, state, projectDir });
      const again = await materialize(defs, { backend: fresh, state, projectDir, stale: true });
      expect(again.plan.steps).toEqual([]);
    } finally {
      await fresh.close();
    }
  });
});
