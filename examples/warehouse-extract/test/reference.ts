/**
 * An independent model of the pipeline's outputs, computed in TypeScript from the source
 * database's rows (read with a plain `select *`): which customer rows are invalid, each
 * valid row's quality score, and the gold analytics. No SQL from the assets is reused.
 */
import { resolve } from 'node:path';
import { closeDatabase, openDatabase } from '@assay/duckdb';
import { extractConfig } from '../assets/extract-config.js';
import { US_STATE_REGIONS } from '../assets/us-states.js';

/** A row of the source `customers` table. */
export interface CustomerRow {
  customer_id: string; first_name: string | null; last_name: string | null; email: string | null; phone: string | null;
  address: string | null; city: string | null; state: string | null; zip_code: string | null; account_status: string | null;
  created_at: Date; updated_at: Date | null;
}
/** A row of the source `orders` table. */
export interface OrderRow { order_id: string; customer_id: string; order_date: Date; status: string; total_amount: number; updated_at: Date }
/** A row of the source `order_items` table. */
export interface ItemRow { order_item_id: string; order_id: string; product_id: string; quantity: number; unit_price: number; updated_at: Date }
/** A row of the source `products` table. */
export interface ProductRow { product_id: string; category: string; unit_price: number; updated_at: Date }

/** The source tables as plain rows. */
export interface SourceSnapshot {
  customers: CustomerRow[];
  orders: OrderRow[];
  order_items: ItemRow[];
  products: ProductRow[];
}

/** Reads every row of the four source tables (read-only). */
export async function readSource(projectDir: string): Promise<SourceSnapshot> {
  const instance = await openDatabase(resolve(projectDir, extractConfig.source.path), { config: { access_mode: 'READ_ONLY' } });
  const conn = await instance.connect();
  try {
    const all = async <T>(table: string) => (await conn.runAndReadAll(`select * from ${table}`)).getRowObjectsJS() as unknown as T[];
    return { customers: await all('customers'), orders: await all('orders'), order_items: await all('order_items'), products: await all('products') };
  } finally {
    conn.closeSync();
    closeDatabase(instance);
  }
}

const EMAIL = /^[a-z0-9._%+-]+@[a-z0-9.-]+\.[a-z]{2,}$/;

/** The first hard rule a customer row breaks (the name of the quarantining check), or undefined. */
export function invalidReason(c: CustomerRow): string | undefined {
  if (c.customer_id === null) return 'not_null_customer_id';
  if (c.email === null || !EMAIL.test(c.email.trim().toLowerCase())) return 'valid_email';
  if (c.updated_at === null || c.updated_at < c.created_at) return 'updated_after_created';
  if (c.account_status !== 'active' && c.account_status !== 'closed') return 'accepted_values_account_status';
  return undefined;
}

const present = (s: string | null) => s !== null && s.trim() !== '';

/** '+1' + 10 digits, or undefined when the number cannot be a US number. */
export function e164(phone: string | null): string | undefined {
  const d = (phone ?? '').replace(/\D/g, '');
  if (d.length === 10 && d[0]! >= '2') return `+1${d}`;
  if (d.length === 11 && d[0] === '1' && d[1]! >= '2') return `+${d}`;
  return undefined;
}

/** Normalized state code, or undefined when it is not a US state. */
export function stateCode(state: string | null): string | undefined {
  const s = (state ?? '').trim().toUpperCase();
  return s in US_STATE_REGIONS ? s : undefined;
}

/** Share of the five contact checks a row passes: name, phone, street, state, ZIP. */
export function qualityScore(c: CustomerRow): number {
  const passed = [
    present(c.first_name) && present(c.last_name),
    e164(c.phone) !== undefined,
    present(c.address),
    stateCode(c.state) !== undefined,
    /^\d{5}(-\d{4})?$/.test((c.zip_code ?? '').trim()),
  ].filter(Boolean).length;
  return passed / 5;
}

const day = (d: Date) => d.toISOString().slice(0, 10);
const cents = (n: number) => Math.round(n * 100);

/** One expected row of gold.customer_analytics. */
export interface AnalyticsRow {
  customer_id: string;
  customer_segment: string;
  lifetime_value_cents: number;
  total_orders: number;
  last_order_date: string | null;
  churn_probability: number;
  preferred_category: string | null;
  geographic_region: string;
  analysis_date: string;
}

/**
 * Expected analytics for the current version of each customer (`current`: customer id →
 * its latest valid row), over the orders of `source`.
 */
export function expectedAnalytics(source: SourceSnapshot, current: Map<string, CustomerRow>): Map<string, AnalyticsRow> {
  const analysisDate = source.orders.reduce((m, o) => (day(o.order_date) > m ? day(o.order_date) : m), '');
  const categoryOf = new Map(source.products.map((p) => [p.product_id, p.category]));
  const kept = source.orders.filter((o) => o.status !== 'cancelled' && o.status !== 'returned');
  const keptById = new Map(kept.map((o) => [o.order_id, o]));
  const byCustomer = new Map<string, OrderRow[]>();
  for (const o of kept) byCustomer.set(o.customer_id, [...(byCustomer.get(o.customer_id) ?? []), o]);
  const spend = new Map<string, Map<string, number>>();
  for (const i of source.order_items) {
    const o = keptById.get(i.order_id);
    const category = categoryOf.get(i.product_id);
    if (!o || !category) continue;
    const m = spend.get(o.customer_id) ?? new Map<string, number>();
    m.set(category, (m.get(category) ?? 0) + i.quantity * cents(i.unit_price));
    spend.set(o.customer_id, m);
  }
  const out = new Map<string, AnalyticsRow>();
  for (const [id, c] of current) {
    const orders = byCustomer.get(id) ?? [];
    const ltv = orders.reduce((s, o) => s + cents(o.total_amount), 0);
    const last = orders.length ? orders.map((o) => day(o.order_date)).sort().at(-1)! : null;
    const since = last ?? day(c.created_at);
    const daysInactive = Math.max(0, (Date.parse(analysisDate) - Date.parse(since)) / 86_400_000);
    const active = c.account_status === 'active';
    const z = -2.5 + 0.02 * daysInactive - 0.3 * Math.min(orders.length, 10) + (active ? 0 : 3);
    const churn = Math.round((1 / (1 + Math.exp(-z))) * 10_000) / 10_000;
    const categories = [...(spend.get(id) ?? new Map<string, number>())].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
    const segment = !active ? 'inactive' : orders.length === 0 ? 'prospect' : ltv >= 500_000 ? 'high_value' : churn >= 0.6 ? 'at_risk' : orders.length >= 5 ? 'loyal' : 'regular';
    const state = stateCode(c.state);
    out.set(id, {
      customer_id: id,
      customer_segment: segment,
      lifetime_value_cents: ltv,
      total_orders: orders.length,
      last_order_date: last,
      churn_probability: churn,
      preferred_category: categories[0]?.[0] ?? null,
      geographic_region: state ? US_STATE_REGIONS[state]! : 'Unknown',
      analysis_date: analysisDate,
    });
  }
  return out;
}
