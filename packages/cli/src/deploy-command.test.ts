import { startSnowflakeTestServer, type SnowflakeTestServer } from '@assay/snowflake/test-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyFixture, parseJson, removeDir, runBin, type BinResult } from './__tests__/cli-harness.js';
import type { DeployJson } from './commands/deploy-command.js';
import type { AssetStatusJson } from './commands/status-command.js';

// test-fixtures/snowflake: seed 001's pipeline in Snowflake SQL, with a `prod` target on the
// Snowflake test server (through the real snowflake-sdk), a TypeScript asset that is never
// deployed and a broken asset whose CREATE fails.

let dir: string;
let server: SnowflakeTestServer;
let env: Record<string, string>;

beforeAll(async () => {
  dir = copyFixture('snowflake');
  server = await startSnowflakeTestServer();
  env = { ASSAY_TEST_SNOWFLAKE_URL: server.accessUrl };
});

afterAll(async () => {
  await server?.close();
  if (dir) removeDir(dir);
});

const deploy = (args: readonly string[], extraEnv: Record<string, string | undefined> = env): Promise<BinResult> => runBin(['deploy', '--target', 'prod', ...args], { cwd: dir, env: extraEnv });

describe('assets deploy --dry-run', () => {
  it('prints a runnable script: the plan as comments, the DDL upstream first, the compensation commented out', async () => {
    // The URL points nowhere: a dry run must not connect.
    const r = await deploy(['--dry-run', '-x', 'group:broken'], { ASSAY_TEST_SNOWFLAKE_URL: 'http://127.0.0.1:9' });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const statements = r.stdout.split(/;\n/).map((s) => s.trim()).filter((s) => s && !s.split('\n').every((l) => l.startsWith('--')));
    const uncommented = (text: string) => text.split('\n').filter((l) => !l.startsWith('--')).join('\n').trim();
    expect(statements.map((s) => uncommented(s).split('\n')[0])).toEqual([
      'CREATE SCHEMA IF NOT EXISTS "ASSAY"."STAGING"',
      'CREATE SCHEMA IF NOT EXISTS "ASSAY"."ANALYTICS"',
      'CREATE OR REPLACE DYNAMIC TABLE "ASSAY"."STAGING"."CLEANED_ORDERS"',
      'CREATE OR REPLACE DYNAMIC TABLE "ASSAY"."STAGING"."ENRICHED_ORDERS"',
      'CREATE OR REPLACE DYNAMIC TABLE "ASSAY"."ANALYTICS"."ORDER_SUMMARY"',
    ]);
    expect(r.stdout).toContain([
      'CREATE OR REPLACE DYNAMIC TABLE "ASSAY"."STAGING"."CLEANED_ORDERS"',
      '  TARGET_LAG = DOWNSTREAM',
      '  WAREHOUSE = TRANSFORM_WH',
      '  REFRESH_MODE = INCREMENTAL',
      '  AS',
      '    select order_id, trim(customer_id) as customer_id, order_date, round(total_amount, 2) as total_amount, upper(status) as status',
      '    from "ASSAY"."RAW"."ORDERS"',
      '    where order_date is not null;',
    ].join('\n'));
    expect(r.stdout).toContain("  TARGET_LAG = '30 minutes'\n  WAREHOUSE = TRANSFORM_WH\n  REFRESH_MODE = AUTO\n");
    expect(r.stdout).toContain("where status <> 'CANCELLED'");
    // The plan, as comments.
    expect(r.stdout).toMatch(/^-- assets deploy --target prod \(dry run\): 3 dynamic table\(s\), refreshed by warehouse TRANSFORM_WH$/m);
    expect(r.stdout).toMatch(/^-- 3 +analytics\/order_summary +30 minutes +AUTO +leaf: freshness '30 minutes'$/m);
    expect(r.stdout).toMatch(/^-- ml\/churn_score +TypeScript compute asset/m);
    expect(r.stdout).toMatch(/^-- Reads regular tables: "ASSAY"."RAW"."CUSTOMERS" \(raw\/customers\), "ASSAY"."RAW"."ORDERS" \(raw\/orders\)$/m);
    // Compensation, downstream first, never executable as printed.
    const drops = r.stdout.split('\n').filter((l) => l.includes('DROP DYNAMIC TABLE'));
    expect(drops).toEqual([
      '-- DROP DYNAMIC TABLE IF EXISTS "ASSAY"."ANALYTICS"."ORDER_SUMMARY";',
      '-- DROP DYNAMIC TABLE IF EXISTS "ASSAY"."STAGING"."ENRICHED_ORDERS";',
      '-- DROP DYNAMIC TABLE IF EXISTS "ASSAY"."STAGING"."CLEANED_ORDERS";',
    ]);
    expect(server.stats.logins).toBe(0);
  });

  it('compiles without the target\'s environment, and prints the plan as JSON', async () => {
    const r = await deploy(['--dry-run', '--json', '-s', 'analytics/order_summary', '--warehouse', 'XS_WH', '--refresh-mode', 'full'], {});
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/^note: target "prod" was not created \(Environment variable ASSAY_TEST_SNOWFLAKE_URL is not set/);
    const out = parseJson<DeployJson>(r);
    expect(Object.keys(out).sort()).toEqual(['compensation', 'dryRun', 'failure', 'inputs', 'setup', 'skipped', 'status', 'tables', 'target', 'warnings']);
    expect(out).toMatchObject({ target: 'prod', dryRun: true, status: 'planned', failure: null, skipped: [], inputs: [] });
    expect(out.tables).toHaveLength(1);
    expect(out.tables[0]).toMatchObject({ key: 'analytics/order_summary', relation: '"ANALYTICS"."ORDER_SUMMARY"', targetLag: '30 minutes', refreshMode: 'FULL', deployed: false, action: null });
    expect(out.tables[0]!.ddl).toContain('WAREHOUSE = XS_WH');
    expect(out.compensation).toEqual(['DROP DYNAMIC TABLE IF EXISTS "ANALYTICS"."ORDER_SUMMARY"']);
  });

  it('exits 2 with a clear message for a leaf without a lag, a non-Snowflake target, or a bad option', async () => {
    // Independent processes: run them side by side.
    const [leaf, withDefault, dev, mode] = await Promise.all([
      deploy(['--dry-run', '-s', 'broken/no_lag'], env),
      deploy(['--dry-run', '-s', 'broken/no_lag', '--default-lag', '2h'], env),
      runBin(['deploy', '--dry-run'], { cwd: dir, env }),
      deploy(['--dry-run', '--refresh-mode', 'sometimes'], env),
    ]);
    expect(leaf.code).toBe(2);
    expect(leaf.stdout).toBe('');
    expect(leaf.stderr).toMatch(/^error \[ASSAY_INVALID_DEFINITION\]: Asset "broken\/no_lag": no dynamic table reads it, so it needs a time-based freshness target/);
    expect(leaf.stderr).toContain("--default-lag '1 hour'");
    expect(withDefault.code).toBe(0);
    expect(withDefault.stdout).toContain("TARGET_LAG = '2 hours'");
    expect(dev.code).toBe(2);
    expect(dev.stderr).toMatch(/^error \[ASSAY_CONFIG\]: Target "dev" is a duckdb backend; assets deploy creates Snowflake Dynamic Tables/);
    expect(mode.code).toBe(2);
    expect(mode.stderr).toMatch(/^error \[ASSAY_CONFIG\]: Unknown refresh mode "SOMETIMES"\n {2}hint: Use AUTO, INCREMENTAL or FULL\./);
  });
});

describe('assets deploy on the Snowflake test server', () => {
  it('creates the dynamic tables upstream first', async () => {
    // The sources: seed 001's raw tables, as a loader would have left them.
    for (const statement of [
      'create schema if not exists "ASSAY"."RAW"',
      'create table "ASSAY"."RAW"."ORDERS" (order_id integer, customer_id varchar, order_date date, total_amount decimal(10, 3), status varchar)',
      "insert into \"ASSAY\".\"RAW\".\"ORDERS\" values (1, ' c1 ', '2024-05-01', 10.004, 'shipped'), (2, 'c2', '2024-05-01', 5, 'cancelled'), (3, 'c2', null, 7, 'shipped'), (4, 'c1', '2024-05-02', 2.5, 'shipped'), (5, 'c2', '2024-05-03', 4, 'shipped')",
      'create table "ASSAY"."RAW"."CUSTOMERS" (customer_id varchar, segment varchar)',
      "insert into \"ASSAY\".\"RAW\".\"CUSTOMERS\" values ('c1', 'retail'), ('c2', 'wholesale')",
    ]) await server.execute(statement);

    const r = await deploy(['-x', 'group:broken'], env);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Deploying 3 dynamic table\(s\) to prod \(warehouse TRANSFORM_WH\)$/m);
    const progress = r.stdout.split('\n').filter((l) => l.startsWith('✓ '));
    expect(progress.map((l) => l.split(/\s+/).slice(1, 4))).toEqual([
      ['staging/cleaned_orders', '"ASSAY"."STAGING"."CLEANED_ORDERS"', 'created'],
      ['staging/enriched_orders', '"ASSAY"."STAGING"."ENRICHED_ORDERS"', 'created'],
      ['analytics/order_summary', '"ASSAY"."ANALYTICS"."ORDER_SUMMARY"', 'created'],
    ]);
    expect(r.stdout).toMatch(/^Deployed 3 dynamic table\(s\) to prod in .+\.$/m);
    expect(server.dynamicTables().map((d) => [d.name, d.targetLag, d.refreshMode, d.warehouse])).toEqual([
      ['ASSAY.STAGING.CLEANED_ORDERS', 'DOWNSTREAM', 'INCREMENTAL', 'TRANSFORM_WH'],
      ['ASSAY.STAGING.ENRICHED_ORDERS', 'DOWNSTREAM', 'AUTO', 'TRANSFORM_WH'],
      ['ASSAY.ANALYTICS.ORDER_SUMMARY', '30 minutes', 'AUTO', 'TRANSFORM_WH'],
    ]);
    // The server ran each query once at creation: the leaf holds the pipeline's result.
    const summary = await server.execute('select * from "ASSAY"."ANALYTICS"."ORDER_SUMMARY" order by 1');
    expect(summary.map((row) => Object.values(row).map((v) => (typeof v === 'string' ? v : Number(v))))).toEqual([
      ['retail', 2, 12.5],
      ['wholesale', 1, 4],
    ]);
  });

  it('reports dynamic tables in status, with a note where the refresh history is unavailable', async () => {
    // One after the other: both open the project's state store, which takes one process at a time.
    const r = await runBin(['status', '--target', 'prod', '--json'], { cwd: dir, env });
    const text = await runBin(['status', '--target', 'prod', '-s', 'analytics/order_summary'], { cwd: dir, env });
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/^note: refresh history unavailable \(INFORMATION_SCHEMA\.DYNAMIC_TABLE_REFRESH_HISTORY\(\): .+\); refresh states are not shown$/m);
    const statuses = parseJson<AssetStatusJson[]>(r);
    const byKey = new Map(statuses.map((s) => [s.key, s]));
    expect(byKey.get('raw/orders')!.dynamicTable).toBeNull();
    expect(byKey.get('ml/churn_score')!.dynamicTable).toBeNull();
    expect(byKey.get('staging/cleaned_orders')!.dynamicTable).toMatchObject({ relation: '"ASSAY"."STAGING"."CLEANED_ORDERS"', targetLag: 'DOWNSTREAM', refreshMode: 'INCREMENTAL', schedulingState: 'RUNNING', lastRefresh: null });
    const summary = byKey.get('analytics/order_summary')!;
    // REFRESH_MODE = AUTO, as the server resolved it.
    expect(summary.dynamicTable).toMatchObject({ targetLag: '30 minutes', refreshMode: 'FULL', schedulingState: 'RUNNING' });
    // Never built by `assets materialize`, yet fresh: Snowflake refreshed it just now.
    expect(summary.lastMaterialization).toBeNull();
    expect(summary.freshness).toMatchObject({ targetLag: '30 minutes', fresh: true });

    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^ASSET .* DYNAMIC TABLE$/m);
    expect(text.stdout).toMatch(/^analytics\/order_summary .* fresh \(30 minutes\) .* running, lag 30 minutes, FULL, data as of \d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/m);
  });

  it('stops at a failing statement and prints what was created and how to undo it', async () => {
    const r = await deploy(['-s', 'broken/no_such_column or staging/cleaned_orders', '--json'], env);
    expect(r.code).toBe(1);
    const out = parseJson<DeployJson>(r);
    expect(out.status).toBe('failed');
    expect(out.tables.map((t) => [t.key, t.deployed, t.action])).toEqual([
      ['staging/cleaned_orders', true, 'replaced'],
      ['broken/no_such_column', false, null],
    ]);
    expect(out.failure).toMatchObject({ key: 'broken/no_such_column', code: 'ASSAY_SQL' });
    expect(out.failure!.message).toMatch(/invalid identifier 'NO_SUCH_COLUMN'/);
    expect(out.compensation).toEqual(['DROP DYNAMIC TABLE IF EXISTS "ASSAY"."STAGING"."CLEANED_ORDERS"']);
    expect(r.stderr).toMatch(/^✗ broken\/no_such_column \[ASSAY_SQL\]: .*invalid identifier 'NO_SUCH_COLUMN'/m);

    const text = await deploy(['-s', 'broken/no_such_column'], env);
    expect(text.code).toBe(1);
    expect(text.stdout).toMatch(/^Deploy failed: 0 dynamic table\(s\) created, 0 statement\(s\) not run\.$/m);
  });
});
