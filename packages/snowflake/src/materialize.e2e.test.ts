import { fileURLToPath } from 'node:url';
import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { asset, checks, defineAssets, ingestAsset, materialize, sql, sqlAsset, type Definitions, type RunResult } from '@assay/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SnowflakeTestServer } from './test-server/index.js';
import { LONG_RUNNING_SQL, startServer, testBackend } from './__tests__/test-backend.js';
import type { SnowflakeBackend } from './index.js';

// The shared sample data sits beside the repository (../shared), as on every dev machine and in CI.
const JAFFLE = fileURLToPath(new URL('../../../../shared/data/jaffle_shop', import.meta.url));

/** jaffle_shop as raw (CSV ingestion) → silver (typed) → gold (business tables and a compute asset), with checks. */
function jaffle(): Definitions {
  const rawCustomers = ingestAsset({ key: 'raw/customers', path: 'data/raw_customers*.csv', format: 'csv' });
  const rawOrders = ingestAsset({ key: 'raw/orders', path: 'data/raw_orders*.csv', format: 'csv' });
  const rawPayments = ingestAsset({ key: 'raw/payments', path: 'data/raw_payments*.csv', format: 'csv', checks: [checks.rowCount({ min: 1 })] });
  const customers = sqlAsset({ key: 'silver/customers', materialize: 'view', checks: [checks.unique('customer_id'), checks.notNull('customer_id')] })`
    select id as customer_id, first_name, last_name from ${rawCustomers}`;
  const orders = sqlAsset({
    key: 'silver/orders',
    checks: [
      checks.unique('order_id'),
      checks.acceptedValues('status', ['placed', 'shipped', 'completed', 'return_pending', 'returned']),
      checks.relationships('customer_id', customers, 'customer_id'),
    ],
  })`
    select id as order_id, user_id as customer_id, to_date(order_date) as order_date, status from ${rawOrders}`;
  const payments = sqlAsset({
    key: 'silver/payments',
    materialize: 'incremental',
    incremental: { strategy: 'merge', uniqueKey: 'payment_id' },
    checks: [checks.expression('amount >= 0')],
  })`
    select id as payment_id, order_id, payment_method, amount / 100.0 as amount from ${rawPayments}`;
  const customerValue = sqlAsset({ key: 'gold/customer_value', checks: [checks.unique('customer_id'), checks.rowCount({ min: 1 })] })`
    select c.customer_id, c.first_name, count(distinct o.order_id) as orders, coalesce(sum(p.amount), 0) as lifetime_value
    from ${customers} c
    left join ${orders} o on o.customer_id = c.customer_id
    left join ${payments} p on p.order_id = o.order_id
    group by c.customer_id, c.first_name`;
  const topCustomers = asset({ key: 'gold/top_customers', deps: [customerValue] }, async (ctx) => {
    const rows = await ctx.query(sql`select customer_id, first_name, lifetime_value from ${customerValue} where lifetime_value > ${0} order by lifetime_value desc, customer_id limit 3`);
    return { rows };
  });
  return defineAssets([rawCustomers, rawOrders, rawPayments, customers, orders, payments, customerValue, topCustomers]);
}

describe('materialize() on Snowflake (jaffle_shop, through snowflake-sdk and the test server)', () => {
  let server: SnowflakeTestServer;
  let backend: SnowflakeBackend;
  let projectDir: string;

  beforeAll(async () => {
    server = await startServer();
    backend = testBackend(server);
    projectDir = await mkdtemp(join(tmpdir(), 'assay-sf-e2e-'));
    await mkdir(join(projectDir, 'data'));
    for (const f of ['raw_customers.csv', 'raw_orders.csv', 'raw_payments.csv']) await copyFile(join(JAFFLE, f), join(projectDir, 'data', f));
  });
  afterAll(async () => {
    await backend?.close();
    await server?.close();
    if (projectDir) await rm(projectDir, { recursive: true, force: true });
  });

  const byKey = (result: RunResult) => Object.fromEntries(result.assets.map((a) => [a.key, a]));

  it('builds raw → silver → gold with every check passing, tags each statement, then loads only new files', async () => {
    const defs = jaffle();
    const historyStart = server.queryHistory().length;
    const first = await materialize(defs, { backend, projectDir, concurrency: 2 });
    const assets = byKey(first);
    expect(first.assets.filter((a) => a.status !== 'success').map((a) => [a.key, a.status, a.error])).toEqual([]);
    expect(first.status).toBe('success');
    expect(assets['raw/customers']?.rowCount).toBe(100);
    expect(assets['raw/orders']?.rowCount).toBe(99);
    expect(assets['silver/payments']?.rowCount).toBe(113);
    expect(assets['gold/customer_value']?.rowCount).toBe(100);
    expect(assets['gold/top_customers']?.rowCount).toBe(3);
    expect(first.assets.flatMap((a) => a.checks).every((c) => c.passed)).toBe(true);
    expect(assets['silver/orders']?.checks.map((c) => c.name)).toEqual(['unique_order_id', 'accepted_values_status', 'relationships_customer_id_to_silver_customers']);
    const [total] = await backend.query('select sum(amount) as total from silver.payments');
    const [gold] = await backend.query('select sum(lifetime_value) as total from gold.customer_value');
    expect(Number(gold?.TOTAL)).toBeCloseTo(Number(total?.TOTAL), 6);
    const top = await backend.query('select * from gold.top_customers order by lifetime_value desc');
    expect(top).toHaveLength(3);
    expect(Object.keys(top[0]!)).toEqual(['CUSTOMER_ID', 'FIRST_NAME', 'LIFETIME_VALUE']);

    // Every statement a step ran carries the run id and that step's asset in QUERY_TAG.
    const tagged = server.queryHistory().slice(historyStart).filter((q) => q.queryTag.includes(`run=${first.runId}`));
    const assetsInTags = new Set(tagged.map((q) => /asset=(\S+)/.exec(q.queryTag)?.[1]));
    for (const key of ['raw/customers', 'raw/orders', 'raw/payments', 'silver/customers', 'silver/orders', 'silver/payments', 'gold/customer_value', 'gold/top_customers']) expect(assetsInTags).toContain(key);
    expect(tagged.filter((q) => q.queryTag.includes('asset=silver/orders')).every((q) => !q.sqlText.includes('"SILVER"."PAYMENTS"'))).toBe(true);
    expect(tagged.some((q) => /^copy into/i.test(q.sqlText) && /metadata\$filename/i.test(q.sqlText) && q.queryTag.includes('asset=raw/payments'))).toBe(true);

    // A new payments export arrives: only it is loaded, and the incremental merge picks it up.
    await writeFile(join(projectDir, 'data', 'raw_payments_2.csv'), 'id,order_id,payment_method,amount\n114,1,gift_card,500\n');
    const second = await materialize(defs, { backend, projectDir, concurrency: 2 });
    expect(second.status).toBe('success');
    const again = byKey(second);
    expect(again['raw/payments']?.metadata).toMatchObject({ filesLoaded: 1, rowsLoaded: 1 });
    expect(again['raw/customers']?.metadata).toMatchObject({ filesLoaded: 0 });
    expect(again['silver/payments']?.metadata).toMatchObject({ rowsInserted: 1, rowsUpdated: 113 });
    expect(again['silver/payments']?.rowCount).toBe(114);
    expect(await backend.query("select source_file, count(*) as n from raw.payments group by source_file order by source_file")).toEqual([
      { SOURCE_FILE: 'data/raw_payments.csv', N: 113 },
      { SOURCE_FILE: 'data/raw_payments_2.csv', N: 1 },
    ]);
  });

  it('with transient scratch tables, builds the same and leaves no scratch table behind', async () => {
    const transient = testBackend(server, { scratchTables: 'transient', database: 'SCRATCH_TEST' });
    try {
      await backend.query('create database if not exists SCRATCH_TEST');
      const historyStart = server.queryHistory().length;
      for (let run = 0; run < 2; run++) {
        const result = await materialize(jaffle(), { backend: transient, projectDir, concurrency: 2 });
        expect(result.assets.filter((a) => a.status !== 'success').map((a) => [a.key, a.error])).toEqual([]);
      }
      const tables = (await transient.query('select table_name from information_schema.tables')).map((r) => String(r.TABLE_NAME));
      expect(tables).toContain('PAYMENTS');
      const scratch = tables.filter((t) => t.includes('__ASSAY_'));
      // The incremental merge staged through transient scratch tables (so this is not vacuous).
      expect(server.queryHistory().slice(historyStart).some((q) => /^create transient table .*__ASSAY_/i.test(q.sqlText))).toBe(true);
      expect(scratch).toEqual([]);
      expect(Number((await transient.query('select count(*) as n from silver.payments'))[0]?.N)).toBeGreaterThan(100);
    } finally {
      await transient.close();
    }
  });

  it('aborting the run cancels the running statement in Snowflake and ends the run canceled', async () => {
    const slow = sqlAsset({ key: 'gold/slow' })`${sql([LONG_RUNNING_SQL])}`;
    const after = sqlAsset({ key: 'gold/after_slow', materialize: 'view' })`select * from ${slow}`;
    const controller = new AbortController();
    const aborts = server.stats.aborts;
    const result = await materialize(defineAssets([slow, after]), {
      backend,
      projectDir,
      signal: controller.signal,
      onEvent: (e) => {
        if (e.type === 'step_start') setTimeout(() => controller.abort(), 300);
      },
    });
    expect(result.status).toBe('canceled');
    expect(byKey(result)['gold/slow']?.status).toBe('canceled');
    expect(byKey(result)['gold/after_slow']?.status).not.toBe('success');
    expect(server.stats.aborts).toBeGreaterThan(aborts);
    expect(await backend.describe('gold/slow')).toBeUndefined();
  });
});
