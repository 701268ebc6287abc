import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const TS_FILE = /\.(c|m)?tsx?$/i;
let tsxTsconfig: string | false | undefined;

/** True when the file needs a TypeScript loader. */
export function isTypeScriptFile(file: string): boolean {
  return TS_FILE.test(file);
}

/**
 * Imports a project module (config or definitions). TypeScript files are loaded through
 * tsx's ESM loader, registered once per process and only when a `.ts` file is imported, so
 * JavaScript projects never pay for it.
 *
 * tsx is registered without a namespace on purpose: a namespaced `tsImport` loads
 * `@assay/core` a second time, and definitions made by one copy would not be recognized by
 * the other (and it is slower).
 */
export async function importModule(file: string, projectDir: string): Promise<Record<string, unknown>> {
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
