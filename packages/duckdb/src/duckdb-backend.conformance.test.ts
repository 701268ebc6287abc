import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeBackendConformance } from '@assay/core/testing';
import { duckdb } from './index.js';

describeBackendConformance('duckdb :memory:', async () => ({ backend: duckdb({ path: ':memory:', threads: 2 }) }));

describeBackendConformance('duckdb file', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'assay-duckdb-conformance-'));
  return {
    backend: duckdb({ path: join(dir, 'warehouse.duckdb'), threads: 2 }),
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
});
