// The streaming playbook's pipeline (seed 001) in Snowflake SQL: raw tables (sources the
// test creates) → cleaned → enriched → summary, plus a TypeScript asset (never deployed),
// a broken asset (its CREATE fails) and a leaf without a freshness target.
import { asset, sourceAsset, sql, sqlAsset } from '@assay/core';

export const rawOrders = sourceAsset({ key: 'raw/orders' });
export const rawCustomers = sourceAsset({ key: 'raw/customers' });

export const cleanedOrders = sqlAsset({ key: 'staging/cleaned_orders', materialize: 'incremental', incremental: { strategy: 'merge', uniqueKey: 'order_id' } })({
  snowflake: sql`
    select order_id, trim(customer_id) as customer_id, order_date, round(total_amount, 2) as total_amount, upper(status) as status
    from ${rawOrders}
    where order_date is not null`,
});

export const enrichedOrders = sqlAsset({ key: 'staging/enriched_orders', freshness: { targetLag: 'downstream' } })({
  snowflake: sql`
    select o.order_id, o.customer_id, c.segment, o.order_date, o.total_amount, o.status
    from ${cleanedOrders} as o join ${rawCustomers} as c on o.customer_id = c.customer_id`,
});

export const orderSummary = sqlAsset({ key: 'analytics/order_summary', freshness: { targetLag: '30 minutes' } })({
  snowflake: sql`
    select segment, count(*) as order_count, sum(total_amount) as total_revenue
    from ${enrichedOrders}
    where status <> ${'CANCELLED'}
    group by segment`,
});

export const churnScore = asset({ key: 'ml/churn_score', deps: [orderSummary] }, async () => ({ rowCount: 0 }));

export const broken = sqlAsset({ key: 'broken/no_such_column', freshness: { targetLag: '1 hour' } })({
  snowflake: sql`select no_such_column from ${cleanedOrders}`,
});

// A leaf with no freshness target: deploying it is an error unless --default-lag is given.
export const noLag = sqlAsset({ key: 'broken/no_lag' })({ snowflake: sql`select count(*) as n from ${cleanedOrders}` });
