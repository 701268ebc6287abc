import type { AssetKey } from '../definitions/asset-key.js';
import type { Definitions } from '../definitions/define-assets.js';
import { parseSelection } from './parse-selection.js';
import { resolveSelection } from './resolve-selection.js';
import type { SelectionNode } from './selection-node.js';

/** Options of {@link selectAssets}. */
export interface SelectOptions {
  /** Assets removed from the selection, in the same grammar (CLI `--exclude`). Defaults to none. */
  exclude?: string | SelectionNode | undefined;
}

/**
 * Resolves a selection to asset keys in stable topological order (dependencies first, ties
 * by key): the one entry point the CLI, planner and services share.
 *
 * `selection` is selection text (see {@link parseSelection} and docs/selection.md) or an
 * already parsed tree; when omitted every asset is selected. A selection that is valid but
 * matches nothing returns `[]`; callers decide whether that is an error.
 *
 * @example
 * ```ts
 * selectAssets(defs, '+gold/revenue', { exclude: 'group:raw' });
 * // ['bronze/orders', 'silver/orders', 'gold/revenue']
 * ```
 * @throws {@link SelectionSyntaxError} or {@link UnknownSelectionAttributeError} when
 * `selection` or `exclude` text does not parse.
 */
export function selectAssets(defs: Definitions, selection?: string | SelectionNode, options: SelectOptions = {}): AssetKey[] {
  const chosen = selection === undefined ? undefined : resolveSelection(toNode(selection), defs);
  const excluded = options.exclude === undefined ? undefined : resolveSelection(toNode(options.exclude), defs);
  // Filtering the precomputed order keeps the result topological without a sort.
  return defs.graph.order.filter((k) => (chosen === undefined || chosen.has(k)) && (excluded === undefined || !excluded.has(k)));
}

function toNode(selection: string | SelectionNode): SelectionNode {
  return typeof selection === 'string' ? parseSelection(selection) : selection;
}
