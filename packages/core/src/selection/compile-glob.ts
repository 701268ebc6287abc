/**
 * Compiles a selection glob to an anchored RegExp: `*` matches any run of characters (`/`
 * included), `?` exactly one character, every other character itself. Runs of `*` collapse
 * into one so that patterns like `a***b` cannot make matching backtrack badly.
 *
 * @example
 * ```ts
 * compileGlob('silver/*').test('silver/orders/daily'); // true
 * ```
 */
export function compileGlob(glob: string): RegExp {
  let source = '';
  for (const ch of glob.replace(/\*{2,}/g, '*')) {
    if (ch === '*') source += '.*';
    else if (ch === '?') source += '.';
    else source += ch.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  }
  // 's' lets '*' and '?' cross newlines in free-form values such as owners; 'u' keeps non-BMP characters whole for '?'.
  return new RegExp(`^${source}$`, 'su');
}

/** Whether a glob has wildcard characters (a pattern without them can be looked up directly). */
export function hasWildcard(glob: string): boolean {
  return glob.includes('*') || glob.includes('?');
}
