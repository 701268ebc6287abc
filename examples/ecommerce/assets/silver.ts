/**
 * Silver layer: the seed's dbt staging models, as views (no storage duplication).
 *
 * Each model deduplicates with ROW_NUMBER() on its primary key (latest `updated_at` wins,
 * then the latest load), then standardizes (trimmed text, lowercase emails, canonical
 * statuses, segments, regions and categories), types (DECIMAL(10,2) money, TIMESTAMP dates)
 * and drops rows that fail validation (missing keys, non-positive amounts, broken references).
 */
import { checks, sqlAsset } from '@assay/core';
import { bronzeCustomers, bronzeOrderItems, bronzeOrders, bronzeProducts } from './bronze.js';

/** Canonical customer segments (the accepted_values checks list exactly these). */
export const SEGMENTS = ['consumer', 'corporate', 'small_business'];
/** Canonical sales regions. */
export const REGIONS = ['north', 'south', 'east', 'west'];
/** Canonical order statuses. */
export const ORDER_STATUSES = ['pending', 'processing', 'shipped', 'completed', 'cancelled', 'returned'];
/** Canonical product categories. */
export const CATEGORIES = ['electronics', 'home_garden', 'clothing', 'sports', 'books', 'beauty', 'toys', 'grocery'];

/** dbt's `stg_customers`: deduped customers with a lowercase email and canonical segment and region. */
export const stgCustomers = sqlAsset({
  key: 'silver/stg_customers',
  materialize: 'view',
  description: 'One row per customer: latest version, trimmed names, lowercase email, canonical segment and region.',
  tags: ['pii'],
  checks: [
    checks.unique('customer_id'),
    checks.notNull('customer_id'),
    checks.notNull('email'),
    checks.expression(`email = lower(trim(email)) and email like '%_@_%._%'`, { name: 'email_is_normalized' }),
    checks.acceptedValues('customer_segment', SEGMENTS),
    checks.acceptedValues('region', REGIONS),
  ],
})`
  with deduped as (
    select *, upper(trim(customer_id)) as id
    from ${bronzeCustomers}
    where nullif(trim(customer_id), '') is not null
    qualify row_number() over (
      partition by upper(trim(customer_id))
      order by try_cast(updated_at as timestamp) desc nulls last, loaded_at desc, source_file desc
    ) = 1
  )
  select
    id as customer_id,
    trim(first_name) as first_name,
    trim(last_name) as last_name,
    trim(first_name) || ' ' || trim(last_name) as customer_name,
    lower(trim(email)) as email,
    case lower(trim(customer_segment))
      when 'corp' then 'corporate'
      when 'small business' then 'small_business'
      when 'smb' then 'small_business'
      else lower(trim(customer_segment))
    end as customer_segment,
    lower(trim(region)) as region,
    try_cast(created_at as timestamp) as created_at,
    try_cast(updated_at as timestamp) as updated_at
  from deduped
  -- A customer without a deliverable email cannot be contacted or matched: not a valid record.
  where regexp_full_match(lower(trim(email)), '[a-z0-9._%+-]+@[a-z0-9.-]+\\.[a-z]{2,}')`;

/** dbt's `stg_products`: deduped products with a standardized category and a positive price. */
export const stgProducts = sqlAsset({
  key: 'silver/stg_products',
  materialize: 'view',
  description: 'One row per product: latest version, standardized category, DECIMAL(10,2) list price (> 0).',
  checks: [
    checks.unique('product_id'),
    checks.notNull('product_id'),
    checks.acceptedValues('category', CATEGORIES),
    checks.expression('list_price > 0'),
  ],
})`
  with deduped as (
    select *, upper(trim(product_id)) as id
    from ${bronzeProducts}
    where nullif(trim(product_id), '') is not null
    qualify row_number() over (
      partition by upper(trim(product_id))
      order by try_cast(updated_at as timestamp) desc nulls last, loaded_at desc, source_file desc
    ) = 1
  ), typed as (
    select
      id as product_id,
      trim(product_name) as product_name,
      case lower(trim(category))
        when 'electronic' then 'electronics'
        when 'home & garden' then 'home_garden'
        when 'home and garden' then 'home_garden'
        when 'home/garden' then 'home_garden'
        when 'apparel' then 'clothing'
        when 'sports & outdoors' then 'sports'
        when 'book' then 'books'
        when 'beauty & personal care' then 'beauty'
        when 'toys & games' then 'toys'
        when 'food & grocery' then 'grocery'
        else lower(trim(category))
      end as category,
      try_cast(nullif(replace(trim(list_price), '$', ''), '') as decimal(10, 2)) as list_price,
      try_cast(updated_at as timestamp) as updated_at
    from deduped
  )
  select * from typed where list_price > 0`;

/** dbt's `stg_orders`: deduped orders with a normalized status and a validated amount. */
export const stgOrders = sqlAsset({
  key: 'silver/stg_orders',
  materialize: 'view',
  description: 'One row per order: latest snapshot, canonical status, parsed order date, DECIMAL(10,2) total (> 0), known customer.',
  checks: [
    checks.unique('order_id'),
    checks.notNull('order_id'),
    checks.notNull('customer_id'),
    checks.notNull('order_date'),
    checks.relationships('customer_id', stgCustomers, 'customer_id'),
    checks.acceptedValues('order_status', ORDER_STATUSES),
    checks.acceptedValues('order_region', REGIONS),
    checks.expression('order_total > 0'),
  ],
})`
  with deduped as (
    select *, upper(trim(order_id)) as id
    from ${bronzeOrders}
    where nullif(trim(order_id), '') is not null
    qualify row_number() over (
      partition by upper(trim(order_id))
      order by try_cast(updated_at as timestamp) desc nulls last, loaded_at desc, source_file desc
    ) = 1
  ), typed as (
    select
      id as order_id,
      upper(trim(customer_id)) as customer_id,
      -- The export mixes ISO, ISO with a UTC 'Z', and US month-first dates.
      coalesce(
        try_strptime(trim(order_date), '%Y-%m-%d %H:%M:%S'),
        try_strptime(trim(order_date), '%Y-%m-%dT%H:%M:%SZ'),
        try_strptime(trim(order_date), '%m/%d/%Y %H:%M:%S')
      ) as order_date,
      case regexp_replace(lower(trim(status)), '[^a-z]+', '_', 'g')
        when 'complete' then 'completed'
        when 'canceled' then 'cancelled'
        when 'in_progress' then 'processing'
        else regexp_replace(lower(trim(status)), '[^a-z]+', '_', 'g')
      end as order_status,
      lower(trim(region)) as order_region,
      try_cast(nullif(replace(trim(order_total), '$', ''), '') as decimal(10, 2)) as order_total,
      try_cast(updated_at as timestamp) as updated_at
    from deduped
  )
  select * from typed
  where order_total > 0
    and order_date is not null
    and customer_id in (select customer_id from ${stgCustomers})`;

/** dbt's `stg_order_items`: deduped order lines with the line total calculated. */
export const stgOrderItems = sqlAsset({
  key: 'silver/stg_order_items',
  materialize: 'view',
  description: 'One row per order line: deduplicated, typed, discount as a fraction, line_total = quantity × unit_price × (1 − discount).',
  checks: [
    checks.unique('order_item_id'),
    checks.notNull('order_item_id'),
    checks.relationships('order_id', stgOrders, 'order_id'),
    checks.relationships('product_id', stgProducts, 'product_id'),
    checks.expression('quantity > 0'),
    checks.expression('discount >= 0 and discount < 1'),
    checks.expression('line_total >= 0'),
  ],
})`
  with deduped as (
    select *, upper(trim(order_item_id)) as id
    from ${bronzeOrderItems}
    where nullif(trim(order_item_id), '') is not null
    qualify row_number() over (
      partition by upper(trim(order_item_id))
      order by try_cast(updated_at as timestamp) desc nulls last, loaded_at desc, source_file desc
    ) = 1
  ), typed as (
    select
      id as order_item_id,
      upper(trim(order_id)) as order_id,
      upper(trim(product_id)) as product_id,
      try_cast(trim(quantity) as integer) as quantity,
      try_cast(nullif(replace(trim(unit_price), '$', ''), '') as decimal(10, 2)) as unit_price,
      -- '10%' and '0.10' mean the same discount; an empty cell means none.
      cast(case
        when nullif(trim(discount), '') is null then 0
        when ends_with(trim(discount), '%') then try_cast(rtrim(trim(discount), '%') as decimal(7, 4)) * 0.01
        else try_cast(trim(discount) as decimal(7, 4))
      end as decimal(5, 4)) as discount,
      try_cast(updated_at as timestamp) as updated_at
    from deduped
  )
  select
    order_item_id, order_id, product_id, quantity, unit_price, discount,
    cast(round(quantity * unit_price * (1 - discount), 2) as decimal(10, 2)) as line_total,
    updated_at
  from typed
  where quantity > 0
    and unit_price >= 0
    and discount >= 0 and discount < 1
    and order_id in (select order_id from ${stgOrders})
    and product_id in (select product_id from ${stgProducts})`;
