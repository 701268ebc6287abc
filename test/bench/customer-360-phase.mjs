#!/usr/bin/env node
// One phase of the Customer 360 benchmark, run in its own process so each phase's peak RSS
// is its own. Started by customer-360.bench.mjs with `node --import tsx` (the example's
// assets and generator are TypeScript); prints one JSON line with its figures.
//
//   generate --data-dir D --customers N        generate the data set
//   append   --data-dir D --percent P          append P % new transactions
//   assay    --project-dir W [--stale] [--checks-only] [--select S] [--concurrency C]
//                                              materialize through Assay (W/.assay/*.duckdb)
//   bare     --project-dir W --mode full|incremental [--steps k1,k2]
//                                              the same SQL, in the same order, on a bare
//                                              DuckDB connection with the settings the
//                                              backend opens with (W/.bare/bare.duckdb)
import { readdirSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '..', '..');
const example = join(root, 'examples', 'customer-360');
const load = (...parts) => import(pathToFileURL(join(...parts)).href);
const core = await load(root, 'packages', 'core', 'dist', 'index.js');
const duck = await load(root, 'packages', 'duckdb', 'dist', 'index.js');

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: {
    'data-dir': { type: 'string' },
    'project-dir': { type: 'string' },
    customers: { type: 'string', default: '50000' },
    percent: { type: 'string', default: '1' },
    stale: { type: 'boolean', default: false },
    'checks-only': { type: 'boolean', default: false },
    select: { type: 'string' },
    concurrency: { type: 'string' },
    mode: { type: 'string', default: 'full' },
    steps: { type: 'string' },
  },
});

const started = performance.now();
const cpu0 = process.cpuUsage();
/** Wall and CPU time since the phase started (CPU includes DuckDB's worker threads). */
function clock() {
  const c = process.cpuUsage(cpu0);
  return { wallMs: Math.round(performance.now() - started), cpuMs: Math.round((c.user + c.system) / 1000) };
}
function report(figures) {
  console.log(JSON.stringify({ ...figures, maxRssMB: Math.round(process.resourceUsage().maxRSS / 1024) }));
}

const phase = positionals[0];
if (phase === 'generate') {
  const gen = await load(example, 'scripts', 'generate-data.ts');
  const r = await gen.generateData({ dataDir: resolve(values['data-dir']), customers: Number(values.customers) });
  report({ phase, ...clock(), customers: r.customers, transactions: r.transactions });
} else if (phase === 'append') {
  const gen = await load(example, 'scripts', 'generate-data.ts');
  const r = await gen.appendTransactions({ dataDir: resolve(values['data-dir']), percent: Number(values.percent) });
  report({ phase, ...clock(), rows: r.rows, file: r.file });
} else if (phase === 'assay') {
  await runAssay();
} else if (phase === 'bare') {
  await runBare();
} else {
  console.error(`unknown phase "${phase}"`);
  process.exit(2);
}

async function loadDefinitions() {
  const assets = await load(example, 'assets', 'index.ts');
  return core.defineAssets(assets);
}

async function runAssay() {
  const projectDir = resolve(values['project-dir']);
  const defs = await loadDefinitions();
  const imported = clock();
  const backend = duck.duckdb({ path: join(projectDir, '.assay', 'dev.duckdb') });
  const state = duck.duckdbState({ path: join(projectDir, '.assay', 'state.duckdb') });
  const steps = {};
  const t0 = performance.now();
  let result;
  try {
    result = await core.materialize(defs, {
      backend,
      state,
      projectDir,
      stale: values.stale,
      checksOnly: values['checks-only'],
      ...(values.select ? { select: values.select } : {}),
      ...(values.concurrency ? { concurrency: Number(values.concurrency) } : {}),
      onEvent: (e) => {
        if (e.type === 'step_start') steps[e.assetKey] = { start: Math.round(performance.now() - t0) };
        if (e.type === 'step_success' || e.type === 'step_failure') steps[e.assetKey].ms = e.durationMs;
      },
    });
  } finally {
    await backend.close();
    await state.close();
  }
  const runMs = Math.round(performance.now() - t0);
  const failed = result.assets.filter((a) => a.status === 'failed' || a.checks.some((c) => !c.passed && c.severity === 'error'));
  report({
    phase: values['checks-only'] ? 'checks' : values.stale ? 'stale' : 'assay',
    ...clock(),
    importMs: imported.wallMs,
    runMs,
    status: result.status,
    failed: failed.map((a) => a.key),
    planned: result.plan.steps.map((s) => s.key),
    steps,
    skippedChecks: result.assets.reduce((n, a) => n + a.checks.filter((c) => c.skipped).length, 0),
    rowCounts: Object.fromEntries(result.assets.filter((a) => a.rowCount !== undefined).map((a) => [a.key, a.rowCount])),
    metadata: {
      model: pick(result.assets.find((a) => a.key === 'ml/CHURN_MODEL')?.metadata, ['auc', 'accuracy', 'trainRows', 'holdoutRows']),
      fact: pick(result.assets.find((a) => a.key === 'gold/FCT_TRANSACTIONS')?.metadata, ['rowsInserted', 'fullRefresh']),
    },
  });
}

function pick(object, keys) {
  return object ? Object.fromEntries(keys.filter((k) => k in object).map((k) => [k, object[k]])) : undefined;
}

/** A SQL literal for the few bound values the example's SQL has (numbers, strings). */
function literal(v) {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'number' || typeof v === 'bigint') return String(v);
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (v instanceof Date) return `timestamp '${v.toISOString().replace('T', ' ').replace('Z', '')}'`;
  return `'${String(v).replace(/'/g, "''")}'`;
}

/**
 * The bare-DuckDB run: every asset's SQL in Assay's topological order on one connection,
 * with no planning, state, staging, swaps, metadata or load history. Ingestion is one
 * `create table ... as select * from read_*()` over the files; checks are the same SQL the
 * backend runs. The incremental mode inserts only new files and new fact rows (watermark
 * filter inside the query), then rebuilds what Assay rebuilt.
 */
async function runBare() {
  const projectDir = resolve(values['project-dir']);
  const defs = await loadDefinitions();
  const imported = clock();
  await mkdir(join(projectDir, '.bare'), { recursive: true });
  // Timed from before the database opens (loading the driver included), as the Assay phase is.
  const t0 = performance.now();
  // The settings the backend opens with (preserve_insertion_order off): the ratio measures
  // Assay's own work, not a DuckDB setting.
  const instance = await duck.openDatabase(join(projectDir, '.bare', 'bare.duckdb'), { config: duck.duckDbConfig({}) });
  const conn = await instance.connect();
  await conn.run(`set TimeZone = 'UTC'`);
  const relation = (key) => {
    const { schema, table } = duck.duckDbObjectName(key);
    return `"${schema}"."${table}"`;
  };
  const render = (fragment, self, added = self, whenIncremental = false) => {
    const r = core.renderSql(fragment, { relation: (k) => (k === core.SELF_KEY ? self : k === core.NEW_ROWS_KEY ? added : relation(k)), placeholder: () => '?', incremental: whenIncremental });
    let i = 0;
    return r.text.replace(/\?/g, () => literal(r.params[i++]));
  };
  const run = (text) => conn.run(text);
  const rows = async (text) => (await conn.runAndReadAll(text)).getRowObjectsJS();
  const incremental = values.mode === 'incremental';
  const only = values.steps ? new Set(values.steps.split(',').filter(Boolean)) : undefined;
  const steps = {};
  const schemas = new Set();
  for (const def of defs.assets) {
    if (only && !only.has(def.key)) continue;
    const s0 = performance.now();
    const rel = relation(def.key);
    // The rows this step added, when it only added rows: what new-rows checks read.
    let added;
    const { schema } = duck.duckDbObjectName(def.key);
    if (!schemas.has(schema)) {
      await run(`create schema if not exists "${schema}"`);
      schemas.add(schema);
    }
    if (def.type === 'ingest') {
      const format = def.ingest.format;
      const opts = Object.entries(def.ingest.readerOptions).map(([k, v]) => `, ${k} = ${literal(v)}`).join('');
      let files = def.ingest.path.flatMap((p) => listGlob(projectDir, p));
      if (incremental) {
        const loaded = new Set((await rows(`select distinct source_file from ${rel}`)).map((r) => r.source_file));
        files = files.filter((f) => !loaded.has(f));
      }
      if (incremental) added = `(select * from ${rel} where source_file in (${files.map(literal).join(', ') || 'null'}))`;
      if (files.length > 0) {
        const list = `[${files.map((f) => literal(join(projectDir, f))).join(', ')}]`;
        const reader = format === 'parquet' ? `read_parquet(${list}, filename = true${opts})` : `read_csv(${list}, filename = true${opts})`;
        const select = `select * exclude (filename), replace(filename, ${literal(projectDir + '/')}, '') as source_file, now()::timestamp as loaded_at from ${reader}`;
        await run(incremental ? `insert into ${rel} ${select}` : `create or replace table ${rel} as ${select}`);
      }
    } else if (def.type === 'sql') {
      const query = render(core.sqlForDialect(def, 'duckdb'), rel);
      if (def.materialize === 'view') await run(`create or replace view ${rel} as ${query}`);
      else if (def.materialize === 'incremental' && incremental) {
        // The query with its whenIncremental(...) branches taken, as Assay runs it on a table that exists.
        const batch = render(core.sqlForDialect(def, 'duckdb'), rel, rel, true);
        if (def.incremental.strategy === 'append') {
          const wm = `"${def.incremental.watermark}"`;
          const [{ m }] = await rows(`select cast(max(${wm}) as varchar) as m from ${rel}`);
          added = `(select * from ${rel} where ${wm} > ${literal(m)})`;
          await run(`insert into ${rel} select * from (${batch}) as b where b.${wm} > (select max(${wm}) from ${rel})`);
        } else {
          // delete+insert by key (the only other strategy the example uses).
          const keys = [def.incremental.uniqueKey].flat();
          await run(`create or replace temp table bare_batch as ${batch}`);
          await run(`delete from ${rel} as t where exists (select 1 from bare_batch as b where ${keys.map((k) => `b."${k}" = t."${k}"`).join(' and ')})`);
          await run(`insert into ${rel} by name select * from bare_batch`);
          await run('drop table bare_batch');
        }
      } else if (def.materialize === 'scd2') {
        const key = def.scd2.uniqueKey;
        const from = def.scd2.updatedAt ? `cast(b."${def.scd2.updatedAt}" as timestamp)` : 'now()::timestamp';
        await run(`create or replace table ${rel} as select b.*, ${from} as valid_from, null::timestamp as valid_to, true as is_current,
          md5(concat_ws('|', cast(b."${key}" as varchar), cast(${from} as varchar))) as scd_id from (${query}) as b`);
      } else await run(`create or replace table ${rel} as ${query}`);
    } else if (def.type === 'compute') {
      const output = await def.fn({
        key: def.key,
        asset: def,
        runId: 'bare',
        partition: undefined,
        backend: undefined,
        logger: { info() {}, warn() {}, error() {}, debug() {} },
        signal: new AbortController().signal,
        upstream: {},
        fullRefresh: false,
        projectDir,
        relation: (k) => relation(k ?? def.key),
        query: async (text) => {
          const r = await conn.runAndReadAll(core.isSqlFragment(text) ? render(text, rel) : text);
          return r.getRowObjectsJS().map((row) => Object.fromEntries(Object.entries(row).map(([k, v]) => [k, typeof v === 'bigint' ? Number(v) : v])));
        },
        addMetadata() {},
      });
      if (output?.rows?.length) {
        const cols = Object.keys(output.rows[0]);
        const type = (c) => (typeof output.rows[0][c] === 'number' ? 'double' : 'varchar');
        await run(`create or replace table ${rel} (${cols.map((c) => `"${c}" ${type(c)}`).join(', ')})`);
        await run(`insert into ${rel} values ${output.rows.map((r) => `(${cols.map((c) => literal(r[c])).join(', ')})`).join(', ')}`);
      }
    }
    const built = performance.now();
    let failing = 0;
    for (const check of def.checks) {
      const scope = check.scope ?? 'table';
      if (added && scope === 'full-builds') continue;
      const [r] = await rows(checkSql(check, rel, added && scope === 'new-rows' ? added : rel, added ?? rel, relation, render));
      if (check.type === 'row_count') {
        const n = Number(r.n);
        if ((check.min !== undefined && n < check.min) || (check.max !== undefined && n > check.max)) failing++;
      } else if (Number(r.n) > 0) failing++;
    }
    steps[def.key] = { ms: Math.round(performance.now() - s0), checksMs: Math.round(performance.now() - built), failingChecks: failing };
  }
  conn.closeSync();
  duck.closeDatabase(instance);
  // Closing checkpoints the file; Assay's figure includes its close too.
  const runMs = Math.round(performance.now() - t0);
  report({ phase: incremental ? 'bare-incremental' : 'bare', ...clock(), importMs: imported.wallMs, runMs, steps });
}

/** Files matching a project-relative glob (only `dir/*.ext` patterns, which is all the example uses). */
function listGlob(projectDir, pattern) {
  const dir = dirname(pattern);
  const re = new RegExp(`^${pattern.slice(dir.length + 1).replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`);
  return readdirSync(join(projectDir, dir)).filter((f) => re.test(f)).sort().map((f) => relative(projectDir, join(projectDir, dir, f)));
}

/**
 * The check as one counting query, the same SQL the DuckDB backend evaluates: `checked` is
 * the relation the check reads (the new rows for new-rows checks after an append), `added`
 * what `newRows` stands for.
 */
function checkSql(check, table, checked, added, relation, render) {
  const rel = `${checked} as t`;
  const col = (c) => `t."${c}"`;
  switch (check.type) {
    case 'not_null':
      return `select count(*) as n from ${rel} where ${col(check.column)} is null`;
    case 'accepted_values':
      return `select count(*) as n from ${rel} where ${col(check.column)} is not null and ${col(check.column)} not in (${check.values.map(literal).join(', ')})`;
    case 'relationships':
      return `select count(*) as n from ${rel} where ${col(check.column)} is not null and not exists (select 1 from ${relation(check.to)} as p where p."${check.toColumn}" = ${col(check.column)})`;
    case 'expression':
      return `select count(*) as n from ${rel} where not (${check.expression})`;
    case 'unique': {
      const cols = check.columns.map((c) => `"${c}"`).join(', ');
      const onlyNew = checked === table ? '' : ` where (${cols}) in (select ${cols} from ${checked})`;
      return `select count(*) as n from (select ${cols} from ${table}${onlyNew} group by ${cols} having count(*) > 1)`;
    }
    case 'row_count':
      return `select count(*) as n from ${rel}`;
    case 'sql':
      return `select count(*) as n from (${render(check.sql, checked, added)}) as c`;
    default:
      return 'select 0 as n';
  }
}
