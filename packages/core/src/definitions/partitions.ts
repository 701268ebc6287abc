import { PartitionError } from '../errors.js';

/** Time partitions: one key per day (`2024-01-31`) or month (`2024-01`), from `start` to `end` (default: today). */
export interface TimePartitions {
  readonly type: 'daily' | 'monthly';
  /** First partition, ISO date (`2024-01-01`). */
  readonly start: string;
  /** Last partition (inclusive), ISO date; defaults to the current date in UTC. */
  readonly end?: string;
}

/** A fixed list of partition keys (regions, tenants, ...). */
export interface StaticPartitions {
  readonly type: 'static';
  readonly keys: readonly string[];
}

/** How an asset is split into independently materialized partitions. */
export type PartitionsDefinition = TimePartitions | StaticPartitions;

/** A partition selection for a run: one key, or an inclusive range for backfills. */
export type PartitionSelection = string | { from: string; to: string };

const DAY = /^\d{4}-\d{2}-\d{2}$/;
const MONTH = /^\d{4}-\d{2}$/;

/**
 * Builders for partition definitions.
 *
 * @example
 * ```ts
 * partitions: partitions.daily('2024-01-01')
 * ```
 */
export const partitions = {
  /** One partition per UTC day from `start`. */
  daily: (start: string, end?: string): TimePartitions => ({ type: 'daily', start: checkDate(start), ...(end ? { end: checkDate(end) } : {}) }),
  /** One partition per UTC month from `start` (a date or `YYYY-MM`). */
  monthly: (start: string, end?: string): TimePartitions => ({ type: 'monthly', start: checkDate(start.length === 7 ? `${start}-01` : start), ...(end ? { end: checkDate(end.length === 7 ? `${end}-01` : end) } : {}) }),
  /** A fixed list of keys. */
  static: (keys: readonly string[]): StaticPartitions => {
    if (keys.length === 0) throw new PartitionError('Static partitions need at least one key');
    if (new Set(keys).size !== keys.length) throw new PartitionError('Static partition keys must be unique');
    return { type: 'static', keys: [...keys] };
  },
} as const;

function checkDate(value: string): string {
  if (!DAY.test(value) || Number.isNaN(Date.parse(`${value}T00:00:00Z`))) {
    throw new PartitionError(`"${value}" is not an ISO date (YYYY-MM-DD)`);
  }
  return value;
}

/** Every partition key of a definition, in order. `now` fixes "today" for open-ended time partitions. */
export function partitionKeys(def: PartitionsDefinition, now: Date = new Date()): string[] {
  if (def.type === 'static') return [...def.keys];
  const end = def.end ? new Date(`${def.end}T00:00:00Z`) : new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));
  const out: string[] = [];
  const d = new Date(`${def.start}T00:00:00Z`);
  if (def.type === 'monthly') d.setUTCDate(1);
  while (d <= end) {
    out.push(def.type === 'daily' ? d.toISOString().slice(0, 10) : d.toISOString().slice(0, 7));
    if (def.type === 'daily') d.setUTCDate(d.getUTCDate() + 1);
    else d.setUTCMonth(d.getUTCMonth() + 1);
  }
  return out;
}

/**
 * The keys a selection covers for a definition, validated.
 *
 * @throws {@link PartitionError} when a key is malformed or outside the definition.
 */
export function resolvePartitions(def: PartitionsDefinition, selection: PartitionSelection, now: Date = new Date()): string[] {
  const all = partitionKeys(def, now);
  const shape = def.type === 'daily' ? DAY : def.type === 'monthly' ? MONTH : undefined;
  const check = (k: string): void => {
    if (shape && !shape.test(k)) throw new PartitionError(`Partition "${k}" does not match ${def.type} partitions (${def.type === 'daily' ? 'YYYY-MM-DD' : 'YYYY-MM'})`);
    if (!all.includes(k)) throw new PartitionError(`Partition "${k}" is outside the asset's partitions (${all[0]} … ${all[all.length - 1]})`);
  };
  if (typeof selection === 'string') {
    check(selection);
    return [selection];
  }
  check(selection.from);
  check(selection.to);
  const from = all.indexOf(selection.from);
  const to = all.indexOf(selection.to);
  if (from > to) throw new PartitionError(`Partition range is reversed: "${selection.from}" comes after "${selection.to}"`);
  return all.slice(from, to + 1);
}

/** The time window a time partition key covers, as ISO timestamps `[start, end)`. */
export function partitionWindow(def: PartitionsDefinition, key: string): { start: string; end: string } | undefined {
  if (def.type === 'static') return undefined;
  const start = new Date(def.type === 'daily' ? `${key}T00:00:00Z` : `${key}-01T00:00:00Z`);
  const end = new Date(start);
  if (def.type === 'daily') end.setUTCDate(end.getUTCDate() + 1);
  else end.setUTCMonth(end.getUTCMonth() + 1);
  return { start: start.toISOString(), end: end.toISOString() };
}
