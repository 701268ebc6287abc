#!/usr/bin/env node
// Customer 360 benchmark (seed 003): the example end to end at the seed's scale — generate
// 50,000 customers and ~13.5M transactions, materialize everything through Assay on a DuckDB
// file (checks and churn model included) — then the same SQL bare on DuckDB, a stale re-run,
// and a 1 % append re-run. Each phase runs in its own process (its peak RSS is its own).
//
// Usage: node test/bench/customer-360.bench.mjs [--scale seed|medium|small|<customers>]
//          [--percent 1] [--concurrency N] [--repeat 2] [--work-dir DIR] [--keep] [--json]
// Build first (`npm run build`). The seed scale takes a few minutes on two cores.
//
// Targets (issue 5): end to end incl. generation ≤ 60 s; Assay ≤ 1.05 × the bare SQL; stale
// re-run with no changes ≤ 1 s; 1 % append re-run ≤ 5 % of the full run. The append is
// measured as the seed runs it: its five-minute stream task (the example's `npm run stream`:
// new files into the fact) against the target, then the stale re-run that brings every
// aggregate, the model and the predictions up to date, reported beside it.
import { spawnSync } from 'node:child_process';
import { existsSync, rmSync, mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '..', '..');
const example = join(root, 'examples', 'customer-360');
const SCALES = { small: 1_000, medium: 10_000, seed: 50_000 };
/** The example's `npm run stream` selection (examples/customer-360/package.json). */
const STREAM_SELECTION = '+gold/FCT_TRANSACTIONS';

const { values } = parseArgs({
  options: {
    scale: { type: 'string', default: 'seed' },
    percent: { type: 'string', default: '1' },
    concurrency: { type: 'string' },
    'work-dir': { type: 'string', default: join(example, '.bench') },
    repeat: { type: 'string', default: '2' },
    keep: { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
  },
});
const customers = SCALES[values.scale] ?? Number(values.scale);
const repeat = Math.max(1, Number(values.repeat) || 1);
if (!Number.isInteger(customers) || customers < 10) {
  console.error(`--scale must be one of ${Object.keys(SCALES).join(', ')} or a number of customers, got "${values.scale}"`);
  process.exit(2);
}
for (const pkg of ['core', 'duckdb']) {
  if (!existsSync(join(root, 'packages', pkg, 'dist', 'index.js'))) {
    console.error(`packages/${pkg}/dist is missing: run "npm run build" first`);
    process.exit(2);
  }
}

const work = resolve(values['work-dir']);
const dataDir = join(work, 'data');
rmSync(work, { recursive: true, force: true });
mkdirSync(work, { recursive: true });
const loadBefore = loadavg();
const log = (line) => {
  if (!values.json) console.error(line);
};

/** Runs one phase in a child process; returns its JSON figures plus the process wall time. */
function phase(name, args) {
  log(`  ... ${name}`);
  const t0 = performance.now();
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(here, 'customer-360-phase.mjs'), ...args], {
    cwd: example,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 64 * 1024 * 1024,
  });
  const processMs = Math.round(performance.now() - t0);
  const line = r.stdout.trim().split('\n').at(-1);
  if (r.status !== 0 || !line?.startsWith('{')) {
    console.error(`phase ${name} failed (exit ${r.status})\n${r.stdout}`);
    process.exit(1);
  }
  return { ...JSON.parse(line), processMs };
}

log(`customer-360 bench: ${customers.toLocaleString('en-US')} customers, work dir ${work}`);
const concurrency = values.concurrency ? ['--concurrency', values.concurrency] : [];
const gen = phase('generate', ['generate', '--data-dir', dataDir, '--customers', String(customers)]);
// Full runs alternate between Assay and bare SQL, each on a fresh database, and the fastest
// of each counts: on a shared two-core machine one run can take twice as long as the next.
const fulls = [];
const bares = [];
for (let i = 1; i <= repeat; i++) {
  rmSync(join(work, '.assay'), { recursive: true, force: true });
  fulls.push(phase(`assay: full run ${i}/${repeat}`, ['assay', '--project-dir', work, ...concurrency]));
  rmSync(join(work, '.bare'), { recursive: true, force: true });
  bares.push(phase(`bare SQL: full run ${i}/${repeat}`, ['bare', '--project-dir', work, '--mode', 'full']));
}
const fastest = (runs) => runs.reduce((a, b) => (b.runMs < a.runMs ? b : a));
const full = fastest(fulls);
const bare = fastest(bares);
// The phases below continue from the last full runs' databases.
const checks = phase('assay: checks only', ['assay', '--project-dir', work, '--checks-only', ...concurrency]);
const stale = phase('assay: stale re-run', ['assay', '--project-dir', work, '--stale', ...concurrency]);
const append = phase(`append ${values.percent} %`, ['append', '--data-dir', dataDir, '--percent', values.percent]);
const stream = phase('assay: stream job (new files → fact)', ['assay', '--project-dir', work, '--stale', '--select', STREAM_SELECTION, ...concurrency]);
const catchUp = phase('assay: stale re-run (aggregates, model)', ['assay', '--project-dir', work, '--stale', ...concurrency]);
const bareStream = phase('bare SQL: stream job', ['bare', '--project-dir', work, '--mode', 'incremental', '--steps', stream.planned.join(',')]);
const bareCatchUp = phase('bare SQL: stale re-run', ['bare', '--project-dir', work, '--mode', 'incremental', '--steps', catchUp.planned.join(',')]);
const loadAfter = loadavg();

for (const [name, r] of [...fulls.map((r, i) => [`full run ${i + 1}`, r]), ['stale', stale], ['stream', stream], ['catch-up', catchUp]]) {
  if (r.status !== 'success') {
    console.error(`${name} run ended ${r.status}: ${r.failed.join(', ')}`);
    process.exit(1);
  }
}
const bareFailing = [...bares, bareStream, bareCatchUp].flatMap((b) => Object.entries(b.steps)).filter(([, s]) => s.failingChecks > 0);
if (bareFailing.length > 0) console.error(`warning: checks failing in the bare run: ${bareFailing.map(([k]) => k).join(', ')}`);

/** Sum of step durations per group of keys. */
const groups = {
  ingest: (k) => k.startsWith('bronze/'),
  'silver + gold SQL': (k) => k.startsWith('silver/') || (k.startsWith('gold/') && k !== 'gold/CHURN_PREDICTIONS'),
  'ML (features, model, predictions)': (k) => k.startsWith('ml/') || k === 'gold/CHURN_PREDICTIONS',
};
const sumSteps = (steps, test) => Object.entries(steps).filter(([k]) => test(k)).reduce((n, [, s]) => n + (s.ms ?? 0), 0);
const s = (ms) => `${(ms / 1000).toFixed(2)} s`;
const e2eMs = gen.processMs + full.processMs;
const ratio = full.runMs / bare.runMs;
// Also each Assay run over the bare run after it (they alternate), which cancels slow drift.
const paired = fulls.map((f, i) => f.runMs / bares[i].runMs).sort((a, b) => a - b);
const pairedMedian = paired[Math.floor((paired.length - 1) / 2)];
const cpuRatio = full.cpuMs / bare.cpuMs;
const incrementalShare = stream.runMs / full.runMs;
const catchUpShare = (stream.runMs + catchUp.runMs) / full.runMs;
const figures = {
  customers: gen.customers,
  transactions: gen.transactions,
  appended: append.rows,
  generate: { wallMs: gen.wallMs, cpuMs: gen.cpuMs, processMs: gen.processMs, maxRssMB: gen.maxRssMB },
  assay: { runs: fulls.map((r) => r.runMs), runMs: full.runMs, cpuMs: full.cpuMs, processMs: full.processMs, importMs: full.importMs, maxRssMB: full.maxRssMB, steps: full.steps },
  checksOnly: { runMs: checks.runMs, processMs: checks.processMs },
  bare: { runs: bares.map((r) => r.runMs), runMs: bare.runMs, cpuMs: bare.cpuMs, processMs: bare.processMs, maxRssMB: bare.maxRssMB, steps: bare.steps },
  stale: { runMs: stale.runMs, processMs: stale.processMs, planned: stale.planned.length },
  stream: { runMs: stream.runMs, processMs: stream.processMs, planned: stream.planned, fact: stream.metadata.fact, skippedChecks: stream.skippedChecks, steps: stream.steps },
  catchUp: { runMs: catchUp.runMs, processMs: catchUp.processMs, planned: catchUp.planned, steps: catchUp.steps },
  bareStream: { runMs: bareStream.runMs, steps: bareStream.steps },
  bareCatchUp: { runMs: bareCatchUp.runMs, steps: bareCatchUp.steps },
  model: full.metadata.model,
  endToEndMs: e2eMs,
  assayOverBare: +ratio.toFixed(3),
  assayOverBareCpu: +cpuRatio.toFixed(3),
  assayOverBarePaired: paired.map((r) => +r.toFixed(3)),
  incrementalShareOfFull: +incrementalShare.toFixed(4),
  streamPlusCatchUpShareOfFull: +catchUpShare.toFixed(4),
  loadAverage: { before: loadBefore.map((x) => +x.toFixed(2)), after: loadAfter.map((x) => +x.toFixed(2)) },
  targets: {
    endToEnd60s: e2eMs <= 60_000,
    overhead105: ratio <= 1.05,
    stale1s: stale.runMs <= 1_000,
    incremental5pct: incrementalShare <= 0.05,
  },
};
writeFileSync(join(work, 'figures.json'), `${JSON.stringify(figures, null, 2)}\n`);

if (values.json) console.log(JSON.stringify(figures));
else {
  const rows = [
    ['generate data (process)', s(gen.processMs), `${gen.transactions.toLocaleString('en-US')} transactions, cpu ${s(gen.cpuMs)}, peak RSS ${gen.maxRssMB} MB`],
    ['assay full run: materialize', s(full.runMs), `fastest of ${fulls.map((r) => s(r.runMs)).join(', ')}; cpu ${s(full.cpuMs)}, process ${s(full.processMs)}, peak RSS ${full.maxRssMB} MB`],
    ...Object.entries(groups).map(([name, test]) => [`  steps: ${name}`, s(sumSteps(full.steps, test)), 'sum of step times (checks included; steps overlap)']),
    ['  of which checks (checks-only run)', s(checks.runMs), `${Object.keys(checks.steps).length} assets`],
    ['end to end (generate + full run)', s(e2eMs), `target ≤ 60 s: ${figures.targets.endToEnd60s ? 'met' : 'MISSED'}`],
    ['bare SQL, same order', s(bare.runMs), `fastest of ${bares.map((r) => s(r.runMs)).join(', ')}; cpu ${s(bare.cpuMs)}, peak RSS ${bare.maxRssMB} MB`],
    ['assay / bare', `${ratio.toFixed(3)} ×`, `fastest over fastest; cpu ${cpuRatio.toFixed(2)} ×; run by run ${paired.map((r) => r.toFixed(2)).join(', ')} (median ${pairedMedian.toFixed(2)}); target ≤ 1.05 ×: ${figures.targets.overhead105 ? 'met' : 'MISSED'}`],
    ['stale re-run, no changes', s(stale.runMs), `${stale.planned.length} steps planned, process ${s(stale.processMs)}; target ≤ 1 s: ${figures.targets.stale1s ? 'met' : 'MISSED'}`],
    [`append ${values.percent} % (generate)`, s(append.processMs), `${append.rows.toLocaleString('en-US')} transactions`],
    [`stream job: ${STREAM_SELECTION} --stale`, s(stream.runMs), `${stream.planned.length} steps, ${(incrementalShare * 100).toFixed(1)} % of the full run; target ≤ 5 %: ${figures.targets.incremental5pct ? 'met' : 'MISSED'}`],
    ['  bare SQL, same steps', s(bareStream.runMs), `new file + watermark-filtered insert + the same checks`],
    ['then --stale: aggregates, model', s(catchUp.runMs), `${catchUp.planned.length} steps; stream + this: ${(catchUpShare * 100).toFixed(1)} % of the full run`],
    ['  bare SQL, same steps', s(bareCatchUp.runMs), 'the same rebuilds and checks'],
    ['churn model', `AUC ${full.metadata.model?.auc}`, `accuracy ${full.metadata.model?.accuracy}, ${full.metadata.model?.trainRows} training / ${full.metadata.model?.holdoutRows} holdout customers`],
    ['load average (1/5/15 min)', '', `before ${figures.loadAverage.before.join(' / ')}, after ${figures.loadAverage.after.join(' / ')} on ${(await import('node:os')).availableParallelism()} cores`],
  ];
  const w = Math.max(...rows.map((r) => r[0].length));
  console.log(`\ncustomer-360 bench: ${gen.customers.toLocaleString('en-US')} customers, ${gen.transactions.toLocaleString('en-US')} transactions`);
  for (const [a, b, c] of rows) console.log(`  ${a.padEnd(w)}  ${b.padStart(10)}  ${c}`);
  console.log('\n  slowest steps (full run):');
  for (const [k, v] of Object.entries(full.steps).sort((a, b) => b[1].ms - a[1].ms).slice(0, 8)) {
    console.log(`    ${k.padEnd(34)} ${s(v.ms).padStart(9)}   bare ${bare.steps[k] ? s(bare.steps[k].ms) : '-'}`);
  }
  console.log(`  figures: ${join(work, 'figures.json')}`);
}
if (!values.keep) {
  for (const d of ['data', '.assay', '.bare']) rmSync(join(work, d), { recursive: true, force: true });
}
