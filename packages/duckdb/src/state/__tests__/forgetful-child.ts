/**
 * Child process for the exit test: buffers events with a flush interval far longer than its
 * life and ends without calling close(). Usage: forgetful-child.ts <state file>
 */
import { DuckDbStateStore } from '../duckdb-state-store.js';

const [path] = process.argv.slice(2);
if (!path) throw new TypeError('usage: forgetful-child.ts <path>');

const store = new DuckDbStateStore({ path, flushIntervalMs: 600_000, flushRows: 100_000 });
await store.recordRunStart({ runId: 'forgetful', status: 'running', startedAt: new Date().toISOString(), pid: process.pid });
await store.appendEvents(Array.from({ length: 10 }, (_, i) => ({ type: 'log' as const, runId: 'forgetful', timestamp: new Date().toISOString(), level: 'info', message: String(i) })));
await store.recordRunEnd('forgetful', 'success', new Date().toISOString());
await store.appendEvents([{ type: 'log', runId: 'forgetful', timestamp: new Date().toISOString(), level: 'info', message: 'after the end' }]);
process.stdout.write(store.hasBufferedWrites() ? 'buffered\n' : 'nothing buffered\n');
