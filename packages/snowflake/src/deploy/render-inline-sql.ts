import { renderSql, UnsupportedError, type AssetKey, type SqlFragment } from '@assay/core';

/**
 * A value as a Snowflake SQL literal, for DDL that cannot take bound parameters (a dynamic
 * table's query is stored with the table and re-run by Snowflake, so every value must be in
 * the text).
 *
 * Strings are single-quoted with `'` doubled and `\` escaped (Snowflake reads backslash
 * escapes in string literals); numbers and bigints as digits; booleans `TRUE`/`FALSE`;
 * null and undefined `NULL`; dates `'<ISO>'::TIMESTAMP_NTZ` (UTC); arrays and plain objects
 * `PARSE_JSON('<json>')`.
 *
 * @throws {@link UnsupportedError} for non-finite numbers, functions and symbols.
 */
export function snowflakeLiteral(value: unknown, assetKey?: AssetKey): string {
  if (value === null || value === undefined) return 'NULL';
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new UnsupportedError(`Cannot write ${value} into a dynamic table's SQL`, { ...(assetKey ? { assetKey } : {}) });
    return String(value);
  }
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'boolean') return value ? 'TRUE' : 'FALSE';
  if (typeof value === 'string') return quote(value);
  if (value instanceof Date) return `${quote(value.toISOString().replace('T', ' ').replace('Z', ''))}::TIMESTAMP_NTZ`;
  if (typeof value === 'object') return `PARSE_JSON(${quote(JSON.stringify(value))})`;
  throw new UnsupportedError(`Cannot write a ${typeof value} into a dynamic table's SQL`, { ...(assetKey ? { assetKey } : {}) });
}

function quote(text: string): string {
  return `'${text.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`;
}

// NUL never occurs in SQL text, so it safely marks where a parameter goes.
const MARK = '\u0000';

/**
 * Renders a SQL template with asset references as relations and every parameter written
 * inline as a literal ({@link snowflakeLiteral}).
 *
 * @throws the `relation` callback's errors; {@link PartitionError} when the template uses
 * `partition.*` placeholders (there is no partition in a dynamic table).
 */
export function renderInlineSql(fragment: SqlFragment, relation: (key: AssetKey) => string, assetKey?: AssetKey): string {
  const rendered = renderSql(fragment, { relation, placeholder: (i) => `${MARK}${i}${MARK}` });
  return rendered.text.replace(/\u0000(\d+)\u0000/g, (_m, i: string) => snowflakeLiteral(rendered.params[Number(i) - 1], assetKey));
}
