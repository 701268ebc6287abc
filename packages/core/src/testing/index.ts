/**
 * `@assay/core/testing`: helpers for testing backends and projects — the backend conformance
 * suite every backend runs against a real engine, and builders for backend requests.
 *
 * Imports `vitest` (an optional peer dependency of `@assay/core`); import this entry point
 * from test files only.
 *
 * @packageDocumentation
 */
export { describeBackendConformance, type ConformanceOptions, type ConformanceSetup } from './describe-backend-conformance.js';
export {
  buildStepRequest,
  buildSqlRequest,
  buildIngestRequest,
  buildCheckRequest,
  columnValue,
  lowerKeys,
  type StepRequestOverrides,
} from './requests.js';
export { INGEST_FIXTURES, PARQUET_PRODUCTS_BASE64, writeFixture } from './fixtures.js';
