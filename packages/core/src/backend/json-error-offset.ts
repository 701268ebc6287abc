/** A JSON number, `true`, `false` or `null`, matched where `lastIndex` points. */
const LITERAL = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null/y;

/**
 * The 0-based offset of the first syntax error in a JSON text made of one or more
 * whitespace-separated values (a document, or JSON Lines), or undefined when it is valid.
 *
 * JavaScript's `JSON.parse` does not always say where an error is, so ingestion uses this to
 * name the line of a malformed file. The scan keeps its own stack, so any nesting depth works.
 * An unterminated value points at the end of the text.
 *
 * @example
 * ```ts
 * jsonErrorOffset('{"a": 1}\n{"b": tru}'); // 15, the `t` of `tru`
 * jsonErrorOffset('[1, 2]');               // undefined
 * ```
 */
export function jsonErrorOffset(text: string): number | undefined {
  const n = text.length;
  let i = 0;
  /** Closing brackets of the arrays and objects being read, innermost last. */
  const open: ('}' | ']')[] = [];

  const space = () => {
    while (i < n && (text[i] === ' ' || text[i] === '\t' || text[i] === '\n' || text[i] === '\r')) i++;
  };
  /** Reads the string starting at `i`; false (with `i` at the fault) when it is malformed. */
  const string = (): boolean => {
    i++;
    for (;;) {
      if (i >= n) return false;
      const ch = text[i]!;
      if (ch === '"') {
        i++;
        return true;
      }
      if (ch === '\\') {
        const esc = text[i + 1];
        if (esc !== undefined && '"\\/bfnrt'.includes(esc)) i += 2;
        else if (esc === 'u' && /^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) i += 6;
        else return false;
      } else if (ch.charCodeAt(0) < 0x20) return false;
      else i++;
    }
  };
  /** Reads an object member's `"name":`; false (with `i` at the fault) when it is malformed. */
  const memberName = (): boolean => {
    space();
    if (text[i] !== '"' || !string()) return false;
    space();
    if (text[i] !== ':') return false;
    i++;
    return true;
  };

  value: for (;;) {
    space();
    if (open.length === 0 && i >= n) return undefined;
    const ch = text[i];
    if (ch === '{' || ch === '[') {
      const close = ch === '{' ? '}' : ']';
      i++;
      space();
      if (text[i] === close) i++;
      else {
        open.push(close);
        if (close === '}' && !memberName()) return Math.min(i, n);
        continue value;
      }
    } else if (ch === '"') {
      if (!string()) return Math.min(i, n);
    } else {
      LITERAL.lastIndex = i;
      const literal = LITERAL.exec(text);
      if (!literal) return Math.min(i, n);
      i += literal[0].length;
    }
    // A value ended: read separators and closing brackets until the next value starts.
    while (open.length > 0) {
      space();
      const close = open[open.length - 1];
      if (text[i] === ',') {
        i++;
        if (close === '}' && !memberName()) return Math.min(i, n);
        continue value;
      }
      if (text[i] !== close) return Math.min(i, n);
      i++;
      open.pop();
    }
  }
}
