/**
 * Bronze: the raw customer and transaction files, loaded as-is (the seed's
 * `BRONZE.BRONZE_CUSTOMERS` and `BRONZE.BRONZE_TRANSACTIONS`), with the seed's 12
 * post-generation validation checks (`03_post_generation_validation.sql`) on the transactions.
 */
import { ingestAsset } from '@assay/core';
import { transactionValidationChecks } from './validation-checks.js';

/**
 * Customer snapshots and change extracts (`data/customers/*.csv`). Read as text: a change
 * extract with, say, no decliners in it would otherwise infer other column types than the
 * base snapshot; `silver/STG_CUSTOMERS` types the columns.
 */
export const BRONZE_CUSTOMERS = ingestAsset({
  key: 'bronze/BRONZE_CUSTOMERS',
  path: 'data/customers/*.csv',
  format: 'csv',
  readerOptions: { all_varchar: true },
  description: 'Customer records as exported by the card platform: the base snapshot and later change extracts, one row per customer per file.',
  owners: ['data-platform@c360.example'],
  tags: { pii: '', source: 'crm' },
});

/**
 * Card transactions, one Parquet file per month plus appended stream batches
 * (`data/transactions/*.parquet`). Each run loads only files it has not loaded before.
 */
export const BRONZE_TRANSACTIONS = ingestAsset({
  key: 'bronze/BRONZE_TRANSACTIONS',
  path: 'data/transactions/*.parquet',
  format: 'parquet',
  description: 'Card transactions: 18 months of history plus appended batches; the seed\'s 12 validation checks run on every load.',
  owners: ['data-platform@c360.example'],
  tags: { source: 'card-processor' },
  checks: transactionValidationChecks(BRONZE_CUSTOMERS),
});
