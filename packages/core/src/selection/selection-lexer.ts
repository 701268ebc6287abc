import { SelectionSyntaxError } from '../errors.js';

/** Kinds of token in a selection expression. */
export type SelectionTokenType = 'word' | 'string' | 'lparen' | 'rparen' | 'comma' | 'plus' | 'colon' | 'equals' | 'eof';

/** One token of a selection expression. @internal */
export interface SelectionToken {
  type: SelectionTokenType;
  /** The token's value: a word as written, a string unquoted and unescaped, the punctuation itself. */
  value: string;
  /** 0-based offset of the first character. */
  start: number;
  /** 0-based offset just past the last character. */
  end: number;
  /** Whether whitespace separates this token from the previous one (or the start). */
  spaced: boolean;
}

/**
 * Characters of an unquoted word: key characters (letters, digits, `_`, `-`, `/`), glob
 * characters (`*`, `?`) and `.`/`@` so that e-mail owners need no quotes.
 */
export const WORD_CHAR = /[\p{L}\p{N}_\-/*?.@]/u;

/** A whole string made only of {@link WORD_CHAR}s. */
export const WORD = /^[\p{L}\p{N}_\-/*?.@]+$/u;

const PUNCTUATION: Readonly<Record<string, SelectionTokenType>> = {
  '(': 'lparen',
  ')': 'rparen',
  ',': 'comma',
  '+': 'plus',
  ':': 'colon',
  '=': 'equals',
};

/** Characters people bring from other languages, with what to write instead. */
const FOREIGN: Readonly<Record<string, { message: string; expected: string }>> = {
  '&': { message: `'&' is not an operator; write 'and'`, expected: `'and'` },
  '|': { message: `'|' is not an operator; write 'or' or ','`, expected: `'or' or ','` },
  '!': { message: `'!' is not an operator; write 'not'`, expected: `'not'` },
  "'": { message: 'values are quoted with double quotes', expected: 'a double-quoted value ("...")' },
};

/**
 * Splits a selection into tokens on demand, so that a syntax error early in the text is
 * reported before a lexical error later in it.
 *
 * @internal
 */
export class SelectionLexer {
  private readonly tokens: SelectionToken[] = [];
  private offset = 0;

  constructor(readonly text: string) {}

  /** The token `ahead` positions after the current one, without consuming it. */
  peek(ahead = 0): SelectionToken {
    while (this.tokens.length <= ahead) this.tokens.push(this.scan());
    return this.tokens[ahead]!;
  }

  /** Consumes and returns the current token. */
  next(): SelectionToken {
    const token = this.peek();
    if (token.type !== 'eof') this.tokens.shift();
    return token;
  }

  private scan(): SelectionToken {
    const text = this.text;
    const before = this.offset;
    let i = before;
    while (i < text.length && /\s/.test(text[i]!)) i++;
    const spaced = i > before || i === 0;
    const start = i;
    if (i >= text.length) {
      this.offset = i;
      return { type: 'eof', value: '', start: text.length, end: text.length, spaced };
    }
    const ch = codePointAt(text, i);
    const punct = PUNCTUATION[ch];
    if (punct) {
      this.offset = i + 1;
      return { type: punct, value: ch, start, end: i + 1, spaced };
    }
    if (ch === '"') {
      let value = '';
      i++;
      for (;;) {
        if (i >= text.length) {
          throw new SelectionSyntaxError(text, start + 1, 'this quoted value is never closed', `a closing '"'`);
        }
        const c = text[i]!;
        if (c === '"') break;
        // A backslash keeps the next character literally, so values may contain '"' and '\'.
        if (c === '\\' && i + 1 < text.length) {
          value += text[i + 1];
          i += 2;
        } else {
          value += c;
          i++;
        }
      }
      this.offset = i + 1;
      return { type: 'string', value, start, end: i + 1, spaced };
    }
    if (WORD_CHAR.test(ch)) {
      let j = i + ch.length;
      while (j < text.length) {
        const c = codePointAt(text, j);
        if (!WORD_CHAR.test(c)) break;
        j += c.length;
      }
      this.offset = j;
      return { type: 'word', value: text.slice(i, j), start, end: j, spaced };
    }
    const foreign = FOREIGN[ch];
    if (foreign) throw new SelectionSyntaxError(text, start + 1, foreign.message, foreign.expected);
    throw new SelectionSyntaxError(
      text,
      start + 1,
      `unexpected character '${ch}'`,
      `a key, an attribute, an operator (and, or, not, ',', '+') or a parenthesis; quote values with other characters ("...")`,
    );
  }
}

/** The whole character at `i` (two UTF-16 units for characters outside the BMP). */
function codePointAt(text: string, i: number): string {
  return String.fromCodePoint(text.codePointAt(i)!);
}
