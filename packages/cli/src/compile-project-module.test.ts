import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, linkNodeModules, removeDir, runBin, tempProjectDir } from './__tests__/cli-harness.js';
import { cacheDir, compileProjectModule } from './compile-project-module.js';

// A small TypeScript project with a decorated class, import.meta use and a local import.
let dir: string;

function write(file: string, text: string): void {
  writeFileSync(join(dir, file), text);
}

beforeAll(() => {
  dir = tempProjectDir('compile');
  linkNodeModules(dir);
  write('package.json', JSON.stringify({ name: 'p', type: 'module' }));
  write('assay.config.ts', `import { defineConfig } from '@assay/core';\nimport { duckdb } from '@assay/duckdb';\nexport default defineConfig({ definitions: './assets.ts', targets: { dev: duckdb({ path: ':memory:' }) } });\n`);
  write('names.ts', `export const PREFIX: string = 'silver';\n`);
  write(
    'assets.ts',
    `import { asset, sqlAsset } from '@assay/core';
import { fileURLToPath } from 'node:url';
import { PREFIX } from './names.js';
export const here = fileURLToPath(import.meta.url);
export const a = sqlAsset({ key: \`\${PREFIX}/a\` })\`select 1 as x\`;
class Models {
  @asset({ key: 'ml/model', deps: [\`\${PREFIX}/a\`] })
  async model() { return { rowCount: 1 }; }
}
export const models = new Models();
`,
  );
});

afterAll(() => removeDir(dir));

describe('compiled project modules', () => {
  it('compiles TypeScript with decorators and local imports once, and keeps import.meta pointing at the source', async () => {
    const out = await compileProjectModule(join(dir, 'assets.ts'), dir);
    expect(out.startsWith(cacheDir(dir))).toBe(true);
    const mod = (await import(out)) as { here: string; a: { key: string } };
    expect(mod.here).toBe(join(dir, 'assets.ts'));
    expect(mod.a.key).toBe('silver/a');
    // Unchanged inputs: the same output, no recompilation.
    expect(await compileProjectModule(join(dir, 'assets.ts'), dir)).toBe(out);
  });

  it('recompiles when an imported file changes, under a new name', async () => {
    const before = await compileProjectModule(join(dir, 'assets.ts'), dir);
    write('names.ts', `export const PREFIX: string = 'gold';\n`);
    const later = new Date(Date.now() + 5_000);
    utimesSync(join(dir, 'names.ts'), later, later);
    const after = await compileProjectModule(join(dir, 'assets.ts'), dir);
    expect(after).not.toBe(before);
    expect(readFileSync(after, 'utf8')).toContain('"gold"');
  });

  it('is what the CLI loads: list works, and a syntax error names the file and line', async () => {
    const ok = await runBin(['list', '--json'], { cwd: dir });
    expect(ok.code).toBe(0);
    expect((JSON.parse(ok.stdout) as { key: string }[]).map((a) => a.key)).toEqual(['gold/a', 'ml/model']);
    expect(readdirSync(cacheDir(dir)).some((f) => f.endsWith('.mjs'))).toBe(true);
    write('names.ts', `export const PREFIX: string = ;\n`);
    const bad = await runBin(['list'], { cwd: dir });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('names.ts:1');
    write('names.ts', `export const PREFIX: string = 'silver';\n`);
  });

  it('exits quietly when its output pipe closes early (assets list | head)', () => {
    // Enough assets that the listing overflows the pipe buffer after head has gone.
    const big = tempProjectDir('epipe');
    try {
      linkNodeModules(big);
      writeFileSync(join(big, 'package.json'), JSON.stringify({ name: 'big', type: 'module' }));
      writeFileSync(join(big, 'assay.config.ts'), `import { defineConfig } from '@assay/core';\nimport { duckdb } from '@assay/duckdb';\nexport default defineConfig({ definitions: './assets.ts', targets: { dev: duckdb({ path: ':memory:' }) } });\n`);
      writeFileSync(join(big, 'assets.ts'), `import { sqlAsset } from '@assay/core';\nexport default Array.from({ length: 5000 }, (_, i) => sqlAsset({ key: 'silver/table_' + i, description: 'x'.repeat(40) })\`select \${i} as n\`);\n`);
      const out = execFileSync('bash', ['-c', `node ${JSON.stringify(BIN)} list 2>err.txt | head -1; echo "node exit=\${PIPESTATUS[0]}"; cat err.txt`], { cwd: big, encoding: 'utf8' });
      const lines = out.trim().split('\n');
      expect(lines[0]).toMatch(/^KEY\s+GROUP/);
      expect(lines[1]).toBe('node exit=0');
      expect(lines.slice(2).join('\n')).toBe(''); // no EPIPE stack on stderr
    } finally {
      removeDir(big);
    }
  });
});
