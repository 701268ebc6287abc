import { AssayError } from '../errors.js';

/**
 * The syntax tree of a selection expression: plain, JSON-serializable objects discriminated
 * by `type`, produced by {@link parseSelection}, printed by {@link formatSelection} and
 * evaluated by {@link resolveSelection}. The CLI, the API and the UI all exchange selections
 * either as text or as this tree.
 *
 * Every pattern in a node is a glob: `*` matches any run of characters (`/` included), `?`
 * exactly one character, everything else itself. Globs match the whole value.
 */

/** Attribute names a selection may use before `:` (`group:gold`). */
export const SELECTION_ATTRIBUTES = ['key', 'group', 'tag', 'kind', 'owner'] as const;

/** One of {@link SELECTION_ATTRIBUTES}. */
export type SelectionAttribute = (typeof SELECTION_ATTRIBUTES)[number];

/** Function names a selection may call (`roots(...)`, `sinks(...)`). */
export const SELECTION_FUNCTIONS = ['roots', 'sinks'] as const;

/** One of {@link SELECTION_FUNCTIONS}. */
export type SelectionFunctionName = (typeof SELECTION_FUNCTIONS)[number];

/** Assets whose key matches `pattern`; written as a bare token (`silver/*`) or `key:silver/*`. */
export interface KeySelection {
  type: 'key';
  /** Key glob, matched against the whole key. */
  pattern: string;
}

/** Assets whose group matches `pattern` (`group:gold`). */
export interface GroupSelection {
  type: 'group';
  /** Group glob. */
  pattern: string;
}

/** Assets whose kind matches `pattern` (`kind:view`). */
export interface KindSelection {
  type: 'kind';
  /** Kind glob. */
  pattern: string;
}

/** Assets with at least one owner matching `pattern` (`owner:"ana@corp.com"`). */
export interface OwnerSelection {
  type: 'owner';
  /** Owner glob. */
  pattern: string;
}

/** Assets with a tag whose name matches `key` and, when `value` is present, whose value matches it (`tag:team=finance`). */
export interface TagSelection {
  type: 'tag';
  /** Tag name glob. */
  key: string;
  /** Tag value glob; absent means any value (`tag:pii`). */
  value?: string;
}

/**
 * How far a traversal walks: a number of levels (`2+x` walks two), or `'all'` for every
 * ancestor or descendant (`+x`).
 */
export type TraversalDepth = number | 'all';

/**
 * The operand plus its ancestors and/or descendants: `2+x`, `x+`, `+x+`. A side that is
 * absent is not walked.
 */
export interface TraverseSelection {
  type: 'traverse';
  /** What to start from. */
  operand: SelectionNode;
  /** Upstream depth (prefix `+`); absent when the expression has no prefix `+`. */
  upstream?: TraversalDepth;
  /** Downstream depth (postfix `+`); absent when the expression has no postfix `+`. */
  downstream?: TraversalDepth;
}

/**
 * A function over a selection: `roots(S)` keeps the members of S with no ancestor in S,
 * `sinks(S)` those with no descendant in S; paths through assets outside S count.
 */
export interface FunctionSelection {
  type: 'function';
  /** The function. */
  name: SelectionFunctionName;
  /** Its argument. */
  operand: SelectionNode;
}

/** Every asset not in the operand (`not x`). */
export interface NotSelection {
  type: 'not';
  operand: SelectionNode;
}

/** Assets in every operand (`a and b and c`). The parser flattens nested `and`s. */
export interface AndSelection {
  type: 'and';
  /** Two or more operands (as parsed). */
  operands: SelectionNode[];
}

/** Assets in any operand (`a or b`, `a, b`). The parser flattens nested `or`s. */
export interface OrSelection {
  type: 'or';
  /** Two or more operands (as parsed). */
  operands: SelectionNode[];
}

/** A node of a parsed selection. Discriminated by `type`; plain JSON. */
export type SelectionNode =
  | KeySelection
  | GroupSelection
  | KindSelection
  | OwnerSelection
  | TagSelection
  | TraverseSelection
  | FunctionSelection
  | NotSelection
  | AndSelection
  | OrSelection;

/**
 * The error for a hand-built or deserialized node that no parse could produce (unknown
 * `type`, empty `and`, negative depth).
 *
 * @internal
 */
export function invalidSelectionNode(node: unknown, why: string): AssayError {
  let shown: string;
  try {
    shown = JSON.stringify(node) ?? String(node);
  } catch {
    shown = String(node);
  }
  return new AssayError('ASSAY_SELECTION_SYNTAX', `Invalid selection node (${why}): ${shown.length > 200 ? `${shown.slice(0, 200)}...` : shown}`, {
    hint: 'Build selection nodes with parseSelection(), or follow the SelectionNode type.',
  });
}

/**
 * Checks a traversal depth: a non-negative safe integer or `'all'`.
 *
 * @internal
 */
export function isTraversalDepth(value: unknown): value is TraversalDepth {
  return value === 'all' || (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0);
}
