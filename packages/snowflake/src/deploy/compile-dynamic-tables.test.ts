import { asset, defineAssets, ingestAsset, partition, partitions, self, sourceAsset, sql, sqlAsset } from '@assay/core';
import { describe, expect, it } from 'vitest';
import { compileDynamicTables, type DynamicTablePlan } from './compile-dynamic-tables.js';

// The streaming playbook's pipeline (seed 001) plus one asset of every kind that cannot be a
// dynamic table.
const rawOrders = sourceAsset({ key: 'raw/orders' });
const rawCustomers = ingestAsset({ key: 'raw/customers', path: 'data/customers/*.jsonl', format: 'jsonl' });
const cleanedOrders = sqlAsset({ key: 'staging/cleaned_orders', materialize: 'incremental', incremental: { strategy: 'merge', uniqueKey: 'order_id' } })`
    select order_id, trim(customer_id) as customer_id, order_date, round(total_amount, 2) as total_amount, upper(status) as status
    from ${rawOrders}
    where order_date is not null`;
const enrichedOrders = sqlAsset({ key: 'staging/enriched_orders', freshness: { targetLag: '10 minutes' } })`
    select o.order_id, o.customer_id, c.raw:name::string as customer_name, o.order_date, o.total_amount
    from ${cleanedOrders} o join ${rawCustomers} c on o.customer_id = c.raw:id::string`;
const orderSummary = sqlAsset({ key: 'analytics/order_summary', freshness: { targetLag: '30 minutes' } })`
    select date_trunc('day', order_date) as order_day, count(*) as order_count, sum(total_amount) as total_revenue
    from ${enrichedOrders}
    group by order_day`;
// Read by a dynamic table and by a TypeScript model: keeps its own lag.
const customerFeatures = sqlAsset({ key: 'staging/customer_features', freshness: { targetLag: '1h' } })`
    select customer_id, count(*) as orders from ${cleanedOrders} group by customer_id`;
const churnModel = asset({ key: 'ml/churn_model', deps: [customerFeatures] }, async () => ({ rowCount: 0 }));
const segments = sqlAsset({ key: 'analytics/segments', materialize: 'view', freshness: { targetLag: '2 hours' } })`
    select customer_id, iff(orders > ${10}, ${"big 'spender'"}, ${'c:\\small'}) as segment from ${customerFeatures}`;
// Not deployable, each for its own reason.
const history = sqlAsset({ key: 'snap/customers', materialize: 'scd2', scd2: { uniqueKey: 'id', updatedAt: 'updated_at' } })`select * from ${rawCustomers}`;
const daily = sqlAsset({ key: 'part/daily', partitions: partitions.daily('2024-01-01'), materialize: 'incremental', incremental: { strategy: 'delete+insert', watermark: 'order_date' } })`
    select * from ${rawOrders} where order_date >= ${partition.start}::timestamp`;
const appendOnly = sqlAsset({ key: 'part/append_only', materialize: 'incremental', incremental: { strategy: 'append', watermark: 'order_date' } })`
    select * from ${rawOrders} where order_date > (select max(order_date) from ${self})`;
const duckOnly = sqlAsset({ key: 'misc/duck_only', freshness: { targetLag: '1 day' } })({ duckdb: sql`select 1 as x from ${rawOrders}` });

const defs = defineAssets([rawOrders, rawCustomers, cleanedOrders, enrichedOrders, orderSummary, customerFeatures, churnModel, segments, history, daily, appendOnly, duckOnly]);

function compile(extra: Partial<Parameters<typeof compileDynamicTables>[1]> = {}): DynamicTablePlan {
  return compileDynamicTables(defs, { warehouse: 'TRANSFORM_WH', ...extra });
}

describe('compileDynamicTables', () => {
  it('orders tables upstream first and compensates in reverse order', () => {
    const plan = compile();
    expect(plan.tables.map((t) => t.key)).toEqual([
      'staging/cleaned_orders',
      'staging/customer_features',
      'analytics/segments',
      'staging/enriched_orders',
      'analytics/order_summary',
    ]);
    expect(plan.compensation).toEqual([
      'DROP DYNAMIC TABLE IF EXISTS "ANALYTICS"."ORDER_SUMMARY"',
      'DROP DYNAMIC TABLE IF EXISTS "STAGING"."ENRICHED_ORDERS"',
      'DROP DYNAMIC TABLE IF EXISTS "ANALYTICS"."SEGMENTS"',
      'DROP DYNAMIC TABLE IF EXISTS "STAGING"."CUSTOMER_FEATURES"',
      'DROP DYNAMIC TABLE IF EXISTS "STAGING"."CLEANED_ORDERS"',
    ]);
    expect(plan.setup).toEqual(['CREATE SCHEMA IF NOT EXISTS "STAGING"', 'CREATE SCHEMA IF NOT EXISTS "ANALYTICS"']);
    // Ties between assets ready at the same time go by key.
    expect(plan.tables.map((t) => t.key).indexOf('analytics/segments')).toBeLessThan(plan.tables.map((t) => t.key).indexOf('staging/enriched_orders'));
    expect(plan.statements).toEqual([...plan.setup, ...plan.tables.map((t) => t.ddl)]);
  });

  it('writes the playbook DDL: lag, warehouse, refresh mode, then the query with relations resolved', () => {
    const plan = compile();
    expect(plan.tables[0]!.ddl).toBe(
      [
        'CREATE OR REPLACE DYNAMIC TABLE "STAGING"."CLEANED_ORDERS"',
        '  TARGET_LAG = DOWNSTREAM',
        '  WAREHOUSE = TRANSFORM_WH',
        '  REFRESH_MODE = INCREMENTAL',
        '  AS',
        '    select order_id, trim(customer_id) as customer_id, order_date, round(total_amount, 2) as total_amount, upper(status) as status',
        '    from "RAW"."ORDERS"',
        '    where order_date is not null',
      ].join('\n'),
    );
    expect(plan.tables.find((t) => t.key === 'analytics/order_summary')!.ddl).toContain("TARGET_LAG = '30 minutes'\n  WAREHOUSE = TRANSFORM_WH\n  REFRESH_MODE = AUTO\n");
  });

  it('gives leaves their time lag and intermediates DOWNSTREAM, by position in the graph', () => {
    const lags = Object.fromEntries(compile().tables.map((t) => [t.key, [t.targetLag, t.lagReason]]));
    expect(lags).toEqual({
      'staging/cleaned_orders': ['DOWNSTREAM', 'intermediate: read by staging/customer_features, staging/enriched_orders'],
      // Declares 10 minutes, but only dynamic tables read it: DOWNSTREAM (seed 001).
      'staging/enriched_orders': ['DOWNSTREAM', "intermediate: read by analytics/order_summary; declared '10 minutes' is not used"],
      'analytics/order_summary': ['30 minutes', "leaf: freshness '30 minutes'"],
      // A TypeScript model reads it too, and Snowflake cannot see that reader.
      'staging/customer_features': ['1 hour', "freshness '1 hour': also read by ml/churn_model (not dynamic tables), so it keeps its own lag"],
      'analytics/segments': ['2 hours', "leaf: freshness '2 hours'"],
    });
  });

  it('warns when an intermediate declares a tighter lag than DOWNSTREAM will give it', () => {
    const plan = compile();
    expect(plan.warnings.filter((w) => w.key === 'staging/enriched_orders').map((w) => w.message)).toEqual([
      "declares '10 minutes', but intermediate tables get TARGET_LAG = DOWNSTREAM (seed 001): it refreshes only as often as the tables reading it need, every 30 minutes",
    ]);
  });

  it('uses INCREMENTAL for incremental assets and AUTO otherwise, unless overridden', () => {
    expect(Object.fromEntries(compile().tables.map((t) => [t.key, t.refreshMode]))).toMatchObject({
      'staging/cleaned_orders': 'INCREMENTAL',
      'staging/enriched_orders': 'AUTO',
      'analytics/segments': 'AUTO',
    });
    const full = compile({ refreshMode: 'FULL', initialize: 'ON_SCHEDULE' });
    expect(new Set(full.tables.map((t) => t.refreshMode))).toEqual(new Set(['FULL']));
    expect(full.tables[0]!.ddl).toContain('  REFRESH_MODE = FULL\n  INITIALIZE = ON_SCHEDULE\n  AS\n');
  });

  it('skips what cannot be a dynamic table, with the reason, and lists the tables it reads', () => {
    const plan = compile();
    expect(plan.skipped).toEqual([
      { key: 'raw/customers', reason: 'ingestion asset: stays a regular table loaded by `assets materialize` (COPY INTO)' },
      { key: 'raw/orders', reason: 'source asset: an input Snowflake reads as it is' },
      { key: 'misc/duck_only', reason: 'has no "snowflake" or "default" SQL' },
      { key: 'part/append_only', reason: 'reads its own table (${self}); a dynamic table cannot' },
      { key: 'part/daily', reason: 'partitioned: built partition by partition; a dynamic table holds one query result' },
      { key: 'snap/customers', reason: "scd2 keeps history across runs; a dynamic table holds only its query's current result" },
      { key: 'ml/churn_model', reason: 'TypeScript compute asset: runs in Node, not in Snowflake; build it with `assets materialize`' },
    ]);
    expect(plan.inputs.map((i) => [i.key, i.relation])).toEqual([
      ['raw/customers', '"RAW"."CUSTOMERS"'],
      ['raw/orders', '"RAW"."ORDERS"'],
    ]);
  });

  it('names relations as the Snowflake backend does, quotes names and writes bound values as literals', () => {
    const plan = compile({ warehouse: 'transform-wh', database: 'analytics_db' });
    const seg = plan.tables.find((t) => t.key === 'analytics/segments')!;
    expect(seg.relation).toBe('"ANALYTICS_DB"."ANALYTICS"."SEGMENTS"');
    expect(seg.ddl).toContain('  WAREHOUSE = "transform-wh"\n');
    expect(seg.query).toBe(`select customer_id, iff(orders > 10, 'big ''spender''', 'c:\\\\small') as segment from "ANALYTICS_DB"."STAGING"."CUSTOMER_FEATURES"`);
    expect(plan.setup).toContain('CREATE SCHEMA IF NOT EXISTS "ANALYTICS_DB"."ANALYTICS"');
    expect(plan.compensation.at(-1)).toBe('DROP DYNAMIC TABLE IF EXISTS "ANALYTICS_DB"."STAGING"."CLEANED_ORDERS"');

    // The target backend's own naming wins.
    const custom = compile({ relation: (key) => `db.${key.replace('/', '.')}` });
    expect(custom.tables[0]!.ddl).toContain('CREATE OR REPLACE DYNAMIC TABLE db.staging.cleaned_orders\n');
    expect(custom.tables[0]!.query).toContain('from db.raw.orders');
    expect(custom.setup[0]).toBe('CREATE SCHEMA IF NOT EXISTS db.staging');
  });

  it('compiles an asset to the same DDL whether it is deployed alone or with the rest', () => {
    const all = compile();
    const alone = compile({ selection: 'staging/cleaned_orders' });
    expect(alone.tables.map((t) => t.key)).toEqual(['staging/cleaned_orders']);
    expect(alone.tables[0]!.ddl).toBe(all.tables[0]!.ddl);
    expect(alone.tables[0]!.lagReason).toBe('intermediate: read by staging/customer_features (not in this deploy), staging/enriched_orders (not in this deploy)');
    expect(alone.inputs.map((i) => i.key)).toEqual(['raw/orders']);
    expect(alone.skipped).toEqual([]);
  });

  it('refuses a leaf without a time lag, naming it, unless a default lag is given', () => {
    const leaf = sqlAsset({ key: 'gold/no_lag' })`select * from ${orderSummary}`;
    const also = sqlAsset({ key: 'gold/downstream_leaf', freshness: { targetLag: 'downstream' } })`select * from ${orderSummary}`;
    const withLeaf = defineAssets([defs, leaf, also]);
    let error: unknown;
    try {
      compileDynamicTables(withLeaf, { warehouse: 'WH' });
    } catch (e) {
      error = e;
    }
    expect(error).toMatchObject({ code: 'ASSAY_INVALID_DEFINITION', assetKey: 'gold/downstream_leaf' });
    expect((error as Error).message).toMatch(/^Asset "gold\/downstream_leaf": no dynamic table reads it, so it needs a time-based freshness target.*\(also: gold\/no_lag\)$/);
    expect((error as { hint: string }).hint).toContain('--default-lag');
    // Not selected, not an error.
    expect(() => compileDynamicTables(withLeaf, { warehouse: 'WH', selection: 'analytics/order_summary' })).not.toThrow();

    const plan = compileDynamicTables(withLeaf, { warehouse: 'WH', defaultLag: '90 min' });
    const lag = plan.tables.find((t) => t.key === 'gold/no_lag')!;
    expect([lag.targetLag, lag.lagReason]).toEqual(['90 minutes', "leaf: default lag '90 minutes'"]);
    // No longer a leaf: order_summary now feeds two dynamic tables.
    expect(plan.tables.find((t) => t.key === 'analytics/order_summary')!.targetLag).toBe('DOWNSTREAM');
  });

  it('rejects bad options and unparsable freshness targets with stable codes', () => {
    expect(() => compile({ warehouse: ' ' })).toThrow(expect.objectContaining({ code: 'ASSAY_CONFIG' }));
    expect(() => compile({ defaultLag: 'downstream' })).toThrow(expect.objectContaining({ code: 'ASSAY_CONFIG', message: 'Invalid default lag "downstream"' }));
    expect(() => compile({ refreshMode: 'SOMETIMES' as never })).toThrow(expect.objectContaining({ code: 'ASSAY_CONFIG' }));
    const odd = sqlAsset({ key: 'gold/odd', freshness: { targetLag: 'soon' } })`select 1 as x from ${orderSummary}`;
    expect(() => compileDynamicTables(defineAssets([defs, odd]), { warehouse: 'WH' })).toThrow(expect.objectContaining({ code: 'ASSAY_INVALID_DEFINITION', assetKey: 'gold/odd' }));
    expect(() => compileDynamicTables(defineAssets([defs, odd]), { warehouse: 'WH', selection: 'staging/*' })).not.toThrow();
  });

  it('warns about constructs that prevent incremental refresh, worded for the refresh mode', () => {
    const sampled = sqlAsset({ key: 'gold/sampled', freshness: { targetLag: '1 hour' } })`
      select order_id, random() as r, 'limit 5' as label -- no limit here
      from ${orderSummary} where order_day > dateadd(day, -7, current_date) limit 100`;
    const recent = sqlAsset({ key: 'gold/recent', materialize: 'incremental', incremental: { strategy: 'merge', uniqueKey: 'order_day' }, freshness: { targetLag: '1 hour' } })`
      select * from ${orderSummary} where order_day > dateadd(day, -7, current_timestamp())`;
    const project = defineAssets([defs, sampled, recent]);
    const messages = (plan: DynamicTablePlan, key: string) => plan.warnings.filter((w) => w.key === key).map((w) => w.message);

    const auto = compileDynamicTables(project, { warehouse: 'WH' });
    expect(messages(auto, 'gold/sampled')).toEqual([
      'uses RANDOM() (a non-deterministic function), which forces a full refresh: AUTO will pick FULL (decided once, at creation)',
      'uses CURRENT_DATE in a filter, which incremental refresh supports only with REFRESH_MODE = INCREMENTAL; AUTO will pick FULL (decided once, at creation)',
      'uses LIMIT (a row limit), which forces a full refresh: AUTO will pick FULL (decided once, at creation)',
    ]);
    // INCREMENTAL with the current time in a filter is fine.
    expect(messages(auto, 'gold/recent')).toEqual([]);

    const incremental = compileDynamicTables(project, { warehouse: 'WH', refreshMode: 'INCREMENTAL' });
    expect(messages(incremental, 'gold/sampled')[0]).toBe(
      'uses RANDOM() (a non-deterministic function), which incremental refresh does not support: with REFRESH_MODE = INCREMENTAL Snowflake will refuse to create it; use AUTO or FULL, or change the query',
    );
    expect(compileDynamicTables(project, { warehouse: 'WH', refreshMode: 'FULL' }).warnings.filter((w) => w.key.startsWith('gold/'))).toEqual([]);
  });

  it('returns an empty plan for a selection of nothing deployable', () => {
    const plan = compile({ selection: 'group:raw' });
    expect(plan.tables).toEqual([]);
    expect(plan.statements).toEqual([]);
    expect(plan.compensation).toEqual([]);
    expect(plan.skipped.map((s) => s.key)).toEqual(['raw/customers', 'raw/orders']);
  });
});
