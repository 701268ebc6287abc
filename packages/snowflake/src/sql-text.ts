/**
 * Replaces each `?` placeholder outside string literals (`'...'` with backslash escapes,
 * `$$...$$`), quoted identifiers and comments (`--`, `//`, `/* *\/`) with
 * `literal(params[i])`. Snowflake DDL (CREATE TABLE AS, CREATE VIEW) takes no bind
 * variables, so an asset's values are inlined — always through a quoting function, never
 * spliced raw.
 */
export function inlineParams(text: string, params: readonly unknown[], literal: (value: unknown) => string): string {
  if (params.length === 0) return text;
  let out = '';
  let next = 0;
  let i = 0;
  while (i < text.length) {
    const ch = text[i]!;
    let end: number | undefined;
    if (ch === "'") end = closingQuote(text, i, "'", true);
    else if (ch === '"') end = closingQuote(text, i, '"', false);
    else if (ch === '$' && text[i + 1] === '$') {
      const close = text.indexOf('$$', i + 2);
      end = close < 0 ? text.length : close + 2;
    } else if ((ch === '-' && text[i + 1] === '-') || (ch === '/' && text[i + 1] === '/')) {
      const nl = text.indexOf('\n', i);
      end = nl < 0 ? text.length : nl;
    } else if (ch === '/' && text[i + 1] === '*') {
      const close = text.indexOf('*/', i + 2);
      end = close < 0 ? text.length : close + 2;
    }
    if (end !== undefined) {
      out += text.slice(i, end);
      i = end;
    } else if (ch === '?') {
      out += next < params.length ? literal(params[next]) : '?';
      next++;
      i++;
    } else {
      out += ch;
      i++;
    }
  }
  return out;
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
 * An asset's SELECT, ready to be wrapped in `CREATE ... AS (...)`: trailing semicolons and
 * whitespace removed, and a newline before the closing parenthesis so a trailing `--`
 * comment cannot swallow it.
 */
export function asSubquery(text: string): string {
  return `(\n${text.replace(/[\s;]+$/, '')}\n)`;
}
