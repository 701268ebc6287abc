/**
 * A tokenizer for the Snowflake SQL dialect, used by the test server's translator.
 *
 * It knows Snowflake's lexical rules that matter when rewriting SQL for DuckDB: string
 * literals with backslash escapes and `$$...$$` bodies, `"quoted"` identifiers, `--`, `//`
 * and `/* *\/` comments, `::` casts, `=>` named arguments, `$1` staged-file columns, and
 * `@stage/path` references. Working on tokens (never regexes over raw SQL) keeps rewrites
 * from touching the inside of string literals.
 */
import { SnowflakeSqlError } from './snowflake-sql-error.js';

/** Kind of a {@link SqlToken}. */
export type SqlTokenKind =
  | 'word'
  | 'quoted'
  | 'string'
  | 'number'
  | 'op'
  | 'dollar'
  | 'stage'
  | 'ws'
  | 'comment';

/** One lexical token of Snowflake SQL. */
export interface SqlToken {
  /** Token kind. `word` covers unquoted identifiers and keywords alike. */
  readonly kind: SqlTokenKind;
  /** The token exactly as written in the source. */
  readonly text: string;
  /**
   * Decoded value: the identifier for `quoted` (without quotes, `""` unescaped), the string
   * for `string` (escapes resolved), the upper-cased word for `word`, the stage reference
   * without `@` for `stage`; equal to `text` otherwise.
   */
  readonly value: string;
  /** 0-based offset of the token in the source. */
  readonly pos: number;
}

const MULTI_CHAR_OPS = ['->>', '::', '=>', '->', '||', '<=', '>=', '<>', '!=', '=='];
const SINGLE_CHAR_OPS = new Set('()[]{},.;:*+-/%=<>?~!^&|'.split(''));

/** True for tokens that carry no meaning (whitespace and comments). */
export function isTrivia(token: SqlToken): boolean {
  return token.kind === 'ws' || token.kind === 'comment';
}

/** True when `token` is the word `word` (case-insensitive; `word` must be upper case). */
export function isWord(token: SqlToken | undefined, word?: string): boolean {
  return token !== undefined && token.kind === 'word' && (word === undefined || token.value === word);
}

/** True when `token` is the operator/punctuation `op`. */
export function isOp(token: SqlToken | undefined, op: string): boolean {
  return token !== undefined && token.kind === 'op' && token.text === op;
}

/**
 * Splits Snowflake SQL into tokens, keeping whitespace and comments so that output can be
 * re-assembled faithfully.
 *
 * @throws SnowflakeSqlError (001003) for an unterminated string, identifier or comment.
 */
export function tokenizeSql(sql: string): SqlToken[] {
  const tokens: SqlToken[] = [];
  let i = 0;
  const n = sql.length;
  const push = (kind: SqlTokenKind, start: number, end: number, value?: string): void => {
    const text = sql.slice(start, end);
    tokens.push({ kind, text, value: value ?? (kind === 'word' ? text.toUpperCase() : text), pos: start });
  };
  while (i < n) {
    const c = sql[i]!;
    const start = i;
    if (/\s/.test(c)) {
      while (i < n && /\s/.test(sql[i]!)) i++;
      push('ws', start, i);
      continue;
    }
    if ((c === '-' && sql[i + 1] === '-') || (c === '/' && sql[i + 1] === '/')) {
      while (i < n && sql[i] !== '\n') i++;
      push('comment', start, i);
      continue;
    }
    if (c === '/' && sql[i + 1] === '*') {
      const end = sql.indexOf('*/', i + 2);
      if (end < 0) throw syntaxError(sql, start, 'unterminated comment');
      i = end + 2;
      push('comment', start, i);
      continue;
    }
    if (c === "'") {
      const { end, value } = readQuotedString(sql, i);
      i = end;
      push('string', start, i, value);
      continue;
    }
    if (c === '$' && sql[i + 1] === '$') {
      const end = sql.indexOf('$$', i + 2);
      if (end < 0) throw syntaxError(sql, start, 'unterminated $$ string');
      i = end + 2;
      push('string', start, i, sql.slice(start + 2, end));
      continue;
    }
    if (c === '"') {
      let value = '';
      i++;
      for (;;) {
        if (i >= n) throw syntaxError(sql, start, 'unterminated quoted identifier');
        if (sql[i] === '"') {
          if (sql[i + 1] === '"') {
            value += '"';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        value += sql[i];
        i++;
      }
      push('quoted', start, i, value);
      continue;
    }
    if (c === '$' && /[0-9A-Za-z_]/.test(sql[i + 1] ?? '')) {
      i++;
      while (i < n && /[0-9A-Za-z_]/.test(sql[i]!)) i++;
      push('dollar', start, i);
      continue;
    }
    if (c === '@') {
      i = readStageReference(sql, i + 1);
      push('stage', start, i, sql.slice(start + 1, i));
      continue;
    }
    if (/[0-9]/.test(c) || (c === '.' && /[0-9]/.test(sql[i + 1] ?? ''))) {
      while (i < n && /[0-9]/.test(sql[i]!)) i++;
      if (sql[i] === '.' && /[0-9]/.test(sql[i + 1] ?? '')) {
        i++;
        while (i < n && /[0-9]/.test(sql[i]!)) i++;
      } else if (sql[i] === '.' && !/[A-Za-z_]/.test(sql[i + 1] ?? '')) {
        i++;
      }
      if ((sql[i] === 'e' || sql[i] === 'E') && /[0-9+-]/.test(sql[i + 1] ?? '')) {
        i += 2;
        while (i < n && /[0-9]/.test(sql[i]!)) i++;
      }
      push('number', start, i);
      continue;
    }
    if (/[A-Za-z_]/.test(c)) {
      while (i < n && /[A-Za-z0-9_$]/.test(sql[i]!)) i++;
      push('word', start, i);
      continue;
    }
    const multi = MULTI_CHAR_OPS.find((op) => sql.startsWith(op, i));
    if (multi !== undefined) {
      i += multi.length;
      push('op', start, i);
      continue;
    }
    if (SINGLE_CHAR_OPS.has(c)) {
      i++;
      push('op', start, i);
      continue;
    }
    throw syntaxError(sql, start, `unexpected '${c}'`);
  }
  return tokens;
}

/** Reads a Snowflake single-quoted string starting at `start` (the quote). */
function readQuotedString(sql: string, start: number): { end: number; value: string } {
  let i = start + 1;
  let value = '';
  for (;;) {
    if (i >= sql.length) throw syntaxError(sql, start, 'unterminated string literal');
    const ch = sql[i]!;
    if (ch === "'") {
      if (sql[i + 1] === "'") {
        value += "'";
        i += 2;
        continue;
      }
      return { end: i + 1, value };
    }
    if (ch === '\\' && i + 1 < sql.length) {
      const next = sql[i + 1]!;
      // Snowflake resolves backslash escapes inside single-quoted literals; DuckDB does not,
      // so the decoded value is what gets re-emitted.
      const map: Record<string, string> = { n: '\n', t: '\t', r: '\r', b: '\b', f: '\f', '0': '\0', "'": "'", '"': '"', '\\': '\\' };
      value += map[next] ?? next;
      i += 2;
      continue;
    }
    value += ch;
    i++;
  }
}

/** Reads the rest of a stage reference after `@`: a name, then an optional `/path`. */
function readStageReference(sql: string, start: number): number {
  let i = start;
  const n = sql.length;
  if (sql[i] === '~') i++;
  else {
    if (sql[i] === '%') i++;
    // Dotted, possibly quoted, name parts: @db.schema."My Stage"
    for (;;) {
      if (sql[i] === '"') {
        const end = sql.indexOf('"', i + 1);
        if (end < 0) throw syntaxError(sql, start - 1, 'unterminated stage name');
        i = end + 1;
      } else {
        while (i < n && /[A-Za-z0-9_$]/.test(sql[i]!)) i++;
      }
      if (sql[i] === '.' && /["A-Za-z_]/.test(sql[i + 1] ?? '')) {
        i++;
        continue;
      }
      break;
    }
  }
  if (sql[i] === '/') {
    while (i < n && !/[\s,;)'(]/.test(sql[i]!)) i++;
  }
  if (i === start) throw syntaxError(sql, start - 1, "expected a stage name after '@'");
  return i;
}

function syntaxError(sql: string, pos: number, what: string): SnowflakeSqlError {
  const { line, column } = lineAndColumn(sql, pos);
  return new SnowflakeSqlError(
    '001003',
    '42000',
    `SQL compilation error:\nsyntax error line ${line} at position ${column} ${what}.`,
    sql,
  );
}

/** 1-based line and 0-based column of `pos` in `sql`, as Snowflake reports them. */
export function lineAndColumn(sql: string, pos: number): { line: number; column: number } {
  const before = sql.slice(0, pos);
  const line = before.split('\n').length;
  const column = pos - (before.lastIndexOf('\n') + 1);
  return { line, column };
}
