/**
 * Customer 360 (seed 003) as an Assay project: raw customer and transaction files → bronze
 * (with the seed's 12 validation checks) → silver staging views → gold star schema (SCD2
 * customer dimension, date and merchant-category dimensions, an incremental fact), segment
 * and customer metrics, the Customer 360 profile → churn features, model and predictions.
 */
export * from './bronze.js';
export * from './silver.js';
export * from './gold.js';
export * from './metrics.js';
export * from './profile.js';
export * from './ml.js';
