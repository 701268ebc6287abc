/**
 * Translates one Snowflake statement into what the test server runs: DuckDB SQL for queries,
 * DML and DDL, or a server command for what DuckDB has no equivalent of (USE, ALTER SESSION,
 * SWAP WITH, stages, COPY INTO, SYSTEM$WAIT, dynamic tables).
 *
 * Only what Assay's Snowflake backend emits and the examples use is translated; other
 * statements fail with Snowflake's "unsupported feature" error instead of running wrongly.
 */
import { isOp, isTrivia, isWord, tokenizeSql, type SqlToken } from './sql-tokenizer.js';
import { SnowflakeSqlError, syntaxErrorAt, unsupported } from './snowflake-sql-error.js';
import {
  ExpressionTranslator,
  parseStageRef,
  qualifiedSql,
  quoteIdent,
  sqlString,
  type QualifiedName,
  type StageRef,
  type StageSourcePlaceholder,
  type TranslateContext,
} from './sql-expression-translator.js';
import type { SnowflakeTypeName } from './snowflake-types.js';

export type { QualifiedName, StageRef, StageSourcePlaceholder, TranslateContext } from './sql-expression-translator.js';

/** A value in an {@link OptionMap}: a string, a `(list)`, or a nested `(KEY = value ...)` group. */
export type OptionValue = string | readonly string[] | OptionMap;

/** Options given as `KEY = value` (file formats, copy options); keys upper-cased. */
export interface OptionMap {
  readonly [key: string]: OptionValue;
}

/** A SELECT (or other row-returning statement) to run on DuckDB. */
export interface QueryStatement {
  readonly kind: 'query';
  readonly sql: string;
  /** Explicit Snowflake types per select item (see {@link TranslatedQueryHints}). */
  readonly hints: readonly (SnowflakeTypeName | undefined)[];
  readonly sourceTable?: QualifiedName;
  readonly stageSources: readonly StageSourcePlaceholder[];
  readonly maxDollar: number;
  readonly usesBinds: boolean;
}

/** INSERT, UPDATE, DELETE or MERGE, possibly as several DuckDB statements run atomically. */
export interface DmlStatement {
  readonly kind: 'dml';
  readonly operation: 'insert' | 'update' | 'delete' | 'merge';
  readonly statements: readonly string[];
  /** For MERGE: which actions its WHEN clauses contain, in Snowflake's column order. */
  readonly mergeActions?: readonly ('insert' | 'update' | 'delete')[];
  readonly stageSources: readonly StageSourcePlaceholder[];
  readonly maxDollar: number;
  readonly usesBinds: boolean;
}

/** A side effect of DDL the server tracks outside DuckDB. */
export type DdlEffect =
  | { readonly kind: 'declare-columns'; readonly table: QualifiedName; readonly columns: readonly { column: string; type: SnowflakeTypeName }[] }
  | { readonly kind: 'drop-table'; readonly table: QualifiedName }
  | { readonly kind: 'rename-table'; readonly from: QualifiedName; readonly to: QualifiedName }
  /** A temporary table: created in its schema (so qualified names reach it) and dropped when the session ends. */
  | { readonly kind: 'session-table'; readonly table: QualifiedName };

/** DDL run as DuckDB statements (atomically when more than one), answering with a status line. */
export interface DdlStatement {
  readonly kind: 'ddl';
  readonly statements: readonly string[];
  readonly status: string;
  readonly effects: readonly DdlEffect[];
}

/** A statement the server handles itself. */
export type CommandStatement =
  | { readonly kind: 'transaction'; readonly action: 'begin' | 'commit' | 'rollback' }
  | { readonly kind: 'use'; readonly object: 'database' | 'schema' | 'warehouse' | 'role' | 'secondary-roles'; readonly name: QualifiedName }
  | { readonly kind: 'alter-session'; readonly set: Readonly<Record<string, string>>; readonly unset: readonly string[] }
  | { readonly kind: 'create-database'; readonly name: string; readonly orReplace: boolean; readonly ifNotExists: boolean }
  | { readonly kind: 'drop-database'; readonly name: string; readonly ifExists: boolean }
  | { readonly kind: 'create-schema'; readonly name: QualifiedName; readonly orReplace: boolean; readonly ifNotExists: boolean }
  | { readonly kind: 'swap'; readonly table: QualifiedName; readonly other: QualifiedName; readonly ifExists: boolean }
  | { readonly kind: 'wait'; readonly milliseconds: number; readonly column: string; readonly message: string }
  | { readonly kind: 'cancel-query'; readonly queryId: string; readonly column: string }
  | { readonly kind: 'show'; readonly object: string; readonly like?: string; readonly scope?: { kind: 'account' | 'database' | 'schema' | 'table'; name?: QualifiedName }; readonly startsWith?: string; readonly limit?: number }
  | { readonly kind: 'describe'; readonly name: QualifiedName }
  | { readonly kind: 'noop'; readonly status: string }
  | { readonly kind: 'create-stage'; readonly name: QualifiedName; readonly orReplace: boolean; readonly ifNotExists: boolean; readonly url?: string; readonly fileFormat: OptionMap }
  | { readonly kind: 'drop-stage'; readonly name: QualifiedName; readonly ifExists: boolean }
  | { readonly kind: 'create-file-format'; readonly name: QualifiedName; readonly orReplace: boolean; readonly ifNotExists: boolean; readonly options: OptionMap }
  | { readonly kind: 'drop-file-format'; readonly name: QualifiedName; readonly ifExists: boolean }
  | { readonly kind: 'put'; readonly localPath: string; readonly stage: StageRef; readonly options: OptionMap }
  | { readonly kind: 'get'; readonly stage: StageRef; readonly localDir: string; readonly options: OptionMap }
  | { readonly kind: 'list'; readonly stage: StageRef; readonly pattern?: string }
  | { readonly kind: 'remove'; readonly stage: StageRef; readonly pattern?: string }
  | CopyStatement
  | DynamicTableStatement
  | { readonly kind: 'alter-dynamic-table'; readonly name: QualifiedName; readonly action: 'refresh' | 'suspend' | 'resume' | 'set'; readonly set: Readonly<Record<string, string>> }
  | { readonly kind: 'drop-dynamic-table'; readonly name: QualifiedName; readonly ifExists: boolean };

/** `COPY INTO table FROM @stage` or `FROM (SELECT ... FROM @stage)`. */
export interface CopyStatement {
  readonly kind: 'copy';
  readonly table: QualifiedName;
  readonly columns?: readonly string[];
  readonly stage: StageRef;
  /** Translated select list over the columns `"$1"`, `"$2"`, ..., `"METADATA$FILENAME"`. */
  readonly select?: { readonly items: string; readonly alias?: string; readonly maxDollar: number };
  /** `FILE_FORMAT => 'name'` / `PATTERN => '...'` given on the stage inside the SELECT. */
  readonly sourceOptions: OptionMap;
  readonly options: OptionMap;
  readonly fileFormat: OptionMap;
}

/** `CREATE DYNAMIC TABLE`: materialized once and on `ALTER DYNAMIC TABLE ... REFRESH`. */
export interface DynamicTableStatement {
  readonly kind: 'create-dynamic-table';
  readonly name: QualifiedName;
  readonly orReplace: boolean;
  readonly ifNotExists: boolean;
  readonly targetLag: string;
  readonly warehouse?: string;
  readonly refreshMode: string;
  readonly initialize: string;
  /** The translated defining query. */
  readonly querySql: string;
  /** The defining query as written. */
  readonly text: string;
}

/** Everything {@link translateStatement} can return. */
export type TranslatedStatement = QueryStatement | DmlStatement | DdlStatement | CommandStatement;

/** Explicit select-item types: see {@link QueryStatement.hints}. */
export type TranslatedQueryHints = QueryStatement['hints'];

const DEFAULT_STATUS = 'Statement executed successfully.';

/**
 * Translates one Snowflake statement.
 *
 * @throws SnowflakeSqlError for syntax errors, multiple statements and unsupported features.
 *
 * @example
 * ```ts
 * const t = translateStatement("select raw:a.b::string from t", ctx);
 * // t.kind === 'query'; t.sql contains (RAW ->> '$.a.b')
 * ```
 */
export function translateStatement(sql: string, ctx: TranslateContext): TranslatedStatement {
  const fileCommand = /^\s*(PUT|GET)\s/i.exec(sql);
  if (fileCommand) return translateFileTransfer(sql, fileCommand[1]!.toUpperCase() as 'PUT' | 'GET');
  const all = tokenizeSql(sql);
  let end = all.length;
  while (end > 0 && (isTrivia(all[end - 1]!) || isOp(all[end - 1], ';'))) end--;
  const tokens = all.slice(0, end);
  const stmt = new StatementTranslator(sql, tokens, ctx);
  return stmt.translate();
}

class StatementTranslator {
  private readonly x: ExpressionTranslator;

  constructor(
    private readonly sql: string,
    private readonly tokens: readonly SqlToken[],
    private readonly ctx: TranslateContext,
  ) {
    this.x = new ExpressionTranslator(sql, tokens, ctx);
  }

  private get end(): number {
    return this.tokens.length;
  }

  private next(i: number): number {
    return this.x.next(i, this.end);
  }

  private word(i: number): string | undefined {
    const t = this.tokens[i];
    return t?.kind === 'word' ? t.value : undefined;
  }

  /** Consumes an optional sequence of words at `i`; returns the index after them, or -1. */
  private accept(i: number, ...words: string[]): number {
    let j = i;
    for (const w of words) {
      j = this.next(j);
      if (this.word(j) !== w) return -1;
      j++;
    }
    return j;
  }

  /** An optional run of words (`IF EXISTS`): where parsing goes on, and whether they were there. */
  private optional(i: number, ...words: string[]): { at: number; present: boolean } {
    const j = this.accept(i, ...words);
    return j < 0 ? { at: i, present: false } : { at: j, present: true };
  }

  private expectEnd(i: number): void {
    const j = this.next(i);
    if (j < this.end) throw this.x.syntax(j, `unexpected '${this.tokens[j]!.text}'`);
  }

  translate(): TranslatedStatement {
    this.rejectMultipleStatements();
    const first = this.next(0);
    if (first >= this.end) throw new SnowflakeSqlError('000900', '42601', 'SQL compilation error:\nEmpty SQL statement.', this.sql);
    const t = this.tokens[first]!;
    if (isOp(t, '(')) return this.query(first);
    if (t.kind !== 'word') throw this.x.syntax(first, `unexpected '${t.text}'`);
    switch (t.value) {
      case 'SELECT':
        return this.systemFunctionSelect(first) ?? this.query(first);
      case 'WITH':
      case 'VALUES':
        return this.query(first);
      case 'EXPLAIN': {
        const q = this.query(this.next(first + 1));
        return { ...q, sql: `EXPLAIN ${q.sql}`, hints: [] };
      }
      case 'INSERT':
        return this.insert(first);
      case 'UPDATE':
        return this.dml('update', first);
      case 'DELETE':
        return this.dml('delete', first);
      case 'MERGE':
        return this.merge(first);
      case 'TRUNCATE': {
        let j = this.accept(first + 1, 'TABLE');
        if (j < 0) j = first + 1;
        const { name } = this.x.readName(this.optional(j, 'IF', 'EXISTS').at, this.end);
        return { kind: 'ddl', statements: [`DELETE FROM ${qualifiedSql(name)}`], status: DEFAULT_STATUS, effects: [] };
      }
      case 'CREATE':
        return this.create(first + 1);
      case 'DROP':
        return this.drop(first + 1);
      case 'ALTER':
        return this.alter(first + 1);
      case 'USE':
        return this.use(first + 1);
      case 'BEGIN':
      case 'START':
        return { kind: 'transaction', action: 'begin' };
      case 'COMMIT':
        return { kind: 'transaction', action: 'commit' };
      case 'ROLLBACK':
        return { kind: 'transaction', action: 'rollback' };
      case 'CALL':
        return this.call(first + 1);
      case 'SHOW':
        return this.show(first + 1);
      case 'DESC':
      case 'DESCRIBE':
        return this.describe(first + 1);
      case 'LIST':
      case 'LS':
      case 'REMOVE':
      case 'RM':
        return this.listOrRemove(first, t.value === 'LIST' || t.value === 'LS' ? 'list' : 'remove');
      case 'COPY':
        return this.copy(first + 1);
      case 'GRANT':
      case 'REVOKE':
        return { kind: 'noop', status: DEFAULT_STATUS };
      case 'COMMENT': {
        const on = this.findWord(first, 'ON');
        const what = on >= 0 ? this.word(this.next(on + 1)) : undefined;
        if (what === 'TABLE' || what === 'VIEW' || what === 'COLUMN') {
          return { kind: 'ddl', statements: [this.x.expr(first, this.end)], status: DEFAULT_STATUS, effects: [] };
        }
        return { kind: 'noop', status: DEFAULT_STATUS };
      }
      case 'SET':
      case 'UNSET':
        throw unsupported(this.sql, 'session variables (SET/UNSET)');
      default:
        throw this.x.syntax(first, `unexpected '${t.text}'`);
    }
  }

  private rejectMultipleStatements(): void {
    const parts = this.x.splitTopLevel(0, this.end, ';').filter((r) => this.next(r.start) < r.end);
    if (parts.length > 1) {
      throw new SnowflakeSqlError('000008', '0A000', `Actual statement count ${parts.length} did not match the desired statement count 1.`, this.sql);
    }
  }

  private findWord(from: number, word: string): number {
    return this.x.findTopLevelWord(from, this.end, new Set([word]));
  }

  // ------------------------------------------------------------------ queries and DML

  private query(start: number): QueryStatement {
    const q = this.x.query(start, this.end);
    return {
      kind: 'query',
      sql: q.sql,
      hints: q.hints,
      ...(q.sourceTable ? { sourceTable: q.sourceTable } : {}),
      stageSources: this.x.stageSources,
      maxDollar: this.x.maxDollar,
      usesBinds: this.x.usesBinds,
    };
  }

  /** `SELECT SYSTEM$WAIT(n)` / `SELECT SYSTEM$CANCEL_QUERY('id')` on their own. */
  private systemFunctionSelect(first: number): CommandStatement | undefined {
    const f = this.next(first + 1);
    const name = this.word(f);
    if (name !== 'SYSTEM$WAIT' && name !== 'SYSTEM$CANCEL_QUERY') return undefined;
    const open = this.next(f + 1);
    if (!isOp(this.tokens[open], '(')) return undefined;
    const close = this.x.matchBracket(open, this.end);
    let column = this.x.source(f, close + 1).toUpperCase().replace(/\s+/g, '');
    let j = this.next(close + 1);
    if (this.word(j) === 'AS') j = this.next(j + 1);
    if (j < this.end && (this.tokens[j]!.kind === 'word' || this.tokens[j]!.kind === 'quoted')) {
      column = this.x.identName(j);
      j++;
    }
    this.expectEnd(j);
    return this.systemFunction(name, open, close, column);
  }

  private call(i: number): CommandStatement {
    const f = this.next(i);
    const name = this.word(f);
    const open = this.next(f + 1);
    if ((name === 'SYSTEM$WAIT' || name === 'SYSTEM$CANCEL_QUERY') && isOp(this.tokens[open], '(')) {
      const close = this.x.matchBracket(open, this.end);
      this.expectEnd(close + 1);
      return this.systemFunction(name, open, close, name);
    }
    throw unsupported(this.sql, `CALL ${name ?? this.tokens[f]?.text ?? ''}`);
  }

  private systemFunction(name: string, open: number, close: number, column: string): CommandStatement {
    const args = this.x.splitTopLevel(open + 1, close).map((r) => {
      const sig = this.x.significant(r.start, r.end);
      const t = sig.length === 1 ? this.tokens[sig[0]!]! : undefined;
      if (t?.kind !== 'number' && t?.kind !== 'string') throw unsupported(this.sql, `${name} with a non-literal argument`);
      return t.value;
    });
    if (name === 'SYSTEM$CANCEL_QUERY') {
      if (args.length !== 1) throw this.x.syntax(open, 'SYSTEM$CANCEL_QUERY takes one query id');
      return { kind: 'cancel-query', queryId: args[0]!, column };
    }
    const amount = Number(args[0]);
    if (!Number.isFinite(amount) || amount < 0) throw this.x.syntax(open, 'SYSTEM$WAIT needs a non-negative amount');
    const unit = (args[1] ?? 'SECONDS').toUpperCase();
    const factor: Record<string, number> = { SECONDS: 1000, MILLISECONDS: 1, MINUTES: 60_000, HOURS: 3_600_000 };
    const f = factor[unit];
    if (f === undefined) throw this.x.syntax(open, `unknown SYSTEM$WAIT unit '${unit}'`);
    return { kind: 'wait', milliseconds: amount * f, column, message: `waited ${args[0]} ${unit.toLowerCase()}` };
  }

  private insert(first: number): DmlStatement {
    let j = this.next(first + 1);
    const overwrite = this.word(j) === 'OVERWRITE';
    if (overwrite) j = this.next(j + 1);
    if (this.word(j) === 'ALL' || this.word(j) === 'FIRST') throw unsupported(this.sql, 'multi-table INSERT');
    if (this.word(j) !== 'INTO') throw this.x.syntax(j, 'expected INTO');
    const { name, end: nameEnd } = this.x.readName(j + 1, this.end);
    const rest = this.x.expr(nameEnd, this.end);
    const insert = `INSERT INTO ${qualifiedSql(name)}${rest}`;
    return {
      kind: 'dml',
      operation: 'insert',
      statements: overwrite ? [`DELETE FROM ${qualifiedSql(name)}`, insert] : [insert],
      stageSources: this.x.stageSources,
      maxDollar: this.x.maxDollar,
      usesBinds: this.x.usesBinds,
    };
  }

  private dml(operation: 'update' | 'delete', first: number): DmlStatement {
    return {
      kind: 'dml',
      operation,
      statements: [this.x.expr(first, this.end)],
      stageSources: this.x.stageSources,
      maxDollar: this.x.maxDollar,
      usesBinds: this.x.usesBinds,
    };
  }

  private merge(first: number): DmlStatement {
    const actions = new Set<'insert' | 'update' | 'delete'>();
    let depth = 0;
    for (let i = first; i < this.end; i++) {
      const t = this.tokens[i]!;
      if (isOp(t, '(')) depth++;
      else if (isOp(t, ')')) depth--;
      else if (depth === 0 && isWord(t, 'THEN')) {
        const a = this.word(this.next(i + 1));
        if (a === 'INSERT') actions.add('insert');
        else if (a === 'UPDATE') actions.add('update');
        else if (a === 'DELETE') actions.add('delete');
      }
    }
    const order: ('insert' | 'update' | 'delete')[] = ['insert', 'update', 'delete'];
    return {
      kind: 'dml',
      operation: 'merge',
      // RETURNING merge_action lets the server report inserted/updated/deleted counts separately.
      statements: [`${this.x.expr(first, this.end)} RETURNING merge_action`],
      mergeActions: order.filter((a) => actions.has(a)),
      stageSources: this.x.stageSources,
      maxDollar: this.x.maxDollar,
      usesBinds: this.x.usesBinds,
    };
  }

  // ------------------------------------------------------------------ CREATE

  private create(i: number): TranslatedStatement {
    let j = this.next(i);
    let orReplace = false;
    const orRep = this.accept(j, 'OR', 'REPLACE');
    if (orRep >= 0) {
      orReplace = true;
      j = this.next(orRep);
    }
    const modifiers = new Set<string>();
    const MODS = ['LOCAL', 'GLOBAL', 'TEMP', 'TEMPORARY', 'VOLATILE', 'TRANSIENT', 'SECURE', 'RECURSIVE', 'MATERIALIZED', 'DYNAMIC', 'HYBRID', 'ICEBERG', 'EXTERNAL', 'EVENT'];
    while (this.word(j) !== undefined && MODS.includes(this.word(j)!)) {
      modifiers.add(this.word(j)!);
      j = this.next(j + 1);
    }
    const object = this.word(j);
    let afterObject = j + 1;
    if (object === 'FILE') {
      afterObject = this.accept(j + 1, 'FORMAT');
      if (afterObject < 0) throw this.x.syntax(j, 'expected FORMAT');
    }
    let ifNotExists = false;
    const ine = this.accept(afterObject, 'IF', 'NOT', 'EXISTS');
    if (ine >= 0) {
      ifNotExists = true;
      afterObject = ine;
    }
    const temp = modifiers.has('TEMP') || modifiers.has('TEMPORARY') || modifiers.has('VOLATILE');
    switch (object) {
      case 'TABLE':
        if (modifiers.has('DYNAMIC')) return this.createDynamicTable(afterObject, orReplace, ifNotExists);
        if (modifiers.has('EXTERNAL') || modifiers.has('ICEBERG') || modifiers.has('HYBRID') || modifiers.has('EVENT')) {
          throw unsupported(this.sql, `CREATE ${[...modifiers].join(' ')} TABLE`);
        }
        return this.createTable(afterObject, orReplace, ifNotExists, temp);
      case 'VIEW':
        if (modifiers.has('MATERIALIZED')) return this.createTable(afterObject, orReplace, ifNotExists, false, 'View');
        return this.createView(afterObject, orReplace, ifNotExists, temp);
      case 'SCHEMA': {
        const { name } = this.x.readName(afterObject, this.end);
        const database = name.schema ?? this.requireDatabase('CREATE SCHEMA');
        return { kind: 'create-schema', name: { database, name: name.name }, orReplace, ifNotExists };
      }
      case 'DATABASE': {
        const { name } = this.x.readName(afterObject, this.end);
        if (name.schema !== undefined) throw this.x.syntax(afterObject, 'a database name has one part');
        return { kind: 'create-database', name: name.name, orReplace, ifNotExists };
      }
      case 'STAGE':
        return this.createStage(afterObject, orReplace, ifNotExists);
      case 'FILE': {
        const { name, end } = this.x.readName(afterObject, this.end);
        return { kind: 'create-file-format', name, orReplace, ifNotExists, options: this.readOptions(end, this.end) };
      }
      case 'SEQUENCE': {
        const { name, end } = this.x.readName(afterObject, this.end);
        const opts = this.readOptions(end, this.end, true);
        const start = opts.START ?? opts['START WITH'];
        const inc = opts.INCREMENT ?? opts['INCREMENT BY'];
        const sql = `CREATE ${orReplace ? 'OR REPLACE ' : ''}SEQUENCE ${ifNotExists ? 'IF NOT EXISTS ' : ''}${qualifiedSql(name)}${start ? ` START ${String(start)}` : ''}${inc ? ` INCREMENT ${String(inc)}` : ''}`;
        return { kind: 'ddl', statements: [sql], status: `Sequence ${name.name} successfully created.`, effects: [] };
      }
      case 'WAREHOUSE':
      case 'ROLE':
      case 'USER':
      case 'RESOURCE':
      case 'NETWORK':
      case 'TAG':
      case 'MASKING':
      case 'ROW': {
        const name = this.tokens[this.next(afterObject)];
        const label = object[0] + object.slice(1).toLowerCase();
        return { kind: 'noop', status: `${label} ${name?.kind === 'word' ? name.value : (name?.value ?? '')} successfully created.` };
      }
      default:
        throw unsupported(this.sql, `CREATE ${[...modifiers, object ?? ''].join(' ').trim()}`);
    }
  }

  private requireDatabase(what: string): string {
    if (this.ctx.database === null) {
      throw new SnowflakeSqlError('090105', '22000', `Cannot perform ${what}. This session does not have a current database. Call 'USE DATABASE', or use a qualified name.`, this.sql);
    }
    return this.ctx.database;
  }

  /** Fills in the current database and schema. */
  private resolve(name: QualifiedName, what: string): QualifiedName {
    if (name.database !== undefined && name.schema !== undefined) return name;
    const database = this.requireDatabase(what);
    if (name.schema !== undefined) return { database, schema: name.schema, name: name.name };
    if (this.ctx.schema === null) {
      throw new SnowflakeSqlError('090106', '22000', `Cannot perform ${what}. This session does not have a current schema. Call 'USE SCHEMA', or use a qualified name.`, this.sql);
    }
    return { database, schema: this.ctx.schema, name: name.name };
  }

  private createTable(i: number, orReplace: boolean, ifNotExists: boolean, temp: boolean, label = 'Table'): DdlStatement {
    const { name: rawName, end: nameEnd } = this.x.readName(i, this.end);
    // Snowflake temporary tables live in a schema and are reached by qualified names, which
    // DuckDB's temp catalog cannot give; they are made real tables the session drops at its end.
    const name = this.resolve(rawName, 'CREATE TABLE');
    const nameSql = qualifiedSql(name);
    let j = this.next(nameEnd);
    const pre: string[] = [];
    let defs: string | undefined;
    const declared: { column: string; type: SnowflakeTypeName }[] = [];
    if (isOp(this.tokens[j], '(')) {
      const close = this.x.matchBracket(j, this.end);
      defs = this.columnDefinitions(j + 1, close, name, orReplace, declared, pre);
      j = close + 1;
    }
    // Table options (CLUSTER BY, COMMENT = ..., DATA_RETENTION_TIME_IN_DAYS = ..., COPY GRANTS)
    // have no DuckDB meaning and are skipped up to AS / LIKE / CLONE.
    const asAt = this.x.findTopLevelWord(j, this.end, new Set(['AS', 'LIKE', 'CLONE']));
    const head = `CREATE ${orReplace ? 'OR REPLACE ' : ''}TABLE ${ifNotExists ? 'IF NOT EXISTS ' : ''}${nameSql}`;
    const statements = [...pre];
    const effects: DdlEffect[] = [{ kind: 'declare-columns', table: name, columns: declared }, ...(temp ? [{ kind: 'session-table' as const, table: name }] : [])];
    const status = `${label} ${name.name} successfully created.`;
    if (asAt < 0) {
      if (defs === undefined) throw this.x.syntax(j, 'expected a column list or AS');
      statements.push(`${head} (${defs})`);
      return { kind: 'ddl', statements, status, effects };
    }
    const how = this.word(asAt)!;
    if (how === 'LIKE' || how === 'CLONE') {
      const { name: src, end: srcEnd } = this.x.readName(asAt + 1, this.end);
      if (how === 'CLONE' && this.next(srcEnd) < this.end) throw unsupported(this.sql, 'CLONE with AT/BEFORE (time travel)');
      statements.push(`${head} AS SELECT * FROM ${qualifiedSql(src)}${how === 'LIKE' ? ' LIMIT 0' : ''}`);
      return { kind: 'ddl', statements, status, effects };
    }
    const q = this.x.query(this.next(asAt + 1), this.end);
    if (this.x.usesBinds) throw unsupported(this.sql, 'bind variables in CREATE TABLE AS');
    if (defs !== undefined) {
      statements.push(`${head} (${defs})`, `INSERT INTO ${nameSql} ${q.sql}`);
    } else {
      statements.push(`${head} AS ${q.sql}`);
    }
    return { kind: 'ddl', statements, status, effects };
  }

  private columnDefinitions(
    start: number,
    end: number,
    table: QualifiedName,
    orReplace: boolean,
    declared: { column: string; type: SnowflakeTypeName }[],
    pre: string[],
  ): string {
    const out: string[] = [];
    for (const r of this.x.splitTopLevel(start, end)) {
      const f = this.x.next(r.start, r.end);
      const fw = this.word(f);
      // Snowflake does not enforce PRIMARY KEY / UNIQUE / FOREIGN KEY; DuckDB would, so drop them.
      if (fw === 'CONSTRAINT' || fw === 'PRIMARY' || fw === 'UNIQUE' || fw === 'FOREIGN' || fw === 'CHECK') continue;
      const column = this.x.identName(f);
      const { type, sql: typeSql, end: typeEnd } = this.x.readType(f + 1, r.end);
      if (type && (type.snowflake === 'TIMESTAMP_TZ' || type.snowflake === 'OBJECT' || type.snowflake === 'ARRAY')) declared.push({ column, type: type.snowflake });
      let def = `${quoteIdent(column)} ${typeSql}`;
      let k = this.x.next(typeEnd, r.end);
      const STOP = new Set(['NOT', 'NULL', 'COLLATE', 'COMMENT', 'PRIMARY', 'UNIQUE', 'REFERENCES', 'CONSTRAINT', 'WITH', 'MASKING', 'AUTOINCREMENT', 'IDENTITY', 'DEFAULT', 'FOREIGN']);
      while (k < r.end) {
        const w = this.word(k);
        if (w === 'NOT' && this.word(this.x.next(k + 1, r.end)) === 'NULL') {
          def += ' NOT NULL';
          k = this.x.next(this.x.next(k + 1, r.end) + 1, r.end);
        } else if (w === 'DEFAULT') {
          let e = k + 1;
          const first = this.x.next(e, r.end);
          e = first + 1;
          // The default expression runs to the next column modifier keyword.
          let depth = 0;
          while (e < r.end) {
            const t = this.tokens[e]!;
            if (isOp(t, '(')) depth++;
            else if (isOp(t, ')')) depth--;
            else if (depth === 0 && t.kind === 'word' && STOP.has(t.value)) break;
            e++;
          }
          def += ` DEFAULT ${this.x.expr(first, e).trim()}`;
          k = this.x.next(e, r.end);
        } else if (w === 'AUTOINCREMENT' || w === 'IDENTITY') {
          let startAt = '1';
          let step = '1';
          let e = this.x.next(k + 1, r.end);
          if (isOp(this.tokens[e], '(')) {
            const close = this.x.matchBracket(e, r.end);
            const parts = this.x.splitTopLevel(e + 1, close).map((p) => this.x.source(p.start, p.end).trim());
            startAt = parts[0] ?? '1';
            step = parts[1] ?? '1';
            e = this.x.next(close + 1, r.end);
          }
          for (;;) {
            const ww = this.word(e);
            if (ww === 'START' || ww === 'INCREMENT') {
              let v = this.x.next(e + 1, r.end);
              if (this.word(v) === 'WITH' || this.word(v) === 'BY' || isOp(this.tokens[v], '=')) v = this.x.next(v + 1, r.end);
              if (ww === 'START') startAt = this.tokens[v]!.text;
              else step = this.tokens[v]!.text;
              e = this.x.next(v + 1, r.end);
            } else if (ww === 'ORDER' || ww === 'NOORDER') e = this.x.next(e + 1, r.end);
            else break;
          }
          const seq: QualifiedName = { ...table, name: `${table.name}_${column}_SEQ` };
          pre.push(`CREATE ${orReplace ? 'OR REPLACE ' : ''}SEQUENCE ${orReplace ? '' : 'IF NOT EXISTS '}${qualifiedSql(seq)} START ${startAt} INCREMENT ${step}`);
          def += ` DEFAULT nextval(${sqlString(qualifiedSql(seq))})`;
          k = e;
        } else {
          // NULL, COLLATE 'x', COMMENT 'x', PRIMARY KEY, UNIQUE, REFERENCES t(c), masking policies: no-ops here.
          k = this.x.next(k + 1, r.end);
        }
      }
      out.push(def);
    }
    return out.join(', ');
  }

  private createView(i: number, orReplace: boolean, ifNotExists: boolean, temp: boolean): DdlStatement {
    const { name: rawName, end: nameEnd } = this.x.readName(i, this.end);
    const name = temp ? { name: rawName.name } : this.resolve(rawName, 'CREATE VIEW');
    let j = this.next(nameEnd);
    let columns = '';
    if (isOp(this.tokens[j], '(')) {
      const close = this.x.matchBracket(j, this.end);
      columns = ` (${this.x
        .splitTopLevel(j + 1, close)
        .map((r) => quoteIdent(this.x.identName(this.x.next(r.start, r.end))))
        .join(', ')})`;
      j = close + 1;
    }
    const asAt = this.x.findTopLevelWord(j, this.end, new Set(['AS']));
    if (asAt < 0) throw this.x.syntax(j, 'expected AS');
    const q = this.x.query(this.next(asAt + 1), this.end);
    if (this.x.usesBinds) throw unsupported(this.sql, 'bind variables in CREATE VIEW');
    const sql = `CREATE ${orReplace ? 'OR REPLACE ' : ''}${temp ? 'TEMP ' : ''}VIEW ${ifNotExists ? 'IF NOT EXISTS ' : ''}${qualifiedSql(name)}${columns} AS ${q.sql}`;
    return { kind: 'ddl', statements: [sql], status: `View ${name.name} successfully created.`, effects: [{ kind: 'drop-table', table: name }] };
  }

  private createDynamicTable(i: number, orReplace: boolean, ifNotExists: boolean): DynamicTableStatement {
    const { name: rawName, end: nameEnd } = this.x.readName(i, this.end);
    const name = this.resolve(rawName, 'CREATE DYNAMIC TABLE');
    let j = this.next(nameEnd);
    if (isOp(this.tokens[j], '(')) j = this.x.matchBracket(j, this.end) + 1;
    const asAt = this.x.findTopLevelWord(j, this.end, new Set(['AS']));
    if (asAt < 0) throw this.x.syntax(j, 'expected AS');
    const opts = this.readOptions(j, asAt, true);
    const lag = opts.TARGET_LAG;
    if (lag === undefined) throw new SnowflakeSqlError('001003', '42000', 'SQL compilation error:\nTARGET_LAG is required for a dynamic table.', this.sql);
    const warehouse = typeof opts.WAREHOUSE === 'string' ? opts.WAREHOUSE : undefined;
    const querySql = this.x.query(this.next(asAt + 1), this.end).sql;
    return {
      kind: 'create-dynamic-table',
      name,
      orReplace,
      ifNotExists,
      targetLag: String(lag),
      ...(warehouse ? { warehouse } : {}),
      refreshMode: String(opts.REFRESH_MODE ?? 'AUTO'),
      initialize: String(opts.INITIALIZE ?? 'ON_CREATE'),
      querySql,
      text: this.x.source(this.next(asAt + 1), this.end).trim(),
    };
  }

  private createStage(i: number, orReplace: boolean, ifNotExists: boolean): CommandStatement {
    const { name, end } = this.x.readName(i, this.end);
    const opts = this.readOptions(end, this.end);
    const url = typeof opts.URL === 'string' ? opts.URL : undefined;
    const ff = opts.FILE_FORMAT;
    return {
      kind: 'create-stage',
      name,
      orReplace,
      ifNotExists,
      ...(url ? { url } : {}),
      fileFormat: asOptionMap(ff),
    };
  }

  // ------------------------------------------------------------------ DROP / ALTER / USE

  private drop(i: number): TranslatedStatement {
    let j = this.next(i);
    const modifiers: string[] = [];
    while (['DYNAMIC', 'MATERIALIZED', 'EXTERNAL', 'TEMPORARY'].includes(this.word(j) ?? '')) {
      modifiers.push(this.word(j)!);
      j = this.next(j + 1);
    }
    const object = this.word(j);
    let k = j + 1;
    if (object === 'FILE') {
      k = this.accept(k, 'FORMAT');
      if (k < 0) throw this.x.syntax(j, 'expected FORMAT');
    }
    const { at, present: ifExists } = this.optional(k, 'IF', 'EXISTS');
    const { name, end } = this.x.readName(at, this.end);
    const tail = this.word(this.next(end));
    const cascade = tail === 'RESTRICT' ? ' RESTRICT' : ' CASCADE';
    const ifx = ifExists ? 'IF EXISTS ' : '';
    switch (object) {
      case 'TABLE':
        if (modifiers.includes('DYNAMIC')) return { kind: 'drop-dynamic-table', name, ifExists };
        return { kind: 'ddl', statements: [`DROP TABLE ${ifx}${qualifiedSql(name)}`], status: `${name.name} successfully dropped.`, effects: [{ kind: 'drop-table', table: name }] };
      case 'VIEW':
        if (modifiers.includes('MATERIALIZED')) {
          return { kind: 'ddl', statements: [`DROP TABLE ${ifx}${qualifiedSql(name)}`], status: `${name.name} successfully dropped.`, effects: [{ kind: 'drop-table', table: name }] };
        }
        return { kind: 'ddl', statements: [`DROP VIEW ${ifx}${qualifiedSql(name)}`], status: `${name.name} successfully dropped.`, effects: [] };
      case 'SCHEMA': {
        const full = name.schema !== undefined ? { database: name.schema, name: name.name } : { database: this.requireDatabase('DROP SCHEMA'), name: name.name };
        // Snowflake drops a schema with its contents by default; DuckDB needs CASCADE for that.
        return { kind: 'ddl', statements: [`DROP SCHEMA ${ifx}${quoteIdent(full.database)}.${quoteIdent(full.name)}${cascade}`], status: `${name.name} successfully dropped.`, effects: [] };
      }
      case 'DATABASE':
        return { kind: 'drop-database', name: name.name, ifExists };
      case 'STAGE':
        return { kind: 'drop-stage', name, ifExists };
      case 'FILE':
        return { kind: 'drop-file-format', name, ifExists };
      case 'SEQUENCE':
        return { kind: 'ddl', statements: [`DROP SEQUENCE ${ifx}${qualifiedSql(name)}`], status: `${name.name} successfully dropped.`, effects: [] };
      case 'WAREHOUSE':
      case 'ROLE':
      case 'USER':
        return { kind: 'noop', status: `${name.name} successfully dropped.` };
      default:
        throw unsupported(this.sql, `DROP ${[...modifiers, object ?? ''].join(' ')}`);
    }
  }

  private alter(i: number): TranslatedStatement {
    const j = this.next(i);
    const object = this.word(j);
    if (object === 'SESSION') return this.alterSession(j + 1);
    if (object === 'DYNAMIC') {
      const t = this.accept(j + 1, 'TABLE');
      if (t < 0) throw this.x.syntax(j, 'expected TABLE');
      const { name, end } = this.x.readName(this.optional(t, 'IF', 'EXISTS').at, this.end);
      const a = this.next(end);
      const action = this.word(a);
      if (action === 'REFRESH' || action === 'SUSPEND' || action === 'RESUME') return { kind: 'alter-dynamic-table', name, action: action.toLowerCase() as 'refresh', set: {} };
      if (action === 'SET') {
        const opts = this.readOptions(a + 1, this.end, true);
        const set: Record<string, string> = {};
        for (const [key, v] of Object.entries(opts)) set[key] = optionText(v);
        return { kind: 'alter-dynamic-table', name, action: 'set', set };
      }
      throw unsupported(this.sql, `ALTER DYNAMIC TABLE ... ${action ?? ''}`);
    }
    if (object === 'TABLE' || object === 'VIEW') {
      const { at, present: ifExists } = this.optional(j + 1, 'IF', 'EXISTS');
      const { name, end } = this.x.readName(at, this.end);
      const a = this.next(end);
      const action = this.word(a);
      if (action === 'SWAP') {
        const w = this.accept(a + 1, 'WITH');
        if (w < 0) throw this.x.syntax(a, 'expected WITH');
        const { name: other, end: otherEnd } = this.x.readName(w, this.end);
        this.expectEnd(otherEnd);
        return { kind: 'swap', table: name, other, ifExists };
      }
      if (action === 'RENAME') {
        const to = this.accept(a + 1, 'TO');
        if (to >= 0) {
          const { name: target, end: targetEnd } = this.x.readName(to, this.end);
          this.expectEnd(targetEnd);
          if ((target.schema !== undefined && target.schema !== (name.schema ?? this.ctx.schema)) || (target.database !== undefined && target.database !== (name.database ?? this.ctx.database))) {
            throw unsupported(this.sql, 'RENAME TO another schema or database');
          }
          const from = this.resolveForEffect(name);
          return {
            kind: 'ddl',
            statements: [`ALTER ${object} ${ifExists ? 'IF EXISTS ' : ''}${qualifiedSql(name)} RENAME TO ${quoteIdent(target.name)}`],
            status: DEFAULT_STATUS,
            effects: from ? [{ kind: 'rename-table', from, to: { ...from, name: target.name } }] : [],
          };
        }
        // RENAME COLUMN a TO b
        return { kind: 'ddl', statements: [`ALTER TABLE ${qualifiedSql(name)} ${this.x.expr(a, this.end).trim()}`], status: DEFAULT_STATUS, effects: [] };
      }
      if (object === 'TABLE' && (action === 'ADD' || action === 'DROP')) return this.alterColumns(name, action, a + 1);
      if (object === 'TABLE' && (action === 'ALTER' || action === 'MODIFY')) return this.alterColumnType(name, a + 1);
      // CLUSTER BY, SET/UNSET properties, row access policies, tags, comments, search optimization.
      return { kind: 'noop', status: DEFAULT_STATUS };
    }
    if (object === 'SCHEMA' || object === 'DATABASE') {
      if (this.findWord(j, 'RENAME') >= 0 || this.findWord(j, 'SWAP') >= 0) throw unsupported(this.sql, `ALTER ${object} ... RENAME/SWAP`);
      return { kind: 'noop', status: DEFAULT_STATUS };
    }
    if (object === 'WAREHOUSE' || object === 'USER' || object === 'ROLE' || object === 'ACCOUNT' || object === 'STAGE' || object === 'FILE') {
      return { kind: 'noop', status: DEFAULT_STATUS };
    }
    throw unsupported(this.sql, `ALTER ${object ?? ''}`);
  }

  private resolveForEffect(name: QualifiedName): QualifiedName | undefined {
    const database = name.database ?? this.ctx.database ?? undefined;
    const schema = name.schema ?? this.ctx.schema ?? undefined;
    return database !== undefined && schema !== undefined ? { database, schema, name: name.name } : undefined;
  }

  private alterColumns(table: QualifiedName, action: 'ADD' | 'DROP', i: number): DdlStatement {
    const statements: string[] = [];
    const declared: { column: string; type: SnowflakeTypeName }[] = [];
    for (const r of this.x.splitTopLevel(i, this.end)) {
      let k = this.x.next(r.start, r.end);
      if (this.word(k) === 'COLUMN') k = this.x.next(k + 1, r.end);
      let guard = '';
      const g = action === 'ADD' ? this.acceptIn(k, r.end, 'IF', 'NOT', 'EXISTS') : this.acceptIn(k, r.end, 'IF', 'EXISTS');
      if (g >= 0) {
        guard = action === 'ADD' ? 'IF NOT EXISTS ' : 'IF EXISTS ';
        k = this.x.next(g, r.end);
      }
      if (action === 'DROP') {
        const w = this.word(k);
        if (w === 'CONSTRAINT' || w === 'PRIMARY' || w === 'UNIQUE' || w === 'FOREIGN') continue;
        statements.push(`ALTER TABLE ${qualifiedSql(table)} DROP COLUMN ${guard}${quoteIdent(this.x.identName(k))}`);
        continue;
      }
      const w = this.word(k);
      if (w === 'CONSTRAINT' || w === 'PRIMARY' || w === 'UNIQUE' || w === 'FOREIGN' || w === 'ROW' || w === 'SEARCH') continue;
      const pre: string[] = [];
      const def = this.columnDefinitions(k, r.end, table, false, declared, pre);
      statements.push(...pre, `ALTER TABLE ${qualifiedSql(table)} ADD COLUMN ${guard}${def}`);
    }
    const resolved = this.resolveForEffect(table);
    return {
      kind: 'ddl',
      statements,
      status: DEFAULT_STATUS,
      effects: resolved && declared.length ? [{ kind: 'declare-columns', table: resolved, columns: declared }] : [],
    };
  }

  private acceptIn(i: number, end: number, ...words: string[]): number {
    let j = i;
    for (const w of words) {
      j = this.x.next(j, end);
      if (this.word(j) !== w) return -1;
      j++;
    }
    return j;
  }

  private alterColumnType(table: QualifiedName, i: number): DdlStatement {
    const statements: string[] = [];
    for (const r of this.x.splitTopLevel(i, this.end)) {
      let k = this.x.next(r.start, r.end);
      if (this.word(k) === 'COLUMN') k = this.x.next(k + 1, r.end);
      const column = quoteIdent(this.x.identName(k));
      const a = this.x.next(k + 1, r.end);
      const w = this.word(a);
      let typeAt = -1;
      if (w === 'TYPE') typeAt = a + 1;
      else if (w === 'SET') {
        const sdt = this.acceptIn(a + 1, r.end, 'DATA', 'TYPE');
        if (sdt >= 0) typeAt = sdt;
        else statements.push(`ALTER TABLE ${qualifiedSql(table)} ALTER COLUMN ${column} ${this.x.expr(a, r.end).trim()}`);
      } else if (w === 'DROP') statements.push(`ALTER TABLE ${qualifiedSql(table)} ALTER COLUMN ${column} ${this.x.expr(a, r.end).trim()}`);
      else if (w === 'COMMENT' || w === 'UNSET') continue;
      else typeAt = a; // MODIFY COLUMN c <type>
      if (typeAt >= 0) {
        const { sql } = this.x.readType(typeAt, r.end);
        statements.push(`ALTER TABLE ${qualifiedSql(table)} ALTER COLUMN ${column} TYPE ${sql}`);
      }
    }
    return { kind: 'ddl', statements, status: DEFAULT_STATUS, effects: [] };
  }

  private alterSession(i: number): CommandStatement {
    const j = this.next(i);
    const verb = this.word(j);
    if (verb === 'SET') {
      const opts = this.readOptions(j + 1, this.end, true);
      const set: Record<string, string> = {};
      for (const [k, v] of Object.entries(opts)) set[k] = optionText(v);
      return { kind: 'alter-session', set, unset: [] };
    }
    if (verb === 'UNSET') {
      const unset = this.x.splitTopLevel(j + 1, this.end).map((r) => this.x.identName(this.x.next(r.start, r.end)));
      return { kind: 'alter-session', set: {}, unset };
    }
    throw this.x.syntax(j, 'expected SET or UNSET');
  }

  private use(i: number): CommandStatement {
    let j = this.next(i);
    const w = this.word(j);
    let object: 'database' | 'schema' | 'warehouse' | 'role' | 'secondary-roles' | undefined;
    if (w === 'DATABASE' || w === 'SCHEMA' || w === 'WAREHOUSE' || w === 'ROLE') {
      object = w.toLowerCase() as 'database';
      j = j + 1;
    } else if (w === 'SECONDARY') {
      return { kind: 'use', object: 'secondary-roles', name: { name: 'ALL' } };
    }
    const { name, end } = this.x.readName(j, this.end);
    this.expectEnd(end);
    if (object === undefined) object = name.schema !== undefined ? 'schema' : 'database';
    return { kind: 'use', object, name };
  }

  // ------------------------------------------------------------------ SHOW / DESCRIBE

  private show(i: number): CommandStatement {
    let j = this.next(i);
    if (this.word(j) === 'TERSE') j = this.next(j + 1);
    let object = this.word(j);
    if (object === undefined) throw this.x.syntax(j, 'expected an object type');
    j++;
    if (object === 'DYNAMIC' || object === 'FILE' || object === 'MATERIALIZED' || object === 'USER' || object === 'PRIMARY') {
      const second = this.next(j);
      object = `${object} ${this.word(second) ?? ''}`;
      j = second + 1;
    }
    let like: string | undefined;
    let scope: { kind: 'account' | 'database' | 'schema' | 'table'; name?: QualifiedName } | undefined;
    let startsWith: string | undefined;
    let limit: number | undefined;
    for (;;) {
      j = this.next(j);
      if (j >= this.end) break;
      const w = this.word(j);
      if (w === 'LIKE') {
        const s = this.tokens[this.next(j + 1)];
        if (s?.kind !== 'string') throw this.x.syntax(j, 'LIKE needs a string');
        like = s.value;
        j = this.next(j + 1) + 1;
      } else if (w === 'IN') {
        let k = this.next(j + 1);
        const kind = this.word(k);
        if (kind === 'ACCOUNT') {
          scope = { kind: 'account' };
          j = k + 1;
          continue;
        }
        let scopeKind: 'database' | 'schema' | 'table' | undefined;
        if (kind === 'DATABASE' || kind === 'SCHEMA' || kind === 'TABLE' || kind === 'VIEW') {
          scopeKind = kind === 'VIEW' ? 'table' : (kind.toLowerCase() as 'database');
          k = this.next(k + 1);
        }
        if (k < this.end && (this.tokens[k]!.kind === 'word' || this.tokens[k]!.kind === 'quoted') && !['LIKE', 'STARTS', 'LIMIT'].includes(this.word(k) ?? '')) {
          const { name, end } = this.x.readName(k, this.end);
          scope = { kind: scopeKind ?? (name.schema !== undefined ? 'schema' : 'database'), name };
          j = end;
        } else {
          scope = { kind: scopeKind ?? 'database' };
          j = k;
        }
      } else if (w === 'STARTS') {
        const s = this.tokens[this.next(this.accept(j + 1, 'WITH'))];
        if (s?.kind !== 'string') throw this.x.syntax(j, 'STARTS WITH needs a string');
        startsWith = s.value;
        j = this.next(this.accept(j + 1, 'WITH')) + 1;
      } else if (w === 'LIMIT') {
        const n = this.tokens[this.next(j + 1)];
        limit = Number(n?.text);
        j = this.next(j + 1) + 1;
        const from = this.accept(j, 'FROM');
        if (from >= 0) j = this.next(from) + 1;
      } else throw this.x.syntax(j, `unexpected '${this.tokens[j]!.text}'`);
    }
    return { kind: 'show', object, ...(like !== undefined ? { like } : {}), ...(scope ? { scope } : {}), ...(startsWith !== undefined ? { startsWith } : {}), ...(limit !== undefined ? { limit } : {}) };
  }

  private describe(i: number): CommandStatement {
    let j = this.next(i);
    const w = this.word(j);
    if (w === 'TABLE' || w === 'VIEW') j = j + 1;
    else if (w !== undefined && ['STAGE', 'SCHEMA', 'DATABASE', 'WAREHOUSE', 'RESULT', 'FILE', 'USER', 'DYNAMIC'].includes(w)) throw unsupported(this.sql, `DESCRIBE ${w}`);
    const { name, end } = this.x.readName(j, this.end);
    const rest = this.next(end);
    if (rest < this.end && this.word(rest) !== 'TYPE') throw this.x.syntax(rest, `unexpected '${this.tokens[rest]!.text}'`);
    return { kind: 'describe', name };
  }

  // ------------------------------------------------------------------ stages

  private listOrRemove(first: number, kind: 'list' | 'remove'): CommandStatement {
    const s = this.next(first + 1);
    const t = this.tokens[s];
    if (t?.kind !== 'stage') throw this.x.syntax(s, 'expected a stage reference (@stage)');
    const opts = this.readOptions(s + 1, this.end);
    const pattern = typeof opts.PATTERN === 'string' ? opts.PATTERN : undefined;
    return { kind, stage: parseStageRef(t.value, this.sql), ...(pattern !== undefined ? { pattern } : {}) };
  }

  private copy(i: number): CopyStatement {
    const into = this.accept(i, 'INTO');
    if (into < 0) throw this.x.syntax(i, 'expected INTO');
    const target = this.tokens[this.next(into)];
    if (target?.kind === 'stage') throw unsupported(this.sql, 'COPY INTO @stage (unloading)');
    const { name: table, end: nameEnd } = this.x.readName(into, this.end);
    let j = this.next(nameEnd);
    let columns: string[] | undefined;
    if (isOp(this.tokens[j], '(')) {
      const close = this.x.matchBracket(j, this.end);
      columns = this.x.splitTopLevel(j + 1, close).map((r) => this.x.identName(this.x.next(r.start, r.end)));
      j = this.next(close + 1);
    }
    if (this.word(j) !== 'FROM') throw this.x.syntax(j, 'expected FROM');
    j = this.next(j + 1);
    let stage: StageRef;
    let select: CopyStatement['select'];
    let sourceOptions: OptionMap = {};
    const src = this.tokens[j];
    if (src?.kind === 'stage') {
      stage = parseStageRef(src.value, this.sql);
      j = j + 1;
    } else if (isOp(src, '(')) {
      const close = this.x.matchBracket(j, this.end);
      const sel = this.next(j + 1);
      if (this.word(sel) !== 'SELECT') throw this.x.syntax(sel, 'expected SELECT');
      const from = this.x.findTopLevelWord(sel + 1, close, new Set(['FROM']));
      if (from < 0) throw this.x.syntax(sel, 'expected FROM @stage');
      const st = this.next(from + 1);
      const stTok = this.tokens[st];
      if (stTok?.kind !== 'stage') throw this.x.syntax(st, 'expected a stage reference (@stage)');
      stage = parseStageRef(stTok.value, this.sql);
      let k = this.next(st + 1);
      if (isOp(this.tokens[k], '(') && k < close) {
        const oc = this.x.matchBracket(k, close);
        sourceOptions = this.readArrowOptions(k + 1, oc);
        k = this.next(oc + 1);
      }
      let alias: string | undefined;
      if (this.word(k) === 'AS') k = this.next(k + 1);
      if (k < close && (this.tokens[k]!.kind === 'word' || this.tokens[k]!.kind === 'quoted')) {
        alias = this.x.identName(k);
        k = this.next(k + 1);
      }
      if (k < close) throw unsupported(this.sql, 'COPY transformations with clauses after FROM');
      const items = this.x.expr(sel + 1, from).trim();
      select = { items, ...(alias !== undefined ? { alias } : {}), maxDollar: this.x.maxDollar };
      j = close + 1;
    } else throw this.x.syntax(j, 'expected @stage or (SELECT ...)');
    const options = this.readOptions(j, this.end);
    const ff = options.FILE_FORMAT;
    return {
      kind: 'copy',
      table,
      ...(columns ? { columns } : {}),
      stage,
      ...(select ? { select } : {}),
      sourceOptions,
      options,
      fileFormat: asOptionMap(ff),
    };
  }

  /** Reads `NAME => value` pairs (stage source options). */
  private readArrowOptions(start: number, end: number): OptionMap {
    const out: Record<string, OptionValue> = {};
    for (const r of this.x.splitTopLevel(start, end)) {
      const k = this.x.next(r.start, r.end);
      const arrow = this.x.next(k + 1, r.end);
      const v = this.tokens[this.x.next(arrow + 1, r.end)];
      if (!isOp(this.tokens[arrow], '=>') || v === undefined) throw this.x.syntax(k, 'expected NAME => value');
      out[this.x.identName(k).toUpperCase()] = v.kind === 'string' || v.kind === 'quoted' ? v.value : v.text.toUpperCase();
    }
    return out;
  }

  /**
   * Reads `KEY = value` options until `end`: values are strings, words, numbers, `(list)` of
   * values, or nested `(KEY = value ...)` groups (returned as nested maps, e.g. FILE_FORMAT).
   * With `spaced`, `KEY value` without `=` is accepted too (TARGET_LAG, START WITH).
   */
  private readOptions(start: number, end: number, spaced = false): Record<string, OptionValue> {
    const out: Record<string, OptionValue> = {};
    let j = this.x.next(start, end);
    while (j < end) {
      const keyTok = this.tokens[j]!;
      if (isOp(keyTok, ',')) {
        j = this.x.next(j + 1, end);
        continue;
      }
      if (keyTok.kind !== 'word') throw this.x.syntax(j, `unexpected '${keyTok.text}'`);
      let key = keyTok.value;
      let k = this.x.next(j + 1, end);
      // Two-word keys: START WITH, INCREMENT BY, CLUSTER BY, COPY GRANTS
      if ((key === 'START' && this.word(k) === 'WITH') || (key === 'INCREMENT' && this.word(k) === 'BY')) {
        key = `${key} ${this.word(k)!}`;
        k = this.x.next(k + 1, end);
      }
      if (key === 'COPY' && this.word(k) === 'GRANTS') {
        j = this.x.next(k + 1, end);
        continue;
      }
      if (key === 'CLUSTER' && this.word(k) === 'BY') {
        const open = this.x.next(k + 1, end);
        j = this.x.next(this.x.matchBracket(open, end) + 1, end);
        continue;
      }
      if (key === 'WITH' || key === 'PURGE_ON') {
        j = this.x.next(k + 1, end);
        continue;
      }
      if (isOp(this.tokens[k], '=')) k = this.x.next(k + 1, end);
      else if (!spaced) {
        // A bare flag such as PURGE or TEMPORARY.
        out[key] = 'TRUE';
        j = k;
        continue;
      }
      const v = this.tokens[k];
      if (v === undefined) throw this.x.syntax(k, `missing value for ${key}`);
      if (isOp(v, '(')) {
        const close = this.x.matchBracket(k, end);
        const inner = this.x.significant(k + 1, close);
        const nested = inner.some((idx) => isOp(this.tokens[idx], '='));
        if (nested) out[key] = this.readOptions(k + 1, close);
        else out[key] = this.x.splitTopLevel(k + 1, close).map((r) => {
          const t = this.tokens[this.x.next(r.start, r.end)];
          return t?.kind === 'string' || t?.kind === 'quoted' ? t.value : (t?.text ?? '');
        });
        j = this.x.next(close + 1, end);
        continue;
      }
      if (v.kind === 'string' || v.kind === 'quoted') out[key] = v.value;
      else if (v.kind === 'word') {
        // A possibly qualified name (FORMAT_NAME = db.s.ff) or a keyword value.
        const { name, end: nameEnd } = this.x.readName(k, end);
        out[key] = [name.database, name.schema, name.name].filter((p) => p !== undefined).join('.');
        j = this.x.next(nameEnd, end);
        continue;
      } else out[key] = v.text;
      j = this.x.next(k + 1, end);
    }
    return out;
  }
}

/** A nested option group, or an empty map when `v` is not one. */
export function asOptionMap(v: OptionValue | undefined): OptionMap {
  return typeof v === 'object' && !Array.isArray(v) ? (v as OptionMap) : {};
}

/** An option value as one string (lists joined by commas). */
export function optionText(v: OptionValue | undefined): string {
  if (v === undefined) return '';
  if (typeof v === 'string') return v;
  if (Array.isArray(v)) return v.join(',');
  return Object.entries(v as OptionMap)
    .map(([k, x]) => `${k}=${optionText(x)}`)
    .join(' ');
}

/** PUT/GET are parsed from raw text: `file:///x` would otherwise start a `//` comment. */
function translateFileTransfer(sql: string, verb: 'PUT' | 'GET'): CommandStatement {
  let rest = sql.trim().replace(/;\s*$/, '').slice(3).trimStart();
  const readWord = (): string => {
    if (rest.startsWith("'")) {
      const end = rest.indexOf("'", 1);
      if (end < 0) throw syntaxErrorAt(sql, sql.length, 'unterminated string');
      const w = rest.slice(1, end);
      rest = rest.slice(end + 1).trimStart();
      return w;
    }
    const m = /^\S+/.exec(rest);
    const w = m ? m[0] : '';
    rest = rest.slice(w.length).trimStart();
    return w;
  };
  const first = readWord();
  const second = readWord();
  const file = verb === 'PUT' ? first : second;
  const stageText = verb === 'PUT' ? second : first;
  if (!/^file:\/\//i.test(file)) throw syntaxErrorAt(sql, 0, `expected a file:// URL, found '${file}'`);
  if (!stageText.startsWith('@')) throw syntaxErrorAt(sql, 0, `expected a stage reference, found '${stageText}'`);
  const localPath = decodeURIComponent(file.replace(/^file:\/\//i, ''));
  const stage = parseStageRef(stageText.slice(1), sql);
  const options: Record<string, OptionValue> = {};
  for (const m of rest.matchAll(/([A-Za-z_]+)\s*=\s*('([^']*)'|[^\s]+)/g)) options[m[1]!.toUpperCase()] = m[3] ?? m[2]!;
  if (verb === 'PUT') return { kind: 'put', localPath, stage, options };
  return { kind: 'get', stage, localDir: localPath, options };
}
