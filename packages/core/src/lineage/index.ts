// Lineage export: exportLineage and the types of the documents it writes.
export { exportLineage, LINEAGE_FORMATS, DEFAULT_LINEAGE_PRODUCER, type LineageFormat, type LineageOptions } from './export-lineage.js';
export type { LineageEdge } from './collect-lineage.js';
export type { LineageDocument, LineageNode, LineageCheck, LineageMaterialization } from './to-lineage-document.js';
export {
  OPENLINEAGE_RUN_EVENT_SCHEMA_URL,
  type OpenLineageRunEvent,
  type OpenLineageDataset,
  type OpenLineageOutputDataset,
  type OpenLineageFacet,
} from './to-open-lineage-events.js';
export { toJsonSafe, type JsonValue } from './to-json-safe.js';
