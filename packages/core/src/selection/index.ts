/**
 * Selections: one grammar for the CLI (`--select`, `--exclude`), the API and the UI.
 * See docs/selection.md.
 */
export {
  SELECTION_ATTRIBUTES,
  SELECTION_FUNCTIONS,
  type SelectionAttribute,
  type SelectionFunctionName,
  type SelectionNode,
  type KeySelection,
  type GroupSelection,
  type KindSelection,
  type OwnerSelection,
  type TagSelection,
  type TraverseSelection,
  type TraversalDepth,
  type FunctionSelection,
  type NotSelection,
  type AndSelection,
  type OrSelection,
} from './selection-node.js';
export { parseSelection } from './parse-selection.js';
export { formatSelection } from './format-selection.js';
export { resolveSelection } from './resolve-selection.js';
export { selectAssets, type SelectOptions } from './select-assets.js';
