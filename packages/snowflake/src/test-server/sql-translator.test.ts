import { describe, expect, it } from 'vitest';
import { SnowflakeSqlError } from './snowflake-sql-error.js';
import { tokenizeSql } from './sql-tokenizer.js';
import { translateStatement, type TranslateContext, type TranslatedStatement } from './sql-translator.js';

const ctx: TranslateContext = { database: 'ASSAY', schema: 'PUBLIC', user: 'TEST', role: 'ACCOUNTADMIN', warehouse: 'WH', account: 'acct', sessionId: '1', version: '9.0.0' };

function sqlOf(text: string, c: TranslateContext = ctx): string {
  const t = translateStatement(text, c);
  if (t.kind === 'query') return t.sql;
  if (t.kind === 'dml' || t.kind === 'ddl') return t.statements.join('; ');
  throw new Error(`not SQL: ${t.kind}`);
}

function errorOf(text: string, c: TranslateContext = ctx): SnowflakeSqlError {
  try {
    translateStatement(text, c);
  } catch (e) {
    if (e instanceof SnowflakeSqlError) return e;
    throw e;
  }
  throw new Error(`expected an error for ${text}`);
}

function kindOf<K extends TranslatedStatement['kind']>(text: string, kind: K): Extract<TranslatedStatement, { kind: K }> {
  const t = translateStatement(text, ctx);
  expect(t.kind).toBe(kind);
  return t as Extract<TranslatedStatement, { kind: K }>;
}

describe('tokenizer', () => {
  it('keeps string literals whole, resolving Snowflake escapes', () => {
    const t = tokenizeSql(`select 'a::b:c -- not // a comment', 'it\\'s', 'x''y', $$raw 'text'$$`);
    expect(t.filter((x) => x.kind === 'string').map((x) => x.value)).toEqual(['a::b:c -- not // a comment', "it's", "x'y", "raw 'text'"]);
  });

  it('reads quoted identifiers, comments, stage references and $n columns', () => {
    const t = tokenizeSql('select "a ""b""", $1 /* c */ from @db.s."My Stage"/path/x.json // tail');
    expect(t.filter((x) => x.kind !== 'ws').map((x) => [x.kind, x.value])).toEqual([
      ['word', 'SELECT'],
      ['quoted', 'a "b"'],
      ['op', ','],
      ['dollar', '$1'],
      ['comment', '/* c */'],
      ['word', 'FROM'],
      ['stage', 'db.s."My Stage"/path/x.json'],
      ['comment', '// tail'],
    ]);
  });

  it('reports unterminated strings as Snowflake syntax errors (001003)', () => {
    expect(errorOf("select 'open")).toMatchObject({ snowflakeCode: '001003', sqlState: '42000' });
  });
});

describe('expression translation', () => {
  it('leaves string literals alone while rewriting casts, paths and comments around them', () => {
    expect(sqlOf(`select 'a::b', x::string, 'it\\'s' -- c\n from t // d`)).toBe(`SELECT 'a::b' AS "'A::B'", SF_TO_VARCHAR(X) AS "X::STRING", 'it''s' AS "'IT\\'S'" FROM T`);
  });

  it('turns VARIANT paths into DuckDB JSON access, ->> when cast to a string', () => {
    const sql = sqlOf(`select raw:a.b, raw:a.b::string, raw:"odd key"[0]::number(10,2), raw['k'], f.value:x::varchar from t`);
    expect(sql).toContain(`(RAW -> '$.a.b') AS "RAW:A.B"`);
    expect(sql).toContain(`(RAW ->> '$.a.b') AS "RAW:A.B::STRING"`);
    expect(sql).toContain(`CAST((RAW ->> '$."odd key"[0]') AS DECIMAL(10,2))`);
    expect(sql).toContain(`(RAW -> '$.k')`);
    expect(sql).toContain(`(F.VALUE ->> '$.x')`);
  });

  it('keeps path keys case-sensitive but upper-cases identifiers', () => {
    expect(sqlOf('select Raw:CamelKey from Tbl')).toBe(`SELECT (RAW -> '$.CamelKey') AS "RAW:CAMELKEY" FROM TBL`);
  });

  it('distinguishes :n binds from paths and :: casts', () => {
    const t = kindOf('select :1 + x:y::int, ? from t where a = :2', 'query');
    expect(t.sql).toContain(`$1 + CAST((X ->> '$.y') AS BIGINT)`);
    expect(t.sql).toContain('WHERE A = $2');
    expect(t.usesBinds).toBe(true);
  });

  it('casts CASE ... END as a whole', () => {
    expect(sqlOf('select case when a then 1 else 2 end::string as s from t')).toBe(`SELECT SF_TO_VARCHAR(CASE WHEN A THEN 1 ELSE 2 END) AS "S" FROM T`);
  });

  it('maps Snowflake functions to DuckDB equivalents', () => {
    const sql = sqlOf(
      `select iff(a, 1, 2), parse_json(s), try_parse_json(s), object_keys(o), array_size(a), to_timestamp_ntz(1700000000),
              to_timestamp_ntz(1700000000000, 3), nvl(a, b), current_version(), dateadd(day, 1, d), datediff(hour, a, b), date_trunc(week, d) from t`,
    );
    for (const part of [
      'IF(A, 1, 2)',
      'json(S)',
      'TRY_CAST(S AS JSON)',
      'to_json(json_keys(O))',
      'SF_ARRAY_SIZE(A)',
      'SF_TO_TIMESTAMP_NTZ(1700000000)',
      'SF_TO_TIMESTAMP_NTZ(1700000000000, s := 3)',
      'COALESCE(A, B)',
      "'9.0.0'",
      '(D + CAST(1 AS BIGINT) * INTERVAL 1 DAY)',
      "date_diff('hour', A, B)",
      "date_trunc('week', D)",
    ]) {
      expect(sql).toContain(part);
    }
  });

  it('rewrites LATERAL FLATTEN, with OUTER => TRUE as a LEFT JOIN', () => {
    const inner = sqlOf('select f.value from t, lateral flatten(input => t.arr) f');
    expect(inner).toMatch(/FROM T, LATERAL \(SELECT .* FROM \(SELECT CAST\(\(T\.ARR\) AS JSON\) AS __THIS\) AS __F, json_each\(__F\.__THIS\) AS __E ORDER BY __E\.id\) AS F$/);
    const outer = sqlOf("select f.value from t, lateral flatten(input => t.raw, path => 'a.b', outer => true) f");
    expect(outer).toContain(` LEFT JOIN LATERAL (`);
    expect(outer).toContain(`json_extract(CAST((T.RAW) AS JSON), '$.a.b')`);
    expect(outer).toMatch(/ AS F ON TRUE$/);
    expect(sqlOf('select value from table(flatten(input => parse_json(s)))')).toMatch(/FROM \(SELECT .*\) AS FLATTEN_1$/);
  });

  it('names un-aliased select items like Snowflake and keeps aliases', () => {
    expect(sqlOf('select a, t.b, "q", 1+1, count(*), c d, e as "Ee", * from t')).toBe(
      `SELECT A AS "A", T.B AS "B", "q" AS "q", 1+1 AS "1+1", COUNT(*) AS "COUNT(*)", C AS "D", E AS "Ee", * FROM T`,
    );
  });

  it('names columns of subqueries and CTEs the same way', () => {
    expect(sqlOf('with x as (select count(*) from t) select * from (select a + 1 from x) y')).toBe(
      `WITH X AS (SELECT COUNT(*) AS "COUNT(*)" FROM T) SELECT * FROM (SELECT A + 1 AS "A + 1" FROM X) Y`,
    );
  });

  it('quotes words DuckDB reserves but Snowflake does not', () => {
    expect(sqlOf('select semi.at from semi')).toBe(`SELECT "SEMI"."AT" AS "AT" FROM "SEMI"`);
  });

  it('rewrites INFORMATION_SCHEMA views for the current database, and needs one', () => {
    expect(sqlOf('select table_name from information_schema.tables')).toContain("FROM duckdb_tables() WHERE database_name = 'ASSAY'");
    expect(sqlOf('select column_name from other.information_schema.columns')).toContain("WHERE database_name = 'OTHER'");
    expect(errorOf('select * from information_schema.tables', { ...ctx, database: null })).toMatchObject({ snowflakeCode: '090105' });
  });

  it('translates GENERATOR, SEQ4, infix RLIKE, WITHIN GROUP and object constants', () => {
    expect(sqlOf('select seq4() as n from table(generator(rowcount => 10)) g')).toBe(`SELECT (row_number() OVER () - 1) AS "N" FROM (SELECT range AS "__GEN" FROM range(10)) G`);
    expect(sqlOf("select a rlike 'x.*' as m from t")).toBe(`SELECT A SIMILAR TO 'x.*' AS "M" FROM T`);
    expect(sqlOf("select listagg(a, ',') within group (order by a) as l from t group by b")).toBe(`SELECT string_agg(A, ',' ORDER BY A) AS "L" FROM T GROUP BY B`);
    expect(sqlOf("select {'k': 1} as o")).toBe(`SELECT {'k': 1} AS "O"`);
  });

  it('turns seq.NEXTVAL into nextval()', () => {
    expect(sqlOf('select my_seq.nextval')).toContain(`nextval('"MY_SEQ"')`);
  });
});

describe('statement translation', () => {
  it('translates CREATE TABLE with Snowflake types, dropping unenforced constraints and options', () => {
    const t = kindOf(
      `create or replace transient table s.t (id number(38,0) not null primary key, amt number(10,2), name string default 'x' comment 'c',
        v variant, o object, a array, ts timestamp_tz, ntz timestamp_ntz(9), b binary, f float, unique (id)) cluster by (id) data_retention_time_in_days = 1`,
      'ddl',
    );
    expect(t.statements).toEqual([
      `CREATE OR REPLACE TABLE "ASSAY"."S"."T" ("ID" DECIMAL(38,0) NOT NULL, "AMT" DECIMAL(10,2), "NAME" VARCHAR DEFAULT 'x', "V" JSON, "O" JSON, "A" JSON, "TS" TIMESTAMPTZ, "NTZ" TIMESTAMP, "B" BLOB, "F" DOUBLE)`,
    ]);
    expect(t.effects).toEqual([
      {
        kind: 'declare-columns',
        table: { database: 'ASSAY', schema: 'S', name: 'T' },
        columns: [
          { column: 'O', type: 'OBJECT' },
          { column: 'A', type: 'ARRAY' },
          { column: 'TS', type: 'TIMESTAMP_TZ' },
        ],
      },
    ]);
  });

  it('translates CTAS, LIKE, CLONE, IF NOT EXISTS and TEMPORARY tables', () => {
    expect(sqlOf('create table if not exists t2 as select 1 a')).toBe(`CREATE TABLE IF NOT EXISTS "ASSAY"."PUBLIC"."T2" AS SELECT 1 AS "A"`);
    expect(sqlOf('create table t3 like t2')).toBe(`CREATE TABLE "ASSAY"."PUBLIC"."T3" AS SELECT * FROM "T2" LIMIT 0`);
    expect(sqlOf('create or replace table t4 clone db.s.t2')).toBe(`CREATE OR REPLACE TABLE "ASSAY"."PUBLIC"."T4" AS SELECT * FROM "DB"."S"."T2"`);
    // Temporary tables become real tables in their schema (so qualified names reach them), which the session drops at its end.
    expect(sqlOf('create temporary table tmp (x int)')).toBe(`CREATE TABLE "ASSAY"."PUBLIC"."TMP" ("X" BIGINT)`);
    expect(errorOf('create table t (x int)', { ...ctx, database: null })).toMatchObject({ snowflakeCode: '090105' });
  });

  it('turns AUTOINCREMENT into a sequence default', () => {
    expect(sqlOf('create table ai (id int autoincrement start 10 increment 5, v string)')).toBe(
      `CREATE SEQUENCE IF NOT EXISTS "ASSAY"."PUBLIC"."AI_ID_SEQ" START 10 INCREMENT 5; CREATE TABLE "ASSAY"."PUBLIC"."AI" ("ID" BIGINT DEFAULT nextval('"ASSAY"."PUBLIC"."AI_ID_SEQ"'), "V" VARCHAR)`,
    );
  });

  it('translates views, schemas, databases and drops', () => {
    expect(sqlOf('create or replace secure view v (a, b comment \'x\') comment = \'y\' as select 1, 2')).toBe(
      `CREATE OR REPLACE VIEW "ASSAY"."PUBLIC"."V" ("A", "B") AS SELECT 1 AS "1", 2 AS "2"`,
    );
    expect(kindOf('create schema if not exists other_db.raw', 'create-schema')).toEqual({ kind: 'create-schema', name: { database: 'OTHER_DB', name: 'RAW' }, orReplace: false, ifNotExists: true });
    expect(kindOf('create or replace database "Mixed"', 'create-database')).toEqual({ kind: 'create-database', name: 'Mixed', orReplace: true, ifNotExists: false });
    expect(sqlOf('drop schema if exists raw')).toBe(`DROP SCHEMA IF EXISTS "ASSAY"."RAW" CASCADE`);
    expect(sqlOf('drop table if exists s.t')).toBe(`DROP TABLE IF EXISTS "S"."T"`);
  });

  it('recognizes ALTER TABLE forms: SWAP WITH, RENAME, ADD/DROP COLUMN, no-op properties', () => {
    expect(kindOf('alter table if exists a swap with s.b', 'swap')).toEqual({ kind: 'swap', table: { name: 'A' }, other: { schema: 'S', name: 'B' }, ifExists: true });
    expect(sqlOf('alter table a rename to b')).toBe(`ALTER TABLE "A" RENAME TO "B"`);
    expect(sqlOf('alter table a add column c number(5,1), d variant')).toBe(`ALTER TABLE "A" ADD COLUMN "C" DECIMAL(5,1); ALTER TABLE "A" ADD COLUMN "D" JSON`);
    expect(sqlOf('alter table a drop column if exists c')).toBe(`ALTER TABLE "A" DROP COLUMN IF EXISTS "C"`);
    expect(kindOf('alter table a cluster by (x)', 'noop')).toEqual({ kind: 'noop', status: 'Statement executed successfully.' });
  });

  it('appends RETURNING merge_action to MERGE and records its actions', () => {
    const t = kindOf('merge into t using s on t.id = s.id when matched and s.d then delete when not matched then insert values (s.id)', 'dml');
    expect(t.statements[0]).toMatch(/RETURNING merge_action$/);
    expect(t.mergeActions).toEqual(['insert', 'delete']);
  });

  it('splits INSERT OVERWRITE into delete + insert', () => {
    expect(kindOf('insert overwrite into t select 1', 'dml').statements).toEqual([`DELETE FROM "T"`, `INSERT INTO "T" SELECT 1`]);
  });

  it('parses session commands', () => {
    expect(kindOf('use warehouse compute_wh', 'use')).toEqual({ kind: 'use', object: 'warehouse', name: { name: 'COMPUTE_WH' } });
    expect(kindOf('use db1.s1', 'use')).toEqual({ kind: 'use', object: 'schema', name: { schema: 'DB1', name: 'S1' } });
    expect(kindOf("alter session set query_tag = 'a b', statement_timeout_in_seconds = 5", 'alter-session')).toEqual({
      kind: 'alter-session',
      set: { QUERY_TAG: 'a b', STATEMENT_TIMEOUT_IN_SECONDS: '5' },
      unset: [],
    });
    expect(kindOf('begin transaction', 'transaction')).toEqual({ kind: 'transaction', action: 'begin' });
    expect(kindOf("call system$wait(250, 'MILLISECONDS')", 'wait')).toMatchObject({ milliseconds: 250, column: 'SYSTEM$WAIT' });
    expect(kindOf('select system$wait(2) as w', 'wait')).toMatchObject({ milliseconds: 2000, column: 'W' });
    expect(kindOf("show terse tables like 'X%' in database d limit 5", 'show')).toEqual({ kind: 'show', object: 'TABLES', like: 'X%', scope: { kind: 'database', name: { name: 'D' } }, limit: 5 });
  });

  it('parses stage commands, PUT paths with spaces and COPY options', () => {
    expect(kindOf("put 'file:///tmp/my dir/a.json' @~/in auto_compress=false", 'put')).toEqual({
      kind: 'put',
      localPath: '/tmp/my dir/a.json',
      stage: { kind: 'user', name: { name: '' }, path: 'in', text: '~/in' },
      options: { AUTO_COMPRESS: 'false' },
    });
    expect(kindOf("create stage s url = 'file:///data' file_format = (type = csv skip_header = 1)", 'create-stage')).toMatchObject({ url: 'file:///data', fileFormat: { TYPE: 'CSV', SKIP_HEADER: '1' } });
    const copy = kindOf(
      "copy into raw (v, f) from (select $1:a, metadata$filename from @%raw/dir t) files = ('x.json', 'y.json') file_format = (format_name = 'ff') on_error = continue purge = true",
      'copy',
    );
    expect(copy.stage).toEqual({ kind: 'table', name: { name: 'RAW' }, path: 'dir', text: '%raw/dir' });
    expect(copy.select).toEqual({ items: `("$1" -> '$.a'), "METADATA$FILENAME"`, alias: 'T', maxDollar: 1 });
    expect(copy.options).toMatchObject({ FILES: ['x.json', 'y.json'], FILE_FORMAT: { FORMAT_NAME: 'ff' }, ON_ERROR: 'CONTINUE', PURGE: 'TRUE' });
    expect(copy.columns).toEqual(['V', 'F']);
  });

  it('reads dynamic table definitions', () => {
    expect(kindOf("create or replace dynamic table d target_lag = downstream warehouse = wh refresh_mode = incremental as select * from t", 'create-dynamic-table')).toMatchObject({
      name: { database: 'ASSAY', schema: 'PUBLIC', name: 'D' },
      targetLag: 'DOWNSTREAM',
      warehouse: 'WH',
      refreshMode: 'INCREMENTAL',
      querySql: 'SELECT * FROM T',
      text: 'select * from t',
    });
  });

  it('resolves IDENTIFIER() names', () => {
    expect(sqlOf("insert into identifier('db.s.\"T x\"') values (1)")).toBe(`INSERT INTO "DB"."S"."T x" VALUES (1)`);
  });

  it('rejects multiple statements, unsupported features and binds in DDL', () => {
    expect(errorOf('select 1; select 2;')).toMatchObject({ snowflakeCode: '000008', sqlState: '0A000' });
    expect(errorOf('create stream s on table t')).toMatchObject({ snowflakeCode: '000002' });
    expect(errorOf('set x = 1')).toMatchObject({ snowflakeCode: '000002' });
    expect(errorOf('create view v as select ? as x')).toMatchObject({ snowflakeCode: '000002' });
    expect(errorOf('copy into @s from t')).toMatchObject({ snowflakeCode: '000002' });
    expect(errorOf('frobnicate now')).toMatchObject({ snowflakeCode: '001003' });
    expect(() => translateStatement('select 1;', ctx)).not.toThrow();
  });
});
