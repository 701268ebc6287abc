/**
 * Silver layer: the seed's Glue ETL job. The bronze Parquet files are loaded as they arrive
 * (each file once, like an S3-triggered job), customer rows that break a hard rule go to
 * quarantine, and the valid ones feed an SCD2 customer dimension with standardized contact
 * data and a data quality score.
 */
import { checks, ingestAsset, raw, self, sql, sqlAsset } from '@assay/core';
import { EXTRACTION_KEY } from './bronze.js';
import { extractConfig } from './extract-config.js';
import { US_STATE_REGIONS } from './us-states.js';

/** Every bronze file of a dataset, whatever its date partition. */
const parquet = (name: string) => `${extractConfig.bronze_dir}/${name}/**/*.parquet`;
/** `'AL', 'AK', ...`: trusted constants, spliced as SQL literals. */
const STATE_CODES = raw(Object.keys(US_STATE_REGIONS).map((s) => `'${s}'`).join(', '));
/** An email a message can be delivered to: one @, a dotted domain, no spaces. */
export const EMAIL_PATTERN = '[a-z0-9._%+-]+@[a-z0-9.-]+\\.[a-z]{2,}';

/**
 * Every extracted customer row, one per extraction. Rows that break a hard rule move to
 * `silver.stg_customers__quarantine` with the rule's name. Since each bronze file is loaded
 * once, each bad row is quarantined once; a later valid version of the customer lands normally.
 */
export const stgCustomers = ingestAsset({
  key: 'silver/stg_customers',
  path: parquet('customers'),
  format: 'parquet',
  deps: [EXTRACTION_KEY],
  description: 'Extracted customer rows (every version), with extraction metadata; invalid rows quarantined.',
  tags: ['pii'],
  quarantine: true,
  checks: [
    checks.notNull('customer_id'),
    // coalesce: a NULL email must count as invalid, not as "unknown".
    checks.expression(`coalesce(regexp_full_match(lower(trim(email)), '${EMAIL_PATTERN}'), false)`, { name: 'valid_email', description: 'The email can receive mail.' }),
    checks.expression('updated_at >= created_at', { name: 'updated_after_created', description: 'A row cannot change before it exists.' }),
    checks.acceptedValues('account_status', ['active', 'closed']),
  ],
});

/** Every extracted product row. */
export const stgProducts = ingestAsset({
  key: 'silver/stg_products',
  path: parquet('products'),
  format: 'parquet',
  deps: [EXTRACTION_KEY],
  description: 'Extracted product rows (every version).',
  checks: [checks.notNull('product_id'), checks.notNull('category')],
});

/** Every extracted order row (an order comes again each time its status changes). */
export const stgOrders = ingestAsset({
  key: 'silver/stg_orders',
  path: parquet('orders'),
  format: 'parquet',
  deps: [EXTRACTION_KEY],
  description: 'Extracted order rows (every version: an order is extracted again whenever its status changes).',
  checks: [
    checks.notNull('order_id'),
    checks.notNull('customer_id'),
    checks.acceptedValues('status', ['pending', 'shipped', 'delivered', 'cancelled', 'returned']),
    checks.expression('total_amount >= 0'),
  ],
});

/** Every extracted order line row. */
export const stgOrderItems = ingestAsset({
  key: 'silver/stg_order_items',
  path: parquet('order_items'),
  format: 'parquet',
  deps: [EXTRACTION_KEY],
  description: 'Extracted order line rows.',
  checks: [checks.notNull('order_item_id'), checks.expression('quantity > 0 and unit_price >= 0')],
});

/**
 * The seed's `silver.dim_customers`: one version per change of a customer (SCD2, versions
 * start at the source's `updated_at`), built from the latest valid extracted row of each
 * customer. `data_quality_score` is the share of five checks the contact data passes: full
 * name, phone, street, state, ZIP.
 */
export const dimCustomers = sqlAsset({
  key: 'silver/dim_customers',
  materialize: 'scd2',
  scd2: { uniqueKey: 'customer_id', updatedAt: 'updated_at' },
  description: 'Customer dimension with history (valid_from/valid_to/is_current), normalized contact data and a data quality score.',
  tags: ['pii'],
  checks: [
    checks.unique('scd_id'),
    checks.unique('customer_key'),
    checks.notNull('email_normalized'),
    checks.expression('data_quality_score between 0 and 1'),
    checks.expression(`phone_normalized is null or regexp_full_match(phone_normalized, '\\+1[2-9][0-9]{9}')`, { name: 'phone_is_e164' }),
    checks.sql('one_current_version', sql`select customer_id from ${self} where is_current group by customer_id having count(*) > 1`),
  ],
})`
  with latest as (
    select *
    from ${stgCustomers}
    qualify row_number() over (partition by customer_id order by updated_at desc, extraction_timestamp desc, source_file desc) = 1
  ), parts as (
    select *,
      nullif(trim(first_name), '') as first_clean,
      nullif(trim(last_name), '') as last_clean,
      regexp_replace(coalesce(phone, ''), '[^0-9]', '', 'g') as phone_digits,
      nullif(trim(address), '') as street,
      nullif(trim(city), '') as city_clean,
      case when upper(trim(state)) in (${STATE_CODES}) then upper(trim(state)) end as state_code,
      nullif(regexp_extract(trim(coalesce(zip_code, '')), '^([0-9]{5})(-[0-9]{4})?$', 1), '') as zip5
    from latest
  ), normalized as (
    select *,
      case
        when length(phone_digits) = 10 and phone_digits[1] between '2' and '9' then '+1' || phone_digits
        when length(phone_digits) = 11 and phone_digits[1] = '1' and phone_digits[2] between '2' and '9' then '+' || phone_digits
      end as phone_e164
    from parts
  )
  select
    -- A surrogate key per version: the same customer and change always get the same key.
    cast(hash(customer_id, updated_at) >> 1 as bigint) as customer_key,
    customer_id,
    concat_ws(' ', first_clean, last_clean) as full_name,
    lower(trim(email)) as email_normalized,
    phone_e164 as phone_normalized,
    {'street': street, 'city': city_clean, 'state': state_code, 'zip_code': zip5, 'country': 'US'} as address_standardized,
    round((
      (first_clean is not null and last_clean is not null)::int
      + (phone_e164 is not null)::int
      + (street is not null)::int
      + (state_code is not null)::int
      + (zip5 is not null)::int
    ) / 5.0, 2) as data_quality_score,
    account_status = 'active' as is_active,
    cast(created_at as date) as created_date,
    cast(updated_at as date) as last_updated_date,
    updated_at,
    source_system,
    extraction_timestamp,
    extraction_run_id
  from normalized`;

/** The current state of each order: its latest extracted version. */
export const fctOrders = sqlAsset({
  key: 'silver/fct_orders',
  description: 'One row per order: the latest extracted version.',
  checks: [
    checks.unique('order_id'),
    // Orders of customers whose every extracted version was quarantined: reported, kept.
    checks.relationships('customer_id', dimCustomers, 'customer_id', { name: 'customer_in_dimension', severity: 'warn' }),
  ],
})`
  select order_id, customer_id, order_date, status, total_amount, updated_at, extraction_timestamp
  from ${stgOrders}
  qualify row_number() over (partition by order_id order by updated_at desc, extraction_timestamp desc, source_file desc) = 1`;

/** Order lines with their product's current category. */
export const fctOrderItems = sqlAsset({
  key: 'silver/fct_order_items',
  description: 'One row per order line (latest version) with the product category and the line amount.',
  checks: [checks.unique('order_item_id'), checks.relationships('order_id', fctOrders, 'order_id'), checks.notNull('category')],
})`
  with items as (
    select * from ${stgOrderItems}
    qualify row_number() over (partition by order_item_id order by updated_at desc, extraction_timestamp desc, source_file desc) = 1
  ), products as (
    select * from ${stgProducts}
    qualify row_number() over (partition by product_id order by updated_at desc, extraction_timestamp desc, source_file desc) = 1
  )
  select i.order_item_id, i.order_id, i.product_id, p.category, i.quantity, i.unit_price,
    cast(i.quantity * i.unit_price as decimal(12, 2)) as line_amount
  from items i
  left join products p on p.product_id = i.product_id`;
