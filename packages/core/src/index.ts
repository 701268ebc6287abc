/**
 * `@assay/core`: asset definitions, the dependency graph, selection, planning, execution,
 * state and lineage. Knows no warehouse driver; backends implement {@link Backend}.
 *
 * @packageDocumentation
 */

// Errors
export * from './errors.js';

// Authoring
export { toAssetKey, keySegments, keyName, closestKey, type AssetKey, type AssetKeyInput } from './definitions/asset-key.js';
export {
  sql,
  raw,
  self,
  newRows,
  whenIncremental,
  isIncrementalBranch,
  hasIncrementalBranch,
  partition,
  renderSql,
  referencedKeys,
  isSqlFragment,
  isAssetRef,
  SELF_KEY,
  NEW_ROWS_KEY,
  isPlaceholderKey,
  type SqlFragment,
  type SqlValue,
  type RawSql,
  type AssetRef,
  type PartitionVar,
  type IncrementalBranch,
  type SqlRenderer,
  type RenderedSql,
} from './definitions/sql.js';
export {
  asset,
  sqlAsset,
  sourceAsset,
  ingestAsset,
  isAssetDefinition,
  sqlForDialect,
  type AssetDefinition,
  type SqlAssetDefinition,
  type ComputeAssetDefinition,
  type SourceAssetDefinition,
  type IngestAssetDefinition,
  type AssetSpecBase,
  type SqlAssetSpec,
  type ComputeAssetSpec,
  type SourceAssetSpec,
  type IngestAssetSpec,
  type IngestFormat,
  type IngestOptions,
  type Materialization,
  type IncrementalOptions,
  type Scd2Options,
  type RetryPolicy,
  type FreshnessPolicy,
  type DialectSql,
  type AssetFunction,
} from './definitions/asset.js';
export {
  checks,
  resolveCheck,
  checkedRelation,
  skippedCheck,
  defaultCheckName,
  ROW_LEVEL_CHECKS,
  CHECK_SCOPES,
  type CheckSpec,
  type CheckScope,
  type CheckSeverity,
  type CheckContext,
  type CheckOutcome,
  type CheckResult,
  type ResolvedCheck,
  type NotNullCheck,
  type UniqueCheck,
  type AcceptedValuesCheck,
  type RelationshipsCheck,
  type RowCountCheck,
  type ExpressionCheck,
  type FreshnessCheck,
  type SqlCheck,
  type FunctionCheck,
} from './definitions/checks.js';
export {
  partitions,
  partitionKeys,
  resolvePartitions,
  partitionWindow,
  type PartitionsDefinition,
  type TimePartitions,
  type StaticPartitions,
  type PartitionSelection,
} from './definitions/partitions.js';
export type { AssetContext, AssetOutput, UpstreamHandle, PartitionContext, Row } from './definitions/context.js';
export { defineAssets, Definitions, type AssetsInput } from './definitions/define-assets.js';
export { defineConfig, type AssayConfig, type TargetInput } from './config/define-config.js';

// Graph and selection
export { AssetGraph } from './graph/asset-graph.js';
export * from './selection/index.js';

// Planning and execution
export * from './planner/plan.js';
export * from './executor/materialize.js';
export type * from './events.js';

// Backends and state
export type * from './backend/backend.js';
export { BaseBackend, assertQuarantinable, type CheckQuery } from './backend/base-backend.js';
// The toolkit a backend builds on, next to BaseBackend.
export { ResourcePool, type ResourcePoolOptions, type AcquireOptions } from './backend/resource-pool.js';
export { inlineParams, placeholderOffsets, asSubquery, type SqlSyntax } from './backend/inline-params.js';
export { inferColumnKinds, columnKindOf, widenColumnKind, type ColumnKind, type InferColumnKindsOptions } from './backend/infer-column-kinds.js';
export { keyList, keyJoin, assertUniqueKey, type UniqueKeyAssertion } from './backend/unique-key.js';
export {
  buildOutcome,
  fullRebuildCounts,
  schemaChangeMetadata,
  materializeWith,
  addedRowsWhere,
  type BuiltRelation,
  type SchemaChange,
  type MaterializationStrategies,
} from './backend/materialize-outcome.js';
export { isEmptyColumnDiff, describeColumnDiff, columnDiffNames, schemaChangeError, type ColumnDiff } from './backend/column-diff.js';
export { canceledError } from './backend/canceled-error.js';
export { isTransientError } from './backend/is-transient-error.js';
export { jsonErrorOffset } from './backend/json-error-offset.js';
export {
  filesToLoad,
  malformedRecordError,
  fileLoadOutcome,
  nothingToLoadOutcome,
  type LoadedFileVersion,
  type MalformedRecord,
  type FileLoad,
} from './backend/files-to-load.js';
export { NoopBackend, type NoopBackendOptions } from './backend/noop-backend.js';
export type { StateStore, RunRecord, MaterializationRecord, StoredCheckResult } from './state/state-store.js';
export { MemoryStateStore } from './state/memory-state-store.js';

// Lineage and logging
export * from './lineage/index.js';
export { createLogger, silentLogger, registerSecret, maskSecrets, redact, type Logger, type LoggerOptions } from './logging/logger.js';
export { shortHash } from './hash.js';
export { sleep } from './sleep.js';
