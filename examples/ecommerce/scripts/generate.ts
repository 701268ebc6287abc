/**
 * Generates the raw exports of the e-commerce shop (seed 002) as CSV files under
 * `data/raw/<table>/`: customers, products, orders and order items, with the duplicates and
 * dirty values the staging layer has to clean up.
 *
 * Everything is derived from `hash(row, salt, seed)` in one DuckDB connection, so a given
 * seed and scale always produce byte-identical files, and 100x the default volume still
 * generates in seconds.
 *
 * Usage: `node --import tsx scripts/generate.ts [--scale 1] [--seed 42] [--out data] [--if-missing]`
 */
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { closeDatabase, openDatabase } from '@assay/duckdb';

/** Options of {@link generate}. */
export interface GenerateOptions {
  /** Folder that receives `raw/<table>/*.csv` (created; its `raw/` is replaced). */
  dir: string;
  /** Volume multiplier: 1 (the default) is 1,000 customers and 5,000 orders. */
  scale?: number;
  /** Seed of every random choice. Defaults to 42. */
  seed?: number;
}

/** Rows written per raw table, duplicates and invalid rows included. */
export interface GenerateSummary {
  /** Rows of `raw_customers`. */
  customers: number;
  products: number;
  orders: number;
  orderItems: number;
}

/** The four raw tables, in the order they are written. */
export const RAW_TABLES = ['customers', 'products', 'orders', 'order_items'] as const;

/** `data/raw/<table>/<table>-0001.csv`: the first export of each table. */
export function rawFile(dir: string, table: (typeof RAW_TABLES)[number], part = 1): string {
  return join(dir, 'raw', table, `${table}-${String(part).padStart(4, '0')}.csv`);
}

const FIRST = ['James', 'Mary', 'Robert', 'Patricia', 'John', 'Jennifer', 'Michael', 'Linda', 'David', 'Elizabeth', 'William', 'Barbara', 'Richard', 'Susan', 'Joseph', 'Jessica', 'Thomas', 'Sarah', 'Carlos', 'Karen', 'Wei', 'Aisha', 'Hiroshi', 'Fatima', 'Lucas', 'Sofia', 'Mateo', 'Olivia', 'Noah', 'Emma'];
const LAST = ['Smith', 'Johnson', 'Williams', 'Brown', 'Jones', 'Garcia', 'Miller', 'Davis', 'Rodriguez', 'Martinez', 'Hernandez', 'Lopez', 'Gonzalez', 'Wilson', 'Anderson', 'Thomas', 'Taylor', 'Moore', 'Jackson', 'Martin', 'Lee', 'Perez', 'Thompson', 'White', 'Harris', 'Sanchez', 'Clark', 'Nguyen', 'Kim', 'Patel'];
const DOMAINS = ['gmail.com', 'yahoo.com', 'outlook.com', 'example.com', 'shopmail.net'];
const ADJECTIVES = ['Classic', 'Premium', 'Compact', 'Deluxe', 'Eco', 'Smart', 'Ultra', 'Pro', 'Mini', 'Vintage'];
const NOUNS = ['Widget', 'Lamp', 'Backpack', 'Headphones', 'Mug', 'Jacket', 'Blender', 'Novel', 'Serum', 'Puzzle', 'Racket', 'Kettle'];

/**
 * Raw spellings of each canonical customer segment. The staging layer maps every one of
 * them back; the first spelling is the canonical value itself. The same holds for the
 * region, category and status spellings below.
 */
export const SEGMENT_SPELLINGS: Record<string, string[]> = {
  consumer: ['consumer', 'Consumer', 'CONSUMER', ' consumer '],
  corporate: ['corporate', 'Corporate', 'CORPORATE', 'corp'],
  small_business: ['small_business', 'Small Business', 'small business', 'SMB'],
};
/** Raw spellings of each canonical region. */
export const REGION_SPELLINGS: Record<string, string[]> = {
  north: ['north', 'North', 'NORTH ', ' north'],
  south: ['south', 'South', 'SOUTH', 'south '],
  east: ['east', 'East', 'EAST', ' east'],
  west: ['west', 'West', 'WEST ', 'west'],
};
/** Raw spellings of each canonical product category. */
export const CATEGORY_SPELLINGS: Record<string, string[]> = {
  electronics: ['electronics', 'Electronics', 'ELECTRONICS ', 'Electronic'],
  home_garden: ['home_garden', 'Home & Garden', 'home and garden', 'Home/Garden'],
  clothing: ['clothing', 'Clothing', 'Apparel', 'CLOTHING'],
  sports: ['sports', 'Sports', 'Sports & Outdoors', 'SPORTS'],
  books: ['books', 'Books', 'BOOKS', 'book'],
  beauty: ['beauty', 'Beauty', 'Beauty & Personal Care', ' beauty'],
  toys: ['toys', 'Toys', 'Toys & Games', 'TOYS'],
  grocery: ['grocery', 'Grocery', 'Food & Grocery', 'GROCERY'],
};
/** Raw spellings of each canonical order status. */
export const STATUS_SPELLINGS: Record<string, string[]> = {
  completed: ['completed', 'Completed', 'COMPLETED', 'complete', 'Complete '],
  shipped: ['shipped', 'Shipped', 'SHIPPED'],
  pending: ['pending', 'Pending', 'PENDING ', ' pending'],
  processing: ['processing', 'Processing', 'in_progress'],
  cancelled: ['cancelled', 'canceled', 'Cancelled', 'CANCELED'],
  returned: ['returned', 'Returned', 'RETURNED'],
};

/** SQL list literal of strings. */
function list(values: readonly string[]): string {
  return `[${values.map((v) => `'${v.replace(/'/g, "''")}'`).join(', ')}]`;
}

/** SQL map literal canonical → list of spellings. */
function spellings(map: Record<string, string[]>): string {
  return `map {${Object.entries(map).map(([k, v]) => `'${k}': ${list(v)}`).join(', ')}}`;
}

/**
 * Writes the raw CSV exports for a seed and scale into `<dir>/raw/` and returns the row
 * counts. Deterministic: the same options give the same bytes.
 *
 * @example
 * ```ts
 * await generate({ dir: 'data', scale: 1 });   // data/raw/customers/customers-0001.csv, ...
 * ```
 */
export async function generate(options: GenerateOptions): Promise<GenerateSummary> {
  const scale = options.scale ?? 1;
  const seed = options.seed ?? 42;
  if (!(scale > 0) || !Number.isFinite(scale)) throw new RangeError(`--scale must be a positive number (got ${scale})`);
  if (!Number.isInteger(seed)) throw new RangeError(`--seed must be an integer (got ${seed})`);
  const nCustomers = Math.max(20, Math.round(1000 * scale));
  const nProducts = Math.max(20, Math.round(200 * scale));
  const nOrders = Math.max(50, Math.round(5000 * scale));

  const dir = resolve(options.dir);
  rmSync(join(dir, 'raw'), { recursive: true, force: true });
  for (const t of RAW_TABLES) mkdirSync(join(dir, 'raw', t), { recursive: true });

  const instance = await openDatabase(':memory:');
  const conn = await instance.connect();
  const run = (text: string) => conn.run(text);
  try {
    // u(i, salt): a uniform number in [0, 1) that depends only on the row, the salt and the seed.
    await run(`create macro u(i, salt) as (hash(i, salt, ${seed}) % 1000000)::double / 1000000.0`);
    await run(`create macro pick(l, i, salt) as l[1 + floor(u(i, salt) * len(l))::int]`);
    await run(`create macro ts(t) as strftime(t, '%Y-%m-%d %H:%M:%S')`);

    // Canonical customers, then their raw rows: the current one plus, for 6%, an older one.
    await run(`
      create table customers as
      select i,
        'CUST-' || lpad((i + 1)::varchar, 6, '0') as customer_id,
        pick(${list(FIRST)}, i, 'first') as first_name,
        pick(${list(LAST)}, i, 'last') as last_name,
        pick(${list(DOMAINS)}, i, 'domain') as domain,
        case when u(i, 'seg') < 0.6 then 'consumer' when u(i, 'seg') < 0.85 then 'corporate' else 'small_business' end as segment,
        pick(['north', 'south', 'east', 'west'], i, 'region') as region,
        timestamp '2024-01-01' + to_seconds(floor(u(i, 'created') * 360 * 86400)::bigint) as created_at
      from range(${nCustomers}) t(i)`);
    await run(`
      create table raw_customers as
      with versions as (
        select c.*, 0 as age_days from customers c
        union all
        select c.*, 1 + floor(u(i, 'dup_age') * 30)::int as age_days from customers c where u(i, 'dup') < 0.06
      ), rendered as (
        select i, age_days,
          case when u(i * 7 + age_days, 'id_ws') < 0.03 then ' ' || customer_id || ' '
               when u(i * 7 + age_days, 'id_case') < 0.02 then lower(customer_id)
               else customer_id end as customer_id,
          case when u(i * 7 + age_days, 'name_ws') < 0.05 then first_name || ' ' else first_name end as first_name,
          last_name,
          -- An older version carries the address the customer had before, at another domain.
          (case when u(i * 7 + age_days, 'email_case') < 0.2 then upper(first_name) || '.' || last_name
                else lower(first_name) || '.' || lower(last_name) end)
            || (i + 1)::varchar || '@' || (case when age_days > 0 then 'oldmail.com' else domain end) as email_base,
          u(i * 7 + age_days, 'email_ws') < 0.1 as email_ws,
          pick(${spellings(SEGMENT_SPELLINGS)}[segment], i * 7 + age_days, 'seg_sp') as customer_segment,
          pick(${spellings(REGION_SPELLINGS)}[region], i * 7 + age_days, 'reg_sp') as region,
          ts(created_at) as created_at,
          ts(timestamp '2025-01-01' + to_seconds(floor(u(i, 'updated') * 10 * 86400)::bigint) - to_days(age_days)) as updated_at
        from versions
      )
      select customer_id, first_name, last_name,
        case when email_ws then '  ' || email_base || ' ' else email_base end as email,
        customer_segment, region, created_at, updated_at, i * 100 + age_days as _v
      from rendered
      union all
      -- Export garbage: rows without an id.
      select '' as customer_id, 'Unknown', 'Unknown', 'noreply@example.com', 'Consumer', 'North', '2024-06-01 00:00:00', '2025-01-01 00:00:00', -1 - g as _v
      from range(greatest(1, ${nCustomers} // 100)) t(g)`);

    // Products: 1% have an unusable price in their latest row; 3% carry an older duplicate.
    await run(`
      create table products as
      select i,
        'PRD-' || lpad((i + 1)::varchar, 5, '0') as product_id,
        pick(${list(ADJECTIVES)}, i, 'adj') || ' ' || pick(${list(NOUNS)}, i, 'noun') || ' ' || (i + 1)::varchar as product_name,
        pick(${list(Object.keys(CATEGORY_SPELLINGS))}, i, 'cat') as category,
        round(4.99 + u(i, 'price') * 495, 2)::decimal(10, 2) as list_price,
        u(i, 'bad_price') < 0.01 as bad_price
      from range(${nProducts}) t(i)`);
    await run(`
      create table raw_products as
      with versions as (
        select p.*, 0 as age_days from products p
        union all
        select p.*, 5 + floor(u(i, 'pdup_age') * 20)::int from products p where u(i, 'pdup') < 0.03
      )
      select
        product_id,
        case when u(i * 7 + age_days, 'pname_ws') < 0.05 then '  ' || product_name else product_name end as product_name,
        pick(${spellings(CATEGORY_SPELLINGS)}[category], i * 7 + age_days, 'cat_sp') as category,
        case when bad_price and age_days = 0 then pick(['', 'N/A', '-1.00'], i, 'bad_price_kind')
             when u(i * 7 + age_days, 'price_fmt') < 0.15 then '$' || (case when age_days > 0 then list_price + 1 else list_price end)::varchar
             when u(i * 7 + age_days, 'price_fmt') < 0.25 then ' ' || list_price::varchar || ' '
             else (case when age_days > 0 then list_price + 1 else list_price end)::varchar end as list_price,
        ts(timestamp '2024-12-01' + to_seconds(floor(u(i, 'pupd') * 20 * 86400)::bigint) - to_days(age_days)) as updated_at,
        i * 100 + age_days as _v
      from versions`);

    // Orders and their items (canonical values; raw spellings come later).
    await run(`
      create table orders as
      select i,
        'ORD-' || lpad((i + 1)::varchar, 7, '0') as order_id,
        -- A few customers order a lot: a skewed pick.
        floor(pow(u(i, 'cust'), 1.6) * ${nCustomers})::int as customer_i,
        u(i, 'orphan') < 0.01 as orphan,
        timestamp '2025-01-01' + to_seconds(floor(u(i, 'odate') * 90 * 86400)::bigint) as ordered_at,
        case when u(i, 'status') < 0.55 then 'completed' when u(i, 'status') < 0.70 then 'shipped'
             when u(i, 'status') < 0.80 then 'pending' when u(i, 'status') < 0.85 then 'processing'
             when u(i, 'status') < 0.95 then 'cancelled' else 'returned' end as status,
        u(i, 'ship_elsewhere') < 0.2 as ship_elsewhere,
        1 + floor(u(i, 'nitems') * 4)::int as n_items
      from range(${nOrders}) t(i)`);
    await run(`
      create table order_items as
      select o.i as order_i, o.order_id, k,
        floor(u(o.i * 8 + k, 'prod') * ${nProducts})::int as product_i,
        case when u(o.i * 8 + k, 'badqty') < 0.01 then 0 else 1 + floor(u(o.i * 8 + k, 'qty') * 5)::int end as quantity,
        pick([0, 0, 0, 0, 0, 0, 5, 10, 15, 20, 25], o.i * 8 + k, 'disc') as discount_pct,
        o.ordered_at
      from orders o, range(o.n_items) r(k)`);
    await run(`
      create table items as
      select row_number() over (order by order_i, k) as item_n, oi.*, p.list_price,
        round(oi.quantity * p.list_price * (1 - oi.discount_pct * 0.01::decimal(5, 4)), 2)::decimal(10, 2) as line_total
      from order_items oi join products p on p.i = oi.product_i`);
    await run(`
      create table raw_order_items as
      with versions as (
        select it.*, false as dup from items it
        union all
        select it.*, true from items it where u(item_n, 'idup') < 0.03
      )
      select
        'ITM-' || lpad(item_n::varchar, 8, '0') as order_item_id,
        order_id,
        'PRD-' || lpad((product_i + 1)::varchar, 5, '0') as product_id,
        quantity::varchar as quantity,
        case when u(item_n, 'uprice_fmt') < 0.1 then '$' || list_price::varchar else list_price::varchar end as unit_price,
        case when discount_pct = 0 then pick(['', '0', '0.00'], item_n, 'disc0_fmt')
             when u(item_n, 'disc_fmt') < 0.5 then discount_pct::varchar || '%'
             else (discount_pct * 0.01::decimal(5, 4))::decimal(5, 2)::varchar end as discount,
        ts(ordered_at + interval 5 minute) as updated_at,
        item_n * 2 + dup::int as _v
      from versions`);
    await run(`
      create table raw_orders as
      with totals as (
        select order_i, sum(line_total) as items_total from items group by order_i
      ), canonical as (
        select o.*, c.region as customer_region, t.items_total,
          -- 4% of the orders were billed a different amount than their lines add up to.
          case when u(o.i, 'mismatch') < 0.04 then t.items_total + 1 + floor(u(o.i, 'mis_amt') * 20)::int else t.items_total end as order_total
        from orders o join customers c on c.i = o.customer_i join totals t on t.order_i = o.i
      ), versions as (
        select *, 0 as age_hours, status as version_status from canonical
        union all
        -- 5% appear twice: an earlier 'pending' snapshot and the current one.
        select *, 1 + floor(u(i, 'odup_age') * 48)::int, 'pending' from canonical where u(i, 'odup') < 0.05 and status <> 'pending'
      )
      select
        order_id,
        case when orphan then 'CUST-9' || lpad(i::varchar, 5, '0')
             when u(i * 3 + age_hours, 'ocid_ws') < 0.03 then ' ' || 'CUST-' || lpad((customer_i + 1)::varchar, 6, '0')
             else 'CUST-' || lpad((customer_i + 1)::varchar, 6, '0') end as customer_id,
        case when u(i, 'odate_fmt') < 0.85 then ts(ordered_at)
             when u(i, 'odate_fmt') < 0.95 then strftime(ordered_at, '%Y-%m-%dT%H:%M:%SZ')
             else strftime(ordered_at, '%m/%d/%Y %H:%M:%S') end as order_date,
        pick(${spellings(STATUS_SPELLINGS)}[version_status], i * 3 + age_hours, 'status_sp') as status,
        pick(${spellings(REGION_SPELLINGS)}[case when ship_elsewhere then pick(['north', 'south', 'east', 'west'], i, 'ship_region') else customer_region end], i * 3 + age_hours, 'oreg_sp') as region,
        case when age_hours = 0 and u(i, 'bad_total') < 0.01 then pick(['', '0', '-12.50'], i, 'bad_total_kind')
             when u(i * 3 + age_hours, 'total_fmt') < 0.15 then '$' || order_total::varchar
             when u(i * 3 + age_hours, 'total_fmt') < 0.2 then order_total::varchar || ' '
             else order_total::varchar end as order_total,
        ts(ordered_at + to_hours(48) - to_hours(age_hours)) as updated_at,
        i * 100 + age_hours as _v
      from versions`);

    // Shuffled, so duplicates are not next to each other, as in a real export.
    const counts: Record<string, number> = {};
    for (const t of RAW_TABLES) {
      const file = rawFile(dir, t).replace(/'/g, "''");
      const reader = await conn.runAndReadAll(`select count(*)::int as n from raw_${t}`);
      counts[t] = Number(reader.getRowObjectsJS()[0]!.n);
      await run(`copy (select * exclude (_v) from raw_${t} order by hash(${seed}, _v), _v) to '${file}' (header, delimiter ',')`);
    }
    return { customers: counts.customers!, products: counts.products!, orders: counts.orders!, orderItems: counts.order_items! };
  } finally {
    conn.closeSync();
    closeDatabase(instance);
  }
}

function readArgs(argv: readonly string[]): { scale: number; seed: number; out: string; ifMissing: boolean } {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      scale: { type: 'string', default: '1' },
      seed: { type: 'string', default: '42' },
      out: { type: 'string', default: 'data' },
      'if-missing': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log('Usage: generate [--scale 1] [--seed 42] [--out data] [--if-missing]');
    process.exit(0);
  }
  return { scale: Number(values.scale), seed: Number(values.seed), out: values.out, ifMissing: values['if-missing'] };
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  try {
    const args = readArgs(process.argv.slice(2));
    if (args.ifMissing && RAW_TABLES.every((t) => existsSync(rawFile(resolve(args.out), t)))) {
      console.log(`data present in ${args.out}/raw (run \`npm run generate\` to regenerate)`);
    } else {
      const started = Date.now();
      const summary = await generate({ dir: args.out, scale: args.scale, seed: args.seed });
      console.log(`generated ${args.out}/raw at scale ${args.scale}, seed ${args.seed} in ${Date.now() - started} ms: ${JSON.stringify(summary)}`);
    }
  } catch (error) {
    console.error(`generate: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  }
}
