/**
 * jaffle_shop as an Assay project: raw CSV ingestion → bronze staging views → silver
 * orders → gold customers and daily revenue, with checks at each layer.
 *
 * Data: dbt Labs' public jaffle_shop sample (Apache-2.0), amounts in cents.
 */
import { asset, checks, ingestAsset, sql, sqlAsset } from '@assay/core';

// raw: files loaded as-is, with source_file and loaded_at added by the ingestion.
export const rawCustomers = ingestAsset({ key: 'raw/customers', path: 'data/raw_customers.csv', format: 'csv', description: 'Customers as exported by the shop.' });
export const rawOrders = ingestAsset({ key: 'raw/orders', path: 'data/raw_orders.csv', format: 'csv', description: 'Orders as exported by the shop.' });
export const rawPayments = ingestAsset({ key: 'raw/payments', path: 'data/raw_payments.csv', format: 'csv', description: 'Payments in cents.' });

// bronze: renamed and typed, as views (cheap, always current).
export const stgCustomers = sqlAsset({
  key: 'bronze/stg_customers',
  materialize: 'view',
  checks: [checks.unique('customer_id'), checks.notNull('customer_id')],
})`
  select id as customer_id, first_name, last_name
  from ${rawCustomers}`;

export const stgOrders = sqlAsset({
  key: 'bronze/stg_orders',
  materialize: 'view',
  checks: [
    checks.unique('order_id'),
    checks.acceptedValues('status', ['placed', 'shipped', 'completed', 'return_pending', 'returned']),
  ],
})`
  select id as order_id, user_id as customer_id, cast(order_date as date) as order_date, status
  from ${rawOrders}`;

export const stgPayments = sqlAsset({
  key: 'bronze/stg_payments',
  materialize: 'view',
  checks: [checks.acceptedValues('payment_method', ['credit_card', 'coupon', 'bank_transfer', 'gift_card'])],
})`
  select id as payment_id, order_id, payment_method, amount / 100.0 as amount
  from ${rawPayments}`;

// silver: one row per order with its payments pivoted.
export const orders = sqlAsset({
  key: 'silver/orders',
  description: 'One row per order, with the amount paid by each method.',
  checks: [
    checks.unique('order_id'),
    checks.relationships('customer_id', stgCustomers, 'customer_id'),
    checks.expression('amount >= 0'),
  ],
})`
  select
    o.order_id, o.customer_id, o.order_date, o.status,
    coalesce(sum(case when p.payment_method = 'credit_card' then p.amount end), 0) as credit_card_amount,
    coalesce(sum(case when p.payment_method = 'coupon' then p.amount end), 0) as coupon_amount,
    coalesce(sum(case when p.payment_method = 'bank_transfer' then p.amount end), 0) as bank_transfer_amount,
    coalesce(sum(case when p.payment_method = 'gift_card' then p.amount end), 0) as gift_card_amount,
    coalesce(sum(p.amount), 0) as amount
  from ${stgOrders} o
  left join ${stgPayments} p on p.order_id = o.order_id
  group by o.order_id, o.customer_id, o.order_date, o.status`;

// gold: what the business reads.
export const customers = sqlAsset({
  key: 'gold/customers',
  owners: ['analytics@jaffle.shop'],
  checks: [checks.unique('customer_id'), checks.rowCount({ min: 1 })],
})`
  select
    c.customer_id, c.first_name, c.last_name,
    min(o.order_date) as first_order,
    max(o.order_date) as most_recent_order,
    count(o.order_id) as number_of_orders,
    coalesce(sum(o.amount), 0) as customer_lifetime_value
  from ${stgCustomers} c
  left join ${orders} o on o.customer_id = c.customer_id
  group by c.customer_id, c.first_name, c.last_name`;

export const dailyRevenue = sqlAsset({
  key: 'gold/daily_revenue',
  tags: { team: 'finance' },
  checks: [checks.expression('revenue >= 0')],
})`
  select order_date, count(*) as orders, sum(amount) as revenue
  from ${orders}
  where status not in ('returned', 'return_pending')
  group by order_date`;

// A TypeScript asset: reads gold and records a summary as metadata.
export const topCustomers = asset({ key: 'gold/top_customers', deps: [customers], description: 'The five best customers by lifetime value.' }, async (ctx) => {
  const rows = await ctx.query(sql`
    select customer_id, first_name, last_name, customer_lifetime_value
    from ${customers} order by customer_lifetime_value desc, customer_id limit ${5}`);
  ctx.logger.info(`best customer: ${String(rows[0]?.first_name)} (${String(rows[0]?.customer_lifetime_value)})`);
  return { rows, metadata: { best: rows[0]?.customer_id } };
});
