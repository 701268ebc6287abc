#!/usr/bin/env node
// DuckDB overhead benchmark (issue 3): a 20-asset pipeline over ~10M rows materialized
// through Assay vs the same SQL run bare on DuckDB (CREATE OR REPLACE TABLE, in topological
// order, one connection, with the settings the backend opens with). Runs alternate (bare,
// assay, bare, assay, ...) on fresh database files so drift affects both sides alike;
// medians and the ratio are printed.
// Usage: node test/bench/duckdb-overhead.bench.mjs [--rows 10000000] [--rounds 3] [--concurrency 1]
// Target: Assay / bare ≤ 1.05.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { DuckDBInstance } from '@duckdb/node-api';
import { defineAssets, materialize, sql, sqlAsset, raw } from '../../packages/core/dist/index.js';
import { duckdb, duckDbConfig } from '../../packages/duckdb/dist/index.js';

const { values } = parseArgs({ options: { rows: { type: 'string', default: '10000000' }, rounds: { type: 'string', default: '3' }, concurrency: { type: 'string', default: '1' } } });
const ROWS = Number(values.rows);
const ROUNDS = Number(values.rounds);
const CONCURRENCY = Number(values.concurrency);

/** The pipeline as [key, deps, sql-with-{key}-placeholders]; one definition serves both sides. */
const PIPELINE = [
  ['raw/users', [], `select i as user_id, 'c' || (i % 40) as country, (i % 7) as segment, date '2024-01-01' + cast(i % 365 as integer) as signup_date from range(200000) t(i)`],
  ['raw/events', [], `select i as event_id, hash(i) % 200000 as user_id, timestamp '2024-01-01' + to_seconds(cast(i % 31536000 as bigint)) as ts, (hash(i * 7) % 5) as event_type, (hash(i * 13) % 10000) / 100.0 as amount from range(${ROWS}) t(i)`],
  ['bronze/users', ['raw/users'], `select user_id, upper(country) as country, segment, signup_date from {raw/users}`],
  ['bronze/events', ['raw/events'], `select event_id, user_id, ts, cast(ts as date) as day, event_type, amount from {raw/events} where amount >= 0`],
  ['silver/events_enriched', ['bronze/events', 'bronze/users'], `select e.*, u.country, u.segment from {bronze/events} e join {bronze/users} u using (user_id)`],
  ['silver/daily_user', ['silver/events_enriched'], `select day, user_id, count(*) as events, sum(amount) as amount from {silver/events_enriched} group by all`],
  ['silver/daily_country', ['silver/events_enriched'], `select day, country, count(*) as events, sum(amount) as amount from {silver/events_enriched} group by all`],
  ['silver/user_totals', ['silver/daily_user'], `select user_id, sum(events) as events, sum(amount) as amount, count(*) as active_days from {silver/daily_user} group by all`],
  ['silver/event_types', ['bronze/events'], `select event_type, count(*) as n, avg(amount) as avg_amount from {bronze/events} group by all`],
  ['silver/hourly', ['bronze/events'], `select date_trunc('hour', ts) as hour, count(*) as n, sum(amount) as amount from {bronze/events} group by all`],
  ['silver/segment_daily', ['silver/events_enriched'], `select day, segment, sum(amount) as amount from {silver/events_enriched} group by all`],
  ['gold/daily_revenue', ['silver/daily_country'], `select day, sum(amount) as revenue, sum(events) as events from {silver/daily_country} group by all`],
  ['gold/country_revenue', ['silver/daily_country'], `select country, sum(amount) as revenue from {silver/daily_country} group by all`],
  ['gold/top_users', ['silver/user_totals', 'bronze/users'], `select t.*, u.country from {silver/user_totals} t join {bronze/users} u using (user_id) order by amount desc limit 1000`],
  ['gold/activity_buckets', ['silver/user_totals'], `select least(active_days, 50) as bucket, count(*) as users from {silver/user_totals} group by all`],
  ['gold/type_mix', ['silver/event_types'], `select event_type, n * 1.0 / sum(n) over () as share from {silver/event_types}`],
  ['gold/hourly_profile', ['silver/hourly'], `select hour(hour) as hour_of_day, avg(n) as avg_events from {silver/hourly} group by all`],
  ['gold/segment_trend', ['silver/segment_daily'], `select segment, date_trunc('month', day) as month, sum(amount) as amount from {silver/segment_daily} group by all`],
  ['gold/running_revenue', ['gold/daily_revenue'], `select day, sum(revenue) over (order by day) as cumulative_revenue from {gold/daily_revenue}`],
  ['gold/kpis', ['gold/daily_revenue', 'gold/country_revenue'], `select (select sum(revenue) from {gold/daily_revenue}) as revenue, (select count(*) from {gold/country_revenue}) as countries`],
];

const rel = (key) => key.split('/').map((s) => `"${s}"`).join('.');
const bareSql = (text) => text.replace(/\{([^}]+)\}/g, (_, k) => rel(k));

function assayDefs() {
  const defs = new Map();
  for (const [key, deps, text] of PIPELINE) {
    // Split on {key} placeholders and interpolate the asset definitions, as a user would.
    const parts = text.split(/\{([^}]+)\}/);
    const strings = parts.filter((_, i) => i % 2 === 0);
    const refs = parts.filter((_, i) => i % 2 === 1).map((k) => defs.get(k));
    defs.set(key, sqlAsset({ key, deps })(Object.assign([...strings], { raw: strings }), ...refs));
  }
  return defineAssets([...defs.values()]);
}

async function runBare(path) {
  // The backend's own settings (insertion order off): the ratio is Assay's work, not a setting.
  const instance = await DuckDBInstance.create(path, duckDbConfig({}));
  const conn = await instance.connect();
  const t = performance.now();
  for (const schema of ['raw', 'bronze', 'silver', 'gold']) await conn.run(`create schema if not exists "${schema}"`);
  for (const [key, , text] of PIPELINE) await conn.run(`create or replace table ${rel(key)} as ${bareSql(text)}`);
  const ms = performance.now() - t;
  conn.closeSync();
  instance.closeSync();
  return ms;
}

async function runAssay(path, defs) {
  const backend = duckdb({ path });
  const t = performance.now();
  const result = await materialize(defs, { backend, concurrency: CONCURRENCY });
  const ms = performance.now() - t;
  await backend.close();
  if (result.status !== 'success') throw new Error(`assay run ${result.status}: ${JSON.stringify(result.assets.filter((a) => a.status !== 'success'))}`);
  return ms;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const defs = assayDefs();
void sql; void raw;
const dir = mkdtempSync(join(tmpdir(), 'assay-overhead-'));
const bare = [];
const assay = [];
const ratios = [];
try {
  for (let r = 0; r < ROUNDS; r++) {
    const b = await runBare(join(dir, `bare-${r}.duckdb`));
    const a = await runAssay(join(dir, `assay-${r}.duckdb`), defs);
    bare.push(b);
    assay.push(a);
    ratios.push(a / b);
    console.log(`  round ${r + 1}: bare ${(b / 1000).toFixed(2)} s, assay ${(a / 1000).toFixed(2)} s, ratio ${(a / b).toFixed(3)}`);
    rmSync(join(dir, `bare-${r}.duckdb`), { force: true });
    rmSync(join(dir, `assay-${r}.duckdb`), { force: true });
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
console.log(`duckdb overhead bench: ${PIPELINE.length} assets over ${ROWS.toLocaleString('en')} event rows, file database, Assay concurrency ${CONCURRENCY}, ${ROUNDS} rounds`);
console.log(`  bare DuckDB    median ${(median(bare) / 1000).toFixed(2)} s  (min ${(Math.min(...bare) / 1000).toFixed(2)}, max ${(Math.max(...bare) / 1000).toFixed(2)})`);
console.log(`  through Assay  median ${(median(assay) / 1000).toFixed(2)} s  (min ${(Math.min(...assay) / 1000).toFixed(2)}, max ${(Math.max(...assay) / 1000).toFixed(2)})`);
console.log(`  ratio          median ${median(ratios).toFixed(3)}  (target ≤ 1.05: ${median(ratios) <= 1.05 ? 'met' : 'MISSED'})`);
console.log(`  peak RSS       ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`);
