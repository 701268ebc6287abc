import { describe, expect, it } from 'vitest';
import { toJsonSafe } from './to-json-safe.js';

describe('toJsonSafe', () => {
  it('turns bigint, dates and non-finite numbers into lossless JSON values', () => {
    const out = toJsonSafe({ n: 12345678901234567890n, at: new Date('2024-01-02T03:04:05.000Z'), bad: new Date(Number.NaN), nan: Number.NaN, inf: -Infinity, ok: 1.5 });
    expect(out).toEqual({ n: '12345678901234567890', at: '2024-01-02T03:04:05.000Z', bad: null, nan: 'NaN', inf: '-Infinity', ok: 1.5 });
    expect(JSON.parse(JSON.stringify(out))).toEqual(out);
  });

  it('converts Map, Set and toJSON objects, drops functions and undefined in objects, nulls them in arrays', () => {
    const out = toJsonSafe({
      m: new Map<unknown, unknown>([[1, 2n], ['k', undefined]]),
      s: new Set(['a', 3n]),
      custom: { toJSON: () => ({ v: 7n }) },
      fn: () => 1,
      u: undefined,
      sym: Symbol('x'),
      arr: [undefined, () => 1, 1n],
    });
    expect(out).toEqual({ m: { '1': '2' }, s: ['a', '3'], custom: { v: '7' }, arr: [null, null, '1'] });
  });

  it('marks cycles but keeps shared (non-cyclic) references', () => {
    const shared = { x: 1 };
    const cyclic: Record<string, unknown> = { shared, again: shared };
    cyclic.self = cyclic;
    expect(toJsonSafe(cyclic)).toEqual({ shared: { x: 1 }, again: { x: 1 }, self: '[Circular]' });
  });

  it('keeps a "__proto__" key as data instead of changing the prototype', () => {
    const out = toJsonSafe(JSON.parse('{"__proto__": {"polluted": true}, "a": 1}')) as Record<string, unknown>;
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
    expect(JSON.stringify(out)).toBe('{"__proto__":{"polluted":true},"a":1}');
  });

  it('maps top-level undefined to null', () => {
    expect(toJsonSafe(undefined)).toBeNull();
  });
});
