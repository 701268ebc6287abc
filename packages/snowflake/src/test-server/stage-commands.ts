/**
 * Stage commands for the test server: COPY INTO reads staged files with DuckDB's file
 * readers; PUT and GET are answered with a LOCAL_FS stage location so snowflake-sdk moves the
 * files itself; LIST and REMOVE work on the stage folders.
 */
import { join } from 'node:path';
import { columnMetadata } from './result-encoder.js';
import { SnowflakeSqlError, fromDuckDbError, objectDoesNotExist } from './snowflake-sql-error.js';
import { displayName, qualifiedSql, quoteIdent, sqlString } from './sql-expression-translator.js';
import { asOptionMap, optionText, type CommandStatement, type CopyStatement } from './sql-translator.js';
import { StageStore, type StagedFile } from './stage-store.js';
import type { SnowflakeTypeName } from './snowflake-types.js';
import { STATEMENT_TYPE, type CommandContext, type ServerCatalog, type StatementResult } from './command-context.js';

/**
 * `COPY INTO table FROM @stage`: loads staged files not yet loaded into the table (load
 * history by path and MD5), atomically for ON_ERROR = ABORT_STATEMENT, file by file otherwise.
 */
export async function copyInto(ctx: CommandContext, catalog: ServerCatalog, statement: CopyStatement): Promise<StatementResult> {
  const sql = ctx.sql;
  const scope = ctx.scope;
  const table = ctx.resolveName(statement.table);
  if (!(await ctx.tableExists(table))) throw objectDoesNotExist(sql, 'Table', displayName(table));
  const stage = catalog.stages.resolve(statement.stage, scope, sql);
  const sourceFormat = typeof statement.sourceOptions.FILE_FORMAT === 'string' ? statement.sourceOptions.FILE_FORMAT : undefined;
  const format = catalog.stages.fileFormat(stage, asOptionMap(statement.options.FILE_FORMAT), sourceFormat, scope, sql);
  const pattern = optionText(statement.options.PATTERN ?? statement.sourceOptions.PATTERN) || undefined;
  const filesOpt = statement.options.FILES;
  const only = filesOpt === undefined ? undefined : typeof filesOpt === 'string' ? [filesOpt] : Array.isArray(filesOpt) ? (filesOpt as readonly string[]) : undefined;
  const force = StageStore.flag(statement.options, 'FORCE');
  const purge = StageStore.flag(statement.options, 'PURGE');
  const onError = optionText(statement.options.ON_ERROR ?? 'ABORT_STATEMENT').toUpperCase();
  const matchByName = optionText(statement.options.MATCH_BY_COLUMN_NAME ?? 'NONE').toUpperCase();
  const tableKey = displayName(table);
  const all = catalog.stages.files(stage, statement.stage.path, pattern, only);
  const files = all.filter((f) => force || !catalog.stages.wasLoaded(tableKey, stage, f));
  const fileLabel = (f: StagedFile): string => (stage.listName ? `${stage.listName}/${f.relPath}` : f.relPath);
  if (files.length === 0) {
    return { rowtype: [columnMetadata('status', 'TEXT')], rowset: [['Copy executed with 0 files processed.']], statementTypeId: STATEMENT_TYPE.misc };
  }
  const target = `${qualifiedSql(table)}${statement.columns ? ` (${statement.columns.map(quoteIdent).join(', ')})` : ''}`;
  const insertFor = async (file: StagedFile): Promise<string> => {
    if (statement.select) {
      const source = catalog.stages.sourceSql(file, format, statement.select.maxDollar, sql);
      return `INSERT INTO ${target} SELECT ${statement.select.items} FROM ${source} AS ${quoteIdent(statement.select.alias ?? '__SRC')}`;
    }
    if (matchByName !== 'NONE') {
      const reader = format.type === 'JSON' ? `read_json(${sqlString(file.absPath)}, format = 'auto')` : catalog.stages.readerSql(file, format, true);
      const described = (await ctx.duck(`DESCRIBE SELECT * FROM ${reader}`)).getRowObjectsJS().map((r) => String(r.column_name));
      const tableCols = (await ctx.duck(`SELECT column_name FROM duckdb_columns() WHERE database_name = $1 AND schema_name = $2 AND table_name = $3`, [table.database, table.schema, table.name])).getRowObjectsJS().map((r) => String(r.column_name));
      const pairs = tableCols.flatMap((t) => {
        const f = described.find((d) => (matchByName === 'CASE_SENSITIVE' ? d === t : d.toUpperCase() === t.toUpperCase()));
        return f ? [[t, f] as const] : [];
      });
      if (pairs.length === 0) throw new SnowflakeSqlError('100114', '22000', `No columns of file ${fileLabel(file)} match the columns of table ${displayName(table)}.`, sql);
      return `INSERT INTO ${qualifiedSql(table)} (${pairs.map(([t]) => quoteIdent(t)).join(', ')}) SELECT ${pairs.map(([, f]) => quoteIdent(f)).join(', ')} FROM ${reader}`;
    }
    if (format.type === 'JSON') return `INSERT INTO ${target} SELECT json FROM ${catalog.stages.readerSql(file, format)}`;
    return `INSERT INTO ${target} SELECT * FROM ${catalog.stages.readerSql(file, format)}`;
  };
  const results: (string | null)[][] = [];
  const loaded: StagedFile[] = [];
  const row = (f: StagedFile, status: string, rows: number, error?: string): (string | null)[] => [fileLabel(f), status, String(rows), String(rows), '1', error ? '1' : '0', error ?? null, error ? '1' : null, error ? '1' : null, null];
  if (onError === 'ABORT_STATEMENT') {
    await ctx.atomically(async () => {
      for (const f of files) {
        const reader = await ctx.duck(await insertFor(f));
        results.push(row(f, 'LOADED', reader.rowsChanged));
        loaded.push(f);
      }
    });
  } else {
    // CONTINUE / SKIP_FILE: each file loads (or fails) on its own.
    for (const f of files) {
      try {
        const statementSql = await insertFor(f);
        const reader = await ctx.atomically(() => ctx.duck(statementSql));
        results.push(row(f, 'LOADED', reader.rowsChanged));
        loaded.push(f);
      } catch (error) {
        if (ctx.isCanceled()) throw error;
        const e = fromDuckDbError(error, sql);
        results.push(row(f, 'LOAD_FAILED', 0, e.message));
      }
    }
  }
  for (const f of loaded) catalog.stages.recordLoad(tableKey, stage, f);
  if (purge) catalog.stages.remove(loaded);
  const cols: [string, SnowflakeTypeName][] = [
    ['file', 'TEXT'], ['status', 'TEXT'], ['rows_parsed', 'NUMBER'], ['rows_loaded', 'NUMBER'], ['error_limit', 'NUMBER'], ['errors_seen', 'NUMBER'],
    ['first_error', 'TEXT'], ['first_error_line', 'NUMBER'], ['first_error_character', 'NUMBER'], ['first_error_column_name', 'TEXT'],
  ];
  return { rowtype: cols.map(([n, t]) => columnMetadata(n, t)), rowset: results, statementTypeId: STATEMENT_TYPE.misc };
}

/** The query-request answer for PUT/GET: tells the driver to copy the files itself (`LOCAL_FS`). */
export function fileTransferData(ctx: CommandContext, catalog: ServerCatalog, statement: Extract<CommandStatement, { kind: 'put' | 'get' }>): Record<string, unknown> {
  const stage = catalog.stages.resolve(statement.stage, ctx.scope, ctx.sql);
  const flag = (key: string, def: boolean): boolean => {
    const v = statement.options[key];
    return v === undefined ? def : /^TRUE$/i.test(optionText(v));
  };
  if (statement.kind === 'put') {
    return {
      command: 'UPLOAD',
      src_locations: [statement.localPath],
      autoCompress: flag('AUTO_COMPRESS', true),
      sourceCompression: optionText(statement.options.SOURCE_COMPRESSION ?? 'auto_detect').toLowerCase(),
      parallel: 1,
      overwrite: flag('OVERWRITE', false),
      stageInfo: { locationType: 'LOCAL_FS', location: statement.stage.path ? join(stage.dir, statement.stage.path) : stage.dir, path: '', region: null, creds: {}, isClientSideEncrypted: false },
      encryptionMaterial: null,
      presignedUrls: [],
      queryId: ctx.queryId,
      parameters: ctx.parameters(),
      rowtype: [],
      rowset: [],
    };
  }
  const pattern = optionText(statement.options.PATTERN) || undefined;
  const files = catalog.stages.files(stage, statement.stage.path, pattern);
  return {
    command: 'DOWNLOAD',
    src_locations: files.map((f) => f.relPath),
    localLocation: statement.localDir,
    parallel: 1,
    stageInfo: { locationType: 'LOCAL_FS', location: stage.dir, path: '', region: null, creds: {}, isClientSideEncrypted: false },
    encryptionMaterial: [],
    presignedUrls: [],
    queryId: ctx.queryId,
    parameters: ctx.parameters(),
    rowtype: [],
    rowset: [],
  };
}

/** `LIST @stage` / `REMOVE @stage` with Snowflake's columns (`name`, `size`, `md5`, `last_modified`). */
export function listOrRemoveFiles(ctx: CommandContext, catalog: ServerCatalog, statement: Extract<CommandStatement, { kind: 'list' | 'remove' }>): StatementResult {
  const stage = catalog.stages.resolve(statement.stage, ctx.scope, ctx.sql);
  const files = catalog.stages.files(stage, statement.stage.path, statement.pattern);
  const shown = (f: StagedFile): string => (stage.listName ? `${stage.listName}/${f.relPath}` : f.relPath);
  if (statement.kind === 'remove') {
    catalog.stages.remove(files);
    return { rowtype: [columnMetadata('name', 'TEXT'), columnMetadata('result', 'TEXT')], rowset: files.map((f) => [shown(f), 'removed']), statementTypeId: STATEMENT_TYPE.misc };
  }
  return {
    rowtype: [columnMetadata('name', 'TEXT'), columnMetadata('size', 'NUMBER'), columnMetadata('md5', 'TEXT'), columnMetadata('last_modified', 'TEXT')],
    rowset: files.map((f) => [shown(f), String(f.size), f.md5, f.lastModified.toUTCString()]),
    statementTypeId: STATEMENT_TYPE.misc,
  };
}
