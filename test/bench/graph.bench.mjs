#!/usr/bin/env node
// Graph benchmark: a synthetic 10,000-asset project (1–3 deps each) built, validated,
// selected, planned and executed on the no-op backend, in one cold process.
// Usage: node test/bench/graph.bench.mjs [--assets 10000] [--json]
// Targets (issue 2): cold-process plan ≤ 1 s in total; no-op execution of 10k assets ≤ 2 s.
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';

const processStart = performance.timeOrigin;
const t0 = performance.now();
const { values } = parseArgs({ options: { assets: { type: 'string', default: '10000' }, json: { type: 'boolean', default: false } } });
const N = Number(values.assets);

const core = await import('../../packages/core/dist/index.js');
const tImport = performance.now();

// Deterministic pseudo-random numbers so every run builds the same graph.
let seed = 42;
const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
const layers = ['raw', 'bronze', 'silver', 'gold'];
const assets = [];
for (let i = 0; i < N; i++) {
  const layer = layers[Math.min(3, Math.floor((i / N) * 4))];
  const key = `${layer}/t${String(i).padStart(5, '0')}`;
  if (i < 50) {
    assets.push(core.sourceAsset({ key, tags: { team: i % 2 ? 'finance' : 'ops' } }));
    continue;
  }
  const deps = new Set();
  const n = 1 + Math.floor(rand() * 3);
  for (let d = 0; d < n; d++) deps.add(assets[Math.floor(rand() * i)].key);
  assets.push(core.sqlAsset({ key, deps: [...deps], tags: i % 7 === 0 ? { pii: '' } : {} })`select 1`);
}
const tDefine = performance.now();
const defs = core.defineAssets(assets);
const tValidate = performance.now();
const gold = core.selectAssets(defs, 'gold*');
const upstream = core.selectAssets(defs, `+key:${gold[gold.length - 1]}`);
const complex = core.selectAssets(defs, '(group:silver or tag:pii) and not roots(*)', { exclude: 'tag:team=ops+' });
const tSelect = performance.now();
const state = new core.MemoryStateStore();
const p = await core.plan(defs, { state });
const tPlan = performance.now();
const backend = new core.NoopBackend();
const result = await core.materialize(defs, { backend, state, plan: p, concurrency: 8 });
const tRun = performance.now();
const stalePlan = await core.plan(defs, { state, stale: true });
const tStale = performance.now();

const mem = process.memoryUsage();
const figures = {
  assets: N,
  edges: defs.assets.reduce((n, a) => n + a.deps.length, 0),
  nodeStartupMs: Math.round(t0 - 0) /* time before the script ran, relative to timeOrigin */,
  importMs: +(tImport - t0).toFixed(1),
  defineMs: +(tDefine - tImport).toFixed(1),
  validateMs: +(tValidate - tDefine).toFixed(1),
  selectMs: +(tSelect - tValidate).toFixed(1),
  planMs: +(tPlan - tSelect).toFixed(1),
  coldPlanTotalMs: +tPlan.toFixed(1),
  executeMs: +(tRun - tPlan).toFixed(1),
  stalePlanMs: +(tStale - tRun).toFixed(1),
  selected: { gold: gold.length, upstreamOfLastGold: upstream.length, complex: complex.length },
  runStatus: result.status,
  stepsRun: result.assets.filter((a) => a.status === 'success').length,
  staleSteps: stalePlan.steps.length,
  heapUsedMB: +(mem.heapUsed / 2 ** 20).toFixed(1),
  rssMB: +(mem.rss / 2 ** 20).toFixed(1),
};
void processStart;
if (values.json) console.log(JSON.stringify(figures));
else {
  console.log(`graph bench: ${N} assets, ${figures.edges} edges`);
  for (const [k, v] of Object.entries(figures)) if (typeof v !== 'object') console.log(`  ${k.padEnd(18)} ${v}`);
  console.log(`  selected           gold*=${gold.length}  +key:<last gold>=${upstream.length}  complex=${complex.length}`);
  console.log(`  targets            cold plan total ≤ 1000 ms: ${figures.coldPlanTotalMs <= 1000 ? 'met' : 'MISSED'}; no-op execution ≤ 2000 ms: ${figures.executeMs <= 2000 ? 'met' : 'MISSED'}`);
}
if (result.status !== 'success' || figures.stepsRun !== N || figures.staleSteps !== 0) {
  console.error('bench sanity check failed');
  process.exit(1);
}
