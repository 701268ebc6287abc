import { describe, expect, it } from 'vitest';
import { decodeJson, encodeJson } from './json-codec.js';

const roundTrip = (value: unknown): unknown => decodeJson(encodeJson(value));

describe('encodeJson / decodeJson', () => {
  it('writes plain JSON values exactly as JSON.stringify does', () => {
    const plain = { a: 1, b: [true, null, 'x', 2.5], c: { d: 'ünï "q" \\' }, e: [] };
    expect(encodeJson(plain)).toBe(JSON.stringify(plain));
    expect(roundTrip(plain)).toEqual(plain);
    expect(encodeJson('s')).toBe('"s"');
    expect(roundTrip(null)).toBeNull();
  });

  it('round-trips bigints of any size and sign, at any depth', () => {
    const value = { n: 42n, list: [2n ** 80n, -(2n ** 63n)], deep: { deeper: [{ zero: 0n }] } };
    expect(encodeJson({ n: 42n })).toBe('{"n":{"$bigint":"42"}}');
    const back = roundTrip(value) as typeof value;
    expect(back).toEqual(value);
    expect(typeof back.n).toBe('bigint');
    expect(roundTrip(7n)).toBe(7n);
  });

  it('round-trips dates, including invalid ones', () => {
    const when = new Date('2025-03-01T08:00:00.123Z');
    const back = roundTrip({ when, list: [when] }) as { when: Date; list: Date[] };
    expect(back.when).toBeInstanceOf(Date);
    expect(back.when.getTime()).toBe(when.getTime());
    expect(back.list[0]?.getTime()).toBe(when.getTime());
    expect(Number.isNaN((roundTrip(new Date(Number.NaN)) as Date).getTime())).toBe(true);
  });

  it('round-trips byte arrays and buffers as Uint8Array', () => {
    const bytes = new Uint8Array([0, 1, 254, 255]);
    expect(roundTrip({ bytes })).toEqual({ bytes });
    const sliced = Buffer.from([9, 8, 7, 6]).subarray(1, 3);
    expect(roundTrip(sliced)).toEqual(new Uint8Array([8, 7]));
  });

  it('round-trips NaN and infinities instead of turning them into null', () => {
    expect(roundTrip([Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, -0.5])).toEqual([Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, -0.5]);
  });

  it('keeps user objects that look like tags as they are', () => {
    const value = {
      a: { $bigint: '12' },
      b: { $date: 'x' },
      c: { $escaped: { $bigint: 5n } },
      d: [{ $bytes: 'AA==' }],
      e: { $bigint: '1', other: 2 },
      f: { $custom: 1 },
    };
    expect(roundTrip(value)).toEqual(value);
  });

  it('honours toJSON on other objects', () => {
    const money = { toJSON: () => '12.50 EUR' };
    expect(roundTrip({ money, n: 1n })).toEqual({ money: '12.50 EUR', n: 1n });
  });

  it('throws on circular structures', () => {
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    expect(() => encodeJson(circular)).toThrow(TypeError);
  });
});
