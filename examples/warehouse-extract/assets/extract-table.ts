/**
 * Watermark-based incremental extraction of one source table into bronze Parquet files,
 * in batches.
 */
import { rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { AssetFailedError, CanceledError, errorMessage, isAssayError } from '@assay/core';
import type { openDatabase } from '@assay/duckdb';
import type { ExtractQuery } from './extract-config.js';

/** A connection to the source database. */
export type SourceConnection = Awaited<ReturnType<Awaited<ReturnType<typeof openDatabase>>['connect']>>;

/** Where an extraction resumes: the last extracted row's watermark and key, as text. */
export interface ResumePoint {
  watermark: string;
  key: string;
}

/** One batch written to bronze. */
export interface ExtractedBatch extends ResumePoint {
  /** 1-based batch number within the run. */
  batch: number;
  /** Absolute path of the Parquet file. */
  file: string;
  rows: number;
}

/** Options of {@link extractTable}. */
export interface ExtractTableOptions {
  /** Asset key, for errors. */
  assetKey: string;
  query: ExtractQuery;
  /** Rows per batch (and per file). */
  batchSize: number;
  /** Batches at most in this run. */
  maxBatches: number;
  /** Folder receiving this run's files: `<bronze>/<name>/date=YYYY-MM-DD`. */
  outDir: string;
  /** Run id: file name prefix and `extraction_run_id` column. */
  runId: string;
  /** `extraction_timestamp` column. */
  extractedAt: Date;
  /** `source_system` column. */
  sourceSystem: string;
  /** Resume after this row; undefined extracts the whole table. */
  from: ResumePoint | undefined;
  signal: AbortSignal;
  /** Called once a batch's file is in place; persist the watermark here. */
  onBatch: (batch: ExtractedBatch) => Promise<void>;
}

/** What {@link extractTable} did. */
export interface ExtractTableResult {
  rows: number;
  batches: ExtractedBatch[];
  /** Where the next run resumes (unchanged when nothing was extracted). */
  resume: ResumePoint | undefined;
  /** False when `maxBatches` stopped the run with rows left for the next one. */
  complete: boolean;
  /** Rows whose watermark is NULL: an incremental extraction can never see them. */
  nullWatermarkRows: number;
  /** Rows whose key is NULL: invisible once the watermark ties on them. */
  nullKeyRows: number;
}

const quote = (name: string) => `"${name.replace(/"/g, '""')}"`;
const literal = (text: string) => `'${text.replace(/'/g, "''")}'`;

async function rows(conn: SourceConnection, text: string, params: (string | number)[] = []): Promise<Record<string, unknown>[]> {
  const reader = await conn.runAndReadAll(text, params);
  return reader.getRowObjectsJS() as Record<string, unknown>[];
}

/**
 * Extracts the rows of `query.table` changed after `from`, in (watermark, key) order, into
 * Parquet files of at most `batchSize` rows: `<outDir>/<runId>-<nnnn>.parquet`. Each file
 * has the table's columns plus `source_system`, `source_query`, `extraction_timestamp`,
 * `extraction_run_id` and `extraction_batch`.
 *
 * A file is written under a temporary name and renamed into place before `onBatch` records
 * the new watermark, so readers globbing `*.parquet` never see a partial file, and a crash
 * between the two re-extracts that batch on the next run (at-least-once; silver keeps the
 * latest version per key).
 *
 * The connection must see a stable snapshot (the extractor opens the source read-only, which
 * also keeps writers out for the duration).
 *
 * @example
 * ```ts
 * const result = await extractTable(conn, { assetKey, query, batchSize: 10_000, maxBatches: 100, outDir, runId,
 *   extractedAt: new Date(), sourceSystem: 'operational_db', from: undefined, signal, onBatch: saveWatermark });
 * ```
 */
export async function extractTable(conn: SourceConnection, options: ExtractTableOptions): Promise<ExtractTableResult> {
  const { query: q, assetKey } = options;
  const table = quote(q.table);
  const w = quote(q.watermark_column);
  const k = quote(q.key_column);
  const fail = (message: string, cause?: unknown): never => {
    if (isAssayError(cause)) throw cause;
    throw new AssetFailedError(assetKey, `extracting ${q.name}: ${message}`, cause === undefined ? {} : { cause });
  };

  const [types] = await rows(
    conn,
    `select max(data_type) filter (where column_name = $1) as wt, max(data_type) filter (where column_name = $2) as kt
     from information_schema.columns where table_schema = 'main' and table_name = $3`,
    [q.watermark_column, q.key_column, q.table],
  ).catch((e: unknown) => fail(errorMessage(e), e));
  const wt = types?.wt as string | null;
  const kt = types?.kt as string | null;
  if (!wt || !kt) {
    fail(`source table "${q.table}" has no column ${!wt ? `"${q.watermark_column}"` : `"${q.key_column}"`}`);
  }

  // The seed's "basic quality rules" at extraction: rows the watermark can never reach.
  const [nulls] = await rows(conn, `select count(*) filter (where ${w} is null)::integer as nw, count(*) filter (where ${k} is null)::integer as nk from ${table}`)
    .catch((e: unknown) => fail(errorMessage(e), e));

  const after = `(${w} > cast($6 as ${wt!}) or (${w} = cast($6 as ${wt!}) and ${k} > cast($7 as ${kt!})))`;
  const sourceQuery = `SELECT * FROM ${q.table} WHERE (${q.watermark_column}, ${q.key_column}) > (?, ?) ORDER BY ${q.watermark_column}, ${q.key_column} LIMIT ${options.batchSize}`;
  const extractedAt = options.extractedAt.toISOString().replace('T', ' ').replace('Z', '');
  const batches: ExtractedBatch[] = [];
  let resume = options.from;
  let total = 0;
  let complete = false;

  for (let batch = 1; batch <= options.maxBatches; batch++) {
    if (options.signal.aborted) throw new CanceledError(`Asset "${assetKey}" canceled while extracting ${q.name}`, { assetKey });
    const file = join(options.outDir, `${options.runId}-${String(batch).padStart(4, '0')}.parquet`);
    const tmp = `${file}.tmp`;
    const params: (string | number)[] = [options.sourceSystem, sourceQuery, extractedAt, options.runId, batch];
    if (resume) params.push(resume.watermark, resume.key);
    try {
      await conn.run(
        `copy (
           select *, $1 as source_system, $2 as source_query, cast($3 as timestamp) as extraction_timestamp,
                  $4 as extraction_run_id, cast($5 as integer) as extraction_batch
           from ${table}
           where ${w} is not null and ${k} is not null${resume ? ` and ${after}` : ''}
           order by ${w}, ${k}
           limit ${options.batchSize}
         ) to ${literal(tmp)} (format parquet)`,
        params,
      );
    } catch (error) {
      await rm(tmp, { force: true });
      fail(`batch ${batch}: ${errorMessage(error)}`, error);
    }
    const [last] = await rows(
      conn,
      `select count(*) over ()::integer as n, cast(${w} as varchar) as wm, cast(${k} as varchar) as k
       from read_parquet(${literal(tmp)}) order by ${w} desc, ${k} desc limit 1`,
    );
    const n = Number(last?.n ?? 0);
    if (n === 0) {
      await rm(tmp, { force: true });
      complete = true;
      break;
    }
    await rename(tmp, file);
    resume = { watermark: String(last!.wm), key: String(last!.k) };
    const done: ExtractedBatch = { batch, file, rows: n, ...resume };
    batches.push(done);
    total += n;
    await options.onBatch(done);
    if (n < options.batchSize) {
      complete = true;
      break;
    }
  }
  if (!complete && resume) {
    const [left] = await rows(conn, `select count(*)::integer as n from ${table} where ${w} is not null and ${k} is not null and ${after.replaceAll('$6', '$1').replaceAll('$7', '$2')}`, [resume.watermark, resume.key]);
    complete = Number(left?.n ?? 0) === 0;
  }
  return { rows: total, batches, resume, complete, nullWatermarkRows: Number(nulls?.nw ?? 0), nullKeyRows: Number(nulls?.nk ?? 0) };
}
