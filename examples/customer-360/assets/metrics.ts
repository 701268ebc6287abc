/**
 * Gold metrics: the seed's `METRIC_CUSTOMER_LTV`, `METRIC_MOM_SPEND_CHANGE` and
 * `METRIC_AVG_TRANSACTION_VALUE`, plus the customer-month rollup two of them share so the
 * 13.5M-row fact is aggregated once.
 */
import { checks, self, sql, sqlAsset, whenIncremental } from '@assay/core';
import { DIM_CUSTOMER, DIM_MERCHANT_CATEGORY, FCT_TRANSACTIONS } from './gold.js';

const owners = ['analytics@c360.example'];

/**
 * Customer × month rollup of the fact (about 18 rows per customer). Incremental: a run after
 * new transactions recomputes only the customer-months they fall in (a late transaction for
 * an old month included), found through `loaded_through`, the newest load time each row has
 * seen; a full refresh rebuilds it all.
 */
export const INT_CUSTOMER_MONTHLY = sqlAsset({
  key: 'gold/INT_CUSTOMER_MONTHLY',
  materialize: 'incremental',
  incremental: { strategy: 'delete+insert', uniqueKey: ['customer_id', 'month_start'] },
  description: 'Intermediate: per customer and month, transactions, approved spend, declines, online and travel activity.',
  owners,
  checks: [checks.unique(['customer_id', 'month_start'])],
})`
  ${whenIncremental(sql`
  with touched as (
    select distinct customer_id, cast(date_trunc('month', transaction_date) as date) as month_start
    from ${FCT_TRANSACTIONS}
    where loaded_at > (select max(loaded_through) from ${self})
  )`)}
  select
    f.customer_id,
    cast(date_trunc('month', f.transaction_date) as date) as month_start,
    count(*) as transactions,
    count(*) filter (where f.is_approved) as approved_transactions,
    count(*) filter (where not f.is_approved) as declined_transactions,
    coalesce(sum(f.transaction_amount) filter (where f.is_approved), 0) as spend,
    count(*) filter (where f.channel = 'Online') as online_transactions,
    coalesce(sum(f.transaction_amount) filter (where f.is_approved and m.is_travel), 0) as travel_spend,
    min(f.transaction_date) as first_transaction_at,
    max(f.transaction_date) as last_transaction_at,
    max(f.loaded_at) as loaded_through
  from ${FCT_TRANSACTIONS} as f
  join ${DIM_MERCHANT_CATEGORY} as m on m.merchant_category_key = f.merchant_category_key
  ${whenIncremental(sql`
  join touched as t on t.customer_id = f.customer_id and t.month_start = cast(date_trunc('month', f.transaction_date) as date)
  where f.transaction_date >= (select min(month_start) from touched)`)}
  group by all`;

/**
 * Month-over-month spend per customer: every month from the customer's first through the
 * newest month of data (months without spend count as 0), with the change on the month before.
 * The newest month is flagged `is_partial_month` while it is still running.
 */
export const METRIC_MOM_SPEND_CHANGE = sqlAsset({
  key: 'gold/METRIC_MOM_SPEND_CHANGE',
  description: 'Per customer and month: approved spend, the previous month\'s, and the change in dollars and percent.',
  owners,
  checks: [checks.unique(['customer_id', 'month_start']), checks.expression('spend >= 0')],
})`
  with bounds as (
    select customer_id, min(month_start) as first_month from ${INT_CUSTOMER_MONTHLY} group by customer_id
  ),
  latest as (
    select max(month_start) as last_month, max(last_transaction_at) as last_at from ${INT_CUSTOMER_MONTHLY}
  ),
  grid as (
    select b.customer_id, cast(unnest(generate_series(b.first_month, l.last_month, interval 1 month)) as date) as month_start
    from bounds as b cross join latest as l
  ),
  filled as (
    select g.customer_id, g.month_start, coalesce(i.spend, 0) as spend, coalesce(i.approved_transactions, 0) as approved_transactions
    from grid as g left join ${INT_CUSTOMER_MONTHLY} as i on i.customer_id = g.customer_id and i.month_start = g.month_start
  )
  select
    f.customer_id,
    f.month_start,
    f.spend,
    f.approved_transactions,
    lag(f.spend) over w as prev_month_spend,
    f.spend - lag(f.spend) over w as mom_change,
    round(100 * (f.spend - lag(f.spend) over w) / nullif(lag(f.spend) over w, 0), 2) as mom_change_pct,
    f.month_start = l.last_month and l.last_at < l.last_month + interval 1 month - interval 1 day as is_partial_month
  from filled as f cross join latest as l
  window w as (partition by f.customer_id order by f.month_start)`;

/**
 * Customer lifetime value: historical approved spend, average and recent monthly spend, a
 * 12-month projection from the last three months, and an LTV tier (quartiles).
 */
export const METRIC_CUSTOMER_LTV = sqlAsset({
  key: 'gold/METRIC_CUSTOMER_LTV',
  description: 'Per customer: lifetime spend and transactions, monthly averages, a 12-month projection and an LTV tier.',
  owners,
  checks: [
    checks.unique('customer_id'),
    checks.relationships('customer_id', DIM_CUSTOMER, 'customer_id'),
    checks.expression('historical_ltv >= 0 and projected_12m_value >= 0'),
    checks.acceptedValues('ltv_tier', ['Platinum', 'Gold', 'Silver', 'Bronze']),
  ],
})`
  with latest as (select max(month_start) as last_month from ${INT_CUSTOMER_MONTHLY}),
  per_customer as (
    select
      i.customer_id,
      sum(i.spend) as historical_ltv,
      sum(i.transactions) as lifetime_transactions,
      sum(i.approved_transactions) as lifetime_approved_transactions,
      count(*) filter (where i.approved_transactions > 0) as active_months,
      min(i.month_start) as first_month,
      min(i.first_transaction_at) as first_transaction_at,
      max(i.last_transaction_at) as last_transaction_at,
      coalesce(sum(i.spend) filter (where i.month_start > l.last_month - interval 3 month), 0) as spend_last_3_months
    from ${INT_CUSTOMER_MONTHLY} as i cross join latest as l
    group by i.customer_id
  )
  select
    p.customer_id,
    c.customer_segment,
    c.account_open_date,
    date_diff('month', c.account_open_date, l.last_month) as tenure_months,
    p.first_transaction_at,
    p.last_transaction_at,
    p.lifetime_transactions,
    p.lifetime_approved_transactions,
    p.active_months,
    round(p.historical_ltv, 2) as historical_ltv,
    round(p.historical_ltv / (date_diff('month', p.first_month, l.last_month) + 1), 2) as avg_monthly_spend,
    round(p.historical_ltv / nullif(p.lifetime_approved_transactions, 0), 2) as avg_transaction_value,
    round(p.spend_last_3_months / 3 * 12, 2) as projected_12m_value,
    case ntile(4) over (order by p.historical_ltv desc, p.customer_id)
      when 1 then 'Platinum' when 2 then 'Gold' when 3 then 'Silver' else 'Bronze' end as ltv_tier
  from per_customer as p
  cross join latest as l
  join ${DIM_CUSTOMER} as c on c.customer_id = p.customer_id and c.is_current`;

/** Average transaction value by month, customer segment and merchant category (approved transactions). */
export const METRIC_AVG_TRANSACTION_VALUE = sqlAsset({
  key: 'gold/METRIC_AVG_TRANSACTION_VALUE',
  description: 'Per month, current customer segment and merchant category: approved transactions, spend and average ticket.',
  owners,
  checks: [
    checks.unique(['month_start', 'customer_segment', 'merchant_category']),
    checks.expression('avg_transaction_value > 0'),
    checks.rowCount({ min: 1 }),
  ],
})`
  select
    cast(date_trunc('month', f.transaction_date) as date) as month_start,
    c.customer_segment,
    f.merchant_category,
    count(*) as approved_transactions,
    sum(f.transaction_amount) as spend,
    round(avg(f.transaction_amount), 2) as avg_transaction_value
  from ${FCT_TRANSACTIONS} as f
  join ${DIM_CUSTOMER} as c on c.customer_id = f.customer_id and c.is_current
  where f.is_approved
  group by all`;
