import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { compileProjectModule } from './compile-project-module.js';

const TS_FILE = /\.(c|m)?tsx?$/i;
let tsxTsconfig: string | false | undefined;

/** True when the file needs a TypeScript loader. */
export function isTypeScriptFile(file: string): boolean {
  return TS_FILE.test(file);
}

/**
 * Imports a project module (config or definitions).
 *
 * TypeScript is compiled once into `.assay/cache/` (see {@link compileProjectModule}) and
 * the plain JavaScript imported, which makes warm starts fast. Where the cache cannot be
 * written (a read-only checkout), tsx's ESM loader is registered instead, once per process.
 * JavaScript projects pay for neither.
 *
 * tsx is registered without a namespace on purpose: a namespaced `tsImport` loads
 * `@assay/core` a second time, and definitions made by one copy would not be recognized by
 * the other (and it is slower).
 */
export async function importModule(file: string, projectDir: string): Promise<Record<string, unknown>> {
  if (isTypeScriptFile(file) && tsxTsconfig === undefined) {
    let compiled: string | undefined;
    try {
      compiled = await compileProjectModule(file, projectDir);
    } catch (error) {
      // Source errors are the user's to fix; only an unwritable cache falls back to tsx.
      if (!isFileSystemError(error)) throw error;
    }
    if (compiled !== undefined) {
      process.setSourceMapsEnabled(true);
      return (await import(pathToFileURL(compiled).href)) as Record<string, unknown>;
    }
  }
  if (isTypeScriptFile(file) && tsxTsconfig === undefined) {
    const { register } = await import('tsx/esm/api');
    // Use the project's tsconfig, never one tsx would find from the current directory
    // (a monorepo root, say), which may set options the project does not expect.
    const tsconfig = join(projectDir, 'tsconfig.json');
    tsxTsconfig = existsSync(tsconfig) ? tsconfig : false;
    register({ tsconfig: tsxTsconfig });
  }
  return (await import(pathToFileURL(file).href)) as Record<string, unknown>;
}

function isFileSystemError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && ['EACCES', 'EPERM', 'EROFS', 'ENOSPC'].includes(code);
}
