import { describe, expect, it } from 'vitest';
import { asset, ingestAsset, sourceAsset, sqlAsset, sqlForDialect } from './asset.js';
import { checkedRelation, checks } from './checks.js';
import { defineAssets, Definitions } from './define-assets.js';
import { newRows, partition, raw, referencedKeys, renderSql, self, sql, whenIncremental } from './sql.js';
import { AssayError } from '../errors.js';

const renderer = { relation: (k: string) => `"${k.replace('/', '"."')}"`, placeholder: (i: number) => `$${i}` };

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(AssayError);
    return (e as AssayError).code;
  }
  return undefined;
}

describe('sqlAsset', () => {
  const rawOrders = sourceAsset({ key: 'raw/orders', path: 'data/orders.csv' });

  it('records interpolated assets as dependencies and renders them as relations', () => {
    const orders = sqlAsset({ key: 'silver/orders' })`select * from ${rawOrders} where amount > ${100} and status = ${"x' or 1=1 --"}`;
    expect(orders.deps).toEqual(['raw/orders']);
    expect(orders.group).toBe('silver');
    expect(orders.kind).toBe('table');
    const r = renderSql(sqlForDialect(orders, 'duckdb'), renderer);
    expect(r.text).toBe('select * from "raw"."orders" where amount > $1 and status = $2');
    // Plain values are bound, never spliced into the text.
    expect(r.params).toEqual([100, "x' or 1=1 --"]);
  });

  it('splices raw text and nested fragments, and renders self and partition placeholders', () => {
    const cols = sql`id, ${raw('amount')}`;
    const a = sqlAsset({ key: 'silver/a' })`select ${cols} from ${rawOrders} where d >= ${partition.start}`;
    const r = renderSql(sqlForDialect(a, 'duckdb'), { ...renderer, partitionValue: (f) => `<${f}>` });
    expect(r.text).toBe('select id, amount from "raw"."orders" where d >= $1');
    expect(r.params).toEqual(['<start>']);
    expect(() => renderSql(sqlForDialect(a, 'duckdb'), renderer)).toThrow(/partition.start/);
    const c = checks.sql('no_neg', sql`select * from ${self} where amount < 0`);
    expect(renderSql(c.sql, { ...renderer, relation: (k) => (k === '@self' ? 'ME' : k) }).text).toBe('select * from ME where amount < 0');
  });

  it('picks per-dialect SQL and fails clearly when a dialect is missing', () => {
    const a = sqlAsset({ key: 'silver/a' })({ duckdb: sql`select 1 from ${rawOrders}`, snowflake: sql`select 2 from ${rawOrders}` });
    expect(a.deps).toEqual(['raw/orders']);
    expect(renderSql(sqlForDialect(a, 'snowflake'), renderer).text).toBe('select 2 from "raw"."orders"');
    expect(codeOf(() => sqlForDialect(a, 'postgres'))).toBe('ASSAY_INVALID_DEFINITION');
  });

  it('derives the code version from the SQL, bound values included', () => {
    const v1 = sqlAsset({ key: 'a' })`select ${1}`.codeVersion;
    expect(sqlAsset({ key: 'a' })`select ${1}`.codeVersion).toBe(v1);
    expect(sqlAsset({ key: 'a' })`select ${2}`.codeVersion).not.toBe(v1);
    expect(sqlAsset({ key: 'a', materialize: 'view' })`select ${1}`.codeVersion).not.toBe(v1);
    expect(sqlAsset({ key: 'a', codeVersion: 'v7' })`select 1`.codeVersion).toBe('v7');
  });

  it('validates materialization options', () => {
    expect(codeOf(() => sqlAsset({ key: 'a', materialize: 'incremental' })`select 1`)).toBe('ASSAY_INVALID_DEFINITION');
    expect(codeOf(() => sqlAsset({ key: 'a', materialize: 'incremental', incremental: { strategy: 'append' } })`select 1`)).toBe('ASSAY_INVALID_DEFINITION');
    expect(codeOf(() => sqlAsset({ key: 'a', materialize: 'scd2', scd2: { uniqueKey: 'id' } })`select 1`)).toBe('ASSAY_INVALID_DEFINITION');
    expect(codeOf(() => sqlAsset({ key: 'a', materialize: 'cube' as never })`select 1`)).toBe('ASSAY_INVALID_DEFINITION');
    expect(codeOf(() => sqlAsset({ key: 'a', checks: [checks.notNull('x'), checks.notNull('x')] })`select 1`)).toBe('ASSAY_INVALID_DEFINITION');
    expect(sqlAsset({ key: 'a', materialize: 'incremental', incremental: { strategy: 'merge', uniqueKey: 'id' } })`select 1`.kind).toBe('incremental');
  });

  it('renders whenIncremental branches only when adding to the table, with deps from both', () => {
    const recent = sourceAsset({ key: 'raw/recent', path: 'data/recent.csv' });
    const spec = { key: 'gold/daily', materialize: 'incremental', incremental: { strategy: 'delete+insert', uniqueKey: 'day' } } as const;
    const daily = sqlAsset(spec)`select day, count(*) as n from ${rawOrders}
      ${whenIncremental(sql`where day >= (select max(day) from ${self}) - ${2}`, sql`where day in (select day from ${recent})`)} group by day`;
    expect(daily.deps).toEqual(['raw/orders', 'raw/recent']);
    const self_ = { ...renderer, relation: (k: string) => (k === '@self' ? 'ME' : renderer.relation(k)) };
    const full = renderSql(sqlForDialect(daily, 'duckdb'), self_);
    expect(full.text).toBe('select day, count(*) as n from "raw"."orders"\n      where day in (select day from "raw"."recent") group by day');
    const added = renderSql(sqlForDialect(daily, 'duckdb'), { ...self_, incremental: true });
    expect(added.text).toBe('select day, count(*) as n from "raw"."orders"\n      where day >= (select max(day) from ME) - $1 group by day');
    expect(added.params).toEqual([2]);
    // Either branch changes the code version.
    const other = sqlAsset(spec)`select day, count(*) as n from ${rawOrders}
      ${whenIncremental(sql`where day >= (select max(day) from ${self}) - ${3}`, sql`where day in (select day from ${recent})`)} group by day`;
    expect(other.codeVersion).not.toBe(daily.codeVersion);
  });

  it('refuses whenIncremental outside incremental assets and in checks', () => {
    const branch = whenIncremental(sql`where 1 = 1`);
    expect(() => sqlAsset({ key: 'a' })`select 1 ${branch}`).toThrow(/only applies to incremental assets; this one is materialized as "table"/);
    expect(() => sqlAsset({ key: 'b', checks: [checks.sql('c', sql`select 1 ${branch}`)] })`select 1`).toThrow(/check "c" uses whenIncremental/);
    expect(() => whenIncremental('where 1 = 1' as never)).toThrow(TypeError);
  });

  it('validates keys', () => {
    for (const bad of ['', 'a//b', '9lives', 'a/b c', 'a/-x', 'a/b.c']) expect(codeOf(() => sqlAsset({ key: bad })`select 1`)).toBe('ASSAY_INVALID_KEY');
    expect(sqlAsset({ key: ['gold', 'daily-summary'] })`select 1`.key).toBe('gold/daily-summary');
  });
});

describe('asset, sourceAsset, ingestAsset', () => {
  it('normalizes specs', () => {
    const s = sourceAsset({ key: 'raw/users', tags: ['pii'], owners: ['ana@corp.com'] });
    const a = asset({ key: 'ml/model', deps: [s, 'raw/users'], tags: { team: 'ml' }, group: 'ml', kind: 'model' }, async () => {});
    expect(a.deps).toEqual(['raw/users']);
    expect(a.kind).toBe('model');
    expect(s.tags).toEqual({ pii: '' });
    expect(s.kind).toBe('source');
    expect(asset({ key: 'solo' }, () => {}).group).toBe('default');
    const i = ingestAsset({ key: 'bronze/raw', path: 'data/*.jsonl', format: 'jsonl' });
    expect(i.ingest).toMatchObject({ path: ['data/*.jsonl'], format: 'jsonl', shape: 'raw', onError: 'fail' });
    expect(codeOf(() => ingestAsset({ key: 'b', path: 'x', format: 'xml' as never }))).toBe('ASSAY_INVALID_DEFINITION');
  });

  it('adds the target of a relationships check as a dependency', () => {
    const customers = sourceAsset({ key: 'raw/customers' });
    const orders = sqlAsset({ key: 'silver/orders', checks: [checks.relationships('customer_id', customers, 'id')] })`select 1`;
    expect(orders.deps).toEqual(['raw/customers']);
    expect(orders.checks[0]).toMatchObject({ name: 'relationships_customer_id_to_raw_customers', severity: 'error', blocking: true });
    expect(checks.notNull('x', { severity: 'warn' })).toMatchObject({ severity: 'warn' });
  });
});

describe('decorators', () => {
  it('collects @asset methods of classes and instances with the same definition shape', async () => {
    class Pipeline {
      constructor(private readonly factor = 2) {}
      @asset({ key: 'ml/features' })
      async features() {
        return { rowCount: 10 * this.factor };
      }
      @asset({ key: 'ml/model', deps: ['ml/features'], kind: 'model' })
      async model() {
        return { metadata: { auc: 0.9 } };
      }
      helper() {
        return 1;
      }
    }
    const fromClass = defineAssets(Pipeline);
    expect(fromClass.keys).toEqual(['ml/features', 'ml/model']);
    const fromInstance = defineAssets(new Pipeline(5));
    const features = fromInstance.get('ml/features');
    expect(features.type).toBe('compute');
    if (features.type !== 'compute') throw new Error('unreachable');
    // Bound to the instance: `this.factor` is 5.
    expect(await features.fn({} as never)).toEqual({ rowCount: 50 });
    expect(fromInstance.get('ml/model').kind).toBe('model');
  });
});

describe('defineAssets', () => {
  const a = sqlAsset({ key: 'raw/a' })`select 1`;
  const b = sqlAsset({ key: 'silver/b' })`select * from ${a}`;

  it('accepts arrays, module namespaces and Definitions, ignoring non-assets', () => {
    const ns = { a, b, helper: () => 1, config: { x: 1 }, default: undefined };
    const defs = defineAssets(ns);
    expect(defs.keys).toEqual(['raw/a', 'silver/b']);
    expect(defineAssets(defs)).toBe(defs);
    expect(defineAssets([a], [b, a]).size).toBe(2);
    expect(defs).toBeInstanceOf(Definitions);
  });

  it('rejects duplicate keys, unknown dependencies (with a suggestion) and cycles (with the path)', () => {
    const dup = sqlAsset({ key: 'raw/a' })`select 2`;
    expect(codeOf(() => defineAssets([a, dup]))).toBe('ASSAY_DUPLICATE_KEY');
    const typo = sqlAsset({ key: 'gold/c', deps: ['silver/bb'] })`select 1`;
    try {
      defineAssets([a, b, typo]);
      expect.unreachable();
    } catch (e) {
      expect((e as AssayError).code).toBe('ASSAY_UNKNOWN_DEP');
      expect((e as AssayError).hint).toContain('"silver/b"');
      expect((e as AssayError).assetKey).toBe('gold/c');
    }
    const x = sqlAsset({ key: 'x', deps: ['z'] })`select 1`;
    const y = sqlAsset({ key: 'y', deps: ['x'] })`select 1`;
    const z = sqlAsset({ key: 'z', deps: ['y'] })`select 1`;
    try {
      defineAssets([x, y, z, a]);
      expect.unreachable();
    } catch (e) {
      expect((e as AssayError).code).toBe('ASSAY_CYCLE');
      expect((e as { cycle: string[] }).cycle).toEqual(['x', 'y', 'z', 'x']);
      expect((e as Error).message).toContain('x -> y -> z -> x');
    }
  });

  it('gets assets by key with a did-you-mean hint', () => {
    const defs = defineAssets([a, b]);
    expect(defs.get('silver/b')).toBe(b);
    try {
      defs.get('silver/c');
      expect.unreachable();
    } catch (e) {
      expect((e as AssayError).code).toBe('ASSAY_UNKNOWN_ASSET');
      expect((e as AssayError).hint).toContain('silver/b');
    }
  });
});

describe('check scopes', () => {
  it('defaults to the whole table and validates the scope', () => {
    const a = sqlAsset({ key: 'a', checks: [checks.notNull('x'), checks.unique('x', { scope: 'new-rows' })] })`select 1 as x`;
    expect(a.checks.map((c) => c.scope)).toEqual(['table', 'new-rows']);
    expect(() => sqlAsset({ key: 'b', checks: [checks.notNull('x', { scope: 'recent' as never })] })`select 1 as x`).toThrow(/unknown scope "recent"/);
  });

  it('picks the relation a check reads, or none to skip it', () => {
    const scoped = (scope: 'table' | 'new-rows' | 'full-builds') => ({ scope });
    expect(checkedRelation(scoped('table'), 't', '(new)')).toBe('t');
    expect(checkedRelation(scoped('new-rows'), 't', '(new)')).toBe('(new)');
    expect(checkedRelation(scoped('full-builds'), 't', '(new)')).toBeUndefined();
    for (const s of ['table', 'new-rows', 'full-builds'] as const) expect(checkedRelation(scoped(s), 't', undefined)).toBe('t');
  });

  it('keeps newRows out of dependencies and out of asset SQL', () => {
    expect(referencedKeys(sql`select * from ${newRows} join ${self} using (id)`)).toEqual([]);
    expect(() => sqlAsset({ key: 'c' })`select * from ${newRows}`).toThrow(expect.objectContaining({ code: 'ASSAY_INVALID_DEFINITION', message: expect.stringMatching(/only means something in a check/) }));
  });
});
