import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineAssets, materialize, MemoryStateStore } from '@assay/core';
import { closeDatabase, duckdb, openDatabase } from '@assay/duckdb';
import { extractionAsset, type TableExtraction } from '../assets/bronze.js';
import { extractConfig, type ExtractQuery } from '../assets/extract-config.js';
import { extractTable, type ExtractedBatch, type ResumePoint } from '../assets/extract-table.js';
import * as source from '../assets/source.js';
import { generateSource } from '../scripts/generate.js';

const query: ExtractQuery = { name: 'events', table: 'events', watermark_column: 'updated_at', key_column: 'id', partition_by: 'date' };

describe('extractTable', () => {
  const dir = mkdtempSync(join(tmpdir(), 'assay-extract-table-'));
  const dbPath = join(dir, 'source.duckdb');
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  beforeAll(async () => {
    const instance = await openDatabase(dbPath);
    const conn = await instance.connect();
    // Seven rows share one timestamp: a batch boundary falls inside the tie.
    await conn.run(`create table events as
      select i as id, case when i between 3 and 9 then timestamp '2025-01-01 03:00:00' else timestamp '2025-01-01' + to_hours(i) end as updated_at, 'e' || i as payload
      from range(1, 13) t(i)
      union all select 100, null, 'no watermark'`);
    conn.closeSync();
    closeDatabase(instance);
  });

  /** Runs extractTable once with the given limits from `from`; returns its result and the rows it wrote. */
  async function extractOnce(from: ResumePoint | undefined, batchSize: number, maxBatches: number, runId: string) {
    const instance = await openDatabase(dbPath, { config: { access_mode: 'READ_ONLY' } });
    const conn = await instance.connect();
    const outDir = join(dir, 'out', runId);
    mkdirSync(outDir, { recursive: true });
    const seen: ExtractedBatch[] = [];
    try {
      const result = await extractTable(conn, {
        assetKey: 'bronze/extraction', query, batchSize, maxBatches, outDir, runId, extractedAt: new Date('2025-02-01T00:00:00Z'),
        sourceSystem: 'test', from, signal: new AbortController().signal, onBatch: async (b) => { seen.push(b); },
      });
      const ids = result.batches.length === 0 ? [] : ((await conn.runAndReadAll(`select id from read_parquet('${outDir}/*.parquet') order by updated_at, id`)).getRowObjectsJS().map((r) => Number(r.id)));
      return { result, seen, ids };
    } finally {
      conn.closeSync();
      closeDatabase(instance);
    }
  }

  it('pages through ties on the watermark without skipping or repeating rows', async () => {
    const { result, seen, ids } = await extractOnce(undefined, 3, 100, 'all');
    expect(ids).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    expect(result.batches.map((b) => b.rows)).toEqual([3, 3, 3, 3]);
    expect(seen).toHaveLength(4);
    expect(result.complete).toBe(true);
    expect(result.nullWatermarkRows).toBe(1);
    expect(result.resume).toEqual({ watermark: '2025-01-01 12:00:00', key: '12' });
  });

  it('resumes where max_batches stopped, across runs, until nothing is left', async () => {
    const all: number[] = [];
    let from: ResumePoint | undefined;
    const completes: boolean[] = [];
    for (let run = 0; run < 4; run++) {
      const { result, ids } = await extractOnce(from, 2, 2, `run${run}`);
      all.push(...ids);
      completes.push(result.complete);
      from = result.resume;
    }
    expect(all).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    expect(completes).toEqual([false, false, true, true]);
  });

  it('extracts nothing past the newest row, and writes no file', async () => {
    const { result } = await extractOnce({ watermark: '2025-01-01 12:00:00', key: '12' }, 5, 5, 'none');
    expect(result.rows).toBe(0);
    expect(result.complete).toBe(true);
    expect(readdirSync(join(dir, 'out', 'none'))).toEqual([]);
  });
});

describe('extraction asset with max_batches', () => {
  const projectDir = mkdtempSync(join(tmpdir(), 'assay-extract-batches-'));
  const backend = duckdb({ path: ':memory:' });
  afterAll(async () => {
    await backend.close();
    rmSync(projectDir, { recursive: true, force: true });
  });

  it('continues from the stored watermark on the next run when max_batches cut it short', async () => {
    await generateSource({ projectDir, scale: 0.01, seed: 3 });
    const customersOnly = extractionAsset({ ...extractConfig, batch_size: 20, max_batches: 2, queries: extractConfig.queries.filter((q) => q.name === 'customers') });
    const defs = defineAssets(source, customersOnly);
    const state = new MemoryStateStore();
    const totals: number[] = [];
    const completes: boolean[] = [];
    for (let run = 0; run < 3; run++) {
      const r = await materialize(defs, { backend, state, projectDir });
      expect(r.status).toBe('success');
      const t = (r.assets.find((a) => a.key === 'bronze/extraction')!.metadata!.tables as Record<string, TableExtraction>).customers!;
      totals.push(t.rows);
      completes.push(t.complete);
    }
    // 50 customers at this scale: 40, then 10, then nothing.
    expect(totals).toEqual([40, 10, 0]);
    expect(completes).toEqual([false, true, true]);
    const [files] = await backend.query(`select count(*) as n, count(distinct customer_id) as ids from read_parquet('${projectDir}/data/bronze/customers/**/*.parquet')`);
    expect(files).toEqual({ n: 50, ids: 50 });
  });
});
