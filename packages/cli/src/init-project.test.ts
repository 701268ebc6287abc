import { spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { linkNodeModules, parseJson, removeDir, runBin, tempProjectDir, NODE_MODULES } from './__tests__/cli-harness.js';

// One project scaffolded by `assets init`, then driven through the verbs in order: the tests
// of this file share it and depend on the order they run in (vitest runs them in sequence).

const ASSETS = [
  'raw/customers',
  'bronze/customers',
  'raw/orders',
  'bronze/orders',
  'raw/payments',
  'bronze/payments',
  'silver/orders',
  'gold/revenue_by_month',
  'silver/customers',
  'gold/customer_segments',
];

let parent: string;
let dir: string;

beforeAll(() => {
  parent = tempProjectDir('init');
  dir = join(parent, 'shop');
});

afterAll(() => removeDir(parent));

describe('assets init, then the verbs on the scaffolded project', () => {
  it('scaffolds a project with config, assets, data, README credit and a test', async () => {
    const r = await runBin(['init', 'shop'], { cwd: parent });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('npx assets materialize');
    for (const f of ['assay.config.ts', 'assets/index.ts', 'assets/gold.ts', 'data/raw_orders.csv', 'test/pipeline.test.ts', 'README.md', '.gitignore', 'package.json', 'tsconfig.json']) {
      expect(existsSync(join(dir, f)), f).toBe(true);
    }
    expect(readFileSync(join(dir, 'data/README.md'), 'utf8')).toContain('Apache License 2.0');
    expect(readFileSync(join(dir, 'README.md'), 'utf8')).toContain('# shop');
    expect(JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).name).toBe('shop');
    // The scaffold is what `npm install` would give it: the workspace's packages.
    linkNodeModules(dir);
  });

  it('refuses to scaffold into a folder that is not empty (exit 2)', async () => {
    const r = await runBin(['init', 'shop'], { cwd: parent });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/is not empty/);
    expect(r.stderr).toMatch(/hint: .*--force/);
  });

  it('lists assets as JSON in topological order with exactly the documented fields', async () => {
    const r = await runBin(['list', '--json'], { cwd: dir });
    expect(r.code).toBe(0);
    const listed = parseJson<Record<string, unknown>[]>(r);
    expect(listed.map((a) => a.key)).toEqual(ASSETS);
    for (const a of listed) expect(Object.keys(a).sort()).toEqual(['deps', 'group', 'key', 'kind', 'owners', 'tags']);
    expect(listed.find((a) => a.key === 'silver/customers')).toEqual({
      key: 'silver/customers',
      group: 'silver',
      kind: 'table',
      deps: ['bronze/customers', 'silver/orders'],
      tags: { pii: '' },
      owners: [],
    });
  });

  it('materializes a selection (+silver/orders) and reports it as JSON', async () => {
    const r = await runBin(['materialize', '-s', '+silver/orders', '--json'], { cwd: dir });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = parseJson<{ runId: string; status: string; assets: Record<string, unknown>[] }>(r);
    expect(Object.keys(out).sort()).toEqual(['assets', 'runId', 'status']);
    expect(out.status).toBe('success');
    expect(out.assets.map((a) => a.key)).toEqual(['raw/customers', 'bronze/customers', 'raw/orders', 'bronze/orders', 'raw/payments', 'bronze/payments', 'silver/orders']);
    for (const a of out.assets) {
      expect(Object.keys(a).sort()).toEqual(['checks', 'durationMs', 'key', 'rowCount', 'status']);
      expect(a.status).toBe('success');
      for (const c of a.checks as Record<string, unknown>[]) expect(Object.keys(c).sort()).toEqual(['name', 'passed', 'severity']);
    }
    const orders = out.assets.find((a) => a.key === 'silver/orders')!;
    expect(orders.rowCount).toBe(99);
    expect(orders.checks).toEqual([
      { name: 'unique_order_id', passed: true, severity: 'error' },
      { name: 'relationships_customer_id_to_bronze_customers', passed: true, severity: 'error' },
      { name: 'expression_amount_0', passed: true, severity: 'error' },
    ]);
    expect(existsSync(join(dir, '.assay', 'logs', `${out.runId}.jsonl`))).toBe(true);
  });

  it('materializes only what is stale, printing plain progress lines and a summary', async () => {
    const r = await runBin(['materialize', '--stale'], { cwd: dir });
    expect(r.code).toBe(0);
    // Only the three assets downstream of silver/orders had never been built.
    expect(r.stdout).toMatch(/▶ gold\/revenue_by_month \(never materialized\)/);
    expect(r.stdout).toMatch(/✓ gold\/customer_segments {2}100 rows/);
    expect(r.stdout).not.toMatch(/▶ raw\/orders/);
    expect(r.stdout).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z run .* started: 3 step\(s\) on duckdb$/m);
    expect(r.stdout).toMatch(/7 asset\(s\) up to date, not run/);
    expect(r.stdout).toMatch(/Run succeeded in .*: 3 succeeded/);
  });

  it('reports status per asset: last materialization, data version, staleness, checks', async () => {
    const r = await runBin(['status', '--json'], { cwd: dir });
    expect(r.code).toBe(0);
    const statuses = parseJson<Record<string, any>[]>(r);
    expect(statuses.map((s) => s.key)).toEqual(ASSETS);
    for (const s of statuses) {
      expect(Object.keys(s).sort()).toEqual(['checks', 'codeVersion', 'dataVersion', 'freshness', 'group', 'key', 'kind', 'lastMaterialization', 'stale', 'staleReason']);
      expect(s.stale, s.key).toBe(false);
      expect(s.lastMaterialization, s.key).not.toBeNull();
      expect(s.dataVersion).toMatch(/\S+/);
    }
    const customers = statuses.find((s) => s.key === 'silver/customers')!;
    expect(customers.lastMaterialization.rowCount).toBe(100);
    expect(customers.checks.map((c: { name: string; passed: boolean }) => [c.name, c.passed])).toEqual([
      ['row_count', true],
      ['unique_customer_id', true],
    ]);
    const revenue = statuses.find((s) => s.key === 'gold/revenue_by_month')!;
    expect(revenue.freshness).toMatchObject({ targetLag: '1 day', fresh: true });
  });

  it('plans the downstream of a changed source file, with reasons', async () => {
    const csv = join(dir, 'data', 'raw_customers.csv');
    const original = readFileSync(csv, 'utf8');
    appendFileSync(csv, '101,Ada,L.\n');
    const r = await runBin(['plan', '--stale', '--json'], { cwd: dir });
    expect(r.code).toBe(0);
    const p = parseJson<{ steps: Record<string, string>[]; skipped: Record<string, string>[] }>(r);
    expect(Object.keys(p).sort()).toEqual(['skipped', 'steps']);
    for (const s of [...p.steps, ...p.skipped]) expect(Object.keys(s).sort()).toEqual(['key', 'reason']);
    expect(p.steps.map((s) => s.key)).toEqual(['raw/customers', 'bronze/customers', 'silver/orders', 'gold/revenue_by_month', 'silver/customers', 'gold/customer_segments']);
    expect(p.steps[0]).toEqual({ key: 'raw/customers', reason: 'new or changed files' });
    expect(p.steps[1]!.reason).toBe('upstream changed: raw/customers');
    expect(p.skipped.map((s) => s.key)).toEqual(['raw/orders', 'bronze/orders', 'raw/payments', 'bronze/payments']);

    const status = parseJson<{ key: string; stale: boolean; staleReason: string | null }[]>(await runBin(['status', '--json', '-s', 'raw/customers'], { cwd: dir }));
    expect(status).toMatchObject([{ key: 'raw/customers', stale: true, staleReason: 'new or changed files' }]);

    // Back as it was, the file's fingerprint matches the last load again.
    writeFileSync(csv, original);
    const again = parseJson<{ steps: unknown[] }>(await runBin(['plan', '--stale', '--json'], { cwd: dir }));
    expect(again.steps).toEqual([]);
  });

  it('prints the dry-run plan without building anything', async () => {
    const r = await runBin(['materialize', '--full-refresh', '--dry-run', '-s', 'raw/customers'], { cwd: dir });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/raw\/customers\s+full refresh/);
    expect(r.stdout).toMatch(/1 to run, 0 skipped/);
    const history = parseJson<unknown[]>(await runBin(['history', '--json'], { cwd: dir }));
    expect(history).toHaveLength(2);
  });

  it('shows run history and the history of one asset', async () => {
    const runs = parseJson<Record<string, unknown>[]>(await runBin(['history', '--json'], { cwd: dir }));
    expect(runs.map((r) => [r.status, r.selection])).toEqual([
      ['success', null],
      ['success', '+silver/orders'],
    ]);
    for (const r of runs) expect(Object.keys(r).sort()).toEqual(['backend', 'durationMs', 'endedAt', 'runId', 'selection', 'startedAt', 'status']);
    const orders = parseJson<Record<string, unknown>[]>(await runBin(['history', 'silver/orders', '--json'], { cwd: dir }));
    expect(orders).toHaveLength(1);
    expect(orders[0]).toMatchObject({ runId: runs[1]!.runId, status: 'success', rowCount: 99 });
    expect((orders[0]!.checks as unknown[]).length).toBe(3);
  });

  it('exports lineage as Mermaid that the real mermaid parser accepts', async () => {
    const r = await runBin(['lineage', '--format', 'mermaid'], { cwd: dir });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^flowchart LR/);
    // mermaid expects a browser: jsdom must provide window/document before it is imported.
    // jsdom ships no types, so it is required untyped.
    const { JSDOM } = createRequire(import.meta.url)('jsdom') as { JSDOM: new (html: string) => { window: { document: unknown } } };
    const dom = new JSDOM('<!doctype html><html><body></body></html>');
    Object.assign(globalThis, { window: dom.window, document: dom.window.document });
    const mermaid = ((await import('mermaid')) as unknown as { default: { parse(text: string): Promise<unknown> } }).default;
    await expect(mermaid.parse(r.stdout)).resolves.toBeTruthy();
    for (const key of ASSETS) expect(r.stdout).toContain(`"${key}"`);
    // And the parser is not accepting anything: a broken document is rejected.
    await expect(mermaid.parse(`${r.stdout}\n  n0 --> -->`)).rejects.toThrow();
  });

  it('exports lineage as DOT that Graphviz renders, into a file with --output', async () => {
    const r = await runBin(['lineage', '-f', 'dot', '-o', 'out/lineage.dot', '-s', 'group:silver+'], { cwd: dir });
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/Wrote dot lineage of 4 asset\(s\) to out\/lineage.dot/);
    const dot = readFileSync(join(dir, 'out', 'lineage.dot'), 'utf8');
    expect(dot).toContain('"gold/customer_segments"');
    expect(dot).not.toContain('"raw/orders"');
    // Fails (not skips) when Graphviz is missing: the export must be checked by the real tool.
    const rendered = spawnSync('dot', ['-Tsvg'], { input: dot, encoding: 'utf8' });
    expect(rendered.error).toBeUndefined();
    expect(rendered.stderr).toBe('');
    expect(rendered.status).toBe(0);
    expect(rendered.stdout).toContain('<svg');
  });

  it('exports OpenLineage run events and the JSON document', async () => {
    const ol = parseJson<Record<string, any>[]>(await runBin(['lineage', '-f', 'openlineage', '--with-state'], { cwd: dir }));
    expect(ol).toHaveLength(ASSETS.length);
    expect(ol[0]!.job).toMatchObject({ name: 'raw/customers', namespace: 'shop' });
    const doc = parseJson<{ nodes: { key: string }[]; edges: unknown[] }>(await runBin(['lineage', '--json'], { cwd: dir }));
    expect(doc.nodes.map((n) => n.key)).toEqual(ASSETS);
  });

  it('scaffolds TypeScript that type-checks against the current API', () => {
    const tsc = join(NODE_MODULES, 'typescript', 'bin', 'tsc');
    const r = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.json'], { cwd: dir, encoding: 'utf8' });
    expect(r.stdout + r.stderr).toBe('');
    expect(r.status).toBe(0);
  }, 60_000);

  it("passes the scaffold's own vitest test", async () => {
    const vitest = join(NODE_MODULES, 'vitest', 'vitest.mjs');
    const r = spawnSync(process.execPath, [vitest, 'run'], { cwd: dir, encoding: 'utf8', env: { ...process.env, CI: 'true', NO_COLOR: '1' } });
    expect(r.stdout + r.stderr).toMatch(/1 passed/);
    expect(r.status).toBe(0);
  }, 60_000);
});
