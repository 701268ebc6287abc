import type { AssetKey } from '../definitions/asset-key.js';
import type { AssayEvent, RunStatus } from '../events.js';
import type { MaterializationRecord, RunRecord, StateStore, StoredCheckResult } from './state-store.js';

/**
 * A {@link StateStore} in memory: for tests and services that keep no history across
 * processes. Everything is lost when the process ends.
 *
 * @example
 * ```ts
 * const state = new MemoryStateStore();
 * await materialize(defs, { backend, state });
 * ```
 */
export class MemoryStateStore implements StateStore {
  private readonly runs = new Map<string, RunRecord>();
  private readonly events = new Map<string, AssayEvent[]>();
  private readonly history = new Map<AssetKey, MaterializationRecord[]>();
  private readonly latest = new Map<string, MaterializationRecord>();
  private readonly checks = new Map<string, StoredCheckResult>();

  async open(): Promise<void> {}
  async close(): Promise<void> {}

  async recordRunStart(run: RunRecord): Promise<void> {
    this.runs.set(run.runId, { ...run });
  }

  async recordRunEnd(runId: string, status: Exclude<RunStatus, 'running'>, endedAt: string): Promise<void> {
    const run = this.runs.get(runId);
    if (run) {
      run.status = status;
      run.endedAt = endedAt;
    }
  }

  async appendEvents(events: readonly AssayEvent[]): Promise<void> {
    for (const e of events) {
      let list = this.events.get(e.runId);
      if (!list) this.events.set(e.runId, (list = []));
      list.push(e);
    }
  }

  async recordMaterialization(record: MaterializationRecord): Promise<void> {
    let list = this.history.get(record.assetKey);
    if (!list) this.history.set(record.assetKey, (list = []));
    list.push(record);
    this.latest.set(`${record.assetKey}\u0000${record.partition ?? ''}`, record);
  }

  async recordCheckResults(results: readonly StoredCheckResult[]): Promise<void> {
    for (const r of results) this.checks.set(`${r.assetKey}\u0000${r.name}`, r);
  }

  async latestMaterializations(keys?: readonly AssetKey[]): Promise<MaterializationRecord[]> {
    const wanted = keys ? new Set(keys) : undefined;
    return [...this.latest.values()].filter((m) => !wanted || wanted.has(m.assetKey));
  }

  async latestCheckResults(keys?: readonly AssetKey[]): Promise<StoredCheckResult[]> {
    const wanted = keys ? new Set(keys) : undefined;
    return [...this.checks.values()].filter((c) => !wanted || wanted.has(c.assetKey));
  }

  async listRuns(options: { limit?: number } = {}): Promise<RunRecord[]> {
    const all = [...this.runs.values()].reverse();
    return options.limit === undefined ? all : all.slice(0, options.limit);
  }

  async getRun(runId: string): Promise<RunRecord | undefined> {
    return this.runs.get(runId);
  }

  async runEvents(runId: string): Promise<AssayEvent[]> {
    return [...(this.events.get(runId) ?? [])];
  }

  async assetHistory(assetKey: AssetKey, options: { limit?: number } = {}): Promise<MaterializationRecord[]> {
    const all = [...(this.history.get(assetKey) ?? [])].reverse();
    return options.limit === undefined ? all : all.slice(0, options.limit);
  }
}
