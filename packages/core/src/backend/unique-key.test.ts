import { describe, expect, it } from 'vitest';
import type { Row } from '../definitions/context.js';
import { assertUniqueKey, keyJoin, keyList } from './unique-key.js';

const quote = (name: string) => `"${name.replace(/"/g, '""')}"`;

describe('unique key helpers', () => {
  it('normalizes a uniqueKey option to a list', () => {
    expect(keyList('id')).toEqual(['id']);
    const keys = ['region', 'id'] as const;
    const list = keyList(keys);
    expect(list).toEqual(['region', 'id']);
    expect(list).not.toBe(keys);
    expect(keyList(undefined)).toEqual([]);
  });

  it('joins two aliases on every key with the backend quoting', () => {
    expect(keyJoin('t', 'b', ['k1', 'a"b'], quote)).toBe('t."k1" = b."k1" and t."a""b" = b."a""b"');
    expect(keyJoin('t', 'b', ['ID'], (n) => `[${n}]`)).toBe('t.[ID] = b.[ID]');
  });
});

describe('assertUniqueKey', () => {
  /** Answers the duplicate query with `duplicates`, recording the statements it was given. */
  function engine(duplicates: Row[]) {
    const statements: string[] = [];
    return { statements, rows: async (text: string) => (statements.push(text), duplicates) };
  }
  const base = { assetKey: 'silver/orders', relation: '"batch"', keys: ['region', 'id'], quoteIdent: quote, subject: 'the new rows repeat', requirement: 'a merge needs one row per key' };

  it('groups by the quoted key columns and passes when no key repeats', async () => {
    const e = engine([]);
    await expect(assertUniqueKey({ ...base, rows: e.rows })).resolves.toBeUndefined();
    expect(e.statements).toEqual(['select "region", "id", count(*) as "assay_rows" from "batch" group by "region", "id" having count(*) > 1 limit 5']);
  });

  it('fails with ASSAY_BACKEND naming the asset, the key, one repeated value and how to deduplicate', async () => {
    const e = engine([{ region: 'eu', id: 1, assay_rows: 2 }]);
    await expect(assertUniqueKey({ ...base, rows: e.rows })).rejects.toMatchObject({
      code: 'ASSAY_BACKEND',
      assetKey: 'silver/orders',
      message: 'Asset "silver/orders": the new rows repeat the unique key (region, id), e.g. {"region":"eu","id":1,"assay_rows":2}; a merge needs one row per key',
      hint: expect.stringContaining('qualify row_number()'),
    });
  });

  it('names keys and the count column the way the backend asks', async () => {
    const e = engine([{ ID: 3, ASSAY_ROWS: 2 }]);
    const failure = assertUniqueKey({ ...base, keys: ['ID'], countColumn: 'ASSAY_ROWS', displayName: (k) => k.toLowerCase(), subject: 'the source repeats', requirement: 'it needs one row per key', rows: e.rows });
    await expect(failure).rejects.toThrow('the source repeats the unique key (id), e.g. {"ID":3,"ASSAY_ROWS":2}; it needs one row per key');
    expect(e.statements[0]).toContain('count(*) as "ASSAY_ROWS"');
  });
});
