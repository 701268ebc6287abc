/**
 * Configuration of the extractor, in the shape of the seed's Lambda configuration
 * (`batch_size`, `max_batches`, `max_retries`, `output_format`, `queries[]`), plus where the
 * source database, the bronze files and the watermarks live.
 */
import { InvalidDefinitionError } from '@assay/core';

/** One table to extract incrementally. */
export interface ExtractQuery {
  /** Name of the bronze dataset: files go to `<bronze_dir>/<name>/date=YYYY-MM-DD/`. */
  name: string;
  /** Source table. */
  table: string;
  /** Column that moves forward whenever a row changes (the seed's `watermark_column`). */
  watermark_column: string;
  /**
   * The table's primary key. Rows are read in (watermark, key) order and the watermark keeps
   * both, so a batch boundary inside a run of equal timestamps neither skips nor repeats rows.
   */
  key_column: string;
  /** Bronze partitioning; `'date'` = the extraction date (the seed's only value). */
  partition_by: 'date';
}

/** The extractor's configuration. */
export interface ExtractConfig {
  /** The operational database: a DuckDB file standing in for the seed's Snowflake account. */
  source: { system: string; path: string };
  /** Rows per batch (one Parquet file each). The seed's default: 10,000. */
  batch_size: number;
  /** Batches per table and run; what is left waits for the next run. The seed's default: 100. */
  max_batches: number;
  /** Retries of the whole extraction after a transient failure (e.g. the source file is locked). */
  max_retries: number;
  /** Only `'parquet'`: silver reads the bronze files as Parquet. */
  output_format: 'parquet';
  /** Folder of the bronze files, relative to the project. */
  bronze_dir: string;
  /** JSON file keeping each table's watermark (the seed keeps it in DynamoDB). */
  watermark_path: string;
  /** Tables to extract, in order. */
  queries: ExtractQuery[];
}

/** The configuration the project runs with. */
export const extractConfig: ExtractConfig = {
  source: { system: 'operational_db', path: 'data/source/operational.duckdb' },
  batch_size: 10_000,
  max_batches: 100,
  max_retries: 3,
  output_format: 'parquet',
  bronze_dir: 'data/bronze',
  watermark_path: 'data/bronze/_watermarks.json',
  queries: [
    { name: 'customers', table: 'customers', watermark_column: 'updated_at', key_column: 'customer_id', partition_by: 'date' },
    { name: 'products', table: 'products', watermark_column: 'updated_at', key_column: 'product_id', partition_by: 'date' },
    { name: 'orders', table: 'orders', watermark_column: 'updated_at', key_column: 'order_id', partition_by: 'date' },
    { name: 'order_items', table: 'order_items', watermark_column: 'updated_at', key_column: 'order_item_id', partition_by: 'date' },
  ],
};

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Checks a configuration before any extraction runs.
 *
 * @throws {@link InvalidDefinitionError} naming `assetKey` and the offending field.
 */
export function validateExtractConfig(config: ExtractConfig, assetKey: string): ExtractConfig {
  const fail = (message: string, hint?: string): never => {
    throw new InvalidDefinitionError(assetKey, `extract config: ${message}`, hint);
  };
  if (!Number.isInteger(config.batch_size) || config.batch_size < 1) fail(`batch_size must be a positive integer (got ${config.batch_size})`);
  if (!Number.isInteger(config.max_batches) || config.max_batches < 1) fail(`max_batches must be a positive integer (got ${config.max_batches})`);
  if (!Number.isInteger(config.max_retries) || config.max_retries < 0) fail(`max_retries must be a non-negative integer (got ${config.max_retries})`);
  if (config.output_format !== 'parquet') fail(`output_format "${String(config.output_format)}" is not supported`, 'Use "parquet": silver ingests the bronze files as Parquet.');
  if (config.queries.length === 0) fail('queries is empty');
  const names = new Set<string>();
  for (const q of config.queries) {
    for (const field of ['name', 'table', 'watermark_column', 'key_column'] as const) {
      // Identifiers are spliced into SQL and paths: only plain names are allowed.
      if (!IDENTIFIER.test(q[field])) fail(`queries[].${field} "${q[field]}" must be a plain identifier`);
    }
    if (q.partition_by !== 'date') fail(`queries[${q.name}].partition_by "${String(q.partition_by)}" is not supported`, 'Use "date" (the extraction date).');
    if (names.has(q.name)) fail(`two queries are named "${q.name}"`);
    names.add(q.name);
  }
  return config;
}
