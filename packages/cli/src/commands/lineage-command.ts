import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { exportLineage, selectAssets, type LineageFormat } from '@assay/core';
import type { CommandContext } from '../run-cli.js';
import { selectionOptions } from './selection-options.js';

/** `assets lineage`: the graph (or a selection) as JSON, Mermaid, DOT or OpenLineage, on stdout or into a file. */
export async function lineageCommand(ctx: CommandContext): Promise<number> {
  const project = await ctx.project();
  const defs = project.definitions;
  const format = (typeof ctx.values.format === 'string' ? ctx.values.format : 'json') as LineageFormat;
  const { select, exclude } = selectionOptions(ctx);
  const keys = select === undefined && exclude === undefined ? undefined : selectAssets(defs, select, { exclude });
  const state = ctx.values['with-state'] === true ? await project.state() : undefined;
  const document = await exportLineage(defs, {
    format,
    ...(keys ? { keys } : {}),
    ...(state ? { state } : {}),
    ...(project.config.name ? { namespace: project.config.name } : {}),
  });
  const output = ctx.values.output;
  if (typeof output === 'string') {
    const file = resolve(ctx.io.cwd, output);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, document);
    ctx.printError(ctx.style.gray(`Wrote ${format} lineage of ${keys ? keys.length : defs.size} asset(s) to ${output}`));
  } else {
    ctx.io.stdout.write(document.endsWith('\n') ? document : `${document}\n`);
  }
  return 0;
}
