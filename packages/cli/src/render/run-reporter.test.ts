import { afterEach, describe, expect, it, vi } from 'vitest';
import type { AssayEvent } from '@assay/core';
import { createRunReporter, truncate } from './run-reporter.js';
import { createStyle, stripAnsi } from './style.js';

const runId = 'r1';
const at = (ms: number) => new Date(Date.UTC(2024, 0, 1, 0, 0, 0, ms)).toISOString();
const events: AssayEvent[] = [
  { type: 'run_start', runId, timestamp: at(0), selection: undefined, steps: ['a', 'b', 'c'], backend: 'duckdb' },
  { type: 'step_start', runId, timestamp: at(1), assetKey: 'a', reason: 'never materialized' },
  { type: 'step_start', runId, timestamp: at(2), assetKey: 'b', reason: 'never materialized' },
  { type: 'materialization', runId, timestamp: at(3), assetKey: 'a', dataVersion: 'v', codeVersion: 'c', rowCount: 1234, metadata: {} },
  { type: 'step_success', runId, timestamp: at(4), assetKey: 'a', durationMs: 3, rowCount: 1234 },
  { type: 'step_failure', runId, timestamp: at(5), assetKey: 'b', durationMs: 4, error: { message: 'Binder Error: no column x\nLINE 1: ...' } },
  { type: 'log', runId, timestamp: at(5), level: 'error', message: 'Binder Error: no column x\nLINE 1: ...', assetKey: 'b' },
  { type: 'step_skipped', runId, timestamp: at(6), assetKey: 'c', reason: 'upstream failed: b' },
  { type: 'run_end', runId, timestamp: at(7), status: 'failed', durationMs: 7 },
];

function capture(tty: boolean) {
  let text = '';
  return { out: { write: (s: string) => (text += s), isTTY: tty, columns: 60, rows: 20 }, text: () => text };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('plain reporter', () => {
  it('prints one timestamped line per event, and a failure once', () => {
    const c = capture(false);
    const reporter = createRunReporter({ out: c.out, style: createStyle({ tty: false, env: {} }), mode: 'plain' });
    for (const e of events) reporter.onEvent(e);
    reporter.stop();
    expect(c.text().split('\n')).toEqual([
      '2024-01-01T00:00:00.000Z run r1 started: 3 step(s) on duckdb',
      '2024-01-01T00:00:00.001Z ▶ a (never materialized)',
      '2024-01-01T00:00:00.002Z ▶ b (never materialized)',
      '2024-01-01T00:00:00.004Z ✓ a  1,234 rows  3ms',
      '2024-01-01T00:00:00.005Z ✗ b  failed 4ms: Binder Error: no column x',
      '2024-01-01T00:00:00.006Z - c  skipped (upstream failed: b)',
      '2024-01-01T00:00:00.007Z run r1 failed in 7ms',
      '',
    ]);
  });
});

describe('check results', () => {
  it('counts checks a build left out by their scope apart from those that ran', () => {
    const c = capture(false);
    const reporter = createRunReporter({ out: c.out, style: createStyle({ tty: false, env: {} }), mode: 'plain' });
    const check = (name: string, passed: boolean, skipped?: boolean): AssayEvent => ({
      type: 'check_result',
      runId,
      timestamp: at(2),
      assetKey: 'a',
      partition: undefined,
      result: { assetKey: 'a', name, type: 'sql', severity: 'warn', blocking: false, passed, ...(skipped ? { skipped, message: 'skipped: the build only added rows (scope full-builds)' } : {}) },
    });
    for (const e of [events[0]!, events[1]!, check('rows', true), check('mix', true, true), check('trend', false), { ...events[4]! }]) reporter.onEvent(e);
    reporter.stop();
    expect(c.text().split('\n').slice(2, 6)).toEqual([
      '2024-01-01T00:00:00.002Z ✓ check a rows passed',
      '2024-01-01T00:00:00.002Z - check a mix skipped (scope full-builds: the build only added rows)',
      '2024-01-01T00:00:00.002Z ! check a trend warned',
      '2024-01-01T00:00:00.004Z ✓ a  1,234 rows  3ms  checks 1/2, 1 skipped',
    ]);
  });
});

describe('live reporter', () => {
  it('redraws the running assets in place and leaves finished ones above', () => {
    vi.useFakeTimers();
    const c = capture(true);
    const reporter = createRunReporter({ out: c.out, style: createStyle({ tty: true, env: {} }), mode: 'live' });
    for (const e of events.slice(0, 3)) reporter.onEvent(e);
    vi.advanceTimersByTime(100);
    const first = c.text();
    expect(first.startsWith('\x1b[?25l')).toBe(true);
    const firstLines = stripAnsi(first).split('\n');
    expect(firstLines.filter((l) => /running/.test(l))).toHaveLength(3); // a, b and the progress line
    expect(firstLines.at(-2)).toMatch(/^0\/3 done · 2 running · /);

    for (const e of events.slice(3)) reporter.onEvent(e);
    vi.advanceTimersByTime(100);
    const second = c.text().slice(first.length);
    // Back up over the 3 live lines, clear, then print what finished and the new live region.
    expect(second.startsWith('\x1b[3F\x1b[J')).toBe(true);
    const lines = stripAnsi(second.slice('\x1b[3F\x1b[J'.length)).split('\n');
    expect(lines.slice(0, 3)).toEqual(['✓ a  1,234 rows  3ms', '✗ b  failed 4ms: Binder Error: no column x', '- c  skipped (upstream failed: b)']);
    expect(lines[3]).toMatch(/^3\/3 done · 0 running · 1 failed · 1 skipped · /);

    reporter.stop();
    const end = c.text().slice(first.length + second.length);
    expect(end).toBe('\x1b[1F\x1b[J\x1b[?25h');
  });

  it('cuts lines to the terminal width without breaking color codes', () => {
    const red = createStyle({ tty: true, env: {} }).red('x'.repeat(30));
    const cut = truncate(`ab ${red}`, 10);
    expect(stripAnsi(cut)).toBe('ab xxxxxx…');
    expect(cut.endsWith('\x1b[0m')).toBe(true);
  });
});
