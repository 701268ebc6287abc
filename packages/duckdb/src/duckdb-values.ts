import type { DuckDBResultReader, DuckDBValue, DuckDBValueConverter, JS } from '@duckdb/node-api';
import { duckDbDriver } from './duckdb-driver.js';
import type { Row } from '@assay/core';

function plainNumber(value: bigint): number | string {
  return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value.toString();
}

/**
 * Converts DuckDB values to JSON-friendly JavaScript: integers wider than 32 bits become
 * numbers when they fit in a double exactly, else decimal strings; DECIMAL becomes a number;
 * DATE and TIMESTAMP become `Date`; TIME and INTERVAL become their text; LIST/ARRAY become
 * arrays and STRUCT objects (nested values converted the same way).
 */
const jsonFriendly: DuckDBValueConverter<unknown> = (value, type, converter) => {
  if (value === null || value === undefined) return null;
  const { DuckDBTypeId, JSDuckDBValueConverter } = duckDbDriver();
  switch (type.typeId) {
    case DuckDBTypeId.BIGINT:
    case DuckDBTypeId.UBIGINT:
    case DuckDBTypeId.HUGEINT:
    case DuckDBTypeId.UHUGEINT:
    case DuckDBTypeId.BIGNUM: {
      const v = JSDuckDBValueConverter(value, type, JSDuckDBValueConverter);
      return typeof v === 'bigint' ? plainNumber(v) : v;
    }
    case DuckDBTypeId.TIME:
    case DuckDBTypeId.TIME_NS:
    case DuckDBTypeId.TIME_TZ:
    case DuckDBTypeId.INTERVAL:
      return String(value);
    default:
      return JSDuckDBValueConverter(value, type, converter as unknown as DuckDBValueConverter<JS>);
  }
};

function parseJson(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  try {
    return JSON.parse(value) as unknown;
  } catch {
    return value;
  }
}

/**
 * All rows of a fully read result as plain objects (see {@link jsonFriendly}). Top-level JSON
 * columns are parsed; the driver only reports the JSON alias on the result's column types,
 * not on the values' vectors.
 */
export function readRows(reader: DuckDBResultReader): Row[] {
  const rows = reader.convertRowObjects(jsonFriendly) as Row[];
  const names = reader.deduplicatedColumnNames();
  const json = names.filter((_, i) => reader.columnType(i).alias?.toUpperCase() === 'JSON');
  if (json.length > 0) for (const row of rows) for (const name of json) row[name] = parseJson(row[name]);
  return rows;
}

/** A JavaScript `Date` as a DuckDB TIMESTAMP (UTC wall clock, microseconds). */
export function toTimestamp(date: Date): DuckDBValue {
  return duckDbDriver().timestampValue(BigInt(date.getTime()) * 1000n);
}

/**
 * Converts a bound parameter to something the driver accepts: `undefined` → NULL, `Date` →
 * TIMESTAMP (UTC), arrays and plain objects → JSON text, everything else as is.
 */
export function toParam(value: unknown): DuckDBValue {
  if (value === undefined || value === null) return null;
  if (value instanceof Date) return toTimestamp(value);
  if (typeof value === 'number' || typeof value === 'string' || typeof value === 'boolean' || typeof value === 'bigint') return value;
  if (value instanceof Uint8Array) return duckDbDriver().blobValue(value);
  if (typeof value === 'object' && value.constructor?.name?.startsWith('DuckDB')) return value as DuckDBValue;
  return JSON.stringify(value);
}
