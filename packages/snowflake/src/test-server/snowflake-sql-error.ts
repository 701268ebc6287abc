/**
 * The error the test server reports for a failed statement, carrying Snowflake's error code
 * and SQLSTATE so the driver sees what a real account would send.
 */
import { SqlError } from '@assay/core';

/**
 * A statement failure with Snowflake's `code` (e.g. `002003`) and `sqlState` (e.g. `42S02`).
 *
 * The server turns it into a `success: false` response; the driver then raises an
 * OperationFailedError with the same code, message and SQLSTATE.
 */
export class SnowflakeSqlError extends SqlError {
  /** Snowflake error code, six digits as a string (`001003`, `002003`, `000604`, ...). */
  readonly snowflakeCode: string;
  /** ANSI SQLSTATE Snowflake pairs with the code. */
  readonly sqlState: string;
  constructor(snowflakeCode: string, sqlState: string, message: string, sql: string, options: { cause?: unknown } = {}) {
    super(message, sql, options);
    this.snowflakeCode = snowflakeCode;
    this.sqlState = sqlState;
  }
}

/** `000002`: a statement the emulator recognizes but does not implement. */
export function unsupported(sql: string, what: string): SnowflakeSqlError {
  return new SnowflakeSqlError('000002', '0A000', `Unsupported feature '${what}'.`, sql);
}

/** `001003`: a syntax error at a character offset. */
export function syntaxErrorAt(sql: string, pos: number, detail: string): SnowflakeSqlError {
  const before = sql.slice(0, Math.max(0, pos));
  const line = before.split('\n').length;
  const column = pos - (before.lastIndexOf('\n') + 1);
  return new SnowflakeSqlError('001003', '42000', `SQL compilation error:\nsyntax error line ${line} at position ${column} ${detail}.`, sql);
}

/** `002003`: an object that does not exist. */
export function objectDoesNotExist(sql: string, kind: string, name: string): SnowflakeSqlError {
  return new SnowflakeSqlError('002003', '02000', `SQL compilation error:\n${kind} '${name}' does not exist or not authorized.`, sql);
}

/** `000604`: the statement was canceled (abort request, session closed, killQuery). */
export function canceled(sql: string): SnowflakeSqlError {
  return new SnowflakeSqlError('000604', '57014', 'SQL execution canceled', sql);
}

/** `000630`: the statement exceeded STATEMENT_TIMEOUT_IN_SECONDS. */
export function statementTimeout(sql: string, seconds: number): SnowflakeSqlError {
  return new SnowflakeSqlError(
    '000630',
    '57014',
    `Statement reached its statement or warehouse timeout of ${seconds} second(s) and was canceled.`,
    sql,
  );
}

/**
 * Maps a DuckDB error to the Snowflake error a real account would most likely return for the
 * same mistake. Unknown errors become `000603` (internal error) with DuckDB's text kept.
 */
export function fromDuckDbError(error: unknown, sql: string): SnowflakeSqlError {
  if (error instanceof SnowflakeSqlError) return error;
  const raw = error instanceof Error ? error.message : String(error);
  const message = raw.split('\n')[0] ?? raw;
  const mk = (code: string, state: string, text: string): SnowflakeSqlError =>
    new SnowflakeSqlError(code, state, text, sql, { cause: error });
  if (/^INTERRUPT Error/i.test(message)) return mk('000604', '57014', 'SQL execution canceled');
  if (/^Parser Error/i.test(message)) {
    const near = /at or near "([^"]*)"/.exec(message);
    return mk('001003', '42000', `SQL compilation error:\nsyntax error${near ? ` unexpected '${near[1]}'` : ''}. (${message})`);
  }
  let m = /^Catalog Error: (Table|View|Schema|Catalog|Table Function|Sequence|Type) with name "?([^"!]+?)"? does not exist/i.exec(message);
  if (m) {
    const kind = m[1]!.toLowerCase() === 'catalog' ? 'Database' : 'Object';
    return mk('002003', '42S02', `SQL compilation error:\n${kind} '${m[2]!.toUpperCase()}' does not exist or not authorized.`);
  }
  m = /^Catalog Error: (Scalar Function|Aggregate Function|Function|Macro Function) with name "?([^"!\s]+)"? does not exist/i.exec(message);
  if (m) return mk('002140', '42601', `SQL compilation error:\nUnknown function ${m[2]!.toUpperCase()}`);
  m = /^Catalog Error: .*with name "?([^"!]+?)"? already exists/i.exec(message);
  if (m) return mk('002002', '42710', `SQL compilation error:\nObject '${m[1]!.toUpperCase()}' already exists.`);
  m = /Catalog "([^"]+)" does not exist/i.exec(message);
  if (m) return mk('002003', '02000', `SQL compilation error:\nDatabase '${m[1]!.toUpperCase()}' does not exist or not authorized.`);
  if (/^Catalog Error/i.test(message)) return mk('002003', '02000', `SQL compilation error:\n${message}`);
  m = /^Binder Error: (?:Referenced column "([^"]+)" not found|Column "([^"]+)" referenced that exists in the SELECT clause)/i.exec(message);
  if (m) return mk('000904', '42000', `SQL compilation error: error line 1 at position 0\ninvalid identifier '${(m[1] ?? m[2])!.toUpperCase()}'`);
  m = /^Binder Error: Referenced column "([^"]+)" not found/i.exec(message);
  if (m) return mk('000904', '42000', `SQL compilation error: error line 1 at position 0\ninvalid identifier '${m[1]!.toUpperCase()}'`);
  m = /^Binder Error: Values list "([^"]+)" does not have a column named "([^"]+)"/i.exec(message);
  if (m) return mk('000904', '42000', `SQL compilation error: error line 1 at position 0\ninvalid identifier '${m[1]!.toUpperCase()}.${m[2]!.toUpperCase()}'`);
  if (/^Binder Error: No function matches|^Binder Error: Could not choose a best candidate|Cannot compare values of type|explicit cast is required/i.test(message)) {
    return mk('100071', '22000', `SQL compilation error: ${message}`);
  }
  if (/^Binder Error|^Dependency Error|^Not implemented Error/i.test(message)) return mk('002029', '42601', `SQL compilation error:\n${message}`);
  if (/Malformed JSON|JSON/i.test(message) && /^(Conversion|Invalid Input) Error/i.test(message)) {
    return mk('100069', '22P02', `Error parsing JSON: ${message}`);
  }
  m = /^Conversion Error: Could not convert string '([^']*)' to (INT|UINT|DECIMAL|DOUBLE|FLOAT)/i.exec(message);
  if (m) return mk('100038', '22018', `Numeric value '${m[1]}' is not recognized`);
  m = /^Conversion Error: .*(date|timestamp|time)[^:]*: "([^"]*)"/i.exec(message);
  if (m) {
    const what = m[1]!.toLowerCase();
    const code = what === 'date' ? '100040' : what === 'time' ? '100108' : '100035';
    return mk(code, '22007', `${what[0]!.toUpperCase()}${what.slice(1)} '${m[2]}' is not recognized`);
  }
  if (/^Conversion Error: Failed to cast value to numerical/i.test(message)) return mk('100071', '22000', `Failed to cast variant value to NUMBER: ${message}`);
  if (/^Conversion Error: Failed to cast|^Conversion Error: Unimplemented type for cast/i.test(message)) return mk('100071', '22000', `Failed to cast variant value: ${message}`);
  if (/^Conversion Error: .*out of range|^Out of Range Error/i.test(message)) return mk('100039', '22003', `Numeric value out of range: ${message}`);
  if (/^Conversion Error/i.test(message)) return mk('100038', '22018', message.replace(/^Conversion Error: /, ''));
  if (/^Constraint Error: NOT NULL constraint failed/i.test(message)) return mk('100072', '22000', 'NULL result in a non-nullable column');
  if (/^Constraint Error/i.test(message)) return mk('100116', '22000', message);
  if (/^(TransactionContext|Transaction) Error/i.test(message)) return mk('000603', 'XX000', `SQL execution internal error: ${message}`);
  if (/^IO Error/i.test(message)) return mk('100094', '22000', `File read error: ${message}`);
  if (/^Invalid Input Error/i.test(message)) return mk('100038', '22018', message.replace(/^Invalid Input Error: /, ''));
  return mk('000603', 'XX000', `SQL execution internal error: ${message}`);
}
