/**
 * Silver: cleaned and conformed staging views over bronze (the seed's "built by dbt models
 * (intermediate transformations)"). Views cost nothing to refresh; gold reads through them.
 */
import { checks, sqlAsset } from '@assay/core';
import { BRONZE_CUSTOMERS, BRONZE_TRANSACTIONS } from './bronze.js';

/** The seed's five customer segments. */
export const SEGMENT_NAMES = ['High-Value Travelers', 'Stable Mid-Spenders', 'Budget-Conscious', 'Declining', 'New & Growing'] as const;

/** Current state of each customer: the newest record across the snapshot and change extracts, typed. */
export const STG_CUSTOMERS = sqlAsset({
  key: 'silver/STG_CUSTOMERS',
  materialize: 'view',
  description: 'One row per customer: the newest record across all customer files, typed and trimmed.',
  tags: { pii: '' },
  checks: [
    checks.unique('customer_id'),
    checks.notNull('customer_id'),
    checks.notNull('updated_at'),
    checks.acceptedValues('customer_segment', [...SEGMENT_NAMES]),
    checks.acceptedValues('card_type', ['Standard', 'Gold', 'Platinum', 'Travel Rewards']),
  ],
})`
  select
    trim(customer_id) as customer_id,
    trim(first_name) as first_name,
    trim(last_name) as last_name,
    lower(trim(email)) as email,
    cast(age as integer) as age,
    upper(trim(state)) as state,
    trim(city) as city,
    trim(employment_status) as employment_status,
    trim(card_type) as card_type,
    cast(credit_limit as decimal(12, 2)) as credit_limit,
    cast(account_open_date as date) as account_open_date,
    trim(customer_segment) as customer_segment,
    nullif(trim(decline_type), '') as decline_type,
    cast(updated_at as timestamp) as updated_at
  from ${BRONZE_CUSTOMERS}
  qualify row_number() over (partition by trim(customer_id) order by cast(updated_at as timestamp) desc, source_file desc) = 1`;

/** Transactions with normalized status and the calendar day; no filtering (bronze validates). */
export const STG_TRANSACTIONS = sqlAsset({
  key: 'silver/STG_TRANSACTIONS',
  materialize: 'view',
  description: 'Transactions with lower-cased status and the transaction day, over the raw table.',
})`
  select
    transaction_id,
    customer_id,
    transaction_date,
    cast(transaction_date as date) as transaction_day,
    transaction_amount,
    merchant_name,
    merchant_category,
    channel,
    lower(status) as status,
    loaded_at
  from ${BRONZE_TRANSACTIONS}`;
