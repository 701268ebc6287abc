import { BackendError } from '../errors.js';
import type { MaterializeOutcome } from './backend.js';
import { schemaChangeMetadata } from './materialize-outcome.js';

/** A file as a load history remembers it: its size and modification time when it was loaded. */
export interface LoadedFileVersion {
  /** Size in bytes. */
  size: number;
  /** Modification time in milliseconds since the epoch (whole milliseconds). */
  mtime: number;
}

/**
 * The files an ingestion must read: those the load history (`loaded`, keyed by file name) does
 * not know, and those whose size or modification time changed since (`changed: true`: their
 * old rows are replaced). Order is kept.
 *
 * @example
 * ```ts
 * const pending = filesToLoad(found, history);
 * if (pending.length === 0 && !request.fullRefresh) return nothingNew();
 * ```
 */
export function filesToLoad<F extends { name: string; size: number; mtime: Date }>(found: readonly F[], loaded: ReadonlyMap<string, LoadedFileVersion>): (F & { changed: boolean })[] {
  const out: (F & { changed: boolean })[] = [];
  for (const file of found) {
    const before = loaded.get(file.name);
    const changed = before !== undefined && (before.size !== file.size || before.mtime !== file.mtime.getTime());
    if (before === undefined || changed) out.push({ ...file, changed });
  }
  return out;
}

/** A record of an ingested file that could not be read: where, its text, and why. */
export interface MalformedRecord {
  /** 1-based line in the file, when known. */
  line: number | null;
  /** The record's text (a whole malformed file may be cut). */
  text: string | null;
  /** What is wrong with it. */
  error: string;
}

/**
 * The error failing an ingestion asset (`ASSAY_INGEST`) when a file holds malformed records
 * and `onError` is not `quarantine`: the file, the first record's line and error, and how many
 * more there are.
 */
export function malformedRecordError(assetKey: string, fileName: string, malformed: readonly MalformedRecord[]): BackendError {
  const first = malformed[0];
  const where = first?.line == null ? '' : ` at line ${first.line}`;
  return new BackendError(
    `Asset "${assetKey}": malformed record in ${fileName}${where}: ${first?.error ?? 'unreadable'}` + (malformed.length > 1 ? ` (and ${malformed.length - 1} more)` : ''),
    { code: 'ASSAY_INGEST', assetKey, hint: 'Fix the file, or set onError: "quarantine" to load the valid records and keep the rest in <table>__quarantine.' },
  );
}

/** What one run of a file ingestion did, for {@link fileLoadOutcome}. */
export interface FileLoad {
  /** The asset's table, qualified and quoted. */
  relation: string;
  /** Rows in the table after the load. */
  rowCount: number;
  /** The table's columns after the load. */
  columns: readonly { name: string; type: string }[];
  /** Files the globs matched. */
  filesMatched: number;
  /** Files read this run (see {@link filesToLoad}), in order. */
  loaded: readonly { name: string; changed: boolean }[];
  /** Valid records loaded. */
  rowsLoaded: number;
  /** Malformed records (quarantined, since the load did not fail). */
  malformedRows: number;
  /** The quarantine table, reported when records went there. */
  quarantine: string;
  /** Columns the table gained. */
  addedColumns: readonly string[];
  /** Whether the load history was forgotten and every file reloaded. */
  fullRefresh: boolean;
  /** Backend-specific facts, reported before `fullRefresh` (e.g. the stage files went through). */
  extra?: Record<string, unknown>;
}

/** Most file names an outcome lists. */
const MAX_FILES_LISTED = 100;

/**
 * The outcome of an ingestion run, in the shape every backend reports: `rowCount` and metadata
 * `{ relation, columns, filesLoaded, filesReloaded, filesMatched, files (the first 100),
 * rowsLoaded, malformedRows, quarantine?, schemaChange?, ...extra, fullRefresh }`.
 */
export function fileLoadOutcome(load: FileLoad): MaterializeOutcome {
  return {
    rowCount: load.rowCount,
    metadata: {
      relation: load.relation,
      columns: load.columns,
      filesLoaded: load.loaded.length,
      filesReloaded: load.loaded.filter((f) => f.changed).length,
      filesMatched: load.filesMatched,
      files: load.loaded.slice(0, MAX_FILES_LISTED).map((f) => f.name),
      rowsLoaded: load.rowsLoaded,
      malformedRows: load.malformedRows,
      ...(load.malformedRows > 0 ? { quarantine: load.quarantine } : {}),
      ...schemaChangeMetadata({ added: load.addedColumns }),
      ...load.extra,
      fullRefresh: load.fullRefresh,
    },
  };
}

/** The outcome of an ingestion run that found no new or changed file: the table's row count and the files matched. */
export function nothingToLoadOutcome(relation: string, rowCount: number, filesMatched: number): MaterializeOutcome {
  return { rowCount, metadata: { relation, filesLoaded: 0, filesReloaded: 0, rowsLoaded: 0, malformedRows: 0, filesMatched } };
}
