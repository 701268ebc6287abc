import type { Bind, Column } from 'snowflake-sdk';
import type { Row, SqlSyntax } from '@assay/core';

/** A column of a result: name and Snowflake type (`fixed`, `text`, `timestamp_ntz`, ...). */
export interface ResultColumn {
  name: string;
  type: string;
  scale: number | undefined;
  precision: number | undefined;
}

/** Columns of a statement's result as reported by the driver. */
export function resultColumns(columns: readonly Column[] | undefined): ResultColumn[] {
  return (columns ?? []).map((c) => ({
    name: c.getName(),
    type: c.getType(),
    scale: safe(() => c.getScale()),
    precision: safe(() => c.getPrecision()),
  }));
}

function safe<T>(fn: () => T): T | undefined {
  try {
    const v = fn();
    return v === null ? undefined : v;
  } catch {
    return undefined;
  }
}

/**
 * Converts a driver row (fetched with numbers as strings) to JSON-friendly values: FIXED
 * with scale 0 becomes a number when it fits a double exactly, else a decimal string; other
 * FIXED and REAL become numbers; DATE and TIMESTAMP become plain `Date`s; VARIANT, OBJECT and
 * ARRAY arrive parsed; TIME stays text; everything else is kept as the driver gives it.
 */
export function convertRow(row: Row, columns: readonly ResultColumn[]): Row {
  for (const c of columns) {
    const v = row[c.name];
    // 'NULL' is how the driver can report a NULL fetched as text (representNullAsStringNull).
    if (v === null || v === undefined || (v === 'NULL' && (c.type === 'fixed' || c.type === 'real'))) {
      row[c.name] = null;
      continue;
    }
    switch (c.type) {
      case 'fixed': {
        const text = String(v);
        if ((c.scale ?? 0) === 0 && /^-?\d+$/.test(text)) {
          const n = Number(text);
          row[c.name] = Number.isSafeInteger(n) ? n : text;
        } else {
          row[c.name] = Number(text);
        }
        break;
      }
      case 'real':
        row[c.name] = Number(v);
        break;
      case 'date':
      case 'timestamp_ntz':
      case 'timestamp_ltz':
      case 'timestamp_tz':
        // The driver's Date subclasses serialize with the session's output format; a plain Date is unambiguous.
        if (v instanceof Date) row[c.name] = new Date(v.getTime());
        break;
      default:
        break;
    }
  }
  return row;
}

/** Text of a timestamp for Snowflake: `2024-05-06 07:08:09.123` (UTC wall clock). */
export function timestampText(date: Date): string {
  return date.toISOString().replace('T', ' ').replace('Z', '');
}

/**
 * Converts a parameter to a driver bind: `undefined` → NULL, `Date` → timestamp text (UTC),
 * bigint → decimal text, bytes → hex, arrays and objects → JSON text (use `parse_json(?)` in
 * SQL to get a VARIANT).
 */
export function toBind(value: unknown): Bind {
  if (value === undefined || value === null) return null;
  if (typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') return Number.isFinite(value) ? value : String(value);
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Date) return timestampText(value);
  if (value instanceof Uint8Array) return Buffer.from(value).toString('hex');
  return JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
}

/**
 * A Snowflake SQL literal for a value that cannot be bound (DDL takes no bind variables):
 * strings in single quotes with `'` and `\` escaped, numbers as written, booleans, NULL,
 * `Date` as a `TIMESTAMP_NTZ`, arrays and objects as `PARSE_JSON('...')`.
 */
export function snowflakeLiteral(value: unknown): string {
  if (value === null || value === undefined) return 'NULL';
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return `'${String(value)}'::FLOAT`;
    return String(value);
  }
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'boolean') return value ? 'TRUE' : 'FALSE';
  if (value instanceof Date) return `${quoteString(timestampText(value))}::TIMESTAMP_NTZ`;
  if (value instanceof Uint8Array) return `TO_BINARY(${quoteString(Buffer.from(value).toString('hex'))}, 'HEX')`;
  if (typeof value === 'string') return quoteString(value);
  return `PARSE_JSON(${quoteString(JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)))})`;
}

/**
 * Snowflake's quoting and comment forms beyond ANSI's: backslash escapes in `'...'` strings,
 * `$$...$$` strings and `//` line comments, so a `?` inside them is not a placeholder.
 */
export const SNOWFLAKE_SQL_SYNTAX: SqlSyntax = { backslashEscapes: true, dollarQuotes: true, slashComments: true };

/** `'text'` with backslashes and quotes escaped (Snowflake reads backslash escapes in strings). */
export function quoteString(text: string): string {
  return `'${text.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`;
}
