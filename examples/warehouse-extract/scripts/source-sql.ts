/**
 * SQL shared by the source generator and the mutator: the operational schema and the macros
 * that derive every fake value from `hash(x, salt, seed)`, so the same seed always gives the
 * same database.
 */
import type { openDatabase } from '@assay/duckdb';
import { US_STATE_REGIONS } from '../assets/us-states.js';

/** A connection to the source database being written. */
export type SourceWriter = Awaited<ReturnType<Awaited<ReturnType<typeof openDatabase>>['connect']>>;

/** The "now" of a freshly generated source: every timestamp is before it. Mutation round r happens on day r after it. */
export const REFERENCE_TIME = '2025-06-30 00:00:00';

const FIRST = ['James', 'Mary', 'Robert', 'Patricia', 'John', 'Jennifer', 'Michael', 'Linda', 'David', 'Elizabeth', 'William', 'Barbara', 'Richard', 'Susan', 'Joseph', 'Jessica', 'Thomas', 'Sarah', 'Carlos', 'Karen', 'Wei', 'Aisha', 'Hiroshi', 'Fatima', 'Lucas', 'Sofia', 'Mateo', 'Olivia', 'Noah', 'Emma'];
const LAST = ['Smith', 'Johnson', 'Williams', 'Brown', 'Jones', 'Garcia', 'Miller', 'Davis', 'Rodriguez', 'Martinez', 'Hernandez', 'Lopez', 'Gonzalez', 'Wilson', 'Anderson', 'Thomas', 'Taylor', 'Moore', 'Jackson', 'Martin', 'Lee', 'Perez', 'Thompson', 'White', 'Harris', 'Sanchez', 'Clark', 'Nguyen', 'Kim', 'Patel'];
const DOMAINS = ['gmail.com', 'yahoo.com', 'outlook.com', 'example.com', 'icloud.com'];
const STREETS = ['Main', 'Oak', 'Maple', 'Cedar', 'Pine', 'Elm', 'Washington', 'Lake', 'Hill', 'Park', 'Sunset', 'River'];
const SUFFIXES = ['St', 'Ave', 'Blvd', 'Rd', 'Ln', 'Dr'];
const CITIES = ['Springfield', 'Riverside', 'Franklin', 'Greenville', 'Bristol', 'Clinton', 'Fairview', 'Salem', 'Madison', 'Georgetown', 'Arlington', 'Ashland'];
/** Product categories of the shop. */
export const CATEGORIES = ['Electronics', 'Home & Kitchen', 'Apparel', 'Sports & Outdoors', 'Books', 'Beauty', 'Toys', 'Grocery'];

// Area code, exchange and line number of a fake phone number.
const A = `(200 + floor(u(x, salt || 'a') * 800))::int::varchar`;
const B = `(200 + floor(u(x, salt || 'b') * 800))::int::varchar`;
const C = `lpad(floor(u(x, salt || 'c') * 10000)::int::varchar, 4, '0')`;

function list(values: readonly string[]): string {
  return `[${values.map((v) => `'${v.replace(/'/g, "''")}'`).join(', ')}]`;
}

/** The operational tables (what an application database would have). */
export const SCHEMA_SQL = `
  create table customers (
    customer_id varchar primary key, first_name varchar, last_name varchar, email varchar, phone varchar,
    address varchar, city varchar, state varchar, zip_code varchar, account_status varchar,
    created_at timestamp not null, updated_at timestamp
  );
  create table products (
    product_id varchar primary key, product_name varchar, category varchar, unit_price decimal(10, 2), updated_at timestamp
  );
  create table orders (
    order_id varchar primary key, customer_id varchar, order_date timestamp, status varchar,
    total_amount decimal(10, 2), updated_at timestamp
  );
  create table order_items (
    order_item_id varchar primary key, order_id varchar, product_id varchar, quantity integer,
    unit_price decimal(10, 2), updated_at timestamp
  );
  create table _generator (seed integer, scale double, round integer);`;

/**
 * Defines the value macros for a seed. Every macro takes a row discriminator `x` and a salt;
 * mutation rounds add the round number to the salt so each round draws new values.
 */
export async function defineMacros(conn: SourceWriter, seed: number): Promise<void> {
  const macros = [
    `create or replace temp macro u(x, salt) as (hash(x, salt, ${seed}) % 1000000)::double / 1000000.0`,
    `create or replace temp macro pick(l, x, salt) as l[1 + floor(u(x, salt) * len(l))::int]`,
    `create or replace temp macro fake_first(x, salt) as pick(${list(FIRST)}, x, salt || 'first')`,
    // 2% of the people have no last name on file.
    `create or replace temp macro fake_last(x, salt) as case when u(x, salt || 'nolast') < 0.02 then null else pick(${list(LAST)}, x, salt || 'last') end`,
    // Emails as typed by people: mixed case, stray spaces; 3% are not deliverable at all.
    `create or replace temp macro fake_email(first, last, n, x, salt) as case
       when u(x, salt || 'bad') < 0.03 then pick(['', 'no-email', lower(first) || '@', lower(first) || '.' || n || '.example.com', lower(first) || ' ' || n || '@example.com'], x, salt || 'badkind')
       else (case when u(x, salt || 'ws') < 0.08 then ' ' else '' end)
         || (case when u(x, salt || 'case') < 0.2 then first || '.' || coalesce(last, 'x') else lower(first) || '.' || lower(coalesce(last, 'x')) end)
         || n || '@' || pick(${list(DOMAINS)}, x, salt || 'domain')
     end`,
    // Five phone formats; 5% unusable (missing or too short).
    `create or replace temp macro fake_phone(x, salt) as case
       when u(x, salt || 'bad') < 0.05 then pick(['', ${A} || '-' || ${C}], x, salt || 'badkind')
       else pick(['(' || ${A} || ') ' || ${B} || '-' || ${C}, ${A} || '-' || ${B} || '-' || ${C}, ${A} || '.' || ${B} || '.' || ${C},
                  '+1 ' || ${A} || ' ' || ${B} || ' ' || ${C}, ${A} || ${B} || ${C}], x, salt || 'fmt')
     end`,
    `create or replace temp macro fake_address(x, salt) as case when u(x, salt || 'noaddr') < 0.03 then ''
       else (1 + floor(u(x, salt || 'no') * 9899))::int || ' ' || pick(${list(STREETS)}, x, salt || 'street') || ' ' || pick(${list(SUFFIXES)}, x, salt || 'suffix') end`,
    `create or replace temp macro fake_city(x, salt) as pick(${list(CITIES)}, x, salt || 'city')`,
    // Codes, sometimes lower case; 2% are not US states.
    `create or replace temp macro fake_state(x, salt) as case
       when u(x, salt || 'bad') < 0.02 then pick(['XX', '', 'N/A'], x, salt || 'badkind')
       when u(x, salt || 'lower') < 0.1 then lower(pick(${list(Object.keys(US_STATE_REGIONS))}, x, salt || 'state'))
       else pick(${list(Object.keys(US_STATE_REGIONS))}, x, salt || 'state') end`,
    // ZIP or ZIP+4; 3% malformed.
    `create or replace temp macro fake_zip(x, salt) as case
       when u(x, salt || 'bad') < 0.03 then pick(['ABCDE', '123', ''], x, salt || 'badkind')
       when u(x, salt || 'plus4') < 0.15 then lpad(floor(u(x, salt || 'zip') * 99999)::int::varchar, 5, '0') || '-' || lpad(floor(u(x, salt || 'p4') * 9999)::int::varchar, 4, '0')
       else lpad(floor(u(x, salt || 'zip') * 99999)::int::varchar, 5, '0') end`,
    `create or replace temp macro customer_id(n) as 'CUST-' || lpad(n::varchar, 6, '0')`,
    `create or replace temp macro order_id(n) as 'ORD-' || lpad(n::varchar, 8, '0')`,
    `create or replace temp macro order_item_id(n) as 'ITEM-' || lpad(n::varchar, 9, '0')`,
    `create or replace temp macro product_id(n) as 'PROD-' || lpad(n::varchar, 4, '0')`,
  ];
  for (const m of macros) await conn.run(m);
}

/**
 * Inserts `count` new customers numbered from `firstNumber`, created at `created` plus up to
 * `spreadSeconds`, drawing values with `salt`.
 */
export function insertCustomersSql(firstNumber: number, count: number, salt: string, created: string, spreadSeconds: string, updated: string): string {
  return `
    insert into customers
    select customer_id(n), first_name, last_name, fake_email(first_name, last_name, n, n, '${salt}email'),
      fake_phone(n, '${salt}phone'), fake_address(n, '${salt}addr'), fake_city(n, '${salt}'), fake_state(n, '${salt}'), fake_zip(n, '${salt}'),
      case when u(n, '${salt}closed') < 0.08 then 'closed' else 'active' end,
      created_at, ${updated}
    from (
      select n, fake_first(n, '${salt}') as first_name, fake_last(n, '${salt}') as last_name,
        ${created} + to_seconds(floor(u(n, '${salt}created') * (${spreadSeconds}))::bigint) as created_at
      from range(${firstNumber}, ${firstNumber + count}) t(n)
    )`;
}

/**
 * Inserts `count` orders numbered from `firstNumber` with 1–3 lines each; `orderDate` is a
 * SQL expression over `n` and the chosen customer's `created_at`.
 */
export async function insertOrders(conn: SourceWriter, firstNumber: number, count: number, salt: string, orderDate: string, status: string, updated: string): Promise<void> {
  await conn.run(`
    create or replace temp table new_orders as
    with numbered as (select row_number() over (order by customer_id) - 1 as ci, customer_id, created_at from customers),
    picked as (
      select n, floor(pow(u(n, '${salt}cust'), 1.5) * (select count(*) from customers))::int as ci from range(${firstNumber}, ${firstNumber + count}) t(n)
    )
    select p.n, order_id(p.n) as order_id, c.customer_id, ${orderDate} as order_date, 1 + floor(u(p.n, '${salt}lines') * 3)::int as lines
    from picked p join numbered c on c.ci = p.ci`);
  const [{ first } = { first: 1 }] = (await conn.runAndReadAll(`select coalesce(max(cast(substr(order_item_id, 6) as integer)), 0) + 1 as first from order_items`)).getRowObjectsJS() as { first: number }[];
  await conn.run(`
    create or replace temp table new_items as
    with products_n as (select row_number() over (order by product_id) - 1 as pi, product_id, unit_price from products)
    select order_item_id(${Number(first)} + row_number() over (order by ol.n, ol.l) - 1) as order_item_id, ol.order_id, p.product_id,
      1 + floor(u(ol.n * 4 + ol.l, '${salt}qty') * 3)::int as quantity, p.unit_price, ol.order_date as updated_at
    from (select o.*, r.l from new_orders o, range(o.lines) r(l)) ol
    join products_n p on p.pi = floor(u(ol.n * 4 + ol.l, '${salt}product') * (select count(*) from products))::int`);
  await conn.run(`insert into order_items select * from new_items`);
  await conn.run(`
    insert into orders
    select o.order_id, o.customer_id, o.order_date, ${status}, t.total, ${updated}
    from new_orders o join (select order_id, sum(quantity * unit_price)::decimal(10, 2) as total from new_items group by order_id) t using (order_id)`);
}
