import { describe, expect, it, vi } from 'vitest';
import { asset, sourceAsset, sqlAsset } from '../definitions/asset.js';
import { defineAssets, type Definitions } from '../definitions/define-assets.js';
import { AssayError } from '../errors.js';
import { parseSelection } from './parse-selection.js';
import { resolveSelection } from './resolve-selection.js';
import type { SelectionNode } from './selection-node.js';

/**
 * A small medallion:
 *
 *   raw/orders ── bronze/orders ── silver/orders ──┐
 *                                                  ├─ gold/revenue ── golden/export
 *   raw/customers ── bronze/customers ── silver/customers ─┤
 *                                                  ├─ gold/churn (group ml, kind model)
 *                                                  └─ ml/features ── ml/model
 *   misc/lonely (no edges)
 */
function medallion(): Definitions {
  const rawOrders = sourceAsset({ key: 'raw/orders', owners: ['ana@corp.com'], tags: ['pii'] });
  const rawCustomers = sourceAsset({ key: 'raw/customers', owners: ['team:crm'], tags: { pii: '', team: 'crm' } });
  const bronzeOrders = sqlAsset({ key: 'bronze/orders', materialize: 'view' })`select * from ${rawOrders}`;
  const bronzeCustomers = sqlAsset({ key: 'bronze/customers', materialize: 'view' })`select * from ${rawCustomers}`;
  const silverOrders = sqlAsset({ key: 'silver/orders', tags: { team: 'finance' } })`select * from ${bronzeOrders}`;
  const silverCustomers = sqlAsset({ key: 'silver/customers', tags: { team: 'crm', pii: 'masked' } })`select * from ${bronzeCustomers}`;
  const revenue = sqlAsset({ key: 'gold/revenue', owners: ['ana@corp.com', 'team:finance'], tags: { team: 'finance', tier: 'gold' } })`
    select * from ${silverOrders} join ${silverCustomers} using (customer_id)`;
  const churn = asset({ key: 'gold/churn', group: 'ml', kind: 'model', deps: [silverCustomers] }, () => {});
  const exportAsset = sqlAsset({ key: 'golden/export', materialize: 'view' })`select * from ${revenue}`;
  const features = sqlAsset({ key: 'ml/features' })`select * from ${silverCustomers}`;
  const model = asset({ key: 'ml/model', kind: 'model', deps: [features], owners: ['Bob Smith'] }, () => {});
  const lonely = asset({ key: 'misc/lonely' }, () => {});
  return defineAssets([rawOrders, rawCustomers, bronzeOrders, bronzeCustomers, silverOrders, silverCustomers, revenue, churn, exportAsset, features, model, lonely]);
}

const defs = medallion();
const select = (text: string) => [...resolveSelection(parseSelection(text), defs)].sort();

describe('resolveSelection: terms', () => {
  it('matches key globs against the whole key; "*" crosses "/"', () => {
    expect(select('gold*')).toEqual(['gold/churn', 'gold/revenue', 'golden/export']);
    expect(select('gold/*')).toEqual(['gold/churn', 'gold/revenue']);
    expect(select('*orders')).toEqual(['bronze/orders', 'raw/orders', 'silver/orders']);
    expect(select('orders')).toEqual([]); // not a substring match
    expect(select('ml/*el')).toEqual(['ml/model']);
    expect(select('?l/model')).toEqual(['ml/model']);
    expect(select('*')).toHaveLength(defs.size);
    expect(select('key:"raw/*"')).toEqual(['raw/customers', 'raw/orders']);
  });

  it('does not read a bare glob as "and descendants" (Dagster legacy syntax)', () => {
    expect(select('gold*')).not.toContain('ml/model');
    expect(select('silver/orders*')).toEqual(['silver/orders']);
  });

  it('selects exact keys, and nothing for keys that do not exist', () => {
    expect(select('silver/orders')).toEqual(['silver/orders']);
    expect(select('silver/order')).toEqual([]);
  });

  it('treats regex characters in patterns literally', () => {
    expect(select('owner:"ana.corp.com"')).toEqual([]);
    expect(select('owner:"ana@corp.com"')).toEqual(['gold/revenue', 'raw/orders']);
    expect(select('owner:"(.*)"')).toEqual([]);
    expect(select('owner:"team:*"')).toEqual(['gold/revenue', 'raw/customers']);
  });

  it('matches group, kind and owner, with globs and quoting', () => {
    expect(select('group:gold')).toEqual(['gold/revenue']); // churn sits in group ml
    expect(select('group:ml')).toEqual(['gold/churn', 'ml/features', 'ml/model']);
    expect(select('group:*')).toHaveLength(defs.size);
    expect(select('kind:view')).toEqual(['bronze/customers', 'bronze/orders', 'golden/export']);
    expect(select('kind:model')).toEqual(['gold/churn', 'ml/model']);
    expect(select('kind:source')).toEqual(['raw/customers', 'raw/orders']);
    expect(select('owner:ana@corp.com')).toEqual(['gold/revenue', 'raw/orders']);
    expect(select('owner:"Bob Smith"')).toEqual(['ml/model']);
    expect(select('owner:bob*')).toEqual([]); // case-sensitive
  });

  it('matches tag:name for any value and tag:name=value for that value', () => {
    expect(select('tag:pii')).toEqual(['raw/customers', 'raw/orders', 'silver/customers']);
    expect(select('tag:pii=""')).toEqual(['raw/customers', 'raw/orders']);
    expect(select('tag:pii=masked')).toEqual(['silver/customers']);
    expect(select('tag:team=finance')).toEqual(['gold/revenue', 'silver/orders']);
    expect(select('tag:team=*')).toEqual(['gold/revenue', 'raw/customers', 'silver/customers', 'silver/orders']);
    expect(select('tag:t*=gold')).toEqual(['gold/revenue']);
    expect(select('tag:finance')).toEqual([]); // a value is not a tag name
  });
});

describe('resolveSelection: traversal and functions', () => {
  it('walks all ancestors or descendants, including the start', () => {
    expect(select('+gold/revenue')).toEqual(['bronze/customers', 'bronze/orders', 'gold/revenue', 'raw/customers', 'raw/orders', 'silver/customers', 'silver/orders']);
    expect(select('silver/customers+')).toEqual(['gold/churn', 'gold/revenue', 'golden/export', 'ml/features', 'ml/model', 'silver/customers']);
    expect(select('+silver/orders+')).toEqual(['bronze/orders', 'gold/revenue', 'golden/export', 'raw/orders', 'silver/orders']);
  });

  it('limits the walk to the given depth on each side', () => {
    expect(select('0+gold/revenue')).toEqual(['gold/revenue']);
    expect(select('1+gold/revenue')).toEqual(['gold/revenue', 'silver/customers', 'silver/orders']);
    expect(select('2+gold/revenue')).toEqual(['bronze/customers', 'bronze/orders', 'gold/revenue', 'silver/customers', 'silver/orders']);
    expect(select('raw/customers+2')).toEqual(['bronze/customers', 'raw/customers', 'silver/customers']);
    expect(select('1+silver/customers+1')).toEqual(['bronze/customers', 'gold/churn', 'gold/revenue', 'ml/features', 'silver/customers']);
  });

  it('traverses from parenthesized groups, attributes and functions', () => {
    expect(select('(raw/orders or raw/customers)+1')).toEqual(['bronze/customers', 'bronze/orders', 'raw/customers', 'raw/orders']);
    expect(select('+kind:model')).toEqual(select('+gold/churn or +ml/model'));
    // sinks(tag:pii) = raw/orders (no pii downstream) and silver/customers (raw/customers feeds it).
    expect(select('sinks(tag:pii)')).toEqual(['raw/orders', 'silver/customers']);
    expect(select('sinks(tag:pii)+1')).toEqual(['bronze/orders', 'gold/churn', 'gold/revenue', 'ml/features', 'raw/orders', 'silver/customers']);
  });

  it('finds roots and sinks following paths through assets outside the set', () => {
    // No edge joins these three directly; paths run through bronze/silver assets outside the set.
    const set = 'raw/orders, silver/customers, gold/revenue';
    expect(select(`roots(${set})`)).toEqual(['raw/orders', 'silver/customers']);
    expect(select(`sinks(${set})`)).toEqual(['gold/revenue']);
    expect(select('roots(*)')).toEqual(['misc/lonely', 'raw/customers', 'raw/orders']);
    expect(select('sinks(*)')).toEqual(['gold/churn', 'golden/export', 'misc/lonely', 'ml/model']);
    expect(select('roots(group:ml)')).toEqual(['gold/churn', 'ml/features']);
    expect(select('sinks(group:ml)')).toEqual(['gold/churn', 'ml/model']);
    expect(select('roots(nothing*)')).toEqual([]);
  });

  it('combines with not, and, or', () => {
    expect(select('not group:ml and not kind:source and not misc/*')).toEqual([
      'bronze/customers',
      'bronze/orders',
      'gold/revenue',
      'golden/export',
      'silver/customers',
      'silver/orders',
    ]);
    expect(select('+gold/revenue and tag:pii')).toEqual(['raw/customers', 'raw/orders', 'silver/customers']);
    expect(select('group:silver, kind:model')).toEqual(['gold/churn', 'ml/model', 'silver/customers', 'silver/orders']);
    expect(select('not *')).toEqual([]);
    expect(select('+gold/revenue and not (+gold/revenue and tag:pii)')).toEqual(['bronze/customers', 'bronze/orders', 'gold/revenue', 'silver/orders']);
  });

  it('gives traversal precedence over not', () => {
    // Reads as not (+silver/orders): the ancestors of silver/orders are excluded too.
    expect(select('not +silver/orders')).not.toContain('raw/orders');
    expect(select('not +silver/orders')).toContain('silver/customers');
  });

  it('rejects trees no parse could produce', () => {
    for (const node of [{ type: 'colour' }, { type: 'and', operands: [] }, { type: 'traverse', operand: { type: 'key', pattern: 'a' }, upstream: 'some' }]) {
      expect(() => resolveSelection(node as unknown as SelectionNode, defs)).toThrow(AssayError);
    }
  });
});

describe('resolveSelection on 10,000 assets', () => {
  // 100 layers of 100 assets; asset i of layer L depends on assets i and i+1 (mod 100) of layer L-1.
  const LAYERS = 100;
  const WIDTH = 100;
  const name = (layer: number, i: number) => `l${String(layer).padStart(2, '0')}/n${String(i).padStart(2, '0')}`;
  const big = (() => {
    const assets = [];
    for (let layer = 0; layer < LAYERS; layer++) {
      for (let i = 0; i < WIDTH; i++) {
        const deps = layer === 0 ? [] : [name(layer - 1, i), name(layer - 1, (i + 1) % WIDTH)];
        assets.push(asset({ key: name(layer, i), group: layer % 2 === 0 ? 'even' : 'odd', deps }, () => {}));
      }
    }
    return defineAssets(assets);
  })();
  const resolve = (text: string) => resolveSelection(parseSelection(text), big);

  it('finds roots and sinks with one graph walk each', () => {
    const reach = vi.spyOn(big.graph, 'reach');
    try {
      const roots = resolve('roots(*)');
      expect(reach).toHaveBeenCalledTimes(1);
      expect([...roots].sort()).toEqual(Array.from({ length: WIDTH }, (_, i) => name(0, i)));
      const sinks = resolve('sinks(*)');
      expect(reach).toHaveBeenCalledTimes(2);
      expect([...sinks].sort()).toEqual(Array.from({ length: WIDTH }, (_, i) => name(LAYERS - 1, i)));
      // Within the odd layers, every odd layer but the first has an odd ancestor (two layers up).
      expect(resolve('roots(group:odd)')).toEqual(new Set(Array.from({ length: WIDTH }, (_, i) => name(1, i))));
    } finally {
      reach.mockRestore();
    }
  });

  it('walks ancestors of a deep asset, widening one asset per layer', () => {
    const up = resolve('+l99/n00');
    // Layer 99 - d holds assets n00..n(d), capped at the layer width.
    let expected = 0;
    for (let d = 0; d < LAYERS; d++) expected += Math.min(d + 1, WIDTH);
    expect(up.size).toBe(expected);
    expect(up.has(name(0, 99))).toBe(true);
    expect(up.has(name(98, 2))).toBe(false);
    expect(resolve('3+l99/n00').size).toBe(1 + 2 + 3 + 4);
    expect(resolve('l00/n00+').size).toBe(expected);
  });

  it('evaluates globs and set operators over every asset', () => {
    expect(resolve('*').size).toBe(LAYERS * WIDTH);
    expect(resolve('l5*').size).toBe(10 * WIDTH);
    expect(resolve('not group:even and */n0?').size).toBe((LAYERS / 2) * 10);
    expect(resolve('roots(l50/*)+ and sinks(+l60/*)').size).toBe(WIDTH);
  });
});
