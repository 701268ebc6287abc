import { fileURLToPath } from 'node:url';
import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { asset, checks, defineAssets, ingestAsset, materialize, sql, sqlAsset, type AssayEvent, type Definitions } from '@assay/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { duckdb, type DuckDbBackend } from './index.js';

// The shared sample data sits beside the repository (../shared), as on every dev machine and in CI.
const JAFFLE = fileURLToPath(new URL('../../../../shared/data/jaffle_shop', import.meta.url));

/** jaffle_shop as bronze (raw CSV ingestion) → silver (typed) → gold (business tables), with checks. */
function jaffle(options: { statusValues?: string[] } = {}) {
  const rawCustomers = ingestAsset({ key: 'bronze/raw_customers', path: 'data/raw_customers*.csv', format: 'csv' });
  const rawOrders = ingestAsset({ key: 'bronze/raw_orders', path: 'data/raw_orders*.csv', format: 'csv' });
  const rawPayments = ingestAsset({ key: 'bronze/raw_payments', path: 'data/raw_payments*.csv', format: 'csv', checks: [checks.rowCount({ min: 1 })] });

  const customers = sqlAsset({ key: 'silver/customers', materialize: 'view', checks: [checks.unique('customer_id'), checks.notNull('customer_id')] })`
    select id as customer_id, first_name, last_name from ${rawCustomers}`;
  const orders = sqlAsset({
    key: 'silver/orders',
    checks: [
      checks.unique('order_id'),
      checks.acceptedValues('status', options.statusValues ?? ['placed', 'shipped', 'completed', 'return_pending', 'returned']),
      checks.relationships('customer_id', customers, 'customer_id'),
    ],
  })`
    select id as order_id, user_id as customer_id, cast(order_date as date) as order_date, status from ${rawOrders}`;
  const payments = sqlAsset({
    key: 'silver/payments',
    materialize: 'incremental',
    incremental: { strategy: 'merge', uniqueKey: 'payment_id' },
    checks: [checks.expression('amount >= 0'), checks.relationships('order_id', orders, 'order_id', { severity: 'warn' })],
  })`
    select id as payment_id, order_id, payment_method, amount / 100.0 as amount from ${rawPayments}`;

  const customerValue = sqlAsset({ key: 'gold/customer_value', checks: [checks.unique('customer_id'), checks.rowCount({ min: 1 })] })`
    select c.customer_id, c.first_name, count(distinct o.order_id) as orders, coalesce(sum(p.amount), 0) as lifetime_value
    from ${customers} c
    left join ${orders} o on o.customer_id = c.customer_id
    left join ${payments} p on p.order_id = o.order_id
    group by c.customer_id, c.first_name`;
  const revenue = sqlAsset({ key: 'gold/daily_revenue', checks: [checks.expression('revenue >= 0')] })`
    select o.order_date, sum(p.amount) as revenue
    from ${orders} o join ${payments} p on p.order_id = o.order_id
    group by o.order_date`;
  const topCustomers = asset({ key: 'gold/top_customers', deps: [customerValue] }, async (ctx) => {
    const rows = await ctx.query(sql`select customer_id, first_name, lifetime_value from ${customerValue} order by lifetime_value desc, customer_id limit ${3}`);
    return { rows };
  });
  return defineAssets([rawCustomers, rawOrders, rawPayments, customers, orders, payments, customerValue, revenue, topCustomers]);
}

describe('materialize on DuckDB (jaffle_shop)', () => {
  let projectDir: string;
  let backend: DuckDbBackend;

  beforeEach(async () => {
    projectDir = await mkdtemp(join(tmpdir(), 'assay-e2e-'));
    await mkdir(join(projectDir, 'data'));
    for (const f of ['raw_customers.csv', 'raw_orders.csv', 'raw_payments.csv']) await copyFile(join(JAFFLE, f), join(projectDir, 'data', f));
    backend = duckdb({ path: join(projectDir, '.assay', 'dev.duckdb'), threads: 2 });
  });
  afterEach(async () => {
    await backend.close();
    await rm(projectDir, { recursive: true, force: true });
  });

  const run = (defs: Definitions, extra: Partial<Parameters<typeof materialize>[1]> = {}) => materialize(defs, { backend, projectDir, concurrency: 2, ...extra });

  it('builds bronze → silver → gold with every check passing, then loads only new files', async () => {
    const defs = jaffle();
    const result = await run(defs);
    expect(result.status).toBe('success');
    const byKey = Object.fromEntries(result.assets.map((a) => [a.key, a]));
    expect(result.assets.every((a) => a.status === 'success')).toBe(true);
    expect(byKey['bronze/raw_customers']?.rowCount).toBe(100);
    expect(byKey['bronze/raw_orders']?.rowCount).toBe(99);
    expect(byKey['silver/payments']?.rowCount).toBe(113);
    expect(byKey['gold/customer_value']?.rowCount).toBe(100);
    expect(byKey['gold/top_customers']?.rowCount).toBe(3);
    expect(result.assets.flatMap((a) => a.checks).every((c) => c.passed)).toBe(true);
    expect(byKey['silver/orders']?.checks.map((c) => c.name)).toEqual(['unique_order_id', 'accepted_values_status', 'relationships_customer_id_to_silver_customers']);
    const [total] = await backend.query('select sum(amount) as total from silver.payments');
    const [gold] = await backend.query('select sum(lifetime_value) as total from gold.customer_value');
    expect(gold?.total).toBeCloseTo(Number(total?.total), 6);

    // A new payments export arrives: only it is loaded, and the incremental merge picks it up.
    await writeFile(join(projectDir, 'data', 'raw_payments_2.csv'), 'id,order_id,payment_method,amount\n114,1,gift_card,500\n');
    const second = await run(defs);
    expect(second.status).toBe('success');
    const again = Object.fromEntries(second.assets.map((a) => [a.key, a]));
    expect(again['bronze/raw_payments']?.metadata).toMatchObject({ filesLoaded: 1, rowsLoaded: 1 });
    expect(again['bronze/raw_customers']?.metadata).toMatchObject({ filesLoaded: 0 });
    expect(again['silver/payments']?.metadata).toMatchObject({ rowsInserted: 1, rowsUpdated: 113 });
    expect(again['silver/payments']?.rowCount).toBe(114);
  });

  it('a failing blocking check stops only its downstream', async () => {
    const defs = jaffle({ statusValues: ['placed', 'shipped', 'completed'] });
    const events: AssayEvent[] = [];
    const result = await run(defs, { onEvent: (e) => events.push(e) });
    expect(result.status).toBe('failed');
    const byKey = Object.fromEntries(result.assets.map((a) => [a.key, a]));
    const statusCheck = byKey['silver/orders']?.checks.find((c) => c.name === 'accepted_values_status');
    expect(statusCheck).toMatchObject({ passed: false, severity: 'error', blocking: true });
    expect(byKey['gold/customer_value']?.status).toBe('skipped');
    expect(byKey['gold/daily_revenue']?.status).toBe('skipped');
    // silver/payments depends on silver/orders through its relationships check.
    expect(byKey['silver/payments']?.status).toBe('skipped');
    expect(byKey['silver/customers']?.status).toBe('success');
    expect(byKey['bronze/raw_payments']?.status).toBe('success');
    const failedCheck = events.find((e) => e.type === 'check_result' && e.result.name === 'accepted_values_status');
    expect(failedCheck?.type === 'check_result' && failedCheck.result.sample?.length).toBeGreaterThan(0);
  });

  it('a SQL error fails the asset with ASSAY_SQL and skips its downstream', async () => {
    const raw = ingestAsset({ key: 'bronze/raw_orders', path: 'data/raw_orders.csv', format: 'csv' });
    const broken = sqlAsset({ key: 'silver/broken' })`select no_such_column from ${raw}`;
    const after = sqlAsset({ key: 'gold/after', materialize: 'view' })`select * from ${broken}`;
    const fine = sqlAsset({ key: 'silver/fine' })`select count(*) as n from ${raw}`;
    const result = await run(defineAssets([raw, broken, after, fine]));
    const byKey = Object.fromEntries(result.assets.map((a) => [a.key, a]));
    expect(result.status).toBe('failed');
    expect(byKey['silver/broken']?.status).toBe('failed');
    expect(JSON.stringify(byKey['silver/broken']?.error)).toMatch(/ASSAY_SQL|no_such_column/);
    expect(byKey['gold/after']?.status).toBe('skipped');
    expect(byKey['silver/fine']?.status).toBe('success');
  });

  it('quarantines failing rows instead of failing the run', async () => {
    const raw = ingestAsset({ key: 'bronze/raw_orders', path: 'data/raw_orders.csv', format: 'csv' });
    const open = sqlAsset({ key: 'silver/open_orders', quarantine: true, checks: [checks.acceptedValues('status', ['placed', 'shipped', 'completed'])] })`
      select id as order_id, status from ${raw}`;
    const result = await run(defineAssets([raw, open]));
    expect(result.status).toBe('success');
    const check = result.assets.find((a) => a.key === 'silver/open_orders')?.checks[0];
    expect(check?.passed).toBe(true);
    expect(check?.quarantinedRows).toBeGreaterThan(0);
    const [kept] = await backend.query('select count(*) as n from silver.open_orders');
    const [moved] = await backend.query('select count(*) as n from silver.open_orders__quarantine');
    expect(Number(kept?.n) + Number(moved?.n)).toBe(99);
    expect(moved?.n).toBe(check?.quarantinedRows);
  });

  it('aborting the signal cancels the running query and ends the run canceled', async () => {
    const slow = sqlAsset({ key: 'gold/slow' })`select count(*) as n from range(1000000) a, range(1000000) b where (a.range * b.range) % 7 = 3`;
    const next = sqlAsset({ key: 'gold/after_slow', materialize: 'view' })`select * from ${slow}`;
    const controller = new AbortController();
    const started = run(defineAssets([slow, next]), { signal: controller.signal, onEvent: (e) => e.type === 'step_start' && setTimeout(() => controller.abort(), 100) });
    const result = await started;
    expect(result.status).toBe('canceled');
    const byKey = Object.fromEntries(result.assets.map((a) => [a.key, a]));
    expect(byKey['gold/slow']?.status).toBe('canceled');
    expect(byKey['gold/after_slow']?.status).not.toBe('success');
    expect(await backend.describe('gold/slow')).toBeUndefined();
  });
});
