import { isMainThread } from 'node:worker_threads';
import type { Project } from './load-project.js';
import { parseCommandLine, type VerbSpec } from './parse-command-line.js';
import { formatError } from './render/format-error.js';
import type { CliOutput } from './render/run-reporter.js';
import { createStyle, type Style } from './render/style.js';

export type { CliOutput } from './render/run-reporter.js';

/** Exit codes of `assets`. */
export const EXIT_CODES = {
  /** Everything asked for succeeded. */
  ok: 0,
  /** An asset failed, or an error-severity check failed. */
  failure: 1,
  /** The command line or the project configuration is wrong (nothing ran). */
  usage: 2,
  /** Canceled with Ctrl-C (SIGINT). */
  canceled: 130,
} as const;

/** Where {@link runCli} reads and writes; every field is optional and defaults to the process's own. */
export interface CliIo {
  /** Human output, and JSON with `--json`. Defaults to `process.stdout`. */
  stdout: CliOutput;
  /** Errors and warnings. Defaults to `process.stderr`. */
  stderr: CliOutput;
  /** Environment (NO_COLOR, CI, `${env:...}` interpolation). Defaults to `process.env`. */
  env: Record<string, string | undefined>;
  /** Directory the project is searched from. Defaults to `process.cwd()`. */
  cwd: string;
  /**
   * Handle SIGINT during runs (first: cancel cleanly; second: exit at once with 130).
   * Defaults to true in the main thread, false in worker threads (test runners).
   */
  handleSignals: boolean;
  /**
   * Change the process's working directory to the project root once the project is found,
   * so relative paths in the config (database files) mean the same from any subfolder.
   * Defaults to false; the `assets` binary sets it.
   */
  chdir: boolean;
  /** Called for a forced exit (second Ctrl-C). Defaults to `process.exit`. */
  exit: (code: number) => void;
}

/** Everything a command implementation gets. */
export interface CommandContext {
  readonly io: CliIo;
  readonly style: Style;
  readonly verb: VerbSpec;
  /** Parsed options of the verb (kebab-case names as on the command line). */
  readonly values: Readonly<Record<string, string | boolean | undefined>>;
  readonly positionals: readonly string[];
  readonly verbose: boolean;
  readonly json: boolean;
  /** True when stdout is a terminal and not in CI: live progress instead of plain lines. */
  readonly interactive: boolean;
  /** Writes a line to stdout. */
  print(line?: string): void;
  /** Writes a line to stderr. */
  printError(line?: string): void;
  /** Loads the project (`--project`, `--target`), once; closed by {@link runCli} at the end. */
  project(): Promise<Project>;
}

const USAGE_CODES = new Set([
  'ASSAY_CONFIG',
  'ASSAY_SELECTION_SYNTAX',
  'ASSAY_SELECTION_UNKNOWN_ATTRIBUTE',
  'ASSAY_SELECTION_EMPTY',
  'ASSAY_UNKNOWN_ASSET',
  'ASSAY_CYCLE',
  'ASSAY_UNKNOWN_DEP',
  'ASSAY_DUPLICATE_KEY',
  'ASSAY_INVALID_KEY',
  'ASSAY_INVALID_DEFINITION',
  'ASSAY_PARTITION',
  'ASSAY_UNSUPPORTED',
]);

/** The exit code for an error that stopped a command: 2 for usage/config mistakes, 130 for cancellation, else 1. */
export function exitCodeFor(error: unknown): number {
  const code = (error as { code?: unknown } | null)?.code;
  if (code === 'ASSAY_CANCELED') return EXIT_CODES.canceled;
  if (typeof code === 'string' && USAGE_CODES.has(code)) return EXIT_CODES.usage;
  return EXIT_CODES.failure;
}

/**
 * Runs the `assets` command line and resolves to its exit code; never throws and never
 * exits the process (except on a second Ctrl-C when `handleSignals` is on). The `assets`
 * binary is `process.exitCode = await runCli(process.argv.slice(2), { chdir: true })`.
 *
 * Exit codes: 0 success; 1 an asset or error-severity check failed; 2 usage or configuration
 * error; 130 canceled.
 *
 * @example
 * ```ts
 * let out = '';
 * const code = await runCli(['list', '--json', '--project', 'examples/ecommerce'], {
 *   stdout: { write: (s: string) => (out += s) },
 * });
 * const assets = JSON.parse(out);
 * ```
 */
export async function runCli(argv: readonly string[], io: Partial<CliIo> = {}): Promise<number> {
  const resolved: CliIo = {
    stdout: io.stdout ?? process.stdout,
    stderr: io.stderr ?? process.stderr,
    env: io.env ?? process.env,
    cwd: io.cwd ?? process.cwd(),
    handleSignals: io.handleSignals ?? isMainThread,
    chdir: io.chdir ?? false,
    exit: io.exit ?? ((code: number) => process.exit(code)),
  };
  const parsed = parseCommandLine(argv);
  const noColor = argv.includes('--no-color');
  const errStyle = createStyle({ tty: !!resolved.stderr.isTTY, env: resolved.env, noColor });
  const writeErr = (line: string) => resolved.stderr.write(`${line}\n`);

  if (parsed.kind === 'version') {
    const { cliVersion } = await import('./version.js');
    resolved.stdout.write(`${cliVersion()}\n`);
    return EXIT_CODES.ok;
  }
  if (parsed.kind === 'help') {
    const { topLevelHelp, verbHelp } = await import('./help-text.js');
    const { cliVersion } = await import('./version.js');
    resolved.stdout.write(`${parsed.verb ? verbHelp(parsed.verb) : topLevelHelp(cliVersion())}\n`);
    return EXIT_CODES.ok;
  }
  if (parsed.kind === 'error') {
    writeErr(`${errStyle.red(errStyle.bold('error'))}: ${parsed.message}`);
    if (parsed.hint) writeErr(`  ${errStyle.cyan('hint')}: ${parsed.hint}`);
    return EXIT_CODES.usage;
  }

  const { verb, values, positionals } = parsed;
  const verbose = values.verbose === true;
  const json = values.json === true;
  const stdoutTty = !!resolved.stdout.isTTY;
  const ci = !!resolved.env.CI && resolved.env.CI !== 'false' && resolved.env.CI !== '0';
  const style = createStyle({ tty: stdoutTty, env: resolved.env, noColor: values.color === false });
  let projectPromise: Promise<Project> | undefined;
  const ctx: CommandContext = {
    io: resolved,
    style,
    verb,
    values,
    positionals,
    verbose,
    json,
    interactive: stdoutTty && !ci,
    print: (line = '') => resolved.stdout.write(`${line}\n`),
    printError: (line = '') => resolved.stderr.write(`${line}\n`),
    project: () => {
      projectPromise ??= (async () => {
        const { loadProject } = await import('./load-project.js');
        const project = await loadProject(typeof values.project === 'string' ? values.project : undefined, {
          target: typeof values.target === 'string' ? values.target : undefined,
          env: resolved.env,
          cwd: resolved.cwd,
        });
        if (resolved.chdir && isMainThread) process.chdir(project.dir);
        return project;
      })();
      return projectPromise;
    },
  };

  let code: number;
  try {
    const command = await loadCommand(verb.name);
    code = await command(ctx);
  } catch (error) {
    for (const line of formatError(error, { style: errStyle, verbose })) writeErr(line);
    code = exitCodeFor(error);
  }
  if (projectPromise) {
    try {
      const project = await projectPromise.catch(() => undefined);
      await project?.close();
    } catch (error) {
      for (const line of formatError(error, { style: errStyle, verbose, label: 'warning' })) writeErr(line);
    }
  }
  return code;
}

type Command = (ctx: CommandContext) => Promise<number>;

/** Imports only the module of the verb being run (each pulls in what it needs, lazily). */
async function loadCommand(name: string): Promise<Command> {
  switch (name) {
    case 'materialize':
    case 'check':
      return (await import('./commands/materialize-command.js')).materializeCommand;
    case 'list':
      return (await import('./commands/list-command.js')).listCommand;
    case 'plan':
      return (await import('./commands/plan-command.js')).planCommand;
    case 'status':
      return (await import('./commands/status-command.js')).statusCommand;
    case 'history':
      return (await import('./commands/history-command.js')).historyCommand;
    case 'lineage':
      return (await import('./commands/lineage-command.js')).lineageCommand;
    case 'init':
      return (await import('./commands/init-command.js')).initCommand;
    case 'deploy':
      return (await import('./commands/deploy-command.js')).deployCommand;
    default:
      throw new TypeError(`no implementation for verb ${name}`);
  }
}
