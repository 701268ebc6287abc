/**
 * Bronze layer: append-only copies of the raw tables (the seed's Dagster bronze_* assets,
 * `catalog.read_table()` → `catalog.write_table()`). Each run appends the rows loaded since
 * the last one, so bronze keeps every version ever exported, however raw is reloaded.
 */
import { sqlAsset } from '@assay/core';
import { rawCustomers, rawOrderItems, rawOrders, rawProducts } from './raw.js';

const appendNewLoads = { strategy: 'append', watermark: 'loaded_at' } as const;

/** Every customer row ever exported. */
export const bronzeCustomers = sqlAsset({ key: 'bronze/bronze_customers', materialize: 'incremental', incremental: appendNewLoads })`
  select * from ${rawCustomers}`;

/** Every product row ever exported. */
export const bronzeProducts = sqlAsset({ key: 'bronze/bronze_products', materialize: 'incremental', incremental: appendNewLoads })`
  select * from ${rawProducts}`;

/** Every order row ever exported. */
export const bronzeOrders = sqlAsset({ key: 'bronze/bronze_orders', materialize: 'incremental', incremental: appendNewLoads })`
  select * from ${rawOrders}`;

/** Every order line row ever exported. */
export const bronzeOrderItems = sqlAsset({ key: 'bronze/bronze_order_items', materialize: 'incremental', incremental: appendNewLoads })`
  select * from ${rawOrderItems}`;
