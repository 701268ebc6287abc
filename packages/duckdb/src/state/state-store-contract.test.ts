import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { MemoryStateStore } from '@assay/core';
import { DuckDbStateStore } from './duckdb-state-store.js';
import { describeStateStoreContract } from './__tests__/state-store-contract.js';

// The same suite against the reference implementation and the DuckDB store, so the two agree.
describeStateStoreContract('MemoryStateStore', { create: async () => new MemoryStateStore() });

const dir = mkdtempSync(join(tmpdir(), 'assay-state-contract-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

describeStateStoreContract('DuckDbStateStore (file)', {
  // A long interval and a large threshold keep everything in the buffer, so each read
  // also proves it sees writes that were not yet flushed.
  create: async () => new DuckDbStateStore({ path: join(dir, `state-${n++}.duckdb`), flushIntervalMs: 60_000, flushRows: 100_000 }),
});

describeStateStoreContract('DuckDbStateStore (file, flushing every row)', {
  create: async () => new DuckDbStateStore({ path: join(dir, `state-${n++}.duckdb`), flushRows: 1 }),
});

describeStateStoreContract('DuckDbStateStore (:memory:)', {
  create: async () => new DuckDbStateStore({ path: ':memory:' }),
});
