import { describe, expect, it } from 'vitest';
import { AssetGraph } from './asset-graph.js';

const g = (edges: Record<string, string[]>) => new AssetGraph(new Map(Object.entries(edges)));

describe('AssetGraph', () => {
  it('orders topologically with ties broken by key, whatever the insertion order', () => {
    const graph = g({ z: [], b: ['z'], a: ['z'], c: [], d: ['a', 'c'] });
    expect(graph.order).toEqual(['c', 'z', 'a', 'b', 'd']);
    const reversed = g({ d: ['a', 'c'], c: [], a: ['z'], b: ['z'], z: [] });
    expect(reversed.order).toEqual(graph.order);
  });

  it('computes ancestors, descendants, depth-limited reach and generations', () => {
    const graph = g({ raw: [], bronze: ['raw'], silver: ['bronze'], gold: ['silver'], other: ['raw'] });
    expect([...graph.ancestors('gold')].sort()).toEqual(['bronze', 'raw', 'silver']);
    expect(graph.ancestors('gold')).toBe(graph.ancestors('gold')); // cached
    expect([...graph.descendants('raw')].sort()).toEqual(['bronze', 'gold', 'other', 'silver']);
    expect([...graph.reach(['gold'], 'upstream', 2)].sort()).toEqual(['bronze', 'silver']);
    expect([...graph.reach(['raw'], 'downstream', 1)].sort()).toEqual(['bronze', 'other']);
    expect(graph.generations()).toEqual([['raw'], ['bronze', 'other'], ['silver'], ['gold']]);
    expect(graph.upstream('gold')).toEqual(['silver']);
    expect(graph.downstream('raw')).toEqual(['bronze', 'other']);
    expect(graph.sort(['gold', 'raw', 'silver'])).toEqual(['raw', 'silver', 'gold']);
  });

  it('reports a cycle path', () => {
    expect(() => g({ a: ['c'], b: ['a'], c: ['b'], d: [] })).toThrow(/a -> b -> c -> a/);
  });

  it('builds a 10,000-node graph', () => {
    const edges: Record<string, string[]> = {};
    for (let i = 0; i < 10_000; i++) edges[`n${i}`] = i === 0 ? [] : [`n${Math.floor(i / 2)}`, ...(i > 2 ? [`n${i - 1}`] : [])];
    const graph = g(edges);
    expect(graph.size).toBe(10_000);
    expect(graph.indexOf('n0')).toBe(0);
    for (const [k, ds] of Object.entries(edges)) for (const d of ds) expect(graph.indexOf(d)).toBeLessThan(graph.indexOf(k));
  });
});
