import { GLOBAL_OPTIONS, VERBS, type OptionSpec, type VerbSpec } from './parse-command-line.js';

const SELECTION_SUMMARY = `Selection (--select, --exclude):
  gold*                 keys starting with "gold" (a bare word is a key glob; * crosses /)
  key:silver/*          keys matching a glob        group:gold   tag:pii   tag:team=finance
  kind:view             owner:ana@corp.com          +x  (x and all upstream)   2+x   x+
  sinks(S)  roots(S)    and  or  not  ( )           a, b  means  a or b
  Unlike Dagster's legacy syntax, "gold*" does not mean "gold and its descendants": write gold+.
  Full grammar: docs/selection.md`;

function optionLines(options: Readonly<Record<string, OptionSpec>>): string[] {
  const rows = Object.entries(options).map(([name, spec]) => {
    const flag = name === 'color' ? '--no-color' : `--${name}${spec.value ? ` ${spec.value}` : ''}`;
    return [`${spec.short ? `-${spec.short}, ` : '    '}${flag}`, spec.description] as const;
  });
  const width = Math.max(...rows.map(([f]) => f.length));
  return rows.map(([f, d]) => `  ${f.padEnd(width)}  ${d}`);
}

/** Help for `assets --help`. */
export function topLevelHelp(version: string): string {
  const width = Math.max(...VERBS.map((v) => v.name.length));
  return [
    `assets ${version} - build and inspect an Assay asset graph`,
    '',
    'Usage: assets <command> [options]',
    '',
    'Commands:',
    ...VERBS.map((v) => `  ${v.name.padEnd(width)}  ${v.summary}`),
    '',
    'Global options:',
    ...optionLines({ ...GLOBAL_OPTIONS, version: { type: 'boolean', short: 'V', description: 'Print the version' } }),
    '',
    SELECTION_SUMMARY,
    '',
    'Exit codes: 0 ok, 1 an asset or error-severity check failed, 2 usage or config error, 130 canceled.',
    '',
    'Examples:',
    '  assets init my-pipeline',
    '  assets materialize -s "gold*"',
    '  assets status --json',
    '',
    'Run `assets <command> --help` for the options of a command. Docs: docs/cli.md',
  ].join('\n');
}

/** Help for `assets <verb> --help`. */
export function verbHelp(verb: VerbSpec): string {
  const usesSelection = 'select' in verb.options;
  const globals = verb.project ? GLOBAL_OPTIONS : { color: GLOBAL_OPTIONS.color!, verbose: GLOBAL_OPTIONS.verbose!, help: GLOBAL_OPTIONS.help! };
  return [
    `Usage: assets ${verb.name}${verb.args ? ` ${verb.args}` : ''} [options]`,
    '',
    wrap(verb.description, 92),
    '',
    'Options:',
    ...optionLines(verb.options),
    '',
    'Global options:',
    ...optionLines(globals),
    ...(usesSelection ? ['', SELECTION_SUMMARY] : []),
    '',
    'Examples:',
    ...verb.examples.map((e) => `  ${e}`),
  ].join('\n');
}

function wrap(text: string, width: number): string {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/)) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(line);
  return lines.join('\n');
}
