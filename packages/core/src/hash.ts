import { createHash, hash } from 'node:crypto';

/**
 * Short, stable content hash used for code versions and data versions.
 *
 * SHA-256 truncated to 16 hex characters: collisions are irrelevant at the scale of one
 * project's history, and short versions keep CLI output and state rows readable.
 */
export function shortHash(...parts: readonly string[]): string {
  // Length-prefix each part so ('ab','c') and ('a','bc') hash differently.
  let text = '';
  for (const part of parts) text += `${part.length}:${part}`;
  // One-shot hashing (node ≥ 20.12) is several times cheaper than a Hash object per call,
  // which matters when a 10k-asset project hashes every definition at load.
  return typeof hash === 'function' ? hash('sha256', text, 'hex').slice(0, 16) : createHash('sha256').update(text).digest('hex').slice(0, 16);
}
