import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { isAbsolute, relative, resolve } from 'node:path';
import type { Backend } from '../backend/backend.js';
import type { IngestAssetDefinition, SourceAssetDefinition } from '../definitions/asset.js';
import type { AssetContext } from '../definitions/context.js';
import { AssetFailedError, isAssayError } from '../errors.js';
import { shortHash } from '../hash.js';

/** Files up to this size are content-hashed; larger ones are fingerprinted by size and mtime. */
const CONTENT_HASH_LIMIT = 1 << 20;

/** The files a set of globs matches, sorted, as absolute paths. */
export async function matchFiles(patterns: readonly string[], projectDir: string): Promise<string[]> {
  const absolute = patterns.map((p) => (isAbsolute(p) ? p : resolve(projectDir, p)));
  // Loaded on first use: only projects with file sources need it, and it costs start-up time.
  const { glob } = await import('tinyglobby');
  const files = await glob(absolute, { absolute: true, onlyFiles: true, expandDirectories: false });
  return files.sort();
}

/**
 * A fingerprint of files: path, size and mtime of each, plus a content hash for small files
 * (so touching a file without changing it does not make downstream stale, where cheap to tell).
 */
export async function fingerprintFiles(patterns: readonly string[], projectDir: string): Promise<{ version: string; files: number; bytes: number }> {
  const files = await matchFiles(patterns, projectDir);
  const h = createHash('sha256');
  let bytes = 0;
  for (const file of files) {
    const s = await stat(file);
    bytes += s.size;
    h.update(`${relative(projectDir, file)}\u0000${s.size}\u0000`);
    if (s.size <= CONTENT_HASH_LIMIT) h.update(await readFile(file));
    else h.update(String(s.mtimeMs));
    h.update('\n');
  }
  return { version: h.digest('hex').slice(0, 16), files: files.length, bytes };
}

/**
 * Observes a source (or the input files of an ingestion asset) and returns its data version:
 * a custom `observe` function, else a file fingerprint, else the table fingerprint the
 * backend reports (`count(*)` and `max(fingerprintColumn)`), else `undefined` (unknown).
 */
export async function observeSource(
  def: SourceAssetDefinition | IngestAssetDefinition,
  env: { projectDir: string; backend?: Backend | undefined; context?: () => AssetContext },
): Promise<string | undefined> {
  try {
    if (def.type === 'ingest') return shortHash(def.codeVersion, (await fingerprintFiles(def.ingest.path, env.projectDir)).version);
    if (def.observe) {
      if (!env.context) return undefined;
      return String(await def.observe(env.context()));
    }
    if (def.path) return (await fingerprintFiles(def.path, env.projectDir)).version;
    if (env.backend) return await env.backend.observeTable(def.key, def.fingerprintColumn);
    return undefined;
  } catch (error) {
    if (isAssayError(error)) throw error;
    throw new AssetFailedError(def.key, `could not observe source: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
}
