import { describe, expect, it } from 'vitest';
import { assertQuarantinable } from './base-backend.js';
import type { SqlSyntax } from './inline-params.js';
import { NoopBackend } from './noop-backend.js';

/** A backend whose dialect has `$$` strings and its own literal for strings. */
class DollarBackend extends NoopBackend {
  protected override readonly sqlSyntax: SqlSyntax = { dollarQuotes: true };
  override literal(value: unknown): string {
    return typeof value === 'string' ? `$$${value}$$` : super.literal(value);
  }
}

describe('BaseBackend.inline', () => {
  it('inlines bound values through literal(), skipping ANSI strings and comments by default', () => {
    const backend = new NoopBackend();
    expect(backend.inline({ text: "select ?, '?', $$?$$ -- ?", params: ["it's", new Date('2024-01-02T03:04:05.000Z')] })).toBe(
      "select 'it''s', '?', $$TIMESTAMP '2024-01-02 03:04:05.000'$$ -- ?",
    );
  });

  it('follows the subclass\'s literal and SQL syntax', () => {
    expect(new DollarBackend().inline({ text: 'select ?, $$?$$, ?', params: ['a', 2] })).toBe('select $$a$$, $$?$$, 2');
  });
});

describe('assertQuarantinable', () => {
  it('accepts tables and refuses views and missing relations with ASSAY_UNSUPPORTED', () => {
    expect(() => assertQuarantinable('silver/t', 'table')).not.toThrow();
    expect(() => assertQuarantinable('silver/v', 'view')).toThrow(expect.objectContaining({ code: 'ASSAY_UNSUPPORTED', assetKey: 'silver/v', message: 'Asset "silver/v" is a view; only tables can quarantine rows' }));
    expect(() => assertQuarantinable('silver/m', undefined)).toThrow(/is a missing relation/);
  });
});
