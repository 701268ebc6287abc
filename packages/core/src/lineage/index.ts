export * from './export-lineage.js';
