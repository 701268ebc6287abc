import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { parseEnv } from 'node:util';
import {
  ConfigError,
  Definitions,
  defineAssets,
  errorMessage,
  isAssayError,
  type AssayConfig,
  type Backend,
  type StateStore,
} from '@assay/core';
import { importModule } from './import-module.js';
import { interpolateEnv, interpolateEnvInPlace } from './interpolate-env.js';

/** File names a project's configuration may have, in the order they are looked for. */
export const CONFIG_FILE_NAMES = ['assay.config.ts', 'assay.config.mts', 'assay.config.js', 'assay.config.mjs'] as const;

/** Options of {@link loadProject}. */
export interface LoadProjectOptions {
  /** Target used when {@link Project.target} is called without a name. Defaults to the config's default target. */
  target?: string | undefined;
  /**
   * Read `<project>/.env` into the environment before the config is evaluated (variables
   * already set win). Defaults to true.
   */
  dotenv?: boolean | undefined;
  /** Environment for `${env:NAME}` interpolation and `.env` loading. Defaults to `process.env`. */
  env?: Record<string, string | undefined> | undefined;
  /**
   * When `dir` is not given: search for the config upward from this directory. Defaults to
   * `process.cwd()`. (An explicit `dir` is never searched upward.)
   */
  cwd?: string | undefined;
}

/** A loaded Assay project: its config, validated definitions, and lazily created backends and state. */
export interface Project {
  /** Absolute path of the project root (the folder of the config file). */
  readonly dir: string;
  /** Absolute path of the config file. */
  readonly configPath: string;
  /** The config as exported, with `${env:NAME}` strings interpolated. */
  readonly config: AssayConfig;
  /** The project's validated asset definitions. */
  readonly definitions: Definitions;
  /** Project name: `config.name`, else the folder name. */
  readonly name: string;
  /** Names of the configured targets. */
  readonly targetNames: readonly string[];
  /** The target {@link Project.target} uses without a name (`--target`, `defaultTarget`, the only one, or `dev`). */
  readonly defaultTarget: string;
  /**
   * The backend of a target (default: {@link Project.defaultTarget}), created on first use
   * (target factories are called then) and cached. Not opened: `materialize` opens it.
   *
   * @throws {@link ConfigError} for an unknown target name.
   */
  target(name?: string): Promise<Backend>;
  /**
   * The state store, opened: `config.state` if set, else the DuckDB store at
   * `<project>/.assay/state.duckdb`. Created on first use and cached.
   */
  state(): Promise<StateStore>;
  /** Closes every backend and state store this project created. Safe to call more than once. */
  close(): Promise<void>;
}

/**
 * Finds and loads an Assay project: the config file (`assay.config.ts`, `.mts`, `.js` or
 * `.mjs`), then its definitions module. TypeScript is loaded without a build step (through
 * tsx, only when a file is TypeScript).
 *
 * Without `dir`, the config is searched from the current directory upward (like git). With
 * `dir`, it must be in that directory, or `dir` may be the config file itself.
 *
 * The definitions module may default-export a `Definitions` (or anything `defineAssets`
 * accepts), or export assets by name. `${env:NAME}` strings anywhere in the config (and in
 * the options of backends built there) are replaced with environment variables when first
 * used; `<project>/.env` is read first.
 *
 * @throws {@link ConfigError} (`ASSAY_CONFIG`) when no config is found, it is malformed, or a
 * module fails to load; definition errors (`ASSAY_CYCLE`, `ASSAY_UNKNOWN_DEP`, ...) as thrown.
 *
 * @example
 * ```ts
 * const project = await loadProject('examples/ecommerce');
 * const result = await materialize(project.definitions, {
 *   backend: await project.target(),
 *   state: await project.state(),
 *   projectDir: project.dir,
 * });
 * await project.close();
 * ```
 */
export async function loadProject(dir?: string, options: LoadProjectOptions = {}): Promise<Project> {
  const env = options.env ?? process.env;
  const configPath = findConfig(dir, options.cwd ?? process.cwd());
  const projectDir = dirname(configPath);
  if (options.dotenv !== false) loadDotenv(join(projectDir, '.env'), env);

  const configModule = await importProjectModule(configPath, projectDir, 'config');
  const raw = (configModule.default ?? configModule.config) as unknown;
  const config = validateConfig(raw, configPath, env);

  const definitionsPath = resolveDefinitionsPath(projectDir, configPath, config.definitions);
  const definitionsModule = await importProjectModule(definitionsPath, projectDir, 'definitions');
  const definitions = toDefinitions(definitionsModule, relative(projectDir, definitionsPath));

  const targetNames = Object.keys(config.targets);
  const defaultTarget = options.target ?? config.defaultTarget ?? (targetNames.length === 1 ? targetNames[0]! : 'dev');
  if (options.target !== undefined) checkTargetName(options.target, targetNames, configPath);

  const backends = new Map<string, Promise<Backend>>();
  let statePromise: Promise<StateStore> | undefined;
  let closed = false;

  const project: Project = {
    dir: projectDir,
    configPath,
    config,
    definitions,
    name: config.name ?? basename(projectDir),
    targetNames,
    defaultTarget,
    target(name?: string): Promise<Backend> {
      const wanted = name ?? defaultTarget;
      let pending = backends.get(wanted);
      if (!pending) {
        pending = createTarget(config, wanted, targetNames, configPath, env);
        backends.set(wanted, pending);
      }
      return pending;
    },
    state(): Promise<StateStore> {
      statePromise ??= createState(config, projectDir, env);
      return statePromise;
    },
    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      // A failed creation was reported to whoever asked for it; only close errors count here.
      const opened: { close(): Promise<void> }[] = [];
      for (const pending of [...backends.values(), ...(statePromise ? [statePromise] : [])]) {
        const value = await pending.catch(() => undefined);
        if (value) opened.push(value);
      }
      let first: unknown;
      for (const resource of opened) {
        try {
          await resource.close();
        } catch (error) {
          first ??= error;
        }
      }
      if (first !== undefined) throw first;
    },
  };
  return project;
}

/**
 * Finds the config file: in `dir` (or `dir` itself when it is a file), else upward from `cwd`.
 *
 * @throws {@link ConfigError} when there is none.
 */
export function findConfig(dir: string | undefined, cwd: string = process.cwd()): string {
  if (dir !== undefined) {
    const target = resolve(cwd, dir);
    if (!existsSync(target)) {
      throw new ConfigError(`Project directory ${target} does not exist`, { hint: 'Check the --project path.' });
    }
    if (statSync(target).isFile()) return target;
    const found = CONFIG_FILE_NAMES.map((n) => join(target, n)).find((p) => existsSync(p));
    if (found) return found;
    throw new ConfigError(`No assay.config.ts in ${target}`, {
      hint: `Run \`assets init ${dir}\` to create a project there, or point --project at the folder holding assay.config.ts.`,
    });
  }
  for (let current = resolve(cwd); ; ) {
    const found = CONFIG_FILE_NAMES.map((n) => join(current, n)).find((p) => existsSync(p));
    if (found) return found;
    const parent = dirname(current);
    if (parent === current) break;
    current = parent;
  }
  throw new ConfigError(`No assay.config.ts found in ${resolve(cwd)} or any parent directory`, {
    hint: 'Run `assets init` to create a project, or pass --project <dir>.',
  });
}

function loadDotenv(file: string, env: Record<string, string | undefined>): void {
  if (!existsSync(file)) return;
  let parsed: Record<string, string>;
  try {
    parsed = parseEnv(readFileSync(file, 'utf8')) as Record<string, string>;
  } catch (error) {
    throw new ConfigError(`Cannot read ${file}: ${errorMessage(error)}`, { cause: error });
  }
  for (const [key, value] of Object.entries(parsed)) if (env[key] === undefined) env[key] = value;
}

async function importProjectModule(file: string, projectDir: string, what: 'config' | 'definitions'): Promise<Record<string, unknown>> {
  try {
    return await importModule(file, projectDir);
  } catch (error) {
    if (isAssayError(error)) throw error;
    const rel = relative(projectDir, file) || basename(file);
    const message = errorMessage(error);
    // Without "type": "module", tsx compiles .ts files to CommonJS, which cannot import Assay's ES modules.
    const commonJs = /require\(\)|ERR_REQUIRE_|Cannot use import statement outside a module/.test(message);
    throw new ConfigError(`Cannot load ${what} ${rel}: ${firstLine(message)}`, {
      cause: error,
      hint: commonJs
        ? 'Assay projects are ES modules: add "type": "module" to the project\'s package.json (or name the files .mts).'
        : what === 'config'
          ? 'Fix the error in the config file (run with --verbose for the stack trace).'
          : 'Fix the error in the definitions module or a file it imports (run with --verbose for the stack trace).',
    });
  }
}

function firstLine(text: string): string {
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  return lines.slice(0, 4).join('\n');
}

function validateConfig(raw: unknown, configPath: string, env: Record<string, string | undefined>): AssayConfig {
  const file = basename(configPath);
  if (raw === null || typeof raw !== 'object') {
    throw new ConfigError(`${file} has no default export`, {
      hint: 'Write `export default defineConfig({ definitions: "./assets/index.ts", targets: { dev: duckdb({ path: ".assay/dev.duckdb" }) } })`.',
    });
  }
  const cfg = raw as Partial<AssayConfig> & Record<string, unknown>;
  // Plain values are interpolated now; targets and state may be class instances, handled on use.
  const plain = interpolateEnv(
    { definitions: cfg.definitions, defaultTarget: cfg.defaultTarget, name: cfg.name, concurrency: cfg.concurrency, pools: cfg.pools },
    { env },
  );
  if (typeof plain.definitions !== 'string' || plain.definitions.trim() === '') {
    throw new ConfigError(`${file}: "definitions" must be the path of the module exporting the assets`, { hint: 'e.g. definitions: "./assets/index.ts"' });
  }
  if (cfg.targets === null || typeof cfg.targets !== 'object' || Object.keys(cfg.targets).length === 0) {
    throw new ConfigError(`${file}: "targets" must name at least one target`, { hint: 'e.g. targets: { dev: duckdb({ path: ".assay/dev.duckdb" }) }' });
  }
  let concurrency = plain.concurrency as unknown;
  if (typeof concurrency === 'string') concurrency = Number(concurrency);
  if (concurrency !== undefined && (typeof concurrency !== 'number' || !Number.isInteger(concurrency) || concurrency < 1)) {
    throw new ConfigError(`${file}: "concurrency" must be a positive integer (got ${JSON.stringify(plain.concurrency)})`);
  }
  const targetNames = Object.keys(cfg.targets);
  if (plain.defaultTarget !== undefined && !targetNames.includes(plain.defaultTarget)) {
    throw new ConfigError(`${file}: defaultTarget "${plain.defaultTarget}" is not one of the targets (${targetNames.join(', ')})`);
  }
  return {
    ...cfg,
    definitions: plain.definitions,
    targets: cfg.targets,
    ...(plain.defaultTarget !== undefined ? { defaultTarget: plain.defaultTarget } : {}),
    ...(plain.name !== undefined ? { name: plain.name } : {}),
    ...(concurrency !== undefined ? { concurrency: concurrency as number } : {}),
    ...(plain.pools !== undefined ? { pools: plain.pools } : {}),
  } as AssayConfig;
}

function resolveDefinitionsPath(projectDir: string, configPath: string, definitions: string): string {
  const base = resolve(projectDir, definitions);
  const candidates = [base];
  // Authors write `./assets/index.js` in NodeNext style while the file on disk is `.ts`.
  if (/\.m?js$/.test(base)) candidates.push(base.replace(/\.js$/, '.ts').replace(/\.mjs$/, '.mts'));
  if (!/\.[cm]?[jt]s$/.test(base)) candidates.push(`${base}.ts`, `${base}.js`, join(base, 'index.ts'), join(base, 'index.js'));
  for (const c of candidates) if (existsSync(c) && statSync(c).isFile()) return c;
  throw new ConfigError(`Definitions module ${definitions} (from ${basename(configPath)}) does not exist`, {
    hint: `Create it, or fix "definitions" in ${basename(configPath)}; it is resolved relative to the config file.`,
  });
}

function isDefinitionsLike(value: unknown): value is Definitions {
  if (value instanceof Definitions) return true;
  // A Definitions from another copy of @assay/core (a project with its own install).
  return !!value && typeof value === 'object' && Array.isArray((value as Definitions).assets) && typeof (value as Definitions).get === 'function' && 'graph' in value;
}

function toDefinitions(mod: Record<string, unknown>, rel: string): Definitions {
  const candidate = mod.default;
  let defs: Definitions;
  if (candidate instanceof Definitions) defs = candidate;
  else if (isDefinitionsLike(candidate)) defs = defineAssets([...candidate.assets]);
  else defs = defineAssets(mod);
  if (defs.size === 0) {
    throw new ConfigError(`${rel} exports no assets`, {
      hint: 'Export assets by name (`export const orders = sqlAsset(...)`) or `export default defineAssets([...])`.',
    });
  }
  return defs;
}

function checkTargetName(name: string, targetNames: readonly string[], configPath: string): void {
  if (targetNames.includes(name)) return;
  throw new ConfigError(`Unknown target "${name}"`, {
    hint: `Targets in ${basename(configPath)}: ${targetNames.join(', ')}.`,
  });
}

async function createTarget(
  config: AssayConfig,
  name: string,
  targetNames: readonly string[],
  configPath: string,
  env: Record<string, string | undefined>,
): Promise<Backend> {
  if (!targetNames.includes(name)) {
    throw new ConfigError(
      targetNames.length > 1 && config.defaultTarget === undefined && name === 'dev'
        ? `No target given and no "dev" target; the config has ${targetNames.join(', ')}`
        : `Unknown target "${name}"`,
      {
        hint:
          targetNames.length > 1 && config.defaultTarget === undefined
            ? `Pass --target (${targetNames.join(', ')}) or set defaultTarget in ${basename(configPath)}.`
            : `Targets in ${basename(configPath)}: ${targetNames.join(', ')}.`,
      },
    );
  }
  const input = config.targets[name]!;
  let backend: unknown;
  try {
    backend = typeof input === 'function' ? await input() : input;
  } catch (error) {
    if (isAssayError(error)) throw error;
    throw new ConfigError(`Target "${name}" could not be created: ${errorMessage(error)}`, { cause: error });
  }
  if (!isBackend(backend)) {
    throw new ConfigError(`Target "${name}" is not a backend`, {
      hint: 'A target is a backend such as duckdb({ path }) or snowflake({...}), or a function returning one.',
    });
  }
  interpolateEnvInPlace(backend, { env, path: `targets.${name}` });
  return backend;
}

function isBackend(value: unknown): value is Backend {
  const b = value as Partial<Backend> | null;
  return !!b && typeof b === 'object' && typeof b.open === 'function' && typeof b.materializeSql === 'function' && typeof b.close === 'function';
}

async function createState(config: AssayConfig, projectDir: string, env: Record<string, string | undefined>): Promise<StateStore> {
  let store: StateStore;
  if (config.state !== undefined) {
    store = typeof config.state === 'function' ? await config.state() : config.state;
    interpolateEnvInPlace(store, { env, path: 'state' });
  } else {
    // Imported here so commands that never touch state never load the DuckDB driver.
    const { duckdbState } = await import('@assay/duckdb');
    store = duckdbState({ path: join(projectDir, '.assay', 'state.duckdb') });
  }
  await store.open();
  return store;
}
