/**
 * Seeds the operational database (`data/source/operational.duckdb`): customers with the
 * messy contact data people type in, a product catalog, and orders with their lines.
 * Deterministic for a seed and scale; every timestamp is before {@link REFERENCE_TIME}.
 *
 * Usage: `node --import tsx scripts/generate.ts [--scale 1] [--seed 42] [--if-missing]`
 *
 * Generating starts the example over: it also deletes `data/bronze/` (extracted files and
 * watermarks) and `.assay/` (the warehouse and run history built from the old source).
 */
import { existsSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { closeDatabase, openDatabase } from '@assay/duckdb';
import { extractConfig } from '../assets/extract-config.js';
import { CATEGORIES, defineMacros, insertCustomersSql, insertOrders, REFERENCE_TIME, SCHEMA_SQL } from './source-sql.js';

/** Options of {@link generateSource}. */
export interface GenerateSourceOptions {
  /** Project folder: the database goes to `<projectDir>/data/source/operational.duckdb`. */
  projectDir: string;
  /** Volume multiplier: 1 (the default) is 2,000 customers and 8,000 orders. */
  scale?: number;
  /** Seed of every random choice. Defaults to 42. */
  seed?: number;
}

/** Rows per source table after generation. */
export interface SourceCounts {
  customers: number;
  products: number;
  orders: number;
  order_items: number;
}

/** Row counts of the four source tables. */
export async function countSource(conn: { runAndReadAll(sql: string): Promise<{ getRowObjectsJS(): unknown[] }> }): Promise<SourceCounts> {
  const reader = await conn.runAndReadAll(`select
    (select count(*) from customers)::integer as customers, (select count(*) from products)::integer as products,
    (select count(*) from orders)::integer as orders, (select count(*) from order_items)::integer as order_items`);
  return reader.getRowObjectsJS()[0] as SourceCounts;
}

/**
 * Creates the source database from scratch (removing bronze files, watermarks and the local
 * warehouse, which described the old one) and returns its row counts.
 *
 * @example
 * ```ts
 * await generateSource({ projectDir: '.', scale: 1 });
 * ```
 */
export async function generateSource(options: GenerateSourceOptions): Promise<SourceCounts> {
  const scale = options.scale ?? 1;
  const seed = options.seed ?? 42;
  if (!(scale > 0) || !Number.isFinite(scale)) throw new RangeError(`--scale must be a positive number (got ${scale})`);
  if (!Number.isInteger(seed)) throw new RangeError(`--seed must be an integer (got ${seed})`);
  const projectDir = resolve(options.projectDir);
  const path = resolve(projectDir, extractConfig.source.path);
  rmSync(path, { force: true });
  rmSync(`${path}.wal`, { force: true });
  rmSync(resolve(projectDir, extractConfig.bronze_dir), { recursive: true, force: true });
  rmSync(join(projectDir, '.assay'), { recursive: true, force: true });

  const nCustomers = Math.max(50, Math.round(2000 * scale));
  const nProducts = Math.max(20, Math.round(80 * Math.sqrt(scale)));
  const nOrders = Math.max(100, Math.round(8000 * scale));
  const ref = `timestamp '${REFERENCE_TIME}'`;

  const instance = await openDatabase(path);
  const conn = await instance.connect();
  try {
    await conn.run(SCHEMA_SQL);
    await defineMacros(conn, seed);
    await conn.run(`insert into _generator values (${seed}, ${scale}, 0)`);
    // Customers signed up over 2.5 years; their last change lies between sign-up and now,
    // except for 1% whose clocks were off (updated before created).
    await conn.run(insertCustomersSql(1, nCustomers, 'g', `timestamp '2023-01-01'`, `date_diff('second', timestamp '2023-01-01', timestamp '2025-06-01')`,
      `case when u(n, 'gskew') < 0.01 then created_at - to_hours(1 + floor(u(n, 'gskewh') * 48)::int)
            else created_at + to_seconds(floor(u(n, 'gupd') * date_diff('second', created_at, ${ref}))::bigint) end`));
    await conn.run(`
      insert into products
      select product_id(n), pick(['Classic', 'Premium', 'Compact', 'Deluxe', 'Eco', 'Smart'], n, 'padj') || ' ' || pick(['Widget', 'Lamp', 'Backpack', 'Mug', 'Jacket', 'Novel', 'Serum', 'Puzzle'], n, 'pnoun') || ' ' || n,
        pick(${`[${CATEGORIES.map((c) => `'${c}'`).join(', ')}]`}, n, 'pcat'),
        round(5 + u(n, 'pprice') * 395, 2)::decimal(10, 2),
        timestamp '2023-01-01' + to_seconds(floor(u(n, 'pupd') * 365 * 86400)::bigint)
      from range(1, ${nProducts + 1}) t(n)`);
    const since = `greatest(c.created_at, timestamp '2024-01-01')`;
    await insertOrders(conn, 1, nOrders, 'g',
      `${since} + to_seconds(floor(u(p.n, 'gdate') * date_diff('second', ${since}, ${ref}))::bigint)`,
      `case when u(o.n, 'gstatus') < 0.70 then 'delivered' when u(o.n, 'gstatus') < 0.78 then 'shipped' when u(o.n, 'gstatus') < 0.83 then 'pending'
            when u(o.n, 'gstatus') < 0.93 then 'cancelled' else 'returned' end`,
      `least(o.order_date + to_seconds(floor(u(o.n, 'gupd') * 5 * 86400)::bigint), ${ref} - interval 1 second)`);
    await conn.run('checkpoint');
    return await countSource(conn);
  } finally {
    conn.closeSync();
    closeDatabase(instance);
  }
}

function readArgs(argv: readonly string[]): { scale: number; seed: number; ifMissing: boolean } {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      scale: { type: 'string', default: '1' },
      seed: { type: 'string', default: '42' },
      'if-missing': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log('Usage: generate [--scale 1] [--seed 42] [--if-missing]');
    process.exit(0);
  }
  return { scale: Number(values.scale), seed: Number(values.seed), ifMissing: values['if-missing'] };
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const projectDir = join(dirname(fileURLToPath(import.meta.url)), '..');
  try {
    const args = readArgs(process.argv.slice(2));
    if (args.ifMissing && existsSync(resolve(projectDir, extractConfig.source.path))) {
      console.log(`source present: ${extractConfig.source.path} (run \`npm run generate\` to start over)`);
    } else {
      const started = Date.now();
      const counts = await generateSource({ projectDir, scale: args.scale, seed: args.seed });
      console.log(`generated ${extractConfig.source.path} at scale ${args.scale}, seed ${args.seed} in ${Date.now() - started} ms: ${JSON.stringify(counts)}`);
      console.log('cleared data/bronze and .assay: the next `npx assets materialize` extracts everything');
    }
  } catch (error) {
    console.error(`generate: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  }
}
