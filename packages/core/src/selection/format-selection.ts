import { WORD } from './selection-lexer.js';
import { invalidSelectionNode, isTraversalDepth, type SelectionNode, type TraversalDepth } from './selection-node.js';

/** Binding strength of each form, loosest first; a child binding looser than its slot needs parentheses. */
const Prec = { Or: 1, And: 2, Not: 3, Traverse: 4, Primary: 5 } as const;
type Prec = (typeof Prec)[keyof typeof Prec];

const KEYWORDS = new Set(['and', 'or', 'not']);
const DIGITS = /^[0-9]+$/;

/**
 * Prints a selection tree as canonical selection text: lower-case keywords, ` or ` for
 * commas, `key:` written as a bare token, parentheses only where precedence needs them and
 * quotes only where a value could not be read bare. Parsing the result gives the same tree
 * back: `parseSelection(formatSelection(parseSelection(s)))` deep-equals `parseSelection(s)`.
 *
 * @example
 * ```ts
 * formatSelection(parseSelection('KEY:"raw/*" , (Group:gold AND (tag:pii))'));
 * // 'raw/* or group:gold and tag:pii'
 * ```
 * @throws {@link AssayError} (`ASSAY_SELECTION_SYNTAX`) for a node no parse could produce
 * (unknown `type`, an `and`/`or` without operands, an invalid depth).
 */
export function formatSelection(node: SelectionNode): string {
  return format(node).text;
}

interface Printed {
  text: string;
  prec: Prec;
}

function format(node: SelectionNode): Printed {
  if (node === null || typeof node !== 'object') throw invalidSelectionNode(node, 'not an object');
  switch (node.type) {
    case 'key':
      return { text: quoteTerm(pattern(node, node.pattern)), prec: Prec.Primary };
    case 'group':
    case 'kind':
    case 'owner':
      return { text: `${node.type}:${quoteValue(pattern(node, node.pattern))}`, prec: Prec.Primary };
    case 'tag': {
      const value = node.value === undefined ? '' : `=${quoteValue(pattern(node, node.value))}`;
      return { text: `tag:${quoteValue(pattern(node, node.key))}${value}`, prec: Prec.Primary };
    }
    case 'function':
      if (node.name !== 'roots' && node.name !== 'sinks') throw invalidSelectionNode(node, `unknown function "${String(node.name)}"`);
      return { text: `${node.name}(${format(node.operand).text})`, prec: Prec.Primary };
    case 'traverse': {
      const operand = format(node.operand);
      if (node.upstream === undefined && node.downstream === undefined) return operand;
      const inner = operand.prec < Prec.Primary ? `(${operand.text})` : operand.text;
      return { text: `${prefix(node, node.upstream)}${inner}${postfix(node, node.downstream)}`, prec: Prec.Traverse };
    }
    case 'not': {
      const operand = format(node.operand);
      return { text: `not ${operand.prec < Prec.Not ? `(${operand.text})` : operand.text}`, prec: Prec.Not };
    }
    case 'and':
    case 'or': {
      if (!Array.isArray(node.operands) || node.operands.length === 0) throw invalidSelectionNode(node, `"${node.type}" needs at least one operand`);
      const printed = node.operands.map(format);
      if (printed.length === 1) return printed[0]!;
      // Same-type children need no parentheses: the parser flattens them back into one list.
      const prec = node.type === 'and' ? Prec.And : Prec.Or;
      const parts = printed.map((p) => (p.prec < prec ? `(${p.text})` : p.text));
      return { text: parts.join(` ${node.type} `), prec };
    }
    default:
      throw invalidSelectionNode(node, `unknown type "${String((node as { type?: unknown }).type)}"`);
  }
}

function pattern(node: SelectionNode, value: unknown): string {
  if (typeof value !== 'string') throw invalidSelectionNode(node, 'a pattern is not a string');
  return value;
}

function prefix(node: SelectionNode, depth: TraversalDepth | undefined): string {
  if (depth === undefined) return '';
  if (!isTraversalDepth(depth)) throw invalidSelectionNode(node, `upstream depth must be 'all' or a non-negative integer`);
  return depth === 'all' ? '+' : `${depth}+`;
}

function postfix(node: SelectionNode, depth: TraversalDepth | undefined): string {
  if (depth === undefined) return '';
  if (!isTraversalDepth(depth)) throw invalidSelectionNode(node, `downstream depth must be 'all' or a non-negative integer`);
  return depth === 'all' ? '+' : `+${depth}`;
}

/** A key glob in term position: bare unless it would read as a keyword, a depth, or not a word. */
function quoteTerm(value: string): string {
  return WORD.test(value) && !KEYWORDS.has(value.toLowerCase()) && !DIGITS.test(value) ? value : quote(value);
}

/** A value after `name:` or `=`: bare whenever it is a single word (keywords and digits included). */
function quoteValue(value: string): string {
  return WORD.test(value) ? value : quote(value);
}

function quote(value: string): string {
  return `"${value.replace(/[\\"]/g, '\\$&')}"`;
}
