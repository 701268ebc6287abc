import { describe, expect, it } from 'vitest';
import { MemoryStateStore } from '../state/memory-state-store.js';
import type { MaterializationRecord } from '../state/state-store.js';
import { exportLineage } from './export-lineage.js';
import { nameBasedUuid, OPENLINEAGE_RUN_EVENT_SCHEMA_URL, type OpenLineageRunEvent } from './to-open-lineage-events.js';
import { buildFixture, buildLargeGraph, FIXTURE_ORDER, ODD_DESCRIPTION } from './__tests__/lineage-fixture.js';

const NOW = new Date('2024-06-01T12:00:00.000Z');
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;
const EVENT_TYPES = ['START', 'RUNNING', 'COMPLETE', 'ABORT', 'FAIL', 'OTHER'];

function isUri(value: unknown): boolean {
  if (typeof value !== 'string') return false;
  try {
    new URL(value);
    return true;
  } catch {
    return false;
  }
}

/**
 * The constraints of the OpenLineage 2-0-2 RunEvent schema (and of the facets Assay writes),
 * checked by hand: no JSON-schema validator is installed, and these are the rules consumers
 * such as Marquez enforce. Returns every violation as "path: problem".
 */
function specViolations(event: unknown): string[] {
  const problems: string[] = [];
  const at = (path: string, ok: boolean, what: string) => {
    if (!ok) problems.push(`${path}: ${what}`);
  };
  const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
  const facets = (path: string, value: unknown) => {
    if (value === undefined) return;
    at(path, isObject(value), 'must be an object');
    for (const [name, f] of Object.entries(value as Record<string, unknown>)) {
      at(`${path}.${name}`, isObject(f), 'facet must be an object');
      const facet = f as Record<string, unknown>;
      at(`${path}.${name}._producer`, isUri(facet._producer), 'required URI');
      at(`${path}.${name}._schemaURL`, isUri(facet._schemaURL) && String(facet._schemaURL).includes('#/$defs/'), 'required JSON-pointer URI');
    }
  };
  const dataset = (path: string, value: unknown) => {
    at(path, isObject(value), 'must be an object');
    const d = value as Record<string, unknown>;
    at(`${path}.namespace`, typeof d.namespace === 'string' && d.namespace.length > 0, 'required string');
    at(`${path}.name`, typeof d.name === 'string' && d.name.length > 0, 'required string');
    facets(`${path}.facets`, d.facets);
    facets(`${path}.outputFacets`, d.outputFacets);
  };
  at('event', isObject(event), 'must be an object');
  const e = event as Record<string, unknown>;
  at('eventTime', typeof e.eventTime === 'string' && DATE_TIME.test(e.eventTime) && !Number.isNaN(Date.parse(e.eventTime)), 'required date-time');
  at('producer', isUri(e.producer), 'required URI');
  at('schemaURL', isUri(e.schemaURL), 'required URI');
  at('eventType', e.eventType === undefined || EVENT_TYPES.includes(e.eventType as string), `one of ${EVENT_TYPES.join('|')}`);
  const run = e.run as Record<string, unknown> | undefined;
  at('run', isObject(run), 'required object');
  at('run.runId', typeof run?.runId === 'string' && UUID.test(run.runId), 'required UUID');
  facets('run.facets', run?.facets);
  const job = e.job as Record<string, unknown> | undefined;
  at('job', isObject(job), 'required object');
  at('job.namespace', typeof job?.namespace === 'string', 'required string');
  at('job.name', typeof job?.name === 'string', 'required string');
  facets('job.facets', job?.facets);
  const jobType = (job?.facets as Record<string, Record<string, unknown>> | undefined)?.jobType;
  if (jobType) {
    at('job.facets.jobType.processingType', typeof jobType.processingType === 'string', 'required string');
    at('job.facets.jobType.integration', typeof jobType.integration === 'string', 'required string');
  }
  for (const [side, list] of [['inputs', e.inputs], ['outputs', e.outputs]] as const) {
    if (list === undefined) continue;
    at(side, Array.isArray(list), 'must be an array');
    (list as unknown[]).forEach((d, i) => {
      dataset(`${side}[${i}]`, d);
      const schema = ((d as Record<string, unknown>).facets as Record<string, Record<string, unknown>> | undefined)?.schema;
      if (schema) {
        at(`${side}[${i}].facets.schema.fields`, Array.isArray(schema.fields), 'must be an array');
        for (const field of schema.fields as Record<string, unknown>[]) at(`${side}[${i}].facets.schema.fields[]`, typeof field.name === 'string', 'name is required');
      }
    });
  }
  return problems;
}

async function events(options: Partial<Parameters<typeof exportLineage>[1]> = {}): Promise<OpenLineageRunEvent[]> {
  return JSON.parse(await exportLineage(buildFixture(), { format: 'openlineage', ...options })) as OpenLineageRunEvent[];
}

function record(assetKey: string, overrides: Partial<MaterializationRecord> = {}): MaterializationRecord {
  return {
    runId: 'run-7',
    assetKey,
    dataVersion: `dv-${assetKey}`,
    codeVersion: 'cv',
    upstreamVersions: {},
    rowCount: 1234,
    durationMs: 10,
    metadata: {},
    createdAt: '2024-05-31T08:00:00.000Z',
    ...overrides,
  };
}

describe('openlineage lineage', () => {
  it('writes one spec-valid COMPLETE RunEvent per asset, in topological order', async () => {
    const list = await events({ now: NOW });
    expect(list.map((e) => e.job.name)).toEqual(FIXTURE_ORDER);
    for (const event of list) expect(specViolations(event), event.job.name).toEqual([]);
    for (const event of list) {
      expect(event.eventType).toBe('COMPLETE');
      expect(event.eventTime).toBe(NOW.toISOString());
      expect(event.schemaURL).toBe('https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent');
      expect(event.producer).toBe('https://github.com/assay-dev/assay');
      expect(event.job.namespace).toBe('assay');
      expect(event.outputs).toHaveLength(1);
      expect(event.outputs[0]).toMatchObject({ namespace: 'assay', name: event.job.name });
    }
    expect(new Set(list.map((e) => e.run.runId)).size).toBe(list.length);
  });

  it('describes each asset as a BATCH job with its dependencies as inputs', async () => {
    const silver = (await events({ now: NOW })).find((e) => e.job.name === 'silver/orders')!;
    expect(silver.job.facets.jobType).toEqual({
      _producer: 'https://github.com/assay-dev/assay',
      _schemaURL: 'https://openlineage.io/spec/facets/2-0-3/JobTypeJobFacet.json#/$defs/JobTypeJobFacet',
      processingType: 'BATCH',
      integration: 'ASSAY',
      jobType: 'table',
    });
    expect(silver.inputs).toEqual([
      { namespace: 'assay', name: 'bronze/orders' },
      { namespace: 'assay', name: 'raw/events' },
    ]);
  });

  it('adds schema, documentation, ownership and tag facets from the definition', async () => {
    const raw = (await events({ now: NOW, producer: 'https://example.com/pipelines', namespace: 'shop "eu"' })).find((e) => e.job.name === 'raw/orders-2024_v1')!;
    expect(specViolations(raw)).toEqual([]);
    expect(raw.job.namespace).toBe('shop "eu"');
    expect(raw.job.facets.documentation).toMatchObject({ description: ODD_DESCRIPTION, _producer: 'https://example.com/pipelines' });
    expect(raw.job.facets.ownership).toMatchObject({ owners: [{ name: 'ana@corp.com' }, { name: 'team:"data" <eng>' }] });
    expect(raw.job.facets.tags).toMatchObject({
      tags: [
        { key: 'pii', value: '', source: 'ASSAY' },
        { key: 'team', value: 'fin "ance"', source: 'ASSAY' },
        { key: 'x<y', value: 'a\\b', source: 'ASSAY' },
      ],
    });
    expect(raw.outputs[0]!.facets!.schema).toEqual({
      _producer: 'https://example.com/pipelines',
      _schemaURL: 'https://openlineage.io/spec/facets/1-1-1/SchemaDatasetFacet.json#/$defs/SchemaDatasetFacet',
      fields: [
        { name: 'order_id', type: 'BIGINT' },
        { name: 'amount "eur"', type: 'DECIMAL(18,2)' },
      ],
    });
    // The object form { column: type } is accepted too.
    const silver = (await events({ now: NOW })).find((e) => e.job.name === 'silver/orders')!;
    expect(silver.outputs[0]!.facets!.schema!.fields).toEqual([
      { name: 'order_id', type: 'BIGINT' },
      { name: 'amount', type: 'DOUBLE' },
    ]);
    // No description, owners, tags or columns: no such facets.
    const end = (await events({ now: NOW })).find((e) => e.job.name === 'end')!;
    expect(Object.keys(end.job.facets)).toEqual(['jobType']);
    expect(end.outputs[0]).toEqual({ namespace: 'assay', name: 'end' });
  });

  it('describes the latest materialization when state is given, with stable run ids', async () => {
    const state = new MemoryStateStore();
    await state.recordMaterialization(record('gold/revenue', { metadata: { columns: [{ name: 'revenue', type: 'DOUBLE' }] } }));
    const first = await events({ state });
    const gold = first.find((e) => e.job.name === 'gold/revenue')!;
    expect(specViolations(gold)).toEqual([]);
    expect(gold.eventTime).toBe('2024-05-31T08:00:00.000Z');
    expect(gold.run.runId).toBe(nameBasedUuid(['materialization', 'assay', 'gold/revenue', 'run-7', ''].join('\u0000')));
    expect(gold.outputs[0]!.facets!.version).toMatchObject({ datasetVersion: 'dv-gold/revenue' });
    expect(gold.outputs[0]!.outputFacets!.outputStatistics).toMatchObject({ rowCount: 1234 });
    // Columns the backend recorded stand in when the definition declares none.
    expect(gold.outputs[0]!.facets!.schema!.fields).toEqual([{ name: 'revenue', type: 'DOUBLE' }]);

    const second = await events({ state });
    expect(second.find((e) => e.job.name === 'gold/revenue')!.run.runId).toBe(gold.run.runId);
    // Assets never materialized have no run to derive from: random ids without `now`.
    const unbuilt = (list: OpenLineageRunEvent[]) => list.find((e) => e.job.name === 'silver/orders')!.run.runId;
    expect(unbuilt(second)).not.toBe(unbuilt(first));
    expect(unbuilt(first)).toMatch(UUID);
  });

  it('derives different run ids for different runs, partitions and namespaces', async () => {
    const ids = new Set<string>();
    for (const [runId, partition, namespace] of [['r1', undefined, 'assay'], ['r2', undefined, 'assay'], ['r1', '2024-01-01', 'assay'], ['r1', undefined, 'other']] as const) {
      const state = new MemoryStateStore();
      await state.recordMaterialization(record('end', { runId, partition }));
      ids.add((await events({ state, namespace, keys: ['end'] }))[0]!.run.runId);
    }
    expect(ids.size).toBe(4);
  });

  it('makes name-based UUIDs of version 5 (RFC 9562 test vector)', () => {
    // RFC 9562 appendix A.4: v5 of "www.example.com" in the DNS namespace.
    expect(nameBasedUuid('www.example.com', '6ba7b810-9dad-11d1-80b4-00c04fd430c8')).toBe('2ed6657d-e927-568b-95e1-2665a8aea6a2');
    expect(nameBasedUuid('x')).toMatch(UUID);
  });

  it('exports a valid event list for a 1,000-asset graph', async () => {
    const list = JSON.parse(await exportLineage(buildLargeGraph(1000), { format: 'openlineage', now: NOW })) as OpenLineageRunEvent[];
    expect(list).toHaveLength(1000);
    const problems = list.flatMap(specViolations);
    expect(problems).toEqual([]);
    expect(list.every((e) => e.schemaURL === OPENLINEAGE_RUN_EVENT_SCHEMA_URL)).toBe(true);
  });

  it('flags what the validator is meant to catch', () => {
    // Guards the hand-written validator itself: each broken field must be reported.
    const broken = { eventTime: 'yesterday', producer: 'not a uri', schemaURL: OPENLINEAGE_RUN_EVENT_SCHEMA_URL, eventType: 'DONE', run: { runId: 'run-1' }, job: { namespace: 'a', name: 'b', facets: { jobType: { _producer: 'x', processingType: 'BATCH' } } } };
    expect(specViolations(broken).map((p) => p.split(':')[0])).toEqual([
      'eventTime',
      'producer',
      'eventType',
      'run.runId',
      'job.facets.jobType._producer',
      'job.facets.jobType._schemaURL',
      'job.facets.jobType.integration',
    ]);
  });
});
