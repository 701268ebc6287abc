import type { Connection } from 'snowflake-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSnowflakeTestServer, type SnowflakeTestServer } from './snowflake-test-server.js';
import { connect, destroy, failure, query, rows } from './__tests__/sdk.js';

describe('queries through snowflake-sdk', () => {
  let server: SnowflakeTestServer;
  let conn: Connection;

  beforeAll(async () => {
    server = await startSnowflakeTestServer({ chunkRows: 100 });
    conn = await connect(server);
  });
  afterAll(async () => {
    await destroy(conn);
    await server.close();
  });

  it('binds positional (?) and numbered (:n) values of every JSON type', async () => {
    const [a] = await rows(conn, 'select ? as i, ? as s, ? as b, ? as n, ? as r, ? + 1 as plus', [42, 'x', true, null, 1.5, 41]);
    expect(a).toEqual({ I: 42, S: 'x', B: true, N: null, R: 1.5, PLUS: 42 });
    const [b] = await rows(conn, 'select :2 as second, :1 as first, :2 || :1 as both', ['a', 'b']);
    expect(b).toEqual({ SECOND: 'b', FIRST: 'a', BOTH: 'ba' });
  });

  it('inserts one row per element with array binds, atomically', async () => {
    await rows(conn, 'create or replace table binds_t (id number, name string, ts timestamp_ntz)');
    const r = await query(conn, 'insert into binds_t (id, name) values (?, ?)', [
      [1, 'a'],
      [2, 'b'],
      [3, 'c'],
    ]);
    expect(r.rows).toEqual([{ 'number of rows inserted': 3 }]);
    expect(r.statement.getNumUpdatedRows()).toBe(3);
    await rows(conn, 'insert into binds_t (id, ts) values (?, ?)', [4, new Date('2024-01-02T03:04:05.000Z')]);
    const [row] = await rows(conn, 'select ts from binds_t where id = 4');
    expect((row!.TS as Date).toISOString()).toBe('2024-01-02T03:04:05.000Z');
    expect(await rows(conn, 'select id, name from binds_t where id <= 3 order by id')).toEqual([
      { ID: 1, NAME: 'a' },
      { ID: 2, NAME: 'b' },
      { ID: 3, NAME: 'c' },
    ]);
  });

  it('round-trips every Snowflake type with its wire encoding', async () => {
    await rows(conn, "alter session set timezone = 'America/New_York'");
    await rows(
      conn,
      `create or replace table types_t (n number(38,0), d number(10,2), f float, s varchar, b boolean, dt date, tm time,
         ntz timestamp_ntz, ltz timestamp_ltz, tz timestamp_tz, v variant, o object, a array, bin binary)`,
    );
    await rows(
      conn,
      `insert into types_t select 12345678901, 12.34, 1.5, 'héllo', true, '2024-02-29'::date, '13:14:15.5'::time,
         '2024-01-02 03:04:05.123456'::timestamp_ntz, '2024-01-02 03:04:05.5+00:00'::timestamp_ltz, '2024-01-02 03:04:05'::timestamp_tz,
         parse_json('{"k":[1,2]}'), object_construct('a', 1), array_construct(1, 'x'), to_binary('CAFE', 'HEX')`,
    );
    await rows(conn, 'insert into types_t (n) values (null)');
    const r = await query(conn, 'select * from types_t order by n nulls last');
    const types = r.statement.getColumns()!.map((c) => [c.getName(), c.getType()]);
    expect(types).toEqual([
      ['N', 'fixed'], ['D', 'fixed'], ['F', 'real'], ['S', 'text'], ['B', 'boolean'], ['DT', 'date'], ['TM', 'time'],
      ['NTZ', 'timestamp_ntz'], ['LTZ', 'timestamp_ltz'], ['TZ', 'timestamp_tz'], ['V', 'variant'], ['O', 'object'], ['A', 'array'], ['BIN', 'binary'],
    ]);
    expect(r.statement.getColumn('D')!.getScale()).toBe(2);
    const [row, nulls] = r.rows as [Record<string, unknown>, Record<string, unknown>];
    expect(row.N).toBe(12345678901);
    expect(row.D).toBe(12.34);
    expect(row.F).toBe(1.5);
    expect(row.S).toBe('héllo');
    expect(row.B).toBe(true);
    expect((row.DT as Date).toISOString()).toBe('2024-02-29T00:00:00.000Z');
    expect(row.TM).toBe('13:14:15');
    const ntz = row.NTZ as Date & { getNanoSeconds(): number };
    expect(ntz.toISOString()).toBe('2024-01-02T03:04:05.123Z');
    expect(ntz.getNanoSeconds()).toBe(123456000);
    expect((row.LTZ as Date).toISOString()).toBe('2024-01-02T03:04:05.500Z');
    const tz = row.TZ as Date & { getTimezone(): number };
    // Wall-clock 03:04:05 in New York (UTC-5 in January), offset carried with the value.
    expect(tz.toISOString()).toBe('2024-01-02T08:04:05.000Z');
    expect(tz.getTimezone()).toBe(-300);
    expect(row.V).toEqual({ k: [1, 2] });
    expect(row.O).toEqual({ a: 1 });
    expect(row.A).toEqual([1, 'x']);
    expect(Buffer.isBuffer(row.BIN) && (row.BIN as Buffer).toString('hex')).toBe('cafe');
    // snowflake-sdk itself renders a NULL TIME as the string 'NULL'; every other type is null.
    const { TM, ...rest } = nulls;
    expect(TM).toBe('NULL');
    expect(Object.values(rest).filter((v) => v !== null)).toEqual([]);
    await rows(conn, "alter session set timezone = 'UTC'");
  });

  it('sends numbers, dates and booleans as the strings the driver formats (fetchAsString)', async () => {
    const r = await query(conn, "select 12.50::number(10,2) as d, '2024-02-29'::date as dt, true as b, 3 as i", undefined, { fetchAsString: ['Number', 'Date', 'Boolean'] });
    expect(r.rows).toEqual([{ D: '12.50', DT: '2024-02-29', B: 'TRUE', I: '3' }]);
  });

  it('splits large results into chunks the driver downloads, in order', async () => {
    // Created through DuckDB with lower-case names; Snowflake SQL still sees N and LABEL.
    await server.execute("create table assay.public.big as select range as n, 'row ' || range as label from range(1050)");
    const chunksBefore = server.stats.chunksServed;
    const all = await rows(conn, 'select n, label from big order by n');
    expect(all).toHaveLength(1050);
    expect(all.map((r) => r.N)).toEqual(Array.from({ length: 1050 }, (_, i) => i));
    expect(all[1049]).toEqual({ N: 1049, LABEL: 'row 1049' });
    // 100 rows inline, then ten chunks of 100 and one of 50.
    expect(server.stats.chunksServed - chunksBefore).toBe(10);
  });

  it('streams chunked rows with streamRows()', async () => {
    const seen: number[] = [];
    await new Promise<void>((resolve, reject) => {
      conn.execute({
        sqlText: 'select n from big where n >= 900 order by n',
        streamResult: true,
        complete: (err, stmt) => {
          if (err) return reject(err);
          stmt
            .streamRows()
            .on('data', (row: { N: number }) => seen.push(row.N))
            .on('error', reject)
            .on('end', () => resolve());
        },
      });
    });
    expect(seen).toEqual(Array.from({ length: 150 }, (_, i) => 900 + i));
  });

  it('reports DML row counts the way Snowflake does', async () => {
    await rows(conn, 'create or replace table dml_t (id number, v string)');
    expect((await query(conn, "insert into dml_t values (1, 'a'), (2, 'b'), (3, 'c')")).statement.getNumUpdatedRows()).toBe(3);
    const upd = await query(conn, "update dml_t set v = 'z' where id >= 2");
    expect(upd.rows).toEqual([{ 'number of rows updated': 2, 'number of multi-joined rows updated': 0 }]);
    const del = await query(conn, 'delete from dml_t where id = 1');
    expect(del.rows).toEqual([{ 'number of rows deleted': 1 }]);
    const merge = await query(
      conn,
      "merge into dml_t t using (select 2 as id, 'm' as v union all select 9, 'n') s on t.id = s.id when matched then update set v = s.v when not matched then insert (id, v) values (s.id, s.v)",
    );
    expect(merge.rows).toEqual([{ 'number of rows inserted': 1, 'number of rows updated': 1 }]);
    expect(merge.statement.getNumUpdatedRows()).toBe(2);
  });

  it('upper-cases unquoted identifiers and names expressions like Snowflake', async () => {
    await rows(conn, 'create or replace table "lower_t" ("mixedCol" int, plain int)');
    await rows(conn, 'insert into "lower_t" values (1, 2)');
    expect(await rows(conn, 'select * from "lower_t"')).toEqual([{ mixedCol: 1, PLAIN: 2 }]);
    expect(await rows(conn, 'select plain, plain + 1, count(*), \'lit\', "mixedCol" as "Alias" from "lower_t" group by all')).toEqual([
      { PLAIN: 2, 'PLAIN + 1': 3, 'COUNT(*)': 1, "'LIT'": 'lit', Alias: 1 },
    ]);
  });

  it('maps errors to Snowflake codes and SQLSTATEs', async () => {
    await rows(conn, 'create or replace table err_t (id number)');
    expect(await failure(conn, 'selec 1')).toMatchObject({ code: '001003', sqlState: '42000' });
    expect(await failure(conn, 'select * from no_such_table')).toMatchObject({ code: '002003', sqlState: '42S02', message: expect.stringContaining("'NO_SUCH_TABLE' does not exist") });
    expect(await failure(conn, 'select no_such_col from err_t')).toMatchObject({ code: '000904', message: expect.stringContaining("invalid identifier 'NO_SUCH_COL'") });
    expect(await failure(conn, "select 'abc'::number")).toMatchObject({ code: '100038', sqlState: '22018', message: "Numeric value 'abc' is not recognized" });
    expect(await failure(conn, "select parse_json('{bad')")).toMatchObject({ code: '100069' });
    expect(await failure(conn, "select parse_json('\"abc\"')::number")).toMatchObject({ code: '100071' });
    expect(await failure(conn, 'select 1; select 2')).toMatchObject({ code: '000008' });
    expect(await failure(conn, 'create task t1 as select 1')).toMatchObject({ code: '000002', sqlState: '0A000' });
    expect(await failure(conn, 'insert into err_t values (1, 2)')).toMatchObject({ code: expect.stringMatching(/^\d{6}$/) });
  });

  it('records query tags from the connection config and from ALTER SESSION', async () => {
    const tagged = await connect(server, { queryTag: 'from-config' } as never);
    await rows(tagged, 'select 1 as tagged_by_config');
    await rows(tagged, "alter session set query_tag = 'etl:step1'");
    await rows(conn, "alter session set query_tag = 'etl:step2'");
    await rows(conn, 'select 2 as tagged_by_session');
    await rows(conn, 'alter session unset query_tag');
    await rows(conn, 'select 3 as untagged');
    const tagOf = (text: string): string | undefined => server.queryHistory().find((q) => q.sqlText.includes(text))?.queryTag;
    expect(tagOf('tagged_by_config')).toBe('from-config');
    expect(tagOf('tagged_by_session')).toBe('etl:step2');
    expect(tagOf('untagged')).toBe('');
    await destroy(tagged);
  });

  it('answers session functions and exposes DuckDB directly through execute()', async () => {
    const [row] = await rows(conn, 'select current_version() as v, current_role() as r, current_timestamp() <= current_timestamp() as ok');
    expect(row).toEqual({ V: '9.0.0', R: 'ACCOUNTADMIN', OK: true });
    await rows(conn, 'create or replace table exec_t (id number)');
    await rows(conn, 'insert into exec_t values (7)');
    expect(await server.execute('select id from assay.public.exec_t')).toEqual([{ ID: 7n }]);
  });
});
