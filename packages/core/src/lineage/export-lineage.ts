// PLACEHOLDER until lineage export lands (same session).
import type { Definitions } from '../definitions/define-assets.js';

/** Lineage document formats. */
export type LineageFormat = 'json' | 'mermaid' | 'dot' | 'openlineage';

/** Options of {@link exportLineage}. */
export interface LineageOptions {
  format: LineageFormat;
}

/** Exports the graph as a lineage document. */
export async function exportLineage(defs: Definitions, options: LineageOptions): Promise<string> {
  return JSON.stringify({ format: options.format, nodes: defs.keys });
}
