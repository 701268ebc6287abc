import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Connection } from 'snowflake-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSnowflakeTestServer, type SnowflakeTestServer } from './snowflake-test-server.js';
import { connect, destroy, failure, rows } from './__tests__/sdk.js';

describe('stages, PUT and COPY INTO through snowflake-sdk', () => {
  let server: SnowflakeTestServer;
  let conn: Connection;
  let dir: string;
  const file = (name: string, content: string): string => {
    const path = join(dir, name);
    writeFileSync(path, content);
    return path;
  };

  beforeAll(async () => {
    server = await startSnowflakeTestServer();
    conn = await connect(server);
    dir = mkdtempSync(join(tmpdir(), 'assay-sf-put-'));
  });
  afterAll(async () => {
    await destroy(conn);
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('PUT uploads (gzip by default) and LIST shows the staged files', async () => {
    await rows(conn, 'create or replace stage raw_stage file_format = (type = json)');
    const put = await rows(conn, `put file://${file('events1.json', '{"id":1,"kind":"a"}\n{"id":2,"kind":"b"}\n')} @raw_stage/events`);
    expect(put).toEqual([expect.objectContaining({ source: 'events1.json', target: 'events1.json.gz', status: 'UPLOADED' })]);
    const listed = await rows(conn, 'list @raw_stage');
    expect(listed.map((r) => r.name)).toEqual(['raw_stage/events/events1.json.gz']);
    expect(listed[0]).toMatchObject({ md5: expect.stringMatching(/^[0-9a-f]{32}$/), size: expect.any(Number) });
  });

  it('COPY INTO with a transformation loads $1 and METADATA$FILENAME, then skips loaded files', async () => {
    await rows(conn, 'create or replace table raw_events (payload variant, source_file string, loaded_at timestamp_ltz)');
    const copySql = 'copy into raw_events from (select $1, metadata$filename, current_timestamp() from @raw_stage/events)';
    const first = await rows(conn, copySql);
    expect(first).toEqual([expect.objectContaining({ file: 'raw_stage/events/events1.json.gz', status: 'LOADED', rows_loaded: 2, errors_seen: 0 })]);
    expect(await rows(conn, 'select payload:id::number as id, payload:kind::string as kind, source_file from raw_events order by id')).toEqual([
      { ID: 1, KIND: 'a', SOURCE_FILE: 'events/events1.json.gz' },
      { ID: 2, KIND: 'b', SOURCE_FILE: 'events/events1.json.gz' },
    ]);
    expect(await rows(conn, copySql)).toEqual([{ status: 'Copy executed with 0 files processed.' }]);

    await rows(conn, `put file://${file('events2.json', '{"id":3,"kind":"c"}')} @raw_stage/events`);
    expect(await rows(conn, copySql)).toEqual([expect.objectContaining({ file: 'raw_stage/events/events2.json.gz', rows_loaded: 1 })]);
    expect(await rows(conn, 'select count(*) as n from raw_events')).toEqual([{ N: 3 }]);
    expect(server.loadHistory().filter((h) => h.table === 'ASSAY.PUBLIC.RAW_EVENTS').map((h) => h.file)).toEqual([
      'ASSAY.PUBLIC.RAW_STAGE/events/events1.json.gz',
      'ASSAY.PUBLIC.RAW_STAGE/events/events2.json.gz',
    ]);

    const forced = await rows(conn, `${copySql} force = true`);
    expect(forced.map((r) => r.file)).toEqual(['raw_stage/events/events1.json.gz', 'raw_stage/events/events2.json.gz']);
    expect(await rows(conn, 'select count(*) as n from raw_events')).toEqual([{ N: 6 }]);
  });

  it('reloads a staged file whose content changed', async () => {
    await rows(conn, 'create or replace table changed_t (payload variant)');
    await rows(conn, `put file://${file('changing.json', '{"v":1}')} @raw_stage/changing auto_compress = false`);
    await rows(conn, 'copy into changed_t from @raw_stage/changing');
    await rows(conn, `put file://${file('changing.json', '{"v":2}')} @raw_stage/changing auto_compress = false overwrite = true`);
    expect(await rows(conn, 'copy into changed_t from @raw_stage/changing')).toEqual([expect.objectContaining({ status: 'LOADED', rows_loaded: 1 })]);
    expect(await rows(conn, 'select payload:v::int as v from changed_t order by v')).toEqual([{ V: 1 }, { V: 2 }]);
  });

  it('loads CSV with SKIP_HEADER and quoted fields, and PARQUET via $1:field', async () => {
    await rows(conn, 'create or replace stage csv_stage');
    await rows(conn, `put file://${file('people.csv', 'id,name\n1,"Doe, Jane"\n2,Bo\n')} @csv_stage auto_compress = false`);
    await rows(conn, 'create or replace table people (id number, name string)');
    const loaded = await rows(conn, "copy into people from @csv_stage file_format = (type = csv skip_header = 1 field_optionally_enclosed_by = '\"') pattern = '.*[.]csv'");
    expect(loaded).toEqual([expect.objectContaining({ file: 'csv_stage/people.csv', rows_loaded: 2 })]);
    expect(await rows(conn, 'select id, name from people order by id')).toEqual([
      { ID: 1, NAME: 'Doe, Jane' },
      { ID: 2, NAME: 'Bo' },
    ]);

    await server.execute(`COPY (SELECT 7 AS id, 'seven' AS label) TO '${join(dir, 'part.parquet')}' (FORMAT parquet)`);
    await rows(conn, 'create or replace stage pq_stage');
    await rows(conn, `put file://${join(dir, 'part.parquet')} @pq_stage auto_compress = false`);
    await rows(conn, 'create or replace table pq_t (id number, label string, f string)');
    await rows(conn, 'copy into pq_t from (select $1:id::number, $1:label::string, metadata$filename from @pq_stage) file_format = (type = parquet)');
    expect(await rows(conn, 'select * from pq_t')).toEqual([{ ID: 7, LABEL: 'seven', F: 'part.parquet' }]);
  });

  it('queries staged files directly with a named file format', async () => {
    await rows(conn, 'create or replace file format json_ff type = json');
    const r = await rows(conn, "select $1:id::number as id, metadata$filename as f from @raw_stage/events (file_format => 'json_ff') order by id");
    expect(r).toEqual([
      { ID: 1, F: 'events/events1.json.gz' },
      { ID: 2, F: 'events/events1.json.gz' },
      { ID: 3, F: 'events/events2.json.gz' },
    ]);
  });

  it('ON_ERROR = SKIP_FILE loads the good files and reports the bad one', async () => {
    await rows(conn, 'create or replace stage mixed_stage file_format = (type = json)');
    await rows(conn, `put file://${file('good.json', '{"ok":true}')} @mixed_stage auto_compress = false`);
    await rows(conn, `put file://${file('bad.json', '{"ok": tru')} @mixed_stage auto_compress = false`);
    await rows(conn, 'create or replace table mixed_t (payload variant)');
    const r = await rows(conn, 'copy into mixed_t from @mixed_stage on_error = skip_file');
    expect(r.map((x) => [x.file, x.status])).toEqual([
      ['mixed_stage/bad.json', 'LOAD_FAILED'],
      ['mixed_stage/good.json', 'LOADED'],
    ]);
    expect(r[0]!.first_error).toEqual(expect.any(String));
    expect(await rows(conn, 'select count(*) as n from mixed_t')).toEqual([{ N: 1 }]);
    // The default (ABORT_STATEMENT) loads nothing when a file fails.
    await rows(conn, 'create or replace table mixed_abort (payload variant)');
    expect(await failure(conn, 'copy into mixed_abort from @mixed_stage')).toMatchObject({ code: expect.stringMatching(/^\d{6}$/) });
    expect(await rows(conn, 'select count(*) as n from mixed_abort')).toEqual([{ N: 0 }]);
  });

  it('GET downloads staged files; MATCH_BY_COLUMN_NAME loads by name; URL stages read a local folder', async () => {
    const out = mkdtempSync(join(dir, 'get-'));
    const got = await rows(conn, `get @raw_stage/events/events1 file://${out}`);
    expect(got).toEqual([expect.objectContaining({ file: 'events/events1.json.gz', status: 'DOWNLOADED' })]);
    expect(readdirSync(out)).toEqual(['events1.json.gz']);

    const local = mkdtempSync(join(dir, 'url-'));
    writeFileSync(join(local, 'people.json'), '{"Name":"Ana","ID":1,"ignored":true}\n{"ID":2,"Name":"Bo"}\n');
    await rows(conn, `create or replace stage local_stage url = 'file://${local}' file_format = (type = json)`);
    expect((await rows(conn, 'list @local_stage')).map((r) => r.name)).toEqual(['local_stage/people.json']);
    await rows(conn, 'create or replace table by_name (id number, name string)');
    await rows(conn, 'copy into by_name from @local_stage match_by_column_name = case_insensitive');
    expect(await rows(conn, 'select id, name from by_name order by id')).toEqual([
      { ID: 1, NAME: 'Ana' },
      { ID: 2, NAME: 'Bo' },
    ]);
  });

  it('REMOVE deletes staged files; unknown stages are an error', async () => {
    await rows(conn, `remove @raw_stage/events/events2`);
    expect((await rows(conn, 'list @raw_stage/events')).map((r) => r.name)).toEqual(['raw_stage/events/events1.json.gz']);
    expect(await failure(conn, 'list @no_such_stage')).toMatchObject({ code: '002003' });
  });
});
