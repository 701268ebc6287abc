import { createHash, randomUUID } from 'node:crypto';
import type { AssetDefinition } from '../definitions/asset.js';
import type { MaterializationRecord } from '../state/state-store.js';
import type { LineageGraph } from './collect-lineage.js';

/** Schema URL of an OpenLineage RunEvent (spec 2-0-2), written into every event's `schemaURL`. */
export const OPENLINEAGE_RUN_EVENT_SCHEMA_URL = 'https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent';

/** Schema URLs of the standard facets Assay writes. */
export const OPENLINEAGE_FACET_SCHEMA_URLS = {
  jobType: 'https://openlineage.io/spec/facets/2-0-3/JobTypeJobFacet.json#/$defs/JobTypeJobFacet',
  jobDocumentation: 'https://openlineage.io/spec/facets/1-0-1/DocumentationJobFacet.json#/$defs/DocumentationJobFacet',
  ownership: 'https://openlineage.io/spec/facets/1-0-1/OwnershipJobFacet.json#/$defs/OwnershipJobFacet',
  tags: 'https://openlineage.io/spec/facets/1-0-0/TagsJobFacet.json#/$defs/TagsJobFacet',
  datasetDocumentation: 'https://openlineage.io/spec/facets/1-0-1/DocumentationDatasetFacet.json#/$defs/DocumentationDatasetFacet',
  schema: 'https://openlineage.io/spec/facets/1-1-1/SchemaDatasetFacet.json#/$defs/SchemaDatasetFacet',
  version: 'https://openlineage.io/spec/facets/1-0-1/DatasetVersionDatasetFacet.json#/$defs/DatasetVersionDatasetFacet',
  outputStatistics: 'https://openlineage.io/spec/facets/1-0-2/OutputStatisticsOutputDatasetFacet.json#/$defs/OutputStatisticsOutputDatasetFacet',
} as const;

/** Fields every OpenLineage facet carries, plus the facet's own fields. */
export interface OpenLineageFacet {
  /** URI of the software that wrote the facet. */
  readonly _producer: string;
  /** URL of the JSON schema of the facet. */
  readonly _schemaURL: string;
  readonly [field: string]: unknown;
}

/** An OpenLineage dataset reference. */
export interface OpenLineageDataset {
  /** Dataset namespace (the `namespace` option). */
  readonly namespace: string;
  /** Dataset name: the asset key. */
  readonly name: string;
  /** Dataset facets (documentation, schema, version), when there are any. */
  readonly facets?: Readonly<Record<string, OpenLineageFacet>>;
}

/** An OpenLineage output dataset: a dataset with output facets (row count). */
export interface OpenLineageOutputDataset extends OpenLineageDataset {
  /** Output facets, when there are any. */
  readonly outputFacets?: Readonly<Record<string, OpenLineageFacet>>;
}

/** One OpenLineage RunEvent (spec 2-0-2), as written by the `openlineage` lineage format. */
export interface OpenLineageRunEvent {
  /** Run state transition. Assay writes `COMPLETE`. */
  readonly eventType: 'START' | 'RUNNING' | 'COMPLETE' | 'ABORT' | 'FAIL' | 'OTHER';
  /** ISO date-time of the event. */
  readonly eventTime: string;
  /** The run, identified by a UUID. */
  readonly run: { readonly runId: string; readonly facets?: Readonly<Record<string, OpenLineageFacet>> };
  /** The job: one per asset, named by its key. */
  readonly job: { readonly namespace: string; readonly name: string; readonly facets: Readonly<Record<string, OpenLineageFacet>> };
  /** The asset's dependencies. */
  readonly inputs: readonly OpenLineageDataset[];
  /** The asset itself. */
  readonly outputs: readonly OpenLineageOutputDataset[];
  /** URI of the producer. */
  readonly producer: string;
  /** {@link OPENLINEAGE_RUN_EVENT_SCHEMA_URL}. */
  readonly schemaURL: string;
}

/** Options of {@link toOpenLineageEvents}. */
export interface OpenLineageEventOptions {
  /** Namespace of jobs and datasets. */
  readonly namespace: string;
  /** Producer URI (`producer` and every facet's `_producer`). */
  readonly producer: string;
  /**
   * Time of events for assets without a materialization. When given, their run ids derive
   * from it too (deterministic output); otherwise they are random.
   */
  readonly now: Date | undefined;
}

/** Fixed namespace of Assay's name-based run UUIDs; changing it changes every derived run id. */
const RUN_ID_NAMESPACE = 'b5aba3bf-2d27-439e-9863-0d30aa20d420';

/**
 * Converts a {@link LineageGraph} into OpenLineage RunEvents: one `COMPLETE` event per asset
 * whose job is the asset (named by its key, jobType facet with `processingType: 'BATCH'`,
 * `integration: 'ASSAY'`, `jobType` = kind), inputs its dependencies and output the asset.
 *
 * For an asset with a materialization in state, `eventTime` is the materialization's time
 * and `run.runId` a UUID derived (name-based, SHA-1, version 5) from the Assay run id, key,
 * partition and namespace, so re-exporting gives the same ids; the output dataset carries a
 * `version` facet (data version) and an `outputStatistics` facet (row count). Other assets
 * get `now` as event time and a run id derived from `now` (or a random v4 UUID without it).
 */
export function toOpenLineageEvents(graph: LineageGraph, options: OpenLineageEventOptions): OpenLineageRunEvent[] {
  const fallbackTime = (options.now ?? new Date()).toISOString();
  return graph.assets.map((asset) => {
    const m = graph.materializations.get(asset.key);
    const runId = m
      ? nameBasedUuid(['materialization', options.namespace, asset.key, m.runId, m.partition ?? ''].join('\u0000'))
      : options.now
        ? nameBasedUuid(['export', options.namespace, asset.key, fallbackTime].join('\u0000'))
        : randomUUID();
    return {
      eventType: 'COMPLETE',
      eventTime: m ? isoTime(m.createdAt) : fallbackTime,
      run: { runId },
      job: { namespace: options.namespace, name: asset.key, facets: jobFacets(asset, options.producer) },
      inputs: asset.deps.map((dep) => ({ namespace: options.namespace, name: dep })),
      outputs: [outputDataset(asset, m, options)],
      producer: options.producer,
      schemaURL: OPENLINEAGE_RUN_EVENT_SCHEMA_URL,
    };
  });
}

function facet(producer: string, schemaURL: string, fields: Record<string, unknown>): OpenLineageFacet {
  return { _producer: producer, _schemaURL: schemaURL, ...fields };
}

function jobFacets(asset: AssetDefinition, producer: string): Record<string, OpenLineageFacet> {
  const facets: Record<string, OpenLineageFacet> = {
    jobType: facet(producer, OPENLINEAGE_FACET_SCHEMA_URLS.jobType, { processingType: 'BATCH', integration: 'ASSAY', jobType: asset.kind }),
  };
  if (asset.description) facets.documentation = facet(producer, OPENLINEAGE_FACET_SCHEMA_URLS.jobDocumentation, { description: asset.description });
  if (asset.owners.length > 0) facets.ownership = facet(producer, OPENLINEAGE_FACET_SCHEMA_URLS.ownership, { owners: asset.owners.map((name) => ({ name })) });
  const tags = Object.entries(asset.tags);
  if (tags.length > 0) facets.tags = facet(producer, OPENLINEAGE_FACET_SCHEMA_URLS.tags, { tags: tags.map(([key, value]) => ({ key, value, source: 'ASSAY' })) });
  return facets;
}

function outputDataset(asset: AssetDefinition, m: MaterializationRecord | undefined, options: OpenLineageEventOptions): OpenLineageOutputDataset {
  const { producer } = options;
  const facets: Record<string, OpenLineageFacet> = {};
  if (asset.description) facets.documentation = facet(producer, OPENLINEAGE_FACET_SCHEMA_URLS.datasetDocumentation, { description: asset.description });
  // Declared columns win; otherwise what the backend recorded at the last materialization.
  const fields = schemaFields(asset.metadata.columns) ?? schemaFields(m?.metadata?.columns);
  if (fields) facets.schema = facet(producer, OPENLINEAGE_FACET_SCHEMA_URLS.schema, { fields });
  if (m) facets.version = facet(producer, OPENLINEAGE_FACET_SCHEMA_URLS.version, { datasetVersion: m.dataVersion });
  const rowCount = typeof m?.rowCount === 'bigint' ? Number(m.rowCount) : m?.rowCount;
  const dataset: OpenLineageOutputDataset = { namespace: options.namespace, name: asset.key };
  return {
    ...dataset,
    ...(Object.keys(facets).length > 0 ? { facets } : {}),
    ...(typeof rowCount === 'number' && Number.isFinite(rowCount)
      ? { outputFacets: { outputStatistics: facet(producer, OPENLINEAGE_FACET_SCHEMA_URLS.outputStatistics, { rowCount }) } }
      : {}),
  };
}

/**
 * Schema fields from `metadata.columns`: an array of `{ name, type?, description? }` (what
 * backends record, see `RelationInfo`) or an object mapping column name to type. Anything
 * else is not a column list and yields undefined.
 */
function schemaFields(columns: unknown): { name: string; type?: string; description?: string }[] | undefined {
  if (Array.isArray(columns)) {
    const fields: { name: string; type?: string; description?: string }[] = [];
    for (const c of columns) {
      if (c === null || typeof c !== 'object' || typeof (c as { name?: unknown }).name !== 'string') return undefined;
      const { name, type, description } = c as { name: string; type?: unknown; description?: unknown };
      fields.push({
        name,
        ...(type === undefined || type === null ? {} : { type: String(type) }),
        ...(typeof description === 'string' ? { description } : {}),
      });
    }
    return fields.length > 0 ? fields : undefined;
  }
  if (columns !== null && typeof columns === 'object') {
    const entries = Object.entries(columns);
    if (entries.length === 0 || !entries.every(([, t]) => typeof t === 'string')) return undefined;
    return entries.map(([name, type]) => ({ name, type: type as string }));
  }
  return undefined;
}

/** A stored time as ISO-8601 (OpenLineage requires a date-time); unparseable text is kept as is. */
function isoTime(value: string): string {
  const t = Date.parse(value);
  return Number.isNaN(t) ? value : new Date(t).toISOString();
}

/**
 * A name-based UUID (RFC 9562 version 5: SHA-1 of a namespace UUID and the name), so the
 * same materialization always maps to the same OpenLineage run id.
 */
export function nameBasedUuid(name: string, namespace: string = RUN_ID_NAMESPACE): string {
  const hash = createHash('sha1').update(Buffer.from(namespace.replace(/-/g, ''), 'hex')).update(name, 'utf8').digest();
  hash[6] = (hash[6]! & 0x0f) | 0x50;
  hash[8] = (hash[8]! & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}
