// Every asset of the project. `assets` loads this module (see assay.config.ts) and collects
// every exported asset; export names must be unique across the layers.
export * from './raw.js';
export * from './bronze.js';
export * from './silver.js';
export * from './gold.js';
