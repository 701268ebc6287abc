import type { Style } from './style.js';

/** What the CLI reads from a failure: a thrown error, or the error record of a failed step. */
export interface ErrorLike {
  code?: unknown;
  message?: unknown;
  hint?: unknown;
  sql?: unknown;
  position?: unknown;
  assetKey?: unknown;
  stack?: unknown;
  cause?: unknown;
}

/** Options of {@link formatError}. */
export interface FormatErrorOptions {
  style: Style;
  /** Show stack traces and the cause chain. Defaults to false. */
  verbose?: boolean;
  /** Prefix of the first line. Defaults to `error`. */
  label?: string;
  /** The asset the failure belongs to, when `label` names it (its repetition is dropped from the message). */
  assetKey?: string;
}

/**
 * Renders an error for the terminal: one message (with its stable code), an excerpt of the
 * SQL around the failing position when the error carries `sql` and `position` (itself or
 * along its `cause` chain), and the hint. Stack traces only when `verbose`.
 */
export function formatError(error: unknown, options: FormatErrorOptions): string[] {
  const { style } = options;
  const e = (error ?? {}) as ErrorLike;
  let message = typeof e.message === 'string' ? e.message : String(error);
  // Under a label naming the asset, the message's own `Asset "x":` prefix only repeats it.
  if (options.assetKey) message = message.replace(`Asset "${options.assetKey}" failed: `, '').replace(`Asset "${options.assetKey}": `, '');
  const code = typeof e.code === 'string' && e.code.startsWith('ASSAY_') ? e.code : undefined;
  const [first = '', ...more] = message.split('\n');
  const lines = [`${style.red(style.bold(options.label ?? 'error'))}${code ? ` ${style.gray(`[${code}]`)}` : ''}: ${first}`, ...more.map((l) => `  ${l}`)];
  const located = findSql(e);
  if (located && !/\bLINE \d+:/.test(message)) lines.push(...sqlExcerpt(located.sql, located.position, style).map((l) => `  ${l}`));
  const hint = findHint(e);
  if (hint) lines.push(`  ${style.cyan('hint')}: ${hint}`);
  if (options.verbose) {
    if (typeof e.stack === 'string') lines.push(...e.stack.split('\n').slice(1).map((l) => style.gray(`  ${l.trim()}`)));
    for (let c = e.cause as ErrorLike | undefined, depth = 0; c && depth < 5; c = c.cause as ErrorLike | undefined, depth++) {
      lines.push(style.gray(`  caused by: ${typeof c.message === 'string' ? c.message : String(c)}`));
      if (typeof c.stack === 'string') lines.push(...c.stack.split('\n').slice(1, 6).map((l) => style.gray(`    ${l.trim()}`)));
    }
  } else if (!code && error instanceof Error) {
    lines.push(style.gray('  (run with --verbose for the stack trace)'));
  }
  return lines;
}

function findHint(e: ErrorLike): string | undefined {
  for (let c: ErrorLike | undefined = e, depth = 0; c && depth < 5; c = c.cause as ErrorLike | undefined, depth++) {
    if (typeof c.hint === 'string' && c.hint) return c.hint;
  }
  return undefined;
}

/** The SQL statement and 1-based position an error (or one of its causes) carries. */
export function findSql(e: ErrorLike): { sql: string; position: number } | undefined {
  for (let c: ErrorLike | undefined = e, depth = 0; c && depth < 5; c = c.cause as ErrorLike | undefined, depth++) {
    if (typeof c.sql === 'string' && typeof c.position === 'number' && c.position > 0) return { sql: c.sql, position: c.position };
  }
  return undefined;
}

/**
 * The lines of `sql` around a 1-based character `position`, numbered, with a caret under the
 * position: up to two lines before and one after. Long lines are cut around the caret.
 */
export function sqlExcerpt(sql: string, position: number, style: Style): string[] {
  const lines = sql.split('\n');
  let offset = 0;
  let lineIndex = 0;
  for (; lineIndex < lines.length - 1; lineIndex++) {
    if (offset + lines[lineIndex]!.length + 1 >= position) break;
    offset += lines[lineIndex]!.length + 1;
  }
  const column = Math.max(1, position - offset);
  const from = Math.max(0, lineIndex - 2);
  const to = Math.min(lines.length - 1, lineIndex + 1);
  const width = String(to + 1).length;
  const out: string[] = [];
  const MAX = 100;
  // Cut long lines to a window that keeps the caret visible.
  const start = column > MAX - 20 ? column - (MAX - 20) : 0;
  for (let i = from; i <= to; i++) {
    const text = lines[i]!.replace(/\t/g, ' ');
    const shown = (start > 0 ? '…' : '') + text.slice(start, start + MAX) + (text.length > start + MAX ? '…' : '');
    out.push(`${style.gray(`${String(i + 1).padStart(width)} |`)} ${shown}`);
    if (i === lineIndex) out.push(`${' '.repeat(width)} ${style.gray('|')} ${' '.repeat(column - 1 - start + (start > 0 ? 1 : 0))}${style.red('^')}`);
  }
  return out;
}
