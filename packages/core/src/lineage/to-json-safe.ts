/**
 * A JSON value: what {@link toJsonSafe} returns and `JSON.stringify` writes without loss.
 */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/**
 * Converts any value into a {@link JsonValue} so lineage documents never fail to serialize
 * and never silently change meaning.
 *
 * - `bigint` becomes its decimal string (DuckDB returns `count(*)` as bigint);
 * - non-finite numbers become `"NaN"`, `"Infinity"`, `"-Infinity"` (JSON would write `null`);
 * - `Date` becomes its ISO string (an invalid date becomes `null`);
 * - `Map` becomes an object keyed by `String(key)`, `Set` an array;
 * - objects with a `toJSON()` method are converted through it;
 * - `undefined`, functions and symbols are dropped from objects and become `null` in arrays;
 * - a reference back to an enclosing object or array becomes the string `"[Circular]"`.
 *
 * Object keys keep their insertion order, so the same input always gives the same output.
 *
 * @example
 * ```ts
 * toJsonSafe({ rows: 3n, at: new Date(0) }); // { rows: '3', at: '1970-01-01T00:00:00.000Z' }
 * ```
 */
export function toJsonSafe(value: unknown): JsonValue {
  return convert(value, new Set<object>()) ?? null;
}

/** Returns undefined for values an object should drop (undefined, functions, symbols). */
function convert(value: unknown, ancestors: Set<object>): JsonValue | undefined {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      return Number.isFinite(value) ? value : String(value);
    case 'bigint':
      return value.toString();
    case 'undefined':
    case 'function':
    case 'symbol':
      return undefined;
  }
  if (value === null) return null;
  const obj = value as object;
  if (obj instanceof Date) return Number.isNaN(obj.getTime()) ? null : obj.toISOString();
  // Only the current path counts: the same object reached twice through siblings is not a cycle.
  if (ancestors.has(obj)) return '[Circular]';
  ancestors.add(obj);
  try {
    if (Array.isArray(obj) || obj instanceof Set) {
      return Array.from(obj as Iterable<unknown>, (item) => convert(item, ancestors) ?? null);
    }
    if (obj instanceof Map) {
      const out: Record<string, JsonValue> = {};
      for (const [k, v] of obj) {
        const converted = convert(v, ancestors);
        if (converted !== undefined) setKey(out, String(k), converted);
      }
      return out;
    }
    const toJSON = (obj as { toJSON?: unknown }).toJSON;
    if (typeof toJSON === 'function') return convert(toJSON.call(obj), ancestors);
    const out: Record<string, JsonValue> = {};
    for (const [k, v] of Object.entries(obj)) {
      const converted = convert(v, ancestors);
      if (converted !== undefined) setKey(out, k, converted);
    }
    return out;
  } finally {
    ancestors.delete(obj);
  }
}

/** Assigns as an own property, so a `__proto__` key (e.g. from parsed JSON) stays data. */
function setKey(target: Record<string, JsonValue>, key: string, value: JsonValue): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}
