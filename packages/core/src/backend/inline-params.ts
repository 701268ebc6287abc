/**
 * The quoting and comment forms of a SQL dialect beyond ANSI's `'...'` strings (a doubled
 * quote escapes itself), `"..."` identifiers, `--` line comments and `/* *\/` block
 * comments, which every dialect has. Every option defaults to false.
 */
export interface SqlSyntax {
  /** A backslash escapes the next character inside `'...'` strings (`'it\'s'`, Snowflake). */
  backslashEscapes?: boolean;
  /** `$$...$$` strings (Snowflake). */
  dollarQuotes?: boolean;
  /** `//` starts a line comment (Snowflake). */
  slashComments?: boolean;
}

/** Where the quoted string, identifier or comment starting at `start` ends, or undefined when none starts there. */
function skippedEnd(text: string, start: number, syntax: SqlSyntax): number | undefined {
  const ch = text[start];
  const next = text[start + 1];
  if (ch === "'") return closingQuote(text, start, "'", syntax.backslashEscapes === true);
  if (ch === '"') return closingQuote(text, start, '"', false);
  if (ch === '$' && next === '$' && syntax.dollarQuotes) {
    const close = text.indexOf('$$', start + 2);
    return close < 0 ? text.length : close + 2;
  }
  if ((ch === '-' && next === '-') || (ch === '/' && next === '/' && syntax.slashComments)) {
    const nl = text.indexOf('\n', start);
    return nl < 0 ? text.length : nl;
  }
  if (ch === '/' && next === '*') {
    const close = text.indexOf('*/', start + 2);
    return close < 0 ? text.length : close + 2;
  }
  return undefined;
}

function closingQuote(text: string, start: number, quote: string, backslash: boolean): number {
  let i = start + 1;
  while (i < text.length) {
    const ch = text[i];
    if (backslash && ch === '\\') i += 2;
    else if (ch === quote) {
      if (text[i + 1] === quote) i += 2; // a doubled quote escapes itself
      else return i + 1;
    } else i++;
  }
  return text.length;
}

/**
 * The 0-based offsets of the `?` placeholders in a statement: every `?` outside string
 * literals, quoted identifiers and comments, as `syntax` defines them. An unterminated
 * literal or comment runs to the end of the text.
 *
 * @example
 * ```ts
 * placeholderOffsets(`select ?, '?' -- ?`); // [7]
 * ```
 */
export function placeholderOffsets(text: string, syntax: SqlSyntax = {}): number[] {
  const out: number[] = [];
  let i = 0;
  while (i < text.length) {
    const end = skippedEnd(text, i, syntax);
    if (end !== undefined) i = end;
    else {
      if (text[i] === '?') out.push(i);
      i++;
    }
  }
  return out;
}

/**
 * A statement with each `?` placeholder (see {@link placeholderOffsets}) replaced by
 * `literal(params[i])`, for statements an engine cannot prepare (DDL such as `CREATE VIEW`).
 * Values always go through the backend's quoting function, never spliced raw. Placeholders
 * beyond the last parameter stay `?`; with no parameters the text is returned as it is.
 *
 * @example
 * ```ts
 * inlineParams(`select ? as a, '?' as b`, ["o'k"], (v) => backend.literal(v));
 * // select 'o''k' as a, '?' as b
 * ```
 */
export function inlineParams(text: string, params: readonly unknown[], literal: (value: unknown) => string, syntax: SqlSyntax = {}): string {
  if (params.length === 0) return text;
  let out = '';
  let from = 0;
  placeholderOffsets(text, syntax).forEach((at, n) => {
    out += text.slice(from, at) + (n < params.length ? literal(params[n]) : '?');
    from = at + 1;
  });
  return out + text.slice(from);
}

/**
 * An asset's SELECT, ready to be wrapped in `CREATE ... AS (...)`: trailing semicolons and
 * whitespace removed, and a newline before the closing parenthesis so a trailing `--`
 * comment cannot swallow it.
 *
 * @example
 * ```ts
 * asSubquery('select 1; -- done'); // '(\nselect 1; -- done\n)'
 * ```
 */
export function asSubquery(text: string): string {
  return `(\n${text.replace(/[\s;]+$/, '')}\n)`;
}
