import { describe, expect, it } from 'vitest';
import { fileLoadOutcome, filesToLoad, malformedRecordError, nothingToLoadOutcome } from './files-to-load.js';

const file = (name: string, size: number, mtime: number) => ({ name, size, mtime: new Date(mtime), absolute: `/p/${name}` });

describe('filesToLoad', () => {
  it('keeps new files and files whose size or modification time changed, in order', () => {
    const found = [file('a.csv', 10, 1000), file('b.csv', 20, 2000), file('c.csv', 30, 3000), file('d.csv', 40, 4000)];
    const history = new Map([
      ['b.csv', { size: 20, mtime: 2000 }],
      ['c.csv', { size: 31, mtime: 3000 }],
      ['d.csv', { size: 40, mtime: 4001 }],
    ]);
    expect(filesToLoad(found, history).map((f) => [f.name, f.changed, f.absolute])).toEqual([
      ['a.csv', false, '/p/a.csv'],
      ['c.csv', true, '/p/c.csv'],
      ['d.csv', true, '/p/d.csv'],
    ]);
    expect(filesToLoad(found, new Map()).every((f) => !f.changed)).toBe(true);
  });
});

describe('malformedRecordError', () => {
  it('names the file, the first record\'s line and error, and how many more there are', () => {
    const error = malformedRecordError('raw/events', 'data/a.jsonl', [
      { line: 3, text: '{', error: 'invalid JSON' },
      { line: 9, text: 'x', error: 'invalid JSON' },
    ]);
    expect(error).toMatchObject({ code: 'ASSAY_INGEST', assetKey: 'raw/events', message: 'Asset "raw/events": malformed record in data/a.jsonl at line 3: invalid JSON (and 1 more)' });
    expect(error.hint).toContain('onError: "quarantine"');
    expect(malformedRecordError('k', 'f.parquet', [{ line: null, text: null, error: 'not a parquet file' }]).message).toBe('Asset "k": malformed record in f.parquet: not a parquet file');
  });
});

describe('fileLoadOutcome', () => {
  const load = {
    relation: '"raw"."events"',
    rowCount: 5,
    columns: [{ name: 'id', type: 'BIGINT' }],
    filesMatched: 3,
    loaded: [
      { name: 'a.jsonl', changed: false },
      { name: 'b.jsonl', changed: true },
    ],
    rowsLoaded: 4,
    malformedRows: 0,
    quarantine: '"raw"."events__quarantine"',
    addedColumns: [],
    fullRefresh: false,
  };

  it('reports files, rows and the table, with quarantine and schema changes only when there are some', () => {
    expect(fileLoadOutcome(load)).toEqual({
      rowCount: 5,
      metadata: { relation: '"raw"."events"', columns: load.columns, filesLoaded: 2, filesReloaded: 1, filesMatched: 3, files: ['a.jsonl', 'b.jsonl'], rowsLoaded: 4, malformedRows: 0, fullRefresh: false },
    });
    const out = fileLoadOutcome({ ...load, malformedRows: 2, addedColumns: ['extra'], extra: { stage: '@S' } });
    expect(out.metadata).toMatchObject({ malformedRows: 2, quarantine: '"raw"."events__quarantine"', schemaChange: { added: ['extra'], removed: [], changed: [] }, stage: '@S' });
    expect(Object.keys(out.metadata!).slice(-3)).toEqual(['schemaChange', 'stage', 'fullRefresh']);
  });

  it('lists at most 100 file names', () => {
    const many = Array.from({ length: 150 }, (_, i) => ({ name: `f${i}`, changed: false }));
    const out = fileLoadOutcome({ ...load, loaded: many });
    expect(out.metadata).toMatchObject({ filesLoaded: 150 });
    expect(out.metadata?.files).toHaveLength(100);
  });

  it('reports a run with nothing new', () => {
    expect(nothingToLoadOutcome('"raw"."events"', 7, 2)).toEqual({
      rowCount: 7,
      metadata: { relation: '"raw"."events"', filesLoaded: 0, filesReloaded: 0, rowsLoaded: 0, malformedRows: 0, filesMatched: 2 },
    });
  });
});
