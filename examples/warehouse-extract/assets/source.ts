/**
 * The operational database the pipeline extracts from (the seed's Snowflake account): a
 * DuckDB file under data/source/, seeded by `npm run generate` and changed by `npm run mutate`.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { AssetFailedError, errorMessage, isAssayError, shortHash, sourceAsset } from '@assay/core';
import { closeDatabase, openDatabase } from '@assay/duckdb';
import { extractConfig } from './extract-config.js';

/**
 * Opens the source database read-only: the extractor never writes to it, and a read-only
 * open keeps `npm run mutate` out until the extraction is done, so every batch of a run reads
 * the same snapshot.
 *
 * @throws {@link AssetFailedError} when the file does not exist (with a hint to generate it).
 */
export async function openSource(assetKey: string, projectDir: string, signal?: AbortSignal) {
  const path = resolve(projectDir, extractConfig.source.path);
  if (!existsSync(path)) {
    throw new AssetFailedError(assetKey, `source database ${extractConfig.source.path} does not exist`, { hint: 'Run `npm run generate` in the example folder first.' });
  }
  return openDatabase(path, { config: { access_mode: 'READ_ONLY' }, ...(signal ? { signal } : {}) });
}

/** The operational database as a source: observed, never built by Assay. */
export const operationalDb = sourceAsset({
  key: 'source/operational_db',
  description: 'Operational database (DuckDB file standing in for the seed\'s Snowflake): customers, products, orders, order_items.',
  // Row count and newest updated_at per table: any insert or update moves it, so the
  // extraction runs again under `--stale`.
  observe: async (ctx) => {
    const instance = await openSource(ctx.key, ctx.projectDir, ctx.signal);
    try {
      const conn = await instance.connect();
      try {
        const parts: string[] = [];
        for (const q of extractConfig.queries) {
          const reader = await conn.runAndReadAll(`select count(*)::varchar as n, cast(max("${q.watermark_column}") as varchar) as m from "${q.table}"`);
          const [row] = reader.getRowObjectsJS();
          parts.push(`${q.table}:${String(row?.n)}:${String(row?.m)}`);
        }
        return shortHash(...parts);
      } finally {
        conn.closeSync();
      }
    } catch (error) {
      if (isAssayError(error)) throw error;
      throw new AssetFailedError(ctx.key, `cannot observe the source database: ${errorMessage(error)}`, { cause: error });
    } finally {
      closeDatabase(instance);
    }
  },
});
