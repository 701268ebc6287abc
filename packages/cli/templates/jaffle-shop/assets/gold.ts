import { asset, checks, sql, sqlAsset } from '@assay/core';
import { silverCustomers, silverOrders } from './silver.js';

// Gold layer: what dashboards and people read.

export const revenueByMonth = sqlAsset({
  key: 'gold/revenue_by_month',
  description: 'Orders and revenue per month, returns excluded.',
  freshness: { targetLag: '1 day' },
  checks: [checks.notNull('month'), checks.expression('revenue >= 0', { severity: 'warn' })],
})`
  select date_trunc('month', order_date) as month, count(*) as orders, sum(amount) as revenue
  from ${silverOrders}
  where status not in ('returned', 'return_pending')
  group by 1
  order by 1`;

/** A TypeScript asset: reads a table, computes in code, returns rows that become a table. */
export const customerSegments = asset(
  { key: 'gold/customer_segments', deps: [silverCustomers], checks: [checks.acceptedValues('segment', ['none', 'low', 'high'])] },
  async (ctx) => {
    const customers = await ctx.query(sql`select customer_id, customer_lifetime_value as value from ${silverCustomers}`);
    const rows = customers.map((c) => {
      const value = Number(c.value);
      return { customer_id: Number(c.customer_id), value, segment: value === 0 ? 'none' : value < 50 ? 'low' : 'high' };
    });
    ctx.logger.info(`segmented ${rows.length} customers`);
    return { rows };
  },
);
