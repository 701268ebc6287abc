/**
 * Moves the operational database one day forward, as the application would: customers edit
 * their contact data (some typing an invalid email, some fixing one), new customers sign up,
 * orders progress (pending → shipped → delivered, a few returns) and new orders come in.
 * Every change stamps `updated_at` inside that day, after everything before it.
 *
 * Round r (1, 2, ...) is deterministic for the database's seed: the same generate + mutate
 * sequence always yields the same database.
 *
 * Usage: `node --import tsx scripts/mutate.ts`
 */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ConfigError } from '@assay/core';
import { closeDatabase, openDatabase } from '@assay/duckdb';
import { extractConfig } from '../assets/extract-config.js';
import { defineMacros, insertCustomersSql, insertOrders, REFERENCE_TIME } from './source-sql.js';

/** What a mutation round changed, per table. */
export interface MutationSummary {
  round: number;
  /** The day the changes happened: [start, start + 1 day). */
  day: string;
  customers: { inserted: number; updated: number };
  products: { inserted: number; updated: number };
  orders: { inserted: number; updated: number };
  order_items: { inserted: number; updated: number };
}

/**
 * Applies the next mutation round to `<projectDir>/data/source/operational.duckdb`.
 *
 * @example
 * ```ts
 * const summary = await mutateSource({ projectDir: '.' });   // { round: 1, customers: { inserted: 100, updated: 230 }, ... }
 * ```
 */
export async function mutateSource(options: { projectDir: string }): Promise<MutationSummary> {
  const path = resolve(options.projectDir, extractConfig.source.path);
  if (!existsSync(path)) throw new ConfigError(`${extractConfig.source.path} does not exist`, { hint: 'Run `npm run generate` first.' });
  const instance = await openDatabase(path);
  const conn = await instance.connect();
  const one = async (sql: string) => (await conn.runAndReadAll(sql)).getRowObjectsJS()[0] as Record<string, unknown>;
  try {
    const meta = await one('select seed, scale, round from _generator');
    const seed = Number(meta.seed);
    const scale = Number(meta.scale);
    const round = Number(meta.round) + 1;
    await defineMacros(conn, seed);
    const s = `m${round}`;
    const start = `(timestamp '${REFERENCE_TIME}' + to_days(${round - 1}))`;
    // A moment inside the round's day, drawn per row.
    const at = (x: string, salt: string) => `${start} + to_seconds(floor(u(${x}, '${s}${salt}') * 86399)::bigint)`;

    await conn.run('begin transaction');
    const valid = `regexp_full_match(lower(trim(email)), '[a-z0-9._%+-]+@[a-z0-9.-]+\\.[a-z]{2,}')`;
    // 10% of customers edit their profile; half of those with an undeliverable email fix it.
    await conn.run(`
      create or replace temp table changed_customers as
      select customer_id, hash(customer_id) as x, first_name, last_name, cast(substr(customer_id, 6) as integer) as n,
        not coalesce(${valid}, false) as had_bad_email
      from customers
      where u(hash(customer_id), '${s}edit') < 0.10 or (not coalesce(${valid}, false) and u(hash(customer_id), '${s}fix') < 0.5)`);
    await conn.run(`
      update customers c set
        email = case when not ch.had_bad_email and u(ch.x, '${s}typo') < 0.1 then lower(ch.first_name) || '@'
                     else lower(ch.first_name) || '.' || lower(coalesce(ch.last_name, 'x')) || ch.n || '@' || pick(['proton.me', 'fastmail.com', 'gmail.com'], ch.x, '${s}domain') end,
        phone = case when u(ch.x, '${s}newphone') < 0.5 then fake_phone(ch.x, '${s}phone') else c.phone end,
        address = case when u(ch.x, '${s}moved') < 0.3 then fake_address(ch.x, '${s}addr') else c.address end,
        account_status = case when u(ch.x, '${s}close') < 0.03 then 'closed' else c.account_status end,
        updated_at = greatest(${at('ch.x', 'at')}, c.created_at)
      from changed_customers ch where ch.customer_id = c.customer_id`);
    const updatedCustomers = Number((await one('select count(*)::integer as n from changed_customers')).n);

    const base = Number((await one('select count(*)::integer as n from customers')).n);
    const newCustomers = Math.max(1, Math.round(2000 * scale * 0.05));
    await conn.run(insertCustomersSql(base + 1, newCustomers, s, start, '86399', 'created_at'));

    // Orders move along; a few delivered ones come back.
    await conn.run(`
      create or replace temp table changed_orders as
      select order_id, hash(order_id) as x,
        case when status = 'pending' then 'shipped' when status = 'shipped' then 'delivered' else 'returned' end as next_status
      from orders
      where (status in ('pending', 'shipped') and u(hash(order_id), '${s}progress') < 0.6)
         or (status = 'delivered' and u(hash(order_id), '${s}return') < 0.02)`);
    await conn.run(`
      update orders o set status = ch.next_status, updated_at = greatest(${at('ch.x', 'oat')}, o.order_date)
      from changed_orders ch where ch.order_id = o.order_id`);
    const updatedOrders = Number((await one('select count(*)::integer as n from changed_orders')).n);

    const itemsBefore = Number((await one('select count(*)::integer as n from order_items')).n);
    const ordersBefore = Number((await one('select count(*)::integer as n from orders')).n);
    const newOrders = Math.max(1, Math.round(8000 * scale * 0.08));
    await insertOrders(conn, ordersBefore + 1, newOrders, s, `greatest(${at('p.n', 'odate')}, c.created_at)`, `'pending'`, 'o.order_date');
    const newItems = Number((await one('select count(*)::integer as n from order_items')).n) - itemsBefore;

    await conn.run(`update _generator set round = ${round}`);
    await conn.run('commit');
    await conn.run('checkpoint');
    const day = String((await one(`select strftime(${start}, '%Y-%m-%d') as d`)).d);
    return {
      round,
      day,
      customers: { inserted: newCustomers, updated: updatedCustomers },
      products: { inserted: 0, updated: 0 },
      orders: { inserted: newOrders, updated: updatedOrders },
      order_items: { inserted: newItems, updated: 0 },
    };
  } catch (error) {
    await conn.run('rollback').catch(() => undefined);
    throw error;
  } finally {
    conn.closeSync();
    closeDatabase(instance);
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const projectDir = join(dirname(fileURLToPath(import.meta.url)), '..');
  try {
    const summary = await mutateSource({ projectDir });
    console.log(`mutation round ${summary.round} (${summary.day}): ${JSON.stringify({ customers: summary.customers, orders: summary.orders, order_items: summary.order_items })}`);
  } catch (error) {
    console.error(`mutate: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  }
}
