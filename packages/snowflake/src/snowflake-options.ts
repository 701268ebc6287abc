import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, errorMessage } from '@assay/core';
import { parseToml, type TomlTable, type TomlValue } from './connections-toml.js';

/**
 * Options of {@link snowflake}. Every connection field is optional here: what is not given
 * comes from the environment (`SNOWFLAKE_ACCOUNT`, ...), then from a named connection in
 * `~/.snowflake/connections.toml`.
 */
export interface SnowflakeBackendOptions {
  /** Account identifier (`orgname-accountname` or a locator such as `xy12345.eu-west-1`). */
  account?: string;
  /** Login name. */
  username?: string;
  /** Alias of {@link SnowflakeBackendOptions.username}, as in connections.toml. */
  user?: string;
  /** Password (authenticator `SNOWFLAKE`). Registered as a secret so logs mask it. */
  password?: string;
  /** Path of a PEM private key for key-pair (JWT) authentication. */
  privateKeyPath?: string;
  /** A PEM private key, for key-pair authentication without a file. Registered as a secret. */
  privateKey?: string;
  /** Passphrase of an encrypted private key. Registered as a secret. */
  privateKeyPassphrase?: string;
  /**
   * Authenticator. Defaults to `SNOWFLAKE_JWT` when a private key is given, else `SNOWFLAKE`
   * (password). Other values (`EXTERNALBROWSER`, `OAUTH`, ...) are passed to the driver as-is.
   */
  authenticator?: string;
  /** Role of the session. Defaults to the user's default role. */
  role?: string;
  /** Warehouse that runs the statements. Defaults to the user's default warehouse. */
  warehouse?: string;
  /** Database holding every asset (keys map to `database.schema.table`). Defaults to the user's default database. */
  database?: string;
  /** Schema of one-segment keys (`orders` → `<database>.<schema>.ORDERS`). Defaults to `PUBLIC`. */
  schema?: string;
  /** Full URL of the service (`https://...privatelink.snowflakecomputing.com`, or a test server). */
  accessUrl?: string;
  /** Host name, for private links; with `port` and `protocol`. */
  host?: string;
  /** Port with `host`. Defaults to 443. */
  port?: number;
  /** `https` (default) or `http` (test servers only). */
  protocol?: string;
  /** Name of a connection in connections.toml. Defaults to `SNOWFLAKE_DEFAULT_CONNECTION_NAME`, the file's `default_connection_name`, then `default`. */
  connection?: string;
  /** The connections.toml file. Defaults to `$SNOWFLAKE_HOME/connections.toml`, else `~/.snowflake/connections.toml`. */
  connectionsFile?: string;
  /** Cancels any statement running longer than this (Snowflake's `STATEMENT_TIMEOUT_IN_SECONDS`). Defaults to the account's setting. */
  statementTimeoutSeconds?: number;
  /** First word of each statement's QUERY_TAG (`assay run=<id> asset=<key>`). Defaults to `assay`. */
  queryTagPrefix?: string;
  /** Connections kept open. Defaults to the executor's concurrency. */
  poolSize?: number;
  /**
   * Session time zone. Defaults to `UTC`, so `current_timestamp`, `loaded_at` and SCD2
   * validity times do not depend on the account's default (`America/Los_Angeles`).
   */
  timezone?: string;
  /**
   * Kind of the scratch tables that hold a batch during incremental, SCD2 and ingestion
   * runs. Defaults to `temporary` (session-scoped, dropped by Snowflake when the session
   * ends); `transient` creates uniquely named transient tables in the target schema and
   * drops them after use.
   */
  scratchTables?: 'temporary' | 'transient';
  /** Other snowflake-sdk `createConnection` options, passed through (they win over the above). */
  sdkOptions?: Record<string, unknown>;
}

/** Where a resolved field came from. */
export type OptionSource = 'options' | 'env' | 'connections.toml';

/** {@link SnowflakeBackendOptions} after resolution: `user` folded into `username`. */
export interface ResolvedSnowflakeOptions extends Omit<SnowflakeBackendOptions, 'user'> {
  /** Which source supplied each field, for error messages (never values). */
  sources: Record<string, OptionSource>;
}

/** Environment variables read by {@link resolveSnowflakeOptions}, by option. */
export const SNOWFLAKE_ENV: Readonly<Record<string, readonly string[]>> = {
  account: ['SNOWFLAKE_ACCOUNT'],
  username: ['SNOWFLAKE_USER', 'SNOWFLAKE_USERNAME'],
  password: ['SNOWFLAKE_PASSWORD'],
  privateKeyPath: ['SNOWFLAKE_PRIVATE_KEY_PATH', 'SNOWFLAKE_PRIVATE_KEY_FILE'],
  privateKeyPassphrase: ['SNOWFLAKE_PRIVATE_KEY_PASSPHRASE', 'SNOWFLAKE_PRIVATE_KEY_FILE_PWD'],
  authenticator: ['SNOWFLAKE_AUTHENTICATOR'],
  role: ['SNOWFLAKE_ROLE'],
  warehouse: ['SNOWFLAKE_WAREHOUSE'],
  database: ['SNOWFLAKE_DATABASE'],
  schema: ['SNOWFLAKE_SCHEMA'],
  host: ['SNOWFLAKE_HOST'],
};

/** connections.toml keys (snake_case, as Snowflake's tools write them) → option names. */
const TOML_KEYS: Readonly<Record<string, keyof SnowflakeBackendOptions>> = {
  account: 'account',
  user: 'username',
  username: 'username',
  password: 'password',
  private_key_file: 'privateKeyPath',
  private_key_path: 'privateKeyPath',
  private_key_file_path: 'privateKeyPath',
  private_key: 'privateKey',
  private_key_file_pwd: 'privateKeyPassphrase',
  private_key_passphrase: 'privateKeyPassphrase',
  private_key_pwd: 'privateKeyPassphrase',
  authenticator: 'authenticator',
  role: 'role',
  warehouse: 'warehouse',
  database: 'database',
  schema: 'schema',
  host: 'host',
  port: 'port',
  protocol: 'protocol',
  access_url: 'accessUrl',
};

/** Connection fields merged field by field across sources. */
const CONNECTION_FIELDS = ['account', 'username', 'role', 'warehouse', 'database', 'schema', 'accessUrl', 'host', 'port', 'protocol'] as const;
/** Credential fields: taken together from the first source that has any of them. */
const CREDENTIAL_FIELDS = ['password', 'privateKey', 'privateKeyPath', 'privateKeyPassphrase', 'authenticator'] as const;
/** Backend settings: explicit options only. */
const SETTING_FIELDS = ['connection', 'connectionsFile', 'statementTimeoutSeconds', 'queryTagPrefix', 'poolSize', 'timezone', 'scratchTables', 'sdkOptions'] as const;

/** What {@link resolveSnowflakeOptions} reads besides the explicit options. */
export interface ResolveEnvironment {
  /** Environment variables. Defaults to `process.env`. */
  env?: Record<string, string | undefined>;
  /** Home directory for `~/.snowflake`. Defaults to `os.homedir()`. */
  home?: string;
}

/** The result of {@link resolveSnowflakeOptions}. */
export interface ResolvedOptionsResult {
  /** The merged options. */
  options: ResolvedSnowflakeOptions;
  /** The connections.toml file consulted, if one exists. */
  connectionsFile: string | undefined;
  /** A configuration problem to report when the backend opens (a bad or missing named connection). */
  problem: ConfigError | undefined;
}

/**
 * Merges connection settings with this precedence: explicit options, then environment
 * variables ({@link SNOWFLAKE_ENV}), then the named connection of `connections.toml`
 * (`[<name>]` or `[connections.<name>]`).
 *
 * Credentials (password, private key, passphrase, authenticator) are not mixed across
 * sources: they all come from the first source that sets any of them, so a password in the
 * options never pairs with a key path from the environment.
 *
 * Never throws: a missing or malformed connections.toml is returned as `problem`, raised
 * when the backend opens, so projects with a Snowflake target still list assets offline.
 *
 * @example
 * ```ts
 * const { options } = resolveSnowflakeOptions({ warehouse: 'XS' }, { env: { SNOWFLAKE_ACCOUNT: 'xy12345' } });
 * options.account; // 'xy12345' (sources.account === 'env')
 * ```
 */
export function resolveSnowflakeOptions(given: SnowflakeBackendOptions = {}, environment: ResolveEnvironment = {}): ResolvedOptionsResult {
  const env = environment.env ?? process.env;
  const explicit: Record<string, unknown> = { ...given };
  if (explicit.username === undefined && explicit.user !== undefined) explicit.username = explicit.user;
  delete explicit.user;

  const fromEnv: Record<string, unknown> = {};
  for (const [field, names] of Object.entries(SNOWFLAKE_ENV)) {
    const name = names.find((n) => env[n] !== undefined && env[n] !== '');
    if (name) fromEnv[field] = env[name];
  }

  let problem: ConfigError | undefined;
  let fromToml: Record<string, unknown> = {};
  const home = environment.home ?? safeHomedir();
  const file = given.connectionsFile ?? (env.SNOWFLAKE_HOME ? join(env.SNOWFLAKE_HOME, 'connections.toml') : home ? join(home, '.snowflake', 'connections.toml') : undefined);
  const fileExists = file !== undefined && existsSync(file);
  const wanted = given.connection ?? env.SNOWFLAKE_DEFAULT_CONNECTION_NAME;
  if (fileExists) {
    try {
      const parsed = parseToml(readFileSync(file, 'utf8'), file);
      const name = wanted ?? (typeof parsed.default_connection_name === 'string' ? parsed.default_connection_name : 'default');
      const table = connectionTable(parsed, name);
      if (table) fromToml = tomlToOptions(table);
      else if (wanted !== undefined || parsed.default_connection_name !== undefined) {
        problem = new ConfigError(`Snowflake connection "${name}" is not defined in ${file}`, {
          hint: `Add a [${name}] table to the file, or name one of: ${connectionNames(parsed).join(', ') || '(none defined)'}.`,
        });
      }
    } catch (error) {
      problem = error instanceof ConfigError ? error : new ConfigError(`Cannot read ${file}: ${errorMessage(error)}`, { cause: error });
    }
  } else if (given.connection !== undefined) {
    problem = new ConfigError(`Snowflake connection "${given.connection}" was requested but ${file ?? 'connections.toml'} does not exist`, {
      hint: 'Create the file (see docs/snowflake.md), set SNOWFLAKE_HOME, or pass connectionsFile.',
    });
  }

  const sources: Record<string, OptionSource> = {};
  const out: Record<string, unknown> = {};
  const layers: [OptionSource, Record<string, unknown>][] = [['options', explicit], ['env', fromEnv], ['connections.toml', fromToml]];
  for (const field of CONNECTION_FIELDS) {
    for (const [source, layer] of layers) {
      if (layer[field] !== undefined && layer[field] !== '') {
        out[field] = layer[field];
        sources[field] = source;
        break;
      }
    }
  }
  const credentialLayer = layers.find(([, layer]) => ['password', 'privateKey', 'privateKeyPath', 'authenticator'].some((f) => layer[f] !== undefined && layer[f] !== ''));
  if (credentialLayer) {
    const [source, layer] = credentialLayer;
    for (const field of CREDENTIAL_FIELDS) {
      if (layer[field] !== undefined && layer[field] !== '') {
        out[field] = layer[field];
        sources[field] = source;
      }
    }
    // A key from one source may still take its passphrase from a lower one (a key file in the options, its passphrase in the environment).
    if (out.privateKeyPassphrase === undefined && (out.privateKey !== undefined || out.privateKeyPath !== undefined)) {
      for (const [s, l] of layers.slice(layers.indexOf(credentialLayer) + 1)) {
        if (l.privateKeyPassphrase !== undefined && l.privateKeyPassphrase !== '') {
          out.privateKeyPassphrase = l.privateKeyPassphrase;
          sources.privateKeyPassphrase = s;
          break;
        }
      }
    }
  }
  for (const field of SETTING_FIELDS) {
    if (explicit[field] !== undefined) {
      out[field] = field === 'sdkOptions' ? { ...(explicit[field] as Record<string, unknown>) } : explicit[field];
      sources[field] = 'options';
    }
  }
  if (typeof out.port === 'string' && /^\d+$/.test(out.port)) out.port = Number(out.port);
  return { options: { ...(out as Omit<ResolvedSnowflakeOptions, 'sources'>), sources }, connectionsFile: fileExists ? file : undefined, problem };
}

function safeHomedir(): string | undefined {
  try {
    return homedir();
  } catch {
    return undefined;
  }
}

/** The table of connection `name`: top-level `[name]` or `[connections.name]`. */
function connectionTable(parsed: TomlTable, name: string): TomlTable | undefined {
  const nested = parsed.connections;
  if (isTable(nested) && isTable(nested[name])) return nested[name];
  const top = parsed[name];
  return isTable(top) ? top : undefined;
}

function connectionNames(parsed: TomlTable): string[] {
  const names = Object.entries(parsed).filter(([k, v]) => isTable(v) && k !== 'connections').map(([k]) => k);
  if (isTable(parsed.connections)) names.push(...Object.keys(parsed.connections));
  return names;
}

function isTable(value: TomlValue | undefined): value is TomlTable {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function tomlToOptions(table: TomlTable): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(table)) {
    const option = TOML_KEYS[key.toLowerCase()];
    if (option !== undefined && out[option] === undefined && (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean')) out[option] = value;
  }
  return out;
}
