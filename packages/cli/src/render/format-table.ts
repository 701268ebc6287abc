import { stripAnsi } from './style.js';

/** Alignment of one column of {@link formatTable}. */
export type ColumnAlign = 'left' | 'right';

/**
 * Formats rows as a plain-text table with a header, columns padded to the widest cell
 * (ANSI colors do not count towards width). Returns lines without trailing newlines.
 */
export function formatTable(header: readonly string[], rows: readonly (readonly string[])[], align: readonly ColumnAlign[] = []): string[] {
  const widths = header.map((h, i) => Math.max(stripAnsi(h).length, ...rows.map((r) => stripAnsi(r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, i) => {
        const pad = ' '.repeat(Math.max(0, widths[i]! - stripAnsi(cell).length));
        return align[i] === 'right' ? pad + cell : i === cells.length - 1 ? cell : cell + pad;
      })
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)];
}

/** A duration for humans: `850ms`, `12.3s`, `4m 05s`, `2h 03m`. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '-';
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)}s`;
  const s = Math.round(ms / 1000);
  if (s < 3600) return `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

/** A row count for humans: `1,234 rows`, `1 row`, or `-` when unknown. */
export function formatRows(count: number | undefined | null): string {
  if (count === undefined || count === null) return '-';
  return `${count.toLocaleString('en-US')} ${count === 1 ? 'row' : 'rows'}`;
}

/** An ISO timestamp shortened to `YYYY-MM-DD HH:MM:SS` (UTC). */
export function formatTime(iso: string | undefined): string {
  if (!iso) return '-';
  return iso.replace('T', ' ').replace(/\.\d+Z?$|Z$/, '');
}
