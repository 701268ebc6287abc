/** ANSI styling functions; each returns its input unchanged when colors are off. */
export interface Style {
  /** Whether colors are on. */
  readonly enabled: boolean;
  bold(text: string): string;
  dim(text: string): string;
  red(text: string): string;
  green(text: string): string;
  yellow(text: string): string;
  cyan(text: string): string;
  gray(text: string): string;
}

const wrap = (open: number, close: number) => (text: string) => `\x1b[${open}m${text}\x1b[${close}m`;
const identity = (text: string) => text;

/**
 * Creates the {@link Style} the CLI renders with.
 *
 * Colors are on only for a terminal, and never when `NO_COLOR` is set (any non-empty value,
 * per no-color.org) or `--no-color` is given; `FORCE_COLOR` (non-empty, not `0`) turns them on
 * even without a terminal.
 */
export function createStyle(options: { tty: boolean; env: Record<string, string | undefined>; noColor?: boolean }): Style {
  const force = options.env.FORCE_COLOR !== undefined && options.env.FORCE_COLOR !== '' && options.env.FORCE_COLOR !== '0';
  const enabled = !options.noColor && !options.env.NO_COLOR && (options.tty || force);
  if (!enabled) {
    return { enabled, bold: identity, dim: identity, red: identity, green: identity, yellow: identity, cyan: identity, gray: identity };
  }
  return {
    enabled,
    bold: wrap(1, 22),
    dim: wrap(2, 22),
    red: wrap(31, 39),
    green: wrap(32, 39),
    yellow: wrap(33, 39),
    cyan: wrap(36, 39),
    gray: wrap(90, 39),
  };
}

/** Strips ANSI escape sequences (for width calculations). */
export function stripAnsi(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '');
}
