import { describe, expect, it } from 'vitest';
import { asSubquery, inlineParams, placeholderOffsets, type SqlSyntax } from './inline-params.js';

const literal = (v: unknown) => (v === null ? 'NULL' : typeof v === 'string' ? `'${v.replace(/'/g, "''")}'` : String(v));
const SNOWFLAKE: SqlSyntax = { backslashEscapes: true, dollarQuotes: true, slashComments: true };

describe('placeholderOffsets', () => {
  it('finds ? outside strings, quoted identifiers and comments', () => {
    const text = `select ?, '?', "?", 'it''s ?' -- ?\n, ? /* ? */ , ?`;
    expect(placeholderOffsets(text)).toEqual([7, text.indexOf('\n, ?') + 3, text.length - 1]);
  });

  it('runs unterminated strings and comments to the end of the text', () => {
    expect(placeholderOffsets(`select ? 'open ?`)).toEqual([7]);
    expect(placeholderOffsets(`select ? /* open ?`)).toEqual([7]);
    expect(placeholderOffsets(`select ? -- ?`)).toEqual([7]);
  });

  it('knows a dialect\'s extra forms only when told', () => {
    const text = `select $$?$$, ? // ?\n, 'a\\'?'`;
    // ANSI: $$ and // quote nothing, and the backslash does not escape, so `'a\'` ends before a placeholder.
    expect(placeholderOffsets(text)).toEqual([9, 14, 19, text.length - 2]);
    expect(placeholderOffsets(text, SNOWFLAKE)).toEqual([14]);
  });
});

describe('inlineParams', () => {
  it('replaces placeholders in order through the quoting function', () => {
    expect(inlineParams(`select ? as a, '?' as "b?" -- what?\n, ? /* ? */`, ['x', 2], literal)).toBe(`select 'x' as a, '?' as "b?" -- what?\n, 2 /* ? */`);
    expect(inlineParams(`select 'it''s ?', ?`, ["o'k"], literal)).toBe(`select 'it''s ?', 'o''k'`);
  });

  it('applies the dialect syntax', () => {
    expect(inlineParams(`select ?, $$?$$, 'it\\'s ?' // ?\n, ?`, [1, null], literal, SNOWFLAKE)).toBe(`select 1, $$?$$, 'it\\'s ?' // ?\n, NULL`);
  });

  it('leaves placeholders beyond the parameters, and text without parameters, as they are', () => {
    expect(inlineParams('select ?, ?', [1], literal)).toBe('select 1, ?');
    expect(inlineParams("select '?", [], () => 'never')).toBe("select '?");
  });
});

describe('asSubquery', () => {
  it('drops trailing semicolons and keeps a trailing comment from swallowing the parenthesis', () => {
    expect(asSubquery('select 1 ;\n ')).toBe('(\nselect 1\n)');
    expect(asSubquery('select 1 -- note')).toBe('(\nselect 1 -- note\n)');
  });
});
