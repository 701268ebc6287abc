/**
 * Command line of the Customer 360 data generator.
 *
 *   node --import tsx scripts/generate.ts [--scale small|medium|seed|<customers>] [--seed 42]
 *   node --import tsx scripts/generate.ts --if-missing        (keep existing data of any scale)
 *   node --import tsx scripts/generate.ts --append 1          (1 % new transactions after the newest)
 *   node --import tsx scripts/generate.ts --customer-updates 0.05 --updated-at 2025-07-10
 *
 * Scale: `small` = 1,000 customers (default, ~270k transactions), `medium` = 10,000,
 * `seed` = 50,000 customers / ~13.5M transactions (the seed's volume), or a number.
 */
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { appendTransactions, DEFAULT_SEED, generateData, readManifest, SCALES, writeCustomerUpdates } from './generate-data.js';

const projectDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** Customers for a `--scale` value: a named scale or a positive integer. */
export function customersForScale(scale: string): number {
  const named = SCALES[scale];
  if (named !== undefined) return named;
  const n = Number(scale.replace(/_/g, ''));
  if (!Number.isInteger(n) || n < 10) throw new RangeError(`--scale must be one of ${Object.keys(SCALES).join(', ')} or a number of customers >= 10, got "${scale}"`);
  return n;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      scale: { type: 'string', default: 'small' },
      seed: { type: 'string', default: String(DEFAULT_SEED) },
      'data-dir': { type: 'string', default: join(projectDir, 'data') },
      'if-missing': { type: 'boolean', default: false },
      append: { type: 'string' },
      'customer-updates': { type: 'string' },
      'updated-at': { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log('usage: generate.ts [--scale small|medium|seed|<customers>] [--seed 42] [--data-dir data] [--if-missing] [--append <percent>] [--customer-updates <fraction> --updated-at <timestamp>]');
    return;
  }
  const dataDir = resolve(values['data-dir']);
  if (values.append !== undefined) {
    const r = await appendTransactions({ dataDir, percent: Number(values.append) });
    console.log(`appended ${r.rows} transactions (${r.from} .. ${r.to}) to ${r.file}`);
    return;
  }
  if (values['customer-updates'] !== undefined) {
    const manifest = await readManifest(dataDir);
    const updatedAt = values['updated-at'] ?? manifest?.appends.at(-1)?.to ?? '2025-07-01 12:00:00';
    const r = await writeCustomerUpdates({ dataDir, fraction: Number(values['customer-updates']), updatedAt });
    console.log(`wrote ${r.rows} customer changes to ${r.file}`);
    return;
  }
  if (values['if-missing']) {
    const existing = await readManifest(dataDir);
    if (existing) {
      console.log(`data present in ${dataDir} (${existing.customers} customers, ${existing.transactions} transactions); not regenerating`);
      return;
    }
  }
  const customers = customersForScale(values.scale);
  const seed = Number(values.seed);
  const r = await generateData({ dataDir, customers, seed });
  console.log(`generated ${r.customers} customers and ${r.transactions} transactions in ${(r.durationMs / 1000).toFixed(1)} s into ${dataDir}`);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 1;
  });
}
