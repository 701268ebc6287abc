import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineAssets, materialize, MemoryStateStore, type RunResult } from '@assay/core';
import { duckdb } from '@assay/duckdb';
import * as assets from '../assets/index.js';
import { dayDate, DEFAULT_START_DATE, generateOpenAiExports } from '../scripts/generate-openai-exports.js';
import { expectAllGreen, expectSilverAndGoldMatch } from './expect-outputs.js';
import { readExports, type ExpectedOutputs } from './read-exports.js';

// Small but not trivial: 300 chat completions and 2 × 50 batch requests a day.
const SCALE = 0.5;

const defs = defineAssets(assets);

function asset(result: RunResult, key: string) {
  const found = result.assets.find((a) => a.key === key);
  if (!found) throw new Error(`no result for ${key} (ran: ${result.assets.map((a) => a.key).join(', ')})`);
  return found;
}

describe('openai-usage example (seed 000)', () => {
  const projectDir = mkdtempSync(join(tmpdir(), 'assay-openai-usage-'));
  const dataDir = join(projectDir, 'data');
  const backend = duckdb({ path: ':memory:' });
  const state = new MemoryStateStore();
  const one = async <T = Record<string, unknown>>(text: string): Promise<T> => (await backend.query(text))[0] as T;
  const count = async (text: string): Promise<number> => Number((await one<{ n: unknown }>(text)).n);

  beforeAll(async () => {
    await generateOpenAiExports({ outDir: dataDir, scale: SCALE, days: [0, 1] });
  });
  afterAll(async () => {
    await backend.close();
    rmSync(projectDir, { recursive: true, force: true });
  });

  /** Compares every table with what the exports say, recomputed in JavaScript. */
  async function expectTablesMatch(expected: ExpectedOutputs): Promise<void> {
    // Bronze: every valid line loaded, every malformed one quarantined.
    expect(await count('select count(*) as n from bronze."RAW_CHAT_COMPLETIONS"')).toBe(expected.chat.valid);
    expect(await count('select count(*) as n from bronze."RAW_BATCH_OUTPUTS"')).toBe(expected.batch.valid);
    expect(await count('select count(*) as n from bronze."RAW_USAGE_BUCKETS"')).toBe(expected.usage.valid);
    expect(await count('select count(*) as n from bronze."RAW_CHAT_COMPLETIONS__quarantine"')).toBe(expected.chat.malformed);
    expect(await count('select count(*) as n from bronze."RAW_BATCH_OUTPUTS__quarantine"')).toBe(expected.batch.malformed);
    expect(await count('select count(*) as n from bronze."RAW_USAGE_BUCKETS__quarantine"')).toBe(expected.usage.malformed);
    expect(await count('select count(distinct source_file) as n from bronze."RAW_BATCH_OUTPUTS"')).toBe(expected.batch.files.length);

    // Silver and gold, compared the same way as on Snowflake.
    await expectSilverAndGoldMatch(backend, expected);
  }

  it('materializes bronze → silver → gold with every check passing and outputs matching the exports', async () => {
    const expected = readExports(dataDir);
    // The generated data exercises every path the pipeline has to handle.
    expect(expected.chat.malformed).toBeGreaterThanOrEqual(2);
    expect(expected.batch.malformed).toBeGreaterThanOrEqual(4);
    expect(expected.usage.malformed).toBeGreaterThanOrEqual(2);
    expect(expected.chatErrorRecords).toBeGreaterThan(0);
    expect(expected.multiChoiceCompletions).toBeGreaterThan(0);
    expect(expected.unparseableArguments).toBeGreaterThan(0);
    expect(expected.structuredOutputs).toBeGreaterThan(0);
    expect([...expected.outcomes.keys()].sort()).toEqual(['API_ERROR', 'HTTP_ERROR', 'REFUSAL', 'SUCCESS']);

    const result = await materialize(defs, { backend, state, projectDir });
    expectAllGreen(result);
    expect(result.assets).toHaveLength(10);
    expect(asset(result, 'bronze/RAW_CHAT_COMPLETIONS').metadata).toMatchObject({ filesLoaded: 2, malformedRows: expected.chat.malformed });
    expect(asset(result, 'silver/DT_COMPLETIONS').rowCount).toBe(expected.completionRows);
    await expectTablesMatch(expected);
  });

  it('has nothing to do on a stale re-run without new files', async () => {
    const again = await materialize(defs, { backend, state, projectDir, stale: true });
    expect(again.plan.steps).toEqual([]);
    expect(again.plan.skipped).toHaveLength(10);
  });

  it('loads only the new files when the next day arrives, and rebuilds what depends on them', async () => {
    const before = await one<{ loaded_at: Date; n: unknown }>('select max(loaded_at) as loaded_at, count(*) as n from bronze."RAW_CHAT_COMPLETIONS"');
    const newFiles = await generateOpenAiExports({ outDir: dataDir, scale: SCALE, days: [2] });
    const newDate = dayDate(DEFAULT_START_DATE, 2);

    const result = await materialize(defs, { backend, state, projectDir, stale: true });
    expectAllGreen(result);
    expect(result.assets).toHaveLength(10);
    for (const [key, source] of [['bronze/RAW_CHAT_COMPLETIONS', 'chat_completions'], ['bronze/RAW_BATCH_OUTPUTS', 'batch_outputs'], ['bronze/RAW_USAGE_BUCKETS', 'usage_buckets']] as const) {
      const metadata = asset(result, key).metadata as { filesLoaded: number; files: string[]; malformedRows: number };
      const added = newFiles.filter((f) => f.source === source);
      expect(metadata.filesLoaded).toBe(added.length);
      expect(metadata.files).toEqual(added.map((f) => `data/${f.path}`).sort());
      expect(metadata.malformedRows).toBe(added.reduce((n, f) => n + f.malformedLines, 0));
    }

    // Rows of the first two days were not reloaded: they keep their first load time.
    const kept = await one<{ first: Date; n: unknown; files: unknown }>(`
      select min(loaded_at) as first, count(*) filter (where loaded_at = (select min(loaded_at) from bronze."RAW_CHAT_COMPLETIONS")) as n,
             count(distinct source_file) filter (where loaded_at = (select min(loaded_at) from bronze."RAW_CHAT_COMPLETIONS")) as files
      from bronze."RAW_CHAT_COMPLETIONS"`);
    expect(kept.first).toEqual(before.loaded_at);
    expect(Number(kept.n)).toBe(Number(before.n));
    expect(Number(kept.files)).toBe(2);
    expect(await count(`select count(*) as n from bronze."RAW_CHAT_COMPLETIONS" where loaded_at > '${before.loaded_at.toISOString()}'::timestamptz::timestamp and source_file not like '%${newDate}%'`)).toBe(0);

    await expectTablesMatch(readExports(dataDir));
    const days = await backend.query(`select distinct strftime(bucket_date, '%Y-%m-%d') as d from gold."DT_DAILY_TOKEN_SUMMARY" order by d`);
    expect(days.map((r) => r.d)).toEqual([0, 1, 2].map((d) => dayDate(DEFAULT_START_DATE, d)));
  });
});
