import { defineConfig } from '@assay/core';
import { duckdb } from '@assay/duckdb';

export default defineConfig({
  definitions: './assets/index.ts',
  targets: {
    dev: duckdb({ path: '.assay/dev.duckdb' }),
  },
  defaultTarget: 'dev',
});
