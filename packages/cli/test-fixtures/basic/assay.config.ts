import { defineConfig } from '@assay/core';
import { duckdb } from '@assay/duckdb';

// Fixture for the CLI tests. `${env:...}` is interpolated by the CLI; process.env is read here.
export default defineConfig({
  name: 'fixture',
  definitions: './assets.ts',
  targets: {
    dev: duckdb({
      path: '.assay/${env:FIXTURE_DB_NAME:-dev}.duckdb',
      lockTimeoutMs: Number(process.env.FIXTURE_LOCK_TIMEOUT_MS ?? 10_000),
    }),
    other: () => duckdb({ path: '.assay/other.duckdb' }),
  },
  defaultTarget: 'dev',
  concurrency: 2,
});
