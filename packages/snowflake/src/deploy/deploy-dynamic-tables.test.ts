import { defineAssets, silentLogger, sourceAsset, sqlAsset } from '@assay/core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { snowflake, type SnowflakeBackend } from '../snowflake-backend.js';
import { startSnowflakeTestServer, type SnowflakeTestServer } from '../test-server/index.js';
import { compileDynamicTables } from './compile-dynamic-tables.js';
import { deployDynamicTables, type DeployedTable } from './deploy-dynamic-tables.js';
import { findDynamicTable, readDynamicTableStatus } from './read-dynamic-table-status.js';

// Seed 001's pipeline, deployed through the Snowflake backend (the real snowflake-sdk) to the
// Snowflake test server.
const rawOrders = sourceAsset({ key: 'raw/orders' });
const rawCustomers = sourceAsset({ key: 'raw/customers' });
const cleaned = sqlAsset({ key: 'staging/cleaned_orders', materialize: 'incremental', incremental: { strategy: 'merge', uniqueKey: 'order_id' } })`
    select order_id, trim(customer_id) as customer_id, order_date, round(total_amount, 2) as total_amount, upper(status) as status
    from ${rawOrders} where order_date is not null`;
const enriched = sqlAsset({ key: 'staging/enriched_orders' })`
    select o.order_id, o.customer_id, c.segment, o.order_date, o.total_amount, o.status
    from ${cleaned} o join ${rawCustomers} c on o.customer_id = c.customer_id`;
const summary = sqlAsset({ key: 'analytics/order_summary', freshness: { targetLag: '30 minutes' } })`
    select segment, count(*) as order_count, sum(total_amount) as total_revenue
    from ${enriched} where status <> ${'CANCELLED'} group by segment`;
const defs = defineAssets([rawOrders, rawCustomers, cleaned, enriched, summary]);

let server: SnowflakeTestServer;
let conn: SnowflakeBackend;

beforeAll(async () => {
  server = await startSnowflakeTestServer();
  conn = snowflake({ ...server.connectionOptions() });
  await conn.open({ concurrency: 1, logger: silentLogger() });
  for (const statement of [
    'create schema if not exists raw',
    'create or replace table raw.orders (order_id int, customer_id string, order_date date, total_amount number(10,3), status string)',
    "insert into raw.orders values (1, ' c1 ', '2024-05-01', 10.004, 'shipped'), (2, 'c2', '2024-05-01', 5, 'cancelled'), (3, 'c2', null, 7, 'shipped'), (4, 'c1', '2024-05-02', 2.5, 'shipped')",
    'create or replace table raw.customers (customer_id string, segment string)',
    "insert into raw.customers values ('c1', 'retail'), ('c2', 'wholesale')",
  ]) await conn.query(statement);
});

afterAll(async () => {
  await conn?.close();
  await server?.close();
});

beforeEach(async () => {
  for (const d of server.dynamicTables()) await conn.query(`drop dynamic table ${d.name.split('.').map((p) => `"${p}"`).join('.')}`);
});

describe('deployDynamicTables on the Snowflake test server', () => {
  it('creates every table upstream first, with its lag, warehouse and refresh mode', async () => {
    const plan = compileDynamicTables(defs, { warehouse: 'TRANSFORM_WH' });
    const progress: DeployedTable[] = [];
    const result = await deployDynamicTables(plan, conn, { onTable: (t) => progress.push(t) });
    expect(result.failure?.error.message).toBeUndefined();
    expect(result.status).toBe('success');
    expect(result.notRun).toEqual([]);
    expect(result.probe).toEqual({ ok: true, existing: 0 });
    expect(result.deployed.map((d) => [d.key, d.action])).toEqual([
      ['staging/cleaned_orders', 'created'],
      ['staging/enriched_orders', 'created'],
      ['analytics/order_summary', 'created'],
    ]);
    expect(progress.map((p) => p.key)).toEqual(result.deployed.map((d) => d.key));
    expect(result.compensation).toEqual(plan.compensation);

    const created = server.dynamicTables().map((d) => [d.name, d.targetLag, d.warehouse, d.refreshMode]);
    expect(created).toEqual([
      ['ASSAY.STAGING.CLEANED_ORDERS', 'DOWNSTREAM', 'TRANSFORM_WH', 'INCREMENTAL'],
      ['ASSAY.STAGING.ENRICHED_ORDERS', 'DOWNSTREAM', 'TRANSFORM_WH', 'AUTO'],
      ['ASSAY.ANALYTICS.ORDER_SUMMARY', '30 minutes', 'TRANSFORM_WH', 'AUTO'],
    ]);
    // The server ran the queries: the leaf holds the pipeline's result (the bound 'CANCELLED'
    // was written into the DDL as a literal).
    const rows = await conn.query('select segment, order_count, total_revenue from analytics.order_summary order by segment');
    expect(rows).toEqual([
      { SEGMENT: 'retail', ORDER_COUNT: 2, TOTAL_REVENUE: 12.5 },
    ]);
  });

  it('tells replaced tables from created ones on a second deploy', async () => {
    const plan = compileDynamicTables(defs, { warehouse: 'TRANSFORM_WH' });
    await deployDynamicTables(plan, conn);
    const again = await deployDynamicTables(compileDynamicTables(defs, { warehouse: 'TRANSFORM_WH', selection: 'analytics/order_summary' }), conn);
    expect(again.probe).toEqual({ ok: true, existing: 3 });
    expect(again.deployed.map((d) => [d.key, d.action])).toEqual([['analytics/order_summary', 'replaced']]);
  });

  it('stops at the first failure and reports what was created and how to undo it', async () => {
    const broken = sqlAsset({ key: 'staging/broken', freshness: { targetLag: '1 hour' } })`select no_such_column from ${cleaned}`;
    const plan = compileDynamicTables(defineAssets([defs, broken]), { warehouse: 'TRANSFORM_WH' });
    expect(plan.tables.map((t) => t.key)).toEqual(['staging/cleaned_orders', 'staging/broken', 'staging/enriched_orders', 'analytics/order_summary']);
    const result = await deployDynamicTables(plan, conn);
    expect(result.status).toBe('failed');
    expect(result.deployed.map((d) => d.key)).toEqual(['staging/cleaned_orders']);
    expect(result.failure).toMatchObject({ key: 'staging/broken', statement: plan.tables[1]!.ddl });
    expect(result.failure!.error).toMatchObject({ code: 'ASSAY_SQL', assetKey: 'staging/broken' });
    expect(result.failure!.error.message).toMatch(/NO_SUCH_COLUMN/i);
    expect(result.failure!.error.cause).toBeDefined();
    expect(result.notRun).toEqual([plan.tables[2]!.ddl, plan.tables[3]!.ddl]);
    expect(result.compensation).toEqual(['DROP DYNAMIC TABLE IF EXISTS "STAGING"."CLEANED_ORDERS"']);

    for (const statement of result.compensation) await conn.query(statement);
    expect(server.dynamicTables()).toEqual([]);
  });

  it('does not start when already canceled', async () => {
    const controller = new AbortController();
    controller.abort();
    const before = server.stats.queries;
    const result = await deployDynamicTables(compileDynamicTables(defs, { warehouse: 'WH' }), conn, { signal: controller.signal, probe: false });
    expect(result.status).toBe('canceled');
    expect(result.deployed).toEqual([]);
    expect(result.notRun).toHaveLength(5);
    expect(server.stats.queries).toBe(before);
  });

  it('reads the tables back; refresh history is reported unavailable where the server lacks it', async () => {
    const plan = compileDynamicTables(defs, { warehouse: 'TRANSFORM_WH' });
    await deployDynamicTables(plan, conn);
    const report = await readDynamicTableStatus(conn);
    expect(report.show).toBe(true);
    const leaf = findDynamicTable(report, '"ANALYTICS"."ORDER_SUMMARY"');
    expect(leaf).toMatchObject({ database: 'ASSAY', schema: 'ANALYTICS', name: 'ORDER_SUMMARY', targetLag: '30 minutes', schedulingState: 'RUNNING' });
    expect(leaf!.dataTimestamp).toBeInstanceOf(Date);
    expect(findDynamicTable(report, 'assay.staging.cleaned_orders')).toMatchObject({ targetLag: 'DOWNSTREAM', refreshMode: 'INCREMENTAL' });
    // Quoted names match exactly, as in Snowflake.
    expect(findDynamicTable(report, '"analytics"."order_summary"')).toBeUndefined();
    expect(findDynamicTable(report, '"OTHER_DB"."ANALYTICS"."ORDER_SUMMARY"')).toBeUndefined();
    if (report.refreshHistory) {
      expect(leaf!.lastRefresh).not.toBeNull();
    } else {
      expect(report.notes).toEqual([expect.stringMatching(/^refresh history unavailable \(INFORMATION_SCHEMA\.DYNAMIC_TABLE_REFRESH_HISTORY\(\): .+\); refresh states are not shown$/)]);
      expect(leaf!.lastRefresh).toBeNull();
    }
  });
});
