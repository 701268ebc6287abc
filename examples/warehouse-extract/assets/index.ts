/**
 * Seed 004 as an Assay project: an operational database → watermark-based incremental
 * extraction into bronze Parquet → silver ingestion with quarantine and an SCD2 customer
 * dimension → gold customer analytics.
 */
export * from './source.js';
export * from './bronze.js';
export * from './silver.js';
export * from './gold.js';
