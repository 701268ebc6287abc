import type { AssetKey } from '../definitions/asset-key.js';
import type { AssetDefinition } from '../definitions/asset.js';
import type { Definitions } from '../definitions/define-assets.js';
import { compileGlob, hasWildcard } from './compile-glob.js';
import { invalidSelectionNode, isTraversalDepth, type SelectionNode, type TraversalDepth } from './selection-node.js';

/**
 * Evaluates a selection tree against a project's definitions and returns the selected keys
 * (as a set; use {@link selectAssets} for topological order).
 *
 * Linear in the size of the graph for each node of the tree: every glob is compiled once,
 * every traversal is one multi-source breadth-first walk ({@link AssetGraph.reach}), and
 * `roots(S)`/`sinks(S)` are one walk each (a member of S is a root exactly when no walk
 * downstream from S reaches it). Patterns that match nothing simply add nothing.
 *
 * @example
 * ```ts
 * const keys = resolveSelection(parseSelection('roots(group:silver)+'), defs);
 * ```
 * @throws {@link AssayError} (`ASSAY_SELECTION_SYNTAX`) for a node no parse could produce
 * (unknown `type`, an `and`/`or` without operands, an invalid depth).
 */
export function resolveSelection(node: SelectionNode, defs: Definitions): Set<AssetKey> {
  return resolve(node, defs);
}

function resolve(node: SelectionNode, defs: Definitions): Set<AssetKey> {
  if (node === null || typeof node !== 'object') throw invalidSelectionNode(node, 'not an object');
  switch (node.type) {
    case 'key': {
      const pattern = patternOf(node, node.pattern);
      // Exact keys are the common case (CLI `--select silver/orders`): look them up instead of scanning.
      if (!hasWildcard(pattern)) return defs.has(pattern) ? new Set([pattern]) : new Set();
      const re = compileGlob(pattern);
      return new Set(defs.keys.filter((k) => re.test(k)));
    }
    case 'group':
    case 'kind': {
      const re = compileGlob(patternOf(node, node.pattern));
      const field = node.type;
      return keysWhere(defs, (a) => re.test(a[field]));
    }
    case 'owner': {
      const re = compileGlob(patternOf(node, node.pattern));
      return keysWhere(defs, (a) => a.owners.some((o) => re.test(o)));
    }
    case 'tag': {
      const name = compileGlob(patternOf(node, node.key));
      const value = node.value === undefined ? undefined : compileGlob(patternOf(node, node.value));
      return keysWhere(defs, (a) => Object.entries(a.tags).some(([k, v]) => name.test(k) && (value === undefined || value.test(v))));
    }
    case 'traverse': {
      const start = resolve(node.operand, defs);
      const out = new Set(start);
      if (node.upstream !== undefined) for (const k of defs.graph.reach(start, 'upstream', depthOf(node, node.upstream))) out.add(k);
      if (node.downstream !== undefined) for (const k of defs.graph.reach(start, 'downstream', depthOf(node, node.downstream))) out.add(k);
      return out;
    }
    case 'function': {
      if (node.name !== 'roots' && node.name !== 'sinks') throw invalidSelectionNode(node, `unknown function "${String(node.name)}"`);
      const members = resolve(node.operand, defs);
      // Everything strictly below (roots) or above (sinks) some member, through any path.
      const covered = defs.graph.reach(members, node.name === 'roots' ? 'downstream' : 'upstream');
      const out = new Set<AssetKey>();
      for (const k of members) if (!covered.has(k)) out.add(k);
      return out;
    }
    case 'not': {
      const inner = resolve(node.operand, defs);
      return new Set(defs.keys.filter((k) => !inner.has(k)));
    }
    case 'and': {
      const sets = operandsOf(node, node.operands).map((o) => resolve(o, defs));
      let out = sets[0]!;
      for (const s of sets.slice(1)) {
        const next = new Set<AssetKey>();
        for (const k of out) if (s.has(k)) next.add(k);
        out = next;
      }
      return out;
    }
    case 'or': {
      const out = new Set<AssetKey>();
      for (const o of operandsOf(node, node.operands)) for (const k of resolve(o, defs)) out.add(k);
      return out;
    }
    default:
      throw invalidSelectionNode(node, `unknown type "${String((node as { type?: unknown }).type)}"`);
  }
}

function keysWhere(defs: Definitions, predicate: (asset: AssetDefinition) => boolean): Set<AssetKey> {
  const out = new Set<AssetKey>();
  for (const a of defs.assets) if (predicate(a)) out.add(a.key);
  return out;
}

function patternOf(node: SelectionNode, value: unknown): string {
  if (typeof value !== 'string') throw invalidSelectionNode(node, 'a pattern is not a string');
  return value;
}

function depthOf(node: SelectionNode, depth: TraversalDepth): number {
  if (!isTraversalDepth(depth)) throw invalidSelectionNode(node, `a depth must be 'all' or a non-negative integer`);
  return depth === 'all' ? Infinity : depth;
}

function operandsOf(node: SelectionNode, operands: unknown): SelectionNode[] {
  if (!Array.isArray(operands) || operands.length === 0) throw invalidSelectionNode(node, `"${node.type}" needs at least one operand`);
  return operands as SelectionNode[];
}
