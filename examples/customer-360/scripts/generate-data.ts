/**
 * Deterministic synthetic data for the Customer 360 example (seed 003): customers in the
 * seed's five segments and 18 months of card transactions, written the way the seed's
 * pipeline receives them (customers as CSV, transactions as monthly files).
 *
 * Everything is generated in DuckDB SQL from `hash(i, salt, seed)`, so a given seed and
 * customer count always produce byte-identical rows, whatever the thread count, and 13.5M
 * transactions take seconds rather than the seed's 5–15 minutes.
 */
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ConfigError } from '@assay/core';
import { closeDatabase, openDatabase } from '@assay/duckdb';

type DuckDBConnection = Awaited<ReturnType<Awaited<ReturnType<typeof openDatabase>>['connect']>>;

/** First day of the generated history. */
export const HISTORY_START = '2024-01-01';
/** Months of history (the seed's "18 months of historical data"). */
export const HISTORY_MONTHS = 18;
/** Named scales for `--scale`: the test default and the seed's volume. */
export const SCALES: Readonly<Record<string, number>> = { small: 1_000, medium: 10_000, seed: 50_000 };
/** Random seed of the seed's `GENERATE_CUSTOMERS(50000, 42)`. */
export const DEFAULT_SEED = 42;

/** The seed's segments and their shares of the customer base, in generation order. */
export const SEGMENTS: readonly { name: string; share: number }[] = [
  { name: 'High-Value Travelers', share: 0.15 },
  { name: 'Stable Mid-Spenders', share: 0.4 },
  { name: 'Budget-Conscious', share: 0.25 },
  { name: 'Declining', share: 0.1 },
  { name: 'New & Growing', share: 0.1 },
];

/** Merchant categories with their typical ticket size (USD) and four merchants each. */
export const MERCHANT_CATEGORIES: readonly { name: string; group: string; baseAmount: number; merchants: readonly string[] }[] = [
  { name: 'Airlines', group: 'Travel', baseAmount: 420, merchants: ['Delta Air Lines', 'United Airlines', 'American Airlines', 'Southwest Airlines'] },
  { name: 'Hotels', group: 'Travel', baseAmount: 260, merchants: ['Marriott', 'Hilton', 'Hyatt', 'Airbnb'] },
  { name: 'Travel Services', group: 'Travel', baseAmount: 180, merchants: ['Expedia', 'Booking.com', 'Hertz', 'Uber'] },
  { name: 'Dining', group: 'Lifestyle', baseAmount: 45, merchants: ['Olive Garden', 'Chipotle', 'Starbucks', 'The Cheesecake Factory'] },
  { name: 'Entertainment', group: 'Lifestyle', baseAmount: 55, merchants: ['AMC Theatres', 'Ticketmaster', 'Spotify', 'Netflix'] },
  { name: 'Groceries', group: 'Essentials', baseAmount: 65, merchants: ['Kroger', 'Whole Foods Market', 'Safeway', 'Trader Joe\'s'] },
  { name: 'Gas', group: 'Essentials', baseAmount: 48, merchants: ['Shell', 'Chevron', 'ExxonMobil', 'BP'] },
  { name: 'Utilities', group: 'Essentials', baseAmount: 110, merchants: ['PG&E', 'Con Edison', 'Comcast', 'Verizon'] },
  { name: 'Healthcare', group: 'Essentials', baseAmount: 120, merchants: ['CVS Pharmacy', 'Walgreens', 'Kaiser Permanente', 'Quest Diagnostics'] },
  { name: 'Retail', group: 'Shopping', baseAmount: 85, merchants: ['Target', 'Walmart', 'Macy\'s', 'Costco'] },
  { name: 'Electronics', group: 'Shopping', baseAmount: 320, merchants: ['Best Buy', 'Apple Store', 'Micro Center', 'B&H Photo'] },
  { name: 'Online Shopping', group: 'Shopping', baseAmount: 60, merchants: ['Amazon', 'eBay', 'Etsy', 'Wayfair'] },
];

/**
 * Percent of each segment's transactions per category, in {@link MERCHANT_CATEGORIES} order
 * (each row sums to 100). Travelers spend on travel; budget customers on essentials.
 */
const CATEGORY_WEIGHTS: Readonly<Record<string, readonly number[]>> = {
  'High-Value Travelers': [12, 12, 10, 16, 8, 8, 5, 3, 3, 9, 5, 9],
  'Stable Mid-Spenders': [2, 2, 3, 14, 8, 22, 12, 7, 6, 12, 4, 8],
  'Budget-Conscious': [1, 1, 1, 8, 5, 32, 16, 11, 7, 9, 2, 7],
  Declining: [2, 2, 3, 14, 8, 22, 12, 7, 6, 12, 4, 8],
  'New & Growing': [2, 2, 3, 16, 12, 18, 10, 4, 3, 12, 8, 10],
};

/** What {@link generateData} wrote. */
export interface GenerateResult {
  /** Customers written. */
  customers: number;
  /** Transactions written (all monthly files). */
  transactions: number;
  /** Files written, relative to the data directory. */
  files: string[];
  /** Wall time in ms. */
  durationMs: number;
}

/** Written next to the data so later steps (appends, `--if-missing`) know how it was made. */
export interface DataManifest {
  generator: 'customer-360';
  version: number;
  customers: number;
  seed: number;
  historyStart: string;
  historyMonths: number;
  transactions: number;
  /** Transaction batches appended after the history, in order. */
  appends: { file: string; rows: number; from: string; to: string }[];
  /** Customer change files written after the base snapshot, in order. */
  customerUpdates: { file: string; rows: number; updatedAt: string }[];
}

const MANIFEST = 'manifest.json';
const GENERATOR_VERSION = 1;

/** Options of {@link generateData}. */
export interface GenerateOptions {
  /** Directory to write into (`customers/`, `transactions/`, `manifest.json`); replaced if it exists. */
  dataDir: string;
  /** Number of customers. Defaults to 1,000 (`SCALES.small`). */
  customers?: number;
  /** Random seed. Defaults to 42. */
  seed?: number;
  /** DuckDB threads for generation. Defaults to DuckDB's default (one per core). */
  threads?: number;
}

/** Reads the manifest of a data directory, or undefined when there is none. */
export async function readManifest(dataDir: string): Promise<DataManifest | undefined> {
  try {
    return JSON.parse(await readFile(join(dataDir, MANIFEST), 'utf8')) as DataManifest;
  } catch {
    return undefined;
  }
}

/** The error for appending to, or changing, data that was never generated. */
function noData(dataDir: string): ConfigError {
  return new ConfigError(`No ${MANIFEST} in ${dataDir}: there is no generated data to add to`, { hint: 'Generate it first: npm run generate' });
}

/** Single-quoted SQL string literal. */
function lit(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}

/** Opens an in-memory DuckDB with the generator's deterministic random macros for `seed`. */
async function openGenerator(seed: number, threads: number | undefined): Promise<{ conn: DuckDBConnection; close: () => void }> {
  if (!Number.isSafeInteger(seed) || seed < 0) throw new RangeError(`seed must be a non-negative integer, got ${seed}`);
  const instance = await openDatabase(':memory:', { config: threads === undefined ? {} : { threads: String(threads) } });
  const conn = await instance.connect();
  // u(): a uniform draw in [0, 1) that depends only on its arguments and the seed, never on
  // thread scheduling, so every run writes the same rows. z(): a standard normal (Box-Muller).
  await conn.run(`create macro u(salt, a, b, c) as (hash(a, b, c, salt, ${seed}) % 1000000007)::double / 1000000007`);
  await conn.run(`create macro z(salt, a, b, c) as sqrt(-2 * ln(1 - u(salt || '1', a, b, c))) * cos(2 * pi() * u(salt || '2', a, b, c))`);
  await conn.run(`set TimeZone = 'UTC'`);
  return {
    conn,
    close: () => {
      conn.closeSync();
      closeDatabase(instance);
    },
  };
}

/**
 * Creates `cust`: every customer with the columns the seed lists plus the hidden behaviour
 * parameters that drive their transactions (activity level, when a decliner or random
 * churner stops spending). Segments follow the seed's shares exactly (up to rounding).
 */
async function createCustomers(conn: DuckDBConnection, n: number): Promise<void> {
  const firstNames = ['James', 'Mary', 'Robert', 'Patricia', 'John', 'Jennifer', 'Michael', 'Linda', 'David', 'Elizabeth', 'William', 'Barbara', 'Richard', 'Susan', 'Joseph', 'Jessica', 'Thomas', 'Sarah', 'Christopher', 'Karen', 'Charles', 'Lisa', 'Daniel', 'Nancy', 'Matthew', 'Betty', 'Anthony', 'Margaret', 'Mark', 'Sandra', 'Donald', 'Ashley', 'Steven', 'Kimberly', 'Andrew', 'Emily', 'Paul', 'Donna', 'Joshua', 'Michelle'];
  const lastNames = ['Smith', 'Johnson', 'Williams', 'Brown', 'Jones', 'Garcia', 'Miller', 'Davis', 'Rodriguez', 'Martinez', 'Hernandez', 'Lopez', 'Gonzalez', 'Wilson', 'Anderson', 'Thomas', 'Taylor', 'Moore', 'Jackson', 'Martin', 'Lee', 'Perez', 'Thompson', 'White', 'Harris', 'Sanchez', 'Clark', 'Ramirez', 'Lewis', 'Robinson', 'Walker', 'Young', 'Allen', 'King', 'Wright', 'Scott', 'Torres', 'Nguyen', 'Hill', 'Flores'];
  const places = [['CA', 'Los Angeles'], ['CA', 'San Francisco'], ['CA', 'San Diego'], ['TX', 'Houston'], ['TX', 'Austin'], ['TX', 'Dallas'], ['NY', 'New York'], ['NY', 'Buffalo'], ['FL', 'Miami'], ['FL', 'Orlando'], ['FL', 'Tampa'], ['IL', 'Chicago'], ['WA', 'Seattle'], ['MA', 'Boston'], ['GA', 'Atlanta'], ['CO', 'Denver'], ['AZ', 'Phoenix'], ['PA', 'Philadelphia'], ['OH', 'Columbus'], ['NC', 'Charlotte'], ['MI', 'Detroit'], ['OR', 'Portland'], ['NV', 'Las Vegas'], ['MN', 'Minneapolis'], ['TN', 'Nashville']] as const;
  const list = (xs: readonly string[]) => `[${xs.map(lit).join(', ')}]`;
  let cumulative = 0;
  const segmentCase = SEGMENTS.map((s, i) => {
    cumulative += s.share;
    return i === SEGMENTS.length - 1 ? `else ${lit(s.name)}` : `when r < ${Math.round(cumulative * n)} then ${lit(s.name)}`;
  }).join(' ');
  await conn.run(`
    create table cust as
    with shuffled as (
      -- A seeded permutation: segment counts are exact, membership is random.
      select i, row_number() over (order by u('shuffle', i, 0, 0), i) - 1 as r from range(1, ${n + 1}) t(i)
    ), seg as (
      select i, case ${segmentCase} end as customer_segment from shuffled
    ), named as (
      select *,
        ${list(firstNames)}[1 + floor(u('fn', i, 0, 0) * ${firstNames.length})::int] as first_name,
        ${list(lastNames)}[1 + floor(u('ln', i, 0, 0) * ${lastNames.length})::int] as last_name,
        1 + floor(u('place', i, 0, 0) * ${places.length})::int as place,
        u('emp', i, 0, 0) as ue,
        u('card', i, 0, 0) as uc
      from seg
    )
    select
      i,
      'CUST' || lpad(i::varchar, 6, '0') as customer_id,
      first_name,
      last_name,
      lower(first_name || '.' || last_name || '.' || i::varchar || '@example.com') as email,
      (case customer_segment
        when 'High-Value Travelers' then 32 + floor(u('age', i, 0, 0) * 33)
        when 'Stable Mid-Spenders' then 26 + floor(u('age', i, 0, 0) * 40)
        when 'Budget-Conscious' then 19 + floor(u('age', i, 0, 0) * 56)
        when 'Declining' then 28 + floor(u('age', i, 0, 0) * 45)
        else 21 + floor(u('age', i, 0, 0) * 20) end)::int as age,
      ${list(places.map((p) => p[0]))}[place] as state,
      ${list(places.map((p) => p[1]))}[place] as city,
      case customer_segment
        when 'High-Value Travelers' then case when ue < 0.7 then 'Employed' else 'Self-Employed' end
        when 'Stable Mid-Spenders' then case when ue < 0.8 then 'Employed' when ue < 0.92 then 'Self-Employed' else 'Retired' end
        when 'Budget-Conscious' then case when ue < 0.3 then 'Student' when ue < 0.75 then 'Employed' when ue < 0.85 then 'Unemployed' else 'Retired' end
        when 'Declining' then case when ue < 0.6 then 'Employed' when ue < 0.85 then 'Unemployed' else 'Retired' end
        else case when ue < 0.65 then 'Employed' when ue < 0.9 then 'Student' else 'Self-Employed' end end as employment_status,
      case customer_segment
        when 'High-Value Travelers' then case when uc < 0.6 then 'Platinum' else 'Travel Rewards' end
        when 'Stable Mid-Spenders' then case when uc < 0.5 then 'Gold' when uc < 0.9 then 'Standard' else 'Platinum' end
        when 'Budget-Conscious' then case when uc < 0.85 then 'Standard' else 'Gold' end
        when 'Declining' then case when uc < 0.5 then 'Standard' when uc < 0.9 then 'Gold' else 'Platinum' end
        else case when uc < 0.7 then 'Standard' else 'Gold' end end as card_type,
      (500 * round(case customer_segment
        when 'High-Value Travelers' then 20000 + u('limit', i, 0, 0) * 30000
        when 'Stable Mid-Spenders' then 8000 + u('limit', i, 0, 0) * 12000
        when 'Budget-Conscious' then 1000 + u('limit', i, 0, 0) * 4000
        when 'Declining' then 5000 + u('limit', i, 0, 0) * 10000
        else 2000 + u('limit', i, 0, 0) * 6000 end / 500))::int as credit_limit,
      case when customer_segment = 'New & Growing'
        then date '${HISTORY_START}' + floor(u('open', i, 0, 0) * 300)::int
        else date '${HISTORY_START}' - (365 + floor(u('open', i, 0, 0) * 3285))::int end as account_open_date,
      customer_segment,
      case when customer_segment = 'Declining' then case when u('decline', i, 0, 0) < 0.6 then 'gradual' else 'sudden' end end as decline_type,
      -- Hidden behaviour, not exported:
      0.6 + 0.8 * u('activity', i, 0, 0) as activity,
      case when customer_segment = 'Declining' then 7 + floor(u('decline_month', i, 0, 0) * 8)::int end as decline_month,
      case when customer_segment in ('High-Value Travelers', 'Stable Mid-Spenders', 'Budget-Conscious') and u('churner', i, 0, 0) < 0.04
        then 5 + floor(u('churn_month', i, 0, 0) * 13)::int end as churn_month
    from named`);
}

/**
 * Creates `cm`: transactions per customer and month for months `[fromMonth, toMonth]`
 * (0 = the history's first month). The expected rate depends on the segment, the customer's
 * activity, seasonality, and for decliners and churners on when they stop.
 */
async function createCustomerMonths(conn: DuckDBConnection, fromMonth: number, toMonth: number): Promise<void> {
  await conn.run(`
    create or replace table cm as
    with months as (
      select m, (date '${HISTORY_START}' + to_months(m::int))::date as month_start,
             (date '${HISTORY_START}' + to_months(m::int + 1))::date as month_end
      from range(${fromMonth}, ${toMonth + 1}) t(m)
    ), base as (
      select c.i, c.customer_id, c.customer_segment, c.decline_type, c.account_open_date, m.m, m.month_start, m.month_end,
        greatest(m.month_start, c.account_open_date) as active_from,
        date_diff('month', date '${HISTORY_START}', greatest(date '${HISTORY_START}', c.account_open_date)) as first_month,
        case c.customer_segment
          when 'High-Value Travelers' then 30
          when 'Stable Mid-Spenders' then 16
          when 'Budget-Conscious' then 9.5
          when 'Declining' then 18
          else least(28, 6 + 2.2 * (m.m - date_diff('month', date '${HISTORY_START}', c.account_open_date))) end
        * c.activity * 0.975 -- calibrated: 50,000 customers make ~13.5M transactions
        * case month(m.month_start) when 12 then 1.25 when 11 then 1.1 when 1 then 0.9 when 2 then 0.9 else 1 end
        * case when c.customer_segment = 'High-Value Travelers' and month(m.month_start) in (6, 7, 8) then 1.15 else 1 end
        * case
            when c.decline_type = 'gradual' then greatest(0.03, 1 - greatest(0, m.m - 2) / 13.0)
            when c.decline_type = 'sudden' and m.m >= c.decline_month then 0.04
            when c.churn_month is not null and m.m >= c.churn_month then 0.03
            else 1 end
        * greatest(0, date_diff('day', greatest(m.month_start, c.account_open_date), m.month_end))
          / date_diff('day', m.month_start, m.month_end) as rate
      from cust c cross join months m
    )
    , counted as (
      select i, customer_id, customer_segment, m, active_from, month_end,
        case when m = first_month then greatest(1, round(rate + sqrt(rate) * z('n', i, m, 0))) else greatest(0, round(rate + sqrt(rate) * z('n', i, m, 0))) end::bigint as n
      from base
      where rate > 0
    )
    -- Ids run month by month, then customer by customer: no sort of the transactions needed.
    select *, 1 + coalesce(sum(n) over (order by m, i rows between unbounded preceding and 1 preceding), 0) as first_id
    from counted`);
}

/** Creates `lookup`: (segment, percent bucket, merchant slot) → category, merchant and base amount. */
async function createLookup(conn: DuckDBConnection): Promise<void> {
  const rows: string[] = [];
  for (const [segment, weights] of Object.entries(CATEGORY_WEIGHTS)) {
    let bucket = 0;
    weights.forEach((w, ci) => {
      const cat = MERCHANT_CATEGORIES[ci]!;
      for (let b = 0; b < w; b++, bucket++) {
        cat.merchants.forEach((merchant, slot) => rows.push(`(${lit(segment)}, ${bucket}, ${slot}, ${lit(cat.name)}, ${lit(merchant)}, ${cat.baseAmount})`));
      }
    });
    if (bucket !== 100) throw new RangeError(`category weights of ${segment} sum to ${bucket}, not 100`);
  }
  await conn.run(`create or replace table lookup (segment varchar, bucket int, slot int, merchant_category varchar, merchant_name varchar, base_amount double)`);
  await conn.run(`insert into lookup values ${rows.join(', ')}`);
}

/**
 * The SELECT producing transactions for the customer-months in `cm` of months `months`
 * (newer than `after` when given). Columns are the seed's eight; ids come from `cm.first_id`.
 */
function transactionsSelect(seed: number, months: readonly number[], after?: string): string {
  // Two 64-bit hashes per transaction, cut into bit fields, give the eight draws it needs:
  // hash() is the generator's main cost, and one call per draw would triple it.
  const bits = (h: string, shift: number, width: number) => `(((${h} >> ${shift}) & ${2 ** width - 1}) / ${2 ** width}.0)`;
  return `
    with d as (
      select cm.i, cm.customer_id, cm.customer_segment, cm.active_from, cm.month_end, cm.first_id + k as transaction_id,
        hash(cm.i, cm.m, k, ${seed}, 1) as h1, hash(cm.i, cm.m, k, ${seed}, 2) as h2
      from cm, unnest(range(cm.n)) as r(k)
      where cm.m in (${months.join(', ')})
    ), t as (
      select i, customer_id, customer_segment, transaction_id,
        active_from::timestamp + to_seconds(floor(${bits('h1', 0, 24)} * date_diff('second', active_from::timestamp, month_end::timestamp))::bigint) as transaction_date,
        floor(${bits('h1', 24, 16)} * 100)::int as bucket,
        floor(${bits('h1', 40, 16)} * 4)::int as slot,
        sqrt(-2 * ln(1 - ${bits('h2', 0, 20)})) * cos(2 * pi() * ${bits('h2', 20, 20)}) as z_amount,
        ${bits('h2', 40, 12)} as u_channel,
        ${bits('h2', 52, 12)} as u_status
      from d
    )
    select
      t.transaction_id,
      t.customer_id,
      t.transaction_date,
      least(9999.99, greatest(1.00, round(l.base_amount
        * case t.customer_segment when 'High-Value Travelers' then 1.6 when 'Budget-Conscious' then 0.6 when 'Declining' then 0.9 when 'New & Growing' then 0.8 else 1.0 end
        * exp(0.55 * t.z_amount - 0.15), 2)))::decimal(10, 2) as transaction_amount,
      l.merchant_name,
      l.merchant_category,
      case
        when l.merchant_category = 'Online Shopping' then 'Online'
        when t.u_channel < case t.customer_segment when 'High-Value Travelers' then 0.35 when 'New & Growing' then 0.30 when 'Budget-Conscious' then 0.20 else 0.25 end then 'Online'
        when t.u_channel < case t.customer_segment when 'High-Value Travelers' then 0.60 when 'New & Growing' then 0.75 when 'Budget-Conscious' then 0.35 else 0.45 end then 'Mobile'
        else 'In-Store' end as channel,
      case when t.u_status < case t.customer_segment when 'High-Value Travelers' then 0.012 when 'Stable Mid-Spenders' then 0.022 when 'Budget-Conscious' then 0.04 when 'Declining' then 0.06 else 0.03 end
        then 'declined' else 'approved' end as status
    from t join lookup l on l.segment = t.customer_segment and l.bucket = t.bucket and l.slot = t.slot
    ${after === undefined ? '' : `where t.transaction_date > ${lit(after)}::timestamp`}`;
}

/** `transactions_2024_01.parquet` for month index `m`. */
function monthFile(m: number): string {
  const d = new Date(Date.UTC(2024, m, 1));
  return `transactions_${d.getUTCFullYear()}_${String(d.getUTCMonth() + 1).padStart(2, '0')}.parquet`;
}

/**
 * Generates the full data set into `dataDir`: `customers/customers.csv` (the seed's customer
 * columns plus `updated_at`), one Parquet file of transactions per month under
 * `transactions/`, and `manifest.json`. Deterministic for a given seed and customer count.
 *
 * @example
 * ```ts
 * const r = await generateData({ dataDir: 'data', customers: 50_000 });
 * console.log(r.transactions); // ~13.5M
 * ```
 */
export async function generateData(options: GenerateOptions): Promise<GenerateResult> {
  const started = Date.now();
  const n = options.customers ?? SCALES.small!;
  const seed = options.seed ?? DEFAULT_SEED;
  if (!Number.isInteger(n) || n < 10) throw new RangeError(`customers must be an integer >= 10, got ${n}`);
  const { dataDir } = options;
  await rm(dataDir, { recursive: true, force: true });
  await mkdir(join(dataDir, 'customers'), { recursive: true });
  await mkdir(join(dataDir, 'transactions'), { recursive: true });
  const { conn, close } = await openGenerator(seed, options.threads);
  try {
    await createCustomers(conn, n);
    await createCustomerMonths(conn, 0, HISTORY_MONTHS - 1);
    await createLookup(conn);
    // The base snapshot's updated_at is when each record was created (the account opening),
    // so the SCD2 dimension's first version covers every historical transaction.
    await conn.run(`copy (
      select customer_id, first_name, last_name, email, age, state, city, employment_status, card_type, credit_limit,
             account_open_date, customer_segment, decline_type, account_open_date::timestamp as updated_at
      from cust order by i) to ${lit(join(dataDir, 'customers', 'customers.csv'))} (format csv, header true)`);
    const counts = new Map<number, number>();
    for (const row of (await conn.runAndReadAll('select m, sum(n)::bigint as n from cm group by m')).getRowObjectsJS()) counts.set(Number(row.m), Number(row.n));
    const files = ['customers/customers.csv'];
    let nextId = 1;
    for (let m = 0; m < HISTORY_MONTHS; m++) {
      const file = join('transactions', monthFile(m));
      await conn.run(`copy (${transactionsSelect(seed, [m])}) to ${lit(join(dataDir, file))} (format parquet, compression zstd, row_group_size 122880)`);
      nextId += counts.get(m) ?? 0;
      files.push(file);
    }
    const manifest: DataManifest = {
      generator: 'customer-360',
      version: GENERATOR_VERSION,
      customers: n,
      seed,
      historyStart: HISTORY_START,
      historyMonths: HISTORY_MONTHS,
      transactions: nextId - 1,
      appends: [],
      customerUpdates: [],
    };
    await writeFile(join(dataDir, MANIFEST), `${JSON.stringify(manifest, null, 2)}\n`);
    return { customers: n, transactions: nextId - 1, files, durationMs: Date.now() - started };
  } finally {
    close();
  }
}

/** What {@link appendTransactions} wrote. */
export interface AppendResult {
  /** The new file, relative to the data directory. */
  file: string;
  /** Transactions in it. */
  rows: number;
  /** First and last transaction time in it (ISO). */
  from: string;
  to: string;
}

/**
 * Appends a batch of new transactions, `percent` of those already generated, dated right
 * after the newest one (the next days of the stream). Each call writes a new file
 * `transactions/transactions_append_NNN.parquet` and continues the transaction ids.
 */
export async function appendTransactions(options: { dataDir: string; percent: number; threads?: number }): Promise<AppendResult> {
  const manifest = await readManifest(options.dataDir);
  if (!manifest) throw noData(options.dataDir);
  if (!(options.percent > 0)) throw new RangeError(`percent must be > 0, got ${options.percent}`);
  const existing = manifest.transactions + manifest.appends.reduce((s, a) => s + a.rows, 0);
  const rows = Math.max(1, Math.round((existing * options.percent) / 100));
  const after = manifest.appends.at(-1)?.to ?? `${monthEnd(manifest.historyMonths - 1)}`;
  const { conn, close } = await openGenerator(manifest.seed, options.threads);
  try {
    await createCustomers(conn, manifest.customers);
    await createLookup(conn);
    const file = join('transactions', `transactions_append_${String(manifest.appends.length + 1).padStart(3, '0')}.parquet`);
    // The stream simply continues: the same behaviour model generates the months after the
    // newest transaction, and the earliest `rows` transactions after it are kept.
    const first = monthIndex(after);
    let count = 0;
    for (let last = first; count < rows && last < first + 24; last++) {
      await createCustomerMonths(conn, first, last);
      const months = Array.from({ length: last - first + 1 }, (_, k) => first + k);
      await conn.run(`create or replace table batch as
        select ${existing} + row_number() over (order by transaction_date, transaction_id) as transaction_id, * exclude (transaction_id)
        from (${transactionsSelect(manifest.seed, months, after)}) order by transaction_date, transaction_id limit ${rows}`);
      count = Number((await conn.runAndReadAll('select count(*)::bigint as n from batch')).getRowObjectsJS()[0]!.n);
    }
    const [range] = (await conn.runAndReadAll(`select count(*)::bigint as n, strftime(min(transaction_date), '%Y-%m-%d %H:%M:%S') as f, strftime(max(transaction_date), '%Y-%m-%d %H:%M:%S') as t from batch`)).getRowObjectsJS();
    await conn.run(`copy (select * from batch order by transaction_id) to ${lit(join(options.dataDir, file))} (format parquet, compression zstd)`);
    const result: AppendResult = { file, rows: Number(range!.n), from: String(range!.f), to: String(range!.t) };
    manifest.appends.push(result);
    await writeFile(join(options.dataDir, MANIFEST), `${JSON.stringify(manifest, null, 2)}\n`);
    return result;
  } finally {
    close();
  }
}

/**
 * Writes a change extract for `fraction` of the customers (credit limit raises, card
 * upgrades, moves, job changes) with `updated_at` = `updatedAt`, as
 * `customers/customers_updates_NNN.csv`: what feeds new versions of the SCD2 dimension.
 */
export async function writeCustomerUpdates(options: { dataDir: string; fraction: number; updatedAt: string }): Promise<{ file: string; rows: number }> {
  const manifest = await readManifest(options.dataDir);
  if (!manifest) throw noData(options.dataDir);
  const batch = manifest.customerUpdates.length + 1;
  const { conn, close } = await openGenerator(manifest.seed, 1);
  try {
    await createCustomers(conn, manifest.customers);
    // Apply earlier extracts first so a second change builds on the first.
    for (const earlier of manifest.customerUpdates) {
      await conn.run(`update cust set state = e.state, city = e.city, employment_status = e.employment_status, card_type = e.card_type, credit_limit = e.credit_limit::int
        from read_csv(${lit(join(options.dataDir, earlier.file))}, all_varchar = true) e where e.customer_id = cust.customer_id`);
    }
    const file = join('customers', `customers_updates_${String(batch).padStart(3, '0')}.csv`);
    await conn.run(`copy (
      select customer_id, first_name, last_name, email, age,
        case when kind = 2 then 'NV' else state end as state,
        case when kind = 2 then 'Las Vegas' else city end as city,
        case when kind = 3 then case when employment_status = 'Employed' then 'Self-Employed' else 'Employed' end else employment_status end as employment_status,
        case when kind = 1 then case card_type when 'Standard' then 'Gold' when 'Gold' then 'Platinum' else card_type end else card_type end as card_type,
        case when kind = 0 then (500 * round(credit_limit * 1.2 / 500))::int else credit_limit end as credit_limit,
        account_open_date, customer_segment, decline_type, ${lit(options.updatedAt)}::timestamp as updated_at
      from (select *, floor(u('update_kind', i, ${batch}, 0) * 4)::int as kind from cust where u('update', i, ${batch}, 0) < ${Number(options.fraction)})
      order by i) to ${lit(join(options.dataDir, file))} (format csv, header true)`);
    const rows = Number((await conn.runAndReadAll(`select count(*)::bigint as n from read_csv(${lit(join(options.dataDir, file))})`)).getRowObjectsJS()[0]!.n);
    manifest.customerUpdates.push({ file, rows, updatedAt: options.updatedAt });
    await writeFile(join(options.dataDir, MANIFEST), `${JSON.stringify(manifest, null, 2)}\n`);
    return { file, rows };
  } finally {
    close();
  }
}

/** `YYYY-MM-01 00:00:00` of the month after month index `m`. */
function monthEnd(m: number): string {
  const d = new Date(Date.UTC(2024, m + 1, 1));
  return `${d.toISOString().slice(0, 10)} 00:00:00`;
}

/** Month index (0 = first history month) of a `YYYY-MM-DD ...` time. */
function monthIndex(time: string): number {
  const [y, mo] = time.split('-').map(Number);
  const [y0, m0] = HISTORY_START.split('-').map(Number);
  return (y! - y0!) * 12 + (mo! - m0!);
}
