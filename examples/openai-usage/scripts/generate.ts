/**
 * Command line of the data generator: `npm run generate -- [options]`.
 *
 * ```
 * --scale <n>      volume multiplier (1 = 600 chat completions + 200 batch requests a day); default 1
 * --days <n>       number of days, from --start; default 3
 * --start <date>   day 0 as YYYY-MM-DD (UTC); default 2025-06-02
 * --seed <n>       random seed; default 42
 * --add-day        add the day after the last one in data/, with the manifest's seed and scale
 * --day <n>        (re)generate only day index n
 * --if-missing     do nothing when data/ already holds generated exports
 * --out <dir>      output folder; default data/ next to this script's project
 * ```
 */
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { cleanExports, DEFAULT_START_DATE, generateOpenAiExports, readManifest, type GenerateOptions } from './generate-openai-exports.js';

const projectDir = join(dirname(fileURLToPath(import.meta.url)), '..');

const { values } = parseArgs({
  options: {
    scale: { type: 'string' },
    days: { type: 'string' },
    start: { type: 'string' },
    seed: { type: 'string' },
    'add-day': { type: 'boolean', default: false },
    day: { type: 'string' },
    'if-missing': { type: 'boolean', default: false },
    out: { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
  },
  strict: true,
});

if (values.help) {
  console.log('usage: generate [--scale n] [--days n] [--start YYYY-MM-DD] [--seed n] [--add-day | --day n] [--if-missing] [--out dir]');
  process.exit(0);
}

/** Parses a numeric flag, failing with a readable message. */
function numberFlag(name: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isFinite(n)) {
    console.error(`--${name} must be a number (got "${text}")`);
    process.exit(2);
  }
  return n;
}

const outDir = resolve(values.out ?? join(projectDir, 'data'));
const manifest = await readManifest(outDir);
const started = Date.now();

if (values['if-missing'] && manifest) {
  console.log(`${relative(process.cwd(), outDir) || '.'} already has generated data (days ${manifest.days.join(', ')}); skipping`);
  process.exit(0);
}

let options: GenerateOptions;
if (values['add-day'] || values.day !== undefined) {
  // Continuing a data set: same seed, scale and start as what is already there.
  const day = values['add-day'] ? (manifest ? Math.max(...manifest.days) + 1 : 0) : numberFlag('day', values.day)!;
  options = {
    outDir,
    seed: manifest?.seed ?? numberFlag('seed', values.seed),
    scale: manifest?.scale ?? numberFlag('scale', values.scale),
    startDate: manifest?.startDate ?? values.start ?? DEFAULT_START_DATE,
    days: [day],
  };
} else {
  const days = numberFlag('days', values.days) ?? 3;
  if (!Number.isInteger(days) || days < 1) {
    console.error(`--days must be a positive integer (got ${days})`);
    process.exit(2);
  }
  // A fresh set replaces the old one, so files of days no longer wanted do not linger.
  await cleanExports(outDir);
  options = {
    outDir,
    seed: numberFlag('seed', values.seed),
    scale: numberFlag('scale', values.scale),
    startDate: values.start,
    days: Array.from({ length: days }, (_, i) => i),
  };
}

try {
  const files = await generateOpenAiExports(options);
  const lines = files.reduce((n, f) => n + f.lines, 0);
  const malformed = files.reduce((n, f) => n + f.malformedLines, 0);
  for (const f of files) console.log(`  ${f.path.padEnd(72)} ${String(f.lines).padStart(8)} lines  (${f.malformedLines} malformed)`);
  console.log(`wrote ${files.length} files, ${lines} lines (${malformed} malformed) to ${relative(process.cwd(), outDir) || '.'} in ${Date.now() - started} ms`);
} catch (error) {
  console.error(error instanceof Error ? error.message : String(error));
  process.exit(1);
}
