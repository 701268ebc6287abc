import { parsePartition } from '../parse-command-line.js';
import type { CommandContext } from '../run-cli.js';

/** The selection-related options of a command, as the API takes them. */
export interface SelectionOptions {
  select: string | undefined;
  exclude: string | undefined;
  partition: string | { from: string; to: string } | undefined;
}

/** Reads `--select`, `--exclude` and `--partition`. */
export function selectionOptions(ctx: CommandContext): SelectionOptions {
  const str = (name: string) => (typeof ctx.values[name] === 'string' ? (ctx.values[name] as string) : undefined);
  const partition = str('partition');
  return { select: str('select'), exclude: str('exclude'), partition: partition === undefined ? undefined : parsePartition(partition) };
}

/** Writes `value` as pretty JSON (two-space indent) on stdout. */
export function printJson(ctx: CommandContext, value: unknown): void {
  ctx.io.stdout.write(`${JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? Number(v) : v), 2)}\n`);
}
