import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Plugin } from 'esbuild';

/** Bump when the output format changes, so old caches are ignored. */
const CACHE_FORMAT = 1;

interface Manifest {
  format: number;
  esbuild: string;
  /** The compiled module, relative to the cache folder. */
  output: string;
  /** Every project file the module was compiled from, with what it looked like. */
  inputs: [path: string, mtimeMs: number, size: number][];
}

/** Where compiled project modules live: inside the project, so bare imports resolve from its node_modules. */
export function cacheDir(projectDir: string): string {
  return join(projectDir, '.assay', 'cache');
}

function manifestPath(file: string, projectDir: string): string {
  const id = createHash('sha256').update(resolve(file)).digest('hex').slice(0, 12);
  return join(cacheDir(projectDir), `${basename(file).replace(/[^A-Za-z0-9_.-]/g, '_')}-${id}.json`);
}

function stamp(path: string): [number, number] | undefined {
  try {
    const s = statSync(path);
    return [s.mtimeMs, s.size];
  } catch {
    return undefined;
  }
}

/** The compiled module of a previous run, if none of its inputs changed since. */
function cachedOutput(file: string, projectDir: string, esbuildVersion: string | undefined): string | undefined {
  let manifest: Manifest;
  try {
    manifest = JSON.parse(readFileSync(manifestPath(file, projectDir), 'utf8')) as Manifest;
  } catch {
    return undefined;
  }
  if (manifest.format !== CACHE_FORMAT || (esbuildVersion !== undefined && manifest.esbuild !== esbuildVersion)) return undefined;
  for (const [path, mtimeMs, size] of manifest.inputs) {
    const now = stamp(path);
    if (!now || now[0] !== mtimeMs || now[1] !== size) return undefined;
  }
  const output = join(cacheDir(projectDir), manifest.output);
  return existsSync(output) ? output : undefined;
}

/**
 * Rewrites `import.meta.url`, `import.meta.dirname` and `import.meta.filename` in project
 * files to their original values, so code that locates files next to itself keeps working
 * once bundled into the cache folder.
 */
function importMetaPlugin(): Plugin {
  return {
    name: 'assay-import-meta',
    setup(build) {
      build.onLoad({ filter: /\.[cm]?[jt]sx?$/ }, async (args) => {
        if (args.path.includes(`${'/'}node_modules${'/'}`)) return undefined;
        const text = await readFile(args.path, 'utf8');
        if (!text.includes('import.meta')) return undefined;
        const contents = text
          .replace(/\bimport\.meta\.url\b/g, JSON.stringify(pathToFileURL(args.path).href))
          .replace(/\bimport\.meta\.dirname\b/g, JSON.stringify(dirname(args.path)))
          .replace(/\bimport\.meta\.filename\b/g, JSON.stringify(args.path));
        const ext = extname(args.path);
        const loader = ext.endsWith('tsx') ? 'tsx' : ext.endsWith('ts') ? 'ts' : ext.endsWith('jsx') ? 'jsx' : 'js';
        return { contents, loader };
      });
    },
  };
}

/**
 * Compiles a TypeScript project module (the config or the definitions entry, with every
 * local file it imports) into one ES module under `.assay/cache/`, and returns its path.
 *
 * Later runs reuse the output while no input file changed (checked by size and mtime), so a
 * warm `assets list` loads plain JavaScript with no TypeScript loader at all — the approach
 * Vite takes for its own config files. Packages stay external imports, so `@assay/core` is
 * one shared copy. Decorators and other syntax are lowered for Node 20 by esbuild.
 *
 * @throws whatever esbuild reports for invalid source (with file and line), or a file-system
 * error when the cache folder is not writable (callers fall back to a loader).
 */
export async function compileProjectModule(file: string, projectDir: string): Promise<string> {
  const hit = cachedOutput(file, projectDir, undefined);
  if (hit) return hit;
  const esbuild = await import('esbuild');
  const again = cachedOutput(file, projectDir, esbuild.version);
  if (again) return again;
  const dir = cacheDir(projectDir);
  mkdirSync(dir, { recursive: true });
  const tsconfig = join(projectDir, 'tsconfig.json');
  const result = await esbuild.build({
    entryPoints: [file],
    absWorkingDir: projectDir,
    bundle: true,
    packages: 'external',
    platform: 'node',
    format: 'esm',
    target: 'node20',
    write: false,
    metafile: true,
    sourcemap: 'inline',
    outfile: join(dir, 'out.mjs'),
    logLevel: 'silent',
    plugins: [importMetaPlugin()],
    ...(existsSync(tsconfig) ? { tsconfig } : {}),
  });
  const code = result.outputFiles[0]!.text;
  const hash = createHash('sha256').update(code).digest('hex').slice(0, 12);
  // Content-addressed: a recompiled module gets a new URL, so an import in the same process
  // never returns the previous version from Node's module cache.
  const output = `${basename(file).replace(/\.[^.]+$/, '').replace(/[^A-Za-z0-9_-]/g, '_')}-${hash}.mjs`;
  const outPath = join(dir, output);
  if (!existsSync(outPath)) {
    writeFileSync(`${outPath}.tmp`, code);
    renameSync(`${outPath}.tmp`, outPath);
  }
  const inputs = Object.keys(result.metafile.inputs).map((p) => resolve(projectDir, p));
  for (const extra of [tsconfig, join(projectDir, 'package.json')]) if (existsSync(extra) && !inputs.includes(extra)) inputs.push(extra);
  const manifest: Manifest = {
    format: CACHE_FORMAT,
    esbuild: esbuild.version,
    output,
    inputs: inputs.flatMap((p) => {
      const s = stamp(p);
      return s ? [[p, s[0], s[1]] as [string, number, number]] : [];
    }),
  };
  const mPath = manifestPath(file, projectDir);
  writeFileSync(`${mPath}.tmp`, JSON.stringify(manifest));
  renameSync(`${mPath}.tmp`, mPath);
  return outPath;
}
