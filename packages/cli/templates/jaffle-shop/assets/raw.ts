import { ingestAsset } from '@assay/core';

// Raw layer: the CSV files loaded as they are, plus `source_file` and `loaded_at` columns.
// A file is loaded once; `assets materialize --full-refresh` reloads everything.

export const rawCustomers = ingestAsset({
  key: 'raw/customers',
  path: 'data/raw_customers.csv',
  format: 'csv',
  description: 'Customers as exported by the shop system.',
});

export const rawOrders = ingestAsset({
  key: 'raw/orders',
  path: 'data/raw_orders.csv',
  format: 'csv',
  description: 'Orders as exported by the shop system.',
});

export const rawPayments = ingestAsset({
  key: 'raw/payments',
  path: 'data/raw_payments.csv',
  format: 'csv',
  description: 'Payments as exported by the payment provider; amounts in cents.',
});
