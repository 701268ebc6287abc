import { parseArgs } from 'node:util';

/** One command-line option of a verb. */
export interface OptionSpec {
  readonly type: 'string' | 'boolean';
  readonly short?: string;
  /** Placeholder shown in help (`<selection>`). */
  readonly value?: string;
  readonly description: string;
}

/** A verb of the `assets` command. */
export interface VerbSpec {
  readonly name: string;
  /** One line for the command list. */
  readonly summary: string;
  /** Positional arguments as shown in usage (`[key]`). */
  readonly args?: string;
  /** Maximum number of positional arguments. */
  readonly maxArgs: number;
  /** Longer description paragraphs. */
  readonly description: string;
  readonly options: Readonly<Record<string, OptionSpec>>;
  /** Whether the verb needs a project (everything but `init`). */
  readonly project: boolean;
  readonly examples: readonly string[];
}

const selectOption: OptionSpec = { type: 'string', short: 's', value: '<selection>', description: 'Assets to include (selection grammar; default: all)' };
const excludeOption: OptionSpec = { type: 'string', short: 'x', value: '<selection>', description: 'Assets to leave out (same grammar)' };
const partitionOption: OptionSpec = { type: 'string', value: '<key|from..to>', description: 'Partition key, or an inclusive range for a backfill (default: the latest partition)' };
const jsonOption: OptionSpec = { type: 'boolean', description: 'Print machine-readable JSON on stdout' };

/** Options every verb accepts. */
export const GLOBAL_OPTIONS: Readonly<Record<string, OptionSpec>> = {
  project: { type: 'string', value: '<dir>', description: 'Project folder or config file (default: search upward from the current folder)' },
  target: { type: 'string', short: 't', value: '<name>', description: 'Target from assay.config.ts (default: defaultTarget, the only target, or dev)' },
  color: { type: 'boolean', description: 'No colors (default: colors on a terminal, unless NO_COLOR is set)' },
  verbose: { type: 'boolean', short: 'v', description: 'Show stack traces and debug logs' },
  help: { type: 'boolean', short: 'h', description: 'Show help' },
};

/** Every verb, in the order help lists them. */
export const VERBS: readonly VerbSpec[] = [
  {
    name: 'materialize',
    summary: 'Build assets in dependency order',
    maxArgs: 0,
    project: true,
    description:
      'Builds the selected assets (all by default) in dependency order: each starts as soon as its upstream assets are done, up to the concurrency limit, and its checks run right after. A failure skips only its downstream. Ctrl-C cancels running work (press it twice to force-quit).',
    options: {
      select: selectOption,
      exclude: excludeOption,
      stale: { type: 'boolean', description: 'Only assets that are out of date (never built, code changed, upstream or source changed)' },
      'full-refresh': { type: 'boolean', description: 'Rebuild incremental, SCD2 and ingestion assets from scratch' },
      concurrency: { type: 'string', short: 'c', value: '<n>', description: 'Assets built at once (default: config.concurrency, else the CPU count)' },
      partition: partitionOption,
      'fail-fast': { type: 'boolean', description: 'Stop at the first failure (running assets are canceled)' },
      'dry-run': { type: 'boolean', description: 'Print the plan and exit without building anything' },
      json: jsonOption,
    },
    examples: [
      'assets materialize',
      'assets materialize -s "gold*"',
      'assets materialize -s "+gold/customers" --stale',
      'assets materialize -s "group:silver" --exclude "tag:slow" --concurrency 4',
      'assets materialize -s "key:bronze/events" --partition 2024-01-01..2024-01-31',
      'assets materialize --target prod --dry-run',
    ],
  },
  {
    name: 'list',
    summary: 'List assets in dependency order',
    maxArgs: 0,
    project: true,
    description: 'Lists the assets (optionally a selection) in topological order, ties by key.',
    options: { select: selectOption, exclude: excludeOption, json: jsonOption },
    examples: ['assets list', 'assets list -s "group:gold"', 'assets list --json'],
  },
  {
    name: 'plan',
    summary: 'Show what materialize would run, and why',
    maxArgs: 0,
    project: true,
    description: 'Shows the assets a materialize with the same options would build, with the reason for each, and what it would skip.',
    options: {
      select: selectOption,
      exclude: excludeOption,
      stale: { type: 'boolean', description: 'Plan only out-of-date assets' },
      'full-refresh': { type: 'boolean', description: 'Plan a full refresh of incremental assets' },
      partition: partitionOption,
      json: jsonOption,
    },
    examples: ['assets plan --stale', 'assets plan -s "silver/*+" --json'],
  },
  {
    name: 'check',
    summary: 'Run data quality checks on what is already built',
    maxArgs: 0,
    project: true,
    description: 'Runs the declared checks of the selected assets against the tables as they are now, without rebuilding anything. Exits 1 when an error-severity check fails.',
    options: {
      select: selectOption,
      exclude: excludeOption,
      concurrency: { type: 'string', short: 'c', value: '<n>', description: 'Assets checked at once' },
      partition: partitionOption,
      json: jsonOption,
    },
    examples: ['assets check', 'assets check -s "group:gold" --json'],
  },
  {
    name: 'status',
    summary: 'Show last materialization, staleness, freshness and checks per asset',
    maxArgs: 0,
    project: true,
    description: 'For each asset: when it was last materialized and by which run, its data version, whether it is stale and why, its freshness against its target lag, and its latest check results.',
    options: { select: selectOption, exclude: excludeOption, json: jsonOption },
    examples: ['assets status', 'assets status -s "group:gold" --json'],
  },
  {
    name: 'history',
    summary: 'Show past runs, or the history of one asset',
    args: '[key]',
    maxArgs: 1,
    project: true,
    description: 'Without a key: the latest runs, newest first. With a key: what happened to that asset in the latest runs (built, failed, skipped, canceled), with row counts and data versions.',
    options: { limit: { type: 'string', short: 'n', value: '<n>', description: 'How many entries (default: 20)' }, json: jsonOption },
    examples: ['assets history', 'assets history silver/orders -n 5', 'assets history --json'],
  },
  {
    name: 'lineage',
    summary: 'Export the asset graph as JSON, Mermaid, Graphviz DOT or OpenLineage',
    maxArgs: 0,
    project: true,
    description: 'Prints the dependency graph (optionally a selection of it) as a lineage document. With --with-state, the last materialization of each asset is included.',
    options: {
      format: { type: 'string', short: 'f', value: '<format>', description: 'json, mermaid, dot or openlineage (default: json)' },
      output: { type: 'string', short: 'o', value: '<file>', description: 'Write to a file instead of stdout' },
      select: selectOption,
      exclude: excludeOption,
      'with-state': { type: 'boolean', description: 'Include the last materializations from the state store' },
      json: { type: 'boolean', description: 'Same as --format json' },
    },
    examples: ['assets lineage --format mermaid', 'assets lineage -f dot -o lineage.dot && dot -Tsvg lineage.dot > lineage.svg', 'assets lineage -f openlineage -s "gold*"'],
  },
  {
    name: 'deploy',
    summary: 'Deploy SQL assets to a Snowflake target as Dynamic Tables',
    maxArgs: 0,
    project: true,
    description:
      'Compiles the selected SQL assets to CREATE OR REPLACE DYNAMIC TABLE statements for a Snowflake target, so Snowflake schedules the refreshes: leaves get their freshness target as TARGET_LAG, intermediates DOWNSTREAM. Runs them upstream first and stops at the first failure, printing what was created and the DROP statements that undo it. --dry-run prints the DDL and its compensation without connecting.',
    options: {
      select: selectOption,
      exclude: excludeOption,
      warehouse: { type: 'string', value: '<name>', description: "Warehouse that runs the refreshes (default: the target's warehouse)" },
      'refresh-mode': { type: 'string', value: '<mode>', description: 'AUTO, INCREMENTAL or FULL for every table (default: INCREMENTAL for incremental assets, else AUTO)' },
      initialize: { type: 'string', value: '<when>', description: 'ON_CREATE or ON_SCHEDULE (default: Snowflake\'s, ON_CREATE)' },
      'default-lag': { type: 'string', value: '<lag>', description: "Target lag for leaves without a time freshness target, e.g. '1 hour' (default: such a leaf is an error)" },
      'dry-run': { type: 'boolean', description: 'Print the DDL and its compensation as a SQL script; connect to nothing' },
      json: jsonOption,
    },
    examples: [
      'assets deploy --target prod --dry-run',
      'assets deploy --target prod -s "group:silver or group:gold"',
      "assets deploy --target prod --warehouse TRANSFORM_WH --default-lag '1 hour'",
      'assets deploy --target prod --dry-run > deploy.sql',
    ],
  },
  {
    name: 'init',
    summary: 'Create a runnable example project (DuckDB, jaffle_shop data)',
    args: '[dir]',
    maxArgs: 1,
    project: false,
    description:
      'Scaffolds a project in dir (default: the current folder): raw -> bronze -> silver -> gold assets over the jaffle_shop sample data on DuckDB, an assay.config.ts, a README and a vitest test. The folder must be empty unless --force is given.',
    options: { force: { type: 'boolean', description: 'Write into a folder that is not empty (existing files are kept)' } },
    examples: ['assets init my-pipeline && cd my-pipeline && npm install && npx assets materialize'],
  },
];

/** The result of {@link parseCommandLine}. */
export type ParsedCommandLine =
  | { kind: 'run'; verb: VerbSpec; values: Record<string, string | boolean | undefined>; positionals: string[] }
  | { kind: 'help'; verb?: VerbSpec | undefined }
  | { kind: 'version' }
  | { kind: 'error'; message: string; hint?: string | undefined; verb?: VerbSpec | undefined };

type ParseArgsOptions = Record<string, { type: 'string' | 'boolean'; short?: string }>;

function toParseArgs(...sets: Readonly<Record<string, OptionSpec>>[]): ParseArgsOptions {
  const out: ParseArgsOptions = {};
  for (const set of sets) {
    for (const [name, spec] of Object.entries(set)) out[name] = spec.short ? { type: spec.type, short: spec.short } : { type: spec.type };
  }
  return out;
}

/**
 * Parses `assets` arguments (without `node` and the script): finds the verb, then parses its
 * options strictly. Never throws: mistakes come back as `{ kind: 'error' }` with a hint.
 */
export function parseCommandLine(argv: readonly string[]): ParsedCommandLine {
  // Pass 1 knows every option's type, so option values are never taken for the verb.
  const everything = toParseArgs(GLOBAL_OPTIONS, ...VERBS.map((v) => v.options), { version: { type: 'boolean', short: 'V', description: '' } });
  let tokens;
  try {
    ({ tokens } = parseArgs({ args: [...argv], options: everything, strict: false, allowPositionals: true, allowNegative: true, tokens: true }));
  } catch (error) {
    return usageError(error, undefined);
  }
  const verbToken = tokens.find((t) => t.kind === 'positional');
  const has = (name: string) => tokens.some((t) => t.kind === 'option' && t.name === name);
  if (!verbToken) {
    if (has('version')) return { kind: 'version' };
    if (has('help')) return { kind: 'help' };
    return { kind: 'error', message: 'No command given.', hint: 'Run `assets --help` to see the commands.' };
  }
  let verbName = verbToken.value;
  let rest = argv.filter((_, i) => i !== verbToken.index);
  if (verbName === 'help') {
    const topic = rest.find((a) => !a.startsWith('-'));
    if (topic === undefined) return { kind: 'help' };
    verbName = topic;
    rest = ['--help'];
  }
  const verb = VERBS.find((v) => v.name === verbName);
  if (!verb) {
    const suggestion = closest(verbName, VERBS.map((v) => v.name));
    return {
      kind: 'error',
      message: `Unknown command "${verbName}".`,
      hint: suggestion ? `Did you mean \`assets ${suggestion}\`? Run \`assets --help\` for the list.` : 'Run `assets --help` to see the commands.',
    };
  }
  const options = { ...GLOBAL_OPTIONS, ...verb.options };
  let parsed;
  try {
    parsed = parseArgs({ args: rest, options: toParseArgs(options), strict: true, allowPositionals: true, allowNegative: true });
  } catch (error) {
    return usageError(error, verb);
  }
  const values = { ...parsed.values } as Record<string, string | boolean | undefined>;
  if (values.help) return { kind: 'help', verb };
  if (parsed.positionals.length > verb.maxArgs) {
    const extra = parsed.positionals[verb.maxArgs]!;
    return {
      kind: 'error',
      verb,
      message: `Unexpected argument "${extra}" for \`assets ${verb.name}\`.`,
      hint: 'select' in verb.options ? `To select assets, use --select: \`assets ${verb.name} --select "${extra}"\`.` : `Usage: assets ${verb.name}${verb.args ? ` ${verb.args}` : ''} [options]`,
    };
  }
  for (const name of ['concurrency', 'limit'] as const) {
    const v = values[name];
    if (typeof v === 'string' && !/^[1-9]\d*$/.test(v)) {
      return { kind: 'error', verb, message: `--${name} must be a positive integer (got "${v}").` };
    }
  }
  const format = values.format;
  if (typeof format === 'string' && !['json', 'mermaid', 'dot', 'openlineage'].includes(format)) {
    return { kind: 'error', verb, message: `Unknown lineage format "${format}".`, hint: 'Use --format json, mermaid, dot or openlineage.' };
  }
  for (const name of ['select', 'exclude', 'target', 'project', 'partition', 'output', 'warehouse', 'refresh-mode', 'initialize', 'default-lag'] as const) {
    if (values[name] === '') return { kind: 'error', verb, message: `--${name} needs a non-empty value.` };
  }
  return { kind: 'run', verb, values, positionals: parsed.positionals };
}

/** A partition option value: `KEY` or `FROM..TO`. */
export function parsePartition(value: string): string | { from: string; to: string } {
  const i = value.indexOf('..');
  if (i < 0) return value;
  return { from: value.slice(0, i), to: value.slice(i + 2) };
}

function usageError(error: unknown, verb: VerbSpec | undefined): ParsedCommandLine {
  const code = (error as { code?: string }).code;
  const message = error instanceof Error ? error.message : String(error);
  const where = verb ? ` for \`assets ${verb.name}\`` : '';
  const helpHint = verb ? `Run \`assets ${verb.name} --help\` for its options.` : 'Run `assets --help`.';
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
    const option = /'([^']+)'/.exec(message)?.[1] ?? message;
    const known = verb ? Object.keys({ ...GLOBAL_OPTIONS, ...verb.options }) : [];
    const suggestion = closest(option.replace(/^-+/, ''), known);
    return { kind: 'error', verb, message: `Unknown option ${option}${where}.`, hint: suggestion ? `Did you mean --${suggestion}? ${helpHint}` : helpHint };
  }
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
    const option = /--([a-z-]+)/.exec(message)?.[1];
    const spec = option ? (verb?.options[option] ?? GLOBAL_OPTIONS[option]) : undefined;
    if (spec?.type === 'boolean') return { kind: 'error', verb, message: `Option --${option} takes no value.`, hint: helpHint };
    return { kind: 'error', verb, message: option ? `Option --${option} needs a value${spec?.value ? ` ${spec.value}` : ''}.` : message, hint: helpHint };
  }
  return { kind: 'error', verb, message: message.split('\n')[0]!, hint: helpHint };
}

/** The closest candidate by edit distance, when close enough to be a typo. */
function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Math.max(2, Math.floor(word.length / 3)) + 1;
  for (const c of candidates) {
    const d = distance(word, c);
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  return best;
}

function distance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) cur.push(Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1)));
    prev = cur;
  }
  return prev[b.length]!;
}
