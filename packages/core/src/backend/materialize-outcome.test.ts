import { describe, expect, it } from 'vitest';
import { buildOutcome, fullRebuildCounts, materializeWith, schemaChangeMetadata } from './materialize-outcome.js';

const columns = [{ name: 'id', type: 'BIGINT' }];

describe('buildOutcome', () => {
  it('reports the row count and columns, relation and materialization, then the strategy facts', () => {
    const out = buildOutcome({ relation: '"s"."t"', columns, rowCount: 3 }, 'incremental', { strategy: 'merge', ...fullRebuildCounts(3) });
    expect(out).toEqual({
      rowCount: 3,
      metadata: { columns, relation: '"s"."t"', materialization: 'incremental', strategy: 'merge', fullRefresh: true, rowsInserted: 3, rowsUpdated: 0, rowsDeleted: 0 },
    });
    expect(Object.keys(out.metadata!)).toEqual(['columns', 'relation', 'materialization', 'strategy', 'fullRefresh', 'rowsInserted', 'rowsUpdated', 'rowsDeleted']);
  });

  it('leaves rowCount out when it is not known (views)', () => {
    expect(buildOutcome({ relation: 'v', columns }, 'view')).toEqual({ metadata: { columns, relation: 'v', materialization: 'view' } });
    expect('rowCount' in buildOutcome({ relation: 'v', columns }, 'view')).toBe(false);
  });
});

describe('schemaChangeMetadata', () => {
  it('is empty without changes and fills missing lists otherwise', () => {
    expect(schemaChangeMetadata({ added: [], removed: [], changed: [] })).toEqual({});
    expect(schemaChangeMetadata({})).toEqual({});
    expect(schemaChangeMetadata({ added: ['extra'] })).toEqual({ schemaChange: { added: ['extra'], removed: [], changed: [] } });
    expect(schemaChangeMetadata({ changed: ['v'] })).toEqual({ schemaChange: { added: [], removed: [], changed: ['v'] } });
  });
});

describe('materializeWith', () => {
  it('runs the strategy for the asset\'s materialization', async () => {
    const out = await materializeWith('test', { key: 'a', materialize: 'table' }, { view: async () => ({ rowCount: 1 }), table: async () => ({ rowCount: 2 }) });
    expect(out).toEqual({ rowCount: 2 });
  });

  it('fails with ASSAY_UNSUPPORTED naming the backend when it has no strategy', async () => {
    await expect(materializeWith('test', { key: 'gold/x', materialize: 'scd2' }, { table: async () => ({}) })).rejects.toMatchObject({
      code: 'ASSAY_UNSUPPORTED',
      assetKey: 'gold/x',
      message: 'The test backend cannot materialize "scd2"',
    });
    await expect(materializeWith('test', { key: 'gold/x', materialize: 'toString' as never }, {})).rejects.toMatchObject({ code: 'ASSAY_UNSUPPORTED' });
  });
});
