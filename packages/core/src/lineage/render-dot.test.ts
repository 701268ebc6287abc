import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { exportLineage } from './export-lineage.js';
import { dotLabel, dotString } from './render-dot.js';
import { buildFixture, buildLargeGraph, FIXTURE_ORDER, ODD_DESCRIPTION, ODD_GROUPS } from './__tests__/lineage-fixture.js';

let dotChecked = false;

/** Fails (never skips) when Graphviz is missing: DOT output must be validated by the real tool. */
function requireDot(): void {
  if (dotChecked) return;
  const probe = spawnSync('dot', ['-V'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) {
    throw new Error(
      'Graphviz "dot" is not on PATH, so DOT lineage cannot be validated. Install graphviz ' +
        '(Debian/Ubuntu: apt-get install -y graphviz; macOS: brew install graphviz) and rerun.',
    );
  }
  dotChecked = true;
}

/** Runs `dot -T<format>`; fails on a non-zero exit or any warning/error on stderr. */
function runDot(text: string, format: 'svg' | 'json'): string {
  requireDot();
  const result = spawnSync('dot', [`-T${format}`], { input: text, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  if (result.error) throw result.error;
  expect(result.stderr, 'dot stderr').toBe('');
  expect(result.status, 'dot exit code').toBe(0);
  return result.stdout;
}

/** The text of every `<text>` element of an SVG, XML entities decoded. */
function svgTexts(svg: string): string[] {
  const entities: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };
  return [...svg.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) =>
    m[1]!.replace(/&(#x[0-9a-f]+|#\d+|\w+);/gi, (_, e: string) =>
      e.startsWith('#x') || e.startsWith('#X') ? String.fromCodePoint(parseInt(e.slice(2), 16)) : e.startsWith('#') ? String.fromCodePoint(Number(e.slice(1))) : (entities[e] ?? `&${e};`),
    ),
  );
}

interface DotJson {
  objects: { name: string; label?: string; nodes?: number[]; _gvid: number }[];
  edges?: { tail: number; head: number }[];
}

describe('dot lineage', () => {
  it('has Graphviz dot to validate with', () => {
    requireDot();
  });

  it('renders with Graphviz and keeps every key, cluster and edge', async () => {
    const text = await exportLineage(buildFixture(), { format: 'dot' });
    expect(text.startsWith('digraph assay {\n  rankdir=LR;\n')).toBe(true);
    runDot(text, 'svg');
    const graph = JSON.parse(runDot(text, 'json')) as DotJson;
    const byId = new Map(graph.objects.map((o) => [o._gvid, o]));
    const clusters = graph.objects.filter((o) => o.nodes !== undefined);
    const nodes = graph.objects.filter((o) => o.nodes === undefined);
    expect(nodes.map((n) => n.name).sort()).toEqual([...FIXTURE_ORDER].sort());
    // The lexer unescapes only \" in ids, so names read back with doubled backslashes.
    expect(clusters.map((c) => c.name)).toEqual([ODD_GROUPS.raw, ODD_GROUPS.bronze, ODD_GROUPS.silver, ODD_GROUPS.gold, 'default'].map((g) => `cluster_${g.replace(/\\/g, '\\\\')}`));
    expect(Object.fromEntries(clusters.map((c) => [c.name, c.nodes!.map((id) => byId.get(id)!.name).sort()]))).toMatchObject({
      [`cluster_${ODD_GROUPS.raw}`]: ['raw/events', 'raw/orders-2024_v1'],
      [`cluster_${ODD_GROUPS.gold.replace(/\\/g, '\\\\')}`]: ['gold/churn-model', 'gold/revenue'],
      cluster_default: ['end', 'node'],
    });
    const edges = (graph.edges ?? []).map((e) => `${byId.get(e.tail)!.name}->${byId.get(e.head)!.name}`);
    expect(edges.sort()).toEqual(
      [
        'raw/orders-2024_v1->bronze/orders',
        'bronze/orders->silver/orders',
        'raw/events->silver/orders',
        'silver/orders->gold/churn-model',
        'silver/orders->gold/revenue',
        'gold/churn-model->end',
        'gold/revenue->end',
        'end->node',
      ].sort(),
    );
  });

  it('draws group labels, keys and descriptions exactly as written', async () => {
    const svg = runDot(await exportLineage(buildFixture(), { format: 'dot' }), 'svg');
    const texts = svgTexts(svg);
    for (const group of Object.values(ODD_GROUPS)) expect(texts).toContain(group);
    for (const key of FIXTURE_ORDER) expect(texts).toContain(key);
    // The description is the tooltip: an SVG link title, line break included.
    const titles = [...svg.matchAll(/xlink:title="([^"]*)"/g)].map((m) => m[1]!.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#(\d+);/g, (_, c: string) => String.fromCodePoint(Number(c))).replace(/&amp;/g, '&'));
    expect(titles).toContain(ODD_DESCRIPTION);
  });

  it('hints the kind with the node shape', async () => {
    const text = await exportLineage(buildFixture(), { format: 'dot' });
    expect(text).toContain('"raw/orders-2024_v1" [label="raw/orders-2024_v1", shape=cylinder, tooltip=');
    expect(text).toContain('"raw/events" [label="raw/events", shape=folder];');
    expect(text).toContain('"bronze/orders" [label="bronze/orders", shape=box, style=dashed, tooltip="typed <view>"];');
    expect(text).toContain('"gold/churn-model" [label="gold/churn-model", shape=hexagon];');
    expect(text).toContain('"node" [label="node", shape=box3d];');
  });

  it('escapes backslashes, quotes and line breaks in strings', () => {
    expect(dotString('a "b" \\')).toBe('"a \\"b\\" \\\\"');
    expect(dotString('l1\r\nl2\nl3\tx')).toBe('"l1\\nl2\\nl3 x"');
    expect(dotLabel('a &amp; <b>')).toBe('"a &amp;amp; <b>"');
  });

  it('exports a 1,000-asset graph that Graphviz lays out', async () => {
    const text = await exportLineage(buildLargeGraph(1000), { format: 'dot' });
    const graph = JSON.parse(runDot(text, 'json')) as DotJson;
    expect(graph.objects.filter((o) => o.nodes === undefined)).toHaveLength(1000);
    expect(graph.objects.filter((o) => o.nodes !== undefined)).toHaveLength(10);
    expect(graph.edges!.length).toBe(text.match(/ -> /g)!.length);
    expect(graph.edges!.length).toBeGreaterThan(1000);
  });
});
