import { describe, expect, it } from 'vitest';
import { AssayError, SelectionSyntaxError, UnknownSelectionAttributeError } from '../errors.js';
import { parseSelection } from './parse-selection.js';
import type { SelectionNode } from './selection-node.js';

const key = (pattern: string): SelectionNode => ({ type: 'key', pattern });

/** The SelectionSyntaxError a parse throws (fails the test when it does not throw one). */
function syntaxError(text: string): SelectionSyntaxError {
  try {
    parseSelection(text);
  } catch (e) {
    expect(e).toBeInstanceOf(SelectionSyntaxError);
    return e as SelectionSyntaxError;
  }
  throw new Error(`expected ${JSON.stringify(text)} not to parse`);
}

describe('parseSelection: terms', () => {
  it('reads a bare token as a key glob, including "*" alone and "/" inside', () => {
    expect(parseSelection('gold*')).toStrictEqual(key('gold*'));
    expect(parseSelection('*')).toStrictEqual(key('*'));
    expect(parseSelection('silver/orders')).toStrictEqual(key('silver/orders'));
    expect(parseSelection('  raw/*_v?  ')).toStrictEqual(key('raw/*_v?'));
  });

  it('reads key:, group:, kind: and owner: attributes', () => {
    expect(parseSelection('key:silver/*')).toStrictEqual(key('silver/*'));
    expect(parseSelection('group:gold')).toStrictEqual({ type: 'group', pattern: 'gold' });
    expect(parseSelection('kind:view')).toStrictEqual({ type: 'kind', pattern: 'view' });
    expect(parseSelection('owner:ana@corp.com')).toStrictEqual({ type: 'owner', pattern: 'ana@corp.com' });
    expect(parseSelection('group:gol*')).toStrictEqual({ type: 'group', pattern: 'gol*' });
  });

  it('reads tag:name as any value and tag:name=value as that value', () => {
    expect(parseSelection('tag:pii')).toStrictEqual({ type: 'tag', key: 'pii' });
    expect(parseSelection('tag:team=finance')).toStrictEqual({ type: 'tag', key: 'team', value: 'finance' });
    expect(parseSelection('tag:team=fin*')).toStrictEqual({ type: 'tag', key: 'team', value: 'fin*' });
    expect(parseSelection('tag:pii=""')).toStrictEqual({ type: 'tag', key: 'pii', value: '' });
  });

  it('accepts double-quoted values with escapes, in every position', () => {
    expect(parseSelection('owner:"ana@corp.com"')).toStrictEqual({ type: 'owner', pattern: 'ana@corp.com' });
    expect(parseSelection('key:"raw/*"')).toStrictEqual(key('raw/*'));
    expect(parseSelection('owner:"team:finance"')).toStrictEqual({ type: 'owner', pattern: 'team:finance' });
    expect(parseSelection('tag:"cost center"="a \\"b\\" \\\\ c"')).toStrictEqual({ type: 'tag', key: 'cost center', value: 'a "b" \\ c' });
    // A quoted bare term is a key glob, even when it spells a keyword or a number.
    expect(parseSelection('"and"')).toStrictEqual(key('and'));
    expect(parseSelection('"2024"')).toStrictEqual(key('2024'));
    expect(parseSelection('"a b(c)"')).toStrictEqual(key('a b(c)'));
  });

  it('takes keywords and attribute names case-insensitively, values as written', () => {
    expect(parseSelection('NOT Group:Gold AND a OR b')).toStrictEqual({
      type: 'or',
      operands: [{ type: 'and', operands: [{ type: 'not', operand: { type: 'group', pattern: 'Gold' } }, key('a')] }, key('b')],
    });
    expect(parseSelection('ROOTS(x)')).toStrictEqual({ type: 'function', name: 'roots', operand: key('x') });
  });

  it('reads keywords as plain values after an attribute', () => {
    expect(parseSelection('group:and')).toStrictEqual({ type: 'group', pattern: 'and' });
    expect(parseSelection('kind:2024')).toStrictEqual({ type: 'kind', pattern: '2024' });
  });

  it('reads attribute names without ":" as keys', () => {
    expect(parseSelection('group or roots')).toStrictEqual({ type: 'or', operands: [key('group'), key('roots')] });
  });
});

describe('parseSelection: traversal', () => {
  const x = key('x');
  it.each<[string, SelectionNode]>([
    ['+x', { type: 'traverse', operand: x, upstream: 'all' }],
    ['2+x', { type: 'traverse', operand: x, upstream: 2 }],
    ['x+', { type: 'traverse', operand: x, downstream: 'all' }],
    ['x+3', { type: 'traverse', operand: x, downstream: 3 }],
    ['+x+', { type: 'traverse', operand: x, upstream: 'all', downstream: 'all' }],
    ['1+x+10', { type: 'traverse', operand: x, upstream: 1, downstream: 10 }],
    ['0+x', { type: 'traverse', operand: x, upstream: 0 }],
    ['+ x', { type: 'traverse', operand: x, upstream: 'all' }],
    ['x + 2', { type: 'traverse', operand: x, downstream: 2 }],
    ['x +2', { type: 'traverse', operand: x, downstream: 2 }],
    ['+group:gold', { type: 'traverse', operand: { type: 'group', pattern: 'gold' }, upstream: 'all' }],
    ['tag:pii+', { type: 'traverse', operand: { type: 'tag', key: 'pii' }, downstream: 'all' }],
    ['tag:team=finance+2', { type: 'traverse', operand: { type: 'tag', key: 'team', value: 'finance' }, downstream: 2 }],
    ['+"a b"', { type: 'traverse', operand: key('a b'), upstream: 'all' }],
    ['2+(a or b)+', { type: 'traverse', operand: { type: 'or', operands: [key('a'), key('b')] }, upstream: 2, downstream: 'all' }],
    ['+roots(x)', { type: 'traverse', operand: { type: 'function', name: 'roots', operand: x }, upstream: 'all' }],
    ['sinks(x)+1', { type: 'traverse', operand: { type: 'function', name: 'sinks', operand: x }, downstream: 1 }],
    ['+(+x)', { type: 'traverse', operand: { type: 'traverse', operand: x, upstream: 'all' }, upstream: 'all' }],
  ])('%s', (text, expected) => {
    expect(parseSelection(text)).toStrictEqual(expected);
  });
});

describe('parseSelection: functions and operators', () => {
  it('reads roots(...) and sinks(...) with any expression inside; commas inside mean or', () => {
    expect(parseSelection('roots(group:silver)')).toStrictEqual({ type: 'function', name: 'roots', operand: { type: 'group', pattern: 'silver' } });
    expect(parseSelection('sinks(a, b)')).toStrictEqual({ type: 'function', name: 'sinks', operand: { type: 'or', operands: [key('a'), key('b')] } });
    expect(parseSelection('roots ( a )')).toStrictEqual({ type: 'function', name: 'roots', operand: key('a') });
  });

  it('binds traversal tighter than not, not tighter than and, and tighter than or', () => {
    expect(parseSelection('not +a and b or c, d')).toStrictEqual({
      type: 'or',
      operands: [
        { type: 'and', operands: [{ type: 'not', operand: { type: 'traverse', operand: key('a'), upstream: 'all' } }, key('b')] },
        key('c'),
        key('d'),
      ],
    });
    expect(parseSelection('a or b and c')).toStrictEqual({ type: 'or', operands: [key('a'), { type: 'and', operands: [key('b'), key('c')] }] });
    expect(parseSelection('not a or b')).toStrictEqual({ type: 'or', operands: [{ type: 'not', operand: key('a') }, key('b')] });
    expect(parseSelection('not (a or b)')).toStrictEqual({ type: 'not', operand: { type: 'or', operands: [key('a'), key('b')] } });
    expect(parseSelection('not not a')).toStrictEqual({ type: 'not', operand: { type: 'not', operand: key('a') } });
  });

  it('treats commas exactly like or, with the same precedence', () => {
    expect(parseSelection('a and b, c')).toStrictEqual(parseSelection('a and b or c'));
    expect(parseSelection('a,b,c')).toStrictEqual({ type: 'or', operands: [key('a'), key('b'), key('c')] });
  });

  it('flattens nested and/or of the same kind, parenthesized or not, and drops redundant parentheses', () => {
    expect(parseSelection('a and (b and c)')).toStrictEqual({ type: 'and', operands: [key('a'), key('b'), key('c')] });
    expect(parseSelection('(a or b) or (c, d)')).toStrictEqual({ type: 'or', operands: [key('a'), key('b'), key('c'), key('d')] });
    expect(parseSelection('((a))')).toStrictEqual(key('a'));
    expect(parseSelection('(a or b) and c')).toStrictEqual({ type: 'and', operands: [{ type: 'or', operands: [key('a'), key('b')] }, key('c')] });
  });

  it('produces plain JSON', () => {
    const node = parseSelection('roots(+tag:team=finance and not kind:view)+2, owner:"x y"');
    expect(JSON.parse(JSON.stringify(node))).toStrictEqual(node);
  });
});

describe('parseSelection: errors', () => {
  const OPERATOR = "an operator (and, or, ',')";
  const TERM = "a key, an attribute (group:gold), roots(...), sinks(...), 'not', '+' or '('";
  it.each<[string, number, RegExp, string]>([
    ['', 1, /the selection is empty/, TERM],
    ['   ', 1, /the selection is empty/, TERM],
    ['a b', 3, /two terms side by side/, OPERATOR],
    ['group:gold silver', 12, /two terms side by side/, OPERATOR],
    ['(a) (b)', 5, /two terms side by side/, OPERATOR],
    ['a "b"', 3, /two terms side by side/, OPERATOR],
    ['a not b', 3, /write 'and not'/, OPERATOR],
    ['a + b', 5, /'\+' marks a traversal .* write 'or' or ','/, OPERATOR],
    ['a +b', 3, /two terms side by side/, OPERATOR],
    ['(a b)', 4, /two terms side by side/, `${OPERATOR} or ')'`],
    ['a and', 6, /ends after 'and'/, TERM],
    ['a or', 5, /ends after 'or'/, TERM],
    ['a,', 3, /ends after ','/, TERM],
    ['not', 4, /ends after 'not'/, TERM],
    ['a and or b', 7, /unexpected 'or'/, TERM],
    ['and a', 1, /unexpected 'and'/, TERM],
    [', a', 1, /unexpected ','/, TERM],
    ['a,,b', 3, /unexpected ','/, TERM],
    ['(a', 3, /the '\(' at column 1 is never closed/, "')'"],
    ['((a) or b', 10, /the '\(' at column 1 is never closed/, "')'"],
    ['roots(a', 8, /the '\(' at column 6 is never closed/, "')'"],
    ['a)', 2, /unmatched '\)'/, `${OPERATOR} or the end of the selection`],
    ['(a))', 4, /unmatched '\)'/, `${OPERATOR} or the end of the selection`],
    [')', 1, /unexpected '\)'/, TERM],
    ['()', 2, /unexpected '\)'/, TERM],
    ['roots()', 7, /unexpected '\)'/, TERM],
    ['foo(x)', 1, /unknown function 'foo'/, 'roots(...) or sinks(...)'],
    ['+', 2, /ends after '\+'/, TERM],
    ['x++', 3, /at most one '\+' on each side/, OPERATOR],
    ['++x', 2, /at most one '\+' on each side/, "a key, an attribute (group:gold), roots(...), sinks(...) or '('"],
    ['+not x', 2, /'not' cannot directly follow '\+'/, "a key, an attribute (group:gold), roots(...), sinks(...) or '('"],
    ['2', 2, /traversal depth and needs '\+'/, "'+'"],
    ['2 x', 3, /traversal depth and needs '\+'/, "'+'"],
    ['+2', 2, /looks like a depth/, "a key, an attribute (group:gold), roots(...), sinks(...) or '('"],
    ['99999999999999999999+x', 1, /depth 99999999999999999999 is too large/, 'a depth up to 9007199254740991'],
    ['group:', 7, /missing value after 'group:'/, 'a value, bare (gold) or double-quoted ("ana@corp.com")'],
    ['tag:(x)', 5, /missing value after 'tag:'/, 'a value, bare (gold) or double-quoted ("ana@corp.com")'],
    ['tag:team=', 10, /missing value after '='/, 'a value, bare (gold) or double-quoted ("ana@corp.com")'],
    ['owner:team:finance', 11, /quote values that contain ':'/, OPERATOR],
    ['key:a=b', 6, /'=' only separates a tag's name and value/, OPERATOR],
    ['"abc', 1, /never closed/, `a closing '"'`],
    ['a and "b', 7, /never closed/, `a closing '"'`],
    ['a & b', 3, /write 'and'/, "'and'"],
    ['a | b', 3, /write 'or' or ','/, "'or' or ','"],
    ['!a', 1, /write 'not'/, "'not'"],
    ["'a'", 1, /double quotes/, 'a double-quoted value ("...")'],
    ['a ; b', 3, /unexpected character ';'/, "a key, an attribute, an operator (and, or, not, ',', '+') or a parenthesis; quote values with other characters (\"...\")"],
  ])('%j fails at column %i', (text, column, message, expected) => {
    const e = syntaxError(text);
    expect(e.code).toBe('ASSAY_SELECTION_SYNTAX');
    expect(e.column).toBe(column);
    expect(e.expected).toBe(expected);
    expect(e.selection).toBe(text);
    expect(e.message).toMatch(message);
    // The rendered caret sits under the column.
    const lines = e.message.split('\n');
    expect(lines[2]!.indexOf('^')).toBe(2 + column - 1);
  });

  it('refuses absurd nesting with a syntax error instead of exhausting the stack', () => {
    expect(parseSelection(`${'('.repeat(200)}a${')'.repeat(200)}`)).toStrictEqual(key('a'));
    expect(syntaxError(`${'('.repeat(5000)}a${')'.repeat(5000)}`).message).toMatch(/nests deeper than 256 levels/);
    expect(syntaxError(`${'not '.repeat(5000)}a`).column).toBe(257 * 4 - 3);
    expect(syntaxError(`${'roots('.repeat(300)}a${')'.repeat(300)}`).column).toBe(256 * 6 + 6);
  });

  it('reports the first problem from the left, even when a lexical error follows', () => {
    expect(syntaxError('a b & c').column).toBe(3);
  });

  it('rejects an unknown attribute with its column and the known attributes', () => {
    let error: unknown;
    try {
      parseSelection('group:gold and colour:red');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(UnknownSelectionAttributeError);
    const e = error as UnknownSelectionAttributeError;
    expect(e.code).toBe('ASSAY_SELECTION_UNKNOWN_ATTRIBUTE');
    expect(e.attribute).toBe('colour');
    expect(e.column).toBe(16);
    expect(e.hint).toBe('Known attributes: key, group, tag, kind, owner.');
  });

  it('rejects non-string input with an AssayError', () => {
    expect(() => parseSelection(undefined as unknown as string)).toThrow(AssayError);
  });
});
