import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const packageDir = fileURLToPath(new URL('../../', import.meta.url));

/** Newest modification time of the files that make up dist/ (sources and build config). */
function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(path));
    else if (!entry.name.endsWith('.test.ts')) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

/**
 * Builds dist/ when it is missing or older than src/ (the tests run `node dist/bin.js`;
 * through turbo the build has already run), and checks the packages it imports are built.
 */
export default function setup(): void {
  const require = createRequire(import.meta.url);
  for (const dep of ['@assay/core', '@assay/duckdb']) {
    const entry = require.resolve(dep);
    if (!existsSync(entry)) throw new Error(`${dep} is not built (${entry} is missing): run its build first`);
  }
  const bin = join(packageDir, 'dist', 'bin.js');
  const sources = Math.max(newestSource(join(packageDir, 'src')), statSync(join(packageDir, 'tsconfig.build.json')).mtimeMs);
  if (existsSync(bin) && statSync(bin).mtimeMs >= sources) return;
  const tsc = require.resolve('typescript/bin/tsc');
  execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: packageDir, stdio: 'inherit' });
}
