/**
 * Snowflake data types as the test server stores them in DuckDB.
 *
 * Snowflake has fewer, wider types than DuckDB (every integer is `NUMBER(38,0)`, `VARIANT`,
 * `OBJECT` and `ARRAY` are semi-structured). The server stores each in the closest DuckDB
 * type and remembers, where DuckDB cannot tell them apart (`TIMESTAMP_TZ` vs `_LTZ`,
 * `OBJECT`/`ARRAY` vs `VARIANT`), which one a column was declared as.
 */

/** Snowflake's logical type names as they appear in result metadata and INFORMATION_SCHEMA. */
export type SnowflakeTypeName =
  | 'NUMBER'
  | 'FLOAT'
  | 'TEXT'
  | 'BOOLEAN'
  | 'DATE'
  | 'TIME'
  | 'TIMESTAMP_NTZ'
  | 'TIMESTAMP_LTZ'
  | 'TIMESTAMP_TZ'
  | 'VARIANT'
  | 'OBJECT'
  | 'ARRAY'
  | 'BINARY';

/** A Snowflake type mapped to its DuckDB storage type. */
export interface MappedType {
  /** DuckDB type SQL, e.g. `DECIMAL(10,2)`, `JSON`, `TIMESTAMPTZ`. */
  readonly duckdb: string;
  /** The Snowflake type the user declared. */
  readonly snowflake: SnowflakeTypeName;
}

const STRING_TYPES = new Set(['VARCHAR', 'STRING', 'TEXT', 'CHAR', 'CHARACTER', 'NCHAR', 'NVARCHAR', 'NVARCHAR2', 'CHAR VARYING', 'NCHAR VARYING', 'CHARACTER VARYING']);
const INTEGER_TYPES = new Set(['INT', 'INTEGER', 'BIGINT', 'SMALLINT', 'TINYINT', 'BYTEINT']);
const NUMBER_TYPES = new Set(['NUMBER', 'NUMERIC', 'DECIMAL', 'DEC']);
const FLOAT_TYPES = new Set(['FLOAT', 'FLOAT4', 'FLOAT8', 'DOUBLE', 'DOUBLE PRECISION', 'REAL']);

/**
 * Maps a Snowflake type name (upper case, multi-word names joined by one space) and its
 * arguments to DuckDB. Returns undefined for names Snowflake does not have, so the caller can
 * pass them through unchanged.
 */
export function mapSnowflakeType(name: string, args: readonly string[]): MappedType | undefined {
  const n = name.toUpperCase();
  if (STRING_TYPES.has(n)) return { duckdb: 'VARCHAR', snowflake: 'TEXT' };
  if (INTEGER_TYPES.has(n)) return { duckdb: 'BIGINT', snowflake: 'NUMBER' };
  if (NUMBER_TYPES.has(n)) {
    const precision = args[0] === undefined ? 38 : Number(args[0]);
    const scale = args[1] === undefined ? 0 : Number(args[1]);
    // Integers that fit 64 bits are stored as BIGINT (fast, exact); anything wider or with a
    // scale keeps DECIMAL so values round-trip exactly.
    if (scale === 0 && (args.length === 0 || precision <= 18)) return { duckdb: 'BIGINT', snowflake: 'NUMBER' };
    return { duckdb: `DECIMAL(${Math.min(precision, 38)},${scale})`, snowflake: 'NUMBER' };
  }
  if (FLOAT_TYPES.has(n)) return { duckdb: 'DOUBLE', snowflake: 'FLOAT' };
  if (n === 'BOOLEAN' || n === 'BOOL') return { duckdb: 'BOOLEAN', snowflake: 'BOOLEAN' };
  if (n === 'BINARY' || n === 'VARBINARY') return { duckdb: 'BLOB', snowflake: 'BINARY' };
  if (n === 'DATE') return { duckdb: 'DATE', snowflake: 'DATE' };
  if (n === 'TIME') return { duckdb: 'TIME', snowflake: 'TIME' };
  if (n === 'DATETIME' || n === 'TIMESTAMP' || n === 'TIMESTAMP_NTZ' || n === 'TIMESTAMPNTZ' || n === 'TIMESTAMP WITHOUT TIME ZONE') {
    return { duckdb: 'TIMESTAMP', snowflake: 'TIMESTAMP_NTZ' };
  }
  if (n === 'TIMESTAMP_LTZ' || n === 'TIMESTAMPLTZ' || n === 'TIMESTAMP WITH LOCAL TIME ZONE') return { duckdb: 'TIMESTAMPTZ', snowflake: 'TIMESTAMP_LTZ' };
  if (n === 'TIMESTAMP_TZ' || n === 'TIMESTAMPTZ' || n === 'TIMESTAMP WITH TIME ZONE') return { duckdb: 'TIMESTAMPTZ', snowflake: 'TIMESTAMP_TZ' };
  if (n === 'VARIANT') return { duckdb: 'JSON', snowflake: 'VARIANT' };
  if (n === 'OBJECT') return { duckdb: 'JSON', snowflake: 'OBJECT' };
  if (n === 'ARRAY') return { duckdb: 'JSON', snowflake: 'ARRAY' };
  if (n === 'GEOGRAPHY' || n === 'GEOMETRY') return { duckdb: 'VARCHAR', snowflake: 'TEXT' };
  return undefined;
}

/** Multi-word Snowflake type names, longest first, for the type parser. */
export const MULTI_WORD_TYPES: readonly string[][] = [
  ['TIMESTAMP', 'WITH', 'LOCAL', 'TIME', 'ZONE'],
  ['TIMESTAMP', 'WITHOUT', 'TIME', 'ZONE'],
  ['TIMESTAMP', 'WITH', 'TIME', 'ZONE'],
  ['DOUBLE', 'PRECISION'],
  ['CHARACTER', 'VARYING'],
  ['NCHAR', 'VARYING'],
  ['CHAR', 'VARYING'],
];

/** True when `type` is one of Snowflake's string type names. */
export function isStringType(type: MappedType): boolean {
  return type.snowflake === 'TEXT';
}

/** True for the semi-structured types stored as DuckDB JSON. */
export function isSemiStructured(type: MappedType): boolean {
  return type.snowflake === 'VARIANT' || type.snowflake === 'OBJECT' || type.snowflake === 'ARRAY';
}
