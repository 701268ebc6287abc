import { InvalidKeyError } from '../errors.js';

/**
 * An asset key: path segments joined by `/`, e.g. `silver/orders`.
 *
 * Keys are plain strings so they serialize, sort and compare without ceremony. The last
 * segment names the relation; the segments before it name its schema (backends decide how
 * deeper paths map to database objects).
 */
export type AssetKey = string;

/** What a key may be written as in a spec: `'silver/orders'` or `['silver', 'orders']`. */
export type AssetKeyInput = string | readonly string[];

const SEGMENT = /^[A-Za-z_][A-Za-z0-9_-]*$/;
const MAX_SEGMENT_LENGTH = 255;

/**
 * Normalizes and validates a key.
 *
 * @throws {@link InvalidKeyError} (`ASSAY_INVALID_KEY`) for empty keys, empty segments, or
 * segments with characters other than letters, digits, `_` and `-`.
 */
export function toAssetKey(input: AssetKeyInput): AssetKey {
  const segments = typeof input === 'string' ? input.split('/') : [...input];
  const key = segments.join('/');
  if (segments.length === 0 || key.length === 0) throw new InvalidKeyError(key, 'the key is empty');
  for (const segment of segments) {
    if (segment.length === 0) throw new InvalidKeyError(key, 'it has an empty segment');
    if (segment.length > MAX_SEGMENT_LENGTH) throw new InvalidKeyError(key, `segment "${segment.slice(0, 20)}..." is longer than ${MAX_SEGMENT_LENGTH} characters`);
    if (!SEGMENT.test(segment)) throw new InvalidKeyError(key, `segment "${segment}" contains characters outside [A-Za-z0-9_-] or starts with a digit or "-"`);
  }
  return key;
}

/** The segments of a key: `'silver/orders'` → `['silver', 'orders']`. */
export function keySegments(key: AssetKey): string[] {
  return key.split('/');
}

/** The last segment of a key, the relation name: `'silver/orders'` → `'orders'`. */
export function keyName(key: AssetKey): string {
  const i = key.lastIndexOf('/');
  return i < 0 ? key : key.slice(i + 1);
}

/**
 * The closest key to `wanted` among `candidates` by edit distance, for "did you mean" hints.
 * Returns undefined when nothing is reasonably close.
 */
export function closestKey(wanted: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestDistance = Math.max(2, Math.floor(wanted.length / 3)) + 1;
  for (const candidate of candidates) {
    if (Math.abs(candidate.length - wanted.length) >= bestDistance) continue;
    const d = editDistance(wanted, candidate, bestDistance);
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best;
}

function editDistance(a: string, b: string, cap: number): number {
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      const v = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
      cur.push(v);
      if (v < rowMin) rowMin = v;
    }
    if (rowMin >= cap) return cap;
    prev = cur;
  }
  return prev[b.length]!;
}
