import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { checks, ingestAsset, inlineParams, raw, resolveCheck, silentLogger, sql, sqlAsset, type SqlAssetDefinition, type SqlAssetSpec } from '@assay/core';
import { buildCheckRequest, buildIngestRequest, buildSqlRequest, buildStepRequest } from '@assay/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorPosition, isTransientDuckDbError, toSqlError } from './duckdb-errors.js';
import { duckdb, duckDbConfig, duckDbObjectName, DuckDbBackend } from './index.js';
import { inferColumns } from './write-rows.js';

async function failure(promise: Promise<unknown>): Promise<{ code?: string; message: string; assetKey?: string; position?: number; sql?: string; hint?: string }> {
  try {
    await promise;
  } catch (error) {
    return error as { code?: string; message: string };
  }
  return expect.fail('expected a failure');
}

describe('key mapping', () => {
  it('maps one, two and deeper segments to schema and table', () => {
    expect(duckDbObjectName('orders')).toEqual({ schema: 'main', table: 'orders' });
    expect(duckDbObjectName('silver/orders')).toEqual({ schema: 'silver', table: 'orders' });
    expect(duckDbObjectName('gold/finance/revenue')).toEqual({ schema: 'gold', table: 'finance__revenue' });
    const backend = duckdb({ path: ':memory:' });
    expect(backend.relation('orders')).toBe('"main"."orders"');
    expect(backend.relation('gold/finance/revenue')).toBe('"gold"."finance__revenue"');
  });

  it('rejects a missing path', () => {
    expect(() => duckdb({} as never)).toThrow(expect.objectContaining({ code: 'ASSAY_BACKEND' }));
  });
});

describe('SQL helpers', () => {
  it('inlines parameters only outside strings, identifiers and comments', () => {
    const literal = (v: unknown) => (typeof v === 'string' ? `'${v.replace(/'/g, "''")}'` : String(v));
    expect(inlineParams(`select ? as a, '?' as "b?" -- what?\n, ? /* ? */`, ['x', 2], literal)).toBe(`select 'x' as a, '?' as "b?" -- what?\n, 2 /* ? */`);
    expect(inlineParams(`select 'it''s ?', ?`, ["o'k"], literal)).toBe(`select 'it''s ?', 'o''k'`);
  });

  it('finds the position DuckDB points at, also in truncated excerpts', () => {
    const text = 'select a,\n  b,\n  nope\nfrom t';
    const message = 'Binder Error: Referenced column "nope" not found\n\nLINE 3:   nope\n          ^';
    expect(errorPosition(message, text)).toBe(text.indexOf('nope') + 1);
    const long = `select ${'x'.repeat(100)}, zzz from t`;
    const truncated = `Binder Error: no zzz\n\nLINE 1: ...${'x'.repeat(40)}, zzz from t\n${' '.repeat('LINE 1: ...'.length + 42)}^`;
    expect(errorPosition(truncated, long)).toBe(long.indexOf('zzz') + 1);
    expect(errorPosition('Invalid Input Error: nothing here', text)).toBeUndefined();
  });

  it('infers column types from rows', () => {
    expect(inferColumns([{ a: 1, b: 1.5, c: 'x', d: true, e: new Date(0), f: { k: 1 }, g: null, h: 2n ** 70n }, { a: 2, b: 2, c: null, i: 'late' }])).toEqual([
      { name: 'a', type: 'BIGINT' },
      { name: 'b', type: 'DOUBLE' },
      { name: 'c', type: 'VARCHAR' },
      { name: 'd', type: 'BOOLEAN' },
      { name: 'e', type: 'TIMESTAMP' },
      { name: 'f', type: 'JSON' },
      { name: 'g', type: 'VARCHAR' },
      { name: 'h', type: 'HUGEINT' },
      { name: 'i', type: 'VARCHAR' },
    ]);
    expect(inferColumns([{ a: 1 }, { a: 'x' }])).toEqual([{ name: 'a', type: 'VARCHAR' }]);
  });
});

describe('transient errors', () => {
  it('classifies real DuckDB errors: conflicts are transient, binder and parser errors are not', async () => {
    const instance = await DuckDBInstance.create(':memory:');
    const a = await instance.connect();
    const b = await instance.connect();
    try {
      await a.run('create table t as select 1 as x');
      await a.run('begin');
      await b.run('begin');
      await a.run('update t set x = 2');
      const conflict = await failure(b.run('update t set x = 3'));
      expect(conflict.message).toMatch(/conflict/i);
      expect(isTransientDuckDbError(conflict)).toBe(true);
      const wrapped = toSqlError(conflict, 'update t set x = 3', 'silver/t');
      expect(wrapped).toMatchObject({ code: 'ASSAY_SQL', transient: true, assetKey: 'silver/t' });
      await a.run('rollback');
      await b.run('rollback');
      expect(isTransientDuckDbError(await failure(a.run('selec 1')))).toBe(false);
      expect(isTransientDuckDbError(await failure(a.run('select nope from t')))).toBe(false);
      expect(isTransientDuckDbError(await failure(a.run('select * from missing_table')))).toBe(false);
    } finally {
      a.closeSync();
      b.closeSync();
      instance.closeSync();
    }
  });
});

describe('DuckDbBackend', () => {
  let backend: DuckDbBackend;
  let projectDir: string;
  const def = (spec: SqlAssetSpec, text: string): SqlAssetDefinition => sqlAsset(spec)(sql`${raw(text)}`);
  const build = (asset: SqlAssetDefinition, overrides: Parameters<typeof buildSqlRequest>[2] = {}) => backend.materializeSql(buildSqlRequest(backend, asset, { projectDir, ...overrides }));

  beforeAll(async () => {
    backend = duckdb({ path: ':memory:', threads: 2 });
    await backend.open({ concurrency: 3, logger: silentLogger() });
    projectDir = await mkdtemp(join(tmpdir(), 'assay-duckdb-test-'));
  });
  afterAll(async () => {
    await backend.close();
    await rm(projectDir, { recursive: true, force: true });
  });

  it('uses UTC sessions by default', async () => {
    const [row] = await backend.query("select current_setting('TimeZone') as tz");
    expect(row?.tz).toBe('UTC');
  });

  it('lets DuckDB reorder unordered writes by default, and still honours ORDER BY', async () => {
    const [row] = await backend.query("select current_setting('preserve_insertion_order') as keep");
    expect(row?.keep).toBe(false);
    // rowid is the storage order (a bare LIMIT may read any rows when order is not kept).
    const stored = async (key: string) => (await backend.query(`select i from ${backend.relation(key)} order by rowid limit 3`)).map((r) => r.i);
    await build(def({ key: 'meta/ordered' }, 'select i from range(300000) as r(i) order by i desc'));
    expect(await stored('meta/ordered')).toEqual([299999, 299998, 299997]);
    await build(def({ key: 'meta/ordered_union' }, 'select i from range(200000) as r(i) union all select i from range(200000, 300000) as r(i) order by i desc'));
    expect(await stored('meta/ordered_union')).toEqual([299999, 299998, 299997]);
  });

  it('builds deep keys and one-segment keys where the mapping says', async () => {
    await build(def({ key: 'deep/finance/revenue' }, 'select 1 as x'));
    await build(def({ key: 'plain' }, 'select 2 as x'));
    expect(await backend.query('select x from "deep"."finance__revenue" union all select x from "main"."plain" order by x')).toEqual([{ x: 1 }, { x: 2 }]);
  });

  it('quotes identifiers: keys with dashes and mixed case work', async () => {
    await build(def({ key: 'my-schema/Order-Lines' }, 'select 1 as "odd name"'));
    expect(await backend.query(`select "odd name" as v from ${backend.relation('my-schema/Order-Lines')}`)).toEqual([{ v: 1 }]);
  });

  it('creates schemas on demand even when many steps start at once', async () => {
    const keys = Array.from({ length: 6 }, (_, i) => `burst_${i}/t`);
    await Promise.all(keys.map((k) => build(def({ key: k }, 'select 1 as x'))));
    for (const k of keys) expect((await backend.describe(k))?.rowCount).toBe(1);
  });

  it('serves more concurrent queries than connections by queueing them', async () => {
    const results = await Promise.all(Array.from({ length: 8 }, (_, i) => backend.query('select ? as i', [i])));
    expect(results.map((r) => r[0]?.i)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
  });

  it('reports the SQL error position within the failing statement', async () => {
    const error = await failure(build(def({ key: 'errs/pos' }, 'select 1 as id,\n  missing_col\nfrom (select 1 as a) t')));
    expect(error.code).toBe('ASSAY_SQL');
    expect(error.position).toBeGreaterThan(0);
    expect(error.sql!.slice(error.position! - 1)).toMatch(/^missing_col/);
  });

  it('drops a build relation left behind by a killed process before building', async () => {
    await build(def({ key: 'leftover/t' }, 'select 1 as x'));
    await backend.query('create table "leftover"."t__assay_new" as select 99 as junk');
    await build(def({ key: 'leftover/t' }, 'select 2 as x'));
    expect(await backend.query('select x from leftover.t')).toEqual([{ x: 2 }]);
    expect(await backend.query("select count(*) as n from duckdb_tables() where table_name like 't\\_\\_assay%' escape '\\'")).toEqual([{ n: 0 }]);
  });

  it('records columns, rows and strategy facts in metadata', async () => {
    const spec: SqlAssetSpec = { key: 'meta/inc', materialize: 'incremental', incremental: { strategy: 'merge', uniqueKey: 'id' } };
    await build(def(spec, 'select 1 as id, 10 as v'));
    const out = await build(def(spec, 'select 1 as id, 11 as v union all select 2, 20'));
    expect(out).toMatchObject({
      rowCount: 2,
      metadata: { columns: [{ name: 'id', type: 'INTEGER' }, { name: 'v', type: 'INTEGER' }], relation: '"meta"."inc"', strategy: 'merge', rowsInserted: 1, rowsUpdated: 1, rowsDeleted: 0 },
    });
  });

  it('refuses a merge whose new rows repeat the unique key', async () => {
    const spec: SqlAssetSpec = { key: 'meta/dupes', materialize: 'incremental', incremental: { strategy: 'merge', uniqueKey: 'id' } };
    await build(def(spec, 'select 1 as id'));
    const error = await failure(build(def(spec, 'select 2 as id union all select 2')));
    expect(error).toMatchObject({ code: 'ASSAY_BACKEND', assetKey: 'meta/dupes' });
    expect(error.hint).toMatch(/qualify row_number/);
    expect(await backend.query('select id from meta.dupes')).toEqual([{ id: 1 }]);
  });

  it('refuses SCD2 sources with repeated keys or reserved column names', async () => {
    const dupes = await failure(build(def({ key: 'meta/scd_dupes', materialize: 'scd2', scd2: { uniqueKey: 'id', checkColumns: 'all' } }, "select 1 as id, 'a' as v union all select 1, 'b'")));
    expect(dupes.code).toBe('ASSAY_BACKEND');
    expect(await backend.describe('meta/scd_dupes')).toBeUndefined();
    const reserved = await failure(build(def({ key: 'meta/scd_reserved', materialize: 'scd2', scd2: { uniqueKey: 'id', checkColumns: 'all' } }, 'select 1 as id, true as is_current')));
    expect(reserved.code).toBe('ASSAY_INVALID_DEFINITION');
  });

  it('adds new source columns to an SCD2 history', async () => {
    const spec: SqlAssetSpec = { key: 'meta/scd_new_col', materialize: 'scd2', scd2: { uniqueKey: 'id', checkColumns: ['v'] } };
    await build(def(spec, "select 1 as id, 'a' as v"));
    const out = await build(def(spec, "select 1 as id, 'a' as v, 'x' as extra"));
    expect(out.metadata).toMatchObject({ schemaChange: { added: ['extra'] }, rowsInserted: 0 });
  });

  it('returns wide integers as strings when they do not fit a double, and parses JSON', async () => {
    const [row] = await backend.query(`select 170141183460469231731687303715884105727::hugeint as huge, 12::hugeint as small, '{"a":[1,2]}'::json as j, interval 1 day as iv, time '12:34:56' as t`);
    expect(row).toEqual({ huge: '170141183460469231731687303715884105727', small: 12, j: { a: [1, 2] }, iv: '1 day', t: '12:34:56' });
  });

  it('refuses to quarantine rows of a view', async () => {
    await build(def({ key: 'meta/a_view', materialize: 'view' }, 'select cast(null as integer) as x'));
    const outcome = failure(backend.runChecks(buildCheckRequest('meta/a_view', [checks.notNull('x')], { quarantine: true })));
    expect((await outcome).code).toBe('ASSAY_UNSUPPORTED');
  });

  it('keeps quarantining after the asset gains a column', async () => {
    const k = 'meta/q_evolve';
    await build(def({ key: k }, 'select 1 as id, cast(null as varchar) as s'));
    await backend.runChecks(buildCheckRequest(k, [checks.notNull('s')], { quarantine: true }));
    await build(def({ key: k }, "select 2 as id, cast(null as varchar) as s, 'new' as extra"));
    const [outcome] = await backend.runChecks(buildCheckRequest(k, [checks.notNull('s')], { quarantine: true }));
    expect(outcome?.quarantinedRows).toBe(1);
    expect(await backend.query(`select id, extra from ${backend.relation(`${k}__quarantine`)} order by id`)).toEqual([{ id: 1, extra: null }, { id: 2, extra: 'new' }]);
  });

  describe('ingestion details', () => {
    const ingest = (spec: Parameters<typeof ingestAsset>[0], fullRefresh = false) => backend.ingest(buildIngestRequest(ingestAsset(spec), { projectDir, fullRefresh }));

    it('keeps CSV rows as raw JSON with shape raw', async () => {
      await writeFile(join(projectDir, 'people.csv'), 'id,name\n1,ada\n2,grace\n');
      await ingest({ key: 'bronze/people_raw', path: 'people.csv', format: 'csv', shape: 'raw' });
      expect(await backend.query('select raw, source_file from bronze.people_raw order by raw->>\'$.id\'')).toEqual([
        { raw: { id: 1, name: 'ada' }, source_file: 'people.csv' },
        { raw: { id: 2, name: 'grace' }, source_file: 'people.csv' },
      ]);
    });

    it('reads JSONL with CRLF line endings and passes reader options through', async () => {
      await writeFile(join(projectDir, 'crlf.jsonl'), '{"id":1}\r\n{"id":2}\r\n');
      const out = await ingest({ key: 'bronze/crlf', path: 'crlf.jsonl', format: 'jsonl', onError: 'fail' });
      expect(out.metadata).toMatchObject({ rowsLoaded: 2, malformedRows: 0 });
      await writeFile(join(projectDir, 'semi.csv'), 'id;name\n1;ada\n');
      await ingest({ key: 'bronze/semi', path: 'semi.csv', format: 'csv', readerOptions: { delim: ';', all_varchar: true } });
      expect(await backend.query('select id, name from bronze.semi')).toEqual([{ id: '1', name: 'ada' }]);
    });

    it('names the line of a malformed pretty-printed JSON document', async () => {
      await writeFile(join(projectDir, 'broken.json'), '[\n  {"id": 1},\n  {"id": 2,,}\n]\n');
      const error = await failure(ingest({ key: 'bronze/broken', path: 'broken.json', format: 'json' }));
      expect(error.code).toBe('ASSAY_INGEST');
      expect(error.message).toMatch(/broken\.json at line 3/);
    });

    it('adds columns that appear in later files and records the load history', async () => {
      await writeFile(join(projectDir, 'evolve_1.csv'), 'id\n1\n');
      await ingest({ key: 'bronze/evolve', path: 'evolve_*.csv', format: 'csv' });
      await writeFile(join(projectDir, 'evolve_2.csv'), 'id,extra\n2,x\n');
      const out = await ingest({ key: 'bronze/evolve', path: 'evolve_*.csv', format: 'csv' });
      expect(out.metadata).toMatchObject({ filesLoaded: 1, schemaChange: { added: ['extra'] } });
      expect(await backend.query('select id, extra from bronze.evolve order by id')).toEqual([{ id: 1, extra: null }, { id: 2, extra: 'x' }]);
      const history = await backend.query("select file_path, rows_loaded from _assay.load_history where asset_key = 'bronze/evolve' order by file_path");
      expect(history).toEqual([{ file_path: 'evolve_1.csv', rows_loaded: 1 }, { file_path: 'evolve_2.csv', rows_loaded: 1 }]);
    });

    const writeParquet = async (name: string, select: string) => {
      const path = join(projectDir, 'pq', name);
      await mkdir(dirname(path), { recursive: true });
      await backend.query(`copy (${select}) to '${path}' (format parquet)`);
      return path;
    };
    const loadHistory = (key: string) => backend.query('select file_path, rows_loaded, malformed_rows from _assay.load_history where asset_key = ? order by file_path', [key]);

    it('reads new Parquet files in one scan: by name across differing columns, with rows per file', async () => {
      await writeParquet('p_1.parquet', "select i as id, 'a' || i as name from range(3) as r(i)");
      await writeParquet('p_2.parquet', 'select 10 + i as id, i * 1.5 as score from range(2) as r(i)');
      const first = await ingest({ key: 'bronze/pq', path: 'pq/p_*.parquet', format: 'parquet' });
      expect(first.metadata).toMatchObject({ filesLoaded: 2, rowsLoaded: 5, malformedRows: 0 });
      expect(await backend.query('select id, name, score, source_file from bronze.pq order by id')).toEqual([
        { id: 0, name: 'a0', score: null, source_file: 'pq/p_1.parquet' },
        { id: 1, name: 'a1', score: null, source_file: 'pq/p_1.parquet' },
        { id: 2, name: 'a2', score: null, source_file: 'pq/p_1.parquet' },
        { id: 10, name: null, score: 0, source_file: 'pq/p_2.parquet' },
        { id: 11, name: null, score: 1.5, source_file: 'pq/p_2.parquet' },
      ]);
      const [loaded] = await backend.query('select count(distinct loaded_at) as n, min(loaded_at) as at from bronze.pq');
      expect(loaded).toMatchObject({ n: 1, at: expect.any(Date) });

      // A changed file replaces its rows; a new file brings a column.
      await new Promise((r) => setTimeout(r, 5));
      await writeParquet('p_1.parquet', "select 100 as id, 'changed' as name");
      await writeParquet('p_3.parquet', "select 20 as id, 'x' as extra");
      const second = await ingest({ key: 'bronze/pq', path: 'pq/p_*.parquet', format: 'parquet' });
      expect(second.metadata).toMatchObject({ filesLoaded: 2, rowsLoaded: 2, schemaChange: { added: ['extra'] } });
      expect(await backend.query('select id, extra, source_file from bronze.pq order by id')).toEqual([
        { id: 10, extra: null, source_file: 'pq/p_2.parquet' },
        { id: 11, extra: null, source_file: 'pq/p_2.parquet' },
        { id: 20, extra: 'x', source_file: 'pq/p_3.parquet' },
        { id: 100, extra: null, source_file: 'pq/p_1.parquet' },
      ]);
      expect(await loadHistory('bronze/pq')).toEqual([
        { file_path: 'pq/p_1.parquet', rows_loaded: 1, malformed_rows: 0 },
        { file_path: 'pq/p_2.parquet', rows_loaded: 2, malformed_rows: 0 },
        { file_path: 'pq/p_3.parquet', rows_loaded: 1, malformed_rows: 0 },
      ]);
    });

    it('falls back to file-by-file loading to name or quarantine an unreadable Parquet file', async () => {
      await writeParquet('q_1.parquet', 'select i as id from range(4) as r(i)');
      // A footer DuckDB reads but pages it cannot decode: the one-scan read fails mid-load.
      const bad = await writeParquet('q_2.parquet', "select i as id from range(1000) as r(i)");
      const bytes = await readFile(bad);
      bytes.fill(0xff, 4, 200);
      await writeFile(bad, bytes);

      const error = await failure(ingest({ key: 'bronze/pq_bad', path: 'pq/q_*.parquet', format: 'parquet' }));
      expect(error).toMatchObject({ code: 'ASSAY_INGEST', assetKey: 'bronze/pq_bad' });
      expect(error.message).toContain('pq/q_2.parquet');
      expect(await backend.describe('bronze/pq_bad')).toBeUndefined();

      // Not Parquet at all: the footers cannot be read, so the scan is not even tried.
      await writeFile(join(projectDir, 'pq', 'q_3.parquet'), 'not parquet at all');
      const out = await ingest({ key: 'bronze/pq_bad', path: 'pq/q_*.parquet', format: 'parquet', onError: 'quarantine' });
      expect(out.metadata).toMatchObject({ filesLoaded: 3, rowsLoaded: 4, malformedRows: 2 });
      expect(await backend.query('select count(*) as n from bronze.pq_bad')).toEqual([{ n: 4 }]);
      expect(await backend.query('select source_file from bronze.pq_bad__quarantine order by source_file')).toEqual([
        { source_file: 'pq/q_2.parquet' },
        { source_file: 'pq/q_3.parquet' },
      ]);
      expect(await loadHistory('bronze/pq_bad')).toEqual([
        { file_path: 'pq/q_1.parquet', rows_loaded: 4, malformed_rows: 0 },
        { file_path: 'pq/q_2.parquet', rows_loaded: 0, malformed_rows: 1 },
        { file_path: 'pq/q_3.parquet', rows_loaded: 0, malformed_rows: 1 },
      ]);
    });

    it('cancels a load before it changes anything', async () => {
      await writeFile(join(projectDir, 'cancel.csv'), 'id\n1\n');
      const controller = new AbortController();
      controller.abort();
      const error = await failure(backend.ingest(buildIngestRequest(ingestAsset({ key: 'bronze/cancel', path: 'cancel.csv', format: 'csv' }), { projectDir, signal: controller.signal })));
      expect(error.code).toBe('ASSAY_CANCELED');
      expect(await backend.describe('bronze/cancel')).toBeUndefined();
    });
  });

  it('writes rows atomically and rejects a first write without columns', async () => {
    const error = await failure(backend.writeRows('ml/empty', [], buildStepRequest()));
    expect(error).toMatchObject({ code: 'ASSAY_BACKEND', assetKey: 'ml/empty' });
    await backend.writeRows('ml/wide', [{ big: 2n ** 70n, n: 1 }], buildStepRequest());
    expect(await backend.query('select big, n from ml.wide')).toEqual([{ big: (2n ** 70n).toString(), n: 1 }]);
  });
});

describe('JSON error lines', () => {
  it('finds the line of the first syntax error in JSON documents', async () => {
    const { jsonErrorLine } = await import('./ingest-files.js');
    expect(jsonErrorLine('[\n {"a": 1},\n {"a": tru}\n]')).toBe(3);
    expect(jsonErrorLine('[\n 1,\n oops\n]')).toBe(3);
    expect(jsonErrorLine('[\n {"a": 1},\n {"a": 2\n')).toBe(4);
    expect(jsonErrorLine('{"a": "x\nb"}')).toBe(1);
    expect(jsonErrorLine('{"a": 1}\n{"b": [1, 2, {"c": "\\u00e9"}]}\n')).toBeNull();
    expect(jsonErrorLine('{"a": 1}\n{"b": 2,}\n')).toBe(2);
  });
});

describe('opening', () => {
  it('fails with ASSAY_BACKEND on a bad time zone and releases the file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'assay-duckdb-open-'));
    try {
      const path = join(dir, 'x.duckdb');
      const bad = duckdb({ path, timeZone: 'Not/AZone' });
      const error = await failure(bad.open({ concurrency: 1 }));
      expect(error.code).toBe('ASSAY_BACKEND');
      const good = duckdb({ path, lockTimeoutMs: 0 });
      await good.open({ concurrency: 1 });
      expect(await good.query('select 1 as x')).toEqual([{ x: 1 }]);
      await good.close();
      await good.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('row-level checks share one scan', () => {
  /** The DuckDB backend, counting the statements checks send. */
  class CountingBackend extends DuckDbBackend {
    statements: string[] = [];
    override query(text: string, params: readonly unknown[] = [], options: { signal?: AbortSignal } = {}) {
      this.statements.push(text);
      return super.query(text, params, options);
    }
  }

  it('counts every row-level check in one query, and looks again only at those that fail', async () => {
    const backend = new CountingBackend({ path: ':memory:' });
    try {
      await backend.materializeSql(buildSqlRequest(backend, sqlAsset({ key: 'meta/scan' })`
        select * from (values (1, 'a', 5), (2, 'b', 6), (3, null, -1)) as t(id, kind, amount)`));
      const passing = [checks.notNull('id'), checks.acceptedValues('kind', ['a', 'b']), checks.expression('id > 0'), checks.unique('id')];
      backend.statements = [];
      const ok = await backend.runChecks(buildCheckRequest('meta/scan', passing));
      expect(ok.map((o) => [o.name, o.passed])).toEqual(passing.map((c) => [resolveCheck(c).name, true]));
      expect(backend.statements).toHaveLength(2); // one scan for three row-level checks, one for unique
      expect(backend.statements[0]).toMatch(/sum\(case when .* as assay_f2 from "meta"\."scan"/);

      backend.statements = [];
      const mixed = await backend.runChecks(buildCheckRequest('meta/scan', [checks.notNull('id'), checks.notNull('kind'), checks.expression('amount > 0')]));
      expect(mixed.map((o) => [o.passed, o.failingRows])).toEqual([[true, 0], [false, 1], [false, 1]]);
      expect(backend.statements).toHaveLength(5); // the scan, then count and sample for each failing check
    } finally {
      await backend.close();
    }
  });

  it('re-counts after quarantine, so a row moved by one check does not fail the next', async () => {
    const backend = new CountingBackend({ path: ':memory:' });
    try {
      await backend.materializeSql(buildSqlRequest(backend, sqlAsset({ key: 'meta/both' })`
        select * from (values (1, 'a', 5), (2, null, -1)) as t(id, kind, amount)`));
      const out = await backend.runChecks(buildCheckRequest('meta/both', [checks.notNull('kind'), checks.expression('amount > 0')], { quarantine: true }));
      expect(out.map((o) => [o.passed, o.failingRows, o.quarantinedRows])).toEqual([[true, 1, 1], [true, 0, undefined]]);
      expect(await backend.query('select id from "meta"."both"')).toEqual([{ id: 1 }]);
    } finally {
      await backend.close();
    }
  });
});

describe('appends keep insertion order for that write only', () => {
  it('sets it on the session for an append and restores it after, also when the append fails', async () => {
    const backend = duckdb({ path: ':memory:' });
    try {
      await backend.open({ concurrency: 1 }); // one connection: whatever a step leaves set, the next one sees
      const k = 'meta/appended';
      const append = (onSchemaChange: 'fail' | 'append_new_columns'): SqlAssetSpec => ({ key: k, materialize: 'incremental', incremental: { strategy: 'append', watermark: 'id', onSchemaChange } });
      const setting = async () => (await backend.query("select current_setting('preserve_insertion_order') as keep"))[0]?.keep;
      await backend.materializeSql(buildSqlRequest(backend, sqlAsset(append('fail'))`select id from range(3) as r(id)`));
      // The appended rows record the setting their query ran under.
      await backend.materializeSql(buildSqlRequest(backend, sqlAsset(append('append_new_columns'))`select id, current_setting('preserve_insertion_order') as keep from range(6) as r(id)`));
      expect(await backend.query(`select id, keep from ${backend.relation(k)} where id >= 3 order by id`)).toEqual([3, 4, 5].map((id) => ({ id, keep: true })));
      expect(await setting()).toBe(false);
      const error = await failure(backend.materializeSql(buildSqlRequest(backend, sqlAsset(append('fail'))`select id, true as keep, 'x' as extra from range(9) as r(id)`)));
      expect(error.code).toBe('ASSAY_SCHEMA_CHANGE');
      expect(await setting()).toBe(false);
    } finally {
      await backend.close();
    }
  });
});

describe('settings', () => {
  it('takes preserveInsertionOrder and threads from options, and config wins over both', async () => {
    expect(duckDbConfig({})).toEqual({ preserve_insertion_order: 'false' });
    expect(duckDbConfig({ preserveInsertionOrder: true, threads: 3, memoryLimit: '1GB' })).toEqual({ preserve_insertion_order: 'true', threads: '3', memory_limit: '1GB' });
    expect(duckDbConfig({ preserveInsertionOrder: true, config: { preserve_insertion_order: 'false' } }).preserve_insertion_order).toBe('false');
    const keep = duckdb({ path: ':memory:', preserveInsertionOrder: true, threads: 1 });
    try {
      expect(await keep.query("select current_setting('preserve_insertion_order') as keep, current_setting('threads') as threads")).toEqual([{ keep: true, threads: 1 }]);
    } finally {
      await keep.close();
    }
  });
});

describe('one file, one owner per process', () => {
  it('makes a second backend on the same file wait, then fail with ASSAY_LOCKED, instead of corrupting it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'assay-same-process-'));
    const path = join(dir, 'data.duckdb');
    const first = duckdb({ path });
    const second = duckdb({ path, lockTimeoutMs: 200 });
    try {
      await first.open({ concurrency: 1, logger: silentLogger() });
      const error = await failure(second.open({ concurrency: 1, logger: silentLogger() }));
      expect(error.code).toBe('ASSAY_LOCKED');
      expect(error.message).toContain('already open in this process');
      expect(error.message).toContain('waited 200 ms');
      await first.close();
      // Released: the second one can open now.
      await second.open({ concurrency: 1, logger: silentLogger() });
      expect(await second.query('select 42 as n')).toEqual([{ n: 42 }]);
    } finally {
      await first.close();
      await second.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
