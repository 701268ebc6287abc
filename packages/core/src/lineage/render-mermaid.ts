import type { AssetKey } from '../definitions/asset-key.js';
import type { AssetDefinition } from '../definitions/asset.js';
import { assetShape, groupsInOrder, type AssetShape, type LineageGraph } from './collect-lineage.js';

/** Mermaid's default `maxEdges`: diagrams with more edges fail to render unless raised. */
export const MERMAID_DEFAULT_MAX_EDGES = 500;
/** Mermaid's default `maxTextSize` in characters. */
export const MERMAID_DEFAULT_MAX_TEXT_SIZE = 50_000;

/** Opening and closing brackets of each shape; labels are always quoted strings. */
const SHAPES: Record<AssetShape, readonly [string, string]> = {
  table: ['[', ']'],
  view: ['(', ')'],
  source: ['[(', ')]'],
  ingest: ['[/', '/]'],
  model: ['{{', '}}'],
  cube: ['[[', ']]'],
};

/**
 * Renders a Mermaid `flowchart LR`: one `subgraph` per group (in order of first appearance
 * in topological order), nodes with generated ids (`n0`, `n1`, ...) labelled with their key,
 * and `a --> b` edges. The shape hints the kind: cylinder for sources, parallelogram for
 * file ingestion, rounded for views, hexagon for models, subroutine for cubes, rectangle
 * for everything else.
 *
 * When the diagram exceeds Mermaid's default limits (500 edges, 50,000 characters), a `%%`
 * comment under the header says so: Mermaid refuses such diagrams unless the renderer
 * raises `maxEdges`/`maxTextSize`, which a diagram cannot do for itself.
 */
export function renderMermaid(graph: LineageGraph): string {
  const ids = new Map<AssetKey, string>();
  // Generated ids keep keys like `end` or `o-x` (mermaid keywords and edge syntax) out of the grammar.
  graph.assets.forEach((a, i) => ids.set(a.key, `n${i}`));
  const body: string[] = [];
  let groupIndex = 0;
  for (const [group, members] of groupsInOrder(graph)) {
    body.push(`  subgraph g${groupIndex++} ["${mermaidText(group)}"]`);
    for (const a of members) body.push(`    ${ids.get(a.key)}${mermaidNode(a)}`);
    body.push('  end');
  }
  for (const e of graph.edges) body.push(`  ${ids.get(e.from)} --> ${ids.get(e.to)}`);

  const header = ['flowchart LR'];
  const size = body.reduce((n, line) => n + line.length + 1, 0);
  if (graph.edges.length > MERMAID_DEFAULT_MAX_EDGES || size > MERMAID_DEFAULT_MAX_TEXT_SIZE) {
    header.push(
      `  %% ${graph.assets.length} assets, ${graph.edges.length} edges, ${size} characters: over Mermaid's default limits ` +
        `(maxEdges ${MERMAID_DEFAULT_MAX_EDGES}, maxTextSize ${MERMAID_DEFAULT_MAX_TEXT_SIZE}). Raise them in mermaid.initialize(), ` +
        'export a selection, or use the dot format.',
    );
  }
  return `${[...header, ...body].join('\n')}\n`;
}

function mermaidNode(asset: AssetDefinition): string {
  const [open, close] = SHAPES[assetShape(asset)];
  return `${open}"${mermaidText(asset.key)}"${close}`;
}

/**
 * Escapes text for a double-quoted Mermaid label with entity codes (`#quot;`, `#35;`, ...).
 *
 * Besides `"` (ends the string), `#` is escaped so user text never reads as an entity code;
 * `<`, `>` and `&` so labels never become HTML; a leading backtick would turn the label into
 * markdown; and `:` because Mermaid rewrites lines matching `style...:...#...;` before parsing
 * (it would eat the `;` of an entity). Control characters become spaces; an empty label a space.
 */
export function mermaidText(text: string): string {
  const escaped = text.replace(/[\u0000-\u001f\u007f]/g, ' ').replace(/["#<>&`:]/g, (c) => (c === '"' ? '#quot;' : `#${c.charCodeAt(0)};`));
  return escaped.length === 0 ? ' ' : escaped;
}
