import { BackendError, isAssayError, isTransientError, SqlError, type AssayError } from '@assay/core';

/** What a snowflake-sdk error carries. */
export interface DriverError {
  message: string;
  /** Snowflake's six-digit code (`'002003'`) or a driver code (`401001`). */
  code?: string | number;
  sqlState?: string;
  cause?: unknown;
}

/** Session and master token expiry: the connection must log in again. */
export const TOKEN_EXPIRED_CODES: ReadonlySet<string> = new Set(['390114', '390111', '390112']);

/** Login refusals: wrong password, bad JWT, locked or disabled user, missing role, ... */
const AUTH_CODES: ReadonlySet<string> = new Set(['390100', '390101', '390102', '390144', '390145', '390189', '390190', '390191', '390195', '390197', '390318', '390422']);

/**
 * Server-side codes worth retrying: lock waiters over the limit (000625), statement or
 * queued-statement timeout (000630), internal errors Snowflake asks to retry (000603),
 * warehouse resumes and resizes interrupting a query (000605, 000606 is not: no warehouse).
 */
const TRANSIENT_SQL_CODES: ReadonlySet<string> = new Set(['000625', '000630', '000603', '000605', '390114']);

/** Driver codes for network trouble and failed responses (HTTP 5xx, 429). */
const TRANSIENT_DRIVER_CODES: ReadonlySet<string> = new Set(['401001', '401002', '401003', '402001', '402002', '407002']);

const NETWORK = /ECONNRESET|ECONNREFUSED|ETIMEDOUT|EPIPE|EAI_AGAIN|ENOTFOUND|ENETUNREACH|EHOSTUNREACH|socket hang up|Network error|network is unreachable/i;

/** The driver error's code as a string (`''` when there is none). */
export function driverCode(error: unknown): string {
  const code = (error as DriverError | undefined)?.code;
  return code === undefined || code === null ? '' : String(code);
}

/** The message of a driver error, its cause's message appended when it adds something. */
export function driverMessage(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = (error as DriverError).cause;
  const inner = cause instanceof Error ? cause.message : undefined;
  return inner && !error.message.includes(inner) ? `${error.message} (${inner})` : error.message;
}

/** True for the refusal of a login (not retryable: the credentials are wrong). */
export function isAuthError(error: unknown): boolean {
  return AUTH_CODES.has(driverCode(error));
}

/** True when the session behind a connection is gone and a new login is needed. */
export function isSessionExpired(error: unknown): boolean {
  return TOKEN_EXPIRED_CODES.has(driverCode(error)) || /Authentication token has expired|session (?:does not exist|no longer exists)/i.test(driverMessage(error));
}

/** True for network failures (refused, reset, timed out) in a driver error or its cause. */
export function isNetworkError(error: unknown): boolean {
  if (TRANSIENT_DRIVER_CODES.has(driverCode(error))) return true;
  const cause = (error as DriverError | undefined)?.cause;
  const causeCode = driverCode(cause);
  return NETWORK.test(driverMessage(error)) || NETWORK.test(causeCode);
}

/**
 * Whether a Snowflake error (driver error, or an Assay error wrapping one) is worth retrying:
 * network errors, failed responses (5xx/429 after the driver's own retries), token expiry,
 * lock contention and warehouse queueing or overload. Authentication and SQL errors
 * (compilation `001003`, missing object `002003`, invalid identifier `000904`, ...) are not.
 */
export function isTransientSnowflakeError(error: unknown): boolean {
  return isTransientError(error, (cause) => {
    if (isAuthError(cause)) return false;
    if (TRANSIENT_SQL_CODES.has(driverCode(cause))) return true;
    if (/^08/.test((cause as DriverError | undefined)?.sqlState ?? '')) return true;
    return isSessionExpired(cause) || isNetworkError(cause);
  });
}

/** A short excerpt of a statement for messages: first line(s), at most `max` characters. */
export function sqlExcerpt(sql: string, max = 160): string {
  const flat = sql.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

/**
 * The 1-based offset in `sql` that a Snowflake message points at (`line 2 at position 7`),
 * checked against the token the message names (`invalid identifier 'X'`, `unexpected 'Y'`):
 * when the reported place does not hold that token, its first occurrence is used instead, and
 * when the token cannot be found no position is given.
 */
export function errorPosition(message: string, sql: string): number | undefined {
  const at = /line (\d+) at position (\d+)/i.exec(message);
  let offset: number | undefined;
  if (at) {
    const lines = sql.split('\n');
    const lineNo = Number(at[1]);
    if (lineNo >= 1 && lineNo <= lines.length) {
      offset = 0;
      for (let i = 0; i < lineNo - 1; i++) offset += lines[i]!.length + 1;
      offset += Number(at[2]);
      if (offset > sql.length) offset = undefined;
    }
  }
  const token = /invalid identifier '([^']+)'/i.exec(message)?.[1] ?? /unexpected '([^']+)'/i.exec(message)?.[1];
  if (token === undefined) return offset === undefined ? undefined : offset + 1;
  const bare = token.replace(/^"|"$/g, '');
  const lower = sql.toLowerCase();
  const wanted = bare.toLowerCase();
  if (offset !== undefined && lower.slice(offset).replace(/^"/, '').startsWith(wanted)) return offset + 1;
  const escaped = wanted.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const found = new RegExp(`(^|[^A-Za-z0-9_$])"?(${escaped})(?![A-Za-z0-9_$])`, 'i').exec(sql);
  if (!found) return undefined;
  return found.index + found[1]!.length + (sql[found.index + found[1]!.length] === '"' ? 1 : 0) + 1;
}

const SQL_HINTS: readonly [RegExp, string][] = [
  [/^002003$/, 'Materialize the referenced asset first, or check the name: Assay upper-cases keys (silver/orders is SILVER.ORDERS).'],
  [/^000904$/, 'Snowflake upper-cases unquoted names; a column created with quotes ("camelCase") must be referenced with quotes.'],
  [/^000606$/, 'Set a warehouse: the "warehouse" option, SNOWFLAKE_WAREHOUSE, or a default warehouse for the user.'],
  [/^090105$/, 'Set a database: the "database" option, SNOWFLAKE_DATABASE, or a default database for the user.'],
  [/^000630$/, 'The statement hit its timeout (statementTimeoutSeconds, or the warehouse\'s STATEMENT_TIMEOUT_IN_SECONDS / STATEMENT_QUEUED_TIMEOUT_IN_SECONDS).'],
  [/^000625$/, 'Another statement holds a lock on the same table; the step can be retried.'],
  [/^003001$/, 'The role lacks a privilege; grant it or use a role that has it (the "role" option).'],
];

/**
 * Wraps a driver error raised by a statement as {@link SqlError} (`ASSAY_SQL`) carrying the
 * asset key, the statement, the position when known and the Snowflake code; the driver error
 * stays as `cause`. A statement canceled on the server side (`000604`, e.g. by
 * SYSTEM$CANCEL_QUERY or an administrator) gets a message saying so. A network failure the
 * driver gave up retrying is a transient {@link BackendError} (`ASSAY_BACKEND`) instead.
 */
export function toSqlError(error: unknown, sql: string, assetKey?: string): AssayError {
  if (isAssayError(error)) return error;
  const code = driverCode(error);
  const message = driverMessage(error);
  const firstLines = message.replace(/^SQL compilation error:\s*/i, '').replace(/\s*\n\s*/g, ' ');
  const where = assetKey ? `Asset "${assetKey}": ` : '';
  const hint = SQL_HINTS.find(([re]) => re.test(code))?.[1];
  const position = errorPosition(message, sql);
  // Snowflake's own codes are strings ('002003'); the driver's are numbers (401001).
  const fromServer = typeof (error as DriverError | undefined)?.code === 'string' && /^\d{6}$/.test(code);
  if (!fromServer && isNetworkError(error)) {
    // The driver retries dropped connections itself; reaching here means it gave up.
    return new BackendError(`${where}lost the connection to Snowflake while running: ${sqlExcerpt(sql)} (${code || 'network'}: ${message})`, {
      cause: error,
      ...(assetKey === undefined ? {} : { assetKey }),
      transient: true,
      hint: 'Check the network and proxy settings; the step can be retried (give the asset a retry policy).',
    });
  }
  if (code === '000604') {
    return new SqlError(`${where}the statement was canceled in Snowflake (000604: ${firstLines}), not by Assay`, sql, {
      cause: error,
      ...(assetKey === undefined ? {} : { assetKey }),
      hint: 'Someone ran SYSTEM$CANCEL_QUERY or ABORT_SESSION, or a resource monitor suspended the warehouse. Query history shows who.',
    });
  }
  return new SqlError(`${where}${firstLines}${code ? ` (Snowflake ${code})` : ''}`, sql, {
    cause: error,
    ...(assetKey === undefined ? {} : { assetKey }),
    ...(position === undefined ? {} : { position }),
    ...(hint === undefined ? {} : { hint }),
    transient: isTransientSnowflakeError(error),
  });
}

/**
 * Wraps a failed login as {@link BackendError} (`ASSAY_BACKEND`) with a message that says
 * what to fix: wrong credentials, a refused key pair, or an unreachable service. Network
 * failures are marked transient.
 */
export function toConnectError(error: unknown, target: { account?: string | undefined; username?: string | undefined; url: string; authenticator: string }): BackendError {
  const code = driverCode(error);
  const message = driverMessage(error);
  const who = target.username ? `user "${target.username}"` : 'the user';
  if (code === '390100') {
    return new BackendError(`Snowflake refused the login of ${who} at ${target.url}: incorrect username or password (390100)`, {
      cause: error,
      hint: 'Check username and password (options, SNOWFLAKE_USER / SNOWFLAKE_PASSWORD, or connections.toml).',
    });
  }
  if (code === '390144' || /JWT/i.test(message)) {
    return new BackendError(`Snowflake refused the key-pair login of ${who} at ${target.url} (${code || 'JWT'}): ${message}`, {
      cause: error,
      hint: 'The public key registered with ALTER USER ... SET RSA_PUBLIC_KEY must match privateKeyPath / privateKey (and the passphrase must decrypt it).',
    });
  }
  if (isAuthError(error)) {
    return new BackendError(`Snowflake refused the login of ${who} at ${target.url} (${code}): ${message}`, { cause: error, hint: 'Check the user, role and authenticator settings.' });
  }
  if (isNetworkError(error)) {
    const refused = /ECONNREFUSED/i.test(message) || /ECONNREFUSED/.test(driverCode((error as DriverError).cause));
    return new BackendError(`Cannot reach Snowflake at ${target.url}${refused ? ': connection refused' : ''} (${code || 'network'}: ${message})`, {
      cause: error,
      transient: true,
      hint: target.account ? `Check the account identifier ("${target.account}"), the network and any proxy settings.` : 'Check the accessUrl/host, the network and any proxy settings.',
    });
  }
  return new BackendError(`Cannot connect to Snowflake at ${target.url} as ${who}: ${message}${code ? ` (${code})` : ''}`, { cause: error, transient: isTransientSnowflakeError(error) });
}
