/**
 * Bronze layer: the seed's Lambda extractor. Reads rows changed since the last watermark
 * from the operational database, in batches, and writes them as Parquet under
 * `data/bronze/<table>/date=YYYY-MM-DD/<run_id>-<batch>.parquet` with extraction metadata.
 */
import { mkdir } from 'node:fs/promises';
import { relative, resolve } from 'node:path';
import { asset, shortHash, type AssetContext, type ComputeAssetDefinition } from '@assay/core';
import { closeDatabase } from '@assay/duckdb';
import { extractConfig, validateExtractConfig, type ExtractConfig } from './extract-config.js';
import { extractTable } from './extract-table.js';
import { openSource, operationalDb } from './source.js';
import { WatermarkFile } from './watermark-file.js';

/** Key of the extraction asset; silver's ingestion assets depend on it by key. */
export const EXTRACTION_KEY = 'bronze/extraction';

/** Per-table outcome, recorded as the materialization's `tables` metadata. */
export interface TableExtraction {
  rows: number;
  batches: number;
  files: string[];
  complete: boolean;
  watermark: string | undefined;
  nullWatermarkRows: number;
}

/**
 * Builds the extraction asset for a configuration. The project uses {@link extraction}
 * (the configuration in extract-config.ts); tests build one with a small `batch_size`.
 *
 * Each run extracts, per configured table, the rows whose (watermark, key) comes after the
 * stored watermark, at most `max_batches` batches of `batch_size` rows, and moves the
 * watermark after every batch. A full refresh ignores the stored watermarks and extracts
 * everything again into new files. Transient failures (the source file locked by another
 * process) are retried `max_retries` times.
 *
 * @example
 * ```ts
 * export const extraction = extractionAsset({ ...extractConfig, batch_size: 50_000 });
 * ```
 */
export function extractionAsset(config: ExtractConfig = extractConfig): ComputeAssetDefinition {
  validateExtractConfig(config, EXTRACTION_KEY);
  return asset(
    {
      key: EXTRACTION_KEY,
      kind: 'extract',
      deps: [operationalDb],
      description: `Incremental extraction of ${config.queries.map((q) => q.table).join(', ')} into bronze Parquet (watermark: ${config.watermark_path}).`,
      metadata: { source_system: config.source.system, output_format: config.output_format, batch_size: config.batch_size, max_batches: config.max_batches },
      retry: { maxRetries: config.max_retries },
      // The function is the same for every configuration: the configuration is part of the version.
      codeVersion: shortHash(JSON.stringify(config), extractTable.toString(), runExtraction.toString()),
    },
    (ctx) => runExtraction(ctx, config),
  );
}

async function runExtraction(ctx: AssetContext, config: ExtractConfig) {
  const watermarks = new WatermarkFile(resolve(ctx.projectDir, config.watermark_path));
  const state = await watermarks.read();
  const extractedAt = new Date();
  const day = extractedAt.toISOString().slice(0, 10);
  const instance = await openSource(ctx.key, ctx.projectDir, ctx.signal);
  const tables: Record<string, TableExtraction> = {};
  try {
    const conn = await instance.connect();
    try {
      for (const q of config.queries) {
        const outDir = resolve(ctx.projectDir, config.bronze_dir, q.name, `date=${day}`);
        await mkdir(outDir, { recursive: true });
        const stored = ctx.fullRefresh ? undefined : state.tables[q.name];
        let rowsTotal = stored?.rows_total ?? 0;
        const result = await extractTable(conn, {
          assetKey: ctx.key,
          query: q,
          batchSize: config.batch_size,
          maxBatches: config.max_batches,
          outDir,
          runId: ctx.runId,
          extractedAt,
          sourceSystem: config.source.system,
          from: stored ? { watermark: stored.watermark, key: stored.key } : undefined,
          signal: ctx.signal,
          onBatch: async (b) => {
            rowsTotal += b.rows;
            state.tables[q.name] = { watermark: b.watermark, key: b.key, run_id: ctx.runId, updated_at: new Date().toISOString(), rows_total: rowsTotal };
            await watermarks.write(state);
          },
        });
        if (result.nullWatermarkRows > 0) ctx.logger.warn(`${q.name}: ${result.nullWatermarkRows} row(s) have no ${q.watermark_column} and can never be extracted incrementally`);
        if (!result.complete) ctx.logger.warn(`${q.name}: stopped after max_batches (${config.max_batches}); the next run continues from ${result.resume?.watermark}`);
        ctx.logger.info(`${q.name}: ${result.rows} row(s) in ${result.batches.length} batch(es)`);
        tables[q.name] = {
          rows: result.rows,
          batches: result.batches.length,
          files: result.batches.map((b) => relative(ctx.projectDir, b.file).split('\\').join('/')),
          complete: result.complete,
          watermark: result.resume?.watermark,
          nullWatermarkRows: result.nullWatermarkRows,
        };
      }
    } finally {
      conn.closeSync();
    }
  } finally {
    closeDatabase(instance);
  }
  const rowsExtracted = Object.values(tables).reduce((n, t) => n + t.rows, 0);
  return { rowCount: rowsExtracted, metadata: { rowsExtracted, tables, bronzeDir: config.bronze_dir, extractionDate: day } };
}

/** The extraction as configured in extract-config.ts. */
export const extraction = extractionAsset();
