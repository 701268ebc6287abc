/**
 * End to end at the test scale (1,000 customers, ~270k transactions): generate, materialize
 * into an in-memory DuckDB, and compare the outputs with figures computed independently —
 * plain SQL over the raw files (never the pipeline's SQL) or plain TypeScript.
 */
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineAssets, materialize, MemoryStateStore, type RunResult } from '@assay/core';
import { closeDatabase, duckdb, openDatabase } from '@assay/duckdb';
import * as assets from '../assets/index.js';
import { CHURN_FEATURE_COLUMNS, INTERCEPT } from '../assets/ml.js';
import { predictProbability, type LogisticModel } from '../assets/logistic-regression.js';
import { appendTransactions, generateData, readManifest, writeCustomerUpdates } from '../scripts/generate-data.js';

const defs = defineAssets(assets);
type Row = Record<string, unknown>;

let projectDir: string;
let raw: (text: string) => Promise<Row[]>;
let closeRaw: () => void;
const backend = duckdb({ path: ':memory:' });
const state = new MemoryStateStore();
const runs: RunResult[] = [];

/** The selection of `npm run stream` (package.json): the seed's five-minute stream task. */
const STREAM_SELECTION = '+gold/FCT_TRANSACTIONS';

/** Runs the pipeline on the shared in-memory database and state. */
async function run(options: { stale?: boolean; select?: string } = {}): Promise<RunResult> {
  const result = await materialize(defs, { backend, state, projectDir, concurrency: 2, ...options });
  runs.push(result);
  return result;
}

const q = (text: string) => backend.query(text);
const num = (v: unknown) => Number(v);
const asset = (r: RunResult, key: string) => r.assets.find((a) => a.key === key)!;
const tx = () => `read_parquet('${join(projectDir, 'data', 'transactions', '*.parquet')}')`;

/** The customer CSV parsed with plain string handling (DuckDB quotes nothing in it). */
function customersCsv(): Record<string, string>[] {
  const [header, ...lines] = readFileSync(join(projectDir, 'data', 'customers', 'customers.csv'), 'utf8').trim().split('\n');
  const cols = header!.split(',');
  return lines.map((l) => Object.fromEntries(l.split(',').map((v, i) => [cols[i], v])));
}

beforeAll(async () => {
  projectDir = await mkdtemp(join(tmpdir(), 'assay-c360-'));
  await generateData({ dataDir: join(projectDir, 'data'), customers: 1_000, seed: 42 });
  // An independent DuckDB for reference figures over the raw files.
  const instance = await openDatabase(':memory:');
  const conn = await instance.connect();
  raw = async (text) => (await conn.runAndReadAll(text)).getRowObjectsJS() as Row[];
  closeRaw = () => {
    conn.closeSync();
    closeDatabase(instance);
  };
});

afterAll(async () => {
  await backend.close();
  closeRaw?.();
  if (projectDir) await rm(projectDir, { recursive: true, force: true });
});

describe('customer-360 example', () => {
  it('generates the seed\'s segment shares exactly and ~270 transactions per customer', async () => {
    const customers = customersCsv();
    const bySegment = new Map<string, number>();
    for (const c of customers) bySegment.set(c.customer_segment!, (bySegment.get(c.customer_segment!) ?? 0) + 1);
    expect(Object.fromEntries(bySegment)).toEqual({
      'High-Value Travelers': 150,
      'Stable Mid-Spenders': 400,
      'Budget-Conscious': 250,
      Declining: 100,
      'New & Growing': 100,
    });
    const manifest = (await readManifest(join(projectDir, 'data')))!;
    expect(manifest.transactions / manifest.customers).toBeGreaterThan(200);
    expect(manifest.transactions / manifest.customers).toBeLessThan(340);
  });

  it('materializes every asset with all of the seed\'s validation checks passing', async () => {
    const result = await run();
    const failed = result.assets.filter((a) => a.status !== 'success' || a.checks.some((c) => !c.passed));
    expect(failed.map((a) => [a.key, a.error?.message, a.checks.filter((c) => !c.passed).map((c) => c.name)])).toEqual([]);
    expect(result.status).toBe('success');
    expect(result.assets).toHaveLength(defs.size);

    // The 12 seed checks (with the 8 null checks and value checks split out) on the raw transactions.
    const bronze = asset(result, 'bronze/BRONZE_TRANSACTIONS');
    const seedChecks = new Set(bronze.checks.map((c) => c.name.slice(0, 2)));
    expect([...seedChecks].sort()).toEqual(['01', '02', '03', '04', '05', '06', '07', '08', '09', '10', '11', '12']);
    expect(bronze.checks.filter((c) => c.name.startsWith('03_not_null_'))).toHaveLength(8);

    const [rawTx] = await raw(`select count(*) as n, sum(transaction_amount) filter (where status = 'approved') as spend from ${tx()}`);
    expect(bronze.rowCount).toBe(num(rawTx!.n));
    expect(asset(result, 'gold/FCT_TRANSACTIONS').rowCount).toBe(num(rawTx!.n));
    expect(asset(result, 'gold/DIM_CUSTOMER').rowCount).toBe(1_000);
  });

  it('builds the dimensions the seed describes', async () => {
    const [date] = await q('select count(*) as n, min(calendar_date) as lo, max(calendar_date) as hi, count(distinct date_key) as keys from gold.DIM_DATE');
    expect(num(date!.n)).toBe(580);
    expect(num(date!.keys)).toBe(580);
    expect((date!.lo as Date).toISOString().slice(0, 10)).toBe('2024-01-01');
    expect((date!.hi as Date).toISOString().slice(0, 10)).toBe('2025-08-02');

    const [categories] = await q('select count(*) as n, count(*) filter (where is_travel) as travel from gold.DIM_MERCHANT_CATEGORY');
    expect([num(categories!.n), num(categories!.travel)]).toEqual([12, 3]);

    const dim = await q('select customer_segment, count(*) as n from gold.DIM_CUSTOMER where is_current group by all order by all');
    const expected = new Map<string, number>();
    for (const c of customersCsv()) expected.set(c.customer_segment!, (expected.get(c.customer_segment!) ?? 0) + 1);
    expect(dim.map((r) => [r.customer_segment, num(r.n)])).toEqual([...expected].sort(([a], [b]) => (a < b ? -1 : 1)));
    const [versions] = await q('select count(*) as n, count(*) filter (where valid_to is null) as open from gold.DIM_CUSTOMER');
    expect([num(versions!.n), num(versions!.open)]).toEqual([1_000, 1_000]);
  });

  it('computes spend metrics that match the raw files', async () => {
    // Lifetime value: total approved spend, per customer and overall.
    const [ltv] = await q('select sum(historical_ltv) as total, count(*) as n from gold.METRIC_CUSTOMER_LTV');
    const [rawSpend] = await raw(`select sum(transaction_amount) as total from ${tx()} where status = 'approved'`);
    expect(num(ltv!.total)).toBeCloseTo(num(rawSpend!.total), 1);
    expect(num(ltv!.n)).toBe(1_000);
    const one = await q(`select customer_id, historical_ltv, lifetime_transactions from gold.METRIC_CUSTOMER_LTV where customer_id = 'CUST000007'`);
    const [rawOne] = await raw(`select sum(transaction_amount) filter (where status = 'approved') as s, count(*) as n from ${tx()} where customer_id = 'CUST000007'`);
    expect(num(one[0]!.historical_ltv)).toBeCloseTo(num(rawOne!.s), 2);
    expect(num(one[0]!.lifetime_transactions)).toBe(num(rawOne!.n));

    // Month over month: March 2025 against February 2025 for one customer.
    const [mom] = await q(`select spend, prev_month_spend, mom_change from gold.METRIC_MOM_SPEND_CHANGE where customer_id = 'CUST000007' and month_start = date '2025-03-01'`);
    const months = await raw(`select strftime(transaction_date, '%Y-%m') as m, sum(transaction_amount) as s from ${tx()}
      where customer_id = 'CUST000007' and status = 'approved' and transaction_date >= '2025-02-01' and transaction_date < '2025-04-01' group by 1 order by 1`);
    const feb = num(months.find((m) => m.m === '2025-02')?.s ?? 0);
    const mar = num(months.find((m) => m.m === '2025-03')?.s ?? 0);
    expect(num(mom!.spend)).toBeCloseTo(mar, 2);
    expect(num(mom!.prev_month_spend)).toBeCloseTo(feb, 2);
    expect(num(mom!.mom_change)).toBeCloseTo(mar - feb, 2);

    // Average ticket by month, segment and category.
    const [avg] = await q(`select avg_transaction_value, approved_transactions from gold.METRIC_AVG_TRANSACTION_VALUE
      where month_start = date '2024-07-01' and customer_segment = 'High-Value Travelers' and merchant_category = 'Airlines'`);
    const [rawAvg] = await raw(`select avg(t.transaction_amount) as a, count(*) as n from ${tx()} as t
      join read_csv('${join(projectDir, 'data', 'customers', 'customers.csv')}') as c using (customer_id)
      where c.customer_segment = 'High-Value Travelers' and t.merchant_category = 'Airlines' and t.status = 'approved'
        and t.transaction_date >= '2024-07-01' and t.transaction_date < '2024-08-01'`);
    expect(num(avg!.avg_transaction_value)).toBeCloseTo(num(rawAvg!.a), 2);
    expect(num(avg!.approved_transactions)).toBe(num(rawAvg!.n));
  });

  it('computes rolling 90-day segment metrics and the 360 profile', async () => {
    const segments = await q('select * from gold.CUSTOMER_SEGMENTS order by customer_segment');
    expect(segments).toHaveLength(5);
    const reference = await raw(`
      with t as (select * from ${tx()}), c as (select * from read_csv('${join(projectDir, 'data', 'customers', 'customers.csv')}'))
      select c.customer_segment, count(*) as n, sum(t.transaction_amount) filter (where t.status = 'approved') as spend, count(distinct t.customer_id) as active
      from t join c using (customer_id)
      where t.transaction_date > (select max(transaction_date) from t) - interval 90 day
      group by 1 order by 1`);
    expect(segments.map((s) => [s.customer_segment, num(s.transactions_90d), num(s.active_customers_90d)])).toEqual(
      reference.map((r) => [r.customer_segment, num(r.n), num(r.active)]),
    );
    segments.forEach((s, i) => expect(num(s.spend_90d)).toBeCloseTo(num(reference[i]!.spend), 1));
    // Decliners are the least active segment by now.
    const declining = segments.find((s) => s.customer_segment === 'Declining')!;
    const stable = segments.find((s) => s.customer_segment === 'Stable Mid-Spenders')!;
    expect(num(declining.active_customers_90d) / num(declining.customers)).toBeLessThan(num(stable.active_customers_90d) / num(stable.customers));

    const [profile] = await q(`select count(*) as n, count(distinct customer_id) as ids from gold.CUSTOMER_360_PROFILE`);
    expect([num(profile!.n), num(profile!.ids)]).toEqual([1_000, 1_000]);
    const [p] = await q(`select favorite_category_90d::varchar as fav, transactions_90d from gold.CUSTOMER_360_PROFILE where customer_id = 'CUST000007'`);
    const cats = await raw(`select merchant_category as c, count(*) as n from ${tx()}
      where customer_id = 'CUST000007' and transaction_date > (select max(transaction_date) from ${tx()}) - interval 90 day group by 1`);
    const max = Math.max(...cats.map((c) => num(c.n)));
    expect(cats.filter((c) => num(c.n) === max).map((c) => c.c)).toContain(p!.fav);
  });

  it('trains a churn model whose holdout AUC, recomputed here, beats chance', async () => {
    const model = asset(runs[0]!, 'ml/CHURN_MODEL');
    const meta = model.metadata as { auc: number; accuracy: number; logLoss: number; holdoutRows: number };
    expect(meta.auc).toBeGreaterThan(0.5);
    expect(meta.auc).toBeGreaterThan(0.75);
    expect(meta.holdoutRows).toBeGreaterThan(100);

    // AUC by brute force over every (churned, retained) pair of the holdout, from the stored coefficients.
    const coef = await q('select * from ml.CHURN_MODEL');
    const stored = (f: string) => coef.find((c) => c.feature === f)!;
    const m: LogisticModel = {
      features: [...CHURN_FEATURE_COLUMNS],
      intercept: num(stored(INTERCEPT).coefficient),
      coefficients: CHURN_FEATURE_COLUMNS.map((f) => num(stored(f).coefficient)),
      means: CHURN_FEATURE_COLUMNS.map((f) => num(stored(f).mean)),
      stds: CHURN_FEATURE_COLUMNS.map((f) => num(stored(f).std)),
      iterations: 0,
      converged: true,
    };
    const holdout = await q(`select * from ml.CHURN_FEATURES where snapshot = 'train' and churned is not null and hash(customer_id) % 5 = 0`);
    const scored = holdout.map((r) => ({ p: predictProbability(m, CHURN_FEATURE_COLUMNS.map((f) => num(r[f]))), y: r.churned === true }));
    const pos = scored.filter((s) => s.y);
    const neg = scored.filter((s) => !s.y);
    let wins = 0;
    for (const a of pos) for (const b of neg) wins += a.p > b.p ? 1 : a.p === b.p ? 0.5 : 0;
    expect(wins / (pos.length * neg.length)).toBeCloseTo(meta.auc, 3);
    // Churn is rare (a few percent), so accuracy says little; the log loss must beat a model
    // that only knows the churn rate.
    const rate = pos.length / scored.length;
    expect(meta.logLoss).toBeLessThan(-(rate * Math.log(rate) + (1 - rate) * Math.log(1 - rate)));
    expect(meta.accuracy).toBeGreaterThan(0.8);

    // Predictions are scored in SQL from the same coefficients.
    const predictions = await q(`select p.churn_probability, f.* from gold.CHURN_PREDICTIONS as p
      join ml.CHURN_FEATURES as f on f.customer_id = p.customer_id and f.snapshot = 'score' order by p.customer_id limit 25`);
    for (const r of predictions) expect(num(r.churn_probability)).toBeCloseTo(predictProbability(m, CHURN_FEATURE_COLUMNS.map((f) => num(r[f]))), 5);
    const [tiers] = await q(`select count(*) as n, count(*) filter (where churn_risk = 'High') as high,
      avg(churn_probability) filter (where customer_segment = 'Declining') as declining, avg(churn_probability) filter (where customer_segment = 'Stable Mid-Spenders') as stable
      from gold.CHURN_PREDICTIONS`);
    expect(num(tiers!.n)).toBe(1_000);
    expect(num(tiers!.high)).toBeGreaterThan(0);
    expect(num(tiers!.declining)).toBeGreaterThan(num(tiers!.stable));
  });

  it('has nothing to do on a stale re-run', async () => {
    const again = await run({ stale: true });
    expect(again.plan.steps).toEqual([]);
    expect(again.plan.skipped).toHaveLength(defs.size);
  });

  it('appends 1% new transactions incrementally and keeps every aggregate right', async () => {
    const before = num((await q('select count(*) as n from gold.FCT_TRANSACTIONS'))[0]!.n);
    const batch = await appendTransactions({ dataDir: join(projectDir, 'data'), percent: 1 });
    expect(batch.rows).toBe(Math.round(before / 100));
    // The seed's five-minute stream task (`npm run stream`): new files into the fact, nothing else.
    const scripts = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).scripts;
    expect(scripts.stream).toBe(`assets materialize --select "${STREAM_SELECTION}" --stale`);
    const stream = await run({ select: STREAM_SELECTION, stale: true });
    expect(stream.status).toBe('success');
    expect(stream.plan.steps.map((s) => s.key)).toEqual(['bronze/BRONZE_TRANSACTIONS', 'silver/STG_TRANSACTIONS', 'gold/FCT_TRANSACTIONS']);
    const bronze = asset(stream, 'bronze/BRONZE_TRANSACTIONS');
    expect(bronze.metadata).toMatchObject({ filesLoaded: 1, rowsLoaded: batch.rows });
    // Data-set statistics wait for a full load or `assets check`; the batch's rows are checked.
    expect(bronze.checks.filter((c) => c.skipped).map((c) => c.name)).toEqual([
      '04_every_customer_has_transactions',
      '08_approved_share_about_97_pct',
      '09_channel_mix',
      '10_merchant_category_mix',
      '11_segment_patterns',
      '12_monthly_trend',
    ]);
    expect(bronze.checks.every((c) => c.passed)).toBe(true);
    const fact = asset(stream, 'gold/FCT_TRANSACTIONS');
    expect(fact.metadata).toMatchObject({ fullRefresh: false, rowsInserted: batch.rows });
    expect(fact.rowCount).toBe(before + batch.rows);

    // Then the aggregates catch up on the next stale run; the raw layer has nothing new.
    const result = await run({ stale: true });
    expect(result.status).toBe('success');
    const ran = result.plan.steps.map((s) => s.key);
    expect(ran).toContain('gold/METRIC_CUSTOMER_LTV');
    expect(ran).not.toContain('bronze/BRONZE_TRANSACTIONS');
    expect(ran).not.toContain('gold/FCT_TRANSACTIONS');
    expect(ran).not.toContain('gold/DIM_CUSTOMER');
    expect(ran).not.toContain('bronze/BRONZE_CUSTOMERS');
    expect(ran).not.toContain('gold/DIM_DATE');
    // The rollup recomputed only the customer-months the batch touched, and still equals a
    // rollup of the whole fact.
    const monthly = asset(result, 'gold/INT_CUSTOMER_MONTHLY');
    expect(monthly.metadata).toMatchObject({ fullRefresh: false });
    expect(num(monthly.metadata?.rowsInserted)).toBeGreaterThan(0);
    expect(num(monthly.metadata?.rowsInserted)).toBeLessThan(num(monthly.rowCount) / 2);
    const [diff] = await q(`select count(*) as n from (
      (select customer_id, month_start, transactions, spend from gold.INT_CUSTOMER_MONTHLY
       except select customer_id, cast(date_trunc('month', transaction_date) as date), count(*), coalesce(sum(transaction_amount) filter (where is_approved), 0) from gold.FCT_TRANSACTIONS group by all)
      union all
      (select customer_id, cast(date_trunc('month', transaction_date) as date), count(*), coalesce(sum(transaction_amount) filter (where is_approved), 0) from gold.FCT_TRANSACTIONS group by all
       except select customer_id, month_start, transactions, spend from gold.INT_CUSTOMER_MONTHLY))`);
    expect(num(diff!.n)).toBe(0);

    const [rawTx] = await raw(`select count(*) as n, sum(transaction_amount) filter (where status = 'approved') as spend, max(transaction_date) as last from ${tx()}`);
    expect(fact.rowCount).toBe(num(rawTx!.n));
    const [ltv] = await q('select sum(historical_ltv) as total from gold.METRIC_CUSTOMER_LTV');
    expect(num(ltv!.total)).toBeCloseTo(num(rawTx!.spend), 1);
    const [seg] = await q('select max(as_of_date) as d from gold.CUSTOMER_SEGMENTS');
    expect((seg!.d as Date).toISOString().slice(0, 10)).toBe((rawTx!.last as Date).toISOString().slice(0, 10));
    // The new month is partial: it shows up flagged, and the profile keeps the last complete month.
    const [july] = await q(`select count(*) as n, bool_and(is_partial_month) as partial from gold.METRIC_MOM_SPEND_CHANGE where month_start = date '2025-07-01'`);
    expect(num(july!.n)).toBeGreaterThan(0);
    expect(july!.partial).toBe(true);
  });

  it('records customer changes as new SCD2 versions', async () => {
    // Between the training snapshot (~90 days before the newest transaction) and the scoring one.
    const updatedAt = '2025-06-15 00:00:00';
    const changes = await writeCustomerUpdates({ dataDir: join(projectDir, 'data'), fraction: 0.05, updatedAt });
    expect(changes.rows).toBeGreaterThan(20);
    const result = await run({ stale: true });
    expect(result.status).toBe('success');
    expect(asset(result, 'gold/DIM_CUSTOMER').metadata).toMatchObject({ rowsUpdated: changes.rows, rowsInserted: changes.rows });

    const [dim] = await q(`select count(*) as n, count(*) filter (where is_current) as cur, count(*) filter (where valid_to = timestamp '${updatedAt}') as closed from gold.DIM_CUSTOMER`);
    expect([num(dim!.n), num(dim!.cur), num(dim!.closed)]).toEqual([1_000 + changes.rows, 1_000, changes.rows]);

    // The profile shows today's record; the training snapshot (before the change) the old one.
    const changed = await raw(`select customer_id, credit_limit::decimal(12, 2) as credit_limit, card_type, city
      from read_csv('${join(projectDir, 'data', changes.file)}', all_varchar = true) order by customer_id limit 10`);
    for (const c of changed) {
      const [p] = await q(`select credit_limit, card_type, city from gold.CUSTOMER_360_PROFILE where customer_id = '${String(c.customer_id)}'`);
      expect([num(p!.credit_limit), p!.card_type, p!.city]).toEqual([num(c.credit_limit), c.card_type, c.city]);
    }
    const raised = await q(`select d.customer_id, d.credit_limit as old_limit, n.credit_limit as new_limit
      from gold.DIM_CUSTOMER as d join gold.DIM_CUSTOMER as n on n.customer_id = d.customer_id and n.is_current
      where not d.is_current and n.credit_limit > d.credit_limit limit 1`);
    expect(raised).toHaveLength(1);
    const id = String(raised[0]!.customer_id);
    const [train] = await q(`select credit_utilization_30d, exp(log_spend_30d) - 1 as spend from ml.CHURN_FEATURES where customer_id = '${id}' and snapshot = 'train'`);
    expect(num(train!.credit_utilization_30d)).toBeCloseTo(num(train!.spend) / num(raised[0]!.old_limit), 4);
  });

  it('stops at the raw layer when a new batch breaks the seed\'s checks', async () => {
    const factBefore = num((await q('select count(*) as n from gold.FCT_TRANSACTIONS'))[0]!.n);
    const file = join(projectDir, 'data', 'transactions', 'transactions_bad_batch.parquet');
    // A re-sent transaction id and a negative amount.
    await raw(`copy (
      select * replace (transaction_date + interval 1 hour as transaction_date) from ${tx()} where transaction_id = (select max(transaction_id) from ${tx()})
      union all
      select * replace (transaction_id + 1 as transaction_id, transaction_date + interval 1 hour as transaction_date, -12.5::decimal(10, 2) as transaction_amount)
      from ${tx()} where transaction_id = (select max(transaction_id) from ${tx()})
    ) to '${file}' (format parquet)`);
    const result = await run({ stale: true });
    expect(result.status).toBe('failed');
    const bronze = asset(result, 'bronze/BRONZE_TRANSACTIONS');
    expect(bronze.checks.filter((c) => !c.passed).map((c) => [c.name, c.failingRows])).toEqual([
      ['02_unique_transaction_id', 1],
      ['07_amount_positive_below_10k', 1],
    ]);
    expect(asset(result, 'gold/FCT_TRANSACTIONS').status).toBe('skipped');
    expect(num((await q('select count(*) as n from gold.FCT_TRANSACTIONS'))[0]!.n)).toBe(factBefore);
  });
});
