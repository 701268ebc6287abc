/**
 * A Snowflake-protocol HTTP server backed by DuckDB, for testing code that uses the real
 * snowflake-sdk driver without a Snowflake account. It speaks the REST protocol the Node
 * driver uses (login, query requests, async results, result chunks, token renewal, aborts)
 * and translates Snowflake SQL to DuckDB. It is a test double, not a Snowflake replacement:
 * see docs/snowflake-test-server.md for what it emulates and what it does not.
 */
import { randomBytes, randomUUID, type KeyObject } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { DuckDBInstance, type DuckDBConnection, type DuckDBResultReader, type DuckDBValue } from '@duckdb/node-api';
import { BackendError, ConfigError } from '@assay/core';
import { SNOWFLAKE_COMPAT_MACROS } from './duckdb-macros.js';
import { parsePublicKey, verifyKeyPairJwt } from './key-pair-jwt.js';
import { columnMetadata, encodeDuckDbResult, type SnowflakeColumnMetadata } from './result-encoder.js';
import { SnowflakeSqlError, canceled, fromDuckDbError, objectDoesNotExist, statementTimeout, unsupported } from './snowflake-sql-error.js';
import { displayName, qualifiedSql, quoteIdent, sqlString, type DeclaredColumnType } from './sql-expression-translator.js';
import {
  translateStatement,
  type CommandStatement,
  type DdlEffect,
  type DynamicTableStatement,
  type QualifiedName,
  type StageSourcePlaceholder,
  type TranslateContext,
  type TranslatedStatement,
} from './sql-translator.js';
import { StageStore, type NameScope } from './stage-store.js';
import { STATEMENT_TYPE, splitKey, statusResult, type CommandContext, type DynamicTableRecord, type ServerCatalog, type StatementResult } from './command-context.js';
import { describeTable, showObjects } from './metadata-commands.js';
import { copyInto, fileTransferData, listOrRemoveFiles } from './stage-commands.js';
import type { SnowflakeTypeName } from './snowflake-types.js';

/** Minimal logger interface (a winston Logger or `console` both fit). */
export interface TestServerLogger {
  debug(message: string, meta?: Record<string, unknown>): unknown;
  info(message: string, meta?: Record<string, unknown>): unknown;
  warn(message: string, meta?: Record<string, unknown>): unknown;
  error(message: string, meta?: Record<string, unknown>): unknown;
}

/** Options of {@link startSnowflakeTestServer}. */
export interface SnowflakeTestServerOptions {
  /** TCP port on 127.0.0.1. Defaults to 0 (a free port chosen by the OS). */
  port?: number;
  /** Login names and passwords. Names are case-insensitive. Defaults to `{ test: 'test' }`. */
  users?: Record<string, string>;
  /**
   * PEM public keys for key-pair (SNOWFLAKE_JWT) login, by login name. The JWT signature is
   * verified with node:crypto against this key. Defaults to none.
   */
  publicKeys?: Record<string, string>;
  /** Database created at start and used when a login names none. Defaults to `ASSAY`. */
  database?: string;
  /** Rows per result chunk; larger results are split into chunks the driver downloads. Defaults to 10000. */
  chunkRows?: number;
  /**
   * Queries still running after this many milliseconds are answered "in progress" (code
   * 333333) with a result URL the driver polls. Defaults to 45000, like Snowflake.
   */
  asyncThresholdMs?: number;
  /** Session token validity in seconds; after it the driver must renew. Defaults to 3600. */
  tokenValiditySeconds?: number;
  /** Receives one debug line per request and warnings. Defaults to silent. */
  logger?: TestServerLogger;
}

/** Counters of what the server has seen, for test assertions. Mutated live. */
export interface SnowflakeTestServerStats {
  /** HTTP requests received. */
  requests: number;
  /** Successful logins. */
  logins: number;
  /** Refused logins (wrong password, bad JWT, unknown user). */
  failedLogins: number;
  /** Sessions closed by the client (`POST /session?delete=true`). */
  sessionsClosed: number;
  /** Session token renewals (`/session/token-request`). */
  renewals: number;
  /** Heartbeats. */
  heartbeats: number;
  /** Statements submitted (query-request). */
  queries: number;
  /** Statements that ended in an error (including canceled ones). */
  failedQueries: number;
  /** "In progress" answers (codes 333333/333334). */
  inProgressResponses: number;
  /** `GET /queries/{id}/result` requests. */
  resultFetches: number;
  /** Result chunks downloaded. */
  chunksServed: number;
  /** Statements canceled (abort requests, session close, killQuery, timeouts). */
  aborts: number;
  /** Failures injected with failNext(). */
  injectedFailures: number;
  /** Telemetry batches received (accepted and ignored). */
  telemetry: number;
}

/** What {@link SnowflakeTestServer.failNext} can inject. */
export type FailureKind = 'token_expired' | 'drop_connection' | 'overload' | 'sql_error';

/** Which endpoint an injected failure applies to. */
export type FailureEndpoint = 'login' | 'query' | 'result' | 'chunk' | 'renew' | 'heartbeat' | 'abort' | 'any';

/** Options of {@link SnowflakeTestServer.failNext}. */
export interface FailureOptions {
  /** How many matching requests fail. Defaults to 1. */
  times?: number;
  /** Endpoint the failure applies to. Defaults to `query` (`login` is never the default). */
  endpoint?: FailureEndpoint;
  /** Only statements whose SQL contains this text (or matches this regex) fail. */
  match?: string | RegExp;
  /** For `sql_error`: the Snowflake error code. Defaults to `000603`. */
  code?: string;
  /** For `sql_error`: the message. Defaults to an "injected failure" message. */
  message?: string;
  /** For `sql_error`: the SQLSTATE. Defaults to `XX000`. */
  sqlState?: string;
  /** For `overload`: the HTTP status. Defaults to 503. */
  status?: number;
}

/** One statement the server ran, for assertions (query tags, SQL, outcome). */
export interface QueryHistoryEntry {
  readonly queryId: string;
  readonly sessionId: number;
  readonly user: string;
  readonly sqlText: string;
  /** The DuckDB SQL it was translated to, when it ran on DuckDB. */
  readonly duckdbSql: readonly string[];
  /** QUERY_TAG in effect (statement parameter, else session parameter), '' if none. */
  readonly queryTag: string;
  readonly status: 'QUEUED' | 'RUNNING' | 'SUCCESS' | 'FAILED_WITH_ERROR' | 'ABORTED';
  readonly errorCode?: string;
  readonly errorMessage?: string;
  readonly rowCount?: number;
  readonly database: string | null;
  readonly schema: string | null;
  readonly warehouse: string | null;
  readonly startedAt: Date;
  readonly endedAt?: Date;
}

/** A dynamic table created on the server (refreshed only on ALTER DYNAMIC TABLE ... REFRESH). */
export interface DynamicTableInfo {
  readonly name: string;
  readonly targetLag: string;
  readonly warehouse?: string;
  readonly refreshMode: string;
  readonly text: string;
  readonly schedulingState: 'RUNNING' | 'SUSPENDED';
  readonly refreshCount: number;
  readonly createdAt: Date;
  readonly lastRefreshedAt: Date;
}

/** Connection options for snowflake-sdk's `createConnection` that reach this server. */
export interface TestConnectionOptions {
  account: string;
  username: string;
  password?: string;
  accessUrl: string;
  database: string;
  schema: string;
  warehouse: string;
  sfRetryMaxLoginRetries: number;
}

/** A running test server. */
export interface SnowflakeTestServer {
  /** `http://127.0.0.1:<port>`. */
  readonly url: string;
  readonly port: number;
  /** The value to pass as snowflake-sdk's `accessUrl` (same as `url`). */
  readonly accessUrl: string;
  /** Live counters. */
  readonly stats: SnowflakeTestServerStats;
  /** Stops the server, cancels running statements and releases DuckDB and stage folders. */
  close(): Promise<void>;
  /** Runs DuckDB SQL directly (no translation) for test setup and assertions; rows as objects. */
  execute(sql: string, params?: readonly DuckDBValue[]): Promise<Record<string, unknown>[]>;
  /** Makes the next matching request(s) fail; see {@link FailureKind}. */
  failNext(kind: FailureKind, options?: FailureOptions): void;
  /** Cancels a running or queued statement, as SYSTEM$CANCEL_QUERY does. True if it was running. */
  killQuery(queryId: string): boolean;
  /** Statements run so far, oldest first. */
  queryHistory(): QueryHistoryEntry[];
  /** Dynamic tables currently defined. */
  dynamicTables(): DynamicTableInfo[];
  /** COPY load history: which staged files were loaded into which table. */
  loadHistory(): { table: string; file: string; md5: string }[];
  /** snowflake-sdk connection options for `user` (default: the first configured user). */
  connectionOptions(user?: string): TestConnectionOptions;
}

const VERSION = '9.0.0';
const MAX_RESULTS_KEPT = 500;
const DEFAULT_PARAMETERS: Record<string, string> = {
  TIMEZONE: 'UTC',
  DATE_OUTPUT_FORMAT: 'YYYY-MM-DD',
  TIME_OUTPUT_FORMAT: 'HH24:MI:SS',
  TIMESTAMP_OUTPUT_FORMAT: 'YYYY-MM-DD HH24:MI:SS.FF3 TZHTZM',
  TIMESTAMP_NTZ_OUTPUT_FORMAT: 'YYYY-MM-DD HH24:MI:SS.FF3',
  TIMESTAMP_LTZ_OUTPUT_FORMAT: '',
  TIMESTAMP_TZ_OUTPUT_FORMAT: '',
  BINARY_OUTPUT_FORMAT: 'HEX',
};

interface Session {
  readonly id: number;
  readonly user: string;
  readonly account: string;
  token: string;
  tokenExpiresAt: number;
  masterToken: string;
  masterExpiresAt: number;
  database: string | null;
  schema: string | null;
  warehouse: string | null;
  role: string;
  readonly params: Map<string, string>;
  readonly conn: DuckDBConnection;
  queue: Promise<void>;
  inTransaction: boolean;
  closed: boolean;
  readonly queries: Set<QueryRecord>;
  /** Temporary tables the session created (qualified DuckDB names), dropped when it closes. */
  readonly tempTables: Set<string>;
}

interface QueryRecord {
  readonly id: string;
  readonly requestId: string | undefined;
  readonly session: Session;
  readonly sqlText: string;
  readonly queryTag: string;
  readonly parameters: Record<string, unknown>;
  readonly bindings: Record<string, { type?: string; value?: unknown }> | undefined;
  readonly chunkSecret: string;
  duckdbSql: string[];
  status: QueryHistoryEntry['status'];
  readonly startedAt: number;
  endedAt?: number;
  result?: StatementResult;
  /** For PUT/GET: the instructions the driver's file transfer agent follows. */
  fileTransfer?: Record<string, unknown>;
  error?: SnowflakeSqlError;
  readonly abort: AbortController;
  cancelReason?: 'canceled' | 'timeout';
  timeoutSeconds?: number;
  inDuckDb: boolean;
  /** Repeats the DuckDB interrupt until the running call returns (see cancel()). */
  interruptTimer?: NodeJS.Timeout | undefined;
  done: Promise<void>;
  database: string | null;
  schema: string | null;
  warehouse: string | null;
}

interface Injection {
  kind: FailureKind;
  remaining: number;
  endpoint: FailureEndpoint;
  options: FailureOptions;
}

/**
 * An HTTP answer decided deep inside request handling (bad token, bad body). It never leaves
 * the server: handle() catches it and sends it; it is not an error a user can see.
 */
class HttpFailure {
  constructor(
    readonly status: number,
    readonly body: unknown,
  ) {}
}

/**
 * Starts a Snowflake-protocol test server on 127.0.0.1 backed by an in-memory DuckDB.
 *
 * @example
 * ```ts
 * import snowflake from 'snowflake-sdk';
 * import { startSnowflakeTestServer } from '@assay/snowflake/test-server';
 *
 * const server = await startSnowflakeTestServer();
 * const conn = snowflake.createConnection({ ...server.connectionOptions() });
 * await new Promise((resolve, reject) => conn.connect((err) => (err ? reject(err) : resolve(undefined))));
 * conn.execute({ sqlText: 'select 1 as one', complete: (err, _stmt, rows) => console.log(rows) });
 * // ...
 * await server.close();
 * ```
 *
 * @throws ConfigError for invalid options (a public key that does not parse).
 * @throws BackendError when the port cannot be bound or DuckDB cannot start.
 */
export async function startSnowflakeTestServer(options: SnowflakeTestServerOptions = {}): Promise<SnowflakeTestServer> {
  const server = new TestServer(options);
  await server.start();
  return server;
}

class TestServer implements SnowflakeTestServer {
  readonly stats: SnowflakeTestServerStats = {
    requests: 0,
    logins: 0,
    failedLogins: 0,
    sessionsClosed: 0,
    renewals: 0,
    heartbeats: 0,
    queries: 0,
    failedQueries: 0,
    inProgressResponses: 0,
    resultFetches: 0,
    chunksServed: 0,
    aborts: 0,
    injectedFailures: 0,
    telemetry: 0,
  };
  url = '';
  port = 0;
  get accessUrl(): string {
    return this.url;
  }

  private readonly users = new Map<string, string>();
  private readonly publicKeys = new Map<string, KeyObject>();
  private readonly defaultDatabase: string;
  private readonly chunkRows: number;
  private readonly asyncThresholdMs: number;
  private readonly tokenValiditySeconds: number;
  private readonly logger: TestServerLogger | undefined;
  private instance: DuckDBInstance | undefined;
  private admin: DuckDBConnection | undefined;
  private http: Server | undefined;
  private readonly stageRoot: string;
  private readonly stages: StageStore;
  private readonly sessionsByToken = new Map<string, Session>();
  private readonly sessionsByMaster = new Map<string, Session>();
  private readonly sessions = new Set<Session>();
  private readonly queries = new Map<string, QueryRecord>();
  private readonly queriesByRequestId = new Map<string, QueryRecord>();
  private readonly pendingCancels = new Set<string>();
  private readonly history: QueryRecord[] = [];
  private readonly resultOrder: QueryRecord[] = [];
  private readonly injections: Injection[] = [];
  /** `DB.SCHEMA.TABLE` -> declared types DuckDB cannot represent. */
  private readonly declared = new Map<string, { column: string; type: SnowflakeTypeName }[]>();
  private readonly dynamic = new Map<string, DynamicTableRecord>();
  private nextSessionId = 1;
  private closed = false;

  constructor(private readonly options: SnowflakeTestServerOptions) {
    for (const [user, password] of Object.entries(options.users ?? { test: 'test' })) this.users.set(user.toUpperCase(), password);
    for (const [user, pem] of Object.entries(options.publicKeys ?? {})) {
      try {
        this.publicKeys.set(user.toUpperCase(), parsePublicKey(pem));
      } catch (cause) {
        throw new ConfigError(`Snowflake test server: the public key for user "${user}" is not a valid PEM key`, { cause, hint: 'Pass the PEM text of an RSA public key (-----BEGIN PUBLIC KEY-----).' });
      }
    }
    this.defaultDatabase = (options.database ?? 'ASSAY').toUpperCase();
    this.chunkRows = Math.max(1, options.chunkRows ?? 10_000);
    this.asyncThresholdMs = Math.max(0, options.asyncThresholdMs ?? 45_000);
    this.tokenValiditySeconds = Math.max(1, options.tokenValiditySeconds ?? 3600);
    this.logger = options.logger;
    this.stageRoot = mkdtempSync(join(tmpdir(), 'assay-sf-stages-'));
    this.stages = new StageStore(this.stageRoot);
  }

  // ------------------------------------------------------------------ lifecycle

  async start(): Promise<void> {
    try {
      this.instance = await DuckDBInstance.create(':memory:');
      this.admin = await this.openConnection();
      await this.admin.run(`ATTACH ':memory:' AS ${quoteIdent(this.defaultDatabase)}`);
      await this.admin.run(`CREATE SCHEMA ${quoteIdent(this.defaultDatabase)}."PUBLIC"`);
    } catch (cause) {
      rmSync(this.stageRoot, { recursive: true, force: true });
      throw new BackendError('Snowflake test server: DuckDB could not start', { cause });
    }
    const http = createServer((req, res) => {
      this.handle(req, res).catch((error: unknown) => {
        this.logger?.error('Snowflake test server: request failed', { error: error instanceof Error ? error.message : String(error) });
        if (!res.headersSent) this.send(res, 500, { success: false, code: '000603', message: 'Internal test server error', data: null });
      });
    });
    // Long-polled result requests stay open; never time them out server-side.
    http.requestTimeout = 0;
    http.keepAliveTimeout = 5_000;
    await new Promise<void>((resolve, reject) => {
      http.once('error', (cause) => {
        reject(new BackendError(`Snowflake test server: cannot listen on 127.0.0.1:${this.options.port ?? 0}`, { cause, hint: 'Use port 0 to let the OS pick a free port.' }));
      });
      http.listen(this.options.port ?? 0, '127.0.0.1', () => resolve());
    }).catch(async (error: unknown) => {
      await this.releaseDuckDb();
      rmSync(this.stageRoot, { recursive: true, force: true });
      throw error;
    });
    this.http = http;
    this.port = (http.address() as AddressInfo).port;
    this.url = `http://127.0.0.1:${this.port}`;
    this.logger?.info('Snowflake test server listening', { url: this.url });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const q of this.queries.values()) if (q.status === 'RUNNING' || q.status === 'QUEUED') this.cancel(q, 'canceled');
    const http = this.http;
    if (http) {
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    }
    await Promise.allSettled([...this.sessions].map((s) => s.queue));
    for (const s of this.sessions) this.closeConnection(s.conn);
    this.sessions.clear();
    await this.releaseDuckDb();
    rmSync(this.stageRoot, { recursive: true, force: true });
  }

  private async releaseDuckDb(): Promise<void> {
    if (this.admin) this.closeConnection(this.admin);
    this.admin = undefined;
    this.instance?.closeSync();
    this.instance = undefined;
  }

  private closeConnection(conn: DuckDBConnection): void {
    try {
      conn.closeSync();
    } catch {
      // Already closed.
    }
  }

  private async openConnection(): Promise<DuckDBConnection> {
    const conn = await this.instance!.connect();
    await conn.run(`SET TimeZone = 'UTC'`);
    for (const macro of SNOWFLAKE_COMPAT_MACROS) await conn.run(macro);
    return conn;
  }

  // ------------------------------------------------------------------ public helpers

  async execute(sql: string, params?: readonly DuckDBValue[]): Promise<Record<string, unknown>[]> {
    if (!this.admin) throw new BackendError('Snowflake test server is closed');
    try {
      const reader = await this.admin.runAndReadAll(sql, params ? [...params] : undefined);
      return reader.getRowObjectsJS() as Record<string, unknown>[];
    } catch (cause) {
      throw new BackendError(`Snowflake test server: execute() failed: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    }
  }

  failNext(kind: FailureKind, options: FailureOptions = {}): void {
    this.injections.push({ kind, remaining: Math.max(1, options.times ?? 1), endpoint: options.endpoint ?? 'query', options });
  }

  killQuery(queryId: string): boolean {
    const q = this.queries.get(queryId);
    if (!q || (q.status !== 'RUNNING' && q.status !== 'QUEUED')) return false;
    this.cancel(q, 'canceled');
    return true;
  }

  queryHistory(): QueryHistoryEntry[] {
    return this.history.map((q) => ({
      queryId: q.id,
      sessionId: q.session.id,
      user: q.session.user,
      sqlText: q.sqlText,
      duckdbSql: [...q.duckdbSql],
      queryTag: q.queryTag,
      status: q.status,
      ...(q.error ? { errorCode: q.error.snowflakeCode, errorMessage: q.error.message } : {}),
      ...(q.result ? { rowCount: q.result.rowset.length } : {}),
      database: q.database,
      schema: q.schema,
      warehouse: q.warehouse,
      startedAt: new Date(q.startedAt),
      ...(q.endedAt !== undefined ? { endedAt: new Date(q.endedAt) } : {}),
    }));
  }

  dynamicTables(): DynamicTableInfo[] {
    return [...this.dynamic.values()].map((d) => ({
      name: displayName(d.name),
      targetLag: d.targetLag,
      ...(d.warehouse !== undefined ? { warehouse: d.warehouse } : {}),
      refreshMode: d.refreshMode,
      text: d.text,
      schedulingState: d.schedulingState,
      refreshCount: d.refreshCount,
      createdAt: d.createdAt,
      lastRefreshedAt: d.lastRefreshedAt,
    }));
  }

  loadHistory(): { table: string; file: string; md5: string }[] {
    return this.stages.loadHistory();
  }

  connectionOptions(user?: string): TestConnectionOptions {
    const name = user ?? [...this.users.keys()][0] ?? 'TEST';
    const entry = [...Object.entries(this.options.users ?? { test: 'test' })].find(([u]) => u.toUpperCase() === name.toUpperCase());
    return {
      account: 'assay-test',
      username: entry?.[0] ?? name,
      ...(entry ? { password: entry[1] } : {}),
      accessUrl: this.url,
      database: this.defaultDatabase,
      schema: 'PUBLIC',
      warehouse: 'COMPUTE_WH',
      sfRetryMaxLoginRetries: 0,
    };
  }

  // ------------------------------------------------------------------ HTTP plumbing

  private send(res: ServerResponse, status: number, body: unknown): void {
    const text = JSON.stringify(body);
    res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
    res.end(text);
  }

  private async readBody(req: IncomingMessage): Promise<Record<string, unknown>> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    let buf = Buffer.concat(chunks);
    if (buf.length === 0) return {};
    // snowflake-sdk gzips request bodies, but its Content-Encoding header and body can
    // disagree (the header is set from an async callback), so look at the magic bytes.
    if (buf[0] === 0x1f && buf[1] === 0x8b) buf = gunzipSync(buf);
    try {
      return JSON.parse(buf.toString('utf8')) as Record<string, unknown>;
    } catch {
      throw new HttpFailure(400, { success: false, code: '390001', message: 'Request body is not JSON', data: null });
    }
  }

  /** Applies an injected failure for `endpoint`, if one matches. True when the request was consumed. */
  private inject(endpoint: FailureEndpoint, req: IncomingMessage, res: ServerResponse, session: Session | undefined, sqlText?: string): boolean {
    const idx = this.injections.findIndex((f) => {
      if (f.endpoint !== 'any' && f.endpoint !== endpoint) return false;
      // sql_error is applied where the statement is recorded (takeSqlErrorInjection).
      if (f.kind === 'sql_error') return false;
      if (f.kind === 'token_expired' && (endpoint === 'login' || endpoint === 'renew' || endpoint === 'chunk' || !session)) return false;
      const m = f.options.match;
      if (m !== undefined && sqlText === undefined) return false;
      if (typeof m === 'string' && !sqlText!.includes(m)) return false;
      if (m instanceof RegExp && !m.test(sqlText!)) return false;
      return true;
    });
    if (idx < 0) return false;
    const f = this.injections[idx]!;
    if (--f.remaining <= 0) this.injections.splice(idx, 1);
    this.stats.injectedFailures++;
    this.logger?.debug(`injecting ${f.kind} on ${endpoint}`);
    switch (f.kind) {
      case 'drop_connection':
        req.socket.destroy();
        return true;
      case 'overload':
        this.send(res, f.options.status ?? 503, { success: false, code: null, message: 'Service temporarily unavailable (injected overload)', data: null });
        return true;
      case 'token_expired':
        session!.tokenExpiresAt = 0;
        this.send(res, 200, { success: false, code: '390112', message: 'Your session has expired. Please login again.', data: null });
        return true;
      default:
        return false;
    }
  }

  private takeSqlErrorInjection(sqlText: string): FailureOptions | undefined {
    const idx = this.injections.findIndex((f) => {
      if (f.kind !== 'sql_error' || (f.endpoint !== 'query' && f.endpoint !== 'any')) return false;
      const m = f.options.match;
      if (typeof m === 'string') return sqlText.includes(m);
      if (m instanceof RegExp) return m.test(sqlText);
      return true;
    });
    if (idx < 0) return undefined;
    const f = this.injections[idx]!;
    if (--f.remaining <= 0) this.injections.splice(idx, 1);
    this.stats.injectedFailures++;
    return f.options;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    this.stats.requests++;
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const path = url.pathname;
    const method = req.method ?? 'GET';
    this.logger?.debug(`${method} ${path}`);
    try {
      if (method === 'POST' && path === '/session/v1/login-request') return await this.login(req, res, url);
      if (method === 'POST' && path === '/session/token-request') return await this.renew(req, res);
      if (method === 'GET') {
        const chunk = /^\/results\/([^/]+)\/chunks\/(\d+)$/.exec(path);
        if (chunk) return this.chunk(req, res, chunk[1]!, Number(chunk[2]), url);
      }
      if (method === 'POST' && path === '/telemetry/send') {
        await this.readBody(req);
        this.stats.telemetry++;
        return this.send(res, 200, { success: true, data: null, code: null, message: null });
      }
      const session = this.authenticate(req);
      if (method === 'POST' && path === '/session/heartbeat') {
        if (this.inject('heartbeat', req, res, session)) return;
        this.stats.heartbeats++;
        return this.send(res, 200, { success: true, data: null, code: null, message: null });
      }
      if (method === 'POST' && path === '/session') {
        if (url.searchParams.get('delete') !== 'true') throw new HttpFailure(400, { success: false, code: '390001', message: 'Unsupported session request', data: null });
        await this.readBody(req);
        this.closeSession(session);
        return this.send(res, 200, { success: true, data: null, code: null, message: null });
      }
      if (method === 'POST' && path === '/queries/v1/query-request') return await this.queryRequest(req, res, session, url);
      if (method === 'POST' && path === '/queries/v1/abort-request') {
        const body = await this.readBody(req);
        if (this.inject('abort', req, res, session)) return;
        return this.abortRequest(res, session, undefined, typeof body.requestId === 'string' ? body.requestId : undefined);
      }
      let m = /^\/queries\/([^/]+)\/abort-request$/.exec(path);
      if (method === 'POST' && m) {
        await this.readBody(req);
        if (this.inject('abort', req, res, session)) return;
        return this.abortRequest(res, session, m[1]!, undefined);
      }
      m = /^\/queries\/([^/]+)\/result$/.exec(path);
      if (method === 'GET' && m) return await this.resultRequest(req, res, session, m[1]!);
      m = /^\/monitoring\/queries\/([^/]+)$/.exec(path);
      if (method === 'GET' && m) return this.monitoring(res, m[1]!);
      this.send(res, 404, { success: false, code: '390404', message: `Unknown endpoint ${method} ${path}`, data: null });
    } catch (error) {
      if (error instanceof HttpFailure) return this.send(res, error.status, error.body);
      throw error;
    }
  }

  // ------------------------------------------------------------------ sessions

  private authenticate(req: IncomingMessage): Session {
    const header = req.headers.authorization ?? '';
    const m = /Snowflake Token="([^"]*)"/.exec(header);
    const session = m ? this.sessionsByToken.get(m[1]!) : undefined;
    if (!session) {
      // A token of a session the client closed is "gone"; anything else is invalid.
      throw new HttpFailure(200, { success: false, code: '390104', message: 'Invalid session token. Please login again.', data: null });
    }
    if (session.closed) throw new HttpFailure(200, { success: false, code: '390111', message: 'Session no longer exists.  New login required to access the service.', data: null });
    if (session.tokenExpiresAt < Date.now()) throw new HttpFailure(200, { success: false, code: '390112', message: 'Your session has expired. Please login again.', data: null });
    return session;
  }

  private async login(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const body = await this.readBody(req);
    if (this.inject('login', req, res, undefined)) return;
    const data = (body.data ?? {}) as Record<string, unknown>;
    const user = String(data.LOGIN_NAME ?? '');
    const authenticator = String(data.AUTHENTICATOR ?? 'SNOWFLAKE').toUpperCase();
    const refuse = (code: string, message: string): void => {
      this.stats.failedLogins++;
      this.send(res, 200, { success: false, code, message, data: { nextAction: 'RETRY_LOGIN', authnMethod: authenticator === 'SNOWFLAKE_JWT' ? 'KEYPAIR' : 'USERNAME_PASSWORD', loginName: user, requestId: url.searchParams.get('requestId') } });
    };
    if (authenticator === 'SNOWFLAKE_JWT') {
      const key = this.publicKeys.get(user.toUpperCase());
      const token = typeof data.TOKEN === 'string' ? data.TOKEN : '';
      const problem = key ? verifyKeyPairJwt(token, user, key) : 'no public key is registered for the user';
      if (problem !== undefined) {
        this.logger?.warn('key-pair login refused', { user, reason: problem });
        return refuse('390144', 'JWT token is invalid.');
      }
    } else if (authenticator === 'SNOWFLAKE' || authenticator === 'USERNAME_PASSWORD_MFA') {
      const expected = this.users.get(user.toUpperCase());
      if (expected === undefined || expected !== data.PASSWORD) return refuse('390100', 'Incorrect username or password was specified.');
    } else {
      return refuse('390100', `Authenticator ${authenticator} is not supported by the Snowflake test server; use password or key-pair (SNOWFLAKE_JWT).`);
    }
    const conn = await this.openConnection();
    const now = Date.now();
    const session: Session = {
      id: this.nextSessionId++,
      user: user.toUpperCase(),
      account: String(data.ACCOUNT_NAME ?? 'assay-test'),
      token: this.newToken('ST'),
      tokenExpiresAt: now + this.tokenValiditySeconds * 1000,
      masterToken: this.newToken('MT'),
      masterExpiresAt: now + Math.max(4 * 3600, this.tokenValiditySeconds * 4) * 1000,
      database: null,
      schema: null,
      warehouse: normalizeIdent(url.searchParams.get('warehouse')) ?? null,
      role: normalizeIdent(url.searchParams.get('roleName')) ?? 'ACCOUNTADMIN',
      params: new Map(Object.entries(DEFAULT_PARAMETERS)),
      conn,
      queue: Promise.resolve(),
      inTransaction: false,
      closed: false,
      queries: new Set(),
      tempTables: new Set(),
    };
    for (const [k, v] of Object.entries((data.SESSION_PARAMETERS ?? {}) as Record<string, unknown>)) session.params.set(k.toUpperCase(), String(v));
    // Like Snowflake, a login naming a database or schema that does not exist still succeeds,
    // with no current database or schema.
    const database = normalizeIdent(url.searchParams.get('databaseName')) ?? this.defaultDatabase;
    const schema = normalizeIdent(url.searchParams.get('schemaName')) ?? 'PUBLIC';
    if (await this.databaseExists(database)) {
      session.database = database;
      if (await this.schemaExists(database, schema)) session.schema = schema;
      await this.useOnConnection(session);
    }
    const tz = session.params.get('TIMEZONE');
    if (tz && tz !== 'UTC') await conn.run(`SET TimeZone = ${sqlString(tz)}`).catch(() => session.params.set('TIMEZONE', 'UTC'));
    this.sessions.add(session);
    this.sessionsByToken.set(session.token, session);
    this.sessionsByMaster.set(session.masterToken, session);
    this.stats.logins++;
    this.send(res, 200, {
      success: true,
      code: null,
      message: null,
      data: {
        token: session.token,
        masterToken: session.masterToken,
        validityInSeconds: this.tokenValiditySeconds,
        masterValidityInSeconds: Math.round((session.masterExpiresAt - now) / 1000),
        displayUserName: session.user,
        serverVersion: VERSION,
        firstLogin: false,
        remMeToken: null,
        remMeValidityInSeconds: 0,
        healthCheckInterval: 45,
        newClientForUpgrade: null,
        sessionId: session.id,
        parameters: this.parameterList(session),
        sessionInfo: { databaseName: session.database, schemaName: session.schema, warehouseName: session.warehouse, roleName: session.role },
        idToken: null,
        idTokenValidityInSeconds: 0,
        responseData: null,
        mfaToken: null,
        mfaTokenValidityInSeconds: 0,
      },
    });
  }

  private newToken(kind: string): string {
    return `ver:1-hint:${kind}-${randomBytes(24).toString('hex')}`;
  }

  private async renew(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await this.readBody(req);
    if (this.inject('renew', req, res, undefined)) return;
    const m = /Snowflake Token="([^"]*)"/.exec(req.headers.authorization ?? '');
    const session = m ? this.sessionsByMaster.get(m[1]!) : undefined;
    if (!session || session.closed || session.masterExpiresAt < Date.now()) {
      return this.send(res, 200, { success: false, code: '390114', message: 'Authentication token has expired.  The user must authenticate again.', data: null });
    }
    if (body.oldSessionToken !== session.token) this.logger?.warn('token renewal with a stale oldSessionToken', { sessionId: session.id });
    this.sessionsByToken.delete(session.token);
    session.token = this.newToken('ST');
    session.tokenExpiresAt = Date.now() + this.tokenValiditySeconds * 1000;
    this.sessionsByToken.set(session.token, session);
    this.stats.renewals++;
    this.send(res, 200, {
      success: true,
      code: null,
      message: null,
      data: {
        sessionToken: session.token,
        validityInSecondsST: this.tokenValiditySeconds,
        masterToken: session.masterToken,
        validityInSecondsMT: Math.round((session.masterExpiresAt - Date.now()) / 1000),
        sessionId: session.id,
      },
    });
  }

  private closeSession(session: Session): void {
    if (session.closed) return;
    session.closed = true;
    this.stats.sessionsClosed++;
    for (const q of session.queries) if (q.status === 'RUNNING' || q.status === 'QUEUED') this.cancel(q, 'canceled');
    // Tokens stay known so later requests get "session gone" (390111), not "invalid token".
    // The clean-up joins the session's queue, so close() waits for it: closing the database
    // while it still drops temp tables on the connection crashed the process.
    session.queue = session.queue.finally(async () => {
      for (const table of session.tempTables) await session.conn.run(`DROP TABLE IF EXISTS ${table}`).catch(() => undefined);
      this.closeConnection(session.conn);
      this.sessions.delete(session);
    });
  }

  private parameterList(session: Session): { name: string; value: unknown }[] {
    return [...session.params.entries()].map(([name, value]) => ({ name, value: /^(TRUE|FALSE)$/i.test(value) ? value.toUpperCase() === 'TRUE' : /^\d+$/.test(value) && name !== 'QUERY_TAG' ? Number(value) : value }));
  }

  private async databaseExists(name: string): Promise<boolean> {
    const rows = await this.admin!.runAndReadAll('SELECT 1 FROM duckdb_databases() WHERE database_name = $1 AND NOT internal', [name]);
    return rows.currentRowCount > 0 && !['memory', 'system', 'temp'].includes(name.toLowerCase());
  }

  private async schemaExists(database: string, schema: string): Promise<boolean> {
    const rows = await this.admin!.runAndReadAll('SELECT 1 FROM duckdb_schemas() WHERE database_name = $1 AND schema_name = $2', [database, schema]);
    return rows.currentRowCount > 0;
  }

  private async tableExists(name: Required<QualifiedName>): Promise<boolean> {
    const rows = await this.admin!.runAndReadAll('SELECT 1 FROM duckdb_tables() WHERE database_name = $1 AND schema_name = $2 AND table_name = $3', [name.database, name.schema, name.name]);
    return rows.currentRowCount > 0;
  }

  /** Points the session's DuckDB connection at its current database and schema. */
  private async useOnConnection(session: Session): Promise<void> {
    if (session.database === null) return;
    await session.conn.run(`USE ${quoteIdent(session.database)}.${quoteIdent(session.schema ?? 'main')}`);
  }

  // ------------------------------------------------------------------ queries

  private async queryRequest(req: IncomingMessage, res: ServerResponse, session: Session, url: URL): Promise<void> {
    const body = await this.readBody(req);
    const sqlText = typeof body.sqlText === 'string' ? body.sqlText : '';
    if (this.inject('query', req, res, session, sqlText)) return;
    const requestId = url.searchParams.get('requestId') ?? undefined;
    // A retried request (same requestId) returns the statement already running for it.
    const existing = requestId ? this.queriesByRequestId.get(requestId) : undefined;
    if (existing && existing.session === session) return this.respondWhenDone(res, existing, this.asyncThresholdMs, body.asyncExec === true);
    const parameters = (body.parameters ?? {}) as Record<string, unknown>;
    const queryTag = String(parameters.QUERY_TAG ?? session.params.get('QUERY_TAG') ?? '');
    const record = this.newRecord(session, sqlText, requestId, queryTag, parameters, body.bindings as QueryRecord['bindings']);
    const injected = this.takeSqlErrorInjection(sqlText);
    if (injected) {
      record.error = new SnowflakeSqlError(injected.code ?? '000603', injected.sqlState ?? 'XX000', injected.message ?? 'SQL execution internal error: Processing aborted due to error (injected by the test server).', sqlText);
      record.status = 'FAILED_WITH_ERROR';
      record.endedAt = Date.now();
      this.stats.failedQueries++;
      return this.respondResult(res, record);
    }
    if (requestId && this.pendingCancels.delete(requestId)) this.cancel(record, 'canceled');
    record.done = session.queue = session.queue.then(() => this.run(record));
    return this.respondWhenDone(res, record, this.asyncThresholdMs, body.asyncExec === true);
  }

  private newRecord(session: Session, sqlText: string, requestId: string | undefined, queryTag: string, parameters: Record<string, unknown>, bindings: QueryRecord['bindings']): QueryRecord {
    const record: QueryRecord = {
      id: randomUUID(),
      requestId,
      session,
      sqlText,
      queryTag,
      parameters,
      bindings,
      chunkSecret: randomBytes(12).toString('hex'),
      duckdbSql: [],
      status: 'QUEUED',
      startedAt: Date.now(),
      abort: new AbortController(),
      inDuckDb: false,
      done: Promise.resolve(),
      database: session.database,
      schema: session.schema,
      warehouse: session.warehouse,
    };
    this.stats.queries++;
    this.queries.set(record.id, record);
    if (requestId) this.queriesByRequestId.set(requestId, record);
    session.queries.add(record);
    this.history.push(record);
    return record;
  }

  private async respondWhenDone(res: ServerResponse, record: QueryRecord, waitMs: number, asyncExec: boolean): Promise<void> {
    // asyncExec statements are detached at once (333334); the client polls monitoring.
    if (asyncExec) return this.respondInProgress(res, record, '333334');
    let timer: NodeJS.Timeout | undefined;
    const finished =
      isFinished(record) ||
      (await Promise.race([
        record.done.then(() => true),
        new Promise<boolean>((resolve) => {
          timer = setTimeout(() => resolve(false), waitMs);
        }),
      ]));
    if (timer) clearTimeout(timer);
    if (finished) return this.respondResult(res, record);
    return this.respondInProgress(res, record, '333333');
  }

  private respondInProgress(res: ServerResponse, record: QueryRecord, code: '333333' | '333334'): void {
    this.stats.inProgressResponses++;
    this.send(res, 200, {
      success: true,
      code,
      message: code === '333334' ? 'Asynchronous execution in progress. Use provided query id to perform query monitoring and management.' : 'Query execution in progress',
      data: { queryId: record.id, getResultUrl: `/queries/${record.id}/result`, queryAbortsAfterSecs: 300, progressDesc: null },
    });
  }

  private respondResult(res: ServerResponse, record: QueryRecord): void {
    if (record.error) {
      return this.send(res, 200, {
        success: false,
        code: record.error.snowflakeCode,
        message: record.error.message,
        headers: null,
        data: {
          queryId: record.id,
          sqlState: record.error.sqlState,
          errorCode: record.error.snowflakeCode,
          internalError: false,
          age: 0,
          line: -1,
          pos: -1,
          type: 'COMPILATION',
          queryContext: null,
        },
      });
    }
    if (record.fileTransfer) return this.send(res, 200, { success: true, code: null, message: null, data: record.fileTransfer });
    const result = record.result;
    if (!result) {
      return this.send(res, 200, { success: false, code: '000709', message: `Statement ${record.id} not found`, data: { queryId: record.id, sqlState: '02000' } });
    }
    const all = result.rowset;
    const inline = all.length > this.chunkRows ? all.slice(0, this.chunkRows) : all;
    const chunks: { url: string; rowCount: number; uncompressedSize: number; compressedSize: number }[] = [];
    for (let start = inline.length, i = 0; start < all.length; start += this.chunkRows, i++) {
      const rows = all.slice(start, start + this.chunkRows);
      const size = JSON.stringify(rows).length;
      chunks.push({ url: `${this.url}/results/${record.id}/chunks/${i}?sig=${record.chunkSecret}`, rowCount: rows.length, uncompressedSize: size, compressedSize: size });
    }
    const session = record.session;
    this.send(res, 200, {
      success: true,
      code: null,
      message: null,
      data: {
        parameters: this.parameterList(session),
        rowtype: result.rowtype,
        rowset: inline,
        total: all.length,
        returned: all.length,
        queryId: record.id,
        databaseProvider: null,
        finalDatabaseName: session.database,
        finalSchemaName: session.schema,
        finalWarehouseName: session.warehouse,
        finalRoleName: session.role,
        numberOfBinds: Object.keys(record.bindings ?? {}).length,
        arrayBindSupported: false,
        statementTypeId: result.statementTypeId,
        version: 1,
        sendResultTime: Date.now(),
        queryResultFormat: 'json',
        queryContext: null,
        ...(chunks.length ? { chunks, chunkHeaders: {} } : {}),
      },
    });
  }

  private async resultRequest(req: IncomingMessage, res: ServerResponse, session: Session, queryId: string): Promise<void> {
    if (this.inject('result', req, res, session)) return;
    this.stats.resultFetches++;
    const record = this.queries.get(queryId);
    if (!record) return this.send(res, 200, { success: false, code: '000709', message: `Statement ${queryId} not found`, data: { queryId, sqlState: '02000' } });
    // Long-poll like Snowflake, but never spin: at least 20 ms per round trip.
    return this.respondWhenDone(res, record, Math.max(20, this.asyncThresholdMs), false);
  }

  private chunk(req: IncomingMessage, res: ServerResponse, queryId: string, index: number, url: URL): void {
    if (this.inject('chunk', req, res, undefined)) return;
    const record = this.queries.get(queryId);
    if (!record || !record.result || url.searchParams.get('sig') !== record.chunkSecret) {
      res.writeHead(403, { 'Content-Type': 'text/plain' });
      res.end('Forbidden');
      return;
    }
    const start = Math.min(record.result.rowset.length, this.chunkRows) + index * this.chunkRows;
    const rows = record.result.rowset.slice(start, start + this.chunkRows);
    // Chunk bodies are rows without the outer brackets, like Snowflake's result files.
    let body: Buffer = Buffer.from(rows.map((r) => JSON.stringify(r)).join(','), 'utf8');
    const headers: Record<string, string> = { 'Content-Type': 'application/octet-stream' };
    if (/\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''))) {
      body = gzipSync(body);
      headers['Content-Encoding'] = 'gzip';
    }
    headers['Content-Length'] = String(body.length);
    this.stats.chunksServed++;
    res.writeHead(200, headers);
    res.end(body);
  }

  private abortRequest(res: ServerResponse, session: Session, queryId: string | undefined, requestId: string | undefined): void {
    const record = queryId ? this.queries.get(queryId) : requestId ? this.queriesByRequestId.get(requestId) : undefined;
    if (!record && requestId) {
      // The cancel overtook the statement: cancel it as soon as it arrives.
      this.pendingCancels.add(requestId);
      return this.send(res, 200, { success: true, code: null, message: null, data: null });
    }
    if (!record || record.session.user !== session.user) return this.send(res, 200, { success: false, code: '000605', message: 'Identified SQL statement is not currently executing.', data: { sqlState: '01000' } });
    if (record.status !== 'RUNNING' && record.status !== 'QUEUED') {
      return this.send(res, 200, { success: false, code: '000605', message: 'Identified SQL statement is not currently executing.', data: { sqlState: '01000', queryId: record.id } });
    }
    this.cancel(record, 'canceled');
    this.send(res, 200, { success: true, code: null, message: null, data: null });
  }

  private monitoring(res: ServerResponse, queryId: string): void {
    const q = this.queries.get(queryId) ?? this.history.find((h) => h.id === queryId);
    if (!q) return this.send(res, 200, { success: true, code: null, message: null, data: { queries: [] } });
    const status = q.status;
    this.send(res, 200, {
      success: true,
      code: q.error ? q.error.snowflakeCode : null,
      message: null,
      data: {
        queries: [
          {
            id: q.id,
            status,
            state: status,
            sqlText: q.sqlText,
            startTime: q.startedAt,
            endTime: q.endedAt ?? 0,
            totalDuration: (q.endedAt ?? Date.now()) - q.startedAt,
            sessionId: q.session.id,
            warehouseName: q.warehouse,
            databaseName: q.database,
            schemaName: q.schema,
            errorCode: q.error?.snowflakeCode ?? null,
            errorMessage: q.error?.message ?? null,
          },
        ],
        sqlState: q.error?.sqlState ?? null,
      },
    });
  }

  private cancel(record: QueryRecord, reason: 'canceled' | 'timeout'): void {
    if (record.cancelReason) return;
    record.cancelReason = reason;
    this.stats.aborts++;
    record.abort.abort();
    if (record.inDuckDb) {
      // An interrupt that lands before DuckDB has started the query is lost (DuckDB clears the
      // flag when a query begins), so keep interrupting until the call returns.
      record.session.conn.interrupt();
      record.interruptTimer = setInterval(() => record.session.conn.interrupt(), 20);
    }
  }

  // ------------------------------------------------------------------ execution

  private async run(record: QueryRecord): Promise<void> {
    const session = record.session;
    let timer: NodeJS.Timeout | undefined;
    try {
      if (record.cancelReason) throw canceled(record.sqlText);
      record.status = 'RUNNING';
      record.database = session.database;
      record.schema = session.schema;
      record.warehouse = session.warehouse;
      const timeout = Number(record.parameters.STATEMENT_TIMEOUT_IN_SECONDS ?? session.params.get('STATEMENT_TIMEOUT_IN_SECONDS') ?? 0);
      if (timeout > 0) {
        record.timeoutSeconds = timeout;
        timer = setTimeout(() => this.cancel(record, 'timeout'), timeout * 1000);
      }
      const ctx = this.context(session);
      const statement = translateStatement(record.sqlText, ctx);
      // A cancel that arrives after the work finished does not undo it: report success.
      record.result = await this.executeStatement(record, statement);
      record.status = 'SUCCESS';
      this.keepResult(record);
    } catch (error) {
      let err = fromDuckDbError(error, record.sqlText);
      if (record.cancelReason === 'timeout') err = statementTimeout(record.sqlText, record.timeoutSeconds ?? 0);
      else if (record.cancelReason) err = canceled(record.sqlText);
      delete record.result;
      record.error = err;
      record.status = record.cancelReason ? 'ABORTED' : 'FAILED_WITH_ERROR';
      this.stats.failedQueries++;
      if (!(error instanceof SnowflakeSqlError) && !record.cancelReason) this.logger?.debug('statement failed', { queryId: record.id, error: err.message });
    } finally {
      if (timer) clearTimeout(timer);
      record.endedAt = Date.now();
      record.session.queries.delete(record);
    }
  }

  /** Keeps memory bounded: the oldest results are dropped (their history entries stay). */
  private keepResult(record: QueryRecord): void {
    this.resultOrder.push(record);
    while (this.resultOrder.length > MAX_RESULTS_KEPT) {
      const old = this.resultOrder.shift()!;
      delete old.result;
      this.queries.delete(old.id);
      if (old.requestId) this.queriesByRequestId.delete(old.requestId);
    }
  }

  private context(session: Session): TranslateContext {
    return {
      database: session.database,
      schema: session.schema,
      user: session.user,
      role: session.role,
      warehouse: session.warehouse,
      account: session.account,
      sessionId: String(session.id),
      version: VERSION,
      declaredTypes: (database) => this.declaredTypes(database),
    };
  }

  private declaredTypes(database: string): DeclaredColumnType[] {
    const out: DeclaredColumnType[] = [];
    for (const [key, cols] of this.declared) {
      const [db, schema, table] = splitKey(key);
      if (db !== database) continue;
      for (const c of cols) out.push({ schema, table, column: c.column, type: c.type });
    }
    return out;
  }

  private scope(session: Session): NameScope {
    return { database: session.database, schema: session.schema, user: session.user };
  }

  private resolveName(session: Session, name: QualifiedName, sql: string): Required<QualifiedName> {
    const database = name.database ?? session.database;
    const schema = name.schema ?? session.schema;
    if (database === null || schema === null) {
      throw new SnowflakeSqlError('090105', '22000', 'Cannot perform operation. This session does not have a current database. Call \'USE DATABASE\', or use a qualified name.', sql);
    }
    return { database, schema, name: name.name };
  }

  /** Runs DuckDB SQL on the session connection, interruptible by cancel(). */
  private async duck(record: QueryRecord, sql: string, params?: DuckDBValue[]): Promise<DuckDBResultReader> {
    if (record.cancelReason) throw canceled(record.sqlText);
    record.duckdbSql.push(sql);
    record.inDuckDb = true;
    try {
      return await record.session.conn.runAndReadAll(sql, params);
    } finally {
      record.inDuckDb = false;
      if (record.interruptTimer) clearInterval(record.interruptTimer);
      record.interruptTimer = undefined;
    }
  }

  /** Runs `fn` in a transaction unless the session already has one open. */
  private async atomically<T>(record: QueryRecord, fn: () => Promise<T>): Promise<T> {
    const session = record.session;
    if (session.inTransaction) return fn();
    await session.conn.run('BEGIN TRANSACTION');
    try {
      const out = await fn();
      await session.conn.run('COMMIT');
      return out;
    } catch (error) {
      await session.conn.run('ROLLBACK').catch(() => undefined);
      throw error;
    }
  }

  /** Snowflake commits an open transaction before DDL; DuckDB would make the DDL transactional. */
  private async implicitCommit(session: Session): Promise<void> {
    if (!session.inTransaction) return;
    session.inTransaction = false;
    await session.conn.run('COMMIT');
  }

  private bindRows(record: QueryRecord): DuckDBValue[][] {
    const bindings = record.bindings;
    if (!bindings || Object.keys(bindings).length === 0) return [[]];
    const keys = Object.keys(bindings).sort((a, b) => Number(a) - Number(b));
    const columns = keys.map((k) => bindings[k]!);
    const arrayLength = columns.find((c) => Array.isArray(c.value))?.value as unknown[] | undefined;
    const convert = (type: string | undefined, value: unknown): DuckDBValue => {
      if (value === null || value === undefined) return null;
      const s = String(value);
      switch ((type ?? 'TEXT').toUpperCase()) {
        case 'FIXED':
          return /^-?\d+$/.test(s) ? BigInt(s) : Number(s);
        case 'REAL':
          return Number(s);
        case 'BOOLEAN':
          return /^(true|1)$/i.test(s);
        default:
          return s;
      }
    };
    if (!arrayLength) return [columns.map((c) => convert(c.type, c.value))];
    const rows: DuckDBValue[][] = [];
    for (let r = 0; r < arrayLength.length; r++) rows.push(columns.map((c) => convert(c.type, Array.isArray(c.value) ? (c.value as unknown[])[r] : c.value)));
    return rows;
  }

  private status(message: string, typeId: number = STATEMENT_TYPE.ddl): StatementResult {
    return statusResult(message, typeId);
  }

  /** The view of a running statement that command handlers get. */
  private commandContext(record: QueryRecord): CommandContext {
    const session = record.session;
    return {
      sql: record.sqlText,
      queryId: record.id,
      session,
      scope: this.scope(session),
      duck: (sql, params) => this.duck(record, sql, params),
      atomically: (fn) => this.atomically(record, fn),
      isCanceled: () => record.cancelReason !== undefined,
      resolveName: (name) => this.resolveName(session, name, record.sqlText),
      tableExists: (name) => this.tableExists(name),
      parameters: () => this.parameterList(session),
    };
  }

  private get catalog(): ServerCatalog {
    return { defaultDatabase: this.defaultDatabase, stages: this.stages, declared: this.declared, dynamicTables: this.dynamic };
  }

  private async executeStatement(record: QueryRecord, statement: TranslatedStatement): Promise<StatementResult> {
    const session = record.session;
    const sql = record.sqlText;
    switch (statement.kind) {
      case 'query': {
        const duckSql = this.substituteStages(session, statement.sql, statement.stageSources, statement.maxDollar, sql);
        const params = statement.usesBinds ? this.bindRows(record)[0] : undefined;
        const reader = await this.duck(record, duckSql, params);
        const overrides = this.typeOverrides(session, reader, statement.hints, statement.sourceTable);
        return { ...encodeDuckDbResult(reader, overrides, session.params.get('TIMEZONE') ?? 'UTC'), statementTypeId: STATEMENT_TYPE.select };
      }
      case 'dml':
        return this.executeDml(record, statement);
      case 'ddl': {
        await this.implicitCommit(session);
        const run = async (): Promise<void> => {
          for (const s of statement.statements) await this.duck(record, s);
        };
        if (statement.statements.length > 1) await this.atomically(record, run);
        else await run();
        this.applyEffects(session, statement.effects);
        return this.status(statement.status);
      }
      default:
        return this.executeCommand(record, statement);
    }
  }

  private async executeDml(record: QueryRecord, statement: Extract<TranslatedStatement, { kind: 'dml' }>): Promise<StatementResult> {
    const session = record.session;
    const rows = statement.usesBinds ? this.bindRows(record) : [[]];
    const statements = statement.statements.map((s) => this.substituteStages(session, s, statement.stageSources, statement.maxDollar, record.sqlText));
    const counts = { insert: 0, update: 0, delete: 0 };
    const run = async (): Promise<void> => {
      for (const params of rows) {
        for (let i = 0; i < statements.length; i++) {
          const isLast = i === statements.length - 1;
          const reader = await this.duck(record, statements[i]!, statement.usesBinds && isLast ? params : undefined);
          // INSERT OVERWRITE's leading DELETE is not reported.
          if (!isLast) continue;
          if (statement.operation === 'merge') {
            for (const [action] of reader.getRows()) {
              const a = String(action).toLowerCase() as 'insert' | 'update' | 'delete';
              if (a in counts) counts[a]++;
            }
          } else counts[statement.operation] += reader.rowsChanged;
        }
      }
    };
    if (statements.length > 1 || rows.length > 1) await this.atomically(record, run);
    else await run();
    const col = (name: string): SnowflakeColumnMetadata => columnMetadata(name, 'NUMBER', 38, 0);
    switch (statement.operation) {
      case 'insert':
        return { rowtype: [col('number of rows inserted')], rowset: [[String(counts.insert)]], statementTypeId: STATEMENT_TYPE.insert };
      case 'update':
        return { rowtype: [col('number of rows updated'), col('number of multi-joined rows updated')], rowset: [[String(counts.update), '0']], statementTypeId: STATEMENT_TYPE.update };
      case 'delete':
        return { rowtype: [col('number of rows deleted')], rowset: [[String(counts.delete)]], statementTypeId: STATEMENT_TYPE.delete };
      case 'merge': {
        const actions = statement.mergeActions ?? ['insert', 'update', 'delete'];
        const label = { insert: 'number of rows inserted', update: 'number of rows updated', delete: 'number of rows deleted' } as const;
        return { rowtype: actions.map((a) => col(label[a])), rowset: [actions.map((a) => String(counts[a]))], statementTypeId: STATEMENT_TYPE.merge };
      }
    }
  }

  private applyEffects(session: Session, effects: readonly DdlEffect[]): void {
    for (const e of effects) {
      const key = (n: QualifiedName): string | undefined => {
        const database = n.database ?? session.database;
        const schema = n.schema ?? session.schema;
        return database && schema ? `${database}.${schema}.${n.name}` : undefined;
      };
      if (e.kind === 'declare-columns') {
        const k = key(e.table);
        if (!k) continue;
        if (e.columns.length) this.declared.set(k, [...e.columns]);
        else this.declared.delete(k);
      } else if (e.kind === 'drop-table') {
        const k = key(e.table);
        if (k) this.declared.delete(k);
      } else if (e.kind === 'session-table') {
        session.tempTables.add(qualifiedSql(e.table));
      } else {
        const from = key(e.from);
        const to = key(e.to);
        if (!from || !to) continue;
        const cols = this.declared.get(from);
        this.declared.delete(from);
        if (cols) this.declared.set(to, cols);
      }
    }
  }

  /** Snowflake types to report where DuckDB's result type is ambiguous. */
  private typeOverrides(session: Session, reader: DuckDBResultReader, hints: readonly (SnowflakeTypeName | undefined)[], sourceTable: QualifiedName | undefined): (SnowflakeTypeName | undefined)[] {
    const out: (SnowflakeTypeName | undefined)[] = [];
    let declared: Map<string, SnowflakeTypeName> | undefined;
    if (sourceTable) {
      const database = sourceTable.database ?? session.database;
      const schema = sourceTable.schema ?? session.schema;
      const cols = database && schema ? this.declared.get(`${database}.${schema}.${sourceTable.name}`) : undefined;
      if (cols) declared = new Map(cols.map((c) => [c.column, c.type]));
    }
    for (let c = 0; c < reader.columnCount; c++) out.push(hints[c] ?? declared?.get(reader.columnName(c)));
    return out;
  }

  private substituteStages(session: Session, sql: string, sources: readonly StageSourcePlaceholder[], maxDollar: number, original: string): string {
    let out = sql;
    for (const src of sources) {
      const stage = this.stages.resolve(src.ref, this.scope(session), original);
      const format = this.stages.fileFormat(stage, {}, src.fileFormat, this.scope(session), original);
      const files = this.stages.files(stage, src.ref.path, src.pattern);
      out = out.split(src.placeholder).join(this.stages.unionSourceSql(files, format, maxDollar, original));
    }
    return out;
  }

  // ------------------------------------------------------------------ commands

  private async executeCommand(record: QueryRecord, statement: CommandStatement): Promise<StatementResult> {
    const session = record.session;
    const sql = record.sqlText;
    const ok = 'Statement executed successfully.';
    switch (statement.kind) {
      case 'transaction': {
        if (statement.action === 'begin') {
          if (!session.inTransaction) {
            await this.duck(record, 'BEGIN TRANSACTION');
            session.inTransaction = true;
          }
          return this.status(ok, STATEMENT_TYPE.misc);
        }
        if (!session.inTransaction) return this.status(ok, STATEMENT_TYPE.misc);
        session.inTransaction = false;
        if (statement.action === 'rollback') {
          await this.duck(record, 'ROLLBACK');
          return this.status(ok, STATEMENT_TYPE.misc);
        }
        try {
          await this.duck(record, 'COMMIT');
        } catch (cause) {
          await session.conn.run('ROLLBACK').catch(() => undefined);
          throw new SnowflakeSqlError('000603', 'XX000', 'SQL execution internal error: the transaction was rolled back because a statement inside it failed (the test server cannot keep a DuckDB transaction alive after an execution error).', sql, { cause });
        }
        return this.status(ok, STATEMENT_TYPE.misc);
      }
      case 'use':
        return this.use(record, statement);
      case 'alter-session': {
        for (const [k, v] of Object.entries(statement.set)) {
          if (k === 'TIMEZONE') {
            try {
              await this.duck(record, `SET TimeZone = ${sqlString(v)}`);
            } catch (cause) {
              throw new SnowflakeSqlError('002043', '22023', `SQL compilation error:\nInvalid value '${v}' for parameter 'TIMEZONE'`, sql, { cause });
            }
          }
          session.params.set(k, v);
        }
        for (const k of statement.unset) {
          const def = DEFAULT_PARAMETERS[k];
          if (def !== undefined) session.params.set(k, def);
          else session.params.delete(k);
          if (k === 'TIMEZONE') await this.duck(record, `SET TimeZone = 'UTC'`);
        }
        return this.status(ok, STATEMENT_TYPE.misc);
      }
      case 'create-database': {
        await this.implicitCommit(session);
        const name = statement.name;
        if (['MEMORY', 'SYSTEM', 'TEMP', 'MAIN'].includes(name.toUpperCase())) throw unsupported(sql, `a database named ${name} (reserved by DuckDB)`);
        const exists = await this.databaseExists(name);
        if (exists && !statement.orReplace) {
          if (statement.ifNotExists) return this.status(`${name} already exists, statement succeeded.`);
          throw new SnowflakeSqlError('002002', '42710', `SQL compilation error:\nObject '${name}' already exists.`, sql);
        }
        if (exists) await this.duck(record, `DETACH DATABASE ${quoteIdent(name)}`);
        await this.duck(record, `ATTACH ':memory:' AS ${quoteIdent(name)}`);
        await this.duck(record, `CREATE SCHEMA ${quoteIdent(name)}."PUBLIC"`);
        session.database = name;
        session.schema = 'PUBLIC';
        await this.useOnConnection(session);
        return this.status(`Database ${name} successfully created.`);
      }
      case 'drop-database': {
        await this.implicitCommit(session);
        if (!(await this.databaseExists(statement.name))) {
          if (statement.ifExists) return this.status(`Drop statement executed successfully (${statement.name} already dropped).`);
          throw objectDoesNotExist(sql, 'Database', statement.name);
        }
        if (session.database === statement.name) {
          session.database = null;
          session.schema = null;
          await this.duck(record, 'USE memory.main');
        }
        await this.duck(record, `DETACH DATABASE ${quoteIdent(statement.name)}`);
        for (const key of [...this.declared.keys()]) if (splitKey(key)[0] === statement.name) this.declared.delete(key);
        for (const key of [...this.dynamic.keys()]) if (splitKey(key)[0] === statement.name) this.dynamic.delete(key);
        return this.status(`${statement.name} successfully dropped.`);
      }
      case 'create-schema': {
        await this.implicitCommit(session);
        const { database, name } = statement.name as { database: string; name: string };
        if (!(await this.databaseExists(database))) throw objectDoesNotExist(sql, 'Database', database);
        const target = `${quoteIdent(database)}.${quoteIdent(name)}`;
        const exists = await this.schemaExists(database, name);
        if (exists && !statement.orReplace && !statement.ifNotExists) throw new SnowflakeSqlError('002002', '42710', `SQL compilation error:\nObject '${name}' already exists.`, sql);
        if (exists && statement.orReplace) await this.duck(record, `DROP SCHEMA ${target} CASCADE`);
        if (!exists || statement.orReplace) await this.duck(record, `CREATE SCHEMA ${target}`);
        session.database = database;
        session.schema = name;
        await this.useOnConnection(session);
        return this.status(exists && !statement.orReplace ? `${name} already exists, statement succeeded.` : `Schema ${name} successfully created.`);
      }
      case 'swap':
        return this.swap(record, statement);
      case 'wait':
        await new Promise<void>((resolve, reject) => {
          if (record.abort.signal.aborted) return reject(canceled(sql));
          const timer = setTimeout(resolve, statement.milliseconds);
          record.abort.signal.addEventListener('abort', () => {
            clearTimeout(timer);
            reject(canceled(sql));
          }, { once: true });
        });
        return { rowtype: [columnMetadata(statement.column, 'TEXT')], rowset: [[statement.message]], statementTypeId: STATEMENT_TYPE.select };
      case 'cancel-query': {
        const killed = this.killQuery(statement.queryId);
        return { rowtype: [columnMetadata(statement.column, 'TEXT')], rowset: [[killed ? `query [${statement.queryId}] terminated.` : `query [${statement.queryId}] is not running.`]], statementTypeId: STATEMENT_TYPE.select };
      }
      case 'show':
        return showObjects(this.commandContext(record), this.catalog, statement);
      case 'describe':
        return describeTable(this.commandContext(record), this.catalog, statement.name);
      case 'noop':
        return this.status(statement.status, STATEMENT_TYPE.misc);
      case 'create-stage': {
        const r = this.stages.createStage(statement.name, this.scope(session), { orReplace: statement.orReplace, ifNotExists: statement.ifNotExists, ...(statement.url !== undefined ? { url: statement.url } : {}), fileFormat: statement.fileFormat }, sql);
        return this.status(r === 'exists' ? `${statement.name.name} already exists, statement succeeded.` : `Stage area ${statement.name.name} successfully created.`);
      }
      case 'drop-stage':
        this.stages.dropStage(statement.name, this.scope(session), statement.ifExists, sql);
        return this.status(`${statement.name.name} successfully dropped.`);
      case 'create-file-format': {
        const r = this.stages.createFileFormat(statement.name, this.scope(session), statement.options, { orReplace: statement.orReplace, ifNotExists: statement.ifNotExists }, sql);
        return this.status(r === 'exists' ? `${statement.name.name} already exists, statement succeeded.` : `File format ${statement.name.name} successfully created.`);
      }
      case 'drop-file-format':
        this.stages.dropFileFormat(statement.name, this.scope(session), statement.ifExists, sql);
        return this.status(`${statement.name.name} successfully dropped.`);
      case 'put':
      case 'get':
        record.fileTransfer = fileTransferData(this.commandContext(record), this.catalog, statement);
        return { rowtype: [], rowset: [], statementTypeId: STATEMENT_TYPE.misc };
      case 'list':
      case 'remove':
        return listOrRemoveFiles(this.commandContext(record), this.catalog, statement);
      case 'copy':
        return copyInto(this.commandContext(record), this.catalog, statement);
      case 'create-dynamic-table':
        return this.createDynamicTable(record, statement);
      case 'alter-dynamic-table': {
        const name = this.resolveName(session, statement.name, sql);
        const d = this.dynamic.get(displayName(name));
        if (!d) throw objectDoesNotExist(sql, 'Dynamic table', displayName(name));
        if (statement.action === 'refresh') {
          await this.refreshDynamicTable(record, d);
          return this.status(ok, STATEMENT_TYPE.misc);
        }
        if (statement.action === 'suspend') d.schedulingState = 'SUSPENDED';
        else if (statement.action === 'resume') d.schedulingState = 'RUNNING';
        else {
          if (statement.set.TARGET_LAG !== undefined) d.targetLag = statement.set.TARGET_LAG;
          if (statement.set.WAREHOUSE !== undefined) d.warehouse = statement.set.WAREHOUSE;
        }
        return this.status(ok, STATEMENT_TYPE.misc);
      }
      case 'drop-dynamic-table': {
        await this.implicitCommit(session);
        const name = this.resolveName(session, statement.name, sql);
        if (!this.dynamic.has(displayName(name))) {
          if (statement.ifExists) return this.status(`Drop statement executed successfully (${name.name} already dropped).`);
          throw objectDoesNotExist(sql, 'Dynamic table', displayName(name));
        }
        await this.duck(record, `DROP TABLE IF EXISTS ${qualifiedSql(name)}`);
        this.dynamic.delete(displayName(name));
        return this.status(`${name.name} successfully dropped.`);
      }
    }
  }

  private async use(record: QueryRecord, statement: Extract<CommandStatement, { kind: 'use' }>): Promise<StatementResult> {
    const session = record.session;
    const sql = record.sqlText;
    const ok = this.status('Statement executed successfully.', STATEMENT_TYPE.misc);
    if (statement.object === 'warehouse') {
      session.warehouse = statement.name.name;
      return ok;
    }
    if (statement.object === 'role') {
      session.role = statement.name.name;
      return ok;
    }
    if (statement.object === 'secondary-roles') return ok;
    if (statement.object === 'database') {
      const db = statement.name.name;
      if (!(await this.databaseExists(db))) throw new SnowflakeSqlError('002043', '02000', `SQL compilation error:\nObject does not exist, or operation cannot be performed.`, sql);
      session.database = db;
      session.schema = (await this.schemaExists(db, 'PUBLIC')) ? 'PUBLIC' : null;
      await this.useOnConnection(session);
      return ok;
    }
    const db = statement.name.schema ?? session.database;
    if (db === null || !(await this.databaseExists(db)) || !(await this.schemaExists(db, statement.name.name))) {
      throw new SnowflakeSqlError('002043', '02000', `SQL compilation error:\nObject does not exist, or operation cannot be performed.`, sql);
    }
    session.database = db;
    session.schema = statement.name.name;
    await this.useOnConnection(session);
    return ok;
  }

  private async swap(record: QueryRecord, statement: Extract<CommandStatement, { kind: 'swap' }>): Promise<StatementResult> {
    const session = record.session;
    const sql = record.sqlText;
    await this.implicitCommit(session);
    const a = this.resolveName(session, statement.table, sql);
    const b = this.resolveName(session, statement.other, sql);
    if (a.database !== b.database || a.schema !== b.schema) throw unsupported(sql, 'SWAP WITH a table in another schema or database');
    if (!(await this.tableExists(a))) {
      if (statement.ifExists) return this.status('Statement executed successfully.');
      throw objectDoesNotExist(sql, 'Table', displayName(a));
    }
    if (!(await this.tableExists(b))) throw objectDoesNotExist(sql, 'Table', displayName(b));
    const tmp = `${a.name}__ASSAY_SWAP_${randomBytes(4).toString('hex').toUpperCase()}`;
    // Three renames in one transaction: readers in other sessions see the old or the new
    // pair, never a missing table.
    await this.atomically(record, async () => {
      await this.duck(record, `ALTER TABLE ${qualifiedSql(a)} RENAME TO ${quoteIdent(tmp)}`);
      await this.duck(record, `ALTER TABLE ${qualifiedSql(b)} RENAME TO ${quoteIdent(a.name)}`);
      await this.duck(record, `ALTER TABLE ${qualifiedSql({ ...a, name: tmp })} RENAME TO ${quoteIdent(b.name)}`);
    });
    const ka = displayName(a);
    const kb = displayName(b);
    const da = this.declared.get(ka);
    const db = this.declared.get(kb);
    this.declared.delete(ka);
    this.declared.delete(kb);
    if (db) this.declared.set(ka, db);
    if (da) this.declared.set(kb, da);
    return this.status('Statement executed successfully.');
  }

  private async createDynamicTable(record: QueryRecord, statement: DynamicTableStatement): Promise<StatementResult> {
    const session = record.session;
    await this.implicitCommit(session);
    const name = statement.name as Required<QualifiedName>;
    const key = displayName(name);
    const exists = this.dynamic.has(key) || (await this.tableExists(name));
    if (exists && !statement.orReplace) {
      if (statement.ifNotExists) return this.status(`${name.name} already exists, statement succeeded.`);
      throw new SnowflakeSqlError('002002', '42710', `SQL compilation error:\nObject '${name.name}' already exists.`, record.sqlText);
    }
    const query = statement.initialize === 'ON_SCHEDULE' ? `SELECT * FROM (${statement.querySql}) LIMIT 0` : statement.querySql;
    await this.duck(record, `CREATE OR REPLACE TABLE ${qualifiedSql(name)} AS ${query}`);
    const now = new Date();
    this.dynamic.set(key, {
      name,
      targetLag: statement.targetLag,
      ...(statement.warehouse !== undefined ? { warehouse: statement.warehouse } : {}),
      refreshMode: statement.refreshMode,
      text: statement.text,
      querySql: statement.querySql,
      schedulingState: 'RUNNING',
      refreshCount: statement.initialize === 'ON_SCHEDULE' ? 0 : 1,
      createdAt: now,
      lastRefreshedAt: now,
    });
    return this.status(`Dynamic table ${name.name} successfully created.`);
  }

  private async refreshDynamicTable(record: QueryRecord, d: DynamicTableRecord): Promise<void> {
    await this.atomically(record, async () => {
      await this.duck(record, `DELETE FROM ${qualifiedSql(d.name)}`);
      await this.duck(record, `INSERT INTO ${qualifiedSql(d.name)} ${d.querySql}`);
    });
    d.refreshCount++;
    d.lastRefreshedAt = new Date();
  }

}

function isFinished(record: QueryRecord): boolean {
  return record.status === 'SUCCESS' || record.status === 'FAILED_WITH_ERROR' || record.status === 'ABORTED';
}

/** Snowflake identifier normalization for names given in URLs (unquoted -> upper case). */
function normalizeIdent(value: string | null): string | undefined {
  if (value === null || value === '') return undefined;
  if (value.startsWith('"') && value.endsWith('"')) return value.slice(1, -1).replace(/""/g, '"');
  return value.toUpperCase();
}
