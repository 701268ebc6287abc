/**
 * The extractor's watermarks, kept in a small JSON file next to the bronze files (the seed
 * keeps them in DynamoDB). Keeping them beside the data they describe means deleting
 * `data/bronze/` starts the extraction over, instead of silently skipping what was lost.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { StateError } from '@assay/core';

/** Where the extraction of one table stands. */
export interface Watermark {
  /** The last extracted row's watermark column, as DuckDB prints it (microseconds kept). */
  watermark: string;
  /** The last extracted row's key, breaking ties between equal watermarks. */
  key: string;
  /** Run that moved the watermark last. */
  run_id: string;
  /** When it moved (ISO timestamp). */
  updated_at: string;
  /** Rows extracted since the first run. */
  rows_total: number;
}

/** Contents of the watermark file. */
export interface WatermarkState {
  version: 1;
  tables: Record<string, Watermark>;
}

/**
 * Reads and writes the watermark file. Writes go to a temporary file renamed over the old
 * one, so a crash leaves either the previous or the new state, never half a file.
 *
 * @example
 * ```ts
 * const file = new WatermarkFile('data/bronze/_watermarks.json');
 * const state = await file.read();            // { version: 1, tables: {} } when missing
 * state.tables.customers = { watermark: '2025-06-30 12:00:00', key: 'CUST-000042', ... };
 * await file.write(state);
 * ```
 */
export class WatermarkFile {
  constructor(readonly path: string) {}

  /** The stored state; an empty state when the file does not exist yet. */
  async read(): Promise<WatermarkState> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { version: 1, tables: {} };
      throw new StateError(`Cannot read watermarks from ${this.path}`, { cause: error });
    }
    try {
      const state = JSON.parse(text) as WatermarkState;
      if (state?.version !== 1 || typeof state.tables !== 'object' || state.tables === null) throw new TypeError('not a version 1 watermark file');
      return state;
    } catch (error) {
      throw new StateError(`Watermark file ${this.path} is corrupt: ${(error as Error).message}`, {
        cause: error,
        hint: 'Fix or delete it; without it the next run extracts every table from the start.',
      });
    }
  }

  /** Replaces the stored state atomically. */
  async write(state: WatermarkState): Promise<void> {
    const tmp = `${this.path}.${process.pid}.tmp`;
    try {
      await mkdir(dirname(this.path), { recursive: true });
      await writeFile(tmp, `${JSON.stringify(state, null, 2)}\n`);
      await rename(tmp, this.path);
    } catch (error) {
      throw new StateError(`Cannot write watermarks to ${this.path}`, { cause: error });
    }
  }
}
