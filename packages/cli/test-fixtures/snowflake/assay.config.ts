import { defineConfig } from '@assay/core';
import { duckdb } from '@assay/duckdb';

// Fixture for the `assets deploy` tests: `prod` is a Snowflake target whose URL is the
// Snowflake test server a test starts (ASSAY_TEST_SNOWFLAKE_URL).
export default defineConfig({
  name: 'deploy-fixture',
  definitions: './assets.ts',
  targets: {
    dev: duckdb({ path: ':memory:' }),
    prod: async () =>
      (await import('@assay/snowflake')).snowflake({
        accessUrl: '${env:ASSAY_TEST_SNOWFLAKE_URL}',
        account: 'test',
        username: 'test',
        password: 'test',
        database: 'ASSAY',
        warehouse: 'TRANSFORM_WH',
      }),
  },
  defaultTarget: 'dev',
});
