import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checks, createLogger, ingestAsset, sqlAsset, type IngestAssetSpec } from '@assay/core';
import { buildCheckRequest, buildIngestRequest, buildSqlRequest } from '@assay/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SnowflakeTestServer } from './test-server/index.js';
import { serverOptions, startServer, testBackend } from './__tests__/test-backend.js';
import { SnowflakeBackend, snowflake } from './index.js';
import { stageLocation } from './ingest-stage.js';

const rsa = (passphrase?: string) =>
  generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: passphrase ? { type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase } : { type: 'pkcs8', format: 'pem' },
  });

describe('the Snowflake backend against the test server', () => {
  let server: SnowflakeTestServer;
  let dir: string;
  const alice = rsa();
  const carol = rsa('carol-passphrase');

  beforeAll(async () => {
    server = await startServer({ users: { test: 'test', bob: 'B0b-s3cret-pw' }, publicKeys: { alice: alice.publicKey, carol: carol.publicKey } });
    dir = mkdtempSync(join(tmpdir(), 'assay-sf-backend-'));
  });
  afterAll(async () => {
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('is created without loading snowflake-sdk or touching the network', () => {
    const backend = snowflake({ account: 'myorg-prod', database: 'analytics', connectionsFile: '/nonexistent/connections.toml' });
    expect(backend.relation('silver/orders')).toBe('"ANALYTICS"."SILVER"."ORDERS"');
    expect(backend.relation('orders')).toBe('"ANALYTICS"."PUBLIC"."ORDERS"');
    expect(backend.url).toBe('https://myorg-prod.snowflakecomputing.com');
    expect(backend.options.account).toBe('myorg-prod');
  });

  it('renders relations that unquoted SQL reaches, and restores the current schema after creating one', async () => {
    const backend = testBackend(server, { poolSize: 1 });
    try {
      await backend.materializeSql(buildSqlRequest(backend, sqlAsset({ key: 'policy/orders' })`select 1 as order_id, 'placed' as status`));
      expect(await backend.query('select order_id, status from policy.orders')).toEqual([{ ORDER_ID: 1, STATUS: 'placed' }]);
      expect(await backend.query('select current_schema() as s')).toEqual([{ S: 'PUBLIC' }]);
    } finally {
      await backend.close();
    }
  });

  it('resolves check columns under the identifier policy: plain names upper-cased, "quoted" names verbatim', async () => {
    const backend = testBackend(server);
    try {
      await backend.query('create schema if not exists policy');
      await backend.query('create or replace table policy.mixed as select 1 as id, null as "camelCase"');
      const [plain, quoted, wrongCase] = await backend.runChecks(
        buildCheckRequest('policy/mixed', [checks.notNull('id'), checks.notNull('"camelCase"'), checks.acceptedValues('ID', [1])]),
      );
      expect(plain).toMatchObject({ passed: true });
      expect(quoted).toMatchObject({ passed: false, failingRows: 1 });
      expect(wrongCase).toMatchObject({ passed: true });
      // The test server's quoted identifiers are case-insensitive (DuckDB), so the emitted SQL is what shows the policy.
      const emitted = server.queryHistory().map((q) => q.sqlText).filter((t) => t.includes('"POLICY"."MIXED"') && t.includes(' is null'));
      expect(emitted.some((t) => t.includes('assay_t."ID" is null'))).toBe(true);
      expect(emitted.some((t) => t.includes('assay_t."camelCase" is null'))).toBe(true);
    } finally {
      await backend.close();
    }
  });

  it('tags every statement with the run, asset and partition (QUERY_TAG)', async () => {
    const backend = testBackend(server, { queryTagPrefix: 'nightly' });
    try {
      const before = server.queryHistory().length;
      const asset = sqlAsset({ key: 'tags/orders', checks: [checks.rowCount({ min: 1 })] })`select 1 as id`;
      await backend.materializeSql(buildSqlRequest(backend, asset, { runId: 'run-42' }));
      await backend.runChecks({ ...buildCheckRequest('tags/orders', asset.checks, { runId: 'run-42' }) });
      await backend.query('select 1 as plain');
      const statements = server.queryHistory().slice(before);
      const step = statements.filter((q) => q.sqlText.includes('ORDERS'));
      expect(step.length).toBeGreaterThan(3);
      expect(new Set(step.map((q) => q.queryTag))).toEqual(new Set(['nightly run=run-42 asset=tags/orders']));
      expect(statements.find((q) => q.sqlText === 'select 1 as plain')?.queryTag).toBe('nightly');
      expect(statements.every((q) => q.queryTag.startsWith('nightly'))).toBe(true);
    } finally {
      await backend.close();
    }
  });

  it('logs in with a key pair: a private key, or an encrypted key file with its passphrase from the environment', async () => {
    const plain = testBackend(server, { username: 'alice', password: undefined, privateKey: alice.privateKey });
    const keyFile = join(dir, 'carol.p8');
    writeFileSync(keyFile, carol.privateKey);
    const { password: _password, username: _username, ...rest } = serverOptions(server);
    const encrypted = new SnowflakeBackend(rest, { env: { SNOWFLAKE_USER: 'carol', SNOWFLAKE_PRIVATE_KEY_PATH: keyFile, SNOWFLAKE_PRIVATE_KEY_PASSPHRASE: 'carol-passphrase' }, home: '/nowhere' });
    try {
      expect(await plain.query('select current_user() as u')).toEqual([{ U: 'ALICE' }]);
      expect(await encrypted.query('select current_user() as u')).toEqual([{ U: 'CAROL' }]);
      const wrongKey = testBackend(server, { username: 'alice', password: undefined, privateKey: rsa().privateKey });
      const error = await wrongKey.open().then(
        () => undefined,
        (e: unknown) => e as { code: string; message: string; hint?: string },
      );
      expect(error).toMatchObject({ code: 'ASSAY_BACKEND', message: expect.stringContaining('key-pair login of user "alice"'), hint: expect.stringContaining('RSA_PUBLIC_KEY') });
    } finally {
      await plain.close();
      await encrypted.close();
    }
  });

  it('connects through a named connection in connections.toml', async () => {
    const file = join(dir, 'connections.toml');
    writeFileSync(file, ['[other]', 'account = "nope"', '', '[connections.local]', 'account = "assay"', 'user = "bob"', 'password = "B0b-s3cret-pw"', `access_url = "${server.accessUrl}"`, 'database = "ASSAY"'].join('\n'));
    const backend = new SnowflakeBackend({ connection: 'local', connectionsFile: file, sdkOptions: { sfRetryMaxLoginRetries: 0 } }, { env: {} });
    try {
      expect(await backend.query('select current_user() as u, current_database() as d')).toEqual([{ U: 'BOB', D: 'ASSAY' }]);
      expect(backend.options.sources).toMatchObject({ username: 'connections.toml', password: 'connections.toml', accessUrl: 'connections.toml' });
    } finally {
      await backend.close();
    }
  });

  it('ingests files already in a stage with COPY INTO: only new files, a changed file replaces its rows', async () => {
    const backend = testBackend(server);
    const put = async (name: string, content: string) => {
      writeFileSync(join(dir, name), content);
      await backend.query(`put 'file://${join(dir, name)}' @stage_src/events/ auto_compress = false overwrite = true`);
    };
    const ingest = (spec: Partial<IngestAssetSpec> = {}) =>
      backend.ingest(buildIngestRequest(ingestAsset({ key: 'staged/events', path: '@stage_src/events/', format: 'jsonl', ...spec } as IngestAssetSpec), { projectDir: dir }));
    try {
      await backend.query('create or replace stage stage_src');
      await put('a.jsonl', '{"id":1,"kind":"click"}\n{"id":2,"kind":"view"}\n');
      expect((await ingest()).metadata).toMatchObject({ filesLoaded: 1, rowsLoaded: 2, malformedRows: 0 });
      expect((await ingest()).metadata).toMatchObject({ filesLoaded: 0, rowsLoaded: 0 });
      await put('b.jsonl', '{"id":3,"kind":"click"}\n');
      expect((await ingest()).metadata).toMatchObject({ filesLoaded: 1, rowsLoaded: 1 });
      await put('a.jsonl', '{"id":1,"kind":"click"}\n{"id":2,"kind":"view"}\n{"id":4,"kind":"buy"}\n');
      const reloaded = await ingest();
      expect(reloaded.metadata).toMatchObject({ filesLoaded: 1, rowsLoaded: 3 });
      expect(reloaded.rowCount).toBe(4);
      expect(await backend.query('select raw:id::number as id, source_file from staged.events order by id')).toEqual([
        { ID: 1, SOURCE_FILE: 'events/a.jsonl' },
        { ID: 2, SOURCE_FILE: 'events/a.jsonl' },
        { ID: 3, SOURCE_FILE: 'events/b.jsonl' },
        { ID: 4, SOURCE_FILE: 'events/a.jsonl' },
      ]);
      expect(server.queryHistory().some((q) => /^copy into .*metadata\$filename.*from @stage_src\/events\//is.test(q.sqlText))).toBe(true);

      await put('c.jsonl', '{"id":5,"kind":\n');
      const failed = await backend.ingest(buildIngestRequest(ingestAsset({ key: 'staged/events', path: '@stage_src/events/c*', format: 'jsonl' }), { projectDir: dir })).then(
        () => undefined,
        (e: unknown) => e as { code: string; message: string },
      );
      expect(failed?.code).toBe('ASSAY_INGEST');
      const quarantined = await backend.ingest(buildIngestRequest(ingestAsset({ key: 'staged/events', path: '@stage_src/events/c*', format: 'jsonl', onError: 'quarantine' }), { projectDir: dir }));
      expect(quarantined.metadata).toMatchObject({ malformedRows: 1 });
      expect(await backend.query('select source_file from staged.events__quarantine')).toEqual([{ SOURCE_FILE: 'stage_src/events/c.jsonl' }]);

      const columns = await ingest({ key: 'staged/events_cols', shape: 'columns', path: '@stage_src/events/[ab].jsonl' });
      expect(columns.metadata).toMatchObject({ filesLoaded: 2, rowsLoaded: 4 });
      expect(await backend.query('select id, kind from staged.events_cols order by id')).toEqual([
        { ID: 1, KIND: 'click' },
        { ID: 2, KIND: 'view' },
        { ID: 3, KIND: 'click' },
        { ID: 4, KIND: 'buy' },
      ]);
      expect(await ingest({ key: 'staged/csv', format: 'csv' }).catch((e: { code: string }) => e.code)).toBe('ASSAY_UNSUPPORTED');
    } finally {
      await backend.close();
    }
  });

  it('splits stage paths into a COPY location and a PATTERN', () => {
    expect(stageLocation('@raw/chat/')).toEqual({ location: '@raw/chat/', pattern: undefined });
    expect(stageLocation('@raw/chat/*.jsonl')).toEqual({ location: '@raw/chat/', pattern: '.*chat/[^/]*\\.jsonl' });
    expect(stageLocation('@"DB"."S"."RAW"/*.json')).toEqual({ location: '@"DB"."S"."RAW"/', pattern: '.*[^/]*\\.json' });
  });

  it('never writes secrets to logs: passwords, private keys and passphrases are registered and masked', async () => {
    const logFile = join(dir, 'run.jsonl');
    const logger = createLogger({ level: 'debug', jsonFile: logFile });
    const password = 'B0b-s3cret-pw';
    const backend = testBackend(server, { username: 'bob', password });
    const keyFile = join(dir, 'carol-2.p8');
    writeFileSync(keyFile, carol.privateKey);
    const keyPair = testBackend(server, { username: 'carol', password: undefined, privateKeyPath: keyFile, privateKeyPassphrase: 'carol-passphrase' });
    const wrong = testBackend(server, { username: 'bob', password: 'Wr0ng-pa55word' });
    try {
      await backend.open({ concurrency: 1, logger });
      await keyPair.open({ concurrency: 1, logger });
      await backend.query('select 1 as one');
      await backend.query('select no_such_column from (select 1 as id)').catch((e: unknown) => logger.error('query failed', { error: e }));
      await wrong.open({ concurrency: 1, logger }).catch((e: unknown) => logger.error(String((e as Error).message), { error: e }));
      // A careless log line: the registered secrets must be masked wherever they appear.
      logger.info(`connecting with ${password} / carol-passphrase / Wr0ng-pa55word`, { detail: `pw=${password}` });
    } finally {
      await backend.close();
      await keyPair.close();
      await wrong.close();
    }
    await new Promise<void>((resolve) => {
      logger.on('finish', () => resolve());
      logger.end();
    });
    const written = readFileSync(logFile, 'utf8');
    expect(written).toContain('snowflake: select 1 as one');
    expect(written).toContain('connecting with ***');
    for (const secret of [password, 'carol-passphrase', 'Wr0ng-pa55word', 'BEGIN ENCRYPTED PRIVATE KEY']) expect(written).not.toContain(secret);
  });
});
