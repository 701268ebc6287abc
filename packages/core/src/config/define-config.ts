import type { Backend } from '../backend/backend.js';
import type { StateStore } from '../state/state-store.js';

/** A target: a backend instance or a factory (called lazily, so unused targets cost nothing). */
export type TargetInput = Backend | (() => Backend | Promise<Backend>);

/**
 * The contents of `assay.config.ts`.
 *
 * @example
 * ```ts
 * import { defineConfig } from '@assay/core';
 * import { duckdb } from '@assay/duckdb';
 * export default defineConfig({
 *   definitions: './assets/index.ts',
 *   targets: { dev: duckdb({ path: '.assay/dev.duckdb' }) },
 *   defaultTarget: 'dev',
 * });
 * ```
 */
export interface AssayConfig {
  /** Module exporting the assets (named exports or a default `defineAssets(...)`), relative to the config file. */
  definitions: string;
  /** Named targets. */
  targets: Record<string, TargetInput>;
  /** Target used without `--target`. Defaults to the only target, or `dev`. */
  defaultTarget?: string;
  /** Steps run at once. Defaults to the number of CPU cores (at least 2). */
  concurrency?: number;
  /** Limits per concurrency pool (`pool` on assets). */
  pools?: Record<string, number>;
  /** State store; defaults to the DuckDB store at `.assay/state.duckdb`. */
  state?: StateStore | (() => StateStore | Promise<StateStore>);
  /** Project name (lineage namespace, logs). Defaults to the folder name. */
  name?: string;
}

/** Typed identity for `assay.config.ts`: returns its argument, so editors check the config. */
export function defineConfig(config: AssayConfig): AssayConfig {
  return config;
}
