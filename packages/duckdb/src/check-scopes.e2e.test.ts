import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checks, defineAssets, ingestAsset, materialize, newRows, self, sql, sqlAsset, type RunResult } from '@assay/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { duckdb, type DuckDbBackend } from './index.js';

/**
 * Check scopes on real builds: an ingestion that loads new files and an `append` incremental
 * hand their new rows to `new-rows` checks, skip `full-builds` checks, and still check the
 * whole table on a first build and in a checks-only run.
 */
describe('check scopes after builds that only add rows', () => {
  let projectDir: string;
  let backend: DuckDbBackend;

  beforeEach(async () => {
    projectDir = await mkdtemp(join(tmpdir(), 'assay-scopes-'));
    await mkdir(join(projectDir, 'data'));
    backend = duckdb({ path: join(projectDir, '.assay', 'dev.duckdb'), threads: 2 });
  });
  afterEach(async () => {
    await backend.close();
    await rm(projectDir, { recursive: true, force: true });
  });

  const events = ingestAsset({
    key: 'bronze/events',
    path: 'data/events_*.csv',
    format: 'csv',
    checks: [
      checks.acceptedValues('kind', ['a', 'b'], { scope: 'new-rows' }),
      checks.acceptedValues('kind', ['a', 'b'], { name: 'kinds_everywhere', severity: 'warn' }),
      checks.unique('id', { scope: 'new-rows' }),
      checks.rowCount({ min: 1 }, { name: 'batch_not_empty', scope: 'new-rows' }),
      checks.rowCount({ max: 4 }, { name: 'at_most_4_rows', severity: 'warn', scope: 'full-builds' }),
      checks.sql('new_ids_past_old_ones', sql`select id from ${newRows} where id <= (select max(id) from ${self} where id not in (select id from ${newRows}))`),
      checks.fn('sees_new_rows', async (ctx) => {
        const [row] = await ctx.query(`select count(*) as n from ${ctx.relation} as t`);
        return { passed: true, metadata: { rows: Number(row?.n) }, message: `${String(row?.n)} rows` };
      }, { scope: 'new-rows' }),
    ],
  });
  const fact = sqlAsset({
    key: 'silver/events_fact',
    materialize: 'incremental',
    incremental: { strategy: 'append', watermark: 'id' },
    checks: [checks.expression('id > 0', { scope: 'new-rows' }), checks.expression('id > 0', { name: 'ids_positive_everywhere', severity: 'warn' })],
  })`select id, kind from ${events}`;
  const defs = defineAssets([events, fact]);
  const run = (extra: Partial<Parameters<typeof materialize>[1]> = {}) => materialize(defs, { backend, projectDir, concurrency: 1, ...extra });
  const write = (name: string, rows: [number, string][]) => writeFile(join(projectDir, 'data', name), `id,kind\n${rows.map((r) => r.join(',')).join('\n')}\n`);
  const checksOf = (result: RunResult, key: string) => Object.fromEntries(result.assets.find((a) => a.key === key)!.checks.map((c) => [c.name, c]));

  it('checks the whole table on the first build, only the new rows later, and everything in a checks-only run', async () => {
    await write('events_1.csv', [[1, 'a'], [2, 'b'], [3, 'a']]);
    const first = await run();
    expect(first.status).toBe('success');
    const firstChecks = checksOf(first, 'bronze/events');
    expect(firstChecks.at_most_4_rows).toMatchObject({ passed: true });
    expect(firstChecks.at_most_4_rows?.skipped).toBeUndefined();
    expect(firstChecks.sees_new_rows?.message).toBe('3 rows');

    // Old rows that break today's rules: new-rows checks must not see them.
    await backend.query(`insert into bronze.events (id, kind) values (0, 'legacy')`);
    await backend.query(`insert into silver.events_fact values (-1, 'legacy')`);
    await write('events_2.csv', [[4, 'a'], [5, 'b']]);
    const second = await run();
    expect(second.status).toBe('success');
    const bronze = checksOf(second, 'bronze/events');
    expect(bronze.accepted_values_kind).toMatchObject({ passed: true, failingRows: 0 });
    expect(bronze.kinds_everywhere).toMatchObject({ passed: false, failingRows: 1 });
    expect(bronze.unique_id).toMatchObject({ passed: true });
    expect(bronze.batch_not_empty).toMatchObject({ passed: true });
    expect(bronze.at_most_4_rows).toMatchObject({ passed: true, skipped: true });
    expect(bronze.new_ids_past_old_ones).toMatchObject({ passed: true });
    expect(bronze.sees_new_rows?.message).toBe('2 rows');
    const factChecks = checksOf(second, 'silver/events_fact');
    expect(factChecks.expression_id_0).toMatchObject({ passed: true });
    expect(factChecks.ids_positive_everywhere).toMatchObject({ passed: false, failingRows: 1 });
    expect(second.assets.find((a) => a.key === 'silver/events_fact')?.metadata).toMatchObject({ rowsInserted: 2 });

    // A new file repeating an old id and going back in ids: caught although only new rows are read.
    await write('events_3.csv', [[2, 'b'], [9, 'c']]);
    const third = await run();
    const again = checksOf(third, 'bronze/events');
    expect(again.unique_id).toMatchObject({ passed: false, failingRows: 2 });
    expect(again.accepted_values_kind).toMatchObject({ passed: false, failingRows: 1 });
    expect(again.new_ids_past_old_ones).toMatchObject({ passed: false, failingRows: 1 });
    expect(third.assets.find((a) => a.key === 'silver/events_fact')?.status).toBe('skipped');

    // Checks alone read whole tables and skip nothing.
    const audit = await run({ checksOnly: true });
    const whole = checksOf(audit, 'bronze/events');
    expect(whole.accepted_values_kind).toMatchObject({ passed: false, failingRows: 2 });
    expect(whole.at_most_4_rows).toMatchObject({ passed: false });
    expect(whole.at_most_4_rows?.skipped).toBeUndefined();
    expect(whole.sees_new_rows?.message).toBe('8 rows');
  });

  it('a run that finds no new file checks no rows, and a full refresh checks them all', async () => {
    await write('events_1.csv', [[1, 'a'], [2, 'b']]);
    await run();
    const idle = await run();
    const bronze = checksOf(idle, 'bronze/events');
    expect(bronze.batch_not_empty).toMatchObject({ passed: false, message: expect.stringContaining('0 rows') });
    expect(bronze.at_most_4_rows).toMatchObject({ skipped: true });
    const rebuilt = await run({ fullRefresh: true });
    expect(checksOf(rebuilt, 'bronze/events').batch_not_empty).toMatchObject({ passed: true });
    expect(checksOf(rebuilt, 'bronze/events').at_most_4_rows?.skipped).toBeUndefined();
    expect(checksOf(rebuilt, 'silver/events_fact').expression_id_0).toMatchObject({ passed: true });
  });
});
