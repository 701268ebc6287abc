import { describe, expect, it } from 'vitest';
import { ConfigError, SqlError } from '@assay/core';
import { formatError, sqlExcerpt } from './format-error.js';
import { createStyle } from './style.js';

const style = createStyle({ tty: false, env: {} });

describe('sqlExcerpt', () => {
  const sql = 'select a,\n       b\nfrom t\nwhere x = 1\norder by 1';

  it('numbers the lines around the position and puts a caret under it', () => {
    const position = sql.indexOf('x = 1') + 1;
    expect(sqlExcerpt(sql, position, style)).toEqual([
      '2 |        b',
      '3 | from t',
      '4 | where x = 1',
      '  |       ^',
      '5 | order by 1',
    ]);
  });

  it('handles a position on the first character', () => {
    expect(sqlExcerpt('selec 1', 1, style)).toEqual(['1 | selec 1', '  | ^']);
  });
});

describe('formatError', () => {
  it('prints the code, the message, the excerpt from the cause chain and the hint, without a stack', () => {
    const inner = new SqlError('Parser Error: syntax error at or near "fromm"', 'select 1\nfromm t', { position: 10 });
    const outer = new ConfigError('wrapped', { cause: inner, hint: 'Fix the SQL.' });
    expect(formatError(outer, { style })).toEqual(['error [ASSAY_CONFIG]: wrapped', '  1 | select 1', '  2 | fromm t', '    | ^', '  hint: Fix the SQL.']);
  });

  it('shows the stack only when verbose, and suggests --verbose for unexpected errors', () => {
    const plain = formatError(new TypeError('boom'), { style });
    expect(plain).toEqual(['error: boom', '  (run with --verbose for the stack trace)']);
    const verbose = formatError(new TypeError('boom'), { style, verbose: true });
    expect(verbose.some((l) => /at .*format-error\.test\.ts/.test(l))).toBe(true);
  });
});
