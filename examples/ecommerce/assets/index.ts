/**
 * The e-commerce medallion of seed 002 as an Assay project:
 * raw CSV exports → bronze copies → silver stg_* views (dedup, standardize, type, validate)
 * → gold mart_* tables, with 45 checks along the way (41 on staging and marts).
 */
export * from './raw.js';
export * from './bronze.js';
export * from './silver.js';
export * from './gold.js';
