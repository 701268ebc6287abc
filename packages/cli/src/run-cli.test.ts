import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyFixture, removeDir } from './__tests__/cli-harness.js';
import { loadProject } from './load-project.js';
import { runCli, type CliIo } from './run-cli.js';

function io(extra: Partial<CliIo> = {}) {
  let stdout = '';
  let stderr = '';
  const value: Partial<CliIo> = {
    stdout: { write: (s: string) => (stdout += s) },
    stderr: { write: (s: string) => (stderr += s) },
    env: { NO_COLOR: '1' },
    handleSignals: false,
    ...extra,
  };
  return { io: value, out: () => stdout, err: () => stderr };
}

let dir: string;
beforeAll(() => {
  dir = copyFixture('basic');
});
afterAll(() => removeDir(dir));

describe('runCli in-process', () => {
  it('prints the package version', async () => {
    const c = io();
    expect(await runCli(['--version'], c.io)).toBe(0);
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
    expect(c.out()).toBe(`${pkg.version}\n`);
  });

  it('prints help for the command and for each verb, with examples', async () => {
    const c = io();
    expect(await runCli(['--help'], c.io)).toBe(0);
    for (const verb of ['materialize', 'list', 'plan', 'check', 'status', 'history', 'lineage', 'init']) expect(c.out()).toContain(`  ${verb} `);
    const m = io();
    expect(await runCli(['materialize', '--help'], m.io)).toBe(0);
    expect(m.out()).toMatch(/^Usage: assets materialize \[options\]/);
    expect(m.out()).toContain('--partition <key|from..to>');
    expect(m.out()).toContain('assets materialize -s "gold*"');
    expect(m.out()).toContain('does not mean "gold and its descendants"');
  });

  it('returns 2 for usage errors and writes nothing to stdout', async () => {
    const c = io();
    expect(await runCli(['list', '--bogus'], c.io)).toBe(2);
    expect(c.out()).toBe('');
    expect(c.err()).toBe('error: Unknown option --bogus for `assets list`.\n  hint: Run `assets list --help` for its options.\n');
  });

  it('lists a project given with --project, from any cwd', async () => {
    const c = io({ cwd: '/' });
    expect(await runCli(['list', '--json', '--project', dir, '-s', 'tag:team=finance or owner:"ana@example.com"'], c.io)).toBe(0);
    expect(JSON.parse(c.out()).map((a: { key: string }) => a.key)).toEqual(['core/numbers', 'core/evens']);
  });
});

describe('loadProject', () => {
  it('loads config and definitions, resolves targets lazily and knows the default target', async () => {
    const project = await loadProject(dir);
    try {
      expect(project.dir).toBe(dir);
      expect(project.name).toBe('fixture');
      expect(project.targetNames).toEqual(['dev', 'other']);
      expect(project.defaultTarget).toBe('dev');
      expect(project.definitions.keys).toContain('slow/sleeper');
      const backend = await project.target('other');
      expect(backend.name).toBe('duckdb');
      expect(await project.target('other')).toBe(backend);
      await expect(project.target('prod')).rejects.toMatchObject({ code: 'ASSAY_CONFIG', hint: 'Targets in assay.config.ts: dev, other.' });
    } finally {
      await project.close();
    }
  });

  it('rejects an unknown --target up front', async () => {
    await expect(loadProject(dir, { target: 'staging' })).rejects.toMatchObject({ code: 'ASSAY_CONFIG', message: 'Unknown target "staging"' });
  });
});
