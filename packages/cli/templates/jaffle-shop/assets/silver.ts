import { checks, sqlAsset } from '@assay/core';
import { bronzeCustomers, bronzeOrders, bronzePayments } from './bronze.js';

// Silver layer: one clean row per business entity, joined and aggregated.

export const silverOrders = sqlAsset({
  key: 'silver/orders',
  description: 'One row per order with its payments split by method.',
  owners: ['data-team@example.com'],
  checks: [
    checks.unique('order_id'),
    checks.relationships('customer_id', bronzeCustomers, 'customer_id'),
    checks.expression('amount >= 0'),
  ],
})`
  select
    o.order_id,
    o.customer_id,
    o.order_date,
    o.status,
    coalesce(sum(case when p.payment_method = 'credit_card' then p.amount end), 0) as credit_card_amount,
    coalesce(sum(case when p.payment_method = 'coupon' then p.amount end), 0) as coupon_amount,
    coalesce(sum(case when p.payment_method = 'bank_transfer' then p.amount end), 0) as bank_transfer_amount,
    coalesce(sum(case when p.payment_method = 'gift_card' then p.amount end), 0) as gift_card_amount,
    coalesce(sum(p.amount), 0) as amount
  from ${bronzeOrders} o
  left join ${bronzePayments} p on p.order_id = o.order_id
  group by all`;

export const silverCustomers = sqlAsset({
  key: 'silver/customers',
  description: 'One row per customer with order history.',
  tags: ['pii'],
  checks: [checks.unique('customer_id'), checks.rowCount({ min: 1 })],
})`
  select
    c.customer_id,
    c.first_name,
    c.last_name,
    min(o.order_date) as first_order,
    max(o.order_date) as most_recent_order,
    count(o.order_id) as number_of_orders,
    coalesce(sum(o.amount), 0) as customer_lifetime_value
  from ${bronzeCustomers} c
  left join ${silverOrders} o on o.customer_id = c.customer_id
  group by all`;
