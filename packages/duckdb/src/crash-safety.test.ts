import { spawn } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { raw, silentLogger, sql, sqlAsset } from '@assay/core';
import { buildSqlRequest } from '@assay/core/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { duckdb } from './index.js';

const here = dirname(fileURLToPath(import.meta.url));
const child = join(here, '__tests__', 'crash-child.ts');
const tsx = createRequire(import.meta.url).resolve('tsx');

interface ChildRun {
  output: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  kill: () => void;
}

function runChild(path: string, mode: 'seed' | 'rebuild'): ChildRun {
  const proc = spawn(process.execPath, ['--import', tsx, child, path, mode], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr.on('data', (d: Buffer) => (out += d.toString()));
  return {
    output: () => out,
    exited: new Promise((resolve) => proc.on('exit', (code, signal) => resolve({ code, signal }))),
    kill: () => proc.kill('SIGKILL'),
  };
}

/** Resolves once `condition` holds, polling; fails after `limitMs` with `what`. */
async function until(condition: () => boolean, what: string, limitMs = 60_000): Promise<void> {
  const started = Date.now();
  while (!condition()) {
    if (Date.now() - started > limitMs) expect.fail(`gave up waiting: ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const bytesOnDisk = (path: string) => [path, `${path}.wal`].reduce((n, p) => n + (existsSync(p) ? statSync(p).size : 0), 0);

describe('crash safety', () => {
  let dir: string | undefined;
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('a process killed mid-build leaves the previous table intact and the next run works', { timeout: 120_000 }, async () => {
    dir = await mkdtemp(join(tmpdir(), 'assay-crash-'));
    const path = join(dir, 'warehouse.duckdb');
    const seed = runChild(path, 'seed');
    expect(await seed.exited, seed.output()).toEqual({ code: 0, signal: null });

    const rebuild = runChild(path, 'rebuild');
    await until(() => rebuild.output().includes('building rebuild'), 'the child to start building');
    // Kill only once the new table's data is reaching the file: the build is really underway.
    const before = bytesOnDisk(path);
    await until(() => bytesOnDisk(path) > before + 16 * 1024 * 1024, 'the build to write data to disk');
    rebuild.kill();
    expect(await rebuild.exited).toEqual({ code: null, signal: 'SIGKILL' });
    expect(rebuild.output()).not.toContain('done');

    const backend = duckdb({ path, threads: 2 });
    await backend.open({ concurrency: 1, logger: silentLogger() });
    try {
      expect(await backend.query('select count(*) as n, sum(id) as s, min(h) as h from crash.big')).toEqual([
        { n: 1000, s: 499500, h: expect.any(String) },
      ]);
      const [expected] = await backend.query('select min(md5(cast(range as varchar))) as h from range(1000)');
      expect((await backend.query('select min(h) as h from crash.big'))[0]).toEqual(expected);
      const next = sqlAsset({ key: 'crash/big' })(sql`select range as id, md5(cast(range as varchar)) as h from range(${raw('2000')})`);
      expect((await backend.materializeSql(buildSqlRequest(backend, next))).rowCount).toBe(2000);
      expect(await backend.query("select table_name from duckdb_tables() where schema_name = 'crash' order by 1")).toEqual([{ table_name: 'big' }]);
    } finally {
      await backend.close();
    }
  });
});
