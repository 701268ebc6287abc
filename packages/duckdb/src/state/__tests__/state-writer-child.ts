/**
 * Child process for the crash test: starts a run, then appends numbered log events in
 * batches without pause, reporting `flushed <count>` after each committed batch, until it
 * is killed. Usage: state-writer-child.ts <state file> <run id>
 */
import { DuckDbStateStore } from '../duckdb-state-store.js';

const [path, runId] = process.argv.slice(2);
if (!path || !runId) throw new TypeError('usage: state-writer-child.ts <path> <runId>');

const store = new DuckDbStateStore({ path, lockTimeoutMs: 20_000, flushIntervalMs: 5 });
await store.open();
await store.recordRunStart({ runId, status: 'running', startedAt: new Date().toISOString(), pid: process.pid, backend: 'duckdb' });
let count = 0;
for (;;) {
  const batch = Array.from({ length: 50 }, () => ({
    type: 'log' as const,
    runId,
    timestamp: new Date().toISOString(),
    level: 'info',
    message: String(count++),
    // Some bulk per event, so the WAL grows and checkpoints happen while we may be killed.
    assetKey: `asset_${count % 97}`,
  }));
  await store.appendEvents(batch);
  await store.recordMaterialization({
    runId,
    assetKey: `asset_${count % 97}`,
    dataVersion: `v${count}`,
    codeVersion: 'c',
    upstreamVersions: {},
    durationMs: 1,
    metadata: { count: BigInt(count), padding: 'x'.repeat(200) },
    createdAt: new Date().toISOString(),
  });
  await store.flush();
  process.stdout.write(`flushed ${count}\n`);
}
