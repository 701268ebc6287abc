/**
 * Gold layer: the seed's `gold.customer_analytics`, one row per current customer and
 * analysis date (the seed partitions it by `analysis_date`): lifetime value, order
 * statistics, a churn probability, the preferred category and the geographic region.
 */
import { checks, raw, sqlAsset } from '@assay/core';
import { dimCustomers, fctOrderItems, fctOrders } from './silver.js';
import { US_STATE_REGIONS } from './us-states.js';

/** `('AL', 'South'), ...`: the state → Census region lookup as a VALUES list. */
const REGIONS = raw(Object.entries(US_STATE_REGIONS).map(([s, r]) => `('${s}', '${r}')`).join(', '));

/**
 * How `churn_probability` is computed (recorded in the asset's metadata): a logistic score
 * of recency, frequency and account status, `1 / (1 + e^-z)`, standing in for the seed's
 * SageMaker model until one is trained on this data.
 */
export const CHURN_FORMULA = 'z = -2.5 + 0.02 * days_inactive - 0.3 * least(total_orders, 10) + (3 if closed)';

/** The seed's `gold.customer_analytics`, one snapshot per analysis date. */
export const customerAnalytics = sqlAsset({
  key: 'gold/customer_analytics',
  materialize: 'incremental',
  // One snapshot per analysis date: a rerun replaces that date's rows, later dates add rows.
  incremental: { strategy: 'delete+insert', uniqueKey: 'analysis_date' },
  description: 'Customer analytics per analysis date: segment, lifetime value, order stats, churn probability, preferred category, region.',
  owners: ['analytics@shop.example'],
  tags: { team: 'analytics' },
  metadata: { churn: CHURN_FORMULA },
  checks: [
    checks.unique(['analysis_date', 'customer_key']),
    checks.notNull('customer_key'),
    checks.relationships('customer_key', dimCustomers, 'customer_key'),
    checks.expression('churn_probability between 0 and 1'),
    checks.expression('lifetime_value >= 0 and total_orders >= 0'),
    checks.acceptedValues('customer_segment', ['inactive', 'prospect', 'high_value', 'at_risk', 'loyal', 'regular']),
    checks.acceptedValues('geographic_region', ['Northeast', 'Midwest', 'South', 'West', 'Unknown']),
  ],
})`
  with as_of as (
    -- The newest order is "today": reruns over the same data give the same numbers.
    select cast(max(order_date) as date) as analysis_date from ${fctOrders}
  ), kept as (
    select * from ${fctOrders} where status not in ('cancelled', 'returned')
  ), stats as (
    select customer_id, sum(total_amount) as lifetime_value, count(*) as total_orders, cast(max(order_date) as date) as last_order_date
    from kept group by customer_id
  ), spend as (
    select k.customer_id, i.category, sum(i.line_amount) as amount
    from ${fctOrderItems} i join kept k on k.order_id = i.order_id
    where i.category is not null
    group by all
  ), preferred as (
    select customer_id, category from spend
    qualify row_number() over (partition by customer_id order by amount desc, category) = 1
  ), regions(state, region) as (
    values ${REGIONS}
  ), base as (
    select
      c.customer_key, c.customer_id, c.is_active, c.address_standardized.state as state, c.created_date,
      coalesce(s.lifetime_value, 0) as lifetime_value,
      coalesce(s.total_orders, 0) as total_orders,
      s.last_order_date,
      p.category as preferred_category,
      a.analysis_date,
      greatest(a.analysis_date - coalesce(s.last_order_date, c.created_date), 0) as days_inactive
    from ${dimCustomers} c
    cross join as_of a
    left join stats s on s.customer_id = c.customer_id
    left join preferred p on p.customer_id = c.customer_id
    where c.is_current
  ), scored as (
    select *,
      round(1 / (1 + exp(-(-2.5 + 0.02 * days_inactive - 0.3 * least(total_orders, 10) + case when is_active then 0 else 3 end))), 4) as churn_probability
    from base
  )
  select
    customer_key,
    customer_id,
    case
      when not is_active then 'inactive'
      when total_orders = 0 then 'prospect'
      when lifetime_value >= 5000 then 'high_value'
      when churn_probability >= 0.6 then 'at_risk'
      when total_orders >= 5 then 'loyal'
      else 'regular'
    end as customer_segment,
    cast(lifetime_value as double) as lifetime_value,
    cast(total_orders as integer) as total_orders,
    case when total_orders > 0 then round(cast(lifetime_value as double) / total_orders, 2) end as avg_order_value,
    last_order_date,
    churn_probability,
    preferred_category,
    coalesce(r.region, 'Unknown') as geographic_region,
    analysis_date
  from scored
  left join regions r on r.state = scored.state`;
