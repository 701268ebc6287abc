import { isAssayError, isTransientError, SqlError, type AssayError } from '@assay/core';

/** DuckDB error classes whose retry can never succeed: the statement itself is wrong. */
const FATAL_PREFIX = /^(Parser|Catalog|Binder|Conversion|Constraint|Invalid Input|Not implemented|Permission|Dependency|Syntax|Invalid type|Out of Range|Serialization|Sequence|Invalid Configuration|Missing Extension|Parameter Not (Allowed|Resolved)) Error/i;

/** Messages DuckDB produces when concurrent work collided or memory ran out. */
const TRANSIENT = /conflict|Could not set lock|Conflicting lock|Out of Memory|failed to allocate|could not allocate|Resource temporarily unavailable/i;

/** Extraction wrapper the node API adds in front of parser errors of prepared statements. */
const EXTRACT_PREFIX = /^Failed to extract statements: /;

/** The message of any thrown value, without the node API's extraction prefix. */
export function duckDbMessage(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.replace(EXTRACT_PREFIX, '');
}

/**
 * Whether a DuckDB error is worth retrying: transaction and catalog write conflicts between
 * concurrent steps, a file lock held by another process, and out-of-memory. Parser, catalog,
 * binder, conversion and constraint errors are never transient.
 */
export function isTransientDuckDbError(error: unknown): boolean {
  return isTransientError(error, (cause) => {
    const message = duckDbMessage(cause);
    return !FATAL_PREFIX.test(message) && TRANSIENT.test(message);
  });
}

/**
 * The 1-based character offset in `sql` that a DuckDB error message points at.
 *
 * DuckDB appends `LINE n: <excerpt>` and a caret line to parser, binder and catalog errors.
 * The excerpt may be cut short on either side (`...`), so the excerpt is located in the real
 * line rather than trusting the caret's column alone. Undefined when the message carries no
 * position or it cannot be mapped back.
 */
export function errorPosition(message: string, sql: string): number | undefined {
  const match = /\nLINE (\d+): (.*)\n( *)\^/.exec(message);
  if (!match) return undefined;
  const lineNo = Number(match[1]);
  let excerpt = match[2]!;
  const prefixLength = `LINE ${match[1]}: `.length;
  let caret = match[3]!.length - prefixLength;
  if (excerpt.startsWith('...')) {
    excerpt = excerpt.slice(3);
    caret -= 3;
  }
  if (excerpt.endsWith('...')) excerpt = excerpt.slice(0, -3);
  const lines = sql.split('\n');
  const line = lines[lineNo - 1];
  if (line === undefined || caret < 0) return undefined;
  const at = excerpt.length === 0 ? 0 : line.indexOf(excerpt);
  if (at < 0) return undefined;
  let offset = 0;
  for (let i = 0; i < lineNo - 1; i++) offset += lines[i]!.length + 1;
  return offset + at + caret + 1;
}

/** Wraps a DuckDB driver error as {@link SqlError} (`ASSAY_SQL`), keeping it as `cause`. */
export function toSqlError(error: unknown, sql: string, assetKey?: string): AssayError {
  if (isAssayError(error)) return error;
  const message = duckDbMessage(error);
  const position = errorPosition(message, sql);
  const firstLine = message.split('\n')[0] ?? message;
  const hint = /Catalog Error: Table with name/i.test(message)
    ? 'Materialize the referenced asset first, or check the key and schema.'
    : TRANSIENT.test(message) && !FATAL_PREFIX.test(message)
      ? 'Another step or process changed the same object at the same time; the step can be retried.'
      : undefined;
  return new SqlError(assetKey ? `Asset "${assetKey}": ${firstLine}` : firstLine, sql, {
    cause: error,
    ...(assetKey === undefined ? {} : { assetKey }),
    ...(position === undefined ? {} : { position }),
    ...(hint === undefined ? {} : { hint }),
    transient: isTransientDuckDbError(error),
  });
}
