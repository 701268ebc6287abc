import { SelectionSyntaxError, UnknownSelectionAttributeError } from '../errors.js';
import { SelectionLexer, type SelectionToken } from './selection-lexer.js';
import {
  SELECTION_ATTRIBUTES,
  SELECTION_FUNCTIONS,
  type SelectionAttribute,
  type SelectionFunctionName,
  type SelectionNode,
  type TraversalDepth,
} from './selection-node.js';

const TERM = `a key, an attribute (group:gold), roots(...), sinks(...), 'not', '+' or '('`;
const PRIMARY = `a key, an attribute (group:gold), roots(...), sinks(...) or '('`;
const OPERATOR = `an operator (and, or, ',')`;
const VALUE = `a value, bare (gold) or double-quoted ("ana@corp.com")`;
const DIGITS = /^[0-9]+$/;
/** Deepest nesting of parentheses, functions and `not`s; far beyond hand-written selections, well within the stack. */
const MAX_NESTING = 256;

/**
 * Parses a selection expression into a {@link SelectionNode} tree.
 *
 * Grammar (DESIGN.md "Selection"; full reference in docs/selection.md):
 * - a bare token or `key:` value is a key glob (`gold*`, `silver/*`, `*` for everything);
 * - attributes `group:`, `kind:`, `owner:`, `tag:name` (any value) and `tag:name=value`;
 *   values may be double-quoted and may use globs;
 * - traversals `+x` (all upstream), `2+x` (two levels), `x+`, `x+2`, `+x+`, on any term
 *   including parenthesized groups and functions;
 * - functions `roots(S)` and `sinks(S)`;
 * - `not`, `and`, `or` (keywords are case-insensitive), commas meaning `or`, parentheses.
 *
 * Precedence, tightest first: traversal, `not`, `and`, `or`/`,`. Nested `and`s and `or`s
 * are flattened, so `a and (b and c)` parses like `a and b and c`.
 *
 * @example
 * ```ts
 * parseSelection('+gold/revenue and not tag:pii');
 * // { type: 'and', operands: [
 * //   { type: 'traverse', upstream: 'all', operand: { type: 'key', pattern: 'gold/revenue' } },
 * //   { type: 'not', operand: { type: 'tag', key: 'pii' } } ] }
 * ```
 * @throws {@link SelectionSyntaxError} (`ASSAY_SELECTION_SYNTAX`) with the 1-based column and
 * what was expected there: empty input, a dangling operator, unbalanced parentheses, two
 * terms side by side without an operator, an unclosed quote.
 * @throws {@link UnknownSelectionAttributeError} (`ASSAY_SELECTION_UNKNOWN_ATTRIBUTE`) for an
 * attribute other than {@link SELECTION_ATTRIBUTES}.
 */
export function parseSelection(text: string): SelectionNode {
  if (typeof text !== 'string') {
    throw new SelectionSyntaxError(String(text), 1, `a selection must be a string, got ${text === null ? 'null' : typeof text}`, 'a selection string');
  }
  return new SelectionParser(text).parse();
}

/** Recursive-descent parser; one instance per parse. */
class SelectionParser {
  private readonly lexer: SelectionLexer;
  /** The token consumed last, for "after 'and'" messages. */
  private previous: SelectionToken | undefined;
  private nesting = 0;

  constructor(private readonly text: string) {
    this.lexer = new SelectionLexer(text);
  }

  parse(): SelectionNode {
    if (this.lexer.peek().type === 'eof') throw new SelectionSyntaxError(this.text, 1, 'the selection is empty', TERM);
    const node = this.parseOr();
    this.expectEnd(undefined);
    return node;
  }

  private parseOr(): SelectionNode {
    const operands = [this.parseAnd()];
    for (let t = this.lexer.peek(); t.type === 'comma' || isKeyword(t, 'or'); t = this.lexer.peek()) {
      this.consume();
      operands.push(this.parseAnd());
    }
    return combine('or', operands);
  }

  private parseAnd(): SelectionNode {
    const operands = [this.parseNot()];
    while (isKeyword(this.lexer.peek(), 'and')) {
      this.consume();
      operands.push(this.parseNot());
    }
    return combine('and', operands);
  }

  private parseNot(): SelectionNode {
    const t = this.lexer.peek();
    if (isKeyword(t, 'not')) {
      this.consume();
      return { type: 'not', operand: this.nested(t, () => this.parseNot()) };
    }
    return this.parseTraversal();
  }

  /** Runs a recursive parse one level deeper, refusing nesting that would exhaust the stack. */
  private nested<T>(at: SelectionToken, parse: () => T): T {
    if (++this.nesting > MAX_NESTING) throw this.error(at, `the selection nests deeper than ${MAX_NESTING} levels`, 'a flatter expression');
    try {
      return parse();
    } finally {
      this.nesting--;
    }
  }

  private parseTraversal(): SelectionNode {
    let upstream: TraversalDepth | undefined;
    const first = this.lexer.peek();
    if (first.type === 'word' && DIGITS.test(first.value)) {
      this.consume();
      const plus = this.lexer.peek();
      if (plus.type !== 'plus') {
        throw this.error(plus, `a number in front of a term is a traversal depth and needs '+' (${first.value}+key); quote keys made of digits ("${first.value}")`, `'+'`);
      }
      this.consume();
      upstream = this.depth(first);
    } else if (first.type === 'plus') {
      this.consume();
      upstream = 'all';
    }
    const operand = this.parsePrimary();
    let downstream: TraversalDepth | undefined;
    if (this.isPostfixPlus()) {
      this.consume();
      downstream = 'all';
      const digits = this.lexer.peek();
      if (digits.type === 'word' && DIGITS.test(digits.value)) {
        this.consume();
        downstream = this.depth(digits);
      }
    }
    if (upstream === undefined && downstream === undefined) return operand;
    const node: SelectionNode = { type: 'traverse', operand };
    if (upstream !== undefined) node.upstream = upstream;
    if (downstream !== undefined) node.downstream = downstream;
    return node;
  }

  /**
   * Whether the next `+` closes the term just parsed. `a +b` reads as a `+` opening the
   * next term, so the "no operator" error points at the `+` the user meant for `b`; `a +2`
   * still reads as a depth.
   */
  private isPostfixPlus(): boolean {
    const plus = this.lexer.peek();
    if (plus.type !== 'plus') return false;
    if (!plus.spaced) return true;
    const after = this.lexer.peek(1);
    return after.spaced || !startsTerm(after) || (after.type === 'word' && DIGITS.test(after.value));
  }

  private parsePrimary(): SelectionNode {
    const t = this.lexer.peek();
    if (t.type === 'lparen') {
      this.consume();
      const inner = this.nested(t, () => this.parseOr());
      this.expectEnd(t);
      this.consume();
      return inner;
    }
    if (t.type === 'string') {
      this.consume();
      return { type: 'key', pattern: t.value };
    }
    if (t.type === 'word' && !isKeyword(t, 'and') && !isKeyword(t, 'or') && !isKeyword(t, 'not') && !DIGITS.test(t.value)) {
      const after = this.lexer.peek(1);
      if (after.type === 'colon') return this.parseAttribute();
      if (after.type === 'lparen') {
        const name = t.value.toLowerCase();
        if (isFunctionName(name)) return this.parseFunction(name);
        if (!after.spaced) {
          throw this.error(t, `unknown function '${t.value}'`, SELECTION_FUNCTIONS.map((f) => `${f}(...)`).join(' or '));
        }
      }
      this.consume();
      return { type: 'key', pattern: t.value };
    }
    if (t.type === 'eof') {
      const message = this.previous ? `the selection ends after '${this.previous.value}'` : 'the selection is empty';
      throw this.error(t, message, TERM);
    }
    if (isKeyword(t, 'not')) {
      throw this.error(t, `'not' cannot directly follow '+'; parenthesize it: +(not x)`, PRIMARY);
    }
    if (t.type === 'word' && DIGITS.test(t.value)) {
      throw this.error(t, `'${t.value}' looks like a depth; it goes right before a prefix '+' (2+x) or right after a postfix '+' (x+2)`, PRIMARY);
    }
    if (t.type === 'plus' && this.previous?.type === 'plus') {
      throw this.error(t, `a traversal has at most one '+' on each side`, PRIMARY);
    }
    throw this.error(t, `unexpected ${describe(t)}`, TERM);
  }

  private parseAttribute(): SelectionNode {
    const name = this.consume();
    this.consume(); // ':'
    const attribute = name.value.toLowerCase();
    if (!isAttribute(attribute)) throw new UnknownSelectionAttributeError(this.text, name.value, name.start + 1, SELECTION_ATTRIBUTES);
    const value = this.parseValue(`${name.value}:`);
    switch (attribute) {
      case 'key':
      case 'group':
      case 'kind':
      case 'owner':
        return { type: attribute, pattern: value };
      case 'tag': {
        if (this.lexer.peek().type !== 'equals') return { type: 'tag', key: value };
        this.consume();
        return { type: 'tag', key: value, value: this.parseValue('=') };
      }
    }
  }

  private parseFunction(name: SelectionFunctionName): SelectionNode {
    this.consume(); // the name
    const open = this.consume();
    const operand = this.nested(open, () => this.parseOr());
    this.expectEnd(open);
    this.consume();
    return { type: 'function', name, operand };
  }

  private parseValue(after: string): string {
    const t = this.lexer.peek();
    if (t.type === 'word' || t.type === 'string') {
      this.consume();
      return t.value;
    }
    throw this.error(t, `missing value after '${after}'`, VALUE);
  }

  /**
   * Requires the end of an expression: the end of input at top level, or the `)` matching
   * `open`. Anything else is an error that says what is wrong there.
   */
  private expectEnd(open: SelectionToken | undefined): void {
    const t = this.lexer.peek();
    const closing = open ? 'rparen' : 'eof';
    if (t.type === closing) return;
    const expected = open ? `${OPERATOR} or ')'` : OPERATOR;
    if (t.type === 'eof') throw this.error(t, `the '(' at column ${open!.start + 1} is never closed`, `')'`);
    if (t.type === 'rparen') throw this.error(t, `unmatched ')'`, `${OPERATOR} or the end of the selection`);
    if (t.type === 'colon') throw this.error(t, `unexpected ':'; quote values that contain ':' (owner:"team:finance")`, expected);
    if (t.type === 'equals') throw this.error(t, `unexpected '='; '=' only separates a tag's name and value (tag:team=finance)`, expected);
    if (t.type === 'plus' && this.previous?.type === 'plus' && !t.spaced) throw this.error(t, `a traversal has at most one '+' on each side`, expected);
    if (isKeyword(t, 'not')) throw this.error(t, `two terms side by side; to exclude, write 'and not'`, expected);
    if (this.previous?.type === 'plus' && this.previous.spaced) {
      throw this.error(t, `two terms side by side; '+' marks a traversal (+x, x+) and does not join terms: write 'or' or ','`, expected);
    }
    throw this.error(t, `two terms side by side with no operator between them`, expected);
  }

  private depth(token: SelectionToken): number {
    const n = Number(token.value);
    if (!Number.isSafeInteger(n)) throw this.error(token, `traversal depth ${token.value} is too large`, `a depth up to ${Number.MAX_SAFE_INTEGER}`);
    return n;
  }

  private consume(): SelectionToken {
    const t = this.lexer.next();
    this.previous = t;
    return t;
  }

  private error(at: SelectionToken, message: string, expected: string): SelectionSyntaxError {
    return new SelectionSyntaxError(this.text, at.start + 1, message, expected);
  }
}

/** An `and`/`or` of the operands, flattening operands of the same type (from parentheses). */
function combine(type: 'and' | 'or', operands: SelectionNode[]): SelectionNode {
  if (operands.length === 1) return operands[0]!;
  const flat: SelectionNode[] = [];
  for (const o of operands) {
    if (o.type === type) flat.push(...o.operands);
    else flat.push(o);
  }
  return { type, operands: flat };
}

function isKeyword(t: SelectionToken, keyword: 'and' | 'or' | 'not'): boolean {
  return t.type === 'word' && t.value.toLowerCase() === keyword;
}

function startsTerm(t: SelectionToken): boolean {
  return t.type === 'word' || t.type === 'string' || t.type === 'lparen' || t.type === 'plus';
}

function isAttribute(name: string): name is SelectionAttribute {
  return (SELECTION_ATTRIBUTES as readonly string[]).includes(name);
}

function isFunctionName(name: string): name is SelectionFunctionName {
  return (SELECTION_FUNCTIONS as readonly string[]).includes(name);
}

function describe(t: SelectionToken): string {
  if (t.type === 'eof') return 'end of the selection';
  if (t.type === 'string') return `"${t.value}"`;
  if (t.type === 'word' && ['and', 'or'].includes(t.value.toLowerCase())) return `'${t.value}' (an operator needs a term on each side)`;
  return `'${t.value}'`;
}
