import type { Row } from '../definitions/context.js';

/**
 * What a column of JavaScript rows holds, in engine-neutral terms; each backend maps kinds
 * to its own type names (`integer` → `BIGINT` in DuckDB, `NUMBER(38,0)` in Snowflake).
 *
 * - `boolean`: booleans
 * - `integer`: integral numbers, and bigints that fit a signed 64-bit integer
 * - `bigInteger`: bigints beyond 64 bits
 * - `double`: other numbers
 * - `text`: strings, and columns that mix kinds or hold only nulls
 * - `timestamp`: `Date` values
 * - `binary`: `Uint8Array` values (Node's `Buffer` included)
 * - `json`: arrays and other objects
 */
export type ColumnKind = 'boolean' | 'integer' | 'bigInteger' | 'double' | 'text' | 'timestamp' | 'binary' | 'json';

/** Options of {@link inferColumnKinds}. */
export interface InferColumnKindsOptions {
  /**
   * Most decimal digits (sign aside) a bigint may have to count as a number; longer ones are
   * `text` (Snowflake's NUMBER holds 38 digits). Defaults to no limit.
   */
  maxIntegerDigits?: number;
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const NUMERIC: ReadonlySet<ColumnKind> = new Set(['integer', 'bigInteger', 'double']);

/** The kind of one value, or undefined for null and undefined (they fit any kind). */
export function columnKindOf(value: unknown, options: InferColumnKindsOptions = {}): ColumnKind | undefined {
  if (value === null || value === undefined) return undefined;
  switch (typeof value) {
    case 'boolean':
      return 'boolean';
    case 'number':
      return Number.isInteger(value) ? 'integer' : 'double';
    case 'bigint': {
      const digits = (value < 0n ? -value : value).toString().length;
      if (options.maxIntegerDigits !== undefined && digits > options.maxIntegerDigits) return 'text';
      return value < INT64_MIN || value > INT64_MAX ? 'bigInteger' : 'integer';
    }
    case 'string':
      return 'text';
    default:
      if (value instanceof Date) return 'timestamp';
      if (value instanceof Uint8Array) return 'binary';
      return 'json';
  }
}

/**
 * The kind of a column that holds values of kinds `a` (undefined: none yet) and `b`: numbers
 * widen to the wider number (`integer` + `bigInteger` → `bigInteger`, anything + `double` →
 * `double`); any other mix is `text`.
 */
export function widenColumnKind(a: ColumnKind | undefined, b: ColumnKind): ColumnKind {
  if (a === undefined || a === b) return b;
  if (NUMERIC.has(a) && NUMERIC.has(b)) return a === 'double' || b === 'double' ? 'double' : 'bigInteger';
  return 'text';
}

/**
 * Column names, in order of first appearance, and the kind of each, for rows returned by a
 * compute asset. A column's kind widens over all its non-null values (see
 * {@link widenColumnKind}); a column with only nulls is `text`.
 *
 * @example
 * ```ts
 * inferColumnKinds([{ id: 1, score: 1.5 }, { id: 2, score: 2, note: null }]);
 * // [{ name: 'id', kind: 'integer' }, { name: 'score', kind: 'double' }, { name: 'note', kind: 'text' }]
 * ```
 */
export function inferColumnKinds(rows: readonly Row[], options: InferColumnKindsOptions = {}): { name: string; kind: ColumnKind }[] {
  const kinds = new Map<string, ColumnKind | undefined>();
  for (const row of rows) {
    for (const [name, value] of Object.entries(row)) {
      const kind = columnKindOf(value, options);
      if (!kinds.has(name)) kinds.set(name, kind);
      else if (kind !== undefined) kinds.set(name, widenColumnKind(kinds.get(name), kind));
    }
  }
  return [...kinds].map(([name, kind]) => ({ name, kind: kind ?? 'text' }));
}
