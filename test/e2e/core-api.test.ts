// Issue 2's "done when": a plain TS script defines raw→bronze→silver→gold assets, selects,
// plans and materializes them on the no-op backend and exports Mermaid the real parser
// accepts; bad definitions and selections give clear errors with codes. Uses the built
// package exactly as a user's project would.
import { JSDOM } from 'jsdom';
import { describe, expect, it } from 'vitest';
import {
  AssayError,
  checks,
  defineAssets,
  exportLineage,
  materialize,
  MemoryStateStore,
  NoopBackend,
  plan,
  selectAssets,
  sourceAsset,
  sqlAsset,
} from '@assay/core';

const raw = sourceAsset({ key: 'raw/orders', description: 'Orders "as exported"' });
const bronze = sqlAsset({ key: 'bronze/orders', materialize: 'view' })`select * from ${raw}`;
const silver = sqlAsset({ key: 'silver/orders', checks: [checks.unique('id')] })`select * from ${bronze} where amount > ${0}`;
const goldX = sqlAsset({ key: 'gold/x', tags: { team: 'finance' } })`select count(*) from ${silver}`;
const goldY = sqlAsset({ key: 'gold/y' })`select 1 from ${bronze}`;
const other = sqlAsset({ key: 'silver/unrelated' })`select 1`;

describe('core API end to end', () => {
  const defs = defineAssets([raw, bronze, silver, goldX, goldY, other]);

  it('selects with the DESIGN grammar', () => {
    // Topological order, ties by key: gold/y is ready (after bronze) before gold/x (after silver).
    expect(selectAssets(defs, 'gold*')).toEqual(['gold/y', 'gold/x']);
    expect(selectAssets(defs, '+key:gold/x')).toEqual(['raw/orders', 'bronze/orders', 'silver/orders', 'gold/x']);
    expect(selectAssets(defs, 'group:silver and not silver/unrelated')).toEqual(['silver/orders']);
    expect(selectAssets(defs, 'tag:team=finance', { exclude: 'gold/y' })).toEqual(['gold/x']);
  });

  it('plans and materializes on the no-op backend, then finds nothing stale', async () => {
    const state = new MemoryStateStore();
    const p = await plan(defs, { select: '+gold/x', state });
    expect(p.steps.map((s) => [s.key, s.reason])).toEqual([
      ['raw/orders', 'never materialized'],
      ['bronze/orders', 'never materialized'],
      ['silver/orders', 'never materialized'],
      ['gold/x', 'never materialized'],
    ]);
    const result = await materialize(defs, { backend: new NoopBackend(), state, select: '+gold/x' });
    expect(result.status).toBe('success');
    expect(result.assets.map((a) => a.status)).toEqual(['success', 'success', 'success', 'success']);
    expect((await plan(defs, { select: '+gold/x', state, stale: true })).steps).toEqual([]);
  });

  it('exports Mermaid that the real mermaid parser accepts', async () => {
    const dom = new JSDOM('<!doctype html><html><body></body></html>');
    Object.assign(globalThis, { window: dom.window, document: dom.window.document });
    const { default: mermaid } = await import('mermaid');
    const text = await exportLineage(defs, { format: 'mermaid' });
    expect(text.startsWith('flowchart LR')).toBe(true);
    await expect(mermaid.parse(text)).resolves.toBeTruthy();
  });

  it('reports bad definitions and selections with codes and positions', () => {
    const codeOf = (fn: () => unknown) => {
      try {
        fn();
      } catch (e) {
        expect(e).toBeInstanceOf(AssayError);
        return e as AssayError;
      }
      throw new Error('expected an error');
    };
    expect(codeOf(() => defineAssets([silver])).code).toBe('ASSAY_UNKNOWN_DEP');
    const a = sqlAsset({ key: 'a', deps: ['b'] })`select 1`;
    const b = sqlAsset({ key: 'b', deps: ['a'] })`select 1`;
    expect(codeOf(() => defineAssets([a, b])).message).toContain('a -> b -> a');
    const syntax = codeOf(() => selectAssets(defs, 'gold* silver*')) as AssayError & { column: number };
    expect(syntax.code).toBe('ASSAY_SELECTION_SYNTAX');
    expect(syntax.column).toBe(7);
    expect(codeOf(() => selectAssets(defs, 'colour:red')).code).toBe('ASSAY_SELECTION_UNKNOWN_ATTRIBUTE');
  });
});
