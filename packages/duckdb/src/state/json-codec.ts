/**
 * JSON encoding for values the state store keeps as JSON text (event payloads, metadata,
 * upstream versions, check samples).
 *
 * Plain `JSON.stringify` throws on `bigint` (which DuckDB returns for `count(*)`) and turns
 * `Date` into a string, so values would not come back as they went in. This codec writes
 * those as one-key tagged objects and restores them on decode:
 *
 * | value                 | stored as                          |
 * | --------------------- | ---------------------------------- |
 * | `123n`                | `{"$bigint":"123"}`                |
 * | `new Date(...)`       | `{"$date":"2024-01-02T03:04:05Z"}` |
 * | `Uint8Array`/`Buffer` | `{"$bytes":"<base64>"}`            |
 * | `NaN`, `±Infinity`    | `{"$number":"NaN"}`                |
 *
 * A plain object that happens to look like a tag (one key, one of the names above) is
 * wrapped as `{"$escaped": ...}` so it decodes to itself.
 */

const TAGS = new Set(['$bigint', '$date', '$bytes', '$number', '$escaped']);

function isTagShaped(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  let count = 0;
  let only: string | undefined;
  for (const key in value) {
    if (!Object.prototype.hasOwnProperty.call(value, key)) continue;
    if (++count > 1) return false;
    only = key;
  }
  return only !== undefined && TAGS.has(only);
}

/** True when `value` holds anything plain `JSON.stringify` would lose or that needs escaping. */
function needsTags(value: unknown, depth: number): boolean {
  switch (typeof value) {
    case 'bigint':
      return true;
    case 'number':
      return !Number.isFinite(value);
    case 'object': {
      if (value === null) return false;
      // Deep structures and objects with their own toJSON take the careful path.
      if (depth > 32 || typeof (value as { toJSON?: unknown }).toJSON === 'function' || ArrayBuffer.isView(value)) return true;
      if (Array.isArray(value)) {
        for (const item of value) if (needsTags(item, depth + 1)) return true;
        return false;
      }
      if (isTagShaped(value)) return true;
      for (const key in value) {
        if (Object.prototype.hasOwnProperty.call(value, key) && needsTags((value as Record<string, unknown>)[key], depth + 1)) return true;
      }
      return false;
    }
    default:
      return false;
  }
}

/**
 * Encodes a value as JSON text, keeping `bigint`, `Date`, byte arrays and non-finite numbers
 * recoverable by {@link decodeJson}.
 *
 * @throws `TypeError` from `JSON.stringify` for circular structures.
 */
export function encodeJson(value: unknown): string {
  // The replacer costs several times a plain stringify; most payloads have nothing to tag.
  if (!needsTags(value, 0)) return JSON.stringify(value);
  // Wrappers this call created; their inner value must not be escaped a second time.
  const escapes = new WeakSet<object>();
  return JSON.stringify(value, function (this: Record<string, unknown>, key: string, replaced: unknown): unknown {
    // `replaced` has already been through `toJSON` (Date, Buffer); the holder has the original.
    const raw = this[key];
    switch (typeof raw) {
      case 'bigint':
        return { $bigint: raw.toString() };
      case 'number':
        return Number.isFinite(raw) ? raw : { $number: String(raw) };
      case 'object':
        if (raw instanceof Date) return { $date: Number.isNaN(raw.getTime()) ? 'Invalid Date' : raw.toISOString() };
        if (raw instanceof Uint8Array) return { $bytes: Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString('base64') };
        if (isTagShaped(replaced) && !escapes.has(this)) {
          const wrapper = { $escaped: replaced };
          escapes.add(wrapper);
          return wrapper;
        }
        return replaced;
      default:
        return replaced;
    }
  });
}

function revive(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) value[i] = revive(value[i]);
    return value;
  }
  const record = value as Record<string, unknown>;
  if (isTagShaped(record)) {
    const [tag, inner] = Object.entries(record)[0] as [string, unknown];
    switch (tag) {
      case '$bigint':
        return BigInt(String(inner));
      case '$date':
        return new Date(String(inner));
      case '$bytes':
        return new Uint8Array(Buffer.from(String(inner), 'base64'));
      case '$number':
        return Number(inner);
      case '$escaped':
        // The wrapped object is literal data: revive its members, not the object itself.
        if (inner !== null && typeof inner === 'object') {
          for (const key of Object.keys(inner)) (inner as Record<string, unknown>)[key] = revive((inner as Record<string, unknown>)[key]);
        }
        return inner;
    }
  }
  for (const key of Object.keys(record)) record[key] = revive(record[key]);
  return record;
}

/** Decodes JSON text written by {@link encodeJson}, restoring tagged values. */
export function decodeJson<T = unknown>(text: string): T {
  const parsed: unknown = JSON.parse(text);
  // Untagged text (the common case) needs no walk.
  return (text.includes('"$') ? revive(parsed) : parsed) as T;
}
