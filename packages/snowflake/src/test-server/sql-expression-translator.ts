/**
 * Token-level rewriting of Snowflake expressions and queries into DuckDB SQL.
 *
 * The translator walks tokens left to right and groups them into items (an identifier chain,
 * a parenthesized group, a function call, a literal, an operator). Postfix constructs that
 * bind to the operand before them — `::type` casts, `:path` and `[i]` access on VARIANTs —
 * replace that operand item, so `raw:a.b::string` becomes `(RAW ->> '$.a.b')` without any
 * regex touching string literals. Function calls are looked up in a small table of
 * Snowflake functions with DuckDB equivalents; anything unknown passes through unchanged.
 */
import { isOp, isTrivia, isWord, type SqlToken } from './sql-tokenizer.js';
import { SnowflakeSqlError, syntaxErrorAt, unsupported } from './snowflake-sql-error.js';
import { MULTI_WORD_TYPES, isSemiStructured, isStringType, mapSnowflakeType, type MappedType, type SnowflakeTypeName } from './snowflake-types.js';

/** A possibly qualified object name, each part already case-normalized. */
export interface QualifiedName {
  readonly database?: string;
  readonly schema?: string;
  readonly name: string;
}

/** A column whose Snowflake type DuckDB cannot represent distinctly (TIMESTAMP_TZ, OBJECT, ARRAY). */
export interface DeclaredColumnType {
  readonly schema: string;
  readonly table: string;
  readonly column: string;
  readonly type: SnowflakeTypeName;
}

/** Session facts the translator needs. */
export interface TranslateContext {
  /** Current database, or null when the session has none. */
  readonly database: string | null;
  /** Current schema, or null. */
  readonly schema: string | null;
  /** Login name of the session user. */
  readonly user: string;
  /** Current role. */
  readonly role: string;
  /** Current warehouse, or null. */
  readonly warehouse: string | null;
  /** Account name the client logged in with. */
  readonly account: string;
  /** Session id as a string. */
  readonly sessionId: string;
  /** Value CURRENT_VERSION() returns. */
  readonly version: string;
  /** Declared types of columns in `database` that DuckDB stores ambiguously. */
  readonly declaredTypes?: (database: string) => readonly DeclaredColumnType[];
}

/** A `@stage/path` reference, parts case-normalized. */
export interface StageRef {
  /** `named` for `@name`, `user` for `@~`, `table` for `@%table`. */
  readonly kind: 'named' | 'user' | 'table';
  /** The stage (or table, for table stages) name. Empty for the user stage. */
  readonly name: QualifiedName;
  /** Path inside the stage without leading or trailing slashes, possibly empty. */
  readonly path: string;
  /** The reference as written, without `@`. */
  readonly text: string;
}

/** A stage read in a FROM clause, resolved by the server after translation. */
export interface StageSourcePlaceholder {
  /** Unique text in the translated SQL to replace with the reader subquery. */
  readonly placeholder: string;
  readonly ref: StageRef;
  /** `FILE_FORMAT => 'name'` option, if given. */
  readonly fileFormat?: string;
  /** `PATTERN => 'regex'` option, if given. */
  readonly pattern?: string;
}

interface Item {
  text: string;
  operand: boolean;
  trivia?: boolean;
  /** For `x:path` results: the base operand SQL and the JSON path, so a cast can pick `->>`. */
  path?: { base: string; jsonPath: string };
  /** Snowflake type of the expression when a cast or constructor made it explicit. */
  hint?: SnowflakeTypeName;
  /** Upper-case keyword text for single words (used to find CASE ... END operands). */
  keyword?: string;
}

interface Range {
  start: number;
  end: number;
}

/** A translated top-level query. */
export interface TranslatedQuery {
  readonly sql: string;
  /** Snowflake type per select item where the SQL made it explicit; empty when the list has `*`. */
  readonly hints: readonly (SnowflakeTypeName | undefined)[];
  /** The single table in the FROM clause, when there is exactly one and no join. */
  readonly sourceTable?: QualifiedName;
}

const QUERY_CLAUSE_ENDS = new Set(['FROM', 'WHERE', 'GROUP', 'HAVING', 'QUALIFY', 'ORDER', 'LIMIT', 'UNION', 'EXCEPT', 'INTERSECT', 'MINUS', 'WINDOW', 'INTO', 'FETCH', 'OFFSET']);
const NOT_AN_ALIAS = new Set(['END', 'NULL', 'TRUE', 'FALSE', 'AND', 'OR', 'NOT', 'IS', 'IN', 'LIKE', 'ILIKE', 'BETWEEN', 'THEN', 'ELSE', 'WHEN', 'DISTINCT', 'ASC', 'DESC', 'CASE', 'AS', 'FROM']);
/**
 * Words DuckDB reserves that Snowflake SQL only ever uses as identifiers (`semi`, `at`,
 * `asof`, ...): always quoted, so a table called SEMI still parses.
 */
const DUCKDB_ONLY_KEYWORDS = new Set(['SEMI', 'ANTI', 'ASOF', 'AT', 'POSITIONAL', 'LAMBDA', 'GLOB', 'RETURNING', 'ANALYSE', 'ANALYZE', 'PLACING', 'VARIADIC', 'SYMMETRIC', 'ASYMMETRIC', 'DEFERRABLE', 'INITIALLY', 'SUMMARIZE', 'PIVOT_LONGER', 'PIVOT_WIDER', 'BOTH', 'LEADING', 'TRAILING', 'DO', 'UNPACK', 'FREEZE', 'VERBOSE', 'CONCURRENTLY', 'OVERLAPS', 'ISNULL', 'NOTNULL']);
const NON_OPERAND_KEYWORDS = new Set(['SELECT', 'FROM', 'WHERE', 'AND', 'OR', 'NOT', 'ON', 'JOIN', 'AS', 'BY', 'GROUP', 'ORDER', 'HAVING', 'QUALIFY', 'LIMIT', 'WHEN', 'THEN', 'ELSE', 'CASE', 'IN', 'IS', 'LIKE', 'ILIKE', 'SET', 'VALUES', 'INTO', 'USING', 'UNION', 'ALL', 'DISTINCT', 'WITH', 'OVER', 'PARTITION', 'BETWEEN']);

/** Quotes an identifier for DuckDB. */
export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** Renders a string as a DuckDB string literal. */
export function sqlString(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

/** Renders a qualified name for DuckDB, each part quoted. */
export function qualifiedSql(name: QualifiedName): string {
  return [name.database, name.schema, name.name].filter((p): p is string => p !== undefined).map(quoteIdent).join('.');
}

/** Renders a qualified name the way Snowflake prints it in messages (`DB.SCHEMA.T`). */
export function displayName(name: QualifiedName): string {
  return [name.database, name.schema, name.name].filter((p): p is string => p !== undefined).join('.');
}

/**
 * Rewrites token ranges of one Snowflake statement into DuckDB SQL. One instance per
 * statement; it collects what the server must resolve afterwards (stage reads, `$n` use).
 */
export class ExpressionTranslator {
  /** Highest `$n` referenced (staged-file columns). */
  maxDollar = 0;
  /** Stage reads found in FROM clauses. */
  readonly stageSources: StageSourcePlaceholder[] = [];
  /** Whether the statement uses `?` or `:n` bind placeholders. */
  usesBinds = false;
  private flattenCount = 0;

  constructor(
    readonly sql: string,
    readonly tokens: readonly SqlToken[],
    readonly ctx: TranslateContext,
  ) {}

  // ---------------------------------------------------------------- token helpers

  /** Index of the first non-trivia token at or after `i` (bounded by `end`), or `end`. */
  next(i: number, end = this.tokens.length): number {
    while (i < end && isTrivia(this.tokens[i]!)) i++;
    return i;
  }

  /** Index of the last non-trivia token before `i` (not below `start`), or `start - 1`. */
  prev(i: number, start = 0): number {
    i--;
    while (i >= start && isTrivia(this.tokens[i]!)) i--;
    return i;
  }

  /** Index of the bracket closing the one at `open` (`(`, `[` or `{`). */
  matchBracket(open: number, end = this.tokens.length): number {
    const openText = this.tokens[open]!.text;
    const closeText = openText === '(' ? ')' : openText === '[' ? ']' : '}';
    let depth = 0;
    for (let i = open; i < end; i++) {
      const t = this.tokens[i]!;
      if (t.kind !== 'op') continue;
      if (t.text === '(' || t.text === '[' || t.text === '{') depth++;
      else if (t.text === ')' || t.text === ']' || t.text === '}') {
        depth--;
        if (depth === 0) {
          if (t.text !== closeText) throw this.syntax(i, `unexpected '${t.text}'`);
          return i;
        }
      }
    }
    throw this.syntax(open, `unmatched '${openText}'`);
  }

  /** Splits `[start, end)` at depth-0 occurrences of `sep` (default `,`). */
  splitTopLevel(start: number, end: number, sep = ','): Range[] {
    const out: Range[] = [];
    let depth = 0;
    let from = start;
    for (let i = start; i < end; i++) {
      const t = this.tokens[i]!;
      if (t.kind !== 'op') continue;
      if (t.text === '(' || t.text === '[' || t.text === '{') depth++;
      else if (t.text === ')' || t.text === ']' || t.text === '}') depth--;
      else if (depth === 0 && t.text === sep) {
        out.push({ start: from, end: i });
        from = i + 1;
      }
    }
    if (from < end || out.length > 0) out.push({ start: from, end });
    return out.filter((r) => this.next(r.start, r.end) < r.end || out.length > 1);
  }

  /** Index of the first depth-0 word in `words` within `[start, end)`, or -1. */
  findTopLevelWord(start: number, end: number, words: ReadonlySet<string>): number {
    let depth = 0;
    for (let i = start; i < end; i++) {
      const t = this.tokens[i]!;
      if (t.kind === 'op') {
        if (t.text === '(' || t.text === '[' || t.text === '{') depth++;
        else if (t.text === ')' || t.text === ']' || t.text === '}') depth--;
      } else if (depth === 0 && t.kind === 'word' && words.has(t.value)) return i;
    }
    return -1;
  }

  /** Non-trivia token indices in `[start, end)`. */
  significant(start: number, end: number): number[] {
    const out: number[] = [];
    for (let i = start; i < end; i++) if (!isTrivia(this.tokens[i]!)) out.push(i);
    return out;
  }

  /** The source text of `[start, end)`. */
  source(start: number, end: number): string {
    return this.tokens
      .slice(start, end)
      .map((t) => t.text)
      .join('');
  }

  syntax(i: number, detail: string): SnowflakeSqlError {
    const t = this.tokens[Math.min(i, this.tokens.length - 1)];
    return syntaxErrorAt(this.sql, t ? t.pos : this.sql.length, detail);
  }

  /** An identifier token's normalized name: unquoted words upper-cased, quoted kept as written. */
  identName(i: number): string {
    const t = this.tokens[i];
    if (t?.kind === 'word') return t.value;
    if (t?.kind === 'quoted') return t.value;
    throw this.syntax(i, t ? `unexpected '${t.text}'` : 'unexpected end of statement');
  }

  /**
   * Reads a possibly qualified name (`a`, `s.t`, `db.s.t`, `IDENTIFIER('db.s.t')`) starting at
   * the first non-trivia token at or after `i`.
   */
  readName(i: number, end = this.tokens.length): { name: QualifiedName; end: number } {
    let j = this.next(i, end);
    const t = this.tokens[j];
    if (isWord(t, 'IDENTIFIER') && isOp(this.tokens[this.next(j + 1, end)], '(')) {
      const open = this.next(j + 1, end);
      const close = this.matchBracket(open, end);
      const arg = this.tokens[this.next(open + 1, close)];
      if (arg?.kind !== 'string' && arg?.kind !== 'quoted') throw unsupported(this.sql, 'IDENTIFIER() with a non-literal argument');
      return { name: parseNameText(arg.kind === 'quoted' ? `"${arg.value}"` : arg.value), end: close + 1 };
    }
    const parts: string[] = [this.identName(j)];
    j++;
    while (j + 1 < end && isOp(this.tokens[j], '.') && (this.tokens[j + 1]!.kind === 'word' || this.tokens[j + 1]!.kind === 'quoted')) {
      parts.push(this.identName(j + 1));
      j += 2;
    }
    if (parts.length > 3) throw this.syntax(j, 'too many name parts');
    return { name: partsToName(parts), end: j };
  }

  /** Parses a Snowflake type at the first non-trivia token at or after `i`. */
  readType(i: number, end = this.tokens.length): { type: MappedType | undefined; sql: string; end: number } {
    let j = this.next(i, end);
    const first = this.tokens[j];
    if (first?.kind !== 'word' && first?.kind !== 'quoted') throw this.syntax(j, first ? `unexpected '${first.text}'` : 'expected a type');
    let name = first.kind === 'word' ? first.value : first.value.toUpperCase();
    let k = j + 1;
    for (const words of MULTI_WORD_TYPES) {
      if (words[0] !== name) continue;
      let m = j + 1;
      let ok = true;
      for (const w of words.slice(1)) {
        m = this.next(m, end);
        if (!isWord(this.tokens[m], w)) {
          ok = false;
          break;
        }
        m++;
      }
      if (ok) {
        name = words.join(' ');
        k = m;
        break;
      }
    }
    const args: string[] = [];
    const after = this.next(k, end);
    if (isOp(this.tokens[after], '(')) {
      const close = this.matchBracket(after, end);
      for (const r of this.splitTopLevel(after + 1, close)) args.push(this.source(r.start, r.end).trim());
      k = close + 1;
    }
    const mapped = mapSnowflakeType(name, args);
    const sql = mapped ? mapped.duckdb : this.source(j, k).trim();
    return { type: mapped, sql, end: k };
  }

  // ---------------------------------------------------------------- expressions

  /** Translates the tokens in `[start, end)`. */
  expr(start: number, end: number): string {
    return this.items(start, end)
      .map((x) => x.text)
      .join('');
  }

  /** Translates `[start, end)` and reports an explicit type when it is a single cast. */
  exprWithHint(start: number, end: number): { text: string; hint: SnowflakeTypeName | undefined } {
    const items = this.items(start, end);
    const solid = items.filter((x) => !x.trivia);
    return { text: items.map((x) => x.text).join(''), hint: solid.length === 1 ? solid[0]!.hint : undefined };
  }

  /** Translates `[start, end)` and reports the VARIANT path when it is a single `x:path`. */
  exprWithPath(start: number, end: number): { text: string; path: { base: string; jsonPath: string } | undefined } {
    const items = this.items(start, end);
    const solid = items.filter((x) => !x.trivia);
    return { text: items.map((x) => x.text).join('').trim(), path: solid.length === 1 ? solid[0]!.path : undefined };
  }

  private items(start: number, end: number): Item[] {
    const items: Item[] = [];
    let i = start;
    while (i < end) {
      const t = this.tokens[i]!;
      switch (t.kind) {
        case 'ws':
          items.push({ text: t.text, operand: false, trivia: true });
          i++;
          break;
        case 'comment':
          // `//` comments are Snowflake-only syntax; all comments become a space.
          items.push({ text: ' ', operand: false, trivia: true });
          i++;
          break;
        case 'string':
          items.push({ text: sqlString(t.value), operand: true });
          i++;
          break;
        case 'number':
          items.push({ text: t.text, operand: true });
          i++;
          break;
        case 'dollar': {
          const n = Number(t.text.slice(1));
          if (Number.isInteger(n)) this.maxDollar = Math.max(this.maxDollar, n);
          items.push({ text: quoteIdent(t.text), operand: true });
          i++;
          break;
        }
        case 'stage':
          i = this.stageSource(i, end, items);
          break;
        case 'word':
        case 'quoted':
          i = this.wordOrChain(i, end, items);
          break;
        case 'op':
          i = this.operator(i, end, items);
          break;
      }
    }
    return items;
  }

  private lastSolid(items: Item[]): number {
    for (let k = items.length - 1; k >= 0; k--) if (!items[k]!.trivia) return k;
    return -1;
  }

  private wordOrChain(i: number, end: number, items: Item[]): number {
    const t = this.tokens[i]!;
    if (t.kind === 'word') {
      const v = t.value;
      if (v.startsWith('METADATA$')) {
        items.push({ text: quoteIdent(v), operand: true });
        return i + 1;
      }
      if (v === 'MINUS') {
        items.push({ text: 'EXCEPT', operand: false });
        return i + 1;
      }
      if ((v === 'RLIKE' || v === 'REGEXP') && !isOp(this.tokens[this.next(i + 1, end)], '(')) {
        // Snowflake's infix RLIKE matches the whole string, as DuckDB's SIMILAR TO does.
        items.push({ text: 'SIMILAR TO', operand: false });
        return i + 1;
      }
      if (v === 'TABLE') {
        const gen = this.generatorAt(i, end, items);
        if (gen >= 0) return gen;
      }
      if (v === 'LATERAL' || v === 'TABLE' || v === 'FLATTEN') {
        const flat = this.flattenAt(i, end);
        if (flat) return this.flatten(flat, end, items);
      }
      const after = this.next(i + 1, end);
      if (isOp(this.tokens[after], '(') && !(isOp(this.tokens[i - 1], '.'))) return this.call(i, after, end, items);
    }
    // An identifier chain: a, a.b, a.b.c, a.*, alias.$1
    const parts: SqlToken[] = [t];
    let j = i + 1;
    while (j + 1 < end && isOp(this.tokens[j], '.')) {
      const nt = this.tokens[j + 1]!;
      if (nt.kind === 'word' || nt.kind === 'quoted' || nt.kind === 'dollar' || isOp(nt, '*')) {
        parts.push(nt);
        j += 2;
      } else break;
    }
    // A qualified function call: schema.fn(...)
    const after = this.next(j, end);
    if (parts.length > 1 && isOp(this.tokens[after], '(') && parts[parts.length - 1]!.kind === 'word') {
      const close = this.matchBracket(after, end);
      const name = parts.map((p) => (p.kind === 'quoted' ? quoteIdent(p.value) : p.value)).join('.');
      items.push({ text: `${name}(${this.expr(after + 1, close)})`, operand: true });
      return close + 1;
    }
    const names = parts.map((p) => (p.kind === 'quoted' ? p.value : p.value.toUpperCase()));
    if (parts.length >= 2 && parts[parts.length - 1]!.kind === 'word' && names[parts.length - 1] === 'NEXTVAL') {
      items.push({ text: `nextval(${sqlString(names.slice(0, -1).map(quoteIdent).join('.'))})`, operand: true });
      return j;
    }
    if (parts.length >= 2 && parts.length <= 3 && names[parts.length - 2] === 'INFORMATION_SCHEMA' && parts.every((p) => p.kind !== 'dollar')) {
      const database = parts.length === 3 ? names[0]! : this.ctx.database;
      items.push({ text: this.informationSchema(names[parts.length - 1]!, database), operand: true });
      return j;
    }
    const text = parts
      .map((p) => {
        if (p.kind === 'quoted' || p.kind === 'dollar') return quoteIdent(p.kind === 'quoted' ? p.value : p.text);
        if (p.kind === 'op') return '*';
        return DUCKDB_ONLY_KEYWORDS.has(p.value) ? quoteIdent(p.value) : p.value;
      })
      .join('.');
    const single = parts.length === 1 && t.kind === 'word' ? t.value : undefined;
    items.push({ text, operand: single === undefined || !NON_OPERAND_KEYWORDS.has(single), ...(single ? { keyword: single } : {}) });
    return j;
  }

  private operator(i: number, end: number, items: Item[]): number {
    const t = this.tokens[i]!;
    switch (t.text) {
      case '(': {
        const close = this.matchBracket(i, end);
        items.push({ text: `(${this.group(i + 1, close)})`, operand: true });
        return close + 1;
      }
      case '{': {
        const close = this.matchBracket(i, end);
        items.push({ text: `{${this.expr(i + 1, close)}}`, operand: true });
        return close + 1;
      }
      case '::':
        return this.castPostfix(i, end, items);
      case ':': {
        const nt = this.tokens[i + 1];
        const last = this.lastSolid(items);
        const adjacent = last === items.length - 1 && last >= 0 && items[last]!.operand;
        if (adjacent && (nt?.kind === 'word' || nt?.kind === 'quoted')) return this.pathPostfix(i, end, items, last);
        if (nt?.kind === 'number' && /^\d+$/.test(nt.text) && !adjacent) {
          this.usesBinds = true;
          items.push({ text: `$${nt.text}`, operand: true });
          return i + 2;
        }
        // `{'key': value}` object constants keep their colon.
        items.push({ text: ':', operand: false });
        return i + 1;
      }
      case '[': {
        const last = this.lastSolid(items);
        if (last === items.length - 1 && last >= 0 && items[last]!.operand) return this.pathPostfix(i, end, items, last);
        const close = this.matchBracket(i, end);
        items.push({ text: `[${this.expr(i + 1, close)}]`, operand: true });
        return close + 1;
      }
      case '?':
        this.usesBinds = true;
        items.push({ text: '?', operand: true });
        return i + 1;
      case '=>':
        items.push({ text: ':=', operand: false });
        return i + 1;
      case '==':
        items.push({ text: '=', operand: false });
        return i + 1;
      default:
        items.push({ text: t.text, operand: false });
        return i + 1;
    }
  }

  /** Start index (in `items`) of the operand ending at `last`: handles CASE ... END. */
  private operandStart(items: Item[], last: number): number {
    if (items[last]!.keyword !== 'END') return last;
    let depth = 0;
    for (let k = last; k >= 0; k--) {
      const kw = items[k]!.keyword;
      if (kw === 'END') depth++;
      else if (kw === 'CASE') {
        depth--;
        if (depth === 0) return k;
      }
    }
    return last;
  }

  private castPostfix(i: number, end: number, items: Item[]): number {
    const last = this.lastSolid(items);
    if (last < 0 || !items[last]!.operand) throw this.syntax(i, "unexpected '::'");
    const from = this.operandStart(items, last);
    const operand = items.slice(from, last + 1);
    const text = operand.map((x) => x.text).join('');
    const { type, sql, end: typeEnd } = this.readType(i + 1, end);
    const single = operand.length === 1 ? operand[0] : undefined;
    const cast = castSql(text, single?.path, type, sql, false);
    items.splice(from, items.length - from, { text: cast, operand: true, ...(type ? { hint: type.snowflake } : {}) });
    return typeEnd;
  }

  /** Handles `:key.key[0]` and `[0]`/`['key']` after an operand. */
  private pathPostfix(i: number, end: number, items: Item[], last: number): number {
    const base = items[last]!;
    const baseSql = base.path ? base.path.base : base.text;
    let jsonPath = base.path ? base.path.jsonPath : '$';
    let j = i;
    let dynamic: string | undefined;
    if (isOp(this.tokens[j], ':')) {
      const seg = this.tokens[j + 1]!;
      jsonPath += jsonKey(seg.kind === 'quoted' ? seg.value : seg.text);
      j += 2;
    }
    for (;;) {
      const t = this.tokens[j];
      if (isOp(t, '.') && (this.tokens[j + 1]?.kind === 'word' || this.tokens[j + 1]?.kind === 'quoted')) {
        const seg = this.tokens[j + 1]!;
        jsonPath += jsonKey(seg.kind === 'quoted' ? seg.value : seg.text);
        j += 2;
        continue;
      }
      if (isOp(t, '[')) {
        const close = this.matchBracket(j, end);
        const inner = this.significant(j + 1, close);
        const only = inner.length === 1 ? this.tokens[inner[0]!]! : undefined;
        if (only?.kind === 'number' && /^\d+$/.test(only.text)) jsonPath += `[${only.text}]`;
        else if (only?.kind === 'string') jsonPath += jsonKey(only.value);
        else {
          // A computed index or key: apply what we have so far, then index dynamically.
          dynamic = `(${pathSql(baseSql, jsonPath)} -> ${this.expr(j + 1, close)})`;
          j = close + 1;
          break;
        }
        j = close + 1;
        continue;
      }
      break;
    }
    if (dynamic !== undefined) items.splice(last, items.length - last, { text: dynamic, operand: true, hint: 'VARIANT' });
    else items.splice(last, items.length - last, { text: pathSql(baseSql, jsonPath), operand: true, path: { base: baseSql, jsonPath }, hint: 'VARIANT' });
    return j;
  }

  // ---------------------------------------------------------------- function calls

  private call(i: number, open: number, end: number, items: Item[]): number {
    const name = this.tokens[i]!.value;
    const argsClose = this.matchBracket(open, end);
    let close = argsClose;
    const args = this.splitTopLevel(open + 1, argsClose);
    // LISTAGG(x, ',') WITHIN GROUP (ORDER BY y) -> STRING_AGG(x, ',' ORDER BY y)
    let withinGroup: string | undefined;
    const w = this.next(close + 1, end);
    if (isWord(this.tokens[w], 'WITHIN')) {
      const g = this.next(w + 1, end);
      const p = this.next(g + 1, end);
      if (isWord(this.tokens[g], 'GROUP') && isOp(this.tokens[p], '(')) {
        const pc = this.matchBracket(p, end);
        withinGroup = this.expr(p + 1, pc).trim();
        close = pc;
      }
    }
    const rewrite = FUNCTIONS[name];
    if (rewrite) {
      const out = rewrite(this, args, { name, open, withinGroup });
      if (out !== undefined) {
        items.push({ text: out.text, operand: true, ...(out.hint ? { hint: out.hint } : {}) });
        return close + 1;
      }
    }
    const inner = this.group(open + 1, argsClose);
    const text = `${name}${this.source(i + 1, open)}(${inner}${withinGroup ? ` ${withinGroup}` : ''})`;
    items.push({ text, operand: !NON_OPERAND_KEYWORDS.has(name) || name === 'VALUES', keyword: name });
    return close + 1;
  }

  /**
   * Translates the inside of parentheses: a subquery gets Snowflake column naming too (so
   * `select "COUNT(*)" from (select count(*) from t)` works as in Snowflake), anything else is
   * an expression list.
   */
  private group(start: number, end: number): string {
    const first = this.tokens[this.next(start, end)];
    if (isWord(first, 'SELECT') || isWord(first, 'WITH')) return this.query(start, end).sql;
    return this.expr(start, end);
  }

  /** Translated argument text. */
  arg(r: Range): string {
    return this.expr(r.start, r.end).trim();
  }

  /** A date/time part argument (`day`, `'day'`, `DAYS`) as a canonical DuckDB part literal. */
  datePart(r: Range): string {
    const name = this.datePartName(r);
    return name === undefined ? this.arg(r) : sqlString(name);
  }

  /** The canonical DuckDB name of a literal date/time part argument, if it is one. */
  datePartName(r: Range): string | undefined {
    const sig = this.significant(r.start, r.end);
    const t = sig.length === 1 ? this.tokens[sig[0]!]! : undefined;
    const raw = t?.kind === 'string' ? t.value : t?.kind === 'word' ? t.value : undefined;
    return raw === undefined ? undefined : normalizeDatePart(raw);
  }

  // ---------------------------------------------------------------- GENERATOR

  /** `TABLE(GENERATOR(ROWCOUNT => n))` becomes `range(n)`; returns the next index, or -1. */
  private generatorAt(i: number, end: number, items: Item[]): number {
    const open = this.next(i + 1, end);
    if (!isOp(this.tokens[open], '(')) return -1;
    const g = this.next(open + 1, end);
    const gOpen = this.next(g + 1, end);
    if (!isWord(this.tokens[g], 'GENERATOR') || !isOp(this.tokens[gOpen], '(')) return -1;
    const close = this.matchBracket(open, end);
    const gClose = this.matchBracket(gOpen, end);
    let rows: string | undefined;
    for (const r of this.splitTopLevel(gOpen + 1, gClose)) {
      const k = this.next(r.start, r.end);
      const arrow = this.next(k + 1, r.end);
      if (isWord(this.tokens[k], 'ROWCOUNT') && isOp(this.tokens[arrow], '=>')) rows = this.expr(arrow + 1, r.end).trim();
      else throw unsupported(this.sql, 'GENERATOR without ROWCOUNT');
    }
    if (rows === undefined) throw unsupported(this.sql, 'GENERATOR without ROWCOUNT');
    items.push({ text: `(SELECT range AS "__GEN" FROM range(${rows}))`, operand: true });
    return close + 1;
  }

  // ---------------------------------------------------------------- FLATTEN

  /** If a FLATTEN call starts at `i` (LATERAL / TABLE( / FLATTEN), returns its parts. */
  private flattenAt(i: number, end: number): { argsOpen: number; argsClose: number; last: number } | undefined {
    let j = i;
    if (isWord(this.tokens[j], 'LATERAL')) j = this.next(j + 1, end);
    let tableClose: number | undefined;
    if (isWord(this.tokens[j], 'TABLE')) {
      const p = this.next(j + 1, end);
      if (!isOp(this.tokens[p], '(')) return undefined;
      tableClose = this.matchBracket(p, end);
      j = this.next(p + 1, end);
    }
    if (!isWord(this.tokens[j], 'FLATTEN')) return undefined;
    const argsOpen = this.next(j + 1, end);
    if (!isOp(this.tokens[argsOpen], '(')) return undefined;
    const argsClose = this.matchBracket(argsOpen, end);
    return { argsOpen, argsClose, last: tableClose ?? argsClose };
  }

  private flatten(f: { argsOpen: number; argsClose: number; last: number }, end: number, items: Item[]): number {
    const named = new Map<string, Range>();
    for (const [index, r] of this.splitTopLevel(f.argsOpen + 1, f.argsClose).entries()) {
      const s = this.next(r.start, r.end);
      const arrow = this.next(s + 1, r.end);
      if (this.tokens[s]?.kind === 'word' && isOp(this.tokens[arrow], '=>')) named.set(this.tokens[s]!.value, { start: arrow + 1, end: r.end });
      else if (index === 0) named.set('INPUT', r);
      else throw this.syntax(s, 'FLATTEN arguments must be named');
    }
    const input = named.get('INPUT');
    if (!input) throw this.syntax(f.argsOpen, 'FLATTEN requires INPUT =>');
    const flag = (key: string): boolean => {
      const r = named.get(key);
      return r !== undefined && /^TRUE$/i.test(this.source(r.start, r.end).trim());
    };
    const literal = (key: string): string | undefined => {
      const r = named.get(key);
      if (!r) return undefined;
      const t = this.tokens[this.next(r.start, r.end)];
      return t?.kind === 'string' ? t.value : this.source(r.start, r.end).trim();
    };
    const outer = flag('OUTER');
    const recursive = flag('RECURSIVE');
    const path = literal('PATH');
    const mode = (literal('MODE') ?? 'BOTH').toUpperCase();
    let inputSql = `CAST((${this.arg(input)}) AS JSON)`;
    if (path) inputSql = `json_extract(${inputSql}, ${sqlString(`$${path.split('.').map((p) => jsonKey(p)).join('')}`)})`;
    const filters: string[] = [];
    if (recursive) filters.push(`__E.fullkey <> '$'`);
    if (mode === 'ARRAY') filters.push(`json_type(__F.__THIS) = 'ARRAY'`);
    if (mode === 'OBJECT') filters.push(`json_type(__F.__THIS) = 'OBJECT'`);
    const isIndex = `suffix(__E.fullkey, ']')`;
    const sub =
      `(SELECT CAST(1 AS BIGINT) AS "SEQ", CASE WHEN ${isIndex} THEN NULL ELSE __E.key END AS "KEY", ` +
      `regexp_replace(__E.fullkey, '^\\$\\.?', '') AS "PATH", CASE WHEN ${isIndex} THEN CAST(__E.key AS BIGINT) END AS "INDEX", ` +
      `__E.value AS "VALUE", __F.__THIS AS "THIS" FROM (SELECT ${inputSql} AS __THIS) AS __F, ${recursive ? 'json_tree' : 'json_each'}(__F.__THIS) AS __E` +
      `${filters.length ? ` WHERE ${filters.join(' AND ')}` : ''} ORDER BY __E.id)`;
    // Alias: [AS] name
    let j = this.next(f.last + 1, end);
    let alias: string;
    if (isWord(this.tokens[j], 'AS')) j = this.next(j + 1, end);
    const at = this.tokens[j];
    if ((at?.kind === 'word' && !QUERY_CLAUSE_ENDS.has(at.value) && !['ON', 'JOIN', 'LEFT', 'INNER', 'CROSS', 'LATERAL', 'USING'].includes(at.value)) || at?.kind === 'quoted') {
      alias = at.kind === 'quoted' ? quoteIdent(at.value) : at.value;
      j++;
    } else {
      alias = `FLATTEN_${++this.flattenCount}`;
      j = f.last + 1;
    }
    const last = this.lastSolid(items);
    if (outer && last >= 0 && items[last]!.text === ',') {
      items.splice(last, items.length - last, { text: ` LEFT JOIN LATERAL ${sub} AS ${alias} ON TRUE`, operand: false });
    } else {
      const afterFrom = last >= 0 && items[last]!.keyword === 'FROM';
      items.push({ text: `${afterFrom ? '' : 'LATERAL '}${sub} AS ${alias}`, operand: false });
    }
    return j;
  }

  // ---------------------------------------------------------------- stages in FROM

  private stageSource(i: number, end: number, items: Item[]): number {
    const ref = parseStageRef(this.tokens[i]!.value, this.sql);
    let j = i + 1;
    let fileFormat: string | undefined;
    let pattern: string | undefined;
    const p = this.next(j, end);
    if (isOp(this.tokens[p], '(')) {
      const close = this.matchBracket(p, end);
      for (const r of this.splitTopLevel(p + 1, close)) {
        const s = this.next(r.start, r.end);
        const arrow = this.next(s + 1, r.end);
        const v = this.tokens[this.next(arrow + 1, r.end)];
        if (!isOp(this.tokens[arrow], '=>') || v === undefined) throw this.syntax(s, 'expected NAME => value');
        const key = this.tokens[s]!.value;
        const value = v.kind === 'string' || v.kind === 'quoted' ? v.value : v.text;
        if (key === 'FILE_FORMAT') fileFormat = value;
        else if (key === 'PATTERN') pattern = value;
      }
      j = close + 1;
    }
    const placeholder = `\u0000STAGE${this.stageSources.length}\u0000`;
    this.stageSources.push({ placeholder, ref, ...(fileFormat ? { fileFormat } : {}), ...(pattern ? { pattern } : {}) });
    items.push({ text: placeholder, operand: true });
    return j;
  }

  // ---------------------------------------------------------------- INFORMATION_SCHEMA

  private informationSchema(view: string, database: string | null): string {
    if (database === null) throw new SnowflakeSqlError('090105', '22000', 'Cannot perform SELECT. This session does not have a current database. Call \'USE DATABASE\', or use a qualified name.', this.sql);
    const db = sqlString(database);
    const hidden = `('main', 'information_schema', 'pg_catalog')`;
    switch (view) {
      case 'TABLES':
        return (
          `(SELECT database_name AS "TABLE_CATALOG", schema_name AS "TABLE_SCHEMA", table_name AS "TABLE_NAME", 'ACCOUNTADMIN' AS "TABLE_OWNER", ` +
          `CASE WHEN temporary THEN 'LOCAL TEMPORARY' ELSE 'BASE TABLE' END AS "TABLE_TYPE", 'NO' AS "IS_TRANSIENT", CAST(estimated_size AS BIGINT) AS "ROW_COUNT", ` +
          `CAST(NULL AS BIGINT) AS "BYTES", CAST(NULL AS TIMESTAMPTZ) AS "CREATED", CAST(NULL AS TIMESTAMPTZ) AS "LAST_ALTERED", comment AS "COMMENT" ` +
          `FROM duckdb_tables() WHERE database_name = ${db} AND schema_name NOT IN ${hidden} ` +
          `UNION ALL SELECT database_name, schema_name, view_name, 'ACCOUNTADMIN', 'VIEW', 'NO', CAST(NULL AS BIGINT), CAST(NULL AS BIGINT), CAST(NULL AS TIMESTAMPTZ), CAST(NULL AS TIMESTAMPTZ), comment ` +
          `FROM duckdb_views() WHERE NOT internal AND database_name = ${db} AND schema_name NOT IN ${hidden})`
        );
      case 'VIEWS':
        return (
          `(SELECT database_name AS "TABLE_CATALOG", schema_name AS "TABLE_SCHEMA", view_name AS "TABLE_NAME", 'ACCOUNTADMIN' AS "TABLE_OWNER", sql AS "VIEW_DEFINITION", 'NO' AS "IS_SECURE", comment AS "COMMENT" ` +
          `FROM duckdb_views() WHERE NOT internal AND database_name = ${db} AND schema_name NOT IN ${hidden})`
        );
      case 'SCHEMATA':
        return (
          `(SELECT database_name AS "CATALOG_NAME", schema_name AS "SCHEMA_NAME", 'ACCOUNTADMIN' AS "SCHEMA_OWNER", 'NO' AS "IS_TRANSIENT", comment AS "COMMENT" ` +
          `FROM duckdb_schemas() WHERE database_name = ${db} AND schema_name NOT IN ${hidden} ` +
          `UNION ALL SELECT ${db}, 'INFORMATION_SCHEMA', 'ACCOUNTADMIN', 'NO', 'Views describing the contents of schemas in this database')`
        );
      case 'DATABASES':
        return `(SELECT database_name AS "DATABASE_NAME", 'ACCOUNTADMIN' AS "DATABASE_OWNER", 'NO' AS "IS_TRANSIENT", comment AS "COMMENT" FROM duckdb_databases() WHERE NOT internal AND database_name NOT IN ('memory', 'temp', 'system'))`;
      case 'COLUMNS': {
        const declared = this.ctx.declaredTypes?.(database) ?? [];
        const overrides = declared.length
          ? `(VALUES ${declared.map((d) => `(${sqlString(d.schema)}, ${sqlString(d.table)}, ${sqlString(d.column)}, ${sqlString(d.type)})`).join(', ')}) AS __D(s, t, c, ty)`
          : `(SELECT NULL AS s, NULL AS t, NULL AS c, NULL AS ty WHERE FALSE) AS __D`;
        const dataType =
          `COALESCE(__D.ty, CASE WHEN data_type LIKE 'DECIMAL%' OR data_type IN ('TINYINT','SMALLINT','INTEGER','BIGINT','HUGEINT','UTINYINT','USMALLINT','UINTEGER','UBIGINT') THEN 'NUMBER' ` +
          `WHEN data_type IN ('DOUBLE','FLOAT') THEN 'FLOAT' WHEN data_type = 'VARCHAR' THEN 'TEXT' WHEN data_type = 'JSON' THEN 'VARIANT' ` +
          `WHEN data_type = 'TIMESTAMP' THEN 'TIMESTAMP_NTZ' WHEN data_type = 'TIMESTAMP WITH TIME ZONE' THEN 'TIMESTAMP_LTZ' WHEN data_type = 'BLOB' THEN 'BINARY' ELSE data_type END)`;
        return (
          `(SELECT database_name AS "TABLE_CATALOG", schema_name AS "TABLE_SCHEMA", table_name AS "TABLE_NAME", column_name AS "COLUMN_NAME", ` +
          `CAST(column_index AS BIGINT) AS "ORDINAL_POSITION", column_default AS "COLUMN_DEFAULT", CASE WHEN is_nullable THEN 'YES' ELSE 'NO' END AS "IS_NULLABLE", ` +
          `${dataType} AS "DATA_TYPE", CASE WHEN data_type = 'VARCHAR' THEN CAST(16777216 AS BIGINT) END AS "CHARACTER_MAXIMUM_LENGTH", ` +
          `CASE WHEN data_type LIKE 'DECIMAL%' THEN CAST(numeric_precision AS BIGINT) WHEN data_type IN ('TINYINT','SMALLINT','INTEGER','BIGINT','HUGEINT') THEN CAST(38 AS BIGINT) END AS "NUMERIC_PRECISION", ` +
          `CASE WHEN data_type LIKE 'DECIMAL%' THEN CAST(numeric_scale AS BIGINT) WHEN data_type IN ('TINYINT','SMALLINT','INTEGER','BIGINT','HUGEINT') THEN CAST(0 AS BIGINT) END AS "NUMERIC_SCALE", ` +
          `comment AS "COMMENT" FROM duckdb_columns() LEFT JOIN ${overrides} ON __D.s = schema_name AND __D.t = table_name AND __D.c = column_name ` +
          `WHERE database_name = ${db} AND schema_name NOT IN ${hidden})`
        );
      }
      default:
        throw new SnowflakeSqlError('002003', '42S02', `SQL compilation error:\nObject '${database}.INFORMATION_SCHEMA.${view}' does not exist or not authorized.`, this.sql);
    }
  }

  // ---------------------------------------------------------------- queries

  /**
   * Translates a top-level query: like {@link expr}, and also gives un-aliased select items
   * Snowflake's column names (`COUNT(*)`, not DuckDB's `count_star()`).
   */
  query(start: number, end: number): TranslatedQuery {
    let depth = 0;
    let selectAt = -1;
    for (let i = start; i < end; i++) {
      const t = this.tokens[i]!;
      if (t.kind === 'op' && (t.text === '(' || t.text === '[')) depth++;
      else if (t.kind === 'op' && (t.text === ')' || t.text === ']')) depth--;
      else if (depth === 0 && isWord(t, 'SELECT')) {
        selectAt = i;
        break;
      }
    }
    if (selectAt < 0) return { sql: this.expr(start, end), hints: [] };
    let listStart = selectAt + 1;
    const firstItem = this.next(listStart, end);
    if (isWord(this.tokens[firstItem], 'DISTINCT') || isWord(this.tokens[firstItem], 'ALL')) listStart = firstItem + 1;
    let top: string | undefined;
    const maybeTop = this.next(listStart, end);
    if (isWord(this.tokens[maybeTop], 'TOP') && this.tokens[this.next(maybeTop + 1, end)]?.kind === 'number') {
      top = this.tokens[this.next(maybeTop + 1, end)]!.text;
      listStart = this.next(maybeTop + 1, end) + 1;
    }
    let listEnd = listStart;
    for (;;) {
      listEnd = this.findTopLevelWord(listEnd, end, QUERY_CLAUSE_ENDS);
      if (listEnd < 0) {
        listEnd = end;
        break;
      }
      // `WITHIN GROUP (ORDER BY ...)` belongs to an aggregate, not a GROUP BY clause.
      if (isWord(this.tokens[listEnd], 'GROUP') && isWord(this.tokens[this.prev(listEnd, listStart)], 'WITHIN')) {
        listEnd++;
        continue;
      }
      break;
    }
    const hints: (SnowflakeTypeName | undefined)[] = [];
    let star = false;
    const rendered: string[] = [];
    for (const r of this.splitTopLevel(listStart, listEnd)) {
      const sig = this.significant(r.start, r.end);
      if (sig.length === 0) throw this.syntax(r.start, "unexpected ','");
      const hasStar = this.hasTopLevelStar(r.start, r.end);
      let exprEnd = r.end;
      let alias: string | undefined;
      const lastIdx = sig[sig.length - 1]!;
      const last = this.tokens[lastIdx]!;
      const before = sig.length >= 2 ? this.tokens[sig[sig.length - 2]!]! : undefined;
      if (sig.length >= 3 && isWord(before, 'AS') && (last.kind === 'word' || last.kind === 'quoted' || last.kind === 'string')) {
        alias = last.kind === 'word' ? last.value : last.value;
        exprEnd = sig[sig.length - 2]!;
      } else if (
        !hasStar &&
        sig.length >= 2 &&
        (last.kind === 'quoted' || (last.kind === 'word' && !NOT_AN_ALIAS.has(last.value))) &&
        before !== undefined &&
        (before.kind === 'word' ? !NON_OPERAND_KEYWORDS.has(before.value) && !NOT_AN_ALIAS.has(before.value) || before.value === 'END' : before.kind !== 'op' || before.text === ')' || before.text === ']' || before.text === '}')
      ) {
        alias = last.value;
        exprEnd = lastIdx;
      }
      const { text, hint } = this.exprWithHint(r.start, exprEnd);
      const trimmed = text.trim();
      if (hasStar) star = true;
      hints.push(hint);
      if (alias !== undefined) rendered.push(` ${trimmed} AS ${quoteIdent(alias)}`);
      else if (hasStar) rendered.push(` ${trimmed}`);
      else if (this.isColumnReference(r.start, r.end)) {
        // DuckDB names a column reference after the catalog's spelling; Snowflake after the
        // normalized identifier (`select n` gives N even if the column was created as "n").
        const lastTok = this.tokens[sig[sig.length - 1]!]!;
        const name = lastTok.kind === 'word' ? lastTok.value : lastTok.kind === 'dollar' ? lastTok.text : lastTok.value;
        rendered.push(` ${trimmed} AS ${quoteIdent(name)}`);
      } else rendered.push(` ${trimmed} AS ${quoteIdent(this.snowflakeColumnName(r.start, r.end))}`);
    }
    const head = this.expr(start, listStart);
    const tail = this.expr(listEnd, end);
    const rest = tail.trim();
    let sql = `${head}${rendered.join(',')}${rest ? ` ${rest}` : ''}`;
    if (top !== undefined) sql = `${sql.trimEnd()} LIMIT ${top}`;
    const sourceTable = this.singleSourceTable(listEnd, end);
    return { sql, hints: star ? [] : hints, ...(sourceTable ? { sourceTable } : {}) };
  }

  private hasTopLevelStar(start: number, end: number): boolean {
    let depth = 0;
    for (let i = start; i < end; i++) {
      const t = this.tokens[i]!;
      if (t.kind !== 'op') continue;
      if (t.text === '(' || t.text === '[') depth++;
      else if (t.text === ')' || t.text === ']') depth--;
      else if (depth === 0 && t.text === '*') {
        // `a * b` is multiplication; a star is first in the item or follows a dot.
        const p = this.prev(i, start);
        if (p < start || isOp(this.tokens[p], '.')) return true;
      }
    }
    return false;
  }

  private isColumnReference(start: number, end: number): boolean {
    const sig = this.significant(start, end);
    if (sig.length === 0) return false;
    for (let k = 0; k < sig.length; k++) {
      const t = this.tokens[sig[k]!]!;
      const expectName = k % 2 === 0;
      if (expectName && !(t.kind === 'word' || t.kind === 'quoted' || t.kind === 'dollar')) return false;
      if (!expectName && !isOp(t, '.')) return false;
      if (expectName && t.kind === 'word' && t.value.startsWith('METADATA$')) return true;
    }
    return sig.length % 2 === 1;
  }

  /** Snowflake's name for an un-aliased expression: its text, upper-cased outside quoted identifiers. */
  private snowflakeColumnName(start: number, end: number): string {
    let out = '';
    for (let i = start; i < end; i++) {
      const t = this.tokens[i]!;
      if (t.kind === 'comment') continue;
      if (t.kind === 'quoted') out += t.text;
      else out += t.text.toUpperCase();
    }
    return out.trim().replace(/\s+/g, ' ');
  }

  private singleSourceTable(listEnd: number, end: number): QualifiedName | undefined {
    if (!isWord(this.tokens[listEnd], 'FROM')) return undefined;
    const s = this.next(listEnd + 1, end);
    const t = this.tokens[s];
    if (t?.kind !== 'word' && t?.kind !== 'quoted') return undefined;
    if (t.kind === 'word' && (t.value === 'TABLE' || t.value === 'LATERAL' || t.value === 'IDENTIFIER')) return undefined;
    let parsed: { name: QualifiedName; end: number };
    try {
      parsed = this.readName(s, end);
    } catch {
      return undefined;
    }
    if (parsed.name.schema === 'INFORMATION_SCHEMA') return undefined;
    let j = this.next(parsed.end, end);
    const alias = this.tokens[j];
    if (isWord(alias, 'AS')) j = this.next(j + 1, end) + 1;
    else if ((alias?.kind === 'word' && !QUERY_CLAUSE_ENDS.has(alias.value) && !['JOIN', 'LEFT', 'RIGHT', 'INNER', 'FULL', 'CROSS', 'NATURAL', 'ASOF', 'POSITIONAL', 'ANTI', 'SEMI'].includes(alias.value)) || alias?.kind === 'quoted') j = j + 1;
    const after = this.tokens[this.next(j, end)];
    if (after === undefined) return parsed.name;
    if (after.kind === 'word' && QUERY_CLAUSE_ENDS.has(after.value) && after.value !== 'UNION' && after.value !== 'EXCEPT' && after.value !== 'INTERSECT' && after.value !== 'MINUS') return parsed.name;
    return undefined;
  }
}

// ------------------------------------------------------------------ helpers

/** Builds `base -> 'path'` with the operand parenthesized (`->` binds loosely in DuckDB). */
function pathSql(base: string, jsonPath: string): string {
  return `(${base} -> ${sqlString(jsonPath)})`;
}

/** One JSON path step for a key: `.key` or `."odd key"`. */
function jsonKey(key: string): string {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(key) ? `.${key}` : `."${key.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/**
 * SQL for casting `operand` to a Snowflake type with Snowflake's conversion rules: VARIANT
 * strings lose their quotes, numbers become epoch timestamps, anything becomes VARIANT via
 * `to_json`. `tryCast` gives TRY_CAST semantics (NULL instead of an error).
 */
export function castSql(operand: string, path: { base: string; jsonPath: string } | undefined, type: MappedType | undefined, typeSql: string, tryCast: boolean): string {
  const fn = tryCast ? 'TRY_CAST' : 'CAST';
  if (type === undefined) return `${fn}(${operand} AS ${typeSql})`;
  if (path) {
    if (isSemiStructured(type)) return operand;
    const text = `(${path.base} ->> ${sqlString(path.jsonPath)})`;
    if (isStringType(type)) return text;
    if (type.snowflake === 'TIMESTAMP_NTZ') return `SF_TO_TIMESTAMP_NTZ(${text})`;
    if (type.snowflake === 'TIMESTAMP_LTZ' || type.snowflake === 'TIMESTAMP_TZ') return `SF_TO_TIMESTAMP_LTZ(${text})`;
    return `${fn}(${text} AS ${type.duckdb})`;
  }
  if (isStringType(type)) return `SF_TO_VARCHAR(${operand})`;
  if (isSemiStructured(type)) return `to_json(${operand})`;
  if (type.snowflake === 'BINARY') return `SF_TO_BINARY(${operand})`;
  if (type.snowflake === 'TIMESTAMP_NTZ') return tryCast ? `TRY_CAST(SF_TO_VARCHAR(${operand}) AS TIMESTAMP)` : `SF_TO_TIMESTAMP_NTZ(${operand})`;
  if (type.snowflake === 'TIMESTAMP_LTZ' || type.snowflake === 'TIMESTAMP_TZ') return tryCast ? `TRY_CAST(SF_TO_VARCHAR(${operand}) AS TIMESTAMPTZ)` : `SF_TO_TIMESTAMP_LTZ(${operand})`;
  return `${fn}(${operand} AS ${type.duckdb})`;
}

const DATE_PARTS: Record<string, string> = {
  YEAR: 'year', YEARS: 'year', Y: 'year', YY: 'year', YYY: 'year', YYYY: 'year', YR: 'year', YRS: 'year',
  QUARTER: 'quarter', QUARTERS: 'quarter', Q: 'quarter', QTR: 'quarter', QTRS: 'quarter',
  MONTH: 'month', MONTHS: 'month', MM: 'month', MON: 'month', MONS: 'month',
  WEEK: 'week', WEEKS: 'week', W: 'week', WK: 'week', WEEKOFYEAR: 'week', WOY: 'week', WY: 'week',
  DAY: 'day', DAYS: 'day', D: 'day', DD: 'day', DAYOFMONTH: 'day',
  DAYOFWEEK: 'dayofweek', WEEKDAY: 'dayofweek', DOW: 'dayofweek', DW: 'dayofweek',
  DAYOFYEAR: 'dayofyear', YEARDAY: 'dayofyear', DOY: 'dayofyear', DY: 'dayofyear',
  HOUR: 'hour', HOURS: 'hour', H: 'hour', HH: 'hour', HR: 'hour', HRS: 'hour',
  MINUTE: 'minute', MINUTES: 'minute', M: 'minute', MI: 'minute', MIN: 'minute', MINS: 'minute',
  SECOND: 'second', SECONDS: 'second', S: 'second', SEC: 'second', SECS: 'second',
  MILLISECOND: 'millisecond', MILLISECONDS: 'millisecond', MS: 'millisecond', MSEC: 'millisecond',
  MICROSECOND: 'microsecond', MICROSECONDS: 'microsecond', US: 'microsecond', USEC: 'microsecond',
  EPOCH_SECOND: 'epoch', EPOCH: 'epoch', EPOCH_SECONDS: 'epoch',
};

/** Canonical DuckDB date part for a Snowflake date part name or abbreviation. */
export function normalizeDatePart(part: string): string {
  return DATE_PARTS[part.toUpperCase()] ?? part.toLowerCase();
}

/** Splits a dotted name text (`db.s."T"`) into a normalized {@link QualifiedName}. */
export function parseNameText(text: string): QualifiedName {
  const parts: string[] = [];
  let i = 0;
  while (i < text.length) {
    if (text[i] === '"') {
      let j = i + 1;
      let v = '';
      while (j < text.length) {
        if (text[j] === '"' && text[j + 1] === '"') {
          v += '"';
          j += 2;
        } else if (text[j] === '"') break;
        else v += text[j++];
      }
      parts.push(v);
      i = j + 1;
    } else {
      let j = i;
      while (j < text.length && text[j] !== '.') j++;
      parts.push(text.slice(i, j).trim().toUpperCase());
      i = j;
    }
    if (text[i] === '.') i++;
  }
  return partsToName(parts);
}

function partsToName(parts: string[]): QualifiedName {
  if (parts.length === 3) return { database: parts[0]!, schema: parts[1]!, name: parts[2]! };
  if (parts.length === 2) return { schema: parts[0]!, name: parts[1]! };
  return { name: parts[0] ?? '' };
}

/** Parses the text of a stage token (without `@`). */
export function parseStageRef(text: string, sql: string): StageRef {
  let rest = text;
  let kind: StageRef['kind'] = 'named';
  let name: QualifiedName = { name: '' };
  if (rest.startsWith('~')) {
    kind = 'user';
    rest = rest.slice(1);
  } else {
    if (rest.startsWith('%')) {
      kind = 'table';
      rest = rest.slice(1);
    }
    let i = 0;
    let inQuote = false;
    while (i < rest.length && (inQuote || rest[i] !== '/')) {
      if (rest[i] === '"') inQuote = !inQuote;
      i++;
    }
    name = parseNameText(rest.slice(0, i));
    rest = rest.slice(i);
    if (!name.name) throw syntaxErrorAt(sql, 0, `invalid stage reference '@${text}'`);
  }
  const path = rest.replace(/^\/+/, '').replace(/\/+$/, '');
  return { kind, name, path, text };
}

// ------------------------------------------------------------------ function table

type Rewrite = (
  tr: ExpressionTranslator,
  args: Range[],
  info: { name: string; open: number; withinGroup: string | undefined },
) => { text: string; hint?: SnowflakeTypeName } | undefined;

const renameTo =
  (target: string): Rewrite =>
  (tr, args) => ({ text: `${target}(${args.map((a) => tr.arg(a)).join(', ')})` });

const literal =
  (value: (tr: ExpressionTranslator) => string | null): Rewrite =>
  (tr, args) => {
    if (args.length > 0) return undefined;
    const v = value(tr);
    return { text: v === null ? 'NULL' : sqlString(v) };
  };

const oneArgCast =
  (typeName: string, tryCast: boolean): Rewrite =>
  (tr, args) => {
    if (args.length !== 1) return undefined;
    const type = mapSnowflakeType(typeName, []);
    return { text: castSql(tr.arg(args[0]!), undefined, type, type?.duckdb ?? typeName, tryCast), ...(type ? { hint: type.snowflake } : {}) };
  };

const toTimestamp =
  (kind: 'NTZ' | 'LTZ', tryCast: boolean): Rewrite =>
  (tr, args) => {
    if (args.length === 0 || args.length > 2) return undefined;
    const x = tr.arg(args[0]!);
    const second = args[1] ? tr.expr(args[1].start, args[1].end).trim() : undefined;
    const fn = kind === 'NTZ' ? 'SF_TO_TIMESTAMP_NTZ' : 'SF_TO_TIMESTAMP_LTZ';
    if (second !== undefined && /^\d+$/.test(second)) return { text: `${fn}(${x}, s := ${second})`, hint: kind === 'NTZ' ? 'TIMESTAMP_NTZ' : 'TIMESTAMP_LTZ' };
    if (second !== undefined) {
      // A format string: DuckDB's strptime uses C formats, so only the common ISO layouts map.
      return { text: `strptime(${x}, ${snowflakeFormatToStrptime(second)})${kind === 'LTZ' ? '::TIMESTAMPTZ' : ''}`, hint: kind === 'NTZ' ? 'TIMESTAMP_NTZ' : 'TIMESTAMP_LTZ' };
    }
    if (tryCast) return { text: `TRY_CAST(SF_TO_VARCHAR(${x}) AS ${kind === 'NTZ' ? 'TIMESTAMP' : 'TIMESTAMPTZ'})` };
    return { text: `${fn}(${x})`, hint: kind === 'NTZ' ? 'TIMESTAMP_NTZ' : 'TIMESTAMP_LTZ' };
  };

function snowflakeFormatToStrptime(formatSql: string): string {
  const m = /^'(.*)'$/s.exec(formatSql);
  if (!m) return formatSql;
  const out = m[1]!
    .replace(/YYYY/g, '%Y')
    .replace(/MM/g, '%m')
    .replace(/DD/g, '%d')
    .replace(/HH24/g, '%H')
    .replace(/MI/g, '%M')
    .replace(/SS/g, '%S')
    .replace(/\.FF\d?/g, '.%f');
  return sqlString(out);
}

const castLike: Rewrite = (tr, args, info) => {
  if (args.length !== 1) return undefined;
  const r = args[0]!;
  // The last depth-0 AS separates the expression from the type.
  let asAt = -1;
  let depth = 0;
  for (let i = r.start; i < r.end; i++) {
    const t = tr.tokens[i]!;
    if (t.kind === 'op' && (t.text === '(' || t.text === '[')) depth++;
    else if (t.kind === 'op' && (t.text === ')' || t.text === ']')) depth--;
    else if (depth === 0 && isWord(t, 'AS')) asAt = i;
  }
  if (asAt < 0) throw tr.syntax(info.open, `${info.name} requires AS <type>`);
  const operand = tr.exprWithPath(r.start, asAt);
  const { type, sql } = tr.readType(asAt + 1, r.end);
  return { text: castSql(operand.text, operand.path, type, sql, info.name === 'TRY_CAST'), ...(type ? { hint: type.snowflake } : {}) };
};

const FUNCTIONS: Record<string, Rewrite> = {
  CAST: castLike,
  TRY_CAST: castLike,
  IFF: renameTo('IF'),
  NVL: renameTo('COALESCE'),
  IFNULL: renameTo('COALESCE'),
  NVL2: (tr, a) => (a.length === 3 ? { text: `CASE WHEN ${tr.arg(a[0]!)} IS NOT NULL THEN ${tr.arg(a[1]!)} ELSE ${tr.arg(a[2]!)} END` } : undefined),
  ZEROIFNULL: (tr, a) => (a.length === 1 ? { text: `COALESCE(${tr.arg(a[0]!)}, 0)` } : undefined),
  NULLIFZERO: (tr, a) => (a.length === 1 ? { text: `NULLIF(${tr.arg(a[0]!)}, 0)` } : undefined),
  EQUAL_NULL: (tr, a) => (a.length === 2 ? { text: `(${tr.arg(a[0]!)} IS NOT DISTINCT FROM ${tr.arg(a[1]!)})` } : undefined),
  DIV0: (tr, a) => (a.length === 2 ? { text: `CASE WHEN ${tr.arg(a[1]!)} = 0 THEN 0 ELSE ${tr.arg(a[0]!)} / ${tr.arg(a[1]!)} END` } : undefined),
  DIV0NULL: (tr, a) => (a.length === 2 ? { text: `CASE WHEN COALESCE(${tr.arg(a[1]!)}, 0) = 0 THEN 0 ELSE ${tr.arg(a[0]!)} / ${tr.arg(a[1]!)} END` } : undefined),
  PARSE_JSON: (tr, a) => (a.length === 1 ? { text: `json(${tr.arg(a[0]!)})`, hint: 'VARIANT' } : undefined),
  TRY_PARSE_JSON: (tr, a) => (a.length === 1 ? { text: `TRY_CAST(${tr.arg(a[0]!)} AS JSON)`, hint: 'VARIANT' } : undefined),
  TO_VARIANT: (tr, a) => (a.length === 1 ? { text: `to_json(${tr.arg(a[0]!)})`, hint: 'VARIANT' } : undefined),
  TO_OBJECT: (tr, a) => (a.length === 1 ? { text: `to_json(${tr.arg(a[0]!)})`, hint: 'OBJECT' } : undefined),
  TO_ARRAY: (tr, a) => (a.length === 1 ? { text: `CASE WHEN json_type(to_json(${tr.arg(a[0]!)})) = 'ARRAY' THEN to_json(${tr.arg(a[0]!)}) ELSE json_array(${tr.arg(a[0]!)}) END`, hint: 'ARRAY' } : undefined),
  TO_JSON: (tr, a) => (a.length === 1 ? { text: `CAST(to_json(${tr.arg(a[0]!)}) AS VARCHAR)` } : undefined),
  OBJECT_KEYS: (tr, a) => (a.length === 1 ? { text: `to_json(json_keys(${tr.arg(a[0]!)}))`, hint: 'ARRAY' } : undefined),
  ARRAY_SIZE: (tr, a) => (a.length === 1 ? { text: `SF_ARRAY_SIZE(${tr.arg(a[0]!)})` } : undefined),
  IS_OBJECT: (tr, a) => (a.length === 1 ? { text: `(json_type(TRY_CAST(${tr.arg(a[0]!)} AS JSON)) = 'OBJECT')` } : undefined),
  IS_ARRAY: (tr, a) => (a.length === 1 ? { text: `(json_type(TRY_CAST(${tr.arg(a[0]!)} AS JSON)) = 'ARRAY')` } : undefined),
  TYPEOF: (tr, a) => (a.length === 1 ? { text: `SF_TYPEOF(${tr.arg(a[0]!)})` } : undefined),
  ARRAY_CONSTRUCT: (tr, a) => ({ text: `json_array(${a.map((x) => tr.arg(x)).join(', ')})`, hint: 'ARRAY' }),
  OBJECT_CONSTRUCT: (tr, a) => ({ text: `json_object(${a.map((x) => tr.arg(x)).join(', ')})`, hint: 'OBJECT' }),
  ARRAY_AGG: (tr, a, info) => ({ text: `to_json(array_agg(${a.map((x) => tr.arg(x)).join(', ')}${info.withinGroup ? ` ${info.withinGroup}` : ''}))`, hint: 'ARRAY' }),
  LISTAGG: (tr, a, info) => ({ text: `string_agg(${a.map((x) => tr.arg(x)).join(', ')}${a.length === 1 ? ", ''" : ''}${info.withinGroup ? ` ${info.withinGroup}` : ''})` }),
  SPLIT: (tr, a) => (a.length === 2 ? { text: `to_json(string_split(${tr.arg(a[0]!)}, ${tr.arg(a[1]!)}))`, hint: 'ARRAY' } : undefined),
  GET: (tr, a) => (a.length === 2 ? { text: `(CAST(${tr.arg(a[0]!)} AS JSON) -> ${tr.arg(a[1]!)})`, hint: 'VARIANT' } : undefined),
  GET_PATH: (tr, a) => {
    if (a.length !== 2) return undefined;
    const t = tr.tokens[tr.next(a[1]!.start, a[1]!.end)];
    if (t?.kind !== 'string') return undefined;
    const path = `$${t.value.split('.').map((p) => (/^\d+$/.test(p) ? `[${p}]` : `.${p}`)).join('')}`;
    return { text: `(CAST(${tr.arg(a[0]!)} AS JSON) -> ${sqlString(path)})`, hint: 'VARIANT' };
  },
  TO_BINARY: (tr, a) => {
    if (a.length === 0 || a.length > 2) return undefined;
    const fmt = a[1] ? tr.tokens[tr.next(a[1].start, a[1].end)] : undefined;
    const f = (fmt?.kind === 'string' ? fmt.value : 'HEX').toUpperCase();
    const x = tr.arg(a[0]!);
    if (f === 'HEX') return { text: `unhex(${x})`, hint: 'BINARY' };
    if (f === 'BASE64') return { text: `from_base64(${x})`, hint: 'BINARY' };
    if (f === 'UTF-8' || f === 'UTF8') return { text: `encode(${x})`, hint: 'BINARY' };
    return undefined;
  },
  IS_NULL_VALUE: (tr, a) => (a.length === 1 ? { text: `(json_type(${tr.arg(a[0]!)}) = 'NULL')` } : undefined),
  TO_VARCHAR: (tr, a) => (a.length === 1 ? { text: `SF_TO_VARCHAR(${tr.arg(a[0]!)})`, hint: 'TEXT' } : undefined),
  TO_CHAR: (tr, a) => (a.length === 1 ? { text: `SF_TO_VARCHAR(${tr.arg(a[0]!)})`, hint: 'TEXT' } : undefined),
  TO_NUMBER: (tr, a) => toNumber(tr, a, false),
  TO_DECIMAL: (tr, a) => toNumber(tr, a, false),
  TO_NUMERIC: (tr, a) => toNumber(tr, a, false),
  TRY_TO_NUMBER: (tr, a) => toNumber(tr, a, true),
  TRY_TO_DECIMAL: (tr, a) => toNumber(tr, a, true),
  TRY_TO_NUMERIC: (tr, a) => toNumber(tr, a, true),
  TO_DOUBLE: oneArgCast('DOUBLE', false),
  TRY_TO_DOUBLE: oneArgCast('DOUBLE', true),
  TO_BOOLEAN: oneArgCast('BOOLEAN', false),
  TRY_TO_BOOLEAN: oneArgCast('BOOLEAN', true),
  TO_DATE: oneArgCast('DATE', false),
  TRY_TO_DATE: oneArgCast('DATE', true),
  DATE: oneArgCast('DATE', false),
  TO_TIME: oneArgCast('TIME', false),
  TRY_TO_TIME: oneArgCast('TIME', true),
  TO_TIMESTAMP: toTimestamp('NTZ', false),
  TO_TIMESTAMP_NTZ: toTimestamp('NTZ', false),
  TO_TIMESTAMP_LTZ: toTimestamp('LTZ', false),
  TO_TIMESTAMP_TZ: (tr, a, info) => {
    const out = toTimestamp('LTZ', false)(tr, a, info);
    return out ? { ...out, hint: 'TIMESTAMP_TZ' } : undefined;
  },
  TRY_TO_TIMESTAMP: toTimestamp('NTZ', true),
  TRY_TO_TIMESTAMP_NTZ: toTimestamp('NTZ', true),
  TRY_TO_TIMESTAMP_LTZ: toTimestamp('LTZ', true),
  CURRENT_TIMESTAMP: (_tr, a) => (a.length === 0 ? { text: 'CURRENT_TIMESTAMP', hint: 'TIMESTAMP_LTZ' } : undefined),
  LOCALTIMESTAMP: (_tr, a) => (a.length === 0 ? { text: 'CURRENT_TIMESTAMP', hint: 'TIMESTAMP_LTZ' } : undefined),
  GETDATE: (_tr, a) => (a.length === 0 ? { text: 'CURRENT_TIMESTAMP', hint: 'TIMESTAMP_LTZ' } : undefined),
  SYSTIMESTAMP: (_tr, a) => (a.length === 0 ? { text: 'CURRENT_TIMESTAMP', hint: 'TIMESTAMP_LTZ' } : undefined),
  SYSDATE: (_tr, a) => (a.length === 0 ? { text: `CAST(timezone('UTC', CURRENT_TIMESTAMP) AS TIMESTAMP)` } : undefined),
  CURRENT_DATE: (_tr, a) => (a.length === 0 ? { text: 'CURRENT_DATE' } : undefined),
  CURRENT_TIME: (_tr, a) => (a.length === 0 ? { text: 'CAST(CURRENT_TIMESTAMP AS TIME)' } : undefined),
  CURRENT_VERSION: literal((tr) => tr.ctx.version),
  CURRENT_WAREHOUSE: literal((tr) => tr.ctx.warehouse),
  CURRENT_ROLE: literal((tr) => tr.ctx.role),
  CURRENT_USER: literal((tr) => tr.ctx.user),
  CURRENT_ACCOUNT: literal((tr) => tr.ctx.account.toUpperCase()),
  CURRENT_ACCOUNT_NAME: literal((tr) => tr.ctx.account.toUpperCase()),
  CURRENT_REGION: literal(() => 'LOCAL'),
  CURRENT_SESSION: literal((tr) => tr.ctx.sessionId),
  CURRENT_CLIENT: literal(() => 'Assay Snowflake test server'),
  // DuckDB's own functions follow USE, also inside views evaluated later.
  CURRENT_DATABASE: (tr, a) => (a.length === 0 ? { text: tr.ctx.database === null ? 'CAST(NULL AS VARCHAR)' : 'current_database()' } : undefined),
  CURRENT_SCHEMA: (tr, a) => (a.length === 0 ? { text: tr.ctx.schema === null ? 'CAST(NULL AS VARCHAR)' : 'current_schema()' } : undefined),
  DATEADD: dateAdd,
  TIMESTAMPADD: dateAdd,
  TIMEADD: dateAdd,
  DATEDIFF: (tr, a) => (a.length === 3 ? { text: `date_diff(${tr.datePart(a[0]!)}, ${tr.arg(a[1]!)}, ${tr.arg(a[2]!)})` } : undefined),
  TIMESTAMPDIFF: (tr, a) => (a.length === 3 ? { text: `date_diff(${tr.datePart(a[0]!)}, ${tr.arg(a[1]!)}, ${tr.arg(a[2]!)})` } : undefined),
  DATE_TRUNC: (tr, a) => (a.length === 2 ? { text: `date_trunc(${tr.datePart(a[0]!)}, ${tr.arg(a[1]!)})` } : undefined),
  DATE_PART: (tr, a) => (a.length === 2 ? { text: `date_part(${tr.datePart(a[0]!)}, ${tr.arg(a[1]!)})` } : undefined),
  RLIKE: renameTo('regexp_full_match'),
  REGEXP_LIKE: renameTo('regexp_full_match'),
  STARTSWITH: renameTo('starts_with'),
  ENDSWITH: renameTo('ends_with'),
  LEN: renameTo('length'),
  CHARINDEX: (tr, a) => (a.length === 2 ? { text: `strpos(${tr.arg(a[1]!)}, ${tr.arg(a[0]!)})` } : undefined),
  SHA2: (tr, a) => (a.length >= 1 ? { text: `sha256(${tr.arg(a[0]!)})` } : undefined),
  UUID_STRING: (_tr, a) => (a.length === 0 ? { text: 'CAST(uuid() AS VARCHAR)' } : undefined),
  BOOLAND_AGG: renameTo('bool_and'),
  REGEXP_SUBSTR: (tr, a) => (a.length === 2 ? { text: `NULLIF(regexp_extract(${tr.arg(a[0]!)}, ${tr.arg(a[1]!)}), '')` } : undefined),
  REGEXP_COUNT: (tr, a) => (a.length === 2 ? { text: `length(regexp_extract_all(${tr.arg(a[0]!)}, ${tr.arg(a[1]!)}))` } : undefined),
  SEQ1: (_tr, a) => (a.length <= 1 ? { text: '(row_number() OVER () - 1)' } : undefined),
  SEQ2: (_tr, a) => (a.length <= 1 ? { text: '(row_number() OVER () - 1)' } : undefined),
  SEQ4: (_tr, a) => (a.length <= 1 ? { text: '(row_number() OVER () - 1)' } : undefined),
  SEQ8: (_tr, a) => (a.length <= 1 ? { text: '(row_number() OVER () - 1)' } : undefined),
  BOOLOR_AGG: renameTo('bool_or'),
  CONVERT_TIMEZONE: (tr, a) => {
    if (a.length === 2) return { text: `timezone(${tr.arg(a[0]!)}, ${tr.arg(a[1]!)})` };
    if (a.length === 3) return { text: `timezone(${tr.arg(a[1]!)}, timezone(${tr.arg(a[0]!)}, ${tr.arg(a[2]!)}))` };
    return undefined;
  },
  SYSTEM$WAIT: (tr) => {
    throw unsupported(tr.sql, 'SYSTEM$WAIT inside an expression (use CALL SYSTEM$WAIT(n) or SELECT SYSTEM$WAIT(n) alone)');
  },
};

function toNumber(tr: ExpressionTranslator, a: Range[], tryCast: boolean): { text: string; hint?: SnowflakeTypeName } | undefined {
  if (a.length === 0 || a.length > 3) return undefined;
  const p = a[1] ? tr.arg(a[1]) : undefined;
  const s = a[2] ? tr.arg(a[2]) : undefined;
  const type = mapSnowflakeType('NUMBER', [p, s].filter((x): x is string => x !== undefined));
  return { text: castSql(tr.arg(a[0]!), undefined, type, type!.duckdb, tryCast), hint: 'NUMBER' };
}

function dateAdd(tr: ExpressionTranslator, a: Range[]): { text: string } | undefined {
  if (a.length !== 3) return undefined;
  const part = tr.datePartName(a[0]!);
  if (part === undefined) throw unsupported(tr.sql, 'DATEADD with a computed date part');
  const unit = part === 'quarter' ? '3 MONTH' : part === 'week' ? '7 DAY' : `1 ${part.toUpperCase()}`;
  // DuckDB's DATE + INTERVAL is a TIMESTAMP where Snowflake keeps DATE; the instant is the same.
  return { text: `(${tr.arg(a[2]!)} + CAST(${tr.arg(a[1]!)} AS BIGINT) * INTERVAL ${unit})` };
}
