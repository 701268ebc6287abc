// Implementation lands next in this session; types are the contract.
import type { Backend } from '../backend/backend.js';
import type { AssetKey } from '../definitions/asset-key.js';
import type { Definitions } from '../definitions/define-assets.js';
import type { PartitionSelection } from '../definitions/partitions.js';
import type { StateStore } from '../state/state-store.js';

/** Why a step runs. */
export type StepReasonCode = 'never_materialized' | 'code_changed' | 'upstream_changed' | 'selected' | 'full_refresh' | 'observe';

/** One asset the plan runs. */
export interface PlanStep {
  key: AssetKey;
  /** Human reason: `never materialized`, `code version changed`, `upstream changed (silver/x)`, `selected`. */
  reason: string;
  reasonCode: StepReasonCode;
  /** Partitions to run, for partitioned assets. */
  partitions?: string[] | undefined;
}

/** An asset in the selection that the plan does not run. */
export interface SkippedStep {
  key: AssetKey;
  reason: string;
}

/** The result of {@link plan}. */
export interface Plan {
  steps: PlanStep[];
  skipped: SkippedStep[];
}

/** Options of {@link plan}. */
export interface PlanOptions {
  select?: string | undefined;
  exclude?: string | undefined;
  state?: StateStore | undefined;
  stale?: boolean | undefined;
  backend?: Backend | undefined;
  partition?: PartitionSelection | undefined;
  fullRefresh?: boolean | undefined;
  projectDir?: string | undefined;
}

/** Plans a run. */
export async function plan(defs: Definitions, _options: PlanOptions = {}): Promise<Plan> {
  return { steps: defs.keys.map((key) => ({ key, reason: 'selected', reasonCode: 'selected' as const })), skipped: [] };
}
