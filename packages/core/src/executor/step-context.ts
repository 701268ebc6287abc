import type { Logger } from 'winston';
import type { Backend, SqlMaterializeRequest } from '../backend/backend.js';
import type { AssetKey } from '../definitions/asset-key.js';
import { sqlForDialect, type AssetDefinition, type SqlAssetDefinition } from '../definitions/asset.js';
import type { AssetContext, PartitionContext, Row, UpstreamHandle } from '../definitions/context.js';
import { hasIncrementalBranch, isSqlFragment, renderSql, SELF_KEY, type SqlFragment, type SqlRenderer } from '../definitions/sql.js';

/** Everything needed to build the {@link AssetContext} of one step. */
export interface StepEnvironment {
  asset: AssetDefinition;
  backend: Backend;
  runId: string;
  partition: PartitionContext | undefined;
  logger: Logger;
  signal: AbortSignal;
  projectDir: string;
  fullRefresh: boolean;
  upstreamVersions: Readonly<Record<AssetKey, string>>;
}

/** The renderer for one step: `self` is the step's asset, partition placeholders are its partition. */
export function stepRenderer(backend: Backend, assetKey: AssetKey, partition: PartitionContext | undefined): SqlRenderer {
  return {
    relation: (key) => backend.relation(key === SELF_KEY ? assetKey : key),
    placeholder: (i) => backend.placeholder(i),
    ...(partition
      ? {
          partitionValue: (field: 'key' | 'start' | 'end') =>
            field === 'key' ? partition.key : field === 'start' ? (partition.window?.start ?? partition.key) : (partition.window?.end ?? partition.key),
        }
      : {}),
  };
}

/**
 * A SQL asset's statement for one step: `sql`, and for an incremental asset with
 * `whenIncremental(...)` branches also `incrementalSql`, the same with the branches taken.
 */
export function renderStepSql(backend: Backend, asset: SqlAssetDefinition, partition: PartitionContext | undefined): Pick<SqlMaterializeRequest, 'sql' | 'incrementalSql'> {
  const fragment = sqlForDialect(asset, backend.dialect);
  const renderer = stepRenderer(backend, asset.key, partition);
  const incremental = asset.materialize === 'incremental' && hasIncrementalBranch(fragment);
  return { sql: renderSql(fragment, renderer), incrementalSql: incremental ? renderSql(fragment, { ...renderer, incremental: true }) : undefined };
}

/** Runs text or a SQL fragment on the backend, rendering fragments for the step. */
export function stepQuery(backend: Backend, renderer: SqlRenderer, signal: AbortSignal) {
  return (text: string | SqlFragment, params: unknown[] = []): Promise<Row[]> => {
    if (isSqlFragment(text)) {
      const r = renderSql(text, renderer);
      return backend.query(r.text, r.params, { signal });
    }
    return backend.query(text, params, { signal });
  };
}

/** Builds the context a compute asset (or a source's `observe`) receives. Metadata lands in `metadata`. */
export function createAssetContext(env: StepEnvironment, metadata: Record<string, unknown>): AssetContext {
  const renderer = stepRenderer(env.backend, env.asset.key, env.partition);
  const upstream: Record<AssetKey, UpstreamHandle> = {};
  for (const d of env.asset.deps) upstream[d] = { key: d, relation: env.backend.relation(d), dataVersion: env.upstreamVersions[d] };
  return {
    key: env.asset.key,
    asset: env.asset,
    runId: env.runId,
    partition: env.partition,
    backend: env.backend,
    logger: env.logger,
    signal: env.signal,
    upstream,
    fullRefresh: env.fullRefresh,
    projectDir: env.projectDir,
    relation: (key) => env.backend.relation(key ?? env.asset.key),
    query: stepQuery(env.backend, renderer, env.signal),
    addMetadata: (m) => Object.assign(metadata, m),
  };
}
