import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { basename, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError } from '@assay/core';
import { cliVersion } from '../version.js';
import type { CommandContext } from '../run-cli.js';

/** Files whose text gets `{{name}}` and `{{version}}` filled in. */
const TEMPLATED = /\.(ts|md|json|tmpl)$/;

/** Options of {@link scaffoldProject}. */
export interface ScaffoldOptions {
  /** Write into a folder that is not empty; existing files are kept. Defaults to false. */
  force?: boolean;
  /** Project (package) name. Defaults to the folder name, made npm-safe. */
  name?: string;
}

/**
 * Writes the starter project (raw → bronze → silver → gold over the jaffle_shop CSVs, on
 * DuckDB) into `dir` and returns the files written, relative to `dir`.
 *
 * @throws {@link ConfigError} when `dir` is a file, or a non-empty folder without `force`.
 */
export function scaffoldProject(dir: string, options: ScaffoldOptions = {}): string[] {
  const target = resolve(dir);
  if (existsSync(target)) {
    if (!statSync(target).isDirectory()) throw new ConfigError(`${target} exists and is not a folder`);
    const present = readdirSync(target).filter((f) => f !== '.git' && f !== '.DS_Store');
    if (present.length > 0 && !options.force) {
      throw new ConfigError(`Folder ${target} is not empty`, { hint: 'Choose a new folder (`assets init my-pipeline`), or pass --force to add the files anyway (existing files are kept).' });
    }
  }
  const name = options.name ?? npmName(basename(target));
  const source = fileURLToPath(new URL('../../templates/jaffle-shop/', import.meta.url));
  const written: string[] = [];
  const copy = (from: string, to: string) => {
    mkdirSync(to, { recursive: true });
    for (const entry of readdirSync(from, { withFileTypes: true })) {
      const src = join(from, entry.name);
      // npm drops `.gitignore` from published packages, so the template ships it as `_gitignore`.
      const destName = entry.name === '_gitignore' ? '.gitignore' : entry.name.replace(/\.tmpl$/, '');
      const dest = join(to, destName);
      if (entry.isDirectory()) {
        copy(src, dest);
        continue;
      }
      if (existsSync(dest)) continue;
      if (TEMPLATED.test(entry.name)) {
        const text = readFileSync(src, 'utf8').replaceAll('{{name}}', name).replaceAll('{{version}}', cliVersion());
        writeFileSync(dest, text, { mode: 0o644 });
      } else {
        copyFileSync(src, dest);
      }
      written.push(relative(target, dest));
    }
  };
  copy(source, target);
  return written.sort();
}

function npmName(folder: string): string {
  const cleaned = folder.toLowerCase().replace(/[^a-z0-9._-]+/g, '-').replace(/^[._-]+|[-]+$/g, '');
  return cleaned || 'assay-project';
}

/** `assets init [dir]`: scaffolds a runnable project and says what to do next. */
export async function initCommand(ctx: CommandContext): Promise<number> {
  const dir = ctx.positionals[0] ?? '.';
  const target = resolve(ctx.io.cwd, dir);
  const written = scaffoldProject(target, { force: ctx.values.force === true });
  const s = ctx.style;
  const shown = relative(ctx.io.cwd, target) || '.';
  ctx.print(`${s.green('Created')} an Assay project in ${s.bold(shown)} (${written.length} files):`);
  for (const f of written.filter((f) => !f.startsWith('data/'))) ctx.print(`  ${f}`);
  ctx.print(`  data/ ${s.gray('(jaffle_shop sample CSVs, Apache-2.0)')}`);
  ctx.print();
  ctx.print('Next:');
  if (shown !== '.') ctx.print(`  cd ${shown}`);
  ctx.print('  npm install');
  ctx.print('  npx assets materialize');
  ctx.print('  npx assets status');
  return 0;
}
