import { createRequire } from 'node:module';
import { beforeAll, describe, expect, it } from 'vitest';
import { exportLineage } from './export-lineage.js';
import { mermaidText } from './render-mermaid.js';
import { buildFixture, buildLargeGraph, FIXTURE_ORDER, ODD_GROUPS } from './__tests__/lineage-fixture.js';

/** The parts of mermaid's flowchart database the assertions read. */
interface FlowDb {
  getVertices(): Map<string, { id: string; text: string; type: string }>;
  getEdges(): { start: string; end: string }[];
  getSubGraphs(): { id: string; title: string; nodes: string[] }[];
}

interface MermaidModule {
  parse(text: string): Promise<unknown>;
  initialize(config: Record<string, unknown>): void;
  mermaidAPI: { getDiagramFromText(text: string): Promise<{ db: unknown }> };
}

let mermaid: MermaidModule;

beforeAll(async () => {
  // mermaid expects a browser; jsdom must exist before the module is first imported.
  // jsdom ships no types (and @types/jsdom is not installed), so it is required untyped.
  const { JSDOM } = createRequire(import.meta.url)('jsdom') as { JSDOM: new (html: string) => { window: { document: unknown } } };
  const dom = new JSDOM('<!doctype html><html><body></body></html>');
  Object.assign(globalThis, { window: dom.window, document: dom.window.document });
  mermaid = ((await import('mermaid')) as unknown as { default: MermaidModule }).default;
});

/** Parses with the real mermaid parser (throws on invalid text) and returns the flowchart db. */
async function parseFlowchart(text: string): Promise<FlowDb> {
  await mermaid.parse(text);
  return (await mermaid.mermaidAPI.getDiagramFromText(text)).db as FlowDb;
}

/** Decodes the entity placeholders mermaid keeps in parsed text (`#quot;` → `"`, `#35;` → `#`). */
function decode(text: string): string {
  return text
    .replace(/ﬂ°°(\d+)¶ß/g, (_, code: string) => String.fromCodePoint(Number(code)))
    .replace(/ﬂ°(\w+)¶ß/g, (_, name: string) => ({ quot: '"', amp: '&', lt: '<', gt: '>' })[name] ?? `&${name};`);
}

describe('mermaid lineage', () => {
  it('parses with mermaid and keeps every key, group and edge', async () => {
    const text = await exportLineage(buildFixture(), { format: 'mermaid' });
    expect(text.split('\n')[0]).toBe('flowchart LR');
    const db = await parseFlowchart(text);

    const vertices = [...db.getVertices().values()];
    expect(vertices.map((v) => decode(v.text)).sort()).toEqual([...FIXTURE_ORDER].sort());
    const keyOf = new Map(vertices.map((v) => [v.id, decode(v.text)]));

    const edges = db.getEdges().map((e) => `${keyOf.get(e.start)}->${keyOf.get(e.end)}`);
    expect(edges).toEqual([
      'raw/orders-2024_v1->bronze/orders',
      'bronze/orders->silver/orders',
      'raw/events->silver/orders',
      'silver/orders->gold/churn-model',
      'silver/orders->gold/revenue',
      'gold/churn-model->end',
      'gold/revenue->end',
      'end->node',
    ]);

    const groups = db.getSubGraphs().map((s) => ({ title: decode(s.title), members: s.nodes.map((n) => keyOf.get(n)).sort() }));
    expect(groups).toEqual(
      expect.arrayContaining([
        { title: ODD_GROUPS.raw, members: ['raw/events', 'raw/orders-2024_v1'] },
        { title: ODD_GROUPS.bronze, members: ['bronze/orders'] },
        { title: ODD_GROUPS.silver, members: ['silver/orders'] },
        { title: ODD_GROUPS.gold, members: ['gold/churn-model', 'gold/revenue'] },
        { title: 'default', members: ['end', 'node'] },
      ]),
    );
    expect(groups).toHaveLength(5);
  });

  it('orders subgraphs by first appearance in topological order', async () => {
    const text = await exportLineage(buildFixture(), { format: 'mermaid' });
    const titles = [...text.matchAll(/^ {2}subgraph g\d+ \["(.*)"\]$/gm)].map((m) => m[1]);
    expect(titles).toEqual([ODD_GROUPS.raw, ODD_GROUPS.bronze, ODD_GROUPS.silver, ODD_GROUPS.gold, 'default'].map(mermaidText));
  });

  it('hints the kind with the node shape', async () => {
    const db = await parseFlowchart(await exportLineage(buildFixture(), { format: 'mermaid' }));
    const shapeOf = new Map([...db.getVertices().values()].map((v) => [decode(v.text), v.type]));
    expect(Object.fromEntries(shapeOf)).toEqual({
      'raw/orders-2024_v1': 'cylinder',
      'raw/events': 'lean_right',
      'bronze/orders': 'round',
      'silver/orders': 'square',
      'gold/revenue': 'square',
      'gold/churn-model': 'hexagon',
      end: 'square',
      node: 'subroutine',
    });
  });

  it('escapes quotes, entity-like text, HTML and control characters in labels', () => {
    expect(mermaidText('a "b" #quot; <i>&</i> `x` k:v\n')).toBe('a #quot;b#quot; #35;quot; #60;i#62;#38;#60;/i#62; #96;x#96; k#58;v ');
    expect(mermaidText('')).toBe(' ');
  });

  it('exports a 1,000-asset graph that mermaid parses (with raised limits) and flags the limits', async () => {
    const text = await exportLineage(buildLargeGraph(1000), { format: 'mermaid' });
    const edgeCount = text.match(/ --> /g)!.length;
    expect(edgeCount).toBeGreaterThan(500);
    // Over mermaid's default maxEdges (500) the document says so in a comment.
    expect(text.split('\n')[1]).toMatch(/^ {2}%% 1000 assets, \d+ edges, .*maxEdges 500/);
    mermaid.initialize({ maxEdges: 10_000, maxTextSize: 1_000_000 });
    try {
      const db = await parseFlowchart(text);
      expect(db.getVertices().size).toBe(1000);
      expect(db.getEdges()).toHaveLength(edgeCount);
      expect(db.getSubGraphs()).toHaveLength(10);
    } finally {
      mermaid.initialize({ maxEdges: 500, maxTextSize: 50_000 });
    }
  });

  it('adds no limits comment to small diagrams', async () => {
    const text = await exportLineage(buildFixture(), { format: 'mermaid' });
    expect(text).not.toContain('%%');
  });
});
