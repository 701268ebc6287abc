/**
 * Freshness targets (`'5 minutes'`, `'1h'`, `'downstream'`) as Snowflake `TARGET_LAG` values.
 */

/** A parsed freshness target. */
export type TargetLag =
  | { readonly kind: 'downstream' }
  | {
      readonly kind: 'time';
      /** The lag in seconds. */
      readonly seconds: number;
      /** Snowflake's form without quotes, in the largest whole unit: `5 minutes`, `1 hour`, `90 seconds`. */
      readonly text: string;
    };

const UNIT_SECONDS: readonly [string, number][] = [
  ['day', 86_400],
  ['hour', 3_600],
  ['minute', 60],
  ['second', 1],
];

/**
 * Parses a freshness target: `'downstream'` (any case), or a number and a unit (`s`, `sec`,
 * `seconds`, `m`, `min`, `minutes`, `h`, `hr`, `hours`, `d`, `days`, `w`, `weeks`). Returns
 * undefined for anything else, and for lags that are not a whole number of seconds.
 *
 * Snowflake takes `'<n> { seconds | minutes | hours | days }'` with a whole `n`, so the text is
 * rewritten in the largest unit that divides the lag (`'90 min'` → `90 minutes`,
 * `'1.5 hours'` → `90 minutes`, `'2 weeks'` → `14 days`).
 *
 * @example
 * ```ts
 * parseTargetLag('30m');        // { kind: 'time', seconds: 1800, text: '30 minutes' }
 * parseTargetLag('DOWNSTREAM'); // { kind: 'downstream' }
 * ```
 */
export function parseTargetLag(input: string): TargetLag | undefined {
  const text = input.trim();
  if (/^downstream$/i.test(text)) return { kind: 'downstream' };
  const m = /^(\d+(?:\.\d+)?)\s*(s|secs?|seconds?|m|mins?|minutes?|h|hrs?|hours?|d|days?|w|weeks?)$/i.exec(text);
  if (!m) return undefined;
  const unit = m[2]!.toLowerCase();
  const factor = unit.startsWith('s') ? 1 : unit === 'm' || unit.startsWith('mi') ? 60 : unit.startsWith('h') ? 3_600 : unit.startsWith('d') ? 86_400 : 604_800;
  const seconds = Number(m[1]) * factor;
  if (!Number.isInteger(seconds) || seconds <= 0) return undefined;
  const [name, size] = UNIT_SECONDS.find(([, s]) => seconds % s === 0)!;
  const n = seconds / size;
  return { kind: 'time', seconds, text: `${n} ${name}${n === 1 ? '' : 's'}` };
}
