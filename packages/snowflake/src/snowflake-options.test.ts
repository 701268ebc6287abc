import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { inlineParams } from '@assay/core';
import { afterAll, describe, expect, it } from 'vitest';
import { parseToml } from './connections-toml.js';
import { resolveSnowflakeOptions } from './snowflake-options.js';
import { displayName, quoteIdent, snowflakeObjectName, storedName } from './snowflake-names.js';
import { errorPosition, isTransientSnowflakeError, toSqlError } from './snowflake-errors.js';
import { quoteString, SNOWFLAKE_SQL_SYNTAX, snowflakeLiteral } from './snowflake-values.js';
import { diffColumns } from './materialize-incremental.js';
import { globRegExp } from './find-files.js';
import { jsonErrorLine, parseCsv, readLocalRecords } from './local-records.js';
import { inferColumns } from './write-rows.js';

describe('parseToml (the connections.toml subset)', () => {
  it('reads tables, dotted and quoted keys, strings, numbers, booleans, arrays and comments', () => {
    const doc = parseToml(
      [
        '# Snowflake connections',
        'default_connection_name = "prod"',
        '',
        '[prod]',
        'account = "myorg-prod"   # trailing comment',
        "user = 'ASSAY'",
        'port = 443',
        'ratio = 1.5',
        'insecure = false',
        'roles = ["A", "B",]',
        '"odd key" = "x"',
        'a.b = "dotted"',
        '[connections.dev]',
        'password = "p\\"w\\u0041"',
        'private_key = """',
        '-----BEGIN PRIVATE KEY-----',
        'MIIB',
        '-----END PRIVATE KEY-----"""',
        "raw = '''C:\\keys\\rsa.p8'''",
      ].join('\n'),
    );
    expect(doc).toEqual({
      default_connection_name: 'prod',
      prod: { account: 'myorg-prod', user: 'ASSAY', port: 443, ratio: 1.5, insecure: false, roles: ['A', 'B'], 'odd key': 'x', a: { b: 'dotted' } },
      connections: { dev: { password: 'p"wA', private_key: '-----BEGIN PRIVATE KEY-----\nMIIB\n-----END PRIVATE KEY-----', raw: 'C:\\keys\\rsa.p8' } },
    });
  });

  it('reports syntax errors with the source and line, as ASSAY_CONFIG', () => {
    expect(() => parseToml('[ok]\naccount = unquoted\n', '/x/connections.toml')).toThrow(expect.objectContaining({ code: 'ASSAY_CONFIG', message: expect.stringContaining('/x/connections.toml, line 2') }));
    expect(() => parseToml('a = "1"\na = "2"')).toThrow(/line 2: duplicate key "a"/);
    expect(() => parseToml('a = "unterminated\n')).toThrow(/line 1/);
    expect(() => parseToml('x = { inline = 1 }')).toThrow(/inline tables/);
    expect(() => parseToml('[[arr]]')).toThrow(/arrays of tables/);
  });
});

describe('resolveSnowflakeOptions', () => {
  const dir = mkdtempSync(join(tmpdir(), 'assay-sf-options-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const home = join(dir, 'home');
  mkdirSync(join(home, '.snowflake'), { recursive: true });
  writeFileSync(
    join(home, '.snowflake', 'connections.toml'),
    [
      'default_connection_name = "dev"',
      '[dev]',
      'account = "toml-account"',
      'user = "toml_user"',
      'password = "toml-password"',
      'warehouse = "TOML_WH"',
      'database = "TOML_DB"',
      'role = "TOML_ROLE"',
      '[connections.keypair]',
      'account = "kp-account"',
      'user = "kp_user"',
      'private_key_file = "/keys/rsa.p8"',
      'private_key_file_pwd = "kp-pass"',
    ].join('\n'),
  );

  it('takes explicit options over environment variables over connections.toml, field by field', () => {
    const { options, problem } = resolveSnowflakeOptions(
      { warehouse: 'OPT_WH' },
      { home, env: { SNOWFLAKE_DATABASE: 'ENV_DB', SNOWFLAKE_ROLE: '' } },
    );
    expect(problem).toBeUndefined();
    expect(options).toMatchObject({ account: 'toml-account', username: 'toml_user', warehouse: 'OPT_WH', database: 'ENV_DB', role: 'TOML_ROLE', password: 'toml-password' });
    expect(options.sources).toMatchObject({ warehouse: 'options', database: 'env', account: 'connections.toml', role: 'connections.toml' });
  });

  it('accepts user as an alias of username and reads SNOWFLAKE_USER', () => {
    expect(resolveSnowflakeOptions({ user: 'alias' }, { home: dir, env: {} }).options.username).toBe('alias');
    expect(resolveSnowflakeOptions({}, { home: dir, env: { SNOWFLAKE_USER: 'from_env' } }).options.username).toBe('from_env');
  });

  it('never mixes credentials across sources: the first source with any credential supplies them all', () => {
    const env = { SNOWFLAKE_PRIVATE_KEY_PATH: '/env/key.p8' };
    const explicit = resolveSnowflakeOptions({ password: 'opt-password' }, { home, env }).options;
    expect(explicit.password).toBe('opt-password');
    expect(explicit.privateKeyPath).toBeUndefined();
    const fromEnv = resolveSnowflakeOptions({}, { home, env }).options;
    expect(fromEnv.privateKeyPath).toBe('/env/key.p8');
    expect(fromEnv.password).toBeUndefined();
    const passphrase = resolveSnowflakeOptions({ privateKeyPath: '/opt/key.p8' }, { home: dir, env: { SNOWFLAKE_PRIVATE_KEY_PASSPHRASE: 'env-pass' } }).options;
    expect(passphrase).toMatchObject({ privateKeyPath: '/opt/key.p8', privateKeyPassphrase: 'env-pass' });
  });

  it('picks the named connection ([connections.<name>] or [<name>]) and maps its snake_case keys', () => {
    const byOption = resolveSnowflakeOptions({ connection: 'keypair' }, { home, env: {} }).options;
    expect(byOption).toMatchObject({ account: 'kp-account', username: 'kp_user', privateKeyPath: '/keys/rsa.p8', privateKeyPassphrase: 'kp-pass' });
    const byEnv = resolveSnowflakeOptions({}, { home, env: { SNOWFLAKE_DEFAULT_CONNECTION_NAME: 'keypair' } }).options;
    expect(byEnv.account).toBe('kp-account');
    const viaHome = resolveSnowflakeOptions({}, { home: '/nowhere', env: { SNOWFLAKE_HOME: join(home, '.snowflake') } }).options;
    expect(viaHome.account).toBe('toml-account');
  });

  it('reports a missing named connection or a broken file as a problem for open(), never by throwing', () => {
    const missing = resolveSnowflakeOptions({ connection: 'nope' }, { home, env: {} });
    expect(missing.problem).toMatchObject({ code: 'ASSAY_CONFIG', message: expect.stringContaining('"nope" is not defined') });
    expect(missing.problem?.hint).toContain('dev');
    const noFile = resolveSnowflakeOptions({ connection: 'prod' }, { home: '/nowhere', env: {} });
    expect(noFile.problem?.message).toContain('does not exist');
    const broken = join(dir, 'broken.toml');
    writeFileSync(broken, '[dev\naccount = 1');
    expect(resolveSnowflakeOptions({ connectionsFile: broken }, { env: {} }).problem).toMatchObject({ code: 'ASSAY_CONFIG', message: expect.stringContaining('line 1') });
    // No file and no connection asked for: nothing to report.
    expect(resolveSnowflakeOptions({ account: 'a' }, { home: '/nowhere', env: {} }).problem).toBeUndefined();
  });

  it('keeps ${env:...} strings for the CLI to interpolate and returns a plain object', () => {
    const { options } = resolveSnowflakeOptions({ password: '${env:SF_PW}', sdkOptions: { timeout: 5 } }, { home: '/nowhere', env: {} });
    expect(options.password).toBe('${env:SF_PW}');
    expect(Object.getPrototypeOf(options)).toBe(Object.prototype);
    expect(options.sdkOptions).toEqual({ timeout: 5 });
  });
});

describe('identifier policy', () => {
  it('maps keys to upper-cased database.schema.table', () => {
    expect(snowflakeObjectName('silver/orders', { database: 'analytics' })).toEqual({ database: 'ANALYTICS', schema: 'SILVER', name: 'ORDERS' });
    expect(snowflakeObjectName('orders', { database: 'A', schema: 'staging' })).toEqual({ database: 'A', schema: 'STAGING', name: 'ORDERS' });
    expect(snowflakeObjectName('orders')).toEqual({ database: undefined, schema: 'PUBLIC', name: 'ORDERS' });
    expect(snowflakeObjectName('gold/finance/revenue', { database: '"MixedDb"' })).toEqual({ database: 'MixedDb', schema: 'GOLD', name: 'FINANCE__REVENUE' });
  });

  it('upper-cases plain column names, keeps "quoted" ones verbatim', () => {
    expect(quoteIdent('status')).toBe('"STATUS"');
    expect(quoteIdent('"camelCase"')).toBe('"camelCase"');
    expect(quoteIdent('has space')).toBe('"has space"');
    expect(storedName('"a""b"')).toBe('a"b');
    expect(displayName('ORDER_ID')).toBe('order_id');
    expect(displayName('camelCase')).toBe('"camelCase"');
  });
});

describe('SQL text and literals', () => {
  it('inlines parameters only outside strings, identifiers, $$ blocks and comments', () => {
    expect(inlineParams(`select ? as a, '?' as "b?" -- what?\n, ? /* ? */ // ?\n, $$?$$, ?`, ['x', 2, null], snowflakeLiteral, SNOWFLAKE_SQL_SYNTAX)).toBe(
      `select 'x' as a, '?' as "b?" -- what?\n, 2 /* ? */ // ?\n, $$?$$, NULL`,
    );
    expect(inlineParams(`select 'it\\'s ?', ?`, ["o'k"], snowflakeLiteral, SNOWFLAKE_SQL_SYNTAX)).toBe(`select 'it\\'s ?', 'o''k'`);
  });

  it('escapes backslashes and quotes, and types dates and objects', () => {
    expect(quoteString("C:\\dir\\it's")).toBe("'C:\\\\dir\\\\it''s'");
    expect(snowflakeLiteral(new Date('2024-05-06T07:08:09.123Z'))).toBe("'2024-05-06 07:08:09.123'::TIMESTAMP_NTZ");
    expect(snowflakeLiteral({ a: [1] })).toBe(`PARSE_JSON('{"a":[1]}')`);
    expect(snowflakeLiteral(true)).toBe('TRUE');
    expect(snowflakeLiteral(12n)).toBe('12');
  });
});

describe('errors', () => {
  it('finds the position Snowflake points at, checked against the identifier it names', () => {
    const sql = 'create table t as (\nselect no_such_column from x\n)';
    expect(errorPosition("SQL compilation error: error line 2 at position 7\ninvalid identifier 'NO_SUCH_COLUMN'", sql)).toBe(sql.indexOf('no_such_column') + 1);
    // A wrong line/position is corrected by finding the identifier.
    expect(errorPosition("SQL compilation error: error line 1 at position 0\ninvalid identifier 'NO_SUCH_COLUMN'", sql)).toBe(sql.indexOf('no_such_column') + 1);
    expect(errorPosition("syntax error line 1 at position 0 unexpected 'selec'.", 'selec 1')).toBe(1);
    expect(errorPosition("invalid identifier 'GONE'", sql)).toBeUndefined();
    expect(errorPosition('Object does not exist', sql)).toBeUndefined();
  });

  it('classifies Snowflake and driver errors', () => {
    const err = (code: string | number, message = 'x', cause?: unknown) => Object.assign(new Error(message), { code, ...(cause ? { cause } : {}) });
    for (const transient of [err('000625'), err('000630'), err('390114'), err(401001, 'Network error. Could not reach Snowflake.'), err('', 'boom', Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' })), Object.assign(new Error('conn'), { sqlState: '08001' })]) {
      expect(isTransientSnowflakeError(transient)).toBe(true);
    }
    for (const fatal of [err('390100'), err('390144'), err('001003'), err('002003'), err('000904'), err('100038')]) expect(isTransientSnowflakeError(fatal)).toBe(false);
    const wrapped = toSqlError(err('000625', 'lock waiters'), 'update t set x = 1', 'a/b');
    expect(wrapped).toMatchObject({ code: 'ASSAY_SQL', assetKey: 'a/b', transient: true });
    expect(isTransientSnowflakeError(wrapped)).toBe(true);
    expect(toSqlError(err(401001, 'Network error. Could not reach Snowflake.'), 'select 1', 'k')).toMatchObject({ code: 'ASSAY_BACKEND', assetKey: 'k', transient: true, message: expect.stringContaining('lost the connection') });
    expect(toSqlError(err('000604', 'SQL execution canceled'), 'select 1', 'k')).toMatchObject({ code: 'ASSAY_SQL', transient: false, message: expect.stringContaining('not by Assay') });
    expect(toSqlError(err('002003', "SQL compilation error:\nObject 'X' does not exist or not authorized."), 'select * from x', 'k')).toMatchObject({
      message: "Asset \"k\": Object 'X' does not exist or not authorized. (Snowflake 002003)",
      transient: false,
      hint: expect.stringContaining('upper-cases keys'),
    });
  });
});

describe('schema differences', () => {
  it('tells widenings (longer VARCHAR, more NUMBER digits) from real type changes', () => {
    const diff = diffColumns(
      [{ name: 'A', type: 'VARCHAR(3)' }, { name: 'B', type: 'NUMBER(2,0)' }, { name: 'C', type: 'NUMBER(38,0)' }, { name: 'D', type: 'NUMBER(10,2)' }, { name: 'GONE', type: 'VARCHAR(1)' }],
      [{ name: 'A', type: 'VARCHAR(10)' }, { name: 'B', type: 'NUMBER(5,0)' }, { name: 'C', type: 'VARCHAR(5)' }, { name: 'D', type: 'NUMBER(10,4)' }, { name: 'NEW', type: 'BOOLEAN' }],
    );
    expect(diff.widened.map((w) => w.name)).toEqual(['A', 'B']);
    expect(diff.changed.map((c) => c.name)).toEqual(['C', 'D']);
    expect(diff.added.map((c) => c.name)).toEqual(['NEW']);
    expect(diff.removed.map((c) => c.name)).toEqual(['GONE']);
  });
});

describe('local file reading', () => {
  it('matches globs with **, *, ?, classes and alternations', () => {
    expect(globRegExp('data/**/*.json{,l}').test('data/a/b/x.jsonl')).toBe(true);
    expect(globRegExp('data/**/*.json{,l}').test('data/x.json')).toBe(true);
    expect(globRegExp('data/*.csv').test('data/sub/x.csv')).toBe(false);
    expect(globRegExp('day_[12]?.csv').test('day_1a.csv')).toBe(true);
  });

  it('parses CSV with quotes, CRLF and embedded newlines, keeping line numbers', () => {
    const records = parseCsv('id,note\r\n1,"a, ""b"""\r\n2,"multi\nline"\n3,x\n');
    expect(records.map((r) => [r.line, r.fields])).toEqual([
      [1, ['id', 'note']],
      [2, ['1', 'a, "b"']],
      [3, ['2', 'multi\nline']],
      [5, ['3', 'x']],
    ]);
  });

  it('types CSV columns and reports rows with the wrong number of fields', () => {
    const read = readLocalRecords('id,name,amount,ok\n1,ann,1.5,true\n2,,3,false\n3,bob\n', 'csv', {}, 'k');
    expect(read.records).toEqual([
      { id: 1, name: 'ann', amount: 1.5, ok: true },
      { id: 2, name: null, amount: 3, ok: false },
    ]);
    expect(read.malformed).toEqual([{ line: 4, text: '3,bob', error: 'expected 4 fields, found 2' }]);
    expect(readLocalRecords('a;b\n1;x\n', 'csv', { delimiter: ';', header: true }, 'k').records).toEqual([{ a: 1, b: 'x' }]);
  });

  it('finds malformed JSON lines and documents with their line', () => {
    const lines = readLocalRecords('{"a":1}\n\n{"a":\n{"a":3}\n', 'jsonl', {}, 'k');
    expect(lines.jsonLines).toEqual(['{"a":1}', '{"a":3}']);
    expect(lines.malformed.map((m) => m.line)).toEqual([3]);
    const doc = readLocalRecords('[\n {"a": 1},\n {"a": }\n]', 'json', {}, 'k');
    expect(doc.malformed[0]?.line).toBe(3);
    expect(jsonErrorLine('{\n"a":\n', 'Unexpected end of JSON input')).toBe(2);
  });

  it('infers column types from records', () => {
    expect(inferColumns([{ id: 1, x: 1.5, s: 'a', b: true, d: new Date(0), o: { k: 1 }, n: null }, { id: 2, x: 2, s: 3 }])).toEqual([
      { key: 'id', name: 'ID', type: 'NUMBER(38,0)' },
      { key: 'x', name: 'X', type: 'FLOAT' },
      { key: 's', name: 'S', type: 'VARCHAR' },
      { key: 'b', name: 'B', type: 'BOOLEAN' },
      { key: 'd', name: 'D', type: 'TIMESTAMP_NTZ' },
      { key: 'o', name: 'O', type: 'VARIANT' },
      { key: 'n', name: 'N', type: 'VARCHAR' },
    ]);
    expect(() => inferColumns([{ id: 1, ID: 2 }], 'k')).toThrow(/same Snowflake column id/);
  });
});

describe('lazy driver', () => {
  it('creating a backend and rendering relations does not load snowflake-sdk', () => {
    const here = dirname(fileURLToPath(import.meta.url));
    const script = join(mkdtempSync(join(tmpdir(), 'assay-sf-lazy-')), 'lazy.mts');
    writeFileSync(
      script,
      [
        "import { createRequire } from 'node:module';",
        `const { snowflake } = await import(${JSON.stringify(join(here, 'index.ts'))});`,
        "const backend = snowflake({ account: 'myorg-prod', database: 'analytics', connectionsFile: '/nonexistent/connections.toml' });",
        "const loaded = Object.keys(createRequire(import.meta.url).cache).filter((k) => k.includes('snowflake-sdk'));",
        'console.log(JSON.stringify({ relation: backend.relation(\'silver/orders\'), loaded: loaded.length }));',
      ].join('\n'),
    );
    const out = spawnSync(process.execPath, ['--import', 'tsx', script], { cwd: here, encoding: 'utf8' });
    rmSync(dirname(script), { recursive: true, force: true });
    expect(out.stderr).toBe('');
    expect(JSON.parse(out.stdout.trim())).toEqual({ relation: '"ANALYTICS"."SILVER"."ORDERS"', loaded: 0 });
  });
});
