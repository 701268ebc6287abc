/**
 * `@assay/cli`: the `assets` command line, and the pieces of it services reuse.
 *
 * @packageDocumentation
 */
export { runCli, exitCodeFor, EXIT_CODES, type CliIo, type CliOutput } from './run-cli.js';
export { loadProject, findConfig, CONFIG_FILE_NAMES, type Project, type LoadProjectOptions } from './load-project.js';
export { interpolateEnv, interpolateEnvInPlace, type InterpolateEnvOptions } from './interpolate-env.js';
export { scaffoldProject, type ScaffoldOptions } from './commands/init-command.js';
export type { ListedAsset } from './commands/list-command.js';
export type { PlanJson } from './commands/plan-command.js';
export type { MaterializeJson } from './commands/materialize-command.js';
export type { AssetStatusJson } from './commands/status-command.js';
export type { RunHistoryJson, AssetHistoryJson } from './commands/history-command.js';
export type { DeployJson } from './commands/deploy-command.js';
export type { DynamicTableStatusJson } from './commands/dynamic-table-status.js';
