import type { AssetKey } from '@assay/core';

/**
 * Identifier policy of the Snowflake backend.
 *
 * Snowflake upper-cases unquoted identifiers, so `select id from silver.orders` means
 * `"SILVER"."ORDERS"."ID"`. Assay renders every name it creates or references the way
 * Snowflake would store the unquoted form, quoted: asset key segments, database and schema
 * options, and column names given in specs (checks, unique keys, watermarks) are upper-cased.
 * A name written with double quotes (`'"camelCase"'`) is taken verbatim, for objects created
 * with quoted identifiers.
 */

/** A plain identifier Snowflake would accept unquoted (and store upper-cased). */
const PLAIN = /^[A-Za-z_][A-Za-z0-9_$]*$/;

/** Suffix of the table a `table` build writes before it is swapped in. */
export const BUILD_SUFFIX = '__ASSAY_NEW';

/** Schema where Assay keeps its own objects (load history, the ingestion stage). */
export const SYSTEM_SCHEMA = '_ASSAY';

/**
 * The stored form of a name under the identifier policy: plain identifiers upper-cased,
 * `"quoted"` names unwrapped verbatim (doubled quotes undone), anything else as written.
 *
 * @example
 * ```ts
 * storedName('orders');      // 'ORDERS'
 * storedName('"camelCase"'); // 'camelCase'
 * ```
 */
export function storedName(name: string): string {
  if (name.length >= 2 && name.startsWith('"') && name.endsWith('"')) return name.slice(1, -1).replace(/""/g, '"');
  return PLAIN.test(name) ? name.toUpperCase() : name;
}

/**
 * A stored name as a user would write it: upper-case plain names in lower case (`ORDERS` →
 * `orders`, which Snowflake reads back as `ORDERS`), anything else double-quoted.
 */
export function displayName(stored: string): string {
  return PLAIN.test(stored) && stored === stored.toUpperCase() ? stored.toLowerCase() : quoteStored(stored);
}

/** Quotes a name after applying the identifier policy: `orders` → `"ORDERS"`. */
export function quoteIdent(name: string): string {
  return quoteStored(storedName(name));
}

/** Quotes a name exactly as given (no case change): `ORDERS` → `"ORDERS"`. */
export function quoteStored(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** Where an asset key lives in Snowflake. Names are stored forms (not quoted). */
export interface SnowflakeObjectName {
  /** Database, or undefined to use the session's current database. */
  database: string | undefined;
  /** Schema. */
  schema: string;
  /** Table or view. */
  name: string;
}

/**
 * Maps an asset key to a Snowflake object under the identifier policy: `silver/orders` →
 * schema `SILVER`, table `ORDERS`; one-segment keys use `defaultSchema` (default `PUBLIC`);
 * deeper keys `a/b/c` → schema `A`, table `B__C` (Snowflake has no nested schemas).
 *
 * @example
 * ```ts
 * snowflakeObjectName('gold/finance/revenue', { database: 'ANALYTICS' });
 * // { database: 'ANALYTICS', schema: 'GOLD', name: 'FINANCE__REVENUE' }
 * ```
 */
export function snowflakeObjectName(key: AssetKey, defaults: { database?: string | undefined; schema?: string | undefined } = {}): SnowflakeObjectName {
  const segments = key.split('/').map((s) => s.toUpperCase());
  const database = defaults.database ? storedName(defaults.database) : undefined;
  if (segments.length === 1) return { database, schema: defaults.schema ? storedName(defaults.schema) : 'PUBLIC', name: segments[0]! };
  return { database, schema: segments[0]!, name: segments.slice(1).join('__') };
}

/** `"DB"."SCHEMA"."NAME"` (or `"SCHEMA"."NAME"` without a database). */
export function qualifiedName(object: { database: string | undefined; schema: string; name: string }): string {
  return [object.database, object.schema, object.name].filter((p): p is string => p !== undefined).map(quoteStored).join('.');
}

/** `"DB"."SCHEMA"` (or `"SCHEMA"`). */
export function qualifiedSchema(object: { database: string | undefined; schema: string }): string {
  return [object.database, object.schema].filter((p): p is string => p !== undefined).map(quoteStored).join('.');
}
