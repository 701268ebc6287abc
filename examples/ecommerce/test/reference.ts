/**
 * An independent model of what the pipeline should produce, computed in plain TypeScript
 * from the raw CSV files: no DuckDB, no SQL from the assets. Money is kept in integer cents
 * so totals compare exactly.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CATEGORY_SPELLINGS, REGION_SPELLINGS, SEGMENT_SPELLINGS, STATUS_SPELLINGS } from '../scripts/generate.js';

type Raw = Record<string, string>;

/** Parses RFC 4180 CSV (quoted fields, doubled quotes) into records keyed by the header. */
export function parseCsv(text: string): Raw[] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') { field += '"'; i++; }
      else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') { row.push(field); field = ''; }
    else if (ch === '\n') { row.push(field.replace(/\r$/, '')); rows.push(row); row = []; field = ''; }
    else field += ch;
  }
  if (field !== '' || row.length > 0) { row.push(field); rows.push(row); }
  const [header, ...body] = rows;
  return body.map((r) => Object.fromEntries(header!.map((h, i) => [h, r[i] ?? ''])));
}

/** Every record of every CSV export of a table, files in name order (later files load later). */
export function readTable(dataDir: string, table: string): Raw[] {
  const dir = join(dataDir, 'raw', table);
  return readdirSync(dir).filter((f) => f.endsWith('.csv')).sort().flatMap((f) => parseCsv(readFileSync(join(dir, f), 'utf8')));
}

function inverse(map: Record<string, string[]>): Map<string, string> {
  return new Map(Object.entries(map).flatMap(([canonical, spellings]) => spellings.map((s) => [s, canonical] as const)));
}
const segmentOf = inverse(SEGMENT_SPELLINGS);
const regionOf = inverse(REGION_SPELLINGS);
const categoryOf = inverse(CATEGORY_SPELLINGS);
const statusOf = inverse(STATUS_SPELLINGS);

/** Latest record per normalized id (later `updated_at` wins; on a tie, the later file). */
function latest(rows: Raw[], idColumn: string): Map<string, Raw> {
  const out = new Map<string, Raw>();
  for (const r of rows) {
    const id = r[idColumn]!.trim().toUpperCase();
    if (id === '') continue;
    const prev = out.get(id);
    if (!prev || r.updated_at! >= prev.updated_at!) out.set(id, r);
  }
  return out;
}

/** '$19.99', ' 19.9 ' → 1999, 1990; anything else → undefined. */
function cents(text: string): number | undefined {
  const t = text.trim().replace('$', '');
  if (!/^-?\d+(\.\d{1,2})?$/.test(t)) return undefined;
  const [whole, frac = ''] = t.replace('-', '').split('.');
  const value = Number(whole) * 100 + Number(frac.padEnd(2, '0'));
  return t.startsWith('-') ? -value : value;
}

/** '10%' → 1000, '0.15' → 1500, '' → 0 (basis points). */
function basisPoints(text: string): number {
  const t = text.trim();
  if (t === '') return 0;
  if (t.endsWith('%')) return Math.round(Number(t.slice(0, -1)) * 100);
  return Math.round(Number(t) * 10_000);
}

/** The three date formats of the order export → 'YYYY-MM-DD'. */
function orderDay(text: string): string | undefined {
  const t = text.trim();
  let m = /^(\d{4})-(\d{2})-(\d{2})[ T]\d{2}:\d{2}:\d{2}Z?$/.exec(t);
  if (m) return `${m[1]}-${m[2]}-${m[3]}`;
  m = /^(\d{2})\/(\d{2})\/(\d{4}) \d{2}:\d{2}:\d{2}$/.exec(t);
  if (m) return `${m[3]}-${m[1]}-${m[2]}`;
  return undefined;
}

function addDays(day: string, n: number): string {
  const d = new Date(`${day}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
}

/** Rounds a positive rational num/den to the nearest integer, halves away from zero. */
function roundDiv(num: number, den: number): number {
  return Math.floor((2 * num + den) / (2 * den));
}

/** A customer as staging should keep it. */
export interface Customer { id: string; email: string; segment: string; region: string }
/** A product as staging should keep it. */
export interface Product { id: string; category: string; priceCents: number }
/** An order as staging should keep it. */
export interface Order { id: string; customerId: string; day: string; status: string; region: string; totalCents: number }
/** An order line as staging should keep it. */
export interface Item { id: string; orderId: string; productId: string; quantity: number; discountBp: number; lineCents: number }
/** A `mart_revenue` row, in cents. */
export interface RevenueRow { orders: number; customers: Set<string>; cents: number; cumulativeCents: number; priorWeekCents: number | undefined }
/** Sold lines of one product. */
export interface ProductSales { orders: Set<string>; units: number; cents: number; minBp: number; maxBp: number }

/** What the staging views and marts should contain, derived from the raw files. */
export interface Reference {
  raw: { customers: number; products: number; orders: number; orderItems: number };
  customers: Map<string, Customer>;
  products: Map<string, Product>;
  orders: Map<string, Order>;
  items: Map<string, Item>;
  /** Orders whose total differs from the sum of their valid lines. */
  mismatchedOrders: number;
  /** `day|region|status|segment` → the mart_revenue row. */
  revenue: Map<string, RevenueRow>;
  /** Sold (not cancelled or returned) lines per product. */
  productSales: Map<string, ProductSales>;
}

/** Builds the reference from `<dataDir>/raw/<table>/*.csv`. */
export function buildReference(dataDir: string): Reference {
  const rawCustomers = readTable(dataDir, 'customers');
  const rawProducts = readTable(dataDir, 'products');
  const rawOrders = readTable(dataDir, 'orders');
  const rawItems = readTable(dataDir, 'order_items');

  const customers = new Map<string, Customer>();
  for (const [id, r] of latest(rawCustomers, 'customer_id')) {
    const email = r.email!.trim().toLowerCase();
    if (!/^[a-z0-9._%+-]+@[a-z0-9.-]+\.[a-z]{2,}$/.test(email)) continue;
    customers.set(id, { id, email, segment: segmentOf.get(r.customer_segment!)!, region: regionOf.get(r.region!)! });
  }
  const products = new Map<string, Product>();
  for (const [id, r] of latest(rawProducts, 'product_id')) {
    const price = cents(r.list_price!);
    if (price === undefined || price <= 0) continue;
    products.set(id, { id, category: categoryOf.get(r.category!)!, priceCents: price });
  }
  const orders = new Map<string, Order>();
  for (const [id, r] of latest(rawOrders, 'order_id')) {
    const total = cents(r.order_total!);
    const day = orderDay(r.order_date!);
    const customerId = r.customer_id!.trim().toUpperCase();
    if (total === undefined || total <= 0 || day === undefined || !customers.has(customerId)) continue;
    orders.set(id, { id, customerId, day, status: statusOf.get(r.status!)!, region: regionOf.get(r.region!)!, totalCents: total });
  }
  const items = new Map<string, Item>();
  for (const [id, r] of latest(rawItems, 'order_item_id')) {
    const quantity = Number(r.quantity!.trim());
    const unit = cents(r.unit_price!);
    const bp = basisPoints(r.discount!);
    const orderId = r.order_id!.trim().toUpperCase();
    const productId = r.product_id!.trim().toUpperCase();
    if (!Number.isInteger(quantity) || quantity <= 0 || unit === undefined || unit < 0 || bp < 0 || bp >= 10_000) continue;
    if (!orders.has(orderId) || !products.has(productId)) continue;
    items.set(id, { id, orderId, productId, quantity, discountBp: bp, lineCents: roundDiv(quantity * unit * (10_000 - bp), 10_000) });
  }

  const linesByOrder = new Map<string, number>();
  for (const it of items.values()) linesByOrder.set(it.orderId, (linesByOrder.get(it.orderId) ?? 0) + it.lineCents);
  let mismatchedOrders = 0;
  for (const o of orders.values()) if (o.totalCents !== (linesByOrder.get(o.id) ?? 0)) mismatchedOrders++;

  const revenue = new Map<string, RevenueRow>();
  for (const o of orders.values()) {
    const key = `${o.day}|${o.region}|${o.status}|${customers.get(o.customerId)!.segment}`;
    const row = revenue.get(key) ?? { orders: 0, customers: new Set<string>(), cents: 0, cumulativeCents: 0, priorWeekCents: undefined };
    row.orders++;
    row.customers.add(o.customerId);
    row.cents += o.totalCents;
    revenue.set(key, row);
  }
  const byGroup = new Map<string, string[]>();
  for (const key of revenue.keys()) {
    const [day, ...group] = key.split('|');
    const g = group.join('|');
    byGroup.set(g, [...(byGroup.get(g) ?? []), day!]);
  }
  for (const [g, days] of byGroup) {
    let running = 0;
    for (const day of days.sort()) {
      const row = revenue.get(`${day}|${g}`)!;
      running += row.cents;
      row.cumulativeCents = running;
      row.priorWeekCents = revenue.get(`${addDays(day, -7)}|${g}`)?.cents;
    }
  }

  const productSales = new Map<string, ProductSales>();
  for (const it of items.values()) {
    const status = orders.get(it.orderId)!.status;
    if (status === 'cancelled' || status === 'returned') continue;
    const s = productSales.get(it.productId) ?? { orders: new Set<string>(), units: 0, cents: 0, minBp: Infinity, maxBp: -Infinity };
    s.orders.add(it.orderId);
    s.units += it.quantity;
    s.cents += it.lineCents;
    s.minBp = Math.min(s.minBp, it.discountBp);
    s.maxBp = Math.max(s.maxBp, it.discountBp);
    productSales.set(it.productId, s);
  }

  return {
    raw: { customers: rawCustomers.length, products: rawProducts.length, orders: rawOrders.length, orderItems: rawItems.length },
    customers,
    products,
    orders,
    items,
    mismatchedOrders,
    revenue,
    productSales,
  };
}
