import { describe, expect, it } from 'vitest';
import { AssayError } from '../errors.js';
import { MemoryStateStore } from '../state/memory-state-store.js';
import type { MaterializationRecord } from '../state/state-store.js';
import { exportLineage, LINEAGE_FORMATS, type LineageFormat } from './export-lineage.js';
import type { LineageDocument } from './to-lineage-document.js';
import { buildFixture, FIXTURE_ORDER, ODD_DESCRIPTION, ODD_GROUPS } from './__tests__/lineage-fixture.js';

const NOW = new Date('2024-06-01T12:00:00.000Z');

function record(assetKey: string, overrides: Partial<MaterializationRecord> = {}): MaterializationRecord {
  return {
    runId: 'run-1',
    assetKey,
    dataVersion: `dv-${assetKey}`,
    codeVersion: 'cv',
    upstreamVersions: {},
    rowCount: 42,
    durationMs: 10,
    metadata: {},
    createdAt: '2024-05-31T08:00:00.000Z',
    ...overrides,
  };
}

async function json(options: Partial<Parameters<typeof exportLineage>[1]> = {}): Promise<LineageDocument> {
  return JSON.parse(await exportLineage(buildFixture(), { format: 'json', ...options })) as LineageDocument;
}

describe('exportLineage json', () => {
  it('lists nodes in topological order with every documented field', async () => {
    const doc = await json();
    expect(doc.nodes.map((n) => n.key)).toEqual(FIXTURE_ORDER);
    expect(doc.nodes.map((n) => n.key)).toEqual([...buildFixture().keys]);
    const raw = doc.nodes.find((n) => n.key === 'raw/orders-2024_v1')!;
    expect(Object.keys(raw)).toEqual(['key', 'group', 'kind', 'deps', 'description', 'owners', 'tags', 'metadata', 'codeVersion', 'checks']);
    expect(raw).toMatchObject({
      group: ODD_GROUPS.raw,
      kind: 'source',
      deps: [],
      description: ODD_DESCRIPTION,
      owners: ['ana@corp.com', 'team:"data" <eng>'],
      tags: { pii: '', team: 'fin "ance"', 'x<y': 'a\\b' },
    });
    expect(raw.codeVersion).toMatch(/^[0-9a-f]{16}$/);
    const silver = doc.nodes.find((n) => n.key === 'silver/orders')!;
    expect(silver.deps).toEqual(['bronze/orders', 'raw/events']);
    expect(silver.description).toBeNull();
    expect(silver.checks).toEqual([
      { name: 'not_null_order_id', type: 'not_null', severity: 'error', blocking: true },
      { name: 'unique_order_id', type: 'unique', severity: 'warn', blocking: false },
    ]);
  });

  it('makes metadata JSON-safe (bigint as string, Date as ISO)', async () => {
    const raw = (await json()).nodes.find((n) => n.key === 'raw/orders-2024_v1')!;
    expect(raw.metadata).toEqual({
      columns: [
        { name: 'order_id', type: 'BIGINT' },
        { name: 'amount "eur"', type: 'DECIMAL(18,2)' },
      ],
      expectedRows: '12345678901234567890',
      snapshotAt: '2024-05-01T10:00:00.000Z',
      nested: { big: ['1', '2'], label: 'a "b" \\ c' },
    });
  });

  it('lists one edge per dependency, ordered by downstream position then upstream key', async () => {
    const doc = await json();
    expect(doc.edges).toEqual([
      { from: 'raw/orders-2024_v1', to: 'bronze/orders' },
      { from: 'bronze/orders', to: 'silver/orders' },
      { from: 'raw/events', to: 'silver/orders' },
      { from: 'silver/orders', to: 'gold/churn-model' },
      { from: 'silver/orders', to: 'gold/revenue' },
      { from: 'gold/churn-model', to: 'end' },
      { from: 'gold/revenue', to: 'end' },
      { from: 'end', to: 'node' },
    ]);
    const declared = doc.nodes.flatMap((n) => n.deps.map((d) => `${d}->${n.key}`)).sort();
    expect(doc.edges.map((e) => `${e.from}->${e.to}`).sort()).toEqual(declared);
  });

  it('adds the newest materialization from state, across partitions and regardless of store order', async () => {
    const state = new MemoryStateStore();
    await state.recordMaterialization(record('silver/orders', { runId: 'r-new', partition: '2024-05-31', createdAt: '2024-05-31T09:00:00.000Z', rowCount: 7 }));
    await state.recordMaterialization(record('silver/orders', { runId: 'r-old', partition: '2024-05-30', createdAt: '2024-05-30T09:00:00.000Z' }));
    await state.recordMaterialization(record('gold/revenue', { rowCount: undefined }));
    const doc = await json({ state });
    const byKey = new Map(doc.nodes.map((n) => [n.key, n]));
    expect(byKey.get('silver/orders')!.lastMaterialization).toEqual({
      runId: 'r-new',
      dataVersion: 'dv-silver/orders',
      rowCount: 7,
      createdAt: '2024-05-31T09:00:00.000Z',
      partition: '2024-05-31',
    });
    expect(byKey.get('gold/revenue')!.lastMaterialization).toEqual({ runId: 'run-1', dataVersion: 'dv-gold/revenue', rowCount: null, createdAt: '2024-05-31T08:00:00.000Z' });
    expect('lastMaterialization' in byKey.get('raw/events')!).toBe(false);
  });

  it('ignores materializations of assets that no longer exist', async () => {
    const state = new MemoryStateStore();
    await state.recordMaterialization(record('silver/removed'));
    const doc = await json({ state });
    expect(doc.nodes.some((n) => 'lastMaterialization' in n)).toBe(false);
  });
});

describe('exportLineage keys (subset)', () => {
  const keys = ['gold/revenue', 'silver/orders', 'end'];

  it('keeps topological order and only edges between included keys', async () => {
    const doc = await json({ keys });
    expect(doc.nodes.map((n) => n.key)).toEqual(['silver/orders', 'gold/revenue', 'end']);
    expect(doc.edges).toEqual([
      { from: 'silver/orders', to: 'gold/revenue' },
      { from: 'gold/revenue', to: 'end' },
    ]);
    // deps describe the asset, not the subset: excluded upstreams stay listed.
    expect(doc.nodes.find((n) => n.key === 'end')!.deps).toEqual(['gold/revenue', 'gold/churn-model']);
  });

  it('applies to every format', async () => {
    const defs = buildFixture();
    const mermaid = await exportLineage(defs, { format: 'mermaid', keys });
    expect(mermaid.match(/ --> /g)).toHaveLength(2);
    expect(mermaid).not.toContain('bronze/orders');
    const dot = await exportLineage(defs, { format: 'dot', keys });
    expect(dot.match(/ -> /g)).toHaveLength(2);
    expect(dot).not.toContain('"bronze/orders"');
    const events = JSON.parse(await exportLineage(defs, { format: 'openlineage', keys, now: NOW })) as { job: { name: string }; inputs: { name: string }[] }[];
    expect(events.map((e) => e.job.name)).toEqual(['silver/orders', 'gold/revenue', 'end']);
    // Inputs are real lineage: an excluded upstream is still an input dataset.
    expect(events[0]!.inputs.map((i) => i.name)).toEqual(['bronze/orders', 'raw/events']);
  });

  it('exports an empty document for an empty subset', async () => {
    expect(await json({ keys: [] })).toEqual({ nodes: [], edges: [] });
    expect(await exportLineage(buildFixture(), { format: 'openlineage', keys: [] })).toBe('[]\n');
  });

  it('rejects an unknown key with a suggestion', async () => {
    const error = await exportLineage(buildFixture(), { format: 'json', keys: ['gold/revenu'] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AssayError);
    expect(error).toMatchObject({ code: 'ASSAY_UNKNOWN_ASSET', assetKey: 'gold/revenu', hint: 'Did you mean "gold/revenue"?' });
  });
});

describe('exportLineage options and errors', () => {
  it('rejects an unknown format with the list of formats', async () => {
    const error = await exportLineage(buildFixture(), { format: 'svg' as LineageFormat }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'ASSAY_UNSUPPORTED' });
    expect((error as AssayError).hint).toContain('json, mermaid, dot, openlineage');
  });

  it('rejects a producer that is not a URI, an empty namespace and an invalid date', async () => {
    const defs = buildFixture();
    await expect(exportLineage(defs, { format: 'openlineage', producer: 'my tool' })).rejects.toMatchObject({ code: 'ASSAY_CONFIG' });
    await expect(exportLineage(defs, { format: 'openlineage', namespace: ' ' })).rejects.toMatchObject({ code: 'ASSAY_CONFIG' });
    await expect(exportLineage(defs, { format: 'openlineage', now: new Date('nope') })).rejects.toMatchObject({ code: 'ASSAY_CONFIG' });
  });

  it('wraps a failing state store in StateError, keeping the cause', async () => {
    const cause = new Error('IO Error: could not read state.duckdb');
    class BrokenStore extends MemoryStateStore {
      override async latestMaterializations(): Promise<MaterializationRecord[]> {
        throw cause;
      }
    }
    const error = await exportLineage(buildFixture(), { format: 'json', state: new BrokenStore() }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AssayError);
    expect(error).toMatchObject({ code: 'ASSAY_STATE', cause });
    expect((error as Error).message).toContain('could not read state.duckdb');
    // Diagrams never show materializations, so they do not touch the store.
    await expect(exportLineage(buildFixture(), { format: 'mermaid', state: new BrokenStore() })).resolves.toContain('flowchart LR');
  });

  it('produces identical bytes for independently built definitions (every format)', async () => {
    const state = new MemoryStateStore();
    await state.recordMaterialization(record('silver/orders'));
    for (const format of LINEAGE_FORMATS) {
      const a = await exportLineage(buildFixture(), { format, state, now: NOW });
      const b = await exportLineage(buildFixture(), { format, state, now: NOW });
      expect(b, format).toBe(a);
      expect(a.endsWith('\n'), format).toBe(true);
    }
  });
});
