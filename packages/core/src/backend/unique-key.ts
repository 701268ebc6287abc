import type { Row } from '../definitions/context.js';
import { BackendError } from '../errors.js';

/**
 * The key column(s) of an incremental or SCD2 `uniqueKey` option as a list: one name, several,
 * or none when the option is absent.
 *
 * @example
 * ```ts
 * keyList('id');              // ['id']
 * keyList(['region', 'id']);  // ['region', 'id']
 * keyList(undefined);         // []
 * ```
 */
export function keyList(uniqueKey: string | readonly string[] | undefined): string[] {
  if (uniqueKey === undefined) return [];
  return typeof uniqueKey === 'string' ? [uniqueKey] : [...uniqueKey];
}

/**
 * The join predicate matching rows of two aliases on every key column, with names quoted by
 * the backend's `quoteIdent`.
 *
 * @example
 * ```ts
 * keyJoin('t', 'b', ['k1', 'k2'], quote); // t."k1" = b."k1" and t."k2" = b."k2"
 * ```
 */
export function keyJoin(left: string, right: string, keys: readonly string[], quoteIdent: (name: string) => string): string {
  return keys.map((k) => `${left}.${quoteIdent(k)} = ${right}.${quoteIdent(k)}`).join(' and ');
}

/** Options of {@link assertUniqueKey}. */
export interface UniqueKeyAssertion {
  /** The asset whose rows are checked; named in the error. */
  assetKey: string;
  /** The relation holding the rows (a staged batch, usually). */
  relation: string;
  /** The key columns, as the engine stores them. */
  keys: readonly string[];
  /** Quotes an identifier for the engine. */
  quoteIdent: (name: string) => string;
  /** Runs a query and returns its rows. */
  rows: (text: string) => Promise<Row[]>;
  /** The start of the message, saying what repeats the key: `the new rows repeat`. */
  subject: string;
  /** The end of the message, saying why it may not: `a merge needs one row per key`. */
  requirement: string;
  /** How a key column is written in the message. Defaults to the name as given. */
  displayName?: (name: string) => string;
  /** Name of the row-count column of the duplicate shown in the message. Defaults to `assay_rows`. */
  countColumn?: string;
}

/**
 * Fails with `ASSAY_BACKEND` when `relation` holds more than one row for a key: a MERGE or an
 * SCD2 snapshot needs one source row per key, and engines otherwise stop with an obscure
 * error or update nondeterministically. The message shows one repeated key with its count,
 * and the hint how to deduplicate.
 *
 * @example
 * ```ts
 * await assertUniqueKey({
 *   assetKey: 'silver/orders', relation: batch, keys: ['id'], quoteIdent: (n) => `"${n}"`,
 *   rows: (text) => session.rows(text), subject: 'the new rows repeat', requirement: 'a merge needs one row per key',
 * });
 * ```
 */
export async function assertUniqueKey(options: UniqueKeyAssertion): Promise<void> {
  const { assetKey, keys, quoteIdent } = options;
  const cols = keys.map(quoteIdent).join(', ');
  const count = quoteIdent(options.countColumn ?? 'assay_rows');
  const duplicates = await options.rows(`select ${cols}, count(*) as ${count} from ${options.relation} group by ${cols} having count(*) > 1 limit 5`);
  if (duplicates.length === 0) return;
  const names = keys.map(options.displayName ?? ((k) => k)).join(', ');
  throw new BackendError(`Asset "${assetKey}": ${options.subject} the unique key (${names}), e.g. ${JSON.stringify(duplicates[0])}; ${options.requirement}`, {
    assetKey,
    hint: 'Deduplicate in the query, e.g. `qualify row_number() over (partition by <key> order by <updated_at> desc) = 1`.',
  });
}
