import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyFixture, linkNodeModules, parseJson, removeDir, runBin, tempProjectDir, type BinResult } from './__tests__/cli-harness.js';

// The fixture (test-fixtures/basic) has healthy assets (group core), a failing SQL asset, a
// failing error-severity check, a failing warn-severity check and a slow asset.

let dir: string;
const extraDirs: string[] = [];

beforeAll(() => {
  dir = copyFixture('basic');
});

afterAll(() => {
  removeDir(dir);
  for (const d of extraDirs) removeDir(d);
});

/** No stack frames: user mistakes print one message and a hint. */
function expectNoStack(r: BinResult): void {
  expect(r.stderr + r.stdout).not.toMatch(/^\s+at .+\(.+:\d+:\d+\)$/m);
}

describe('exit codes and error output', () => {
  it('builds the healthy part (group:core) and exits 0', async () => {
    const r = await runBin(['materialize', '-s', 'group:core', '--json'], { cwd: dir });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = parseJson<{ status: string; assets: { key: string; status: string; rowCount: number | null }[] }>(r);
    expect(out.status).toBe('success');
    expect(out.assets.map((a) => [a.key, a.status, a.rowCount])).toEqual([
      ['core/numbers', 'success', 10],
      ['core/evens', 'success', null],
      ['core/summary', 'success', 1],
    ]);
    // ${env:FIXTURE_DB_NAME:-dev} in the config fell back to its default.
    expect(existsSync(join(dir, '.assay', 'dev.duckdb'))).toBe(true);
  });

  it('exits 2 on a selection syntax error, pointing at the column', async () => {
    const r = await runBin(['materialize', '-s', 'group:core and (key:x'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    const lines = r.stderr.split('\n');
    const textLine = lines.findIndex((l) => l.trimEnd().endsWith('group:core and (key:x'));
    expect(textLine).toBeGreaterThan(0);
    // The caret sits under the end of the text, where ")" was expected.
    const caretColumn = lines[textLine + 1]!.indexOf('^');
    expect(caretColumn).toBe(lines[textLine]!.indexOf('group:core') + 'group:core and (key:x'.length);
    expect(r.stderr).toMatch(/ASSAY_SELECTION_SYNTAX/);
    expect(r.stderr).toMatch(/hint: .*docs\/selection\.md/);
    expectNoStack(r);
  });

  it('exits 2 when the selection matches nothing', async () => {
    const r = await runBin(['materialize', '-s', 'gld*'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/matches no assets/);
  });

  it('exits 1 on a failing asset, showing the SQL around the error, and skips its downstream only', async () => {
    const r = await runBin(['materialize', '-s', 'broken/sql_error or core/numbers'], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/✗ broken\/sql_error \[ASSAY_SQL\]: Parser Error: syntax error at or near "fromm"/);
    // The excerpt: numbered lines with a caret under "fromm".
    const lines = r.stdout.split('\n');
    const bad = lines.findIndex((l) => /^\s*\d+ \|\s+fromm "core"\."numbers"/.test(l));
    expect(bad).toBeGreaterThan(0);
    expect(lines[bad + 1]!.indexOf('^')).toBe(lines[bad]!.indexOf('fromm'));
    expect(r.stdout).toMatch(/Run failed in .*: 1 succeeded, 1 failed/);
    expectNoStack(r);
  });

  it('exits 1 when an error-severity check fails, and skips what is downstream of it', async () => {
    const r = await runBin(['materialize', '-s', 'checks/failing+', '--json'], { cwd: dir });
    expect(r.code).toBe(1);
    const out = parseJson<{ status: string; assets: { key: string; status: string; checks: unknown[] }[] }>(r);
    expect(out.status).toBe('failed');
    expect(out.assets).toEqual([
      { key: 'checks/failing', status: 'success', rowCount: 10, durationMs: expect.any(Number), checks: [{ name: 'row_count', passed: false, severity: 'error' }] },
      { key: 'checks/after_failing', status: 'skipped', rowCount: null, durationMs: 0, checks: [] },
    ]);
  });

  it('exits 0 when only a warn-severity check fails', async () => {
    const r = await runBin(['materialize', '-s', 'checks/warn_only'], { cwd: dir });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/check warned: checks\/warn_only expression_n_5/);
  });

  it('exits 2 on an unknown target, an unknown option, an unknown command, and outside a project', async () => {
    const target = await runBin(['list', '--target', 'prod'], { cwd: dir });
    expect(target.code).toBe(2);
    expect(target.stderr).toMatch(/Unknown target "prod"/);
    expect(target.stderr).toMatch(/hint: Targets in assay.config.ts: dev, other/);

    const option = await runBin(['list', '--selct', 'x'], { cwd: dir });
    expect(option.code).toBe(2);
    expect(option.stderr).toMatch(/Unknown option --selct .*\n.*Did you mean --select\?/);

    const verb = await runBin(['materialise'], { cwd: dir });
    expect(verb.code).toBe(2);
    expect(verb.stderr).toMatch(/Did you mean `assets materialize`/);

    const outside = tempProjectDir('empty');
    extraDirs.push(outside);
    const none = await runBin(['list'], { cwd: outside });
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/No assay.config.ts found in .* or any parent directory/);
    expect(none.stderr).toMatch(/hint: Run `assets init`/);
    for (const r of [target, option, verb, none]) expectNoStack(r);
  });

  it('finds the project from a subfolder, and from --project, with paths relative to the project', async () => {
    mkdirSync(join(dir, 'sub', 'deeper'), { recursive: true });
    const fromSub = await runBin(['status', '--json', '-s', 'core/numbers'], { cwd: join(dir, 'sub', 'deeper') });
    expect(fromSub.code).toBe(0);
    expect(parseJson<{ stale: boolean }[]>(fromSub)).toMatchObject([{ key: 'core/numbers', stale: false }]);
    const elsewhere = tempProjectDir('cwd');
    extraDirs.push(elsewhere);
    const viaFlag = await runBin(['list', '--json', '--project', dir], { cwd: elsewhere });
    expect(viaFlag.code).toBe(0);
    expect(parseJson<{ key: string; tags: object; owners: string[] }[]>(viaFlag)[0]).toEqual({
      key: 'core/numbers',
      group: 'core',
      kind: 'table',
      deps: [],
      tags: { pii: '' },
      owners: ['ana@example.com'],
    });
    expect(existsSync(join(dir, 'sub', 'deeper', '.assay'))).toBe(false);
  });

  it('interpolates ${env:...} in target options', async () => {
    const r = await runBin(['materialize', '-s', 'core/numbers'], { cwd: dir, env: { FIXTURE_DB_NAME: 'from_env' } });
    expect(r.code).toBe(0);
    expect(existsSync(join(dir, '.assay', 'from_env.duckdb'))).toBe(true);
  });

  it('exits 1 with a clear message when the database is locked by another process', async () => {
    // This test process holds the database file, as a notebook or a second `assets` would.
    const holder = await DuckDBInstance.create(join(dir, '.assay', 'dev.duckdb'));
    const logs = readdirSync(join(dir, '.assay', 'logs')).length;
    try {
      const r = await runBin(['materialize', '-s', 'core/numbers'], { cwd: dir, env: { FIXTURE_LOCK_TIMEOUT_MS: '300' } });
      expect(r.code).toBe(1);
      // The run never started, so it left no log file.
      expect(readdirSync(join(dir, '.assay', 'logs'))).toHaveLength(logs);
      expect(r.stderr).toMatch(/\[ASSAY_LOCKED\]: DuckDB database ".*dev\.duckdb" is locked by another process \(PID \d+\)/);
      expect(r.stderr).toMatch(/hint: Another `assets` command/);
      expectNoStack(r);
    } finally {
      holder.closeSync();
    }
  });

  it('backfills a partition range, and exits 2 for a partition outside the definition', async () => {
    const r = await runBin(['materialize', '-s', 'parts/daily', '--partition', '2024-01-02..2024-01-04'], { cwd: dir });
    expect(r.code).toBe(0);
    const history = parseJson<{ status: string; partitions: string[] }[]>(await runBin(['history', 'parts/daily', '--json'], { cwd: dir }));
    expect(history).toMatchObject([{ status: 'success', partitions: ['2024-01-02', '2024-01-03', '2024-01-04'] }]);
    const outside = await runBin(['plan', '-s', 'parts/daily', '--partition', '2024-02-01'], { cwd: dir });
    expect(outside.code).toBe(2);
    expect(outside.stderr).toMatch(/\[ASSAY_PARTITION\]: .*outside the asset's partitions \(2024-01-01 … 2024-01-31\)/);
  });

  it('exits 2 with the cycle path when definitions form a cycle', async () => {
    const cyclic = tempProjectDir('cycle');
    extraDirs.push(cyclic);
    linkNodeModules(cyclic);
    writeFileSync(join(cyclic, 'package.json'), '{ "type": "module" }\n');
    writeFileSync(
      join(cyclic, 'assay.config.mjs'),
      "import { duckdb } from '@assay/duckdb';\nexport default { definitions: './assets.mjs', targets: { dev: duckdb({ path: ':memory:' }) } };\n",
    );
    writeFileSync(
      join(cyclic, 'assets.mjs'),
      "import { sqlAsset } from '@assay/core';\nexport const a = sqlAsset({ key: 'a', deps: ['c'] })`select 1`;\nexport const b = sqlAsset({ key: 'b', deps: ['a'] })`select 1`;\nexport const c = sqlAsset({ key: 'c', deps: ['b'] })`select 1`;\n",
    );
    const r = await runBin(['list'], { cwd: cyclic });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/\[ASSAY_CYCLE\]: Dependency cycle .*: a -> b -> c -> a/);
    expectNoStack(r);
  });
});

describe('Ctrl-C', () => {
  it('cancels the running asset cleanly, exits 130 and records the run as canceled', async () => {
    let sent = false;
    let progress = '';
    const r = await runBin(['materialize', '-s', 'slow/*'], {
      cwd: dir,
      onStdout: (chunk, child) => {
        progress += chunk;
        // Interrupt once the slow asset is running (its log line is out).
        if (!sent && /sleeping for a minute/.test(progress)) {
          sent = true;
          child.kill('SIGINT');
        }
      },
    });
    expect(sent).toBe(true);
    expect(r.code).toBe(130);
    expect(r.stdout).toMatch(/Canceling running assets/);
    expect(r.stdout).toMatch(/canceled while running: slow\/sleeper/);
    expect(r.stdout).toMatch(/canceled before starting: slow\/after_sleeper/);
    const runs = parseJson<{ status: string; selection: string }[]>(await runBin(['history', '--json', '-n', '1'], { cwd: dir }));
    expect(runs).toMatchObject([{ status: 'canceled', selection: 'slow/*' }]);
    const asset = parseJson<{ status: string }[]>(await runBin(['history', 'slow/sleeper', '--json'], { cwd: dir }));
    expect(asset[0]).toMatchObject({ status: 'canceled' });
  });
});
