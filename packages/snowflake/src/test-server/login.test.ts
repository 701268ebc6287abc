import { generateKeyPairSync } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSnowflakeTestServer, type SnowflakeTestServer } from './snowflake-test-server.js';
import { connect, destroy, query, rows, snowflake } from './__tests__/sdk.js';

const keyPair = (): { publicKey: string; privateKey: string } =>
  generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });

describe('login and sessions through snowflake-sdk', () => {
  let server: SnowflakeTestServer;
  const alice = keyPair();

  beforeAll(async () => {
    server = await startSnowflakeTestServer({ users: { test: 'test', bob: 's3cret' }, publicKeys: { alice: alice.publicKey } });
  });
  afterAll(async () => {
    await server.close();
  });

  it('logs in with a password and reports the session context', async () => {
    const conn = await connect(server, { username: 'bob', password: 's3cret' });
    const [row] = await rows(conn, 'select current_user() as u, current_database() as d, current_schema() as s, current_warehouse() as w');
    expect(row).toEqual({ U: 'BOB', D: 'ASSAY', S: 'PUBLIC', W: 'COMPUTE_WH' });
    await destroy(conn);
  });

  it('refuses a wrong password with Snowflake error 390100', async () => {
    const before = server.stats.failedLogins;
    const err = await connect(server, { password: 'nope' }).then(
      () => undefined,
      (e: unknown) => e as { code?: unknown; message: string },
    );
    expect(err?.code).toBe('390100');
    expect(err?.message).toBe('Incorrect username or password was specified.');
    expect(server.stats.failedLogins).toBe(before + 1);
  });

  it('refuses an unknown user the same way', async () => {
    await expect(connect(server, { username: 'mallory', password: 'test' })).rejects.toMatchObject({ code: '390100' });
  });

  it('logs in with a key pair: the JWT signature is checked against the registered public key', async () => {
    const conn = await connect(server, { username: 'alice', authenticator: 'SNOWFLAKE_JWT', privateKey: alice.privateKey, password: undefined });
    expect(await rows(conn, 'select current_user() as u')).toEqual([{ U: 'ALICE' }]);
    await destroy(conn);
  });

  it('refuses a JWT signed with another key (390144)', async () => {
    const other = keyPair();
    await expect(connect(server, { username: 'alice', authenticator: 'SNOWFLAKE_JWT', privateKey: other.privateKey, password: undefined })).rejects.toMatchObject({ code: '390144' });
  });

  it('refuses key-pair login for a user without a registered key', async () => {
    await expect(connect(server, { username: 'bob', authenticator: 'SNOWFLAKE_JWT', privateKey: alice.privateKey, password: undefined })).rejects.toMatchObject({ code: '390144' });
  });

  it('closes the session on destroy(); the token is then gone', async () => {
    const conn = await connect(server);
    const closed = server.stats.sessionsClosed;
    await destroy(conn);
    expect(server.stats.sessionsClosed).toBe(closed + 1);
    expect(conn.isUp()).toBe(false);
    await expect(query(conn, 'select 1')).rejects.toMatchObject({ code: 407002 });
  });

  it('answers heartbeats (connection.isValidAsync)', async () => {
    const conn = await connect(server);
    const before = server.stats.heartbeats;
    expect(await conn.isValidAsync()).toBe(true);
    expect(server.stats.heartbeats).toBe(before + 1);
    await destroy(conn);
  });

  it('logs in with no current database when the requested one does not exist, like Snowflake', async () => {
    const conn = await connect(server, { database: 'NOT_THERE' });
    expect(await rows(conn, 'select current_database() as d')).toEqual([{ D: null }]);
    await destroy(conn);
  });

  it('fails fast with a network error when the server is down', async () => {
    const down = await startSnowflakeTestServer();
    const opts = down.connectionOptions();
    await down.close();
    const conn = snowflake.createConnection(opts);
    const err = await new Promise<{ code?: unknown; message: string }>((resolve) => conn.connect((e) => resolve(e as never)));
    expect(err.code).toBe(401001);
    expect(err.message).toMatch(/ECONNREFUSED/);
  });
});
