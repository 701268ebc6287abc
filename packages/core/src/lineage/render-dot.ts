import type { AssetDefinition } from '../definitions/asset.js';
import { assetShape, groupsInOrder, type AssetShape, type LineageGraph } from './collect-lineage.js';

/** Graphviz node attributes per shape family. */
const SHAPES: Record<AssetShape, string> = {
  table: 'shape=box',
  // Dashed: a view holds no data of its own.
  view: 'shape=box, style=dashed',
  source: 'shape=cylinder',
  ingest: 'shape=folder',
  model: 'shape=hexagon',
  cube: 'shape=box3d',
};

/**
 * Renders Graphviz DOT: `digraph assay { rankdir=LR; ... }` with one
 * `subgraph "cluster_<group>"` per group (labelled with the group, in order of first
 * appearance in topological order), one node per asset (id and label = key, shape by kind,
 * description as tooltip) and `"a" -> "b"` edges. Every id and string is double-quoted and
 * escaped, so keywords (`node`, `graph`) and odd characters in groups or descriptions are safe.
 */
export function renderDot(graph: LineageGraph): string {
  const lines = ['digraph assay {', '  rankdir=LR;', '  node [shape=box];'];
  for (const [group, members] of groupsInOrder(graph)) {
    lines.push(`  subgraph ${dotString(`cluster_${group}`)} {`);
    lines.push(`    label=${dotLabel(group)};`);
    for (const a of members) lines.push(`    ${dotString(a.key)} [${dotNodeAttributes(a)}];`);
    lines.push('  }');
  }
  for (const e of graph.edges) lines.push(`  ${dotString(e.from)} -> ${dotString(e.to)};`);
  lines.push('}');
  return `${lines.join('\n')}\n`;
}

function dotNodeAttributes(asset: AssetDefinition): string {
  const attrs = [`label=${dotLabel(asset.key)}`, SHAPES[assetShape(asset)]];
  if (asset.description) attrs.push(`tooltip=${dotLabel(asset.description)}`);
  return attrs.join(', ');
}

/**
 * A double-quoted DOT string for displayed text (labels, tooltips): like {@link dotString},
 * with `&` written as `&amp;` because Graphviz decodes HTML entities in displayed strings
 * (`&lt;` would otherwise show as `<`).
 */
export function dotLabel(text: string): string {
  return dotString(text.replace(/&/g, '&amp;'));
}

/**
 * A double-quoted DOT string: `\` and `"` escaped (a trailing backslash would otherwise
 * swallow the closing quote; in labels `\` also starts escapes like `\N`), line breaks as
 * `\n`, other control characters as spaces.
 */
export function dotString(text: string): string {
  const escaped = text
    .replace(/\\/g, '\\\\')
    .replace(/"/g, '\\"')
    .replace(/\r\n|\r|\n/g, '\\n')
    .replace(/[\u0000-\u001f\u007f]/g, ' ');
  return `"${escaped}"`;
}
