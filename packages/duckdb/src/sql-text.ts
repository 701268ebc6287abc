/**
 * Replaces each `?` placeholder outside string literals, quoted identifiers and comments with
 * `literal(params[i])`. DuckDB cannot prepare some statements (CREATE VIEW), so their values
 * are inlined — always through a quoting function, never spliced raw.
 */
export function inlineParams(text: string, params: readonly unknown[], literal: (value: unknown) => string): string {
  if (params.length === 0) return text;
  let out = '';
  let next = 0;
  let i = 0;
  while (i < text.length) {
    const ch = text[i]!;
    if (ch === "'" || ch === '"') {
      const end = closingQuote(text, i, ch);
      out += text.slice(i, end);
      i = end;
    } else if (ch === '-' && text[i + 1] === '-') {
      const end = text.indexOf('\n', i);
      const stop = end < 0 ? text.length : end;
      out += text.slice(i, stop);
      i = stop;
    } else if (ch === '/' && text[i + 1] === '*') {
      const end = text.indexOf('*/', i + 2);
      const stop = end < 0 ? text.length : end + 2;
      out += text.slice(i, stop);
      i = stop;
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

function closingQuote(text: string, start: number, quote: string): number {
  let i = start + 1;
  while (i < text.length) {
    if (text[i] === quote) {
      if (text[i + 1] === quote) i += 2; // doubled quote escapes itself
      else return i + 1;
    } else i++;
  }
  return text.length;
}

/**
 * An asset's SELECT, ready to be wrapped in `CREATE ... AS (...)`: trailing semicolons and
 * whitespace removed, and a newline before the closing parenthesis so a trailing `--` comment
 * cannot swallow it.
 */
export function asSubquery(text: string): string {
  return `(\n${text.replace(/[\s;]+$/, '')}\n)`;
}
