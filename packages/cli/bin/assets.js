#!/usr/bin/env node
// The `assets` command. This launcher is committed (not built) so npm can link the bin at
// install time, before the TypeScript is compiled; the CLI itself is dist/bin.js.
import { existsSync } from 'node:fs';

const compiled = new URL('../dist/bin.js', import.meta.url);
if (!existsSync(compiled)) {
  process.stderr.write('assets: the CLI is not built yet (no packages/cli/dist). Run `npm run build` at the repository root first.\n');
  process.exit(2);
}
await import(compiled.href);
