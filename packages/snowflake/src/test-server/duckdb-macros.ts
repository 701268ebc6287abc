/**
 * DuckDB macros that give translated SQL Snowflake's conversion semantics where DuckDB's own
 * casts differ (a VARIANT string cast to VARCHAR loses its JSON quotes; numbers convert to
 * timestamps as epoch seconds). They are created as TEMP macros on every connection the test
 * server opens, so views that use them work from any session.
 */

const NUMERIC_TYPE_TEST =
  "(typeof(x) IN ('TINYINT','SMALLINT','INTEGER','BIGINT','HUGEINT','UTINYINT','USMALLINT','UINTEGER','UBIGINT','UHUGEINT','FLOAT','DOUBLE') OR typeof(x) LIKE 'DECIMAL%')";

/** The CREATE statements, in dependency order. */
export const SNOWFLAKE_COMPAT_MACROS: readonly string[] = [
  // VARIANT -> VARCHAR: JSON strings lose their quotes and JSON null becomes SQL NULL, as in Snowflake.
  `CREATE OR REPLACE TEMP MACRO SF_TO_VARCHAR(x) AS CASE WHEN typeof(x) = 'JSON' THEN (CASE json_type(TRY_CAST(x AS JSON)) WHEN 'VARCHAR' THEN json_extract_string(TRY_CAST(x AS JSON), '$') WHEN 'NULL' THEN NULL ELSE CAST(x AS VARCHAR) END) ELSE CAST(x AS VARCHAR) END`,
  `CREATE OR REPLACE TEMP MACRO SF_TO_TIMESTAMP_NTZ(x, s := 0) AS CASE WHEN ${NUMERIC_TYPE_TEST} THEN make_timestamp(CAST(round(TRY_CAST(x AS DOUBLE) * pow(10, 6 - s)) AS BIGINT)) ELSE CAST(SF_TO_VARCHAR(x) AS TIMESTAMP) END`,
  `CREATE OR REPLACE TEMP MACRO SF_TO_TIMESTAMP_LTZ(x, s := 0) AS CASE WHEN ${NUMERIC_TYPE_TEST} THEN to_timestamp(TRY_CAST(x AS DOUBLE) / pow(10, s)) ELSE CAST(SF_TO_VARCHAR(x) AS TIMESTAMPTZ) END`,
  // Snowflake reads strings cast to BINARY as hex (BINARY_INPUT_FORMAT = HEX).
  `CREATE OR REPLACE TEMP MACRO SF_TO_BINARY(x) AS CASE WHEN typeof(x) = 'BLOB' THEN TRY_CAST(x AS BLOB) ELSE unhex(CAST(x AS VARCHAR)) END`,
  // TYPEOF of a VARIANT names the JSON value's kind, as Snowflake does (OBJECT, ARRAY, VARCHAR, INTEGER, ...).
  `CREATE OR REPLACE TEMP MACRO SF_TYPEOF(x) AS CASE json_type(TRY_CAST(x AS JSON)) WHEN 'OBJECT' THEN 'OBJECT' WHEN 'ARRAY' THEN 'ARRAY' WHEN 'VARCHAR' THEN 'VARCHAR' WHEN 'BIGINT' THEN 'INTEGER' WHEN 'UBIGINT' THEN 'INTEGER' WHEN 'DOUBLE' THEN 'DOUBLE' WHEN 'BOOLEAN' THEN 'BOOLEAN' WHEN 'NULL' THEN 'NULL_VALUE' ELSE upper(json_type(TRY_CAST(x AS JSON))) END`,
  `CREATE OR REPLACE TEMP MACRO SF_ARRAY_SIZE(x) AS CASE WHEN json_type(TRY_CAST(x AS JSON)) = 'ARRAY' THEN json_array_length(TRY_CAST(x AS JSON)) END`,
];
