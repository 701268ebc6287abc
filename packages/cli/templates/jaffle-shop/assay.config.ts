import { defineConfig } from '@assay/core';
import { duckdb } from '@assay/duckdb';

export default defineConfig({
  name: '{{name}}',
  // The module exporting the assets, relative to this file.
  definitions: './assets/index.ts',
  targets: {
    // An embedded DuckDB database file; relative paths resolve against this folder.
    dev: duckdb({ path: '.assay/dev.duckdb' }),
  },
  defaultTarget: 'dev',
});
