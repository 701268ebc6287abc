import { describe, expect, it } from 'vitest';
import { AssayError } from '../errors.js';
import { formatSelection } from './format-selection.js';
import { parseSelection } from './parse-selection.js';
import type { SelectionNode } from './selection-node.js';

const key = (pattern: string): SelectionNode => ({ type: 'key', pattern });

const EXPRESSIONS = [
  'gold*',
  '*',
  'silver/orders',
  'key:"raw/*"',
  'group:gold',
  'kind:view',
  'owner:"ana@corp.com"',
  'owner:"team:finance"',
  'tag:pii',
  'tag:team=finance',
  'tag:"cost center"="a \\"quoted\\" value"',
  'tag:pii=""',
  '+x',
  '2+x',
  'x+',
  'x+2',
  '+x+',
  '3+x+1',
  '0+x',
  '+(a or b)+',
  '+(a and b)',
  '(not a)+',
  '+(+x)',
  '+roots(a, b)+2',
  'sinks(group:silver and not tag:pii)',
  'roots(sinks(x))',
  'a and b or c',
  'a and (b or c)',
  '(a or b) and (c or d)',
  'not a and not b',
  'not (a and b)',
  'not not a',
  'NOT a AND b OR c',
  'a, b, c',
  'a and (b and (c and d))',
  '(a or (b or c)) and d',
  '"and" or "or" or "not" or "2024"',
  'group:and or kind:2024',
  '"a b" and "c(d)"',
  '"quote\\"inside"',
  '""',
  'group:""',
  'roots(+group:gold) and sinks(raw/*+) or not (kind:view, owner:x) and tag:t=v*',
  'ünïcode/ключ or owner:名前',
];

describe('formatSelection', () => {
  it.each(EXPRESSIONS)('round-trips %j', (text) => {
    const tree = parseSelection(text);
    const printed = formatSelection(tree);
    expect(parseSelection(printed)).toStrictEqual(tree);
    // Canonical: printing the reparsed tree gives the same text.
    expect(formatSelection(parseSelection(printed))).toBe(printed);
  });

  it.each<[string, string]>([
    ['KEY:"raw/*" , (Group:gold AND (tag:pii))', 'raw/* or group:gold and tag:pii'],
    ['key:silver/orders', 'silver/orders'],
    ['owner:"ana@corp.com"', 'owner:ana@corp.com'],
    ['owner:"team:finance"', 'owner:"team:finance"'],
    ['"and"', '"and"'],
    ['"2024"', '"2024"'],
    ['group:"and"', 'group:and'],
    ['a , b,c', 'a or b or c'],
    ['((a)) and ((b or c))', 'a and (b or c)'],
    ['a and (b and c)', 'a and b and c'],
    ['not (not a)', 'not not a'],
    ['not (+a)', 'not +a'],
    ['( + a ) +', '(+a)+'],
    ['+ ( a ) + 2', '+a+2'],
    ['ROOTS ( a , b )', 'roots(a or b)'],
    ['tag : "team" = "finance"', 'tag:team=finance'],
    ['"a\\\\b"', '"a\\\\b"'],
  ])('prints %j canonically as %j', (text, canonical) => {
    expect(formatSelection(parseSelection(text))).toBe(canonical);
  });

  it('prints hand-built trees with the parentheses precedence needs', () => {
    const or: SelectionNode = { type: 'or', operands: [key('a'), key('b')] };
    expect(formatSelection({ type: 'and', operands: [or, key('c')] })).toBe('(a or b) and c');
    expect(formatSelection({ type: 'not', operand: or })).toBe('not (a or b)');
    expect(formatSelection({ type: 'traverse', operand: { type: 'not', operand: key('a') }, downstream: 1 })).toBe('(not a)+1');
    // Nested same-type operands need no parentheses: they parse back as one flat list.
    expect(formatSelection({ type: 'or', operands: [or, key('c')] })).toBe('a or b or c');
    // A one-operand and/or and a traversal with no side print as their operand.
    expect(formatSelection({ type: 'and', operands: [key('a')] })).toBe('a');
    expect(formatSelection({ type: 'traverse', operand: key('a') })).toBe('a');
  });

  it('rejects trees no parse could produce', () => {
    const bad: unknown[] = [
      { type: 'colour', pattern: 'red' },
      { type: 'or', operands: [] },
      { type: 'traverse', operand: key('a'), upstream: -1 },
      { type: 'traverse', operand: key('a'), downstream: 1.5 },
      { type: 'function', name: 'upstream', operand: key('a') },
      { type: 'key', pattern: 42 },
      null,
    ];
    for (const node of bad) {
      expect(() => formatSelection(node as SelectionNode)).toThrow(AssayError);
      expect(() => formatSelection(node as SelectionNode)).toThrow(/Invalid selection node/);
    }
  });
});
