#!/usr/bin/env node
// The `assets` binary. Kept tiny: everything else is imported on demand by the verb that needs it.
import { runCli } from './run-cli.js';

// `assets list | head` closes the pipe early: that is the reader being done, not an error.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw error;
  });
}

process.exitCode = await runCli(process.argv.slice(2), { chdir: true });
