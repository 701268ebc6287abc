import { spawn } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The built binary under test. */
export const BIN = fileURLToPath(new URL('../../dist/bin.js', import.meta.url));
/** The workspace's node_modules: temp projects link to it, as if `npm install` had run there. */
export const NODE_MODULES = fileURLToPath(new URL('../../../../node_modules', import.meta.url));
/** Checked-in fixture projects. */
export const FIXTURES = fileURLToPath(new URL('../../test-fixtures/', import.meta.url));

/** What a finished `assets` process left behind. */
export interface BinResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Options of {@link runBin}. */
export interface RunBinOptions {
  cwd: string;
  env?: Record<string, string | undefined>;
  /** Called with each stdout chunk while the process runs (to react to progress). */
  onStdout?: (chunk: string, child: import('node:child_process').ChildProcess) => void;
}

/**
 * Runs `node dist/bin.js ...args` as a child process (no terminal, so plain output; NO_COLOR
 * and CI set) and resolves with its exit code and output.
 */
export function runBin(args: readonly string[], options: RunBinOptions): Promise<BinResult> {
  const env: Record<string, string | undefined> = { ...process.env, NO_COLOR: '1', CI: 'true', FORCE_COLOR: undefined, ...options.env };
  for (const k of Object.keys(env)) if (env[k] === undefined) delete env[k];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: options.cwd, env: env as NodeJS.ProcessEnv, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      options.onStdout?.(chunk, child);
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

/** A fresh temp folder, linked to the workspace's node_modules. Remove it with {@link removeDir}. */
export function tempProjectDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), `assay-cli-${prefix}-`));
  return dir;
}

/** Links `dir/node_modules` to the workspace's, so `@assay/*` resolve from a temp project. */
export function linkNodeModules(dir: string): void {
  symlinkSync(NODE_MODULES, join(dir, 'node_modules'), 'dir');
}

/** Copies a fixture project into a fresh temp folder (with node_modules linked) and returns it. */
export function copyFixture(name: string): string {
  const dir = tempProjectDir(name);
  cpSync(join(FIXTURES, name), dir, { recursive: true });
  linkNodeModules(dir);
  return dir;
}

/** Removes a temp folder (the node_modules link, not what it points to). */
export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/** Parses stdout as JSON, failing with the output when it is not. */
export function parseJson<T = unknown>(result: BinResult): T {
  try {
    return JSON.parse(result.stdout) as T;
  } catch {
    throw new Error(`stdout is not JSON (exit ${result.code}):\n${result.stdout}\nstderr:\n${result.stderr}`);
  }
}
