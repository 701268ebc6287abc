import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Backend, MaterializeOutcome } from '../backend/backend.js';
import { ingestAsset, sqlAsset, type IngestAssetSpec, type SqlAssetDefinition, type SqlAssetSpec } from '../definitions/asset.js';
import { checks, type CheckSpec } from '../definitions/checks.js';
import type { Row } from '../definitions/context.js';
import { partitions } from '../definitions/partitions.js';
import { newRows, partition, raw, self, sql, whenIncremental } from '../definitions/sql.js';
import { silentLogger } from '../logging/logger.js';
import { INGEST_FIXTURES, writeFixture } from './fixtures.js';
import { buildCheckRequest, buildIngestRequest, buildSqlRequest, buildStepRequest, columnValue, lowerKeys, type StepRequestOverrides } from './requests.js';

/** What a conformance setup returns. */
export interface ConformanceSetup {
  /** The backend under test; the suite opens and closes it. */
  backend: Backend;
  /** Runs after the backend is closed (delete files, drop databases, stop servers). */
  cleanup?: () => Promise<void>;
}

/** Options of {@link describeBackendConformance}. */
export interface ConformanceOptions {
  /**
   * Test ids to skip, or groups (`'ingest'` skips every `ingest.*` test). Ids are the part of
   * each test title before the colon, e.g. `cancel.query`, `ingest.parquet`.
   */
  skip?: readonly string[];
  /**
   * A SELECT that runs for many seconds and returns one row, for the cancellation tests.
   * Defaults exist for the `duckdb` and `snowflake` dialects; without one they are skipped.
   */
  longRunningSql?: string;
}

/** Long-running single-row queries per dialect, for cancellation tests. */
const LONG_RUNNING: Readonly<Record<string, string>> = {
  duckdb: 'select count(*) as n from range(1000000) a, range(1000000) b where (a.range * b.range) % 7 = 3',
  snowflake: 'select count(*) as n from table(generator(rowcount => 1000000000000))',
};

/** Nested values (a list [1, 2, 3] and an object {a: 1, b: 'x'}) per dialect. */
const NESTED_VALUES: Readonly<Record<string, string>> = {
  duckdb: "select [1, 2, 3] as l, {'a': 1, 'b': 'x'} as s",
  snowflake: "select array_construct(1, 2, 3) as l, object_construct('a', 1, 'b', 'x') as s",
};

interface AssayErrorLike {
  code?: string;
  assetKey?: string;
  message: string;
  hint?: string;
  sql?: string;
  position?: number;
}

/** A literal for {@link selectRows}: numbers, strings, booleans, null, or timestamps. */
type Literal = string | number | boolean | null | { ts: string };

/** Timestamp literal for {@link selectRows}. */
const ts = (text: string): { ts: string } => ({ ts: text });

function literal(value: Literal): string {
  if (value === null) return 'null';
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (typeof value === 'string') return `'${value.replace(/'/g, "''")}'`;
  return `cast('${value.ts}' as timestamp)`;
}

/** Portable SQL for literal rows: `select 1 as id, 'a' as name union all select 2, 'b'`. */
function selectRows(columns: readonly string[], rows: readonly (readonly Literal[])[]): string {
  return rows.map((row, i) => `select ${row.map((v, j) => (i === 0 ? `${literal(v)} as ${columns[j]}` : literal(v))).join(', ')}`).join('\nunion all\n');
}

const num = (v: unknown): number => Number(v);
const asDate = (v: unknown): Date => (v instanceof Date ? v : new Date(String(v)));
const parseJson = (v: unknown): unknown => (typeof v === 'string' ? JSON.parse(v) : v);

async function rejection(promise: Promise<unknown>): Promise<AssayErrorLike> {
  try {
    await promise;
  } catch (error) {
    return error as AssayErrorLike;
  }
  return expect.fail('expected the call to fail');
}

/**
 * Declares the backend conformance suite: every materialization (incl. a failed build leaving
 * the previous table, incremental strategies, full refresh and schema changes, SCD2 with hard
 * deletes and the check strategy), every check type passing and failing with samples,
 * quarantine, ingestion of JSON/JSONL/CSV/Parquet (only new files, malformed records),
 * `writeRows`, query value types, the SQL error shape and cancellation.
 *
 * Its SQL is portable ANSI except where engines differ (nested values, long-running queries).
 * Each backend runs it against a real engine.
 *
 * @example
 * ```ts
 * import { describeBackendConformance } from '@assay/core/testing';
 * import { duckdb } from '@assay/duckdb';
 *
 * describeBackendConformance('duckdb :memory:', async () => ({ backend: duckdb({ path: ':memory:' }) }));
 * ```
 */
export function describeBackendConformance(
  name: string,
  setup: () => Promise<ConformanceSetup>,
  options: ConformanceOptions = {},
): void {
  const skip = options.skip ?? [];
  const skipped = (id: string) => skip.some((s) => id === s || id.startsWith(`${s}.`));
  const test = (id: string, title: string, fn: (ctx: { skip: (note?: string) => void }) => Promise<void>) =>
    (skipped(id) ? it.skip : it)(`${id}: ${title}`, (ctx) => fn({ skip: (note) => ctx.skip(note) }));

  describe(`backend conformance: ${name}`, () => {
    let backend: Backend;
    let cleanup: (() => Promise<void>) | undefined;
    let projectDir: string;
    const ns = `conf_${Math.random().toString(36).slice(2, 8)}`;
    const key = (table: string) => `${ns}/${table}`;

    beforeAll(async () => {
      const made = await setup();
      backend = made.backend;
      cleanup = made.cleanup;
      await backend.open({ concurrency: 2, logger: silentLogger() });
      projectDir = await mkdtemp(join(tmpdir(), 'assay-conformance-'));
      for (const [path, content] of Object.entries(INGEST_FIXTURES)) await writeFixture(projectDir, path, content);
    });

    afterAll(async () => {
      await backend?.close();
      await cleanup?.();
      if (projectDir) await rm(projectDir, { recursive: true, force: true });
    });

    const longRunning = () => options.longRunningSql ?? LONG_RUNNING[backend.dialect];
    const def = (spec: SqlAssetSpec, text: string): SqlAssetDefinition => sqlAsset(spec)(sql`${raw(text)}`);
    const build = (asset: SqlAssetDefinition, overrides: StepRequestOverrides = {}): Promise<MaterializeOutcome> =>
      backend.materializeSql(buildSqlRequest(backend, asset, { projectDir, ...overrides }));
    const ingest = (spec: IngestAssetSpec, overrides: StepRequestOverrides = {}): Promise<MaterializeOutcome> =>
      backend.ingest(buildIngestRequest(ingestAsset(spec), { projectDir, ...overrides }));
    const rows = async (k: string, orderBy: string): Promise<Row[]> => lowerKeys(await backend.query(`select * from ${backend.relation(k)} order by ${orderBy}`));
    const count = async (k: string, where = ''): Promise<number> =>
      num(columnValue((await backend.query(`select count(*) as n from ${backend.relation(k)}${where ? ` where ${where}` : ''}`))[0], 'n'));
    const columnsOf = async (k: string): Promise<string[]> => ((await backend.describe(k))?.columns ?? []).map((c) => c.name.toLowerCase());
    const relations = async (): Promise<string[]> =>
      (await backend.query('select table_schema as s, table_name as t from information_schema.tables'))
        .map((r) => `${String(columnValue(r, 's'))}.${String(columnValue(r, 't'))}`.toLowerCase())
        .sort();
    const runChecks = (k: string, specs: readonly CheckSpec[], quarantine = false, addedRows?: string) =>
      backend.runChecks(buildCheckRequest(k, specs, { quarantine, projectDir, addedRows }));

    describe('views and tables', () => {
      test('materialize.view', 'creates and replaces a view', async () => {
        const k = key('v_people');
        await build(def({ key: k, materialize: 'view' }, selectRows(['id', 'name'], [[1, 'ada']])));
        expect((await backend.describe(k))?.type).toBe('view');
        expect(await columnsOf(k)).toEqual(['id', 'name']);
        await build(def({ key: k, materialize: 'view' }, selectRows(['id', 'name'], [[1, 'ada'], [2, 'grace']])));
        expect(await count(k)).toBe(2);
      });

      test('materialize.view-params', 'inlines bound values into a view safely', async () => {
        const k = key('v_params');
        const asset = sqlAsset({ key: k, materialize: 'view' })`select ${"it's"} as label, ${42} as answer`;
        await build(asset);
        const [row] = await rows(k, 'label');
        expect(row?.label).toBe("it's");
        expect(num(row?.answer)).toBe(42);
      });

      test('materialize.table', 'builds a table, reports row count and columns, rebuilds it', async () => {
        const k = key('t_people');
        const out = await build(def({ key: k }, selectRows(['id', 'name'], [[1, 'ada'], [2, 'grace'], [3, 'edsger']])));
        expect(out.rowCount).toBe(3);
        const cols = (out.metadata?.columns as { name: string }[] | undefined)?.map((c) => c.name.toLowerCase());
        expect(cols).toEqual(['id', 'name']);
        expect((await backend.describe(k))?.type).toBe('table');
        const again = await build(def({ key: k }, selectRows(['id', 'name'], [[9, 'barbara']])));
        expect(again.rowCount).toBe(1);
        expect((await rows(k, 'id')).map((r) => r.name)).toEqual(['barbara']);
      });

      test('materialize.table-params', 'binds template values as parameters', async () => {
        const k = key('t_params');
        await build(sqlAsset({ key: k })`select ${"o'reilly"} as name, ${7} as n, ${2.5} as x`);
        const [row] = await rows(k, 'name');
        expect(row?.name).toBe("o'reilly");
        expect(num(row?.n)).toBe(7);
        expect(num(row?.x)).toBe(2.5);
      });

      test('materialize.table-failure', 'a failed build leaves the previous table exactly as it was', async () => {
        const k = key('t_keep');
        await build(def({ key: k }, selectRows(['id', 'name'], [[1, 'ada'], [2, 'grace']])));
        const before = await relations();
        const error = await rejection(build(def({ key: k }, `select id, cast(name as integer) as name from ${backend.relation(k)}`)));
        expect(error.code).toBe('ASSAY_SQL');
        expect(error.assetKey).toBe(k);
        expect((await rows(k, 'id')).map((r) => [num(r.id), r.name])).toEqual([[1, 'ada'], [2, 'grace']]);
        expect(await relations()).toEqual(before);
      });

      test('materialize.table-dependent-view', 'a view over a rebuilt table sees the new data', async () => {
        const t = key('t_base');
        const v = key('v_over_base');
        await build(def({ key: t }, selectRows(['id'], [[1]])));
        await build(def({ key: v, materialize: 'view' }, `select id from ${backend.relation(t)}`));
        await build(def({ key: t }, selectRows(['id'], [[1], [2], [3]])));
        expect(await count(v)).toBe(3);
      });

      test('materialize.view-to-table', 'switching a key between view and table replaces the relation', async () => {
        const k = key('switch');
        await build(def({ key: k, materialize: 'view' }, selectRows(['id'], [[1]])));
        await build(def({ key: k }, selectRows(['id'], [[1], [2]])));
        expect((await backend.describe(k))?.type).toBe('table');
        await build(def({ key: k, materialize: 'view' }, selectRows(['id'], [[3]])));
        expect((await backend.describe(k))?.type).toBe('view');
        expect(await count(k)).toBe(1);
      });
    });

    describe('incremental', () => {
      const events = (rowsIn: readonly (readonly Literal[])[]) => selectRows(['id', 'ts', 'v'], rowsIn);

      test('incremental.append', 'appends only rows newer than the table watermark', async () => {
        const k = key('inc_append');
        const spec: SqlAssetSpec = { key: k, materialize: 'incremental', incremental: { strategy: 'append', watermark: 'ts' } };
        const first = await build(def(spec, events([[1, ts('2024-01-01 00:00:00'), 'a'], [2, ts('2024-01-02 00:00:00'), 'b']])));
        expect(first.rowCount).toBe(2);
        const second = await build(def(spec, events([[0, ts('2023-12-31 00:00:00'), 'old'], [2, ts('2024-01-02 00:00:00'), 'b'], [3, ts('2024-01-03 00:00:00'), 'c']])));
        expect(second.rowCount).toBe(3);
        expect(second.metadata?.rowsInserted).toBe(1);
        expect((await rows(k, 'id')).map((r) => num(r.id))).toEqual([1, 2, 3]);
      });

      test('incremental.merge', 'updates matching keys and inserts new ones', async () => {
        const k = key('inc_merge');
        const spec: SqlAssetSpec = { key: k, materialize: 'incremental', incremental: { strategy: 'merge', uniqueKey: 'id' } };
        await build(def(spec, selectRows(['id', 'name'], [[1, 'a'], [2, 'b']])));
        const out = await build(def(spec, selectRows(['id', 'name'], [[2, 'B'], [3, 'c']])));
        expect(out.rowCount).toBe(3);
        expect(out.metadata).toMatchObject({ rowsInserted: 1, rowsUpdated: 1 });
        expect((await rows(k, 'id')).map((r) => r.name)).toEqual(['a', 'B', 'c']);
      });

      test('incremental.delete-insert-key', 'replaces rows by a composite unique key', async () => {
        const k = key('inc_di_key');
        const spec: SqlAssetSpec = { key: k, materialize: 'incremental', incremental: { strategy: 'delete+insert', uniqueKey: ['k1', 'k2'] } };
        await build(def(spec, selectRows(['k1', 'k2', 'v'], [[1, 'x', 1], [1, 'y', 2], [2, 'x', 3]])));
        const out = await build(def(spec, selectRows(['k1', 'k2', 'v'], [[1, 'x', 10], [3, 'z', 5]])));
        expect(out.metadata).toMatchObject({ rowsDeleted: 1, rowsInserted: 2 });
        expect((await rows(k, 'k1, k2')).map((r) => [num(r.k1), r.k2, num(r.v)])).toEqual([
          [1, 'x', 10],
          [1, 'y', 2],
          [2, 'x', 3],
          [3, 'z', 5],
        ]);
      });

      test('incremental.delete-insert-window', 'replaces the rows of the running partition window', async () => {
        const k = key('inc_di_window');
        const source = (day1: number) =>
          `(${selectRows(['id', 'ts', 'v'], [
            [1, ts('2024-01-01 08:00:00'), day1],
            [2, ts('2024-01-01 20:00:00'), day1],
            [3, ts('2024-01-02 09:00:00'), 30],
          ])}) src`;
        const asset = (day1: number) =>
          sqlAsset({ key: k, materialize: 'incremental', partitions: partitions.daily('2024-01-01', '2024-01-03'), incremental: { strategy: 'delete+insert', watermark: 'ts' } })(
            sql`select * from ${raw(source(day1))} where ts >= cast(${partition.start} as timestamp) and ts < cast(${partition.end} as timestamp)`,
          );
        await build(asset(10), { partition: '2024-01-01' });
        await build(asset(10), { partition: '2024-01-02' });
        expect(await count(k)).toBe(3);
        const out = await build(asset(11), { partition: '2024-01-01' });
        expect(out.metadata).toMatchObject({ rowsDeleted: 2, rowsInserted: 2 });
        expect((await rows(k, 'id')).map((r) => num(r.v))).toEqual([11, 11, 30]);
      });

      test('incremental.when-incremental', 'takes whenIncremental branches only when adding to the table', async () => {
        const k = key('inc_branch');
        const spec: SqlAssetSpec = { key: k, materialize: 'incremental', incremental: { strategy: 'delete+insert', uniqueKey: 'day' } };
        const asset = (rowsIn: readonly (readonly Literal[])[]) =>
          sqlAsset(spec)(sql`select day, count(*) as n from ${raw(`(${selectRows(['day', 'v'], rowsIn)})`)} src
            ${whenIncremental(sql`where day >= (select max(day) from ${self})`, sql`where day >= 1`)}
            group by day`);
        const first = await build(asset([[0, 'skipped by otherwise'], [1, 'a'], [2, 'b']]));
        expect(first.rowCount).toBe(2);
        const later = [[1, 'x'], [1, 'y'], [2, 'c'], [2, 'd'], [3, 'e']] as const;
        const second = await build(asset(later));
        expect(second.metadata).toMatchObject({ rowsDeleted: 1, rowsInserted: 2 });
        expect((await rows(k, 'day')).map((r) => [num(r.day), num(r.n)])).toEqual([[1, 1], [2, 2], [3, 1]]);
        await build(asset(later), { fullRefresh: true });
        expect((await rows(k, 'day')).map((r) => [num(r.day), num(r.n)])).toEqual([[1, 2], [2, 2], [3, 1]]);
      });

      test('incremental.full-refresh', 'a full refresh rebuilds the table from the query alone', async () => {
        const k = key('inc_full');
        const spec: SqlAssetSpec = { key: k, materialize: 'incremental', incremental: { strategy: 'merge', uniqueKey: 'id' } };
        await build(def(spec, selectRows(['id'], [[1], [2]])));
        await build(def(spec, selectRows(['id'], [[3]])));
        expect(await count(k)).toBe(3);
        const out = await build(def(spec, selectRows(['id'], [[3]])), { fullRefresh: true });
        expect(out.rowCount).toBe(1);
      });

      test('incremental.schema-change-fail', 'fails with ASSAY_SCHEMA_CHANGE naming the columns and keeps the table', async () => {
        const k = key('inc_schema_fail');
        const spec: SqlAssetSpec = { key: k, materialize: 'incremental', incremental: { strategy: 'merge', uniqueKey: 'id' } };
        await build(def(spec, selectRows(['id', 'legacy_col'], [[1, 'x']])));
        const added = await rejection(build(def(spec, selectRows(['id', 'legacy_col', 'extra_col'], [[2, 'y', 5]]))));
        expect(added.code).toBe('ASSAY_SCHEMA_CHANGE');
        expect(added.assetKey).toBe(k);
        expect(added.message).toContain('extra_col');
        const removed = await rejection(build(def(spec, selectRows(['id'], [[2]]))));
        expect(removed.code).toBe('ASSAY_SCHEMA_CHANGE');
        expect(removed.message).toContain('legacy_col');
        expect(await columnsOf(k)).toEqual(['id', 'legacy_col']);
        expect(await count(k)).toBe(1);
      });

      test('incremental.schema-change-append', 'append_new_columns adds the new columns', async () => {
        const k = key('inc_schema_append');
        const spec: SqlAssetSpec = { key: k, materialize: 'incremental', incremental: { strategy: 'append', watermark: 'id', onSchemaChange: 'append_new_columns' } };
        await build(def(spec, selectRows(['id', 'a'], [[1, 'x']])));
        await build(def(spec, selectRows(['id', 'a', 'b'], [[2, 'y', 7]])));
        expect(await columnsOf(k)).toEqual(['id', 'a', 'b']);
        expect((await rows(k, 'id')).map((r) => (r.b === null ? null : num(r.b)))).toEqual([null, 7]);
      });

      test('incremental.schema-change-ignore', 'ignore writes the common columns only', async () => {
        const k = key('inc_schema_ignore');
        const spec: SqlAssetSpec = { key: k, materialize: 'incremental', incremental: { strategy: 'append', watermark: 'id', onSchemaChange: 'ignore' } };
        await build(def(spec, selectRows(['id', 'a'], [[1, 'x']])));
        await build(def(spec, selectRows(['id', 'a', 'b'], [[2, 'y', 7]])));
        expect(await columnsOf(k)).toEqual(['id', 'a']);
        expect(await count(k)).toBe(2);
      });

      test('incremental.merge-duplicate-key', 'refuses new rows that repeat the unique key and keeps the table', async () => {
        const k = key('inc_dupes');
        const spec: SqlAssetSpec = { key: k, materialize: 'incremental', incremental: { strategy: 'merge', uniqueKey: 'id' } };
        await build(def(spec, selectRows(['id', 'v'], [[1, 'a']])));
        const error = await rejection(build(def(spec, selectRows(['id', 'v'], [[2, 'b'], [3, 'c'], [2, 'd']]))));
        expect(error.code).toBe('ASSAY_BACKEND');
        expect(error.assetKey).toBe(k);
        expect(error.message).toMatch(/repeat.* the unique key \(id\)/);
        expect(error.hint).toMatch(/qualify row_number/);
        expect((await rows(k, 'id')).map((r) => [num(r.id), r.v])).toEqual([[1, 'a']]);
      });

      test('incremental.failure-keeps-table', 'a failing incremental run changes nothing', async () => {
        const k = key('inc_fail');
        const spec: SqlAssetSpec = { key: k, materialize: 'incremental', incremental: { strategy: 'merge', uniqueKey: 'id' } };
        await build(def(spec, selectRows(['id', 'name'], [[1, 'a']])));
        const before = await relations();
        const error = await rejection(build(def(spec, `select 2 as id, cast(name as integer) as name from ${backend.relation(k)}`)));
        expect(error.code).toBe('ASSAY_SQL');
        expect(await rows(k, 'id')).toEqual([expect.objectContaining({ name: 'a' })]);
        expect(await relations()).toEqual(before);
      });
    });

    describe('scd2', () => {
      const current = async (k: string) => (await rows(k, 'id, valid_from')).filter((r) => r.is_current === true || r.is_current === 'true' || r.is_current === 1);

      test('scd2.timestamp', 'closes changed versions by updated_at and inserts new ones', async () => {
        const k = key('scd_ts');
        const spec: SqlAssetSpec = { key: k, materialize: 'scd2', scd2: { uniqueKey: 'id', updatedAt: 'updated_at' } };
        const v1 = selectRows(['id', 'name', 'updated_at'], [[1, 'a', ts('2024-01-01 00:00:00')], [2, 'b', ts('2024-01-01 00:00:00')]]);
        const v2 = selectRows(['id', 'name', 'updated_at'], [[1, 'A', ts('2024-02-01 00:00:00')], [2, 'b', ts('2024-01-01 00:00:00')], [3, 'c', ts('2024-02-01 00:00:00')]]);
        await build(def(spec, v1));
        const out = await build(def(spec, v2));
        expect(out.metadata).toMatchObject({ rowsInserted: 2, rowsUpdated: 1 });
        const all = await rows(k, 'id, valid_from');
        expect(all.map((r) => [num(r.id), r.name])).toEqual([[1, 'a'], [1, 'A'], [2, 'b'], [3, 'c']]);
        expect(asDate(all[0]!.valid_to).toISOString()).toBe('2024-02-01T00:00:00.000Z');
        expect(asDate(all[1]!.valid_from).toISOString()).toBe('2024-02-01T00:00:00.000Z');
        expect(all[1]!.valid_to).toBeNull();
        expect((await current(k)).map((r) => r.name)).toEqual(['A', 'b', 'c']);
        expect(all.every((r) => typeof r.scd_id === 'string' && r.scd_id.length > 0)).toBe(true);
        const again = await build(def(spec, v2));
        expect(again.metadata).toMatchObject({ rowsInserted: 0, rowsUpdated: 0 });
        expect(await count(k)).toBe(4);
      });

      test('scd2.check', 'check strategy compares the listed columns, or all non-key columns', async () => {
        const listed = key('scd_check');
        const spec: SqlAssetSpec = { key: listed, materialize: 'scd2', scd2: { uniqueKey: 'id', checkColumns: ['name'] } };
        await build(def(spec, selectRows(['id', 'name', 'note'], [[1, 'a', 'x'], [2, 'b', 'y']])));
        const out = await build(def(spec, selectRows(['id', 'name', 'note'], [[1, 'a', 'changed'], [2, 'B', 'y']])));
        expect(out.metadata).toMatchObject({ rowsInserted: 1, rowsUpdated: 1 });
        expect((await current(listed)).map((r) => [num(r.id), r.name, r.note])).toEqual([[1, 'a', 'x'], [2, 'B', 'y']]);

        const all = key('scd_check_all');
        const specAll: SqlAssetSpec = { key: all, materialize: 'scd2', scd2: { uniqueKey: 'id', checkColumns: 'all' } };
        await build(def(specAll, selectRows(['id', 'name', 'note'], [[1, 'a', 'x']])));
        const outAll = await build(def(specAll, selectRows(['id', 'name', 'note'], [[1, 'a', 'changed']])));
        expect(outAll.metadata).toMatchObject({ rowsInserted: 1, rowsUpdated: 1 });
        expect(await count(all)).toBe(2);
      });

      test('scd2.hard-deletes', 'invalidateHardDeletes closes keys missing from the source; they can come back', async () => {
        const k = key('scd_deletes');
        const spec: SqlAssetSpec = { key: k, materialize: 'scd2', scd2: { uniqueKey: 'id', updatedAt: 'updated_at', invalidateHardDeletes: true } };
        const row = (id: number, day: string): Literal[] => [id, `n${id}`, ts(`${day} 00:00:00`)];
        await build(def(spec, selectRows(['id', 'name', 'updated_at'], [row(1, '2024-01-01'), row(2, '2024-01-01')])));
        const out = await build(def(spec, selectRows(['id', 'name', 'updated_at'], [row(1, '2024-01-01')])));
        expect(out.metadata).toMatchObject({ rowsDeleted: 1 });
        const deleted = (await rows(k, 'id')).find((r) => num(r.id) === 2)!;
        expect(deleted.valid_to).not.toBeNull();
        expect((await current(k)).map((r) => num(r.id))).toEqual([1]);
        await build(def(spec, selectRows(['id', 'name', 'updated_at'], [row(1, '2024-01-01'), row(2, '2024-03-01')])));
        expect((await current(k)).map((r) => num(r.id))).toEqual([1, 2]);

        const kept = key('scd_keep_deletes');
        const keepSpec: SqlAssetSpec = { key: kept, materialize: 'scd2', scd2: { uniqueKey: 'id', updatedAt: 'updated_at' } };
        await build(def(keepSpec, selectRows(['id', 'name', 'updated_at'], [row(1, '2024-01-01'), row(2, '2024-01-01')])));
        await build(def(keepSpec, selectRows(['id', 'name', 'updated_at'], [row(1, '2024-01-01')])));
        expect((await current(kept)).map((r) => num(r.id))).toEqual([1, 2]);
      });

      test('scd2.duplicate-key', 'refuses a source that repeats the unique key, on the first run and later ones', async () => {
        const k = key('scd_dupes');
        const spec: SqlAssetSpec = { key: k, materialize: 'scd2', scd2: { uniqueKey: 'id', checkColumns: 'all' } };
        const first = await rejection(build(def(spec, selectRows(['id', 'name'], [[1, 'a'], [1, 'b']]))));
        expect([first.code, first.assetKey]).toEqual(['ASSAY_BACKEND', k]);
        expect(first.message).toMatch(/repeats the unique key \(id\)/);
        expect(await backend.describe(k)).toBeUndefined();
        await build(def(spec, selectRows(['id', 'name'], [[1, 'a']])));
        const later = await rejection(build(def(spec, selectRows(['id', 'name'], [[1, 'b'], [2, 'c'], [2, 'd']]))));
        expect(later.code).toBe('ASSAY_BACKEND');
        expect((await rows(k, 'id')).map((r) => [num(r.id), r.name])).toEqual([[1, 'a']]);
      });

      test('scd2.full-refresh', 'a full refresh restarts history from the source', async () => {
        const k = key('scd_full');
        const spec: SqlAssetSpec = { key: k, materialize: 'scd2', scd2: { uniqueKey: 'id', checkColumns: ['name'] } };
        await build(def(spec, selectRows(['id', 'name'], [[1, 'a']])));
        await build(def(spec, selectRows(['id', 'name'], [[1, 'b']])));
        expect(await count(k)).toBe(2);
        await build(def(spec, selectRows(['id', 'name'], [[1, 'c']])), { fullRefresh: true });
        expect((await rows(k, 'id')).map((r) => r.name)).toEqual(['c']);
      });
    });

    describe('checks', () => {
      const orders = () => key('chk_orders');
      const customersAll = () => key('chk_customers_all');
      const customersSome = () => key('chk_customers_some');
      beforeAll(async () => {
        await build(def({ key: orders() }, selectRows(['id', 'status', 'amount', 'customer_id'], [
          [1, 'placed', 10, 1],
          [2, 'shipped', 20, 2],
          [2, 'shipped', 30, 2],
          [3, null, -5, 9],
          [4, 'lost', 40, 1],
        ])));
        await build(def({ key: customersAll() }, selectRows(['id'], [[1], [2], [9]])));
        await build(def({ key: customersSome() }, selectRows(['id'], [[1], [2]])));
      });

      const expectFail = (outcome: { passed: boolean; failingRows?: number; sample?: Row[] } | undefined, failing: number) => {
        expect(outcome?.passed).toBe(false);
        expect(outcome?.failingRows).toBe(failing);
        expect(outcome?.sample?.length ?? 0).toBeGreaterThan(0);
        expect(outcome?.sample?.length ?? 0).toBeLessThanOrEqual(5);
      };

      test('checks.not_null', 'passes and fails with a sample', async () => {
        const [pass, fail] = await runChecks(orders(), [checks.notNull('id'), checks.notNull('status')]);
        expect(pass).toMatchObject({ name: 'not_null_id', passed: true });
        expectFail(fail, 1);
        expect(num(columnValue(fail!.sample![0], 'id'))).toBe(3);
      });

      test('checks.unique', 'passes and fails with a sample of duplicated values', async () => {
        const [pass, fail] = await runChecks(orders(), [checks.unique('amount'), checks.unique('id')]);
        expect(pass?.passed).toBe(true);
        expectFail(fail, 2);
        expect(num(columnValue(fail!.sample![0], 'id'))).toBe(2);
      });

      test('checks.accepted_values', 'ignores nulls, fails on values outside the list', async () => {
        const [pass, fail] = await runChecks(orders(), [
          checks.acceptedValues('status', ['placed', 'shipped', 'lost']),
          checks.acceptedValues('status', ['placed', 'shipped'], { name: 'status_strict' }),
        ]);
        expect(pass?.passed).toBe(true);
        expectFail(fail, 1);
        expect(columnValue(fail!.sample![0], 'status')).toBe('lost');
      });

      test('checks.relationships', 'fails on values missing from the parent', async () => {
        const [pass, fail] = await runChecks(orders(), [
          checks.relationships('customer_id', customersAll(), 'id'),
          checks.relationships('customer_id', customersSome(), 'id'),
        ]);
        expect(pass?.passed).toBe(true);
        expectFail(fail, 1);
        expect(num(columnValue(fail!.sample![0], 'customer_id'))).toBe(9);
      });

      test('checks.row_count', 'checks the bounds', async () => {
        const [pass, fail] = await runChecks(orders(), [checks.rowCount({ min: 1, max: 10 }), checks.rowCount({ min: 10 }, { name: 'at_least_10' })]);
        expect(pass?.passed).toBe(true);
        expect(fail?.passed).toBe(false);
        expect(fail?.metadata?.rowCount).toBe(5);
      });

      test('checks.expression', 'fails on rows where the expression is false', async () => {
        const [pass, fail] = await runChecks(orders(), [checks.expression('amount > -100'), checks.expression('amount >= 0')]);
        expect(pass?.passed).toBe(true);
        expectFail(fail, 1);
        expect(num(columnValue(fail!.sample![0], 'amount'))).toBe(-5);
      });

      test('checks.freshness', 'compares the newest timestamp with the allowed age', async () => {
        const fresh = key('chk_fresh');
        const stale = key('chk_stale');
        await build(def({ key: fresh }, 'select cast(current_timestamp as timestamp) as ts'));
        await build(def({ key: stale }, selectRows(['ts'], [[ts('2000-01-01 00:00:00')]])));
        const [pass] = await runChecks(fresh, [checks.freshness('ts', 3600)]);
        const [fail] = await runChecks(stale, [checks.freshness('ts', 3600)]);
        expect(pass?.passed).toBe(true);
        expect(fail?.passed).toBe(false);
      });

      test('checks.sql', 'custom SQL returning failing rows', async () => {
        const [pass, fail] = await runChecks(orders(), [
          checks.sql('no_huge_amounts', sql`select * from ${self} where amount > 1000`),
          checks.sql('no_negative_amounts', sql`select * from ${self} where amount < ${0}`),
        ]);
        expect(pass?.passed).toBe(true);
        expectFail(fail, 1);
      });

      test('checks.sample-limit', 'samples at most five failing rows', async () => {
        const k = key('chk_many');
        await build(def({ key: k }, selectRows(['id', 'v'], [1, 2, 3, 4, 5, 6, 7, 8].map((i) => [i, null]))));
        const [fail] = await runChecks(k, [checks.notNull('v')]);
        expect(fail?.failingRows).toBe(8);
        expect(fail?.sample).toHaveLength(5);
      });

      test('checks.quarantine', 'moves failing rows to <table>__quarantine instead of failing', async () => {
        const k = key('chk_quarantine');
        await build(def({ key: k }, selectRows(['id', 'status'], [[1, 'ok'], [2, null], [3, 'bad'], [4, 'ok']])));
        const outcomes = await runChecks(k, [checks.notNull('status'), checks.acceptedValues('status', ['ok'])], true);
        expect(outcomes.map((o) => [o.passed, o.quarantinedRows])).toEqual([[true, 1], [true, 1]]);
        expect((await rows(k, 'id')).map((r) => num(r.id))).toEqual([1, 4]);
        const quarantined = lowerKeys(await backend.query(`select * from ${backend.relation(`${k}__quarantine`)} order by id`));
        expect(quarantined.map((r) => [num(r.id), r.assay_check])).toEqual([[2, 'not_null_status'], [3, 'accepted_values_status']]);
        const again = await runChecks(k, [checks.notNull('status')], true);
        expect(again[0]).toMatchObject({ passed: true, failingRows: 0 });
        expect(quarantined).toHaveLength(2);
      });
    });

    describe('ingestion', () => {
      test('checks.new-rows', 'tells apart the rows an ingestion or an append added, for checks scoped to them', async () => {
        const rawKey = key('scoped_raw');
        const spec: IngestAssetSpec = { key: rawKey, path: 'data/scoped/*.csv', format: 'csv' };
        expect((await ingest(spec)).addedRows).toBeUndefined(); // a first load writes the whole table
        await writeFile(join(projectDir, 'data/scoped/b.csv'), 'id,kind\n3,a\n1,a\n');
        const second = await ingest(spec);
        expect(second.addedRows).toEqual(expect.any(String));
        const scoped = [
          checks.acceptedValues('kind', ['a'], { scope: 'new-rows' }),
          checks.rowCount({ min: 2, max: 2 }, { scope: 'new-rows' }),
          checks.unique('id', { scope: 'new-rows' }),
          checks.sql('batch_ids', sql`select id from ${newRows} where id not in (1, 3)`, { scope: 'new-rows' }),
        ];
        const [kinds, rowCount, unique, batch] = await runChecks(rawKey, scoped, false, second.addedRows);
        expect([kinds?.passed, rowCount?.passed, batch?.passed]).toEqual([true, true, true]);
        expect(unique).toMatchObject({ passed: false, failingRows: 2 }); // the new 1 repeats the old 1
        const [wholeKinds] = await runChecks(rawKey, scoped.slice(0, 1));
        expect(wholeKinds).toMatchObject({ passed: false, failingRows: 1 });
        const [none] = await runChecks(rawKey, [checks.rowCount({ max: 0 }, { scope: 'new-rows' })], false, (await ingest(spec)).addedRows);
        expect(none?.passed).toBe(true); // no new file, no new rows

        const k = key('scoped_append');
        const append: SqlAssetSpec = { key: k, materialize: 'incremental', incremental: { strategy: 'append', watermark: 'id' } };
        expect((await build(def(append, selectRows(['id', 'v'], [[1, -5], [2, 1]])))).addedRows).toBeUndefined();
        const appended = await build(def(append, selectRows(['id', 'v'], [[2, 1], [3, 7], [4, 8]])));
        const [positive] = await runChecks(k, [checks.expression('v > 0', { scope: 'new-rows' })], false, appended.addedRows);
        expect(positive).toMatchObject({ passed: true, failingRows: 0 });
        const [counted] = await runChecks(k, [checks.rowCount({ min: 2, max: 2 }, { scope: 'new-rows' })], false, appended.addedRows);
        expect(counted?.passed).toBe(true);
      });

      test('ingest.csv', 'loads CSV with source_file and loaded_at', async () => {
        const k = key('raw_csv');
        const out = await ingest({ key: k, path: 'data/csv/*.csv', format: 'csv' });
        expect(out.metadata).toMatchObject({ filesLoaded: 1, rowsLoaded: 3, malformedRows: 0 });
        expect(await columnsOf(k)).toEqual(expect.arrayContaining(['id', 'customer', 'amount', 'source_file', 'loaded_at']));
        const loaded = await rows(k, 'id');
        expect(loaded.map((r) => r.customer)).toEqual(['alice', 'bob', 'carol']);
        expect(String(loaded[0]!.source_file)).toMatch(/orders_1\.csv$/);
        expect(Number.isNaN(asDate(loaded[0]!.loaded_at).getTime())).toBe(false);
      });

      test('ingest.jsonl', 'loads JSONL as raw JSON records or as columns', async () => {
        const rawKey = key('raw_events');
        const out = await ingest({ key: rawKey, path: 'data/jsonl/*.jsonl', format: 'jsonl' });
        expect(out.metadata).toMatchObject({ filesLoaded: 1, rowsLoaded: 3 });
        expect(await columnsOf(rawKey)).toEqual(['raw', 'source_file', 'loaded_at']);
        const records = (await backend.query(`select raw from ${backend.relation(rawKey)}`)).map((r) => parseJson(columnValue(r, 'raw')) as { id: number; kind: string });
        expect(records.map((r) => r.id).sort()).toEqual([1, 2, 3]);

        const colKey = key('raw_events_cols');
        await ingest({ key: colKey, path: 'data/jsonl/*.jsonl', format: 'jsonl', shape: 'columns' });
        expect((await rows(colKey, 'id')).map((r) => r.kind)).toEqual(['click', 'view', 'click']);
      });

      test('ingest.jsonl_many', 'loads several new JSONL files in one run, quarantining a malformed line', async () => {
        for (const shape of ['raw', 'columns'] as const) {
          const k = key(`raw_days_${shape}`);
          const out = await ingest({ key: k, path: 'data/jsonl_days/*.jsonl', format: 'jsonl', shape, onError: 'quarantine' });
          expect(out.metadata).toMatchObject({ filesLoaded: 3, rowsLoaded: 4, malformedRows: 1 });
          expect(await count(k)).toBe(4);
          const files = (await backend.query(`select distinct source_file from ${backend.relation(k)}`)).map((r) => String(columnValue(r, 'source_file')));
          expect(files.map((f) => f.replace(/^.*\//, '')).sort()).toEqual(['day_1.jsonl', 'day_2.jsonl', 'day_3.jsonl']);
        }
      });

      test('ingest.json', 'loads a JSON array document', async () => {
        const k = key('raw_products_json');
        const out = await ingest({ key: k, path: 'data/json/products.json', format: 'json', shape: 'columns' });
        expect(out.metadata).toMatchObject({ filesLoaded: 1, rowsLoaded: 2 });
        expect((await rows(k, 'id')).map((r) => r.name)).toEqual(['anvil', 'rope']);
        const rawKey = key('raw_products_json_raw');
        await ingest({ key: rawKey, path: 'data/json/products.json', format: 'json' });
        expect(await count(rawKey)).toBe(2);
      });

      test('ingest.parquet', 'loads Parquet', async () => {
        const k = key('raw_products_parquet');
        const out = await ingest({ key: k, path: 'data/parquet/*.parquet', format: 'parquet' });
        expect(out.metadata).toMatchObject({ filesLoaded: 1, rowsLoaded: 3 });
        const loaded = await rows(k, 'id');
        expect(loaded.map((r) => [num(r.id), r.product, num(r.price)])).toEqual([[1, 'widget', 2.5], [2, 'gadget', 10], [3, 'doohickey', 0.75]]);
      });

      test('ingest.only-new-files', 'loads only new or changed files; a changed file replaces its rows', async () => {
        const k = key('raw_incremental');
        const spec: IngestAssetSpec = { key: k, path: 'data/incremental/*.csv', format: 'csv' };
        expect((await ingest(spec)).metadata).toMatchObject({ filesLoaded: 1, rowsLoaded: 3 });
        const noop = await ingest(spec);
        expect(noop.metadata).toMatchObject({ filesLoaded: 0, rowsLoaded: 0 });
        expect(await count(k)).toBe(3);
        await writeFile(join(projectDir, 'data/incremental/b.csv'), 'id,customer,amount\n10,zed,1\n11,yan,2\n');
        expect((await ingest(spec)).metadata).toMatchObject({ filesLoaded: 1, rowsLoaded: 2 });
        expect(await count(k)).toBe(5);
        await writeFile(join(projectDir, 'data/incremental/a.csv'), 'id,customer,amount\n1,alice,10\n2,bob,20\n3,carol,30\n4,dave,40\n');
        expect((await ingest(spec)).metadata).toMatchObject({ filesLoaded: 1, rowsLoaded: 4 });
        expect(await count(k)).toBe(6);
      });

      test('ingest.full-refresh', 'a full refresh reloads every file once', async () => {
        const k = key('raw_full');
        const spec: IngestAssetSpec = { key: k, path: 'data/csv/*.csv', format: 'csv' };
        await ingest(spec);
        const out = await ingest(spec, { fullRefresh: true });
        expect(out.metadata).toMatchObject({ filesLoaded: 1, rowsLoaded: 3 });
        expect(await count(k)).toBe(3);
      });

      test('ingest.no-files', 'no matching files is a no-op', async () => {
        const out = await ingest({ key: key('raw_nothing'), path: 'data/none/*.csv', format: 'csv' });
        expect(out.metadata).toMatchObject({ filesLoaded: 0, rowsLoaded: 0, malformedRows: 0 });
      });

      test('ingest.malformed-fail', 'malformed records fail with ASSAY_INGEST naming file and line', async () => {
        const k = key('raw_bad_fail');
        const jsonl = await rejection(ingest({ key: k, path: 'data/bad_jsonl/*.jsonl', format: 'jsonl' }));
        expect(jsonl.code).toBe('ASSAY_INGEST');
        expect(jsonl.assetKey).toBe(k);
        expect(jsonl.message).toContain('events.jsonl');
        expect(jsonl.message).toMatch(/line 2\b/);
        expect(await backend.describe(k)).toBeUndefined();
        const csv = await rejection(ingest({ key: key('raw_bad_csv_fail'), path: 'data/bad_csv/*.csv', format: 'csv' }));
        expect(csv.code).toBe('ASSAY_INGEST');
        expect(csv.message).toContain('orders.csv');
        expect(csv.message).toMatch(/line 5\b/);
        // Nothing was recorded as loaded: the next run reads the file again.
        const retry = await rejection(ingest({ key: k, path: 'data/bad_jsonl/*.jsonl', format: 'jsonl' }));
        expect(retry.code).toBe('ASSAY_INGEST');
      });

      test('ingest.malformed-quarantine', 'quarantine keeps the malformed records and loads the rest', async () => {
        const k = key('raw_bad_quarantine');
        const out = await ingest({ key: k, path: 'data/bad_jsonl/*.jsonl', format: 'jsonl', onError: 'quarantine' });
        expect(out.metadata).toMatchObject({ filesLoaded: 1, rowsLoaded: 2, malformedRows: 1 });
        expect(await count(k)).toBe(2);
        const q = lowerKeys(await backend.query(`select * from ${backend.relation(`${k}__quarantine`)}`));
        expect(q).toHaveLength(1);
        expect(num(q[0]!.line_number)).toBe(2);
        expect(String(q[0]!.raw_text)).toContain('"kind":');
        expect(String(q[0]!.source_file)).toMatch(/events\.jsonl$/);
        expect(String(q[0]!.error).length).toBeGreaterThan(0);

        const csvKey = key('raw_bad_csv_quarantine');
        const csv = await ingest({ key: csvKey, path: 'data/bad_csv/*.csv', format: 'csv', onError: 'quarantine' });
        expect(csv.metadata).toMatchObject({ rowsLoaded: 5, malformedRows: 1 });
        const qc = lowerKeys(await backend.query(`select * from ${backend.relation(`${csvKey}__quarantine`)}`));
        expect(qc.map((r) => [num(r.line_number), r.raw_text])).toEqual([[5, '4,dave']]);
      });
    });

    describe('writeRows and query', () => {
      test('write-rows', 'stores rows with inferred types and replaces them', async () => {
        const k = key('rows_out');
        const when = new Date('2024-05-06T07:08:09.000Z');
        const out = await backend.writeRows(k, [
          { id: 1, name: 'a', score: 1.5, ok: true, at: when, tags: { x: [1, 2] } },
          { id: 2, name: null, score: 2, ok: false, at: null, tags: null },
        ], buildStepRequest());
        expect(out.rowCount).toBe(2);
        const [first, second] = await rows(k, 'id');
        expect(first).toMatchObject({ id: 1, name: 'a', score: 1.5, ok: true });
        expect(asDate(first!.at).toISOString()).toBe(when.toISOString());
        expect(parseJson(first!.tags)).toEqual({ x: [1, 2] });
        expect(second).toMatchObject({ id: 2, name: null, score: 2, ok: false, at: null });
        const replaced = await backend.writeRows(k, [{ id: 3, name: 'c', score: 0, ok: true, at: when, tags: [] }], buildStepRequest());
        expect(replaced.rowCount).toBe(1);
        const emptied = await backend.writeRows(k, [], buildStepRequest());
        expect(emptied.rowCount).toBe(0);
        expect(await columnsOf(k)).toEqual(['id', 'name', 'score', 'ok', 'at', 'tags']);
      });

      test('query.types', 'returns JSON-friendly values', async () => {
        const [row] = lowerKeys(await backend.query(
          "select cast(42 as bigint) as b, cast(9007199254740993 as bigint) as big, cast(12.34 as decimal(10,2)) as d, cast('2024-01-02' as date) as dt, " +
            "cast('2024-01-02 03:04:05' as timestamp) as tsv, true as flag, 'text' as s, cast(null as varchar) as nothing",
        ));
        expect(row).toMatchObject({ b: 42, big: '9007199254740993', d: 12.34, flag: true, s: 'text', nothing: null });
        expect(row!.dt).toBeInstanceOf(Date);
        expect((row!.dt as Date).toISOString()).toBe('2024-01-02T00:00:00.000Z');
        expect(row!.tsv).toBeInstanceOf(Date);
        expect((row!.tsv as Date).toISOString()).toBe('2024-01-02T03:04:05.000Z');
        const nested = NESTED_VALUES[backend.dialect];
        if (nested) {
          const [n] = lowerKeys(await backend.query(nested));
          expect(parseJson(n!.l)).toEqual([1, 2, 3]);
          expect(parseJson(n!.s)).toEqual({ a: 1, b: 'x' });
        }
      });

      test('query.params', 'binds parameters', async () => {
        const [row] = lowerKeys(await backend.query(`select ${backend.placeholder(1)} as a, ${backend.placeholder(2)} as b`, [7, "it's"]));
        expect(num(row!.a)).toBe(7);
        expect(row!.b).toBe("it's");
      });

      test('describe', 'describes tables and views, undefined when missing', async () => {
        expect(await backend.describe(key('does_not_exist'))).toBeUndefined();
        const k = key('described');
        await build(def({ key: k }, selectRows(['id', 'name'], [[1, 'a']])));
        const info = await backend.describe(k);
        expect(info?.type).toBe('table');
        expect(info?.columns.map((c) => c.name.toLowerCase())).toEqual(['id', 'name']);
        expect(info?.columns.every((c) => typeof c.type === 'string' && c.type.length > 0)).toBe(true);
      });

      test('observe-table', 'the fingerprint changes with the data', async () => {
        const k = key('observed');
        await build(def({ key: k }, selectRows(['id'], [[1]])));
        const a = await backend.observeTable(k, 'id');
        expect(await backend.observeTable(k, 'id')).toBe(a);
        await build(def({ key: k }, selectRows(['id'], [[1], [2]])));
        expect(await backend.observeTable(k, 'id')).not.toBe(a);
        expect(await backend.observeTable(key('not_there'))).toBeUndefined();
      });
    });

    describe('errors and cancellation', () => {
      test('errors.sql', 'SQL errors are ASSAY_SQL with the asset key, the statement and not transient', async () => {
        const k = key('err_sql');
        const error = await rejection(build(def({ key: k }, 'select no_such_column from (select 1 as id) t')));
        expect(error.code).toBe('ASSAY_SQL');
        expect(error.assetKey).toBe(k);
        expect(error.sql).toContain('no_such_column');
        if (error.position !== undefined) {
          expect(error.position).toBeGreaterThan(0);
          expect(error.sql!.slice(error.position - 1)).toMatch(/^no_such_column/i);
        }
        expect(backend.isTransient(error)).toBe(false);
        const missing = await rejection(backend.query(`select * from ${backend.relation(key('no_such_table'))}`));
        expect(missing.code).toBe('ASSAY_SQL');
      });

      test('cancel.query', 'aborting the signal interrupts a running query', async ({ skip: skipTest }) => {
        const text = longRunning();
        if (!text) return skipTest(`no long-running query for dialect "${backend.dialect}"; pass options.longRunningSql`);
        const controller = new AbortController();
        const running = backend.query(text, [], { signal: controller.signal });
        setTimeout(() => controller.abort(), 100);
        const error = await rejection(running);
        expect(error.code).toBe('ASSAY_CANCELED');
        expect(num(columnValue((await backend.query('select 1 as one'))[0], 'one'))).toBe(1);
      });

      test('cancel.table', 'canceling a table build keeps the previous table and leaves no relations behind', async ({ skip: skipTest }) => {
        const text = longRunning();
        if (!text) return skipTest(`no long-running query for dialect "${backend.dialect}"; pass options.longRunningSql`);
        const k = key('cancel_table');
        await build(def({ key: k }, selectRows(['n'], [[1]])));
        const before = await relations();
        const controller = new AbortController();
        const running = build(def({ key: k }, text), { signal: controller.signal });
        setTimeout(() => controller.abort(), 100);
        const error = await rejection(running);
        expect(error.code).toBe('ASSAY_CANCELED');
        expect(error.assetKey).toBe(k);
        expect((await rows(k, 'n')).map((r) => num(r.n))).toEqual([1]);
        expect(await relations()).toEqual(before);
      });

      test('cancel.incremental', 'canceling an incremental run changes nothing', async ({ skip: skipTest }) => {
        const text = longRunning();
        if (!text) return skipTest(`no long-running query for dialect "${backend.dialect}"; pass options.longRunningSql`);
        const k = key('cancel_incremental');
        const spec: SqlAssetSpec = { key: k, materialize: 'incremental', incremental: { strategy: 'append', watermark: 'n' } };
        await build(def(spec, selectRows(['n'], [[1]])));
        const controller = new AbortController();
        const running = build(def(spec, text), { signal: controller.signal });
        setTimeout(() => controller.abort(), 100);
        expect((await rejection(running)).code).toBe('ASSAY_CANCELED');
        expect(await count(k)).toBe(1);
      });
    });
  });
}
