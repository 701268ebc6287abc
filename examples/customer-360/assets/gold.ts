/**
 * Gold: the seed's star schema and customer views — `DIM_CUSTOMER` (SCD Type 2),
 * `DIM_DATE` (580 days), `DIM_MERCHANT_CATEGORY`, `FCT_TRANSACTIONS`, `CUSTOMER_SEGMENTS`
 * (rolling 90 days) and `CUSTOMER_360_PROFILE`.
 */
import { checks, raw, self, sql, sqlAsset, type RawSql } from '@assay/core';
import { STG_CUSTOMERS, STG_TRANSACTIONS } from './silver.js';
import { CHANNELS, MERCHANT_CATEGORY_NAMES, STATUSES } from './validation-checks.js';

/** A DuckDB enum type literal for a fixed list of values, e.g. `enum('a', 'b')`. */
function enumOf(values: readonly string[]): RawSql {
  return raw(`enum(${values.map((v) => `'${v.replace(/'/g, "''")}'`).join(', ')})`);
}

/** The date spine: the seed's 580 days, from the first day of history. */
export const DATE_SPINE = { start: '2024-01-01', days: 580 } as const;

const owners = ['analytics@c360.example'];

/**
 * Customer dimension, SCD Type 2 (dbt snapshot semantics): a new version whenever a
 * customer's record changes (`updated_at` moves forward), with `valid_from`/`valid_to`/
 * `is_current` and `scd_id` as the surrogate key facts point to.
 */
export const DIM_CUSTOMER = sqlAsset({
  key: 'gold/DIM_CUSTOMER',
  materialize: 'scd2',
  scd2: { uniqueKey: 'customer_id', updatedAt: 'updated_at' },
  description: 'Customer dimension with full history (SCD Type 2); scd_id is the surrogate key.',
  owners,
  tags: { pii: '' },
  checks: [
    checks.unique('scd_id'),
    checks.sql('one_current_version_per_customer', sql`
      select customer_id, count(*) filter (where is_current) as current_versions from ${self}
      group by customer_id having count(*) filter (where is_current) <> 1`),
  ],
})`select * from ${STG_CUSTOMERS}`;

/** Calendar dimension: one row per day of the seed's 580-day spine. */
export const DIM_DATE = sqlAsset({
  key: 'gold/DIM_DATE',
  description: `Calendar dimension: ${DATE_SPINE.days} days from ${DATE_SPINE.start} (18 months of history plus a month for new transactions).`,
  owners,
  checks: [checks.unique('date_key'), checks.rowCount({ min: DATE_SPINE.days, max: DATE_SPINE.days })],
})`
  select
    cast(strftime(d, '%Y%m%d') as integer) as date_key,
    cast(d as date) as calendar_date,
    year(d) as year,
    quarter(d) as quarter,
    month(d) as month,
    monthname(d) as month_name,
    cast(date_trunc('month', d) as date) as month_start,
    weekofyear(d) as iso_week,
    isodow(d) as day_of_week,
    dayname(d) as day_name,
    isodow(d) in (6, 7) as is_weekend
  from generate_series(cast(${DATE_SPINE.start} as date), cast(${DATE_SPINE.start} as date) + cast(${DATE_SPINE.days - 1} as integer), interval 1 day) as s(d)`;

/** Merchant categories with their reporting group (a static reference table, like a dbt seed). */
export const DIM_MERCHANT_CATEGORY = sqlAsset({
  key: 'gold/DIM_MERCHANT_CATEGORY',
  description: 'The twelve merchant categories, their reporting group and travel/essential flags.',
  owners,
  checks: [checks.unique('merchant_category_key'), checks.unique('merchant_category')],
})`
  select merchant_category_key, merchant_category, category_group,
    category_group = 'Travel' as is_travel, category_group = 'Essentials' as is_essential
  from (values
    (1, 'Airlines', 'Travel'), (2, 'Hotels', 'Travel'), (3, 'Travel Services', 'Travel'),
    (4, 'Dining', 'Lifestyle'), (5, 'Entertainment', 'Lifestyle'),
    (6, 'Groceries', 'Essentials'), (7, 'Gas', 'Essentials'), (8, 'Utilities', 'Essentials'), (9, 'Healthcare', 'Essentials'),
    (10, 'Retail', 'Shopping'), (11, 'Electronics', 'Shopping'), (12, 'Online Shopping', 'Shopping')
  ) as c(merchant_category_key, merchant_category, category_group)`;

/**
 * Transaction fact, appended incrementally: each run inserts only transactions with an id
 * above the table's current maximum (the seed's stream + MERGE every 5 minutes). Channel,
 * status and category are enums (one byte per row instead of a string at 13.5M rows); the
 * date and category keys join to their dimensions, `customer_id` to `DIM_CUSTOMER`
 * (`is_current` for today's attributes, `valid_from`/`valid_to` for the attributes at the
 * time of the transaction).
 */
export const FCT_TRANSACTIONS = sqlAsset({
  key: 'gold/FCT_TRANSACTIONS',
  materialize: 'incremental',
  incremental: { strategy: 'append', watermark: 'transaction_id' },
  description: 'One row per card transaction, keyed to the customer, date and merchant category.',
  owners,
  // Referential integrity to customers is checked on the raw transactions (seed check 5);
  // repeating it here would make every customer change re-run the fact.
  checks: [
    checks.notNull('merchant_category_key', { scope: 'new-rows' }),
    checks.sql('date_key_within_dim_date', sql`
      select min(date_key) as first_key, max(date_key) as last_key from ${self}
      having min(date_key) < (select min(date_key) from ${DIM_DATE}) or max(date_key) > (select max(date_key) from ${DIM_DATE})`),
  ],
})`
  select
    t.transaction_id,
    t.customer_id,
    year(t.transaction_day) * 10000 + month(t.transaction_day) * 100 + day(t.transaction_day) as date_key,
    m.merchant_category_key,
    t.transaction_date,
    t.transaction_amount,
    t.merchant_name,
    cast(t.merchant_category as ${enumOf(MERCHANT_CATEGORY_NAMES)}) as merchant_category,
    cast(t.channel as ${enumOf(CHANNELS)}) as channel,
    cast(t.status as ${enumOf(STATUSES)}) as status,
    t.status = 'approved' as is_approved,
    t.loaded_at
  from ${STG_TRANSACTIONS} as t
  left join ${DIM_MERCHANT_CATEGORY} as m on m.merchant_category = t.merchant_category`;

/**
 * Rolling 90-day metrics by segment: the 90 days up to the newest transaction, compared with
 * the 90 days before. Segments are customers' current ones.
 */
export const CUSTOMER_SEGMENTS = sqlAsset({
  key: 'gold/CUSTOMER_SEGMENTS',
  description: 'Per segment: customers, activity, spend, ticket size, declines and channel mix over the trailing 90 days, and the change against the prior 90 days.',
  owners,
  checks: [checks.unique('customer_segment'), checks.rowCount({ min: 5, max: 5 }), checks.expression('active_customers_90d <= customers')],
})`
  with as_of as (select max(transaction_date) as as_of_ts from ${FCT_TRANSACTIONS}),
  cur as (select customer_id, customer_segment from ${DIM_CUSTOMER} where is_current),
  recent as (
    select cur.customer_segment, f.customer_id, f.transaction_amount, f.is_approved, f.channel, f.merchant_category,
      f.transaction_date > a.as_of_ts - interval 90 day as in_window
    from ${FCT_TRANSACTIONS} as f join cur on cur.customer_id = f.customer_id cross join as_of as a
    where f.transaction_date > a.as_of_ts - interval 180 day
  ),
  agg as (
    select customer_segment,
      count(distinct customer_id) filter (where in_window) as active_customers_90d,
      count(*) filter (where in_window) as transactions_90d,
      coalesce(sum(transaction_amount) filter (where in_window and is_approved), 0) as spend_90d,
      avg(transaction_amount) filter (where in_window and is_approved) as avg_transaction_value_90d,
      avg(case when is_approved then 0.0 else 1.0 end) filter (where in_window) as decline_rate_90d,
      avg(case when channel = 'Online' then 1.0 else 0.0 end) filter (where in_window) as online_share_90d,
      avg(case when channel = 'Mobile' then 1.0 else 0.0 end) filter (where in_window) as mobile_share_90d,
      mode(merchant_category) filter (where in_window) as top_merchant_category_90d,
      coalesce(sum(transaction_amount) filter (where not in_window and is_approved), 0) as spend_prior_90d
    from recent group by customer_segment
  )
  select
    s.customer_segment,
    cast(a.as_of_ts as date) as as_of_date,
    cast(a.as_of_ts - interval 90 day as date) as window_start,
    s.customers,
    coalesce(g.active_customers_90d, 0) as active_customers_90d,
    coalesce(g.transactions_90d, 0) as transactions_90d,
    round(coalesce(g.spend_90d, 0), 2) as spend_90d,
    round(g.avg_transaction_value_90d, 2) as avg_transaction_value_90d,
    round(coalesce(g.spend_90d, 0) / nullif(g.active_customers_90d, 0), 2) as spend_per_active_customer_90d,
    round(g.decline_rate_90d, 4) as decline_rate_90d,
    round(g.online_share_90d, 4) as online_share_90d,
    round(g.mobile_share_90d, 4) as mobile_share_90d,
    g.top_merchant_category_90d,
    round(coalesce(g.spend_prior_90d, 0), 2) as spend_prior_90d,
    round(100 * (coalesce(g.spend_90d, 0) - g.spend_prior_90d) / nullif(g.spend_prior_90d, 0), 2) as spend_change_pct
  from (select customer_segment, count(*) as customers from cur group by customer_segment) as s
  cross join as_of as a
  left join agg as g on g.customer_segment = s.customer_segment`;
