/**
 * Child process for the lock tests: opens the state file, prints `ready`, holds the file
 * until a line arrives on stdin, then closes it and prints `released`.
 * Usage: lock-holder-child.ts <state file>
 */
import { createInterface } from 'node:readline';
import { DuckDbStateStore } from '../duckdb-state-store.js';

const [path] = process.argv.slice(2);
if (!path) throw new TypeError('usage: lock-holder-child.ts <path>');

const store = new DuckDbStateStore({ path });
await store.open();
await store.recordRunStart({ runId: 'holder', status: 'running', startedAt: new Date().toISOString(), pid: process.pid });
process.stdout.write('ready\n');
const lines = createInterface({ input: process.stdin });
for await (const line of lines) {
  void line;
  break;
}
await store.recordRunEnd('holder', 'success', new Date().toISOString());
await store.close();
process.stdout.write('released\n');
process.exit(0);
