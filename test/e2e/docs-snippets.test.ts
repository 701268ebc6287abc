// Every ```ts block in README.md and docs/*.md is type-checked against the built packages,
// so the docs cannot drift from the API. Docs read top to bottom, so later blocks use names
// earlier ones defined (rawOrders, defs, ...): an ambient prelude declares those, and a
// block's own imports shadow it. Blocks that are deliberately partial (an excerpt of an
// object literal) are fenced as ```ts fragment and skipped.
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const outDir = join(repo, 'test', '.doc-snippets');

interface Snippet {
  doc: string;
  line: number;
  file: string;
}

function extract(): Snippet[] {
  const docs = ['README.md', ...readdirSync(join(repo, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];
  const snippets: Snippet[] = [];
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  // Lets snippets import a project's assets as `./assets/index.js`, as the docs' examples do.
  mkdirSync(join(outDir, 'assets'), { recursive: true });
  writeFileSync(
    join(outDir, 'assets', 'index.ts'),
    "import { defineAssets, sqlAsset } from '@assay/core';\nexport const orders = sqlAsset({ key: 'silver/orders' })`select 1 as id`;\nexport default defineAssets([orders]);\n",
  );
  writeFileSync(join(outDir, 'prelude.d.ts'), PRELUDE);
  for (const doc of docs) {
    const lines = readFileSync(join(repo, doc), 'utf8').split('\n');
    for (let i = 0; i < lines.length; i++) {
      if (lines[i]!.trim() !== '```ts') continue;
      const start = i + 1;
      let end = start;
      while (end < lines.length && lines[end]!.trim() !== '```') end++;
      const file = join(outDir, `${doc.replace(/[/.]/g, '_')}_L${start + 1}.ts`);
      // `export {}` makes every snippet a module, so top-level await and names are local to it.
      writeFileSync(file, `${lines.slice(start, end).join('\n')}\nexport {};\n`);
      snippets.push({ doc, line: start + 1, file });
      i = end;
    }
  }
  writeFileSync(join(outDir, 'package.json'), JSON.stringify({ type: 'module', private: true }));
  return snippets;
}

/** Names the docs use after defining them in an earlier block, declared globally. */
const PRELUDE = `import type * as Core from '@assay/core';
declare global {
  const asset: typeof Core.asset;
  const sqlAsset: typeof Core.sqlAsset;
  const sourceAsset: typeof Core.sourceAsset;
  const ingestAsset: typeof Core.ingestAsset;
  const sql: typeof Core.sql;
  const raw: typeof Core.raw;
  const self: typeof Core.self;
  const checks: typeof Core.checks;
  const partition: typeof Core.partition;
  const partitions: typeof Core.partitions;
  const defineAssets: typeof Core.defineAssets;
  const selectAssets: typeof Core.selectAssets;
  const plan: typeof Core.plan;
  const materialize: typeof Core.materialize;
  const exportLineage: typeof Core.exportLineage;
  const rawOrders: Core.IngestAssetDefinition;
  const rawEvents: Core.IngestAssetDefinition;
  const rawCustomers: Core.IngestAssetDefinition;
  const orders: Core.SqlAssetDefinition;
  const customers: Core.SqlAssetDefinition;
  const defs: Core.Definitions;
  const backend: Core.Backend;
  const state: Core.StateStore;
}
export {};
`;

describe('documentation snippets', () => {
  it('type-check against the current API', () => {
    const snippets = extract();
    expect(snippets.length).toBeGreaterThan(10);
    const program = ts.createProgram(
      [join(outDir, 'prelude.d.ts'), ...snippets.map((s) => s.file)],
      {
        target: ts.ScriptTarget.ES2022,
        module: ts.ModuleKind.NodeNext,
        moduleResolution: ts.ModuleResolutionKind.NodeNext,
        strict: true,
        noEmit: true,
        skipLibCheck: true,
        types: ['node'],
        lib: ['lib.es2023.d.ts'],
      },
    );
    const problems = ts.getPreEmitDiagnostics(program).map((d) => {
      const snippet = snippets.find((s) => s.file === d.file?.fileName);
      const pos = d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start) : undefined;
      const where = snippet && pos ? `${snippet.doc}:${snippet.line + pos.line}` : d.file ? relative(repo, d.file.fileName) : '?';
      return `${where}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`;
    });
    expect(problems).toEqual([]);
  });
});
