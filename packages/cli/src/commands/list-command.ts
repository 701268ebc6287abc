import { selectAssets } from '@assay/core';
import { formatTable } from '../render/format-table.js';
import type { CommandContext } from '../run-cli.js';
import { printJson, selectionOptions } from './selection-options.js';

/** One asset in `assets list --json`. */
export interface ListedAsset {
  key: string;
  group: string;
  kind: string;
  deps: string[];
  tags: Record<string, string>;
  owners: string[];
}

/** `assets list`: the assets (or a selection) in topological order, ties by key. */
export async function listCommand(ctx: CommandContext): Promise<number> {
  const project = await ctx.project();
  const defs = project.definitions;
  const { select, exclude } = selectionOptions(ctx);
  const keys = select === undefined && exclude === undefined ? defs.keys : selectAssets(defs, select, { exclude });
  const listed: ListedAsset[] = keys.map((key) => {
    const def = defs.get(key);
    return { key, group: def.group, kind: def.kind, deps: [...defs.graph.upstream(key)], tags: { ...def.tags }, owners: [...def.owners] };
  });
  if (ctx.json) {
    printJson(ctx, listed);
    return 0;
  }
  const s = ctx.style;
  const rows = listed.map((a) => [
    s.bold(a.key),
    a.group,
    a.kind,
    a.deps.length === 0 ? s.gray('-') : a.deps.length <= 3 ? a.deps.join(', ') : `${a.deps.slice(0, 2).join(', ')} +${a.deps.length - 2}`,
    Object.entries(a.tags).map(([k, v]) => (v ? `${k}=${v}` : k)).join(' '),
  ]);
  for (const line of formatTable(['KEY', 'GROUP', 'KIND', 'DEPS', 'TAGS'].map((h) => s.gray(h)), rows)) ctx.print(line);
  ctx.print(s.gray(`${listed.length} of ${defs.size} asset(s)`));
  return 0;
}
