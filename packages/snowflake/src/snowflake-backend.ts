import { homedir } from 'node:os';
import { join } from 'node:path';
import type { Connection } from 'snowflake-sdk';
import {
  BackendError,
  BaseBackend,
  buildOutcome,
  ConfigError,
  materializeWith,
  registerSecret,
  type AssetKey,
  type BackendOpenOptions,
  type CheckRequest,
  type IngestMaterializeRequest,
  type Logger,
  type MaterializeOutcome,
  type NamedCheckOutcome,
  type PartitionContext,
  type RelationInfo,
  type ResolvedCheck,
  type Row,
  type SqlMaterializeRequest,
  type StepRequest,
} from '@assay/core';
import { ConnectionPool } from './connection-pool.js';
import { ingestFiles } from './ingest-files.js';
import { materializeIncremental } from './materialize-incremental.js';
import { materializeScd2 } from './materialize-scd2.js';
import { buildTable, buildView } from './materialize-table.js';
import { byName, describeColumns, objectColumns, objectType, sibling, type ColumnInfo, type SnowflakeTarget } from './snowflake-catalog.js';
import { quarantineRows } from './snowflake-checks.js';
import { loadSnowflakeSdk, setDriverLogSink, type SnowflakeSdkModule } from './snowflake-driver.js';
import { isTransientSnowflakeError, toConnectError } from './snowflake-errors.js';
import { qualifiedName, qualifiedSchema, quoteIdent, quoteStored, snowflakeObjectName } from './snowflake-names.js';
import { resolveSnowflakeOptions, SNOWFLAKE_ENV, type ResolveEnvironment, type ResolvedSnowflakeOptions, type SnowflakeBackendOptions } from './snowflake-options.js';
import { SnowflakeSession } from './snowflake-session.js';
import { quoteString, SNOWFLAKE_SQL_SYNTAX, snowflakeLiteral } from './snowflake-values.js';
import { writeRowsTable } from './write-rows.js';

/** Longest QUERY_TAG Snowflake accepts. */
const MAX_QUERY_TAG = 2000;

let scratchCounter = 0;

/** The scope a session runs in: which asset, run and partition its statements belong to. */
interface StepScope {
  assetKey?: string | undefined;
  runId?: string | undefined;
  partition?: PartitionContext | undefined;
  signal?: AbortSignal | undefined;
}

/**
 * The Snowflake backend: builds SQL assets, ingests files and evaluates checks in a Snowflake
 * account through snowflake-sdk (loaded on first use).
 *
 * Asset keys map to `<database>.<schema>.<table>` with upper-cased quoted identifiers
 * (`silver/orders` → `"ANALYTICS"."SILVER"."ORDERS"`, the same object as unquoted
 * `analytics.silver.orders`). Tables are built aside and swapped in with `ALTER TABLE ...
 * SWAP WITH`; incremental and SCD2 runs apply their changes in one transaction; files are
 * uploaded with PUT and loaded with `COPY INTO ... METADATA$FILENAME`. Every statement carries
 * a QUERY_TAG naming the run and asset, and is canceled in Snowflake when the step's signal
 * aborts. Create one with {@link snowflake}.
 */
export class SnowflakeBackend extends BaseBackend {
  readonly name = 'snowflake';
  readonly dialect = 'snowflake';
  /**
   * The resolved options (explicit > environment > connections.toml), a plain object so
   * `${env:NAME}` strings in it can still be interpolated before the backend opens.
   */
  readonly options: ResolvedSnowflakeOptions;
  private readonly problem: ConfigError | undefined;
  private pool: ConnectionPool | undefined;
  private sdk: SnowflakeSdkModule | undefined;
  private logger: Logger | undefined;
  private opening: Promise<void> | undefined;
  private readonly schemas = new Map<string, Promise<void>>();
  /** The session each in-flight `runChecks` holds, so quarantine can reuse it. */
  private readonly checkSessions = new WeakMap<CheckRequest, SnowflakeSession>();

  constructor(options: SnowflakeBackendOptions = {}, environment: ResolveEnvironment = {}) {
    super();
    if (options === null || typeof options !== 'object') throw new ConfigError('snowflake() takes an options object', { hint: "e.g. snowflake({ connection: 'prod' })" });
    const resolved = resolveSnowflakeOptions(options, environment);
    this.options = resolved.options;
    this.problem = resolved.problem;
  }

  /**
   * Validates the options, loads the driver, and logs in one connection (so wrong
   * credentials fail before any step runs). The pool holds up to `poolSize` (default: the
   * executor's `concurrency`) connections, the others log in when a step first needs them.
   * Idempotent; a later call with a higher concurrency grows the pool.
   */
  async open(options: Partial<BackendOpenOptions> = {}): Promise<void> {
    while (this.opening) await this.opening.catch(() => undefined);
    const size = Math.max(1, Math.floor(this.options.poolSize ?? options.concurrency ?? 1));
    if (options.logger) this.logger = options.logger;
    if (this.pool) {
      this.pool.resize(size);
      return;
    }
    this.opening = this.start(size);
    try {
      await this.opening;
    } finally {
      this.opening = undefined;
    }
  }

  private async start(size: number): Promise<void> {
    if (this.problem) throw this.problem;
    this.validate();
    for (const secret of [this.options.password, this.options.privateKey, this.options.privateKeyPassphrase]) registerSecret(secret);
    setDriverLogSink(this.logger);
    this.sdk = await loadSnowflakeSdk();
    const pool = new ConnectionPool(size, () => this.connect(), (c) => destroy(c));
    try {
      await pool.warmUp();
    } catch (error) {
      await pool.close();
      throw error;
    }
    this.pool = pool;
    this.schemas.clear();
  }

  /** Closes every session (canceling running statements). Safe to call twice. */
  async close(): Promise<void> {
    while (this.opening) await this.opening.catch(() => undefined);
    const pool = this.pool;
    this.pool = undefined;
    await pool?.close();
  }

  /** Where the driver connects, for messages: the access URL, host or account URL. */
  get url(): string {
    const o = this.options;
    if (o.accessUrl) return o.accessUrl;
    if (o.host) return `${o.protocol ?? 'https'}://${o.host}${o.port ? `:${o.port}` : ''}`;
    return o.account ? `https://${o.account}.snowflakecomputing.com` : '(no account set)';
  }

  private authenticator(): string {
    const o = this.options;
    return (o.authenticator ?? (o.privateKey || o.privateKeyPath ? 'SNOWFLAKE_JWT' : 'SNOWFLAKE')).toUpperCase();
  }

  private validate(): void {
    const o = this.options;
    const missing = (what: string, option: string) => {
      const vars = SNOWFLAKE_ENV[option]?.join(' or ');
      return new ConfigError(`Snowflake ${what} is not set`, {
        hint: `Pass "${option}" to snowflake({...}), set ${vars ?? 'it'}, or define it in a connections.toml connection (see docs/snowflake.md).`,
      });
    };
    if (!o.account && !o.accessUrl && !o.host) throw missing('account', 'account');
    const auth = this.authenticator();
    if ((auth === 'SNOWFLAKE' || auth === 'SNOWFLAKE_JWT') && !o.username) throw missing('user', 'username');
    if (auth === 'SNOWFLAKE' && !o.password) throw missing('password (or a private key for key-pair authentication)', 'password');
    if (auth === 'SNOWFLAKE_JWT' && !o.privateKey && !o.privateKeyPath) throw missing('private key for key-pair (SNOWFLAKE_JWT) authentication', 'privateKeyPath');
    for (const [name, value] of [['statementTimeoutSeconds', o.statementTimeoutSeconds], ['poolSize', o.poolSize], ['port', o.port]] as const) {
      if (value !== undefined && (!Number.isInteger(Number(value)) || Number(value) < 0)) throw new ConfigError(`Snowflake option "${name}" must be a non-negative integer (got ${String(value)})`);
    }
    if (o.scratchTables !== undefined && o.scratchTables !== 'temporary' && o.scratchTables !== 'transient') {
      throw new ConfigError(`Snowflake option "scratchTables" must be "temporary" or "transient" (got ${String(o.scratchTables)})`);
    }
  }

  /** snowflake-sdk `createConnection` options. */
  private connectionOptions(): Record<string, unknown> {
    const o = this.options;
    const auth = this.authenticator();
    const account = o.account ?? hostAccount(o.accessUrl ?? o.host);
    // Numbers are fetched as text (for exact big integers); without this the driver reports their NULLs as the string 'NULL'.
    // No clientSessionKeepAlive: its heartbeat timer would keep a process alive until close(), and an
    // idle session that expires is logged in again on its next statement anyway.
    const out: Record<string, unknown> = { account, authenticator: auth, representNullAsStringNull: false };
    const copy = (from: keyof ResolvedSnowflakeOptions, to: string) => {
      if (o[from] !== undefined && o[from] !== '') out[to] = o[from];
    };
    copy('username', 'username');
    if (auth === 'SNOWFLAKE_JWT') {
      copy('privateKey', 'privateKey');
      if (o.privateKeyPath) out.privateKeyPath = expandHome(o.privateKeyPath);
      copy('privateKeyPassphrase', 'privateKeyPass');
    } else {
      copy('password', 'password');
    }
    for (const f of ['role', 'warehouse', 'database', 'schema', 'accessUrl', 'host', 'port', 'protocol'] as const) copy(f, f);
    if (out.port !== undefined) out.port = Number(out.port);
    return { ...out, ...(o.sdkOptions ?? {}) };
  }

  /** Logs in one session and applies the session settings (time zone, statement timeout). */
  private async connect(): Promise<Connection> {
    const sdk = this.sdk ?? (this.sdk = await loadSnowflakeSdk());
    const target = { account: this.options.account, username: this.options.username, url: this.url, authenticator: this.authenticator() };
    let connection: Connection;
    try {
      connection = sdk.createConnection(this.connectionOptions() as never);
    } catch (error) {
      throw new ConfigError(`Invalid Snowflake connection options: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    }
    this.logger?.debug(`snowflake: logging in to ${this.url} as ${this.options.username ?? '(token)'} (${target.authenticator})`);
    try {
      await new Promise<void>((resolve, reject) => connection.connect((err) => (err ? reject(err) : resolve())));
    } catch (error) {
      throw toConnectError(error, target);
    }
    const settings = [`TIMEZONE = ${quoteString(this.options.timezone ?? 'UTC')}`];
    if (this.options.statementTimeoutSeconds !== undefined) settings.push(`STATEMENT_TIMEOUT_IN_SECONDS = ${Math.floor(Number(this.options.statementTimeoutSeconds))}`);
    for (const setting of settings) {
      try {
        await new Promise<void>((resolve, reject) =>
          connection.execute({ sqlText: `alter session set ${setting}`, parameters: { QUERY_TAG: this.queryTag({}) }, complete: (err) => (err ? reject(err) : resolve()) }),
        );
      } catch (error) {
        await destroy(connection).catch(() => undefined);
        throw new BackendError(`Cannot apply the Snowflake session setting ${setting}: ${error instanceof Error ? error.message : String(error)}`, {
          cause: error,
          hint: setting.startsWith('TIMEZONE') ? 'The timezone option must be an IANA time zone name such as "Europe/Paris".' : 'statementTimeoutSeconds must be a whole number of seconds.',
        });
      }
    }
    return connection;
  }

  /** The QUERY_TAG of statements in a scope: `assay run=<id> asset=<key> partition=<key>`. */
  queryTag(scope: StepScope): string {
    const parts = [this.options.queryTagPrefix ?? 'assay'];
    if (scope.runId) parts.push(`run=${scope.runId}`);
    if (scope.assetKey) parts.push(`asset=${scope.assetKey}`);
    if (scope.partition) parts.push(`partition=${scope.partition.key}`);
    return parts.join(' ').slice(0, MAX_QUERY_TAG);
  }

  /** `silver/orders` → `"<DATABASE>"."SILVER"."ORDERS"`; `orders` → `"<DATABASE>"."<SCHEMA>"."ORDERS"`. */
  override relation(key: AssetKey): string {
    return qualifiedName(snowflakeObjectName(key, this.options));
  }

  /** @internal The target of an asset key. */
  target(key: AssetKey): SnowflakeTarget {
    const name = snowflakeObjectName(key, this.options);
    return { ...name, key, relation: qualifiedName(name) };
  }

  /** Quotes a column name under the identifier policy: plain names upper-cased (`status` → `"STATUS"`), `'"quoted"'` names verbatim. */
  override quoteIdent(name: string): string {
    return quoteIdent(name);
  }

  /** A Snowflake literal (backslashes escaped, dates as TIMESTAMP_NTZ, objects through PARSE_JSON). */
  override literal(value: unknown): string {
    return snowflakeLiteral(value);
  }

  /** Snowflake's `$$...$$` strings, backslash escapes and `//` comments, for {@link BaseBackend.inline} (DDL takes no bind variables). */
  protected override readonly sqlSyntax = SNOWFLAKE_SQL_SYNTAX;

  /** @internal Runs `work` on a pooled session bound to one step (asset, run, signal, QUERY_TAG). */
  async withSession<T>(scope: StepScope, work: (session: SnowflakeSession) => Promise<T>): Promise<T> {
    if (!this.pool) await this.open({ concurrency: 1 });
    const pool = this.pool;
    if (!pool) throw new BackendError('The Snowflake backend is closed', { ...(scope.assetKey ? { assetKey: scope.assetKey } : {}) });
    return pool.use((slot) => work(new SnowflakeSession(slot, scope.assetKey, scope.signal, this.queryTag(scope), this.logger)), { signal: scope.signal, assetKey: scope.assetKey });
  }

  private scope(request: StepRequest, assetKey: AssetKey): StepScope {
    return { assetKey, runId: request.runId, partition: request.partition, signal: request.signal };
  }

  /**
   * @internal Creates the target's schema once per backend; concurrent steps wait for the one
   * creating it. CREATE SCHEMA makes the new schema the session's current one, so the previous
   * current schema is restored afterwards (unqualified names in later statements of the
   * session must not change meaning).
   */
  async ensureSchema(session: SnowflakeSession, object: { database: string | undefined; schema: string }): Promise<void> {
    const id = `${object.database ?? ''}.${object.schema}`;
    const pending = this.schemas.get(id);
    if (pending) {
      // Another step's failure (its cancellation, say) is not this step's: try again here.
      await pending.catch(() => this.ensureSchema(session, object));
      return;
    }
    const mine = this.createSchema(session, object);
    this.schemas.set(id, mine);
    mine.catch(() => this.schemas.delete(id));
    await mine;
  }

  private async createSchema(session: SnowflakeSession, object: { database: string | undefined; schema: string }): Promise<void> {
    const info = object.database ? `${quoteStored(object.database)}.INFORMATION_SCHEMA.SCHEMATA` : 'INFORMATION_SCHEMA.SCHEMATA';
    const found = await session.rows(`select 1 as "X" from ${info} where schema_name = ?`, [object.schema]);
    if (found.length > 0) return;
    const [current] = await session.rows('select current_database() as "D", current_schema() as "S"');
    try {
      await session.run(`create schema if not exists ${qualifiedSchema(object)}`);
    } catch (error) {
      // Another process created it between the check and the statement.
      if (!(error instanceof Error && /\(Snowflake 002002\)|already exists/i.test(error.message))) throw error;
    }
    if (current?.D && current.S) await session.run(`use schema ${quoteStored(String(current.D))}.${quoteStored(String(current.S))}`);
  }

  /**
   * @internal Creates a scratch table next to `target` (`body` is a column list or `as
   * <select>`) and returns its name. Temporary by default (see `scratchTables`); the caller
   * drops it when done.
   */
  async createScratch(session: SnowflakeSession, target: SnowflakeTarget, purpose: string, body: string): Promise<string> {
    await this.ensureSchema(session, target);
    if ((this.options.scratchTables ?? 'temporary') === 'temporary') {
      const name = sibling(target, `${target.name}__ASSAY_${purpose}`);
      session.markStateful();
      await session.run(`create or replace temporary table ${name} ${body}`);
      return name;
    }
    scratchCounter = (scratchCounter + 1) % 1_000_000;
    const nonce = `${process.pid.toString(36)}_${scratchCounter.toString(36)}_${Math.random().toString(36).slice(2, 6)}`.toUpperCase();
    const name = sibling(target, `${target.name}__ASSAY_${purpose}_${nonce}`);
    await session.run(`create transient table ${name} ${body}`);
    return name;
  }

  /**
   * @internal Creates `target` with `columns` if missing, else adds the columns it lacks.
   * Quarantine tables use it: they collect rows across schema changes.
   */
  async ensureTableWithColumns(session: SnowflakeSession, target: SnowflakeTarget, columns: readonly ColumnInfo[]): Promise<void> {
    await this.ensureSchema(session, target);
    if ((await objectType(session, target)) !== 'table') {
      await session.run(`create table if not exists ${target.relation} (${columns.map((c) => `${quoteStored(c.name)} ${c.type}`).join(', ')})`);
      return;
    }
    const existing = byName(await describeColumns(session, target.relation));
    for (const c of columns) if (!existing.has(c.name)) await session.run(`alter table ${target.relation} add column ${quoteStored(c.name)} ${c.type}`);
  }

  /** @internal Row count and columns of a table after a build. */
  async tableFacts(session: SnowflakeSession, target: SnowflakeTarget): Promise<{ rowCount: number; columns: ColumnInfo[] }> {
    const rowCount = await session.count(`select count(*) as "N" from ${target.relation}`);
    const columns = await objectColumns(session, target);
    return { rowCount, columns };
  }

  /**
   * Builds a SQL asset: `view` (create or replace), `table` (built aside, swapped in with
   * `ALTER TABLE ... SWAP WITH`), `incremental` (append / merge / delete+insert in one
   * transaction) or `scd2`. Metadata carries the columns, the relation and, for incremental
   * and SCD2, rows inserted/updated/deleted.
   */
  async materializeSql(request: SqlMaterializeRequest): Promise<MaterializeOutcome> {
    const { asset } = request;
    const target = this.target(asset.key);
    return this.withSession(this.scope(request, asset.key), (session) =>
      materializeWith(this.name, asset, {
        view: async () => {
          await buildView(this, session, target, request.sql);
          return buildOutcome({ relation: target.relation, columns: await objectColumns(session, target) }, 'view');
        },
        table: async () => {
          await buildTable(this, session, target, request.sql);
          return buildOutcome({ relation: target.relation, ...(await this.tableFacts(session, target)) }, 'table');
        },
        incremental: () => materializeIncremental(this, session, target, request),
        scd2: () => materializeScd2(this, session, target, request),
      }),
    );
  }

  /** Uploads the asset's new (or changed) files with PUT and loads them with COPY INTO; see {@link ingestFiles}. */
  override ingest(request: IngestMaterializeRequest): Promise<MaterializeOutcome> {
    const target = this.target(request.asset.key);
    return this.withSession(this.scope(request, request.asset.key), (session) => ingestFiles(this, session, target, request));
  }

  /** Stores a compute asset's rows as its table, replacing it atomically; see {@link writeRowsTable}. */
  override writeRows(key: AssetKey, rows: readonly Row[], request: StepRequest): Promise<MaterializeOutcome> {
    const target = this.target(key);
    return this.withSession(this.scope(request, key), (session) => writeRowsTable(this, session, target, rows));
  }

  /**
   * Evaluates declared checks in order on one session tagged with the asset (the portable
   * check SQL of {@link BaseBackend}; identifiers follow the upper-case policy through
   * `quoteIdent`). Quarantine runs on the same session, so a pool of one cannot deadlock.
   */
  override async runChecks(request: CheckRequest): Promise<NamedCheckOutcome[]> {
    return this.withSession(this.scope(request, request.assetKey), async (session) => {
      this.checkSessions.set(request, session);
      try {
        return await this.evaluateChecks(request, async (text, params = []) => (await session.run(text, params)).rows);
      } finally {
        this.checkSessions.delete(request);
      }
    });
  }

  /** Moves failing rows to `<TABLE>__QUARANTINE` in one transaction on the checks' session. */
  protected override async quarantineRows(request: CheckRequest, check: ResolvedCheck): Promise<number> {
    const session = this.checkSessions.get(request);
    if (!session) return this.withSession(this.scope(request, request.assetKey), (s) => quarantineRows(this, s, request, this.target(request.assetKey), check));
    return quarantineRows(this, session, request, this.target(request.assetKey), check);
  }

  /**
   * Runs one statement with `?` binds on a pooled session and returns JSON-friendly rows keyed
   * by column names as Snowflake returns them (unquoted names upper-cased): NUMBER with scale 0
   * as numbers when exact, else strings; other NUMBER and FLOAT as numbers; DATE and TIMESTAMP
   * as `Date`; VARIANT, OBJECT and ARRAY parsed. Aborting `options.signal` cancels the
   * statement in Snowflake and rejects with `ASSAY_CANCELED`.
   */
  async query(text: string, params: readonly unknown[] = [], options: { signal?: AbortSignal } = {}): Promise<Row[]> {
    return this.withSession({ signal: options.signal }, async (session) => (await session.run(text, params)).rows);
  }

  /** Columns, type and (for tables) row count of an asset's relation; undefined when it does not exist. */
  async describe(key: AssetKey): Promise<RelationInfo | undefined> {
    const target = this.target(key);
    return this.withSession({ assetKey: key }, async (session) => {
      const type = await objectType(session, target);
      if (!type) return undefined;
      const columns = await objectColumns(session, target);
      const rowCount = type === 'table' ? await session.count(`select count(*) as "N" from ${target.relation}`) : undefined;
      return { columns, rowCount, type };
    });
  }

  /** Network errors, token expiry, lock contention and warehouse overload are transient; see {@link isTransientSnowflakeError}. */
  override isTransient(error: unknown): boolean {
    return isTransientSnowflakeError(error);
  }
}

/** The account part of a host (`xy12345.eu-west-1.snowflakecomputing.com` → `xy12345`). */
function hostAccount(urlOrHost: string | undefined): string {
  if (!urlOrHost) return 'assay';
  const host = urlOrHost.replace(/^[a-z]+:\/\//i, '').replace(/[:/].*$/, '');
  return /^\d+(\.\d+){3}$/.test(host) || host === 'localhost' ? 'assay' : (host.split('.')[0] ?? 'assay');
}

/** `~/key.p8` → `<home>/key.p8` (the driver reads the path as given). */
function expandHome(path: string): string {
  return path === '~' || path.startsWith('~/') ? join(homedir(), path.slice(1)) : path;
}

function destroy(connection: Connection): Promise<void> {
  return new Promise((resolve) => connection.destroy(() => resolve()));
}

/**
 * Creates a Snowflake backend. Connection settings come from `options`, then the
 * `SNOWFLAKE_*` environment variables, then a named connection of
 * `~/.snowflake/connections.toml`; see {@link SnowflakeBackendOptions}.
 *
 * @example
 * ```ts
 * import { snowflake } from '@assay/snowflake';
 *
 * export default defineConfig({
 *   definitions: './assets/index.ts',
 *   targets: {
 *     prod: snowflake({ account: 'myorg-prod', username: 'ASSAY', privateKeyPath: '~/.ssh/assay.p8', role: 'TRANSFORMER', warehouse: 'TRANSFORM_XS', database: 'ANALYTICS' }),
 *   },
 * });
 * ```
 */
export function snowflake(options: SnowflakeBackendOptions = {}): SnowflakeBackend {
  return new SnowflakeBackend(options);
}

