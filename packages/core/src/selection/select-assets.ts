// PLACEHOLDER until the selection parser lands (same session): exact keys and '*' only.
import type { AssetKey } from '../definitions/asset-key.js';
import type { Definitions } from '../definitions/define-assets.js';

/** Options of {@link selectAssets}. */
export interface SelectOptions {
  /** Selection removed from the result (same grammar). */
  exclude?: string | undefined;
}

/** Resolves a selection to keys in topological order. */
export function selectAssets(defs: Definitions, selection?: string, options: SelectOptions = {}): AssetKey[] {
  const pick = (s: string | undefined) => (s === undefined || s.trim() === '*' ? new Set(defs.keys) : new Set(s.split(',').map((x) => x.trim())));
  const chosen = pick(selection);
  const excluded = options.exclude ? pick(options.exclude) : new Set<string>();
  return defs.keys.filter((k) => chosen.has(k) && !excluded.has(k));
}
