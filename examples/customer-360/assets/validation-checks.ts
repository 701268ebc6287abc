/**
 * The seed's post-generation validation (`snowflake/eda/03_post_generation_validation.sql`,
 * "Comprehensive validation (12 checks)") as Assay checks on the raw transactions.
 *
 * Structural checks are errors and block everything downstream; the distribution checks
 * describe what the generator is expected to produce and only warn.
 *
 * Scopes: the seed validates the generated data set once; new batches then stream in every
 * five minutes. Row-level rules read only a batch's new rows (`new-rows`: the older rows
 * passed when they arrived); statistics over the whole data set (representation, monthly
 * volume, segment behaviour, mixes) run on full loads and in `assets check`
 * (`full-builds`); the cheap whole-table ones (row count, date span) run every time.
 */
import { checks, newRows, self, sql, type AssetRef, type CheckSpec } from '@assay/core';

/** The eight transaction fields the seed null-checks. */
export const TRANSACTION_FIELDS = ['transaction_id', 'customer_id', 'transaction_date', 'transaction_amount', 'merchant_name', 'merchant_category', 'channel', 'status'] as const;

/** Merchant categories the card processor sends. */
export const MERCHANT_CATEGORY_NAMES = ['Airlines', 'Hotels', 'Travel Services', 'Dining', 'Entertainment', 'Groceries', 'Gas', 'Utilities', 'Healthcare', 'Retail', 'Electronics', 'Online Shopping'] as const;

/** Channels transactions come through. */
export const CHANNELS = ['Online', 'In-Store', 'Mobile'] as const;

/** Authorization outcomes. */
export const STATUSES = ['approved', 'declined'] as const;

/** Transactions per customer the seed's "10M–17M rows for 50,000 customers" allows. */
export const TRANSACTIONS_PER_CUSTOMER = { min: 200, max: 340 } as const;

/**
 * The 12 validation checks, numbered as in the seed, for a transactions asset whose
 * customers live in `customers` (a table with `customer_id`, `customer_segment`, `updated_at`).
 */
export function transactionValidationChecks(customers: AssetRef): CheckSpec[] {
  // Latest known segment per customer: the raw table also holds later change extracts.
  const segments = sql`(select customer_id, arg_max(customer_segment, updated_at) as customer_segment from ${customers} group by customer_id)`;
  return [
    // 1. Row count (10M-17M expected): scaled to the number of customers generated.
    checks.sql('01_row_count_in_expected_range', sql`
      select n, lo, hi from
        (select count(*) as n from ${self}) as t,
        (select ${TRANSACTIONS_PER_CUSTOMER.min} * count(distinct customer_id) as lo, ${TRANSACTIONS_PER_CUSTOMER.max} * count(distinct customer_id) as hi from ${customers}) as b
      where n not between lo and hi`, { description: 'Row count in the seed\'s 10M–17M range for 50,000 customers (200–340 per customer)' }),
    // 2. Unique transaction IDs.
    // Sort-based rather than checks.unique's GROUP BY: at 13.5M distinct ids DuckDB sorts
    // about twice as fast as it builds the hash table (1.1 s against 2.5 s here). Ids only
    // grow, so a new id can only repeat one at or above the smallest new id: after a batch,
    // only that tail of the table is sorted.
    checks.sql('02_unique_transaction_id', sql`
      select transaction_id from (
        select transaction_id, lag(transaction_id) over (order by transaction_id) as previous_id from ${self}
        where transaction_id >= (select min(transaction_id) from ${newRows})
      )
      where transaction_id = previous_id`, { description: 'No transaction id appears twice (one failing row per repeat)' }),
    // 3. NULL value validation (8 fields).
    ...TRANSACTION_FIELDS.map((f) => checks.notNull(f, { name: `03_not_null_${f}`, scope: 'new-rows', description: `${f} is never null (one of the seed's 8 null checks)` })),
    // 4. Customer representation: every customer generated has transactions.
    checks.sql('04_every_customer_has_transactions', sql`
      select c.customer_id from ${segments} as c
      where not exists (select 1 from ${self} as t where t.customer_id = c.customer_id)`, { scope: 'full-builds', description: 'Every customer (all 50,000 at seed scale) has at least one transaction' }),
    // 5. Referential integrity.
    checks.relationships('customer_id', customers, 'customer_id', { name: '05_customer_id_references_customers', scope: 'new-rows', description: 'Every transaction belongs to a known customer' }),
    // 6. Date range (17-19 months).
    checks.sql('06_date_range_17_to_19_months', sql`
      select months from (select date_diff('month', min(transaction_date), max(transaction_date)) + 1 as months from ${self})
      where months not between 17 and 19`, { description: 'Transactions span 17 to 19 calendar months' }),
    // 7. Transaction amounts (positive, < $10K).
    checks.expression('transaction_amount > 0 and transaction_amount < 10000', { name: '07_amount_positive_below_10k', scope: 'new-rows', description: 'Amounts are positive and below $10,000' }),
    // 8. Status distribution (~97% approved).
    checks.acceptedValues('status', [...STATUSES], { name: '08_status_values', scope: 'new-rows' }),
    checks.sql('08_approved_share_about_97_pct', sql`
      select approved_share from (select avg(case when status = 'approved' then 1.0 else 0.0 end) as approved_share from ${self})
      where approved_share not between 0.95 and 0.99`, { severity: 'warn', scope: 'full-builds', description: 'About 97% of transactions are approved (95–99%)' }),
    // 9. Channel distribution.
    checks.acceptedValues('channel', [...CHANNELS], { name: '09_channel_values', scope: 'new-rows' }),
    checks.sql('09_channel_mix', sql`
      select channel, share from (select channel, count(*) / sum(count(*)) over () as share from ${self} group by channel)
      where share not between 0.10 and 0.70
      union all
      select 'missing', 0 from ${self} having count(distinct channel) < 3`, { severity: 'warn', scope: 'full-builds', description: 'All three channels are used, each for 10–70% of transactions' }),
    // 10. Merchant category distribution.
    checks.acceptedValues('merchant_category', [...MERCHANT_CATEGORY_NAMES], { name: '10_merchant_category_values', scope: 'new-rows' }),
    checks.sql('10_merchant_category_mix', sql`
      select merchant_category, share from (select merchant_category, count(*) / sum(count(*)) over () as share from ${self} group by merchant_category)
      where share not between 0.01 and 0.35
      union all
      select 'missing', count(distinct merchant_category) from ${self} having count(distinct merchant_category) < ${MERCHANT_CATEGORY_NAMES.length}`, {
      severity: 'warn',
      scope: 'full-builds',
      description: 'Every category is used, none for more than 35% of transactions',
    }),
    // 11. Segment-specific patterns.
    checks.sql('11_segment_patterns', sql`
      with bounds as (select min(transaction_date) as first_at, max(transaction_date) as last_at from ${self}),
      t as (
        select s.customer_segment, t.transaction_amount,
          t.merchant_category in ('Airlines', 'Hotels', 'Travel Services') as is_travel,
          t.transaction_date < b.first_at + interval 90 day as early,
          t.transaction_date >= b.last_at - interval 90 day as late
        from ${self} as t join ${segments} as s on s.customer_id = t.customer_id cross join bounds as b
      ), seg as (
        select customer_segment, avg(transaction_amount) as avg_amount, avg(is_travel::int) as travel_share,
          count(*) filter (where early) as early_n, count(*) filter (where late) as late_n
        from t group by customer_segment
      ), rules as (
        select 'travelers have the highest average ticket' as rule,
               (select max(avg_amount) from seg) = (select avg_amount from seg where customer_segment = 'High-Value Travelers') as ok
        union all select 'budget-conscious have the lowest average ticket',
               (select min(avg_amount) from seg) = (select avg_amount from seg where customer_segment = 'Budget-Conscious')
        union all select 'travelers spend at least 20% of transactions on travel',
               (select travel_share from seg where customer_segment = 'High-Value Travelers') >= 0.2
        union all select 'decliners transact less in the last 90 days than in the first 90',
               (select late_n < 0.5 * early_n from seg where customer_segment = 'Declining')
        union all select 'new customers transact more in the last 90 days than in the first 90',
               (select late_n > early_n from seg where customer_segment = 'New & Growing')
      )
      select rule from rules where ok is not true`, { severity: 'warn', scope: 'full-builds', description: 'Each segment behaves as generated (tickets, travel share, decline, growth)' }),
    // 12. Monthly trends.
    checks.sql('12_monthly_trend', sql`
      with m as (select date_trunc('month', transaction_date) as month, count(*) as n from ${self} group by all),
      span as (select min(month) as lo, max(month) as hi, median(n) as med from m)
      select g.month, m.n from span, generate_series(span.lo, span.hi, interval 1 month) as g(month)
      left join m on m.month = g.month
      where m.n is null or (g.month < span.hi and abs(m.n - span.med) > 0.4 * span.med)`, {
      severity: 'warn',
      scope: 'full-builds',
      description: 'No month is missing, and every complete month is within 40% of the median month',
    }),
  ];
}
