import { addedRowsWhere, BackendError, InvalidDefinitionError, isAssayError, schemaChangeMetadata, UnsupportedError, type IngestMaterializeRequest, type MaterializeOutcome, type Row } from '@assay/core';
import { globRegExp } from './find-files.js';
import { byName, describeColumns, objectType, sibling, type ColumnInfo, type SnowflakeTarget } from './snowflake-catalog.js';
import type { SnowflakeBackend } from './snowflake-backend.js';
import { driverCode } from './snowflake-errors.js';
import { qualifiedName, quoteStored, SYSTEM_SCHEMA } from './snowflake-names.js';
import type { SnowflakeSession } from './snowflake-session.js';
import { quoteString, snowflakeLiteral } from './snowflake-values.js';
import { inferColumns } from './write-rows.js';

/** Rows sampled from staged records to infer typed columns. */
const SAMPLE_ROWS = 1000;
/** Snowflake codes of data errors in loaded files (JSON parse errors, bad values, ...). */
const DATA_ERROR = /^100\d{3}$/;

/** Columns of `<table>__QUARANTINE` for malformed records, whether read locally or from a stage. */
export const INGEST_QUARANTINE_COLUMNS: readonly ColumnInfo[] = [
  { name: 'SOURCE_FILE', type: 'VARCHAR' },
  { name: 'LINE_NUMBER', type: 'NUMBER(38,0)' },
  { name: 'RAW_TEXT', type: 'VARCHAR' },
  { name: 'ERROR', type: 'VARCHAR' },
  { name: 'LOADED_AT', type: 'TIMESTAMP_NTZ' },
  { name: 'RUN_ID', type: 'VARCHAR' },
];

/** Creates the load history table (`"ASSET_KEY"`, `"FILE_PATH"`, size, mtime, counts, run) if missing. */
export async function createLoadHistory(session: SnowflakeSession, history: string): Promise<void> {
  await session.run(
    `create table if not exists ${history} ("ASSET_KEY" varchar not null, "FILE_PATH" varchar not null, "FILE_SIZE" number(38,0), "FILE_MTIME" timestamp_ntz,
     "ROWS_LOADED" number(38,0), "MALFORMED_ROWS" number(38,0), "LOADED_AT" timestamp_ntz, "RUN_ID" varchar)`,
  );
}

/** `s."RAW":"key"::TYPE` (or `get(...)` for keys with double quotes); VARIANT columns stay uncast. */
export function fieldExpression(key: string, type: string): string {
  const path = key.includes('"') ? `get(s."RAW", ${quoteString(key)})` : `s."RAW":"${key}"`;
  return type.toUpperCase() === 'VARIANT' ? path : `${path}::${type}`;
}

/**
 * Splits a stage path into the COPY location and a PATTERN for a glob in its last segments:
 * `@raw/chat/*.jsonl` → `{ location: '@raw/chat/', pattern: '.*chat/[^/]*\.jsonl' }`.
 */
export function stageLocation(path: string): { location: string; pattern: string | undefined } {
  const segments = path.split('/');
  const firstGlob = segments.findIndex((s, i) => i > 0 && /[*?[\]{}]/.test(s));
  if (firstGlob < 0) return { location: path, pattern: undefined };
  const location = `${segments.slice(0, firstGlob).join('/')}/`;
  const dir = segments.slice(1, firstGlob).join('/');
  const glob = segments.slice(firstGlob).join('/');
  return { location, pattern: `.*${dir ? `${dir}/` : ''}${globRegExp(glob).source.slice(1, -1)}` };
}

/**
 * Loads files already in a stage (`path: '@stage/dir/'`, internal or external: S3, GCS,
 * Azure) with Snowflake's own load history deciding what is new:
 *
 * ```sql
 * copy into "<TABLE>__ASSAY_STAGED" ("RAW", "SOURCE_FILE", "ROW_NO")
 *   from (select $1, metadata$filename, metadata$file_row_number from @stage/dir/)
 *   file_format = (type = json) on_error = abort_statement;
 * ```
 *
 * The staging table is a persistent transient table, so COPY's load history (kept per table)
 * skips files loaded before and loads changed ones again. Then, in one transaction, rows of
 * the loaded files replace those files' earlier rows in the asset's table and the staging
 * table is emptied; a failed run leaves its rows staged for the next run. JSON, JSONL and
 * Parquet are supported; `readerOptions` become FILE_FORMAT options.
 */
export async function ingestFromStage(backend: SnowflakeBackend, session: SnowflakeSession, target: SnowflakeTarget, request: IngestMaterializeRequest): Promise<MaterializeOutcome> {
  const spec = request.asset.ingest;
  if (spec.path.some((p) => !p.startsWith('@'))) {
    throw new InvalidDefinitionError(target.key, 'an ingestion asset reads either local files or stage paths (@stage/...), not both', 'Split it into two assets.');
  }
  if (spec.format === 'csv') {
    throw new UnsupportedError(`Asset "${target.key}": CSV files in a stage are not supported yet (JSON, JSONL and Parquet are)`, {
      assetKey: target.key,
      hint: 'Ingest the CSV files from local paths, or query the stage from a SQL asset: select $1, $2, metadata$filename from @stage/path (file_format => ...).',
    });
  }
  const loadedAt = new Date();
  await backend.ensureSchema(session, target);
  const staged = sibling(target, `${target.name}__ASSAY_STAGED`);
  await session.run(`create transient table if not exists ${staged} ("RAW" variant, "SOURCE_FILE" varchar, "ROW_NO" number(38,0))`);
  if (request.fullRefresh) await session.run(`delete from ${staged}`);

  const formatOptions = [`type = ${spec.format === 'parquet' ? 'parquet' : 'json'}`];
  if (spec.format === 'json') formatOptions.push('strip_outer_array = true');
  for (const [k, v] of Object.entries(spec.readerOptions)) {
    if (!/^[A-Za-z_]+$/.test(k)) throw new InvalidDefinitionError(target.key, `readerOptions key "${k}" is not a FILE_FORMAT option name`);
    formatOptions.push(`${k} = ${typeof v === 'string' ? quoteString(v) : String(v)}`);
  }
  const loadResults: Row[] = [];
  for (const path of spec.path) {
    const { location, pattern } = stageLocation(path);
    const copy =
      `copy into ${staged} ("RAW", "SOURCE_FILE", "ROW_NO") from (select $1, metadata$filename, metadata$file_row_number from ${location})` +
      ` file_format = (${formatOptions.join(' ')})${pattern ? ` pattern = ${quoteString(pattern)}` : ''}` +
      ` on_error = ${spec.onError === 'quarantine' ? 'continue' : 'abort_statement'}${request.fullRefresh ? ' force = true' : ''}`;
    try {
      loadResults.push(...(await session.run(copy)).rows.filter((r) => r.file !== undefined));
    } catch (error) {
      const code = driverCode(isAssayError(error) ? error.cause : error);
      if (!DATA_ERROR.test(code)) throw error;
      throw new BackendError(`Asset "${target.key}": a staged file under ${path} has a malformed record: ${error instanceof Error ? error.message : String(error)}`, {
        code: 'ASSAY_INGEST',
        assetKey: target.key,
        cause: error,
        hint: 'Fix or remove the file, or set onError: "quarantine" to load the other files and record the errors in <table>__quarantine.',
      });
    }
  }
  const failed = loadResults.filter((r) => Number(r.errors_seen ?? 0) > 0);
  const malformedRows = failed.reduce((n, r) => n + Number(r.errors_seen ?? 0), 0);
  const files = (await session.rows(`select "SOURCE_FILE" as "F", count(*) as "N" from ${staged} group by "SOURCE_FILE" order by "SOURCE_FILE"`)).map((r) => ({ name: String(r.F), rows: Number(r.N) }));
  const quarantine = backend.target(`${target.key}__quarantine`);
  if (files.length === 0 && malformedRows === 0 && !request.fullRefresh) {
    const exists = (await objectType(session, target)) === 'table';
    return {
      rowCount: exists ? await session.count(`select count(*) from ${target.relation}`) : 0,
      metadata: { relation: target.relation, filesLoaded: 0, rowsLoaded: 0, malformedRows: 0 },
      ...(exists ? { addedRows: addedRowsWhere(target.relation, false) } : {}),
    };
  }

  const existedBefore = !request.fullRefresh && (await objectType(session, target)) === 'table';
  const existing = existedBefore ? await describeColumns(session, target.relation) : [];
  let dataColumns: { key: string; name: string; type: string }[];
  if (spec.shape === 'raw') dataColumns = [{ key: '', name: 'RAW', type: 'VARIANT' }];
  else {
    const sample = await session.rows(`select "RAW" from ${staged} limit ${SAMPLE_ROWS}`);
    dataColumns = inferColumns(sample.map((r) => (r.RAW && typeof r.RAW === 'object' && !Array.isArray(r.RAW) ? (r.RAW as Row) : {})), target.key);
  }
  const have = byName(existing);
  for (const c of dataColumns) c.type = have.get(c.name)?.type ?? c.type;
  const wanted: ColumnInfo[] = [...dataColumns.map((c) => ({ name: c.name, type: c.type })), { name: 'SOURCE_FILE', type: 'VARCHAR' }, { name: 'LOADED_AT', type: 'TIMESTAMP_NTZ' }];
  const added = existedBefore ? wanted.filter((c) => !have.has(c.name)) : [];

  if (request.fullRefresh) {
    await session.run(`drop table if exists ${target.relation}`);
    await session.run(`drop table if exists ${quarantine.relation}`);
  }
  if (!existedBefore && files.length > 0) await session.run(`create or replace table ${target.relation} (${wanted.map((c) => `${quoteStored(c.name)} ${c.type}`).join(', ')})`);
  for (const c of added) await session.run(`alter table ${target.relation} add column ${quoteStored(c.name)} ${c.type}`);
  if (malformedRows > 0) await backend.ensureTableWithColumns(session, quarantine, INGEST_QUARANTINE_COLUMNS);
  const targetNow = existedBefore || files.length > 0;
  const history = qualifiedName({ database: target.database, schema: SYSTEM_SCHEMA, name: 'LOAD_HISTORY' });
  await backend.ensureSchema(session, { database: target.database, schema: SYSTEM_SCHEMA });
  await createLoadHistory(session, history);

  await session.transaction(async () => {
    if (targetNow && files.length > 0) {
      await session.run(`delete from ${target.relation} where "SOURCE_FILE" in (select "SOURCE_FILE" from ${staged})`);
      const values = dataColumns.map((c) => (spec.shape === 'raw' ? 's."RAW"' : fieldExpression(c.key, c.type)));
      await session.run(
        `insert into ${target.relation} (${[...dataColumns.map((c) => quoteStored(c.name)), '"SOURCE_FILE"', '"LOADED_AT"'].join(', ')})
         select ${[...values, 's."SOURCE_FILE"', snowflakeLiteral(loadedAt)].join(', ')} from ${staged} as s order by s."SOURCE_FILE", s."ROW_NO"`,
      );
    }
    for (const r of failed) {
      const line = r.first_error_line == null || r.first_error_line === 'NULL' ? null : Number(r.first_error_line);
      await session.run(`insert into ${quarantine.relation} ("SOURCE_FILE", "LINE_NUMBER", "RAW_TEXT", "ERROR", "LOADED_AT", "RUN_ID") values (?, ?, ?, ?, ?, ?)`, [
        String(r.file),
        Number.isFinite(line) ? line : null,
        null,
        `${String(r.status)}: ${Number(r.errors_seen)} error(s); first: ${String(r.first_error ?? '')}`,
        loadedAt,
        request.runId,
      ]);
    }
    for (const f of files) {
      await session.run(`insert into ${history} ("ASSET_KEY", "FILE_PATH", "ROWS_LOADED", "MALFORMED_ROWS", "LOADED_AT", "RUN_ID") values (?, ?, ?, ?, ?, ?)`, [
        target.key,
        f.name,
        f.rows,
        Number(failed.find((r) => String(r.file).endsWith(f.name))?.errors_seen ?? 0),
        loadedAt,
        request.runId,
      ]);
    }
    await session.run(`delete from ${staged}`);
  });

  return {
    rowCount: targetNow ? await session.count(`select count(*) from ${target.relation}`) : 0,
    metadata: {
      relation: target.relation,
      filesLoaded: files.length,
      files: files.slice(0, 100).map((f) => f.name),
      rowsLoaded: files.reduce((n, f) => n + f.rows, 0),
      malformedRows,
      ...(malformedRows > 0 ? { quarantine: quarantine.relation } : {}),
      ...schemaChangeMetadata({ added: added.map((c) => c.name) }),
      fullRefresh: request.fullRefresh,
    },
    // The rows this load added to a table that held rows before carry its LOADED_AT.
    ...(existedBefore ? { addedRows: addedRowsWhere(target.relation, `"LOADED_AT" = ${snowflakeLiteral(loadedAt)}`) } : {}),
  };
}
