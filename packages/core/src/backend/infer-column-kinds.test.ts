import { describe, expect, it } from 'vitest';
import { columnKindOf, inferColumnKinds, widenColumnKind } from './infer-column-kinds.js';

describe('inferColumnKinds', () => {
  it('names columns in order of first appearance with the kind of their values', () => {
    const rows = [
      { a: 1, b: 1.5, c: 'x', d: true, e: new Date(0), f: { k: 1 }, g: null, h: 2n ** 70n, j: new Uint8Array([1]) },
      { a: 2n, b: 2, c: null, i: 'late', k: [1, 2] },
    ];
    expect(inferColumnKinds(rows)).toEqual([
      { name: 'a', kind: 'integer' },
      { name: 'b', kind: 'double' },
      { name: 'c', kind: 'text' },
      { name: 'd', kind: 'boolean' },
      { name: 'e', kind: 'timestamp' },
      { name: 'f', kind: 'json' },
      { name: 'g', kind: 'text' },
      { name: 'h', kind: 'bigInteger' },
      { name: 'j', kind: 'binary' },
      { name: 'i', kind: 'text' },
      { name: 'k', kind: 'json' },
    ]);
  });

  it('widens numbers to the wider number and anything else mixed to text', () => {
    expect(inferColumnKinds([{ n: 1 }, { n: 2n ** 64n }])).toEqual([{ name: 'n', kind: 'bigInteger' }]);
    expect(inferColumnKinds([{ n: 2n ** 64n }, { n: 0.5 }])).toEqual([{ name: 'n', kind: 'double' }]);
    expect(inferColumnKinds([{ n: 1 }, { n: 'one' }])).toEqual([{ name: 'n', kind: 'text' }]);
    expect(inferColumnKinds([{ n: true }, { n: 1 }])).toEqual([{ name: 'n', kind: 'text' }]);
    expect(widenColumnKind(undefined, 'json')).toBe('json');
    expect(widenColumnKind('timestamp', 'timestamp')).toBe('timestamp');
  });

  it('treats bigints longer than maxIntegerDigits as text', () => {
    const max = 10n ** 38n - 1n;
    expect(columnKindOf(max, { maxIntegerDigits: 38 })).toBe('bigInteger');
    expect(columnKindOf(-max - 1n, { maxIntegerDigits: 38 })).toBe('text');
    expect(columnKindOf(max + 1n)).toBe('bigInteger');
    expect(inferColumnKinds([{ n: 1 }, { n: 10n ** 40n }], { maxIntegerDigits: 38 })).toEqual([{ name: 'n', kind: 'text' }]);
  });

  it('keeps 64-bit bigints as integers, at both ends of the range', () => {
    expect(columnKindOf(2n ** 63n - 1n)).toBe('integer');
    expect(columnKindOf(-(2n ** 63n))).toBe('integer');
    expect(columnKindOf(2n ** 63n)).toBe('bigInteger');
    expect(columnKindOf(-(2n ** 63n) - 1n)).toBe('bigInteger');
    expect(columnKindOf(undefined)).toBeUndefined();
  });
});
