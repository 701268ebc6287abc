import { randomBytes } from 'node:crypto';
import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { addedRowsWhere, fileLoadOutcome, filesToLoad, malformedRecordError, nothingToLoadOutcome, type IngestMaterializeRequest, type MalformedRecord, type MaterializeOutcome, type Row } from '@assay/core';
import { findFiles, type FoundFile } from './find-files.js';
import { createLoadHistory, fieldExpression, ingestFromStage, INGEST_QUARANTINE_COLUMNS } from './ingest-stage.js';
import { decodeText, readLocalRecords } from './local-records.js';
import { byName, describeColumns, objectColumns, objectType, type ColumnInfo, type SnowflakeTarget } from './snowflake-catalog.js';
import type { SnowflakeBackend } from './snowflake-backend.js';
import { qualifiedName, quoteStored, SYSTEM_SCHEMA } from './snowflake-names.js';
import type { SnowflakeSession } from './snowflake-session.js';
import { quoteString, snowflakeLiteral } from './snowflake-values.js';
import { inferColumns } from './write-rows.js';

/** Name of the internal stage (in {@link SYSTEM_SCHEMA}) local files are PUT to. */
export const INGEST_STAGE = 'INGEST';
/** Name of the table (in {@link SYSTEM_SCHEMA}) recording which files each asset loaded. */
export const LOAD_HISTORY = 'LOAD_HISTORY';

/** Rows sampled from staged Parquet to infer its columns' types. */
const PARQUET_SAMPLE_ROWS = 1000;
/** Bind values per INSERT (below snowflake-sdk's stage-binding threshold). */
const MAX_BINDS_PER_INSERT = 60_000;

interface PendingFile extends FoundFile {
  /** Loaded before with another size or modification time: its old rows are replaced. */
  changed: boolean;
  /** Position in this load; names the staged file. */
  index: number;
  /** Staged file name (`f<index>-<nonce>.jsonl.gz`), set once prepared. */
  staged?: string;
  rows: number;
  malformed: MalformedRecord[];
}

/**
 * Loads an ingestion asset's local files into its table with `SOURCE_FILE` and `LOADED_AT`
 * columns, through a stage:
 *
 * 1. Files not loaded before (or changed: other size or modification time, per
 *    `_ASSAY.LOAD_HISTORY`) are read locally. JSON, JSONL and CSV records are checked here, so
 *    malformed ones are found with their line numbers; the valid records are written as
 *    gzipped JSON Lines. Parquet files are uploaded as they are.
 * 2. `PUT` uploads them to the internal stage `_ASSAY.INGEST`, in a folder of this load.
 * 3. One `COPY INTO <scratch> FROM (SELECT $1, METADATA$FILENAME, METADATA$FILE_ROW_NUMBER
 *    FROM @stage/folder)` loads every record as a VARIANT.
 * 4. In one transaction: rows of changed files are deleted, the records are inserted (as a
 *    `RAW` VARIANT column, or as typed columns with `shape: 'columns'`, adding columns new
 *    files bring), malformed records go to `<table>__QUARANTINE`, and the load history is
 *    updated. Then the staged files are removed.
 *
 * With `onError: 'fail'` (the default) a malformed record fails the asset with
 * `ASSAY_INGEST` naming the file and line, before anything is uploaded or recorded.
 *
 * Paths starting with `@` name files already in a stage; see {@link ingestFromStage}.
 */
export async function ingestFiles(backend: SnowflakeBackend, session: SnowflakeSession, target: SnowflakeTarget, request: IngestMaterializeRequest): Promise<MaterializeOutcome> {
  const spec = request.asset.ingest;
  if (spec.path.some((p) => p.startsWith('@'))) return ingestFromStage(backend, session, target, request);
  const loadedAt = new Date();
  const system = { database: target.database, schema: SYSTEM_SCHEMA };
  const history = qualifiedName({ ...system, name: LOAD_HISTORY });
  const stage = qualifiedName({ ...system, name: INGEST_STAGE });
  await backend.ensureSchema(session, target);
  await backend.ensureSchema(session, system);
  await createLoadHistory(session, history);
  await session.run(`create stage if not exists ${stage} comment = 'Assay: local files uploaded for ingestion assets'`);

  const found = await findFiles(request.projectDir, spec.path);
  if (found.length === 0) request.logger.warn(`No files match ${spec.path.join(', ')} (relative to ${request.projectDir})`, { assetKey: target.key });
  const seen = new Map<string, { size: number; mtime: number }>();
  if (!request.fullRefresh) {
    for (const row of await session.rows(`select "FILE_PATH", "FILE_SIZE", "FILE_MTIME" from ${history} where "ASSET_KEY" = ?`, [target.key])) {
      seen.set(String(row.FILE_PATH), { size: Number(row.FILE_SIZE), mtime: row.FILE_MTIME instanceof Date ? row.FILE_MTIME.getTime() : NaN });
    }
  }
  const pending: PendingFile[] = filesToLoad(found, seen).map((f, index) => ({ ...f, index, rows: 0, malformed: [] }));
  if (pending.length === 0 && !request.fullRefresh) {
    const exists = (await objectType(session, target)) === 'table';
    const rowCount = exists ? await session.count(`select count(*) from ${target.relation}`) : 0;
    const outcome = nothingToLoadOutcome(target.relation, rowCount, found.length);
    return exists ? { ...outcome, addedRows: addedRowsWhere(target.relation, false) } : outcome;
  }

  const nonce = randomBytes(4).toString('hex');
  const folder = `${target.key.toLowerCase()}/${nonce}`;
  const local = await mkdtemp(join(tmpdir(), 'assay-snowflake-ingest-'));
  let scratch: string | undefined;
  try {
    // 1. Read, check and rewrite the files locally.
    const records: Record<string, unknown>[] = [];
    for (const file of pending) {
      session.throwIfCanceled();
      if (file.size === 0) continue;
      if (spec.format === 'parquet') {
        file.staged = `f${file.index}-${nonce}.parquet`;
        await copyFile(file.absolute, join(local, file.staged));
        continue;
      }
      const read = readLocalRecords(decodeText(await readFile(file.absolute)), spec.format, spec.readerOptions, target.key);
      file.malformed = read.malformed;
      if (read.malformed.length > 0 && spec.onError !== 'quarantine') throw malformedRecordError(target.key, file.name, read.malformed);
      file.rows = read.jsonLines.length;
      if (read.jsonLines.length === 0) continue;
      if (spec.shape === 'columns') records.push(...read.records);
      file.staged = `f${file.index}-${nonce}.jsonl.gz`;
      await writeFile(join(local, file.staged), gzipSync(`${read.jsonLines.join('\n')}\n`));
    }
    const staged = pending.filter((f) => f.staged !== undefined);

    // 2-3. PUT the files and COPY them into a scratch table.
    if (staged.length > 0) {
      for (const file of staged) {
        session.throwIfCanceled();
        await session.run(`put ${quoteString(`file://${join(local, file.staged!)}`)} @${stage}/${folder}/ auto_compress = false overwrite = true`);
      }
      scratch = await backend.createScratch(session, target, 'INGEST', '("RAW" variant, "STAGED_FILE" varchar, "ROW_NO" number(38,0))');
      const parquet = spec.format === 'parquet';
      const copied = await session.run(
        `copy into ${scratch} ("RAW", "STAGED_FILE", "ROW_NO") from (select $1, metadata$filename, metadata$file_row_number from @${stage}/${folder}/)
         file_format = (type = ${parquet ? 'parquet' : 'json'}) on_error = ${parquet && spec.onError === 'quarantine' ? 'skip_file' : 'abort_statement'}`,
      );
      if (parquet) {
        for (const row of copied.rows) {
          const file = staged.find((f) => String(row.file ?? '').endsWith(f.staged!));
          if (!file) continue;
          file.rows = Number(row.rows_loaded ?? 0);
          if (String(row.status ?? '').toUpperCase() === 'LOAD_FAILED') file.malformed = [{ line: null, text: null, error: String(row.first_error ?? 'cannot read the Parquet file') }];
        }
      }
    }
    const malformedCount = pending.reduce((n, f) => n + f.malformed.length, 0);

    // 4. Columns of the table.
    const existedBefore = !request.fullRefresh && (await objectType(session, target)) === 'table';
    const existing = existedBefore ? await describeColumns(session, target.relation) : [];
    let dataColumns: { key: string; name: string; type: string }[];
    if (spec.shape === 'raw') dataColumns = [{ key: '', name: 'RAW', type: 'VARIANT' }];
    else if (spec.format === 'parquet' && scratch) {
      const sample = await session.rows(`select "RAW" from ${scratch} limit ${PARQUET_SAMPLE_ROWS}`);
      dataColumns = inferColumns(sample.map((r) => (r.RAW && typeof r.RAW === 'object' ? (r.RAW as Row) : {})), target.key);
    } else dataColumns = inferColumns(records, target.key);
    const have = byName(existing);
    for (const c of dataColumns) {
      const old = have.get(c.name);
      if (old) c.type = old.type;
    }
    const wanted: ColumnInfo[] = [...dataColumns.map((c) => ({ name: c.name, type: c.type })), { name: 'SOURCE_FILE', type: 'VARCHAR' }, { name: 'LOADED_AT', type: 'TIMESTAMP_NTZ' }];
    const added = existedBefore ? wanted.filter((c) => !have.has(c.name)) : [];

    // DDL first: Snowflake commits before every DDL statement.
    const quarantine = backend.target(`${target.key}__quarantine`);
    if (request.fullRefresh) {
      await session.run(`drop table if exists ${target.relation}`);
      await session.run(`drop table if exists ${quarantine.relation}`);
    }
    if (!existedBefore && staged.length > 0) {
      await session.run(`create or replace table ${target.relation} (${wanted.map((c) => `${quoteStored(c.name)} ${c.type}`).join(', ')})`);
    }
    for (const c of added) await session.run(`alter table ${target.relation} add column ${quoteStored(c.name)} ${c.type}`);
    if (malformedCount > 0) await backend.ensureTableWithColumns(session, quarantine, INGEST_QUARANTINE_COLUMNS);
    const quarantineExists = malformedCount > 0 || (await objectType(session, quarantine)) === 'table';
    const targetNow = existedBefore || staged.length > 0;

    const sourceFile = `case ${staged.map((f) => `when s."STAGED_FILE" like ${quoteString(`%${f.staged!}`)} then ${quoteString(f.name)}`).join(' ')} end`;
    const loadedAtSql = snowflakeLiteral(loadedAt);
    const changedNames = pending.filter((p) => p.changed).map((p) => p.name);
    await session.transaction(async () => {
      if (request.fullRefresh) await session.run(`delete from ${history} where "ASSET_KEY" = ?`, [target.key]);
      if (changedNames.length > 0) {
        const marks = changedNames.map(() => '?').join(', ');
        if (targetNow) await session.run(`delete from ${target.relation} where "SOURCE_FILE" in (${marks})`, changedNames);
        if (quarantineExists) await session.run(`delete from ${quarantine.relation} where "SOURCE_FILE" in (${marks})`, changedNames);
      }
      if (scratch && staged.length > 0) {
        const values = dataColumns.map((c) => (c.name === 'RAW' && spec.shape === 'raw' ? 's."RAW"' : fieldExpression(c.key, c.type)));
        await session.run(
          `insert into ${target.relation} (${[...dataColumns.map((c) => quoteStored(c.name)), '"SOURCE_FILE"', '"LOADED_AT"'].join(', ')})
           select ${[...values, sourceFile, loadedAtSql].join(', ')} from ${scratch} as s order by s."STAGED_FILE", s."ROW_NO"`,
        );
      }
      const bad = pending.flatMap((f) => f.malformed.map((m) => [f.name, m.line, m.text, m.error, loadedAt, request.runId]));
      await insertRows(session, quarantine.relation, INGEST_QUARANTINE_COLUMNS.map((c) => c.name), bad);
      const done = pending.map((f) => [target.key, f.name, f.size, f.mtime, f.rows, f.malformed.length, loadedAt, request.runId]);
      await session.run(`delete from ${history} where "ASSET_KEY" = ? and "FILE_PATH" in (${pending.map(() => '?').join(', ')})`, [target.key, ...pending.map((f) => f.name)]);
      await insertRows(session, history, ['ASSET_KEY', 'FILE_PATH', 'FILE_SIZE', 'FILE_MTIME', 'ROWS_LOADED', 'MALFORMED_ROWS', 'LOADED_AT', 'RUN_ID'], done);
    });

    const rowCount = targetNow ? await session.count(`select count(*) from ${target.relation}`) : 0;
    const columns = targetNow ? await objectColumns(session, target) : [];
    const loaded = fileLoadOutcome({
      relation: target.relation,
      rowCount,
      columns,
      filesMatched: found.length,
      loaded: pending,
      rowsLoaded: pending.reduce((n, f) => n + f.rows, 0),
      malformedRows: malformedCount,
      quarantine: quarantine.relation,
      addedColumns: added.map((c) => c.name),
      fullRefresh: request.fullRefresh,
      extra: { stage: `@${stage}` },
    });
    // The rows this load added to a table that held rows before carry its LOADED_AT.
    return existedBefore ? { ...loaded, addedRows: addedRowsWhere(target.relation, `"LOADED_AT" = ${loadedAtSql}`) } : loaded;
  } finally {
    if (scratch) await session.bestEffort(`drop table if exists ${scratch}`);
    await session.bestEffort(`remove @${stage}/${folder}/`);
    await rm(local, { recursive: true, force: true });
  }
}

/** Inserts rows with array binds (plain `INSERT ... VALUES`), in batches below the stage-binding threshold. */
async function insertRows(session: SnowflakeSession, relation: string, columns: readonly string[], rows: readonly unknown[][]): Promise<void> {
  if (rows.length === 0) return;
  const per = Math.max(1, Math.floor(MAX_BINDS_PER_INSERT / columns.length));
  const sql = `insert into ${relation} (${columns.map(quoteStored).join(', ')}) values (${columns.map(() => '?').join(', ')})`;
  for (let i = 0; i < rows.length; i += per) await session.run(sql, rows.slice(i, i + per), { multiRow: true });
}
