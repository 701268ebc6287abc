import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { DuckDBInstance } from '@duckdb/node-api';
import { AssayError, sleep } from '@assay/core';
import { DuckDbStateStore } from './duckdb-state-store.js';

// Real second processes: DuckDB's file lock is per process, so only they can show what a
// concurrent `assets` command or a killed one does to the state file.
const here = dirname(fileURLToPath(import.meta.url));
const packageDir = join(here, '..', '..');
const dir = mkdtempSync(join(tmpdir(), 'assay-state-proc-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Child {
  readonly process: ChildProcessWithoutNullStreams;
  readonly lines: string[];
  /** Resolves with the first line (already received or to come) that matches. */
  waitFor(match: (line: string) => boolean): Promise<string>;
  /** Resolves once the process has exited. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const children: Child[] = [];
const stores: DuckDbStateStore[] = [];
afterEach(async () => {
  for (const c of children.splice(0)) if (c.process.exitCode === null && c.process.signalCode === null) c.process.kill('SIGKILL');
  await Promise.all(stores.splice(0).map((s) => s.close().catch(() => undefined)));
});

function startChild(script: string, args: string[]): Child {
  const child = spawn(process.execPath, ['--import', 'tsx', join(here, '__tests__', script), ...args], { cwd: packageDir });
  const lines: string[] = [];
  let stderr = '';
  let partial = '';
  const waiters: { match: (line: string) => boolean; resolve: (line: string) => void }[] = [];
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    const parts = (partial + chunk).split('\n');
    partial = parts.pop() ?? '';
    for (const line of parts) {
      lines.push(line);
      for (const w of waiters.splice(0)) {
        if (w.match(line)) w.resolve(line);
        else waiters.push(w);
      }
    }
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  const handle: Child = {
    process: child,
    lines,
    exited,
    waitFor: (match) =>
      new Promise<string>((resolve, reject) => {
        const seen = lines.find(match);
        if (seen !== undefined) return resolve(seen);
        waiters.push({ match, resolve });
        void exited.then(({ code, signal }) => reject(new Error(`child ${script} exited (${code ?? signal}) before the expected line; stderr:\n${stderr}`)));
      }),
  };
  children.push(handle);
  return handle;
}

function store(path: string, options: { lockTimeoutMs?: number } = {}): DuckDbStateStore {
  const s = new DuckDbStateStore({ path, ...options });
  stores.push(s);
  return s;
}

const flushedCount = (line: string): number => Number(/^flushed (\d+)$/.exec(line)?.[1] ?? -1);

describe('DuckDbStateStore across processes', () => {
  it('survives SIGKILL mid-write: the file reopens, committed batches are whole and in order, the run is abandoned', async () => {
    const path = join(dir, 'crash', 'state.duckdb');
    // Kill right after the first batch, then deeper into the run; each lands wherever the
    // writer happens to be (appending, committing, between batches).
    for (const [round, killAfter] of [[1, 50], [2, 1_500]] as const) {
      const runId = `crash-${round}`;
      const writer = startChild('state-writer-child.ts', [path, runId]);
      await writer.waitFor((line) => flushedCount(line) >= killAfter);
      writer.process.kill('SIGKILL');
      expect((await writer.exited).signal).toBe('SIGKILL');
      // Every reported count was committed before it was printed.
      const committed = Math.max(...writer.lines.map(flushedCount));
      // The killed writer never checkpointed: what it committed lives in the WAL, so
      // reopening below goes through DuckDB's WAL replay.
      expect(statSync(`${path}.wal`).size).toBeGreaterThan(0);

      const reopened = store(path);
      await reopened.open();
      expect(reopened.abandonedRunIds).toEqual([runId]);
      const record = await reopened.getRun(runId);
      expect(record?.status).toBe('abandoned');
      expect(record?.endedAt).toBeDefined();

      const events = await reopened.runEvents(runId);
      expect(events.length).toBeGreaterThanOrEqual(committed);
      // Batches are atomic: never a partial batch of 50, never a gap, never out of order.
      expect(events.length % 50).toBe(0);
      expect(events.map((e) => (e.type === 'log' ? e.message : e.type))).toEqual(Array.from({ length: events.length }, (_, i) => String(i)));
      const history = (await reopened.latestMaterializations()).filter((m) => m.runId === runId);
      expect(history.length).toBeGreaterThan(0);
      expect(typeof history[0]?.metadata.count).toBe('bigint');
      // Earlier rounds stay as they were.
      expect((await reopened.listRuns()).map((r) => `${r.runId}:${r.status}`)).toEqual(
        Array.from({ length: round }, (_, i) => `crash-${round - i}:abandoned`),
      );
      await reopened.close();
    }

    // Readable by any DuckDB client, not only through the store.
    const instance = await DuckDBInstance.create(path);
    const connection = await instance.connect();
    const rows = (await connection.runAndReadAll('SELECT count(*) AS n FROM events WHERE payload IS NOT NULL AND json_valid(payload)')).getRowObjectsJS();
    connection.closeSync();
    instance.closeSync();
    expect(Number(rows[0]?.n)).toBeGreaterThan(0);
  }, 60_000);

  it('a second process waits for the lock, then fails with ASSAY_LOCKED naming the file and the holder', async () => {
    const path = join(dir, 'lock', 'state.duckdb');
    const holder = startChild('lock-holder-child.ts', [path]);
    await holder.waitFor((line) => line === 'ready');

    const error = await store(path, { lockTimeoutMs: 300 })
      .open()
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(error).toBeInstanceOf(AssayError);
    expect((error as AssayError).code).toBe('ASSAY_LOCKED');
    expect((error as AssayError).message).toContain(path);
    expect((error as AssayError).message).toContain(`PID ${holder.process.pid}`);
    expect((error as AssayError).hint).toMatch(/Another/);
    expect((error as AssayError).cause).toBeInstanceOf(Error);

    // With time to spare, the same open waits for the holder and then succeeds.
    const waiting = store(path, { lockTimeoutMs: 30_000 });
    let settled = false;
    const opened = waiting.open().finally(() => {
      settled = true;
    });
    await sleep(300);
    expect(settled).toBe(false);
    holder.process.stdin.write('release\n');
    await opened;
    expect(await waiting.getRun('holder')).toMatchObject({ status: 'success' });
    expect(waiting.abandonedRunIds).toEqual([]);
  }, 60_000);

  it('writes what is still buffered when a program ends without close(), and does not hold it open', async () => {
    const path = join(dir, 'exit', 'state.duckdb');
    const child = startChild('forgetful-child.ts', [path]);
    expect(await child.exited).toEqual({ code: 0, signal: null });
    expect(child.lines).toEqual(['buffered']);
    const reopened = store(path);
    const events = await reopened.runEvents('forgetful');
    expect(events.map((e) => (e.type === 'log' ? e.message : e.type))).toEqual([...Array.from({ length: 10 }, (_, i) => String(i)), 'after the end']);
    expect(await reopened.getRun('forgetful')).toMatchObject({ status: 'success' });
  }, 60_000);
});
