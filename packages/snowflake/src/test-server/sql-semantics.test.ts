import type { Connection } from 'snowflake-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSnowflakeTestServer, type SnowflakeTestServer } from './snowflake-test-server.js';
import { connect, destroy, failure, query, rows } from './__tests__/sdk.js';

describe('Snowflake SQL semantics on DuckDB, through snowflake-sdk', () => {
  let server: SnowflakeTestServer;
  let conn: Connection;

  beforeAll(async () => {
    server = await startSnowflakeTestServer();
    conn = await connect(server);
  });
  afterAll(async () => {
    await destroy(conn);
    await server.close();
  });

  describe('DDL and namespaces', () => {
    it('creates, replaces and keeps tables (OR REPLACE, TRANSIENT, IF NOT EXISTS, CTAS)', async () => {
      expect(await rows(conn, 'create or replace transient table ddl_t (id number(38,0) not null, name varchar(100) default \'n/a\', primary key (id)) cluster by (id) comment = \'x\'')).toEqual([
        { status: 'Table DDL_T successfully created.' },
      ]);
      await rows(conn, 'insert into ddl_t (id) values (1), (1)'); // PRIMARY KEY is not enforced in Snowflake
      expect(await rows(conn, 'select id, name from ddl_t')).toEqual([{ ID: 1, NAME: 'n/a' }, { ID: 1, NAME: 'n/a' }]);
      await rows(conn, 'create table if not exists ddl_t (other int)');
      expect(await rows(conn, 'select count(*) as n from ddl_t')).toEqual([{ N: 2 }]);
      expect(await failure(conn, 'insert into ddl_t (id) values (null)')).toMatchObject({ code: '100072' });
      await rows(conn, 'create or replace table ddl_ctas as select id, count(*), iff(id > 0, \'pos\', \'neg\') from ddl_t group by id');
      expect(await rows(conn, 'select * from ddl_ctas')).toEqual([{ ID: 1, 'COUNT(*)': 2, "IFF(ID > 0, 'POS', 'NEG')": 'pos' }]);
      await rows(conn, 'create or replace table ddl_t as select 5 as id');
      expect(await rows(conn, 'select * from ddl_t')).toEqual([{ ID: 5 }]);
      await rows(conn, 'alter table ddl_t add column note string, added_at timestamp_ntz');
      await rows(conn, 'alter table ddl_t rename column note to remark');
      expect((await query(conn, 'select * from ddl_t')).statement.getColumns()!.map((c) => c.getName())).toEqual(['ID', 'REMARK', 'ADDED_AT']);
      await rows(conn, 'alter table ddl_t rename to ddl_renamed');
      expect(await rows(conn, 'select id from ddl_renamed')).toEqual([{ ID: 5 }]);
      expect(await rows(conn, 'drop table ddl_renamed')).toEqual([{ status: 'DDL_RENAMED successfully dropped.' }]);
      expect(await failure(conn, 'select * from ddl_renamed')).toMatchObject({ code: '002003' });
    });

    it('reaches temporary tables by qualified name and drops them when the session ends', async () => {
      const other = await connect(server);
      try {
        await rows(other, 'create temporary table "ASSAY"."PUBLIC"."TMP_Q" as select 1 as x');
        expect(await rows(other, 'select x from "ASSAY"."PUBLIC"."TMP_Q"')).toEqual([{ X: 1 }]);
        expect(await rows(other, 'select x from tmp_q')).toEqual([{ X: 1 }]);
      } finally {
        await destroy(other);
      }
      // Gone with its session (dropped after the session's queue drains).
      await new Promise((r) => setTimeout(r, 100));
      expect(await failure(conn, 'select x from "ASSAY"."PUBLIC"."TMP_Q"')).toMatchObject({ code: '002003' });
    });

    it('switches schema and database on CREATE and USE; three-part names cross databases', async () => {
      await rows(conn, 'create schema staging');
      expect(await rows(conn, 'select current_database() as d, current_schema() as s')).toEqual([{ D: 'ASSAY', S: 'STAGING' }]);
      await rows(conn, 'create table in_staging (x int)');
      await rows(conn, 'use schema public');
      expect(await rows(conn, 'select count(*) as n from staging.in_staging')).toEqual([{ N: 0 }]);
      await rows(conn, 'create database other_db');
      expect(await rows(conn, 'select current_database() as d, current_schema() as s')).toEqual([{ D: 'OTHER_DB', S: 'PUBLIC' }]);
      await rows(conn, "create table far (v string) as select 'far away'");
      await rows(conn, 'use database assay');
      expect(await rows(conn, 'select v from other_db.public.far')).toEqual([{ V: 'far away' }]);
      await rows(conn, 'use other_db.public');
      expect(await rows(conn, 'select v from far')).toEqual([{ V: 'far away' }]);
      expect(await failure(conn, 'use database no_such_db')).toMatchObject({ code: '002043' });
      await rows(conn, 'use assay.public');
      await rows(conn, 'drop database other_db');
      expect(await failure(conn, 'select * from other_db.public.far')).toMatchObject({ code: '002003' });
    });

    it('creates views that follow the tables they read', async () => {
      await rows(conn, 'create or replace table v_src (id number, raw variant)');
      await rows(conn, "insert into v_src select 1, parse_json('{\"a\":{\"b\":\"x\"}}')");
      await rows(conn, 'create or replace view v_view as select id, raw:a.b::string as b from v_src');
      expect(await rows(conn, 'select * from v_view')).toEqual([{ ID: 1, B: 'x' }]);
      await rows(conn, "insert into v_src select 2, parse_json('{\"a\":{\"b\":\"y\"}}')");
      expect(await rows(conn, 'select b from v_view order by id')).toEqual([{ B: 'x' }, { B: 'y' }]);
    });

    it('answers INFORMATION_SCHEMA, SHOW TABLES and DESCRIBE with Snowflake names and types', async () => {
      await rows(conn, 'create or replace table meta_t (id number(10,0), amount number(12,2), ts timestamp_tz, payload object, tags array, v variant)');
      const tables = await rows(conn, "select table_name, table_type from information_schema.tables where table_schema = 'PUBLIC' and table_name like 'META%'");
      expect(tables).toEqual([{ TABLE_NAME: 'META_T', TABLE_TYPE: 'BASE TABLE' }]);
      const cols = await rows(conn, "select column_name, data_type, numeric_scale from information_schema.columns where table_name = 'META_T' order by ordinal_position");
      expect(cols).toEqual([
        { COLUMN_NAME: 'ID', DATA_TYPE: 'NUMBER', NUMERIC_SCALE: 0 },
        { COLUMN_NAME: 'AMOUNT', DATA_TYPE: 'NUMBER', NUMERIC_SCALE: 2 },
        { COLUMN_NAME: 'TS', DATA_TYPE: 'TIMESTAMP_TZ', NUMERIC_SCALE: null },
        { COLUMN_NAME: 'PAYLOAD', DATA_TYPE: 'OBJECT', NUMERIC_SCALE: null },
        { COLUMN_NAME: 'TAGS', DATA_TYPE: 'ARRAY', NUMERIC_SCALE: null },
        { COLUMN_NAME: 'V', DATA_TYPE: 'VARIANT', NUMERIC_SCALE: null },
      ]);
      const shown = await rows(conn, "show tables like 'meta%' in schema assay.public");
      expect(shown.map((r) => [r.name, r.database_name, r.schema_name, r.kind])).toEqual([['META_T', 'ASSAY', 'PUBLIC', 'TABLE']]);
      const described = await rows(conn, 'describe table meta_t');
      expect(described.map((r) => [r.name, r.type])).toEqual([
        ['ID', 'NUMBER(38,0)'],
        ['AMOUNT', 'NUMBER(12,2)'],
        ['TS', 'TIMESTAMP_TZ(9)'],
        ['PAYLOAD', 'OBJECT'],
        ['TAGS', 'ARRAY'],
        ['V', 'VARIANT'],
      ]);
    });
  });

  describe('ALTER TABLE ... SWAP WITH', () => {
    it('swaps contents; a view on the name sees the new data', async () => {
      await rows(conn, "create or replace table sw_live (v string) as select 'old'");
      await rows(conn, "create or replace table sw_next (v string) as select 'new'");
      await rows(conn, 'create or replace view sw_view as select v from sw_live');
      expect(await rows(conn, 'alter table sw_live swap with sw_next')).toEqual([{ status: 'Statement executed successfully.' }]);
      expect(await rows(conn, 'select v from sw_live')).toEqual([{ V: 'new' }]);
      expect(await rows(conn, 'select v from sw_next')).toEqual([{ V: 'old' }]);
      expect(await rows(conn, 'select v from sw_view')).toEqual([{ V: 'new' }]);
    });

    it('is atomic: a failed swap leaves both names as they were', async () => {
      await rows(conn, "create or replace table sw_keep (v string) as select 'kept'");
      expect(await failure(conn, 'alter table sw_keep swap with sw_missing')).toMatchObject({ code: '002003' });
      expect(await rows(conn, 'select v from sw_keep')).toEqual([{ V: 'kept' }]);
      expect(server.queryHistory().some((q) => q.duckdbSql.some((s) => s.includes('__ASSAY_SWAP_')) && q.sqlText.includes('sw_missing'))).toBe(false);
    });

    it('never shows a missing table to a concurrent reader', async () => {
      await rows(conn, "create or replace table sw_a (v string) as select 'a'");
      await rows(conn, "create or replace table sw_b (v string) as select 'b'");
      const reader = await connect(server);
      const seen = new Set<string>();
      const readLoop = (async () => {
        for (let i = 0; i < 40; i++) for (const r of await rows(reader, 'select v from sw_a')) seen.add(String(r.V));
      })();
      for (let i = 0; i < 15; i++) await rows(conn, 'alter table sw_a swap with sw_b');
      await readLoop;
      await destroy(reader);
      expect([...seen].every((v) => v === 'a' || v === 'b')).toBe(true);
      expect(await rows(conn, 'select v from sw_a')).toEqual([{ V: 'b' }]);
    });
  });

  describe('DML and transactions', () => {
    it('MERGE inserts, updates and deletes per its WHEN clauses', async () => {
      await rows(conn, "create or replace table m_target (id number, v string) as select * from (values (1, 'keep'), (2, 'update me'), (3, 'delete me')) t(id, v)");
      const r = await rows(
        conn,
        `merge into m_target t using (select 2 as id, 'updated' as v, false as del union all select 3, null, true union all select 4, 'inserted', false) s
           on t.id = s.id
         when matched and s.del then delete
         when matched then update set v = s.v
         when not matched then insert (id, v) values (s.id, s.v)`,
      );
      expect(r).toEqual([{ 'number of rows inserted': 1, 'number of rows updated': 1, 'number of rows deleted': 1 }]);
      expect(await rows(conn, 'select id, v from m_target order by id')).toEqual([
        { ID: 1, V: 'keep' },
        { ID: 2, V: 'updated' },
        { ID: 4, V: 'inserted' },
      ]);
    });

    it('UPDATE ... FROM and DELETE ... USING join another table', async () => {
      await rows(conn, "create or replace table u_t (id number, v string) as select * from (values (1, 'a'), (2, 'b')) x(id, v)");
      await rows(conn, "create or replace table u_s (id number, v string) as select 2, 'B'");
      expect(await rows(conn, 'update u_t set v = u_s.v from u_s where u_t.id = u_s.id')).toEqual([{ 'number of rows updated': 1, 'number of multi-joined rows updated': 0 }]);
      expect(await rows(conn, 'delete from u_t using u_s where u_t.id = u_s.id')).toEqual([{ 'number of rows deleted': 1 }]);
      expect(await rows(conn, 'select * from u_t')).toEqual([{ ID: 1, V: 'a' }]);
    });

    it('honours BEGIN / COMMIT / ROLLBACK, and DDL commits an open transaction', async () => {
      await rows(conn, 'create or replace table tx_t (id number)');
      await rows(conn, 'begin');
      await rows(conn, 'insert into tx_t values (1)');
      await rows(conn, 'rollback');
      expect(await rows(conn, 'select count(*) as n from tx_t')).toEqual([{ N: 0 }]);
      await rows(conn, 'begin transaction');
      await rows(conn, 'insert into tx_t values (2)');
      await rows(conn, 'commit');
      expect(await rows(conn, 'select id from tx_t')).toEqual([{ ID: 2 }]);
      await rows(conn, 'begin');
      await rows(conn, 'insert into tx_t values (3)');
      await rows(conn, 'create or replace table tx_other (x int)'); // implicit commit
      await rows(conn, 'rollback'); // nothing left to roll back
      expect(await rows(conn, 'select id from tx_t order by id')).toEqual([{ ID: 2 }, { ID: 3 }]);
      expect(await rows(conn, 'commit')).toEqual([{ status: 'Statement executed successfully.' }]);
    });

    it('INSERT OVERWRITE replaces the contents', async () => {
      await rows(conn, 'create or replace table ow_t (id number) as select 1');
      expect(await rows(conn, 'insert overwrite into ow_t select 7 union all select 8')).toEqual([{ 'number of rows inserted': 2 }]);
      expect(await rows(conn, 'select id from ow_t order by id')).toEqual([{ ID: 7 }, { ID: 8 }]);
    });
  });

  describe('semi-structured data', () => {
    beforeAll(async () => {
      await rows(conn, 'create or replace table semi (id number, raw variant)');
      await rows(
        conn,
        `insert into semi
         select 1, parse_json('{"user":{"name":"Ana","Tier":"gold"},"items":[{"sku":"a1","qty":2},{"sku":"b2","qty":1}],"odd key":5,"ts":1700000000}')
         union all select 2, parse_json('{"user":{"name":"Bo"},"items":[]}')
         union all select 3, parse_json('{"user":null}')`,
      );
    });

    it('reads paths with :, . and [] and casts with ::', async () => {
      const r = await rows(
        conn,
        `select id, raw:user.name::string as name, raw:user.Tier::string as tier, raw:items[0].sku::string as first_sku,
                raw:items[0]:qty::number + 1 as qty_plus, raw['odd key']::int as odd, raw:user.name as name_variant,
                to_timestamp_ntz(raw:ts::number) as ts
         from semi order by id`,
      );
      expect(r[0]).toMatchObject({ ID: 1, NAME: 'Ana', TIER: 'gold', FIRST_SKU: 'a1', QTY_PLUS: 3, ODD: 5, NAME_VARIANT: 'Ana' });
      expect((r[0]!.TS as Date).toISOString()).toBe('2023-11-14T22:13:20.000Z');
      expect(r[1]).toMatchObject({ ID: 2, NAME: 'Bo', TIER: null, FIRST_SKU: null, ODD: null });
      expect(r[2]).toMatchObject({ ID: 3, NAME: null });
    });

    it('IS_OBJECT, IS_ARRAY and TYPEOF on VARIANT values', async () => {
      expect(
        await rows(conn, `select is_object(parse_json('{"a":1}')) as o, is_object(parse_json('[1]')) as o2, is_array(parse_json('[1]')) as a, typeof(parse_json('{"a":1}')) as t1, typeof(parse_json('[1]')) as t2, typeof(parse_json('"x"')) as t3, typeof(parse_json('7')) as t4`),
      ).toEqual([{ O: true, O2: false, A: true, T1: 'OBJECT', T2: 'ARRAY', T3: 'VARCHAR', T4: 'INTEGER' }]);
    });

    it('PARSE_JSON, TRY_PARSE_JSON, IFF, OBJECT_KEYS, ARRAY_SIZE', async () => {
      const [row] = await rows(
        conn,
        `select try_parse_json('{not json') as bad, try_parse_json('[1]') as good, iff(array_size(raw:items) > 1, 'many', 'few') as cnt,
                object_keys(raw:user) as keys, array_size(raw:user) as not_array
         from semi where id = 1`,
      );
      expect(row).toEqual({ BAD: null, GOOD: [1], CNT: 'many', KEYS: ['name', 'Tier'], NOT_ARRAY: null });
    });

    it('LATERAL FLATTEN drops rows with nothing to flatten; OUTER => TRUE keeps them', async () => {
      const inner = await rows(conn, 'select s.id, f.index as i, f.value:sku::string as sku from semi s, lateral flatten(input => s.raw:items) f order by s.id, i');
      expect(inner).toEqual([
        { ID: 1, I: 0, SKU: 'a1' },
        { ID: 1, I: 1, SKU: 'b2' },
      ]);
      const outer = await rows(conn, 'select s.id, f.index as i, f.value:sku::string as sku from semi s, lateral flatten(input => s.raw:items, outer => true) f order by s.id, i');
      expect(outer).toEqual([
        { ID: 1, I: 0, SKU: 'a1' },
        { ID: 1, I: 1, SKU: 'b2' },
        { ID: 2, I: null, SKU: null },
        { ID: 3, I: null, SKU: null },
      ]);
      const objectKeys = await rows(conn, "select f.key, f.value::string as v from semi s, table(flatten(input => s.raw, path => 'user')) f where s.id = 1 order by f.key");
      expect(objectKeys).toEqual([
        { KEY: 'Tier', V: 'gold' },
        { KEY: 'name', V: 'Ana' },
      ]);
    });
  });

  describe('functions and dynamic tables', () => {
    it('translates date arithmetic', async () => {
      const [row] = await rows(
        conn,
        `select dateadd(day, 3, '2024-02-27'::date) as plus3, datediff('month', '2024-01-31'::date, '2024-03-01'::date) as months,
                date_trunc(month, '2024-02-27 10:00:00'::timestamp_ntz) as month_start`,
      );
      expect((row!.PLUS3 as Date).toISOString()).toBe('2024-03-01T00:00:00.000Z');
      expect(row!.MONTHS).toBe(2);
      expect((row!.MONTH_START as Date).toISOString()).toBe('2024-02-01T00:00:00.000Z');
    });

    it('generates rows, aggregates ordered lists and matches regular expressions', async () => {
      expect(await rows(conn, 'select seq4() as n from table(generator(rowcount => 3)) order by n')).toEqual([{ N: 0 }, { N: 1 }, { N: 2 }]);
      const [row] = await rows(
        conn,
        "select listagg(x, '|') within group (order by x) as l, 'abc' rlike 'a.c' as full_match, 'abcd' rlike 'a.c' as partial, regexp_substr('ab12', '[0-9]+') as digits from (select 'b' as x union all select 'a')",
      );
      expect(row).toEqual({ L: 'a|b', FULL_MATCH: true, PARTIAL: false, DIGITS: '12' });
    });

    it('creates a dynamic table once and refreshes it on ALTER ... REFRESH', async () => {
      await rows(conn, 'create or replace table dt_src (v number) as select 1');
      expect(await rows(conn, "create or replace dynamic table dt_sum target_lag = '5 minutes' warehouse = compute_wh as select sum(v) as total from dt_src")).toEqual([
        { status: 'Dynamic table DT_SUM successfully created.' },
      ]);
      await rows(conn, 'insert into dt_src values (41)');
      expect(await rows(conn, 'select total from dt_sum')).toEqual([{ TOTAL: 1 }]);
      await rows(conn, 'alter dynamic table dt_sum refresh');
      expect(await rows(conn, 'select total from dt_sum')).toEqual([{ TOTAL: 42 }]);
      const shown = await rows(conn, "show dynamic tables like 'DT_%'");
      expect(shown.map((r) => [r.name, r.target_lag, r.warehouse, r.scheduling_state])).toEqual([['DT_SUM', '5 minutes', 'COMPUTE_WH', 'RUNNING']]);
      expect(server.dynamicTables()).toMatchObject([{ name: 'ASSAY.PUBLIC.DT_SUM', refreshCount: 2 }]);
    });
  });
});
