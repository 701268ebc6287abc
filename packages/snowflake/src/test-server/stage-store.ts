/**
 * Internal stages, named file formats and COPY load history for the test server.
 *
 * Each stage is a folder under the server's temporary directory (or, for
 * `CREATE STAGE ... URL = 'file:///dir'`, that local folder). `PUT` works because
 * snowflake-sdk copies files itself when the server describes the stage as `LOCAL_FS`.
 * Load history remembers, per target table, which staged files (by path and MD5) were loaded,
 * so a second `COPY INTO` skips them as Snowflake does.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, statSync, unlinkSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { asOptionMap, optionText, type OptionMap, type OptionValue, type QualifiedName, type StageRef } from './sql-translator.js';
import { quoteIdent, sqlString } from './sql-expression-translator.js';
import { SnowflakeSqlError, objectDoesNotExist, unsupported } from './snowflake-sql-error.js';

/** A stage known to the server. */
export interface StageInfo {
  /** Registry key: `DB.SCHEMA.NAME`, `DB.SCHEMA.%TABLE` or `~USER`. */
  readonly key: string;
  /** Name as LIST prints it (lower case, no qualification). */
  readonly listName: string;
  readonly name: QualifiedName;
  /** Folder holding the staged files. */
  readonly dir: string;
  /** `URL = 'file:///...'` stages point at an existing folder the server never deletes. */
  readonly url?: string;
  readonly fileFormat: OptionMap;
  readonly createdAt: Date;
}

/** A file in a stage. */
export interface StagedFile {
  /** Path relative to the stage root, with `/` separators. */
  readonly relPath: string;
  readonly absPath: string;
  readonly size: number;
  readonly md5: string;
  readonly lastModified: Date;
}

/** Session defaults used to resolve unqualified stage and format names. */
export interface NameScope {
  readonly database: string | null;
  readonly schema: string | null;
  readonly user: string;
}

/** Resolved file format options with defaults applied. */
export interface FileFormat {
  readonly type: 'CSV' | 'JSON' | 'PARQUET';
  readonly options: OptionMap;
}

const METADATA_COLUMNS = ['METADATA$FILENAME', 'METADATA$FILE_ROW_NUMBER', 'METADATA$FILE_CONTENT_KEY', 'METADATA$FILE_LAST_MODIFIED', 'METADATA$START_SCAN_TIME'];

/** Stages, file formats and load history of one test server. */
export class StageStore {
  private readonly stages = new Map<string, StageInfo>();
  private readonly formats = new Map<string, OptionMap>();
  /** table key -> (stage key + '/' + relPath -> md5 of the loaded content) */
  private readonly history = new Map<string, Map<string, string>>();

  constructor(private readonly root: string) {}

  private qualify(name: QualifiedName, scope: NameScope, sql: string): { database: string; schema: string; name: string } {
    const database = name.database ?? scope.database;
    const schema = name.schema ?? scope.schema;
    if (database === null || database === undefined || schema === null || schema === undefined) {
      throw new SnowflakeSqlError('090105', '22000', 'Cannot perform operation. This session does not have a current database or schema.', sql);
    }
    return { database, schema, name: name.name };
  }

  /** Registers a named stage. */
  createStage(name: QualifiedName, scope: NameScope, options: { orReplace: boolean; ifNotExists: boolean; url?: string; fileFormat: OptionMap }, sql: string): 'created' | 'exists' {
    const q = this.qualify(name, scope, sql);
    const key = `${q.database}.${q.schema}.${q.name}`;
    if (this.stages.has(key) && !options.orReplace) {
      if (options.ifNotExists) return 'exists';
      throw new SnowflakeSqlError('002002', '42710', `SQL compilation error:\nObject '${q.name}' already exists.`, sql);
    }
    let dir: string;
    if (options.url !== undefined) {
      if (!/^file:\/\//i.test(options.url)) throw unsupported(sql, `external stage URL '${options.url}' (only file:// URLs are emulated)`);
      dir = fileURLToPath(options.url);
    } else {
      dir = join(this.root, safe(q.database), safe(q.schema), safe(q.name));
    }
    mkdirSync(dir, { recursive: true });
    this.stages.set(key, {
      key,
      listName: q.name.toLowerCase(),
      name: q,
      dir,
      ...(options.url !== undefined ? { url: options.url } : {}),
      fileFormat: this.expandFormat(options.fileFormat, scope, sql),
      createdAt: new Date(),
    });
    return 'created';
  }

  /** Removes a named stage (its folder is left for close() to clean up). */
  dropStage(name: QualifiedName, scope: NameScope, ifExists: boolean, sql: string): boolean {
    const q = this.qualify(name, scope, sql);
    const key = `${q.database}.${q.schema}.${q.name}`;
    if (!this.stages.delete(key) && !ifExists) throw objectDoesNotExist(sql, 'Stage', key);
    return true;
  }

  /** Named stages, for SHOW STAGES. */
  list(): StageInfo[] {
    return [...this.stages.values()];
  }

  /** Resolves a stage reference, creating the implicit user and table stages on first use. */
  resolve(ref: StageRef, scope: NameScope, sql: string): StageInfo {
    if (ref.kind === 'user') {
      const key = `~${scope.user}`;
      return this.implicit(key, '~', join(this.root, `~${safe(scope.user)}`), { name: '~' });
    }
    const q = this.qualify(ref.name, scope, sql);
    if (ref.kind === 'table') {
      const key = `${q.database}.${q.schema}.%${q.name}`;
      return this.implicit(key, '', join(this.root, safe(q.database), safe(q.schema), `%${safe(q.name)}`), q);
    }
    const key = `${q.database}.${q.schema}.${q.name}`;
    const stage = this.stages.get(key);
    if (!stage) throw objectDoesNotExist(sql, 'Stage', key);
    return stage;
  }

  private implicit(key: string, listName: string, dir: string, name: QualifiedName): StageInfo {
    let s = this.stages.get(key);
    if (!s) {
      mkdirSync(dir, { recursive: true });
      s = { key, listName, name, dir, fileFormat: {}, createdAt: new Date() };
      this.stages.set(key, s);
    }
    return s;
  }

  /** Files under `path` (a prefix, as in Snowflake) matching `pattern` (a full-match regex). */
  files(stage: StageInfo, path: string, pattern?: string, only?: readonly string[]): StagedFile[] {
    const out: StagedFile[] = [];
    const regex = pattern !== undefined ? new RegExp(`^(?:${pattern})$`) : undefined;
    const walk = (dir: string): void => {
      let entries: string[];
      try {
        entries = readdirSync(dir);
      } catch {
        return;
      }
      for (const entry of entries.sort()) {
        const abs = join(dir, entry);
        const st = statSync(abs);
        if (st.isDirectory()) {
          walk(abs);
          continue;
        }
        const relPath = relative(stage.dir, abs).split(sep).join('/');
        if (path && !relPath.startsWith(path)) continue;
        if (regex && !regex.test(relPath)) continue;
        if (only && !only.some((f) => f === relPath || (path && `${path}/${f}` === relPath))) continue;
        out.push({ relPath, absPath: abs, size: st.size, md5: createHash('md5').update(readFileSync(abs)).digest('hex'), lastModified: st.mtime });
      }
    };
    walk(stage.dir);
    return out;
  }

  /** Deletes files (REMOVE, PURGE = TRUE). */
  remove(files: readonly StagedFile[]): void {
    for (const f of files) unlinkSync(f.absPath);
  }

  /** Registers a named file format. */
  createFileFormat(name: QualifiedName, scope: NameScope, options: OptionMap, flags: { orReplace: boolean; ifNotExists: boolean }, sql: string): 'created' | 'exists' {
    const q = this.qualify(name, scope, sql);
    const key = `${q.database}.${q.schema}.${q.name}`;
    if (this.formats.has(key) && !flags.orReplace) {
      if (flags.ifNotExists) return 'exists';
      throw new SnowflakeSqlError('002002', '42710', `SQL compilation error:\nObject '${q.name}' already exists.`, sql);
    }
    this.formats.set(key, options);
    return 'created';
  }

  /** Removes a named file format. */
  dropFileFormat(name: QualifiedName, scope: NameScope, ifExists: boolean, sql: string): void {
    const q = this.qualify(name, scope, sql);
    const key = `${q.database}.${q.schema}.${q.name}`;
    if (!this.formats.delete(key) && !ifExists) throw objectDoesNotExist(sql, 'File format', key);
  }

  /** Named file formats, for SHOW FILE FORMATS. */
  listFileFormats(): { key: string; options: OptionMap }[] {
    return [...this.formats.entries()].map(([key, options]) => ({ key, options }));
  }

  /** Replaces `FORMAT_NAME = x` with that format's options. */
  expandFormat(options: OptionMap, scope: NameScope, sql: string): OptionMap {
    const formatName = options.FORMAT_NAME;
    if (formatName === undefined) return options;
    const text = optionText(formatName);
    const parts = text.split('.');
    const name: QualifiedName = parts.length === 3 ? { database: parts[0]!, schema: parts[1]!, name: parts[2]! } : parts.length === 2 ? { schema: parts[0]!, name: parts[1]! } : { name: text.toUpperCase() };
    const q = this.qualify(name, scope, sql);
    const found = this.formats.get(`${q.database}.${q.schema}.${q.name.toUpperCase()}`) ?? this.formats.get(`${q.database}.${q.schema}.${q.name}`);
    if (!found) throw objectDoesNotExist(sql, 'File format', `${q.database}.${q.schema}.${q.name}`);
    return found;
  }

  /** The effective format: COPY options, else the named format, else the stage default, else CSV. */
  fileFormat(stage: StageInfo, copyFormat: OptionMap, sourceFormatName: string | undefined, scope: NameScope, sql: string): FileFormat {
    let options: OptionMap = stage.fileFormat;
    if (sourceFormatName !== undefined) options = this.expandFormat({ FORMAT_NAME: sourceFormatName }, scope, sql);
    if (Object.keys(copyFormat).length > 0) options = this.expandFormat(copyFormat, scope, sql);
    const type = optionText(options.TYPE ?? 'CSV').toUpperCase();
    if (type !== 'CSV' && type !== 'JSON' && type !== 'PARQUET') throw unsupported(sql, `file format TYPE = ${type}`);
    return { type, options };
  }

  /** DuckDB table expression reading one file, without metadata columns. */
  readerSql(file: StagedFile, format: FileFormat, withHeader = false): string {
    const o = format.options;
    const path = sqlString(file.absPath);
    if (format.type === 'JSON') {
      const strip = /^TRUE$/i.test(optionText(o.STRIP_OUTER_ARRAY));
      return `read_json_objects(${path}, format = '${strip ? 'array' : 'unstructured'}')`;
    }
    if (format.type === 'PARQUET') return `read_parquet(${path})`;
    const args = [`header = ${withHeader || /^TRUE$/i.test(optionText(o.PARSE_HEADER)) ? 'true' : 'false'}`, 'all_varchar = true', 'null_padding = true'];
    const skip = Number(optionText(o.SKIP_HEADER) || '0');
    if (skip > 0) args.push(`skip = ${skip}`);
    const delim = optionText(o.FIELD_DELIMITER);
    args.push(`delim = ${sqlString(delim && delim.toUpperCase() !== 'NONE' ? delim : ',')}`);
    const quote = optionText(o.FIELD_OPTIONALLY_ENCLOSED_BY);
    args.push(`quote = ${sqlString(quote && quote.toUpperCase() !== 'NONE' ? quote : '"')}`);
    const nullIf = o.NULL_IF;
    if (nullIf !== undefined) {
      const list = Array.isArray(nullIf) ? (nullIf as readonly string[]) : [optionText(nullIf as OptionValue)];
      args.push(`nullstr = [${list.map(sqlString).join(', ')}]`);
    }
    return `read_csv(${path}, ${args.join(', ')})`;
  }

  /**
   * A subquery exposing one staged file as Snowflake sees it in a COPY transformation or a
   * stage query: `"$1"`..`"$n"` plus the METADATA$ columns.
   */
  sourceSql(file: StagedFile, format: FileFormat, maxDollar: number, sql: string): string {
    const cols: string[] = [];
    if (format.type === 'JSON') {
      if (maxDollar > 1) throw new SnowflakeSqlError('002020', '42601', 'SQL compilation error:\nJSON file format can produce one and only one column of type variant, object, or array.', sql);
      cols.push(`__SRC.json AS "$1"`);
    } else if (format.type === 'PARQUET') {
      if (maxDollar > 1) throw new SnowflakeSqlError('002020', '42601', 'SQL compilation error:\nPARQUET file format can produce one and only one column of type variant, object, or array.', sql);
      cols.push(`to_json(__SRC) AS "$1"`);
    } else {
      for (let n = 1; n <= Math.max(1, maxDollar); n++) cols.push(`__SRC.column${n - 1} AS ${quoteIdent(`$${n}`)}`);
    }
    cols.push(
      `${sqlString(file.relPath)} AS "METADATA$FILENAME"`,
      `CAST(row_number() OVER () AS BIGINT) AS "METADATA$FILE_ROW_NUMBER"`,
      `${sqlString(file.md5)} AS "METADATA$FILE_CONTENT_KEY"`,
      `CAST(${sqlString(file.lastModified.toISOString().replace('T', ' ').replace('Z', ''))} AS TIMESTAMP) AS "METADATA$FILE_LAST_MODIFIED"`,
      `CURRENT_TIMESTAMP AS "METADATA$START_SCAN_TIME"`,
    );
    return `(SELECT ${cols.join(', ')} FROM ${this.readerSql(file, format)} AS __SRC)`;
  }

  /** A subquery over all `files` (UNION ALL); an empty, correctly shaped one when there are none. */
  unionSourceSql(files: readonly StagedFile[], format: FileFormat, maxDollar: number, sql: string): string {
    if (files.length === 0) {
      const first = format.type === 'CSV' ? 'CAST(NULL AS VARCHAR)' : 'CAST(NULL AS JSON)';
      const dollars: string[] = [];
      for (let n = 1; n <= Math.max(1, maxDollar); n++) dollars.push(`${first} AS ${quoteIdent(`$${n}`)}`);
      const meta = METADATA_COLUMNS.map((c) => `NULL AS ${quoteIdent(c)}`);
      return `(SELECT ${[...dollars, ...meta].join(', ')} WHERE FALSE)`;
    }
    return `(${files.map((f) => `SELECT * FROM ${this.sourceSql(f, format, maxDollar, sql)}`).join(' UNION ALL ')})`;
  }

  /** True when `file` from `stage` was already loaded into `tableKey` with the same content. */
  wasLoaded(tableKey: string, stage: StageInfo, file: StagedFile): boolean {
    return this.history.get(tableKey)?.get(`${stage.key}/${file.relPath}`) === file.md5;
  }

  /** Records a successful load. */
  recordLoad(tableKey: string, stage: StageInfo, file: StagedFile): void {
    let h = this.history.get(tableKey);
    if (!h) {
      h = new Map();
      this.history.set(tableKey, h);
    }
    h.set(`${stage.key}/${file.relPath}`, file.md5);
  }

  /** Load history entries, for tests. */
  loadHistory(): { table: string; file: string; md5: string }[] {
    const out: { table: string; file: string; md5: string }[] = [];
    for (const [table, files] of this.history) for (const [file, md5] of files) out.push({ table, file, md5 });
    return out;
  }

  /** Copy options as a plain object (for callers that only need flags). */
  static flag(options: OptionMap, key: string): boolean {
    return /^TRUE$/i.test(optionText(options[key]));
  }

  /** Nested option group helper re-exported for callers. */
  static group(options: OptionMap, key: string): OptionMap {
    return asOptionMap(options[key]);
  }
}

/** A name made safe as a folder name. */
function safe(name: string): string {
  return name.replace(/[^A-Za-z0-9_.$-]/g, '_');
}
