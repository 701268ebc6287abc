/**
 * Gold layer: the seed's three dbt marts, as tables (built aside and swapped in atomically,
 * so BI readers never see a half-built mart).
 */
import { checks, sqlAsset } from '@assay/core';
import { CATEGORIES, ORDER_STATUSES, REGIONS, SEGMENTS, stgCustomers, stgOrderItems, stgOrders, stgProducts } from './silver.js';

/** dbt's `mart_customer_orders`: one row per order, with the amount-mismatch flag. */
export const martCustomerOrders = sqlAsset({
  key: 'gold/mart_customer_orders',
  description: 'One row per order with its customer, line metrics and an amount-mismatch flag (order total ≠ sum of its lines).',
  owners: ['analytics@shop.example'],
  checks: [
    checks.unique('order_id'),
    checks.notNull('customer_id'),
    checks.relationships('customer_id', stgCustomers, 'customer_id'),
    checks.acceptedValues('order_status', ORDER_STATUSES),
    checks.expression('calculated_total >= 0 and item_count >= product_count'),
    // Billing and line data disagree for a few orders: report them, do not stop the marts.
    checks.expression('not amount_mismatch', { name: 'order_total_matches_lines', severity: 'warn', description: 'Orders whose billed total differs from the sum of their lines.' }),
  ],
})`
  with lines as (
    select order_id,
      count(distinct product_id) as product_count,
      sum(quantity) as item_count,
      sum(line_total) as calculated_total
    from ${stgOrderItems}
    group by order_id
  )
  select
    o.order_id,
    o.customer_id,
    c.customer_name,
    c.email as customer_email,
    c.customer_segment,
    c.region as customer_region,
    o.order_status,
    cast(o.order_date as date) as order_date,
    o.order_region,
    o.order_total,
    coalesce(l.product_count, 0) as product_count,
    coalesce(l.item_count, 0) as item_count,
    cast(coalesce(l.calculated_total, 0) as decimal(12, 2)) as calculated_total,
    o.order_total <> coalesce(l.calculated_total, 0) as amount_mismatch
  from ${stgOrders} o
  join ${stgCustomers} c on c.customer_id = o.customer_id
  left join lines l on l.order_id = o.order_id`;

/** dbt's `mart_revenue`: daily revenue by region, status and segment. */
export const martRevenue = sqlAsset({
  key: 'gold/mart_revenue',
  description: 'Daily revenue by order region, status and customer segment, with cumulative revenue and week-over-week growth.',
  owners: ['finance@shop.example'],
  tags: { team: 'finance' },
  checks: [
    checks.unique(['revenue_date', 'region', 'order_status', 'customer_segment']),
    checks.notNull('revenue_date'),
    checks.acceptedValues('region', REGIONS),
    checks.acceptedValues('customer_segment', SEGMENTS),
    checks.expression('cumulative_revenue >= total_revenue and customer_count <= order_count'),
  ],
})`
  with daily as (
    select
      cast(o.order_date as date) as revenue_date,
      o.order_region as region,
      o.order_status,
      c.customer_segment,
      count(*) as order_count,
      count(distinct o.customer_id) as customer_count,
      sum(o.order_total) as total_revenue
    from ${stgOrders} o
    join ${stgCustomers} c on c.customer_id = o.customer_id
    group by all
  )
  select
    d.revenue_date,
    d.region,
    d.order_status,
    d.customer_segment,
    d.order_count,
    d.customer_count,
    d.total_revenue,
    round(d.total_revenue / d.order_count, 2) as avg_order_value,
    sum(d.total_revenue) over (
      partition by d.region, d.order_status, d.customer_segment
      order by d.revenue_date rows between unbounded preceding and current row
    ) as cumulative_revenue,
    w.total_revenue as revenue_prior_week,
    -- Same group, same weekday a week earlier; no growth figure without a base.
    case when w.total_revenue > 0 then round((d.total_revenue - w.total_revenue) / w.total_revenue * 100, 2) end as wow_growth_pct
  from daily d
  left join daily w
    on w.region = d.region and w.order_status = d.order_status and w.customer_segment = d.customer_segment
   and w.revenue_date = d.revenue_date - 7`;

/** dbt's `mart_product_performance`: one row per product with sales, discounts and category rank. */
export const martProductPerformance = sqlAsset({
  key: 'gold/mart_product_performance',
  description: 'One row per product: orders, units, revenue, average selling price, discount range and rank within its category (cancelled and returned orders excluded).',
  owners: ['merchandising@shop.example'],
  checks: [
    checks.unique('product_id'),
    checks.relationships('product_id', stgProducts, 'product_id'),
    checks.acceptedValues('category', CATEGORIES),
    checks.notNull('category_rank'),
    checks.expression('min_discount is null or (min_discount <= avg_discount and avg_discount <= max_discount)'),
  ],
})`
  with sales as (
    select
      i.product_id,
      count(distinct i.order_id) as order_count,
      sum(i.quantity) as units_sold,
      sum(i.line_total) as total_revenue,
      min(i.discount) as min_discount,
      max(i.discount) as max_discount,
      round(avg(i.discount), 4) as avg_discount
    from ${stgOrderItems} i
    join ${stgOrders} o on o.order_id = i.order_id
    -- Lines of cancelled and returned orders were not sold.
    where o.order_status not in ('cancelled', 'returned')
    group by i.product_id
  )
  select
    p.product_id,
    p.product_name,
    p.category,
    p.list_price,
    coalesce(s.order_count, 0) as order_count,
    coalesce(s.units_sold, 0) as units_sold,
    cast(coalesce(s.total_revenue, 0) as decimal(12, 2)) as total_revenue,
    round(s.total_revenue / s.units_sold, 2) as avg_selling_price,
    s.min_discount,
    s.max_discount,
    s.avg_discount,
    rank() over (partition by p.category order by coalesce(s.total_revenue, 0) desc) as category_rank
  from ${stgProducts} p
  left join sales s on s.product_id = p.product_id`;
