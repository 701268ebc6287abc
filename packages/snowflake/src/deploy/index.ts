/**
 * Declarative deployment to Snowflake Dynamic Tables: compile SQL assets to `CREATE OR
 * REPLACE DYNAMIC TABLE ... TARGET_LAG`, run the DDL with its compensation list, and read
 * the tables' refresh state back. Used by `assets deploy` and `assets status`; see
 * docs/deploy.md.
 *
 * @packageDocumentation
 */
export {
  compileDynamicTables,
  type CompileDynamicTablesOptions,
  type DynamicTablePlan,
  type DynamicTableDdl,
  type DynamicTableRefreshMode,
  type DynamicTableInitialize,
  type DynamicTableInput,
  type NotDeployedAsset,
  type DeployWarning,
} from './compile-dynamic-tables.js';
export { deployDynamicTables, type DeployConnection, type DeployDynamicTablesOptions, type DeployResult, type DeployedTable } from './deploy-dynamic-tables.js';
export {
  readDynamicTableStatus,
  findDynamicTable,
  type DynamicTableStatus,
  type DynamicTableStatusReport,
  type DynamicTableRefresh,
} from './read-dynamic-table-status.js';
export { findFullRefreshConstructs, type RefreshConstruct } from './find-full-refresh-constructs.js';
export { parseTargetLag, type TargetLag } from './target-lag.js';
