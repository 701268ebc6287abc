/**
 * Raw layer: the shop's CSV exports loaded as delivered (every column as text), with
 * `source_file` and `loaded_at` added. Each run loads only export files it has not loaded
 * before, like the seed's raw_* tables filled by the seed job.
 */
import { checks, ingestAsset } from '@assay/core';

// all_varchar: raw keeps '$19.99', ' east' and '10%' exactly as exported; staging types them.
const text = { all_varchar: true } as const;

/** The customer export (`raw.raw_customers`). */
export const rawCustomers = ingestAsset({
  key: 'raw/raw_customers',
  path: 'data/raw/customers/*.csv',
  format: 'csv',
  readerOptions: text,
  description: 'Customer export: duplicated customers, mixed-case emails, free-text segments and regions.',
  checks: [checks.rowCount({ min: 1 })],
});

/** The product catalog export (`raw.raw_products`). */
export const rawProducts = ingestAsset({
  key: 'raw/raw_products',
  path: 'data/raw/products/*.csv',
  format: 'csv',
  readerOptions: text,
  description: 'Product catalog export: category spellings vary, prices sometimes carry "$" or are unusable.',
  checks: [checks.rowCount({ min: 1 })],
});

/** The order export (`raw.raw_orders`). */
export const rawOrders = ingestAsset({
  key: 'raw/raw_orders',
  path: 'data/raw/orders/*.csv',
  format: 'csv',
  readerOptions: text,
  description: 'Order export: status spellings vary, three date formats, earlier snapshots of the same order.',
  checks: [checks.rowCount({ min: 1 })],
});

/** The order line export (`raw.raw_order_items`). */
export const rawOrderItems = ingestAsset({
  key: 'raw/raw_order_items',
  path: 'data/raw/order_items/*.csv',
  format: 'csv',
  readerOptions: text,
  description: 'Order line export: discounts as "10%" or "0.10", repeated lines.',
  checks: [checks.rowCount({ min: 1 })],
});
