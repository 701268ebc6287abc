import { createHash } from 'node:crypto';

/**
 * Short, stable content hash used for code versions and data versions.
 *
 * SHA-256 truncated to 16 hex characters: collisions are irrelevant at the scale of one
 * project's history, and short versions keep CLI output and state rows readable.
 */
export function shortHash(...parts: readonly string[]): string {
  const h = createHash('sha256');
  for (const part of parts) {
    // Length-prefix each part so ('ab','c') and ('a','bc') hash differently.
    h.update(`${part.length}:`);
    h.update(part);
  }
  return h.digest('hex').slice(0, 16);
}
