// The pipeline's Snowflake SQL (VARIANT paths, LATERAL FLATTEN, TRY_PARSE_JSON, ...) run end
// to end through the real snowflake-sdk against the Snowflake test server, two ways:
// `materialize` with the Snowflake backend, and `deploy` as Dynamic Tables over bronze tables
// the backend loaded. Both must hold what the exports say (recomputed in JavaScript).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineAssets, materialize, MemoryStateStore, type Backend, type RunResult } from '@assay/core';
import { compileDynamicTables, deployDynamicTables, snowflake } from '@assay/snowflake';
import { startSnowflakeTestServer, type SnowflakeTestServer } from '@assay/snowflake/test-server';
import * as assets from '../assets/index.js';
import { generateOpenAiExports } from '../scripts/generate-openai-exports.js';
import { readExports, type ExpectedOutputs } from './read-exports.js';

const defs = defineAssets(assets);
const SILVER_AND_GOLD = ['silver/DT_COMPLETIONS', 'silver/DT_TOOL_CALLS', 'silver/DT_BATCH_OUTCOMES', 'silver/DT_USAGE_FLAT', 'gold/DT_DAILY_TOKEN_SUMMARY', 'gold/DT_TOOL_CALL_ANALYTICS', 'gold/DT_BATCH_SUMMARY'];

function expectAllGreen(result: RunResult): void {
  const problems = result.assets.flatMap((a) => [
    ...(a.status === 'success' ? [] : [`${a.key}: ${a.status} ${a.error?.message ?? a.reason ?? ''}`]),
    ...a.checks.filter((c) => !c.passed).map((c) => `${a.key} check ${c.name}: ${c.message ?? ''}`),
  ]);
  expect(problems).toEqual([]);
  expect(result.status).toBe('success');
}

/** Compares the silver and gold tables on Snowflake with what the exports say. */
async function expectTablesMatch(backend: Backend, expected: ExpectedOutputs): Promise<void> {
  const one = async (text: string) => (await backend.query(text))[0]!;
  const c = await one(`
    select count(*) as n, count_if(is_refusal) as refusals, count_if(is_structured_output) as structured,
           count_if(has_tool_calls) as with_tools, count(distinct iff(choice_index = 1, completion_id, null)) as multi
    from silver.dt_completions`);
  expect([c.N, c.REFUSALS, c.STRUCTURED, c.WITH_TOOLS, c.MULTI].map(Number)).toEqual([
    expected.completionRows,
    expected.refusals,
    expected.structuredOutputs,
    expected.choicesWithToolCalls,
    expected.multiChoiceCompletions,
  ]);

  const t = await one('select count(*) as n, count_if(arguments_parsed is null) as unparseable, sum(argument_count) as args from silver.dt_tool_calls');
  expect([t.N, t.UNPARSEABLE, t.ARGS].map(Number)).toEqual([expected.toolCalls, expected.unparseableArguments, expected.argumentCountSum]);

  const outcomes = await backend.query('select outcome, count(*) as n from silver.dt_batch_outcomes group by outcome');
  expect(Object.fromEntries(outcomes.map((r) => [r.OUTCOME, Number(r.N)]))).toEqual(Object.fromEntries(expected.outcomes));
  expect(Number((await one('select count(*) as n from silver.dt_batch_outcomes where choice_index is null')).N)).toBe(expected.batchRowsWithoutChoice);
  // The batch id comes from the staged file's name (REGEXP_SUBSTR with a capture group).
  expect(Number((await one("select count_if(batch_id is null or not startswith(batch_id, 'batch_')) as n from silver.dt_batch_outcomes")).N)).toBe(0);

  expect(Number((await one('select count(*) as n from silver.dt_usage_flat')).N)).toBe(expected.usageRows);

  const daily = await backend.query(`
    select bucket_date as d, model, is_batch, sum(total_input_tokens) as input, sum(total_output_tokens) as output,
           sum(total_cached_tokens) as cached, sum(total_requests) as requests, sum(est_total_cost_usd) as cost
    from gold.dt_daily_token_summary group by all`);
  expect(daily).toHaveLength(expected.usageTotals.size);
  for (const row of daily) {
    const day = row.D instanceof Date ? row.D.toISOString().slice(0, 10) : String(row.D).slice(0, 10);
    const want = expected.usageTotals.get(`${day}|${row.MODEL}|${row.IS_BATCH}`);
    expect(want, `${day} ${row.MODEL} batch=${row.IS_BATCH}`).toBeDefined();
    expect([row.INPUT, row.OUTPUT, row.CACHED, row.REQUESTS].map(Number)).toEqual([want!.input, want!.output, want!.cached, want!.requests]);
    expect(Number(row.COST)).toBeCloseTo(want!.costUsd, 5);
  }

  const tca = await backend.query('select function_name, sum(invocation_count) as n from gold.dt_tool_call_analytics group by function_name');
  expect(Object.fromEntries(tca.map((r) => [r.FUNCTION_NAME, Number(r.N)]))).toEqual(Object.fromEntries(expected.callsByFunction));

  const bs = await backend.query('select outcome, sum(record_count) as n, sum(pct_of_total) as pct, sum(total_tokens_used) as tokens from gold.dt_batch_summary group by outcome');
  const batchRows = [...expected.outcomes.values()].reduce((a, b) => a + b, 0);
  for (const row of bs) {
    expect(Number(row.N)).toBe(expected.outcomes.get(String(row.OUTCOME)));
    expect(Number(row.PCT)).toBeCloseTo((100 * Number(row.N)) / batchRows, 1);
  }
  expect(bs.reduce((s, r) => s + Number(r.TOKENS), 0)).toBe(expected.batchTokens);
}

describe('openai-usage on Snowflake (test server)', () => {
  const projectDir = mkdtempSync(join(tmpdir(), 'assay-openai-usage-sf-'));
  let expected: ExpectedOutputs;
  let server: SnowflakeTestServer;
  let backend: Backend;

  beforeAll(async () => {
    await generateOpenAiExports({ outDir: join(projectDir, 'data'), scale: 0.5, days: [0, 1] });
    expected = readExports(join(projectDir, 'data'));
  });
  afterAll(() => rmSync(projectDir, { recursive: true, force: true }));

  async function connect(): Promise<void> {
    server = await startSnowflakeTestServer();
    backend = snowflake({ ...server.connectionOptions(), warehouse: 'TRANSFORM_WH' });
  }
  async function disconnect(): Promise<void> {
    await backend?.close();
    await server?.close();
  }

  describe('materialized by the Snowflake backend', () => {
    beforeAll(connect);
    afterAll(disconnect);

    it('builds bronze → silver → gold with every check passing and outputs matching the exports', async () => {
      const result = await materialize(defs, { backend, state: new MemoryStateStore(), projectDir });
      expectAllGreen(result);
      expect(result.assets).toHaveLength(10);
      await expectTablesMatch(backend, expected);
    });
  });

  describe('deployed as Dynamic Tables', () => {
    beforeAll(connect);
    afterAll(disconnect);

    it('creates seven dynamic tables with the playbook lags over the loaded bronze tables, holding the same data', async () => {
      expectAllGreen(await materialize(defs, { backend, state: new MemoryStateStore(), projectDir, select: 'group:bronze' }));

      const plan = compileDynamicTables(defs, { warehouse: 'TRANSFORM_WH', relation: (key) => backend.relation(key) });
      expect(plan.warnings).toEqual([]);
      expect(plan.skipped.map((s) => s.key).sort()).toEqual(['bronze/RAW_BATCH_OUTPUTS', 'bronze/RAW_CHAT_COMPLETIONS', 'bronze/RAW_USAGE_BUCKETS']);
      expect(plan.tables.map((t) => t.key).sort()).toEqual([...SILVER_AND_GOLD].sort());
      // Bound rate-card values are written into the DDL.
      expect(plan.tables.find((t) => t.key === 'gold/DT_DAILY_TOKEN_SUMMARY')!.query).toContain("cast('gpt-4o-mini' as varchar), cast(0.15 as double)");

      const result = await deployDynamicTables(plan, backend);
      expect(result.failure?.error.message).toBeUndefined();
      expect(result.status).toBe('success');
      expect(Object.fromEntries(server.dynamicTables().map((d) => [d.name, d.targetLag]))).toEqual({
        'ASSAY.SILVER.DT_COMPLETIONS': '5 minutes',
        'ASSAY.SILVER.DT_TOOL_CALLS': 'DOWNSTREAM',
        'ASSAY.SILVER.DT_BATCH_OUTCOMES': 'DOWNSTREAM',
        'ASSAY.SILVER.DT_USAGE_FLAT': 'DOWNSTREAM',
        'ASSAY.GOLD.DT_DAILY_TOKEN_SUMMARY': '5 minutes',
        'ASSAY.GOLD.DT_TOOL_CALL_ANALYTICS': '5 minutes',
        'ASSAY.GOLD.DT_BATCH_SUMMARY': '5 minutes',
      });
      await expectTablesMatch(backend, expected);
    });
  });
});
