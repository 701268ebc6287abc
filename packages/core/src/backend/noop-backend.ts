import type { AssetKey } from '../definitions/asset-key.js';
import type { Row } from '../definitions/context.js';
import { BaseBackend } from './base-backend.js';
import { canceledError } from './canceled-error.js';
import { sleep } from '../sleep.js';
import type {
  BackendOpenOptions,
  CheckRequest,
  IngestMaterializeRequest,
  MaterializeOutcome,
  NamedCheckOutcome,
  RelationInfo,
  SqlMaterializeRequest,
  StepRequest,
} from './backend.js';

/** Options of {@link NoopBackend}. */
export interface NoopBackendOptions {
  /** Milliseconds each materialization takes (honours cancellation). Defaults to 0. */
  delayMs?: number | ((key: AssetKey) => number);
  /** Return an error to make an asset's materialization throw it (called on each attempt). */
  fail?: (key: AssetKey, attempt: number) => unknown;
  /** Make checks fail: return the names of failing checks for an asset. */
  failChecks?: (key: AssetKey) => readonly string[];
}

/**
 * A backend that builds nothing: every materialization succeeds (after an optional delay)
 * with zero rows. For core's unit tests, benchmarks and dry runs of a graph's scheduling.
 *
 * It records what it was asked to do in {@link NoopBackend.calls}.
 *
 * @example
 * ```ts
 * const result = await materialize(defs, { backend: new NoopBackend() });
 * ```
 */
export class NoopBackend extends BaseBackend {
  readonly name = 'noop';
  readonly dialect = 'noop';
  /** Keys materialized, in the order the steps started. */
  readonly calls: AssetKey[] = [];
  /** Attempts per key (retries included). */
  readonly attempts = new Map<AssetKey, number>();
  private readonly materialized = new Set<AssetKey>();

  constructor(private readonly options: NoopBackendOptions = {}) {
    super();
  }

  async open(_options: BackendOpenOptions): Promise<void> {}
  async close(): Promise<void> {}

  private async build(key: AssetKey, signal: AbortSignal): Promise<MaterializeOutcome> {
    this.calls.push(key);
    const attempt = (this.attempts.get(key) ?? 0) + 1;
    this.attempts.set(key, attempt);
    const delay = typeof this.options.delayMs === 'function' ? this.options.delayMs(key) : (this.options.delayMs ?? 0);
    if (delay > 0) await sleep(delay, signal);
    if (signal.aborted) throw canceledError(key);
    const error = this.options.fail?.(key, attempt);
    if (error !== undefined) throw error;
    this.materialized.add(key);
    return { rowCount: 0 };
  }

  materializeSql(request: SqlMaterializeRequest): Promise<MaterializeOutcome> {
    return this.build(request.asset.key, request.signal);
  }

  override ingest(request: IngestMaterializeRequest): Promise<MaterializeOutcome> {
    return this.build(request.asset.key, request.signal);
  }

  override async writeRows(key: AssetKey, rows: readonly Row[], _request: StepRequest): Promise<MaterializeOutcome> {
    this.materialized.add(key);
    return { rowCount: rows.length };
  }

  override async runChecks(request: CheckRequest): Promise<NamedCheckOutcome[]> {
    const failing = new Set(this.options.failChecks?.(request.assetKey) ?? []);
    return request.checks.map((c) => ({ name: c.name, passed: !failing.has(c.name), failingRows: failing.has(c.name) ? 1 : 0 }));
  }

  async query(_text: string, _params?: readonly unknown[]): Promise<Row[]> {
    return [];
  }

  async describe(key: AssetKey): Promise<RelationInfo | undefined> {
    return this.materialized.has(key) ? { columns: [], type: 'table' } : undefined;
  }
}
