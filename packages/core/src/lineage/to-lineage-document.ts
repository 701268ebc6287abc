import type { AssetKey } from '../definitions/asset-key.js';
import type { CheckSeverity } from '../definitions/checks.js';
import type { LineageEdge, LineageGraph } from './collect-lineage.js';
import { toJsonSafe, type JsonValue } from './to-json-safe.js';

/** A declared check as it appears in a lineage document. */
export interface LineageCheck {
  /** Check name, unique within the asset (`not_null_email`, ...). */
  readonly name: string;
  /** Check type (`not_null`, `unique`, `row_count`, `sql`, ...). */
  readonly type: string;
  /** `warn` or `error`. */
  readonly severity: CheckSeverity;
  /** Whether a failure stops the asset's downstream. */
  readonly blocking: boolean;
}

/** The latest materialization of an asset, as read from the state store. */
export interface LineageMaterialization {
  /** Assay run that produced it. */
  readonly runId: string;
  /** Data version it produced. */
  readonly dataVersion: string;
  /** Rows after the build; `null` when the backend did not report a count. */
  readonly rowCount: number | null;
  /** ISO time it was recorded. */
  readonly createdAt: string;
  /** Partition key, present only for partitioned assets (the newest partition is shown). */
  readonly partition?: string;
}

/** One asset in the `json` lineage format. */
export interface LineageNode {
  /** Asset key, e.g. `silver/orders`. */
  readonly key: AssetKey;
  /** Group (layer). */
  readonly group: string;
  /** Kind (table, view, source, ...). */
  readonly kind: string;
  /**
   * Every direct dependency of the asset, in declaration order — including ones left out of
   * a subset export (edges only link included assets).
   */
  readonly deps: readonly AssetKey[];
  /** Description, or `null` when the asset has none. */
  readonly description: string | null;
  /** Owners. */
  readonly owners: readonly string[];
  /** Tags; a tag without a value has value `''`. */
  readonly tags: Readonly<Record<string, string>>;
  /** Metadata, converted to JSON-safe values (bigint → string, Date → ISO string). */
  readonly metadata: { readonly [key: string]: JsonValue };
  /** Code version. */
  readonly codeVersion: string;
  /** Declared checks. */
  readonly checks: readonly LineageCheck[];
  /** Latest materialization; present only when a state store was given and has one. */
  readonly lastMaterialization?: LineageMaterialization;
}

/** The `json` lineage format: nodes in stable topological order and the edges between them. */
export interface LineageDocument {
  /** Assets in stable topological order (ties by key). */
  readonly nodes: readonly LineageNode[];
  /** Edges between included assets, ordered by downstream position, then upstream key. */
  readonly edges: readonly LineageEdge[];
}

/** Builds the `json` lineage document of a {@link LineageGraph}. */
export function toLineageDocument(graph: LineageGraph): LineageDocument {
  const nodes = graph.assets.map((a): LineageNode => {
    const m = graph.materializations.get(a.key);
    const metadata = toJsonSafe(a.metadata) as { [key: string]: JsonValue };
    const node: LineageNode = {
      key: a.key,
      group: a.group,
      kind: a.kind,
      deps: [...a.deps],
      description: a.description ?? null,
      owners: [...a.owners],
      tags: { ...a.tags },
      metadata,
      codeVersion: a.codeVersion,
      checks: a.checks.map((c) => ({ name: c.name, type: c.type, severity: c.severity, blocking: c.blocking })),
    };
    if (!m) return node;
    const lastMaterialization: LineageMaterialization = {
      runId: m.runId,
      dataVersion: m.dataVersion,
      rowCount: toRowCount(m.rowCount),
      createdAt: m.createdAt,
      ...(m.partition === undefined || m.partition === null ? {} : { partition: m.partition }),
    };
    return { ...node, lastMaterialization };
  });
  return { nodes, edges: graph.edges.map((e) => ({ from: e.from, to: e.to })) };
}

/** A stored row count as a JSON number; stores backed by SQL drivers may hand back bigint. */
function toRowCount(value: unknown): number | null {
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value === 'bigint') return Number(value);
  return null;
}

/** Renders the `json` lineage format: {@link LineageDocument} as indented JSON. */
export function renderLineageJson(graph: LineageGraph): string {
  return `${JSON.stringify(toLineageDocument(graph), null, 2)}\n`;
}
