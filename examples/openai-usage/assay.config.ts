import { defineConfig } from '@assay/core';
import { duckdb } from '@assay/duckdb';

export default defineConfig({
  definitions: './assets/index.ts',
  targets: {
    dev: duckdb({ path: '.assay/dev.duckdb' }),
    // Loaded only when used (`--target snowflake`). Account, user and credentials come from
    // SNOWFLAKE_* variables or ~/.snowflake/connections.toml (docs/snowflake.md).
    snowflake: async () =>
      (await import('@assay/snowflake')).snowflake({
        warehouse: '${env:SNOWFLAKE_WAREHOUSE:-TRANSFORM_WH}',
        database: '${env:SNOWFLAKE_DATABASE:-OPENAI_USAGE}',
      }),
  },
  defaultTarget: 'dev',
});
