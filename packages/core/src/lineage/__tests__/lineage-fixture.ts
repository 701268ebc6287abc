// Shared by the lineage tests: a small medallion graph whose groups, descriptions, tags and
// metadata carry every character the renderers must escape.
import { asset, ingestAsset, sourceAsset, sqlAsset } from '../../definitions/asset.js';
import { checks } from '../../definitions/checks.js';
import { defineAssets, type Definitions } from '../../definitions/define-assets.js';

/** Group names that break naive quoting in Mermaid or DOT. */
export const ODD_GROUPS = {
  raw: 'raw "landing" zone',
  bronze: 'bronze <b>&amp;</b> #quot; `tick`',
  silver: 'silver style:a#b;c',
  gold: 'gold ✨ café \\',
} as const;

/** A description with quotes, angle brackets, backslashes, a line break and non-BMP unicode. */
export const ODD_DESCRIPTION = 'Orders from "shop" <EU> C:\\data\\ día ✓ 🚀 #1; a & b\nsecond line';

/** Builds fresh definitions on every call, so determinism tests compare independent builds. */
export function buildFixture(): Definitions {
  const rawOrders = sourceAsset({
    key: 'raw/orders-2024_v1',
    group: ODD_GROUPS.raw,
    description: ODD_DESCRIPTION,
    owners: ['ana@corp.com', 'team:"data" <eng>'],
    tags: { pii: '', team: 'fin "ance"', 'x<y': 'a\\b' },
    metadata: {
      columns: [
        { name: 'order_id', type: 'BIGINT' },
        { name: 'amount "eur"', type: 'DECIMAL(18,2)' },
      ],
      expectedRows: 12345678901234567890n,
      snapshotAt: new Date('2024-05-01T10:00:00.000Z'),
      nested: { big: [1n, 2n], label: 'a "b" \\ c' },
    },
    path: 'data/orders/*.csv',
  });
  const rawEvents = ingestAsset({ key: 'raw/events', group: ODD_GROUPS.raw, path: 'data/events/*.jsonl', format: 'jsonl' });
  const bronzeOrders = sqlAsset({ key: 'bronze/orders', group: ODD_GROUPS.bronze, materialize: 'view', description: 'typed <view>' })`
    select * from ${rawOrders}`;
  const silverOrders = sqlAsset({
    key: 'silver/orders',
    group: ODD_GROUPS.silver,
    materialize: 'table',
    checks: [checks.notNull('order_id'), checks.unique('order_id', { severity: 'warn' })],
    metadata: { columns: { order_id: 'BIGINT', amount: 'DOUBLE' } },
  })`select o.*, e.kind from ${bronzeOrders} o left join ${rawEvents} e using (order_id)`;
  const goldRevenue = sqlAsset({ key: 'gold/revenue', group: ODD_GROUPS.gold, materialize: 'table', tags: ['finance'] })`
    select sum(amount) as revenue from ${silverOrders}`;
  const churnModel = asset({ key: 'gold/churn-model', group: ODD_GROUPS.gold, kind: 'model', deps: [silverOrders], owners: ['ml@corp.com'] }, async () => {});
  // Keys that are keywords in Mermaid (`end`) and DOT (`node`) must survive as plain labels.
  const end = asset({ key: 'end', deps: [goldRevenue, churnModel] }, async () => {});
  const node = asset({ key: 'node', kind: 'cube', deps: [end] }, async () => {});
  return defineAssets([rawOrders, rawEvents, bronzeOrders, silverOrders, goldRevenue, churnModel, end, node]);
}

/** Keys of the fixture in the order `defineAssets` sorts them (checked by a test). */
export const FIXTURE_ORDER = ['raw/events', 'raw/orders-2024_v1', 'bronze/orders', 'silver/orders', 'gold/churn-model', 'gold/revenue', 'end', 'node'];

/**
 * A graph of `size` assets in 10 groups (`g0`..`g9`), each asset after the first group
 * reading two assets of the previous group — roughly 2 × size edges.
 */
export function buildLargeGraph(size: number): Definitions {
  const perGroup = Math.ceil(size / 10);
  const defs = [];
  for (let i = 0; i < size; i++) {
    const g = Math.floor(i / perGroup);
    const j = i % perGroup;
    const deps = g === 0 ? [] : [`g${g - 1}/a${j}`, `g${g - 1}/a${(j * 7 + 3) % perGroup}`];
    defs.push(asset({ key: `g${g}/a${j}`, group: `layer ${g} "x"`, deps, description: `asset #${i} <${g}>` }, async () => {}));
  }
  return defineAssets(defs);
}
