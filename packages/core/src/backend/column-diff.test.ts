import { describe, expect, it } from 'vitest';
import { columnDiffNames, describeColumnDiff, isEmptyColumnDiff, schemaChangeError, type ColumnDiff } from './column-diff.js';

const diff: ColumnDiff = {
  added: [{ name: 'EXTRA', type: 'NUMBER(38,0)' }],
  removed: [{ name: 'LEGACY', type: 'VARCHAR' }],
  changed: [{ name: 'V', from: 'VARCHAR', to: 'NUMBER(38,0)' }],
};

describe('column diffs', () => {
  it('is empty only without added, removed or changed columns', () => {
    expect(isEmptyColumnDiff({ added: [], removed: [], changed: [] })).toBe(true);
    expect(isEmptyColumnDiff({ ...diff, removed: [], changed: [] })).toBe(false);
    expect(isEmptyColumnDiff({ added: [], removed: [], changed: diff.changed })).toBe(false);
  });

  it('describes the differences with names as the backend writes them', () => {
    expect(describeColumnDiff(diff)).toBe('added: EXTRA NUMBER(38,0); removed: LEGACY VARCHAR; changed: V VARCHAR -> NUMBER(38,0)');
    expect(describeColumnDiff({ ...diff, removed: [] }, (n) => n.toLowerCase())).toBe('added: extra NUMBER(38,0); changed: v VARCHAR -> NUMBER(38,0)');
    expect(columnDiffNames(diff)).toEqual({ added: ['EXTRA'], removed: ['LEGACY'], changed: ['V'] });
  });

  it('fails onSchemaChange "fail" with ASSAY_SCHEMA_CHANGE naming the columns', () => {
    const error = schemaChangeError('silver/t', { ...diff, changed: [] }, (n) => n.toLowerCase());
    expect(error).toMatchObject({
      code: 'ASSAY_SCHEMA_CHANGE',
      assetKey: 'silver/t',
      message: 'Asset "silver/t": the query\'s columns no longer match the table (added: extra NUMBER(38,0); removed: legacy VARCHAR)',
      hint: expect.stringContaining('--full-refresh'),
    });
  });
});
