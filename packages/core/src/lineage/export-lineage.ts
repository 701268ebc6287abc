import type { AssetKey } from '../definitions/asset-key.js';
import type { Definitions } from '../definitions/define-assets.js';
import { ConfigError, UnsupportedError } from '../errors.js';
import type { StateStore } from '../state/state-store.js';
import { collectLineage } from './collect-lineage.js';
import { renderDot } from './render-dot.js';
import { renderMermaid } from './render-mermaid.js';
import { renderLineageJson } from './to-lineage-document.js';
import { toOpenLineageEvents } from './to-open-lineage-events.js';

/** Every lineage format {@link exportLineage} can write, in the order the CLI lists them. */
export const LINEAGE_FORMATS = ['json', 'mermaid', 'dot', 'openlineage'] as const;

/**
 * A lineage document format:
 * - `json`: Assay's own document, {@link LineageDocument} (`{ nodes, edges }`);
 * - `mermaid`: a Mermaid `flowchart LR` with one subgraph per group;
 * - `dot`: a Graphviz digraph with one cluster per group;
 * - `openlineage`: a JSON array of OpenLineage RunEvents (spec 2-0-2), one per asset.
 */
export type LineageFormat = (typeof LINEAGE_FORMATS)[number];

/** The default OpenLineage producer URI. */
export const DEFAULT_LINEAGE_PRODUCER = 'https://github.com/assay-dev/assay';

/** Options of {@link exportLineage}. */
export interface LineageOptions {
  /** Output format. */
  format: LineageFormat;
  /**
   * An opened state store. When given, `json` nodes get `lastMaterialization` and
   * `openlineage` events describe each asset's latest materialization (its time, a run id
   * derived from its run, data version and row count). Other formats ignore it.
   * Defaults to none: the document describes the definitions only.
   */
  state?: StateStore;
  /** OpenLineage namespace of jobs and datasets. Defaults to `'assay'`. */
  namespace?: string;
  /**
   * Export only these assets (e.g. the keys a selection resolved to). Order does not matter:
   * output stays in topological order. Edges link included assets only; `json` nodes still
   * list every dependency in `deps`, and `openlineage` events every input. Defaults to all.
   */
  keys?: readonly AssetKey[];
  /**
   * OpenLineage producer URI (`producer` and every facet's `_producer`).
   * Defaults to {@link DEFAULT_LINEAGE_PRODUCER}.
   */
  producer?: string;
  /**
   * The export time, used by `openlineage` for assets without a materialization (event time,
   * and the seed of their run ids). Pass it for reproducible output. Defaults to the current
   * time, with random run ids.
   */
  now?: Date;
}

/**
 * Exports the asset graph as a lineage document in one of {@link LINEAGE_FORMATS}: Assay's
 * JSON, Mermaid, Graphviz DOT, or OpenLineage run events. Output is deterministic (same
 * definitions and state → same bytes), except OpenLineage run ids and times of assets without
 * a materialization when `now` is not given. Every document ends with a newline.
 *
 * `assets lineage --format <format>` prints exactly this string.
 *
 * @example
 * ```ts
 * import { exportLineage, selectAssets } from '@assay/core';
 * import defs from './assets/index.js';
 *
 * const diagram = await exportLineage(defs, { format: 'mermaid' });
 * const gold = await exportLineage(defs, { format: 'dot', keys: selectAssets(defs, '+group:gold') });
 * const events = JSON.parse(await exportLineage(defs, { format: 'openlineage', state, namespace: 'analytics' }));
 * ```
 * @throws {@link UnsupportedError} (`ASSAY_UNSUPPORTED`) for an unknown format;
 * {@link ConfigError} (`ASSAY_CONFIG`) for a producer that is not an absolute URI, an
 * empty namespace or an invalid `now`; {@link UnknownAssetError} (`ASSAY_UNKNOWN_ASSET`) when `keys` names an
 * unknown asset; {@link StateError} (`ASSAY_STATE`) when the state store cannot be read.
 */
export async function exportLineage(defs: Definitions, options: LineageOptions): Promise<string> {
  const format = options?.format;
  if (!(LINEAGE_FORMATS as readonly string[]).includes(format)) {
    throw new UnsupportedError(`Unknown lineage format "${String(format)}"`, { hint: `Use one of: ${LINEAGE_FORMATS.join(', ')}.` });
  }
  const producer = options.producer ?? DEFAULT_LINEAGE_PRODUCER;
  const now = options.now;
  if (format === 'openlineage') {
    if (!isAbsoluteUri(producer)) {
      throw new ConfigError(`Lineage producer "${producer}" is not an absolute URI`, { hint: `OpenLineage requires a URI, e.g. "${DEFAULT_LINEAGE_PRODUCER}".` });
    }
    if (options.namespace !== undefined && (typeof options.namespace !== 'string' || options.namespace.trim() === '')) {
      throw new ConfigError('Lineage option "namespace" must be a non-empty string', { hint: 'Leave it out for the default "assay".' });
    }
    if (now !== undefined && !(now instanceof Date && !Number.isNaN(now.getTime()))) {
      throw new ConfigError('Lineage option "now" is not a valid Date');
    }
  }
  // Only json and openlineage show materializations; skip the state read for diagrams.
  const wantsState = format === 'json' || format === 'openlineage';
  const graph = await collectLineage(defs, { keys: options.keys, state: wantsState ? options.state : undefined });
  switch (format) {
    case 'json':
      return renderLineageJson(graph);
    case 'mermaid':
      return renderMermaid(graph);
    case 'dot':
      return renderDot(graph);
    case 'openlineage': {
      const events = toOpenLineageEvents(graph, { namespace: options.namespace ?? 'assay', producer, now });
      return `${JSON.stringify(events, null, 2)}\n`;
    }
  }
}

function isAbsoluteUri(text: string): boolean {
  try {
    new URL(text);
    return true;
  } catch {
    return false;
  }
}
