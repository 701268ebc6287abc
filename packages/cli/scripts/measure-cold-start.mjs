#!/usr/bin/env node
// Measures the wall time of `node dist/bin.js <args>` (default: `list`) in a project folder,
// as a fresh process each time: what a user waits for. Not a test: figures depend on the machine.
//
//   node scripts/measure-cold-start.mjs [projectDir] [runs] [-- args...]
//   node scripts/measure-cold-start.mjs ../../examples/ecommerce 15
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const bin = fileURLToPath(new URL('../dist/bin.js', import.meta.url));
const sep = process.argv.indexOf('--');
const positional = sep < 0 ? process.argv.slice(2) : process.argv.slice(2, sep);
const args = sep < 0 ? ['list'] : process.argv.slice(sep + 1);
const dir = resolve(positional[0] ?? '.');
const runs = Number(positional[1] ?? 10);

// One warm-up run fills tsx's transform cache, as any earlier use would have.
spawnSync(process.execPath, [bin, ...args], { cwd: dir, stdio: 'ignore' });
const times = [];
for (let i = 0; i < runs; i++) {
  const started = performance.now();
  const r = spawnSync(process.execPath, [bin, ...args], { cwd: dir, stdio: 'ignore', env: { ...process.env, CI: 'true' } });
  times.push(performance.now() - started);
  if (r.status !== 0) throw new Error(`assets ${args.join(' ')} exited ${r.status}`);
}
times.sort((a, b) => a - b);
const at = (q) => times[Math.min(times.length - 1, Math.floor(q * times.length))];
const ms = (v) => `${Math.round(v)} ms`;
console.log(`assets ${args.join(' ')} in ${dir}: ${runs} runs, min ${ms(times[0])}, median ${ms(at(0.5))}, p90 ${ms(at(0.9))}, max ${ms(times.at(-1))}`);
