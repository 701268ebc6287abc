// The pipeline's Snowflake SQL (VARIANT paths, LATERAL FLATTEN, TRY_PARSE_JSON, ...) run end
// to end through the real snowflake-sdk against the Snowflake test server, two ways:
// `materialize` with the Snowflake backend, and `deploy` as Dynamic Tables over bronze tables
// the backend loaded. Both must hold what the exports say (recomputed in JavaScript).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineAssets, materialize, MemoryStateStore, type Backend } from '@assay/core';
import { compileDynamicTables, deployDynamicTables, snowflake } from '@assay/snowflake';
import { startSnowflakeTestServer, type SnowflakeTestServer } from '@assay/snowflake/test-server';
import * as assets from '../assets/index.js';
import { generateOpenAiExports } from '../scripts/generate-openai-exports.js';
import { expectAllGreen, expectSilverAndGoldMatch, lowerRows } from './expect-outputs.js';
import { readExports, type ExpectedOutputs } from './read-exports.js';

const defs = defineAssets(assets);
const SILVER_AND_GOLD = ['silver/DT_COMPLETIONS', 'silver/DT_TOOL_CALLS', 'silver/DT_BATCH_OUTCOMES', 'silver/DT_USAGE_FLAT', 'gold/DT_DAILY_TOKEN_SUMMARY', 'gold/DT_TOOL_CALL_ANALYTICS', 'gold/DT_BATCH_SUMMARY'];

/** The shared silver and gold comparison, plus what only the Snowflake SQL derives differently. */
async function expectTablesMatch(backend: Backend, expected: ExpectedOutputs): Promise<void> {
  await expectSilverAndGoldMatch(backend, expected);
  // The batch id comes from the staged file's name (REGEXP_SUBSTR with a capture group).
  const [b] = await lowerRows(backend, "select count_if(batch_id is null or not startswith(batch_id, 'batch_')) as n from silver.dt_batch_outcomes");
  expect(Number(b!.n)).toBe(0);
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
