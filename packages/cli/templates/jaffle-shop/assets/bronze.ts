import { checks, sqlAsset } from '@assay/core';
import { rawCustomers, rawOrders, rawPayments } from './raw.js';

// Bronze layer: typed, renamed views over the raw tables. Interpolating an asset (`${rawOrders}`)
// renders its table name and makes it a dependency.

export const bronzeCustomers = sqlAsset({
  key: 'bronze/customers',
  materialize: 'view',
  checks: [checks.unique('customer_id'), checks.notNull('customer_id')],
})`
  select id as customer_id, first_name, last_name
  from ${rawCustomers}`;

export const bronzeOrders = sqlAsset({
  key: 'bronze/orders',
  materialize: 'view',
  checks: [
    checks.unique('order_id'),
    checks.acceptedValues('status', ['placed', 'shipped', 'completed', 'return_pending', 'returned']),
  ],
})`
  select id as order_id, user_id as customer_id, cast(order_date as date) as order_date, status
  from ${rawOrders}`;

export const bronzePayments = sqlAsset({
  key: 'bronze/payments',
  materialize: 'view',
  checks: [checks.acceptedValues('payment_method', ['credit_card', 'coupon', 'bank_transfer', 'gift_card'])],
})`
  select id as payment_id, order_id, payment_method, amount / 100.0 as amount
  from ${rawPayments}`;
