#!/usr/bin/env node
// The `assets` binary. Kept tiny: everything else is imported on demand by the verb that needs it.
import { runCli } from './run-cli.js';

process.exitCode = await runCli(process.argv.slice(2), { chdir: true });
