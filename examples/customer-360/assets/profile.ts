/**
 * Gold: `CUSTOMER_360_PROFILE`, the denormalized one-row-per-customer view the seed shares
 * with partners (`GRANT SELECT ON VIEW GOLD.customer_360_profile TO SHARE ...`).
 */
import { checks, self, sql, sqlAsset } from '@assay/core';
import { DIM_CUSTOMER, FCT_TRANSACTIONS } from './gold.js';
import { METRIC_CUSTOMER_LTV, METRIC_MOM_SPEND_CHANGE } from './metrics.js';

/**
 * One row per current customer: attributes, lifetime value, the last 30/90 days of activity,
 * favourite category and channel, credit utilization and the last complete month's change.
 */
export const CUSTOMER_360_PROFILE = sqlAsset({
  key: 'gold/CUSTOMER_360_PROFILE',
  description: 'Denormalized customer view: current attributes, LTV, recent activity, preferences and month-over-month trend.',
  owners: ['analytics@c360.example'],
  tags: { pii: '', shared: 'customer_360_insights' },
  checks: [
    checks.unique('customer_id'),
    checks.notNull('customer_segment'),
    checks.sql('one_row_per_current_customer', sql`
      select customer_id from ${DIM_CUSTOMER} where is_current
      except select customer_id from ${self}`),
  ],
})`
  with as_of as (select max(transaction_date) as as_of_ts from ${FCT_TRANSACTIONS}),
  recent as (
    select
      f.customer_id,
      count(*) filter (where f.is_approved and f.transaction_date > a.as_of_ts - interval 30 day) as transactions_30d,
      count(*) filter (where f.is_approved) as transactions_90d,
      coalesce(sum(f.transaction_amount) filter (where f.is_approved and f.transaction_date > a.as_of_ts - interval 30 day), 0) as spend_30d,
      coalesce(sum(f.transaction_amount) filter (where f.is_approved), 0) as spend_90d,
      mode(f.merchant_category) as favorite_category_90d,
      mode(f.channel) as preferred_channel_90d
    from ${FCT_TRANSACTIONS} as f cross join as_of as a
    where f.transaction_date > a.as_of_ts - interval 90 day
    group by f.customer_id
  ),
  last_complete_month as (
    select customer_id, spend as last_month_spend, mom_change_pct as last_month_change_pct
    from ${METRIC_MOM_SPEND_CHANGE}
    where month_start = (select max(month_start) from ${METRIC_MOM_SPEND_CHANGE} where not is_partial_month)
  )
  select
    c.customer_id,
    c.first_name,
    c.last_name,
    c.email,
    c.age,
    c.state,
    c.city,
    c.employment_status,
    c.card_type,
    c.credit_limit,
    c.account_open_date,
    c.customer_segment,
    c.scd_id as customer_sk,
    l.historical_ltv,
    l.avg_monthly_spend,
    l.avg_transaction_value,
    l.projected_12m_value,
    l.ltv_tier,
    l.lifetime_transactions,
    l.first_transaction_at,
    l.last_transaction_at,
    date_diff('day', l.last_transaction_at, a.as_of_ts) as days_since_last_transaction,
    coalesce(r.transactions_30d, 0) as transactions_30d,
    coalesce(r.transactions_90d, 0) as transactions_90d,
    coalesce(r.spend_30d, 0) as spend_30d,
    coalesce(r.spend_90d, 0) as spend_90d,
    round(coalesce(r.spend_30d, 0) / nullif(c.credit_limit, 0), 4) as credit_utilization_30d,
    r.favorite_category_90d,
    r.preferred_channel_90d,
    m.last_month_spend,
    m.last_month_change_pct,
    cast(a.as_of_ts as date) as as_of_date
  from ${DIM_CUSTOMER} as c
  cross join as_of as a
  left join ${METRIC_CUSTOMER_LTV} as l on l.customer_id = c.customer_id
  left join recent as r on r.customer_id = c.customer_id
  left join last_complete_month as m on m.customer_id = c.customer_id
  where c.is_current`;
