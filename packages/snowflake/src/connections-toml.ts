import { ConfigError } from '@assay/core';

/** A parsed TOML value of the subset {@link parseToml} reads. */
export type TomlValue = string | number | boolean | TomlValue[] | TomlTable;

/** A TOML table: keys to values. */
export interface TomlTable {
  [key: string]: TomlValue;
}

const BARE_KEY = /^[A-Za-z0-9_-]+/;
const ESCAPES: Readonly<Record<string, string>> = { b: '\b', t: '\t', n: '\n', f: '\f', r: '\r', '"': '"', '\\': '\\' };

/**
 * Parses the TOML subset Snowflake's `connections.toml` uses: comments, `[table]` and
 * `[dotted.table]` headers (bare or quoted keys), `key = value` lines with bare, quoted or
 * dotted keys, and values that are basic or literal strings (single- or multi-line, so PEM
 * keys fit), integers, floats, booleans and single-line arrays of those.
 *
 * Inline tables, arrays of tables and dates are not part of the subset and are reported as
 * errors, as are duplicate keys.
 *
 * @param source - Shown in error messages (usually the file path).
 * @throws {@link ConfigError} (`ASSAY_CONFIG`) naming the source and line of a syntax error.
 *
 * @example
 * ```ts
 * parseToml('[prod]\naccount = "xy12345"\nport = 443\n');
 * // { prod: { account: 'xy12345', port: 443 } }
 * ```
 */
export function parseToml(text: string, source = 'TOML'): TomlTable {
  const root: TomlTable = {};
  let current = root;
  let line = 1;
  let i = 0;
  const n = text.length;
  const fail = (message: string): never => {
    throw new ConfigError(`${source}, line ${line}: ${message}`, { hint: 'The file must be TOML, as Snowflake\'s own tools read it (e.g. [myconnection] followed by account = "...").' });
  };
  const skipSpace = (): void => {
    while (i < n && (text[i] === ' ' || text[i] === '\t')) i++;
  };
  const endOfLine = (): void => {
    skipSpace();
    if (text[i] === '#') while (i < n && text[i] !== '\n') i++;
    if (text[i] === '\r') i++;
    if (i < n && text[i] !== '\n') fail(`unexpected "${text[i]}" after the value`);
  };

  const basicString = (): string => {
    const multi = text.startsWith('"""', i);
    i += multi ? 3 : 1;
    if (multi && text[i] === '\n') (i++, line++);
    else if (multi && text.startsWith('\r\n', i)) ((i += 2), line++);
    let out = '';
    for (;;) {
      if (i >= n) fail('unterminated string');
      const ch = text[i]!;
      if (multi ? text.startsWith('"""', i) : ch === '"') {
        i += multi ? 3 : 1;
        return out;
      }
      if (ch === '\n') {
        if (!multi) fail('a single-line string cannot span lines');
        line++;
      }
      if (ch === '\\') {
        const esc = text[i + 1] ?? '';
        if (esc in ESCAPES) {
          out += ESCAPES[esc];
          i += 2;
        } else if (esc === 'u' || esc === 'U') {
          const len = esc === 'u' ? 4 : 8;
          const hex = text.slice(i + 2, i + 2 + len);
          if (!/^[0-9A-Fa-f]+$/.test(hex) || hex.length !== len) fail(`invalid \\${esc} escape`);
          out += String.fromCodePoint(parseInt(hex, 16));
          i += 2 + len;
        } else if (multi && /[ \t\r\n]/.test(esc)) {
          // A line-ending backslash trims the newline and leading whitespace that follow.
          i++;
          while (i < n && /[ \t\r\n]/.test(text[i]!)) {
            if (text[i] === '\n') line++;
            i++;
          }
        } else {
          fail(`invalid escape "\\${esc}"`);
        }
        continue;
      }
      out += ch;
      i++;
    }
  };

  const literalString = (): string => {
    const multi = text.startsWith("'''", i);
    i += multi ? 3 : 1;
    if (multi && text[i] === '\n') (i++, line++);
    else if (multi && text.startsWith('\r\n', i)) ((i += 2), line++);
    const end = text.indexOf(multi ? "'''" : "'", i);
    if (end < 0) fail('unterminated string');
    const out = text.slice(i, end);
    if (!multi && out.includes('\n')) fail('a single-line string cannot span lines');
    line += out.split('\n').length - 1;
    i = end + (multi ? 3 : 1);
    return out;
  };

  const key = (): string[] => {
    const parts: string[] = [];
    for (;;) {
      skipSpace();
      if (text[i] === '"') parts.push(basicString());
      else if (text[i] === "'") parts.push(literalString());
      else {
        const m = BARE_KEY.exec(text.slice(i, i + 256));
        if (!m) fail(`expected a key, found "${text[i] ?? 'end of file'}"`);
        parts.push(m![0]);
        i += m![0].length;
      }
      skipSpace();
      if (text[i] !== '.') return parts;
      i++;
    }
  };

  const value = (): TomlValue => {
    skipSpace();
    const ch = text[i];
    if (ch === '"') return basicString();
    if (ch === "'") return literalString();
    if (ch === '[') {
      i++;
      const items: TomlValue[] = [];
      for (;;) {
        while (i < n && /[ \t\r\n]/.test(text[i]!)) {
          if (text[i] === '\n') line++;
          i++;
        }
        if (text[i] === '#') {
          while (i < n && text[i] !== '\n') i++;
          continue;
        }
        if (text[i] === ']') {
          i++;
          return items;
        }
        items.push(value());
        while (i < n && /[ \t\r\n]/.test(text[i]!)) {
          if (text[i] === '\n') line++;
          i++;
        }
        if (text[i] === ',') i++;
        else if (text[i] !== ']') fail('expected "," or "]" in an array');
      }
    }
    if (ch === '{') fail('inline tables are not supported here; use a [table] header');
    const m = /^[^\s#,\]]+/.exec(text.slice(i, i + 512));
    if (!m) fail('expected a value');
    const word = m![0];
    i += word.length;
    if (word === 'true') return true;
    if (word === 'false') return false;
    if (/^[+-]?(0|[1-9](_?\d)*)$/.test(word)) return Number(word.replace(/_/g, ''));
    if (/^[+-]?(0|[1-9](_?\d)*)(\.\d(_?\d)*)?([eE][+-]?\d(_?\d)*)?$/.test(word)) return Number(word.replace(/_/g, ''));
    if (/^[+-]?(inf|nan)$/.test(word)) return word.includes('nan') ? NaN : word.startsWith('-') ? -Infinity : Infinity;
    return fail(`unsupported value "${word}" (strings must be quoted)`);
  };

  const tableAt = (path: string[], from: TomlTable): TomlTable => {
    let t = from;
    for (const part of path) {
      const existing = t[part];
      if (existing === undefined) t = t[part] = {};
      else if (typeof existing === 'object' && !Array.isArray(existing)) t = existing;
      else fail(`"${path.join('.')}" is already a value, not a table`);
    }
    return t;
  };

  while (i < n) {
    skipSpace();
    const ch = text[i];
    if (ch === '\n') {
      i++;
      line++;
      continue;
    }
    if (ch === '\r' || ch === '#') {
      endOfLine();
      continue;
    }
    if (ch === '[') {
      if (text[i + 1] === '[') fail('arrays of tables ([[...]]) are not supported here');
      i++;
      const path = key();
      if (text[i] !== ']') fail('expected "]" to close the table header');
      i++;
      current = tableAt(path, root);
      endOfLine();
      continue;
    }
    const path = key();
    if (text[i] !== '=') fail(`expected "=" after the key "${path.join('.')}"`);
    i++;
    const v = value();
    const parent = tableAt(path.slice(0, -1), current);
    const last = path[path.length - 1]!;
    if (last in parent) fail(`duplicate key "${path.join('.')}"`);
    parent[last] = v;
    endOfLine();
  }
  return root;
}
