import { describe, expect, it } from 'vitest';
import { parseCommandLine, parsePartition, VERBS } from './parse-command-line.js';

describe('parseCommandLine', () => {
  it('finds the verb wherever global options put it, and keeps option values out of it', () => {
    const p = parseCommandLine(['--project', 'materialize', 'materialize', '-s', 'list', '--stale']);
    expect(p.kind).toBe('run');
    if (p.kind !== 'run') return;
    expect(p.verb.name).toBe('materialize');
    expect(p.values).toMatchObject({ project: 'materialize', select: 'list', stale: true });
    expect(p.positionals).toEqual([]);
  });

  it('reads --no-color as color=false and accepts the verb positional of history', () => {
    const p = parseCommandLine(['history', 'silver/orders', '-n', '5', '--no-color']);
    expect(p).toMatchObject({ kind: 'run', positionals: ['silver/orders'], values: { limit: '5', color: false } });
  });

  it('answers --help, help <verb>, <verb> --help and --version', () => {
    expect(parseCommandLine(['--help'])).toEqual({ kind: 'help' });
    expect(parseCommandLine(['--version'])).toEqual({ kind: 'version' });
    expect(parseCommandLine(['help', 'plan'])).toMatchObject({ kind: 'help', verb: { name: 'plan' } });
    expect(parseCommandLine(['status', '-h'])).toMatchObject({ kind: 'help', verb: { name: 'status' } });
  });

  it('rejects mistakes with a message and a hint, never by throwing', () => {
    expect(parseCommandLine([])).toMatchObject({ kind: 'error', message: 'No command given.' });
    expect(parseCommandLine(['lst'])).toMatchObject({ kind: 'error', hint: expect.stringContaining('`assets list`') });
    expect(parseCommandLine(['list', '--stale'])).toMatchObject({ kind: 'error', message: 'Unknown option --stale for `assets list`.' });
    expect(parseCommandLine(['plan', '--exclud', 'x'])).toMatchObject({ kind: 'error', hint: expect.stringContaining('Did you mean --exclude?') });
    expect(parseCommandLine(['materialize', '--select'])).toMatchObject({ kind: 'error', message: 'Option --select needs a value <selection>.' });
    expect(parseCommandLine(['materialize', '--concurrency', '0'])).toMatchObject({ kind: 'error', message: '--concurrency must be a positive integer (got "0").' });
    expect(parseCommandLine(['lineage', '-f', 'svg'])).toMatchObject({ kind: 'error', message: 'Unknown lineage format "svg".' });
    expect(parseCommandLine(['materialize', 'gold*'])).toMatchObject({ kind: 'error', hint: 'To select assets, use --select: `assets materialize --select "gold*"`.' });
    expect(parseCommandLine(['list', '--stale=yes'])).toMatchObject({ kind: 'error' });
  });

  it('gives every verb help examples and no clashing short flags', () => {
    for (const verb of VERBS) {
      expect(verb.examples.length, verb.name).toBeGreaterThan(0);
      const shorts = Object.values(verb.options).map((o) => o.short).filter(Boolean);
      expect(new Set(shorts).size, verb.name).toBe(shorts.length);
      expect(shorts).not.toContain('t');
      expect(shorts).not.toContain('v');
      expect(shorts).not.toContain('h');
    }
  });
});

describe('parsePartition', () => {
  it('reads a key or an inclusive FROM..TO range', () => {
    expect(parsePartition('2024-01-31')).toBe('2024-01-31');
    expect(parsePartition('2024-01-01..2024-01-31')).toEqual({ from: '2024-01-01', to: '2024-01-31' });
  });
});
