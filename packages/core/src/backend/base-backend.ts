import { shortHash } from '../hash.js';
import { isAssayError, UnsupportedError } from '../errors.js';
import type { AssetKey } from '../definitions/asset-key.js';
import type { ResolvedCheck } from '../definitions/checks.js';
import type { Row } from '../definitions/context.js';
import { renderSql, SELF_KEY } from '../definitions/sql.js';
import type {
  Backend,
  BackendOpenOptions,
  CheckRequest,
  IngestMaterializeRequest,
  MaterializeOutcome,
  NamedCheckOutcome,
  RelationInfo,
  SqlMaterializeRequest,
  StepRequest,
} from './backend.js';

const SAMPLE_SIZE = 5;

/**
 * Base class for backends: implements the optional parts of {@link Backend} with portable
 * SQL so a new backend only writes connections and materialization strategies.
 *
 * Defaults: `?` placeholders, `"schema"."table"` relations, checks and quarantine through
 * ANSI SQL on {@link Backend.query}, table fingerprints from `count(*)`/`max(column)`,
 * transient = an {@link AssayError} marked `transient`. Ingestion and `writeRows` throw
 * `ASSAY_UNSUPPORTED` until overridden.
 */
export abstract class BaseBackend implements Backend {
  abstract readonly name: string;
  abstract readonly dialect: string;
  abstract open(options: BackendOpenOptions): Promise<void>;
  abstract close(): Promise<void>;
  abstract materializeSql(request: SqlMaterializeRequest): Promise<MaterializeOutcome>;
  abstract query(text: string, params?: readonly unknown[], options?: { signal?: AbortSignal }): Promise<Row[]>;
  abstract describe(key: AssetKey): Promise<RelationInfo | undefined>;

  /** Quotes an identifier (`"a""b"`). */
  quoteIdent(name: string): string {
    return `"${name.replace(/"/g, '""')}"`;
  }

  /** `silver/orders` → `"silver"."orders"`; single-segment keys land in `main`-less default schema. */
  relation(key: AssetKey): string {
    return key.split('/').map((s) => this.quoteIdent(s)).join('.');
  }

  placeholder(_index: number): string {
    return '?';
  }

  /** A SQL literal for values that cannot be bound (e.g. in DDL some engines refuse to prepare). */
  literal(value: unknown): string {
    if (value === null || value === undefined) return 'NULL';
    if (typeof value === 'number') {
      if (!Number.isFinite(value)) throw new UnsupportedError(`Cannot inline non-finite number ${value} into SQL`);
      return String(value);
    }
    if (typeof value === 'bigint') return value.toString();
    if (typeof value === 'boolean') return value ? 'TRUE' : 'FALSE';
    if (value instanceof Date) return `TIMESTAMP '${value.toISOString().replace('T', ' ').replace('Z', '')}'`;
    const text = typeof value === 'string' ? value : JSON.stringify(value);
    return `'${text.replace(/'/g, "''")}'`;
  }

  ingest(request: IngestMaterializeRequest): Promise<MaterializeOutcome> {
    return Promise.reject(new UnsupportedError(`The ${this.name} backend cannot ingest files`, { assetKey: request.asset.key }));
  }

  writeRows(key: AssetKey, _rows: readonly Row[], _request: StepRequest): Promise<MaterializeOutcome> {
    return Promise.reject(new UnsupportedError(`The ${this.name} backend cannot store rows returned by compute assets`, { assetKey: key }));
  }

  isTransient(error: unknown): boolean {
    return isAssayError(error) && error.transient;
  }

  async observeTable(key: AssetKey, column?: string): Promise<string | undefined> {
    if (!(await this.describe(key))) return undefined;
    const max = column ? `, max(${this.quoteIdent(column)}) as m` : '';
    const [row] = await this.query(`select count(*) as n${max} from ${this.relation(key)}`);
    return shortHash(String(row?.n ?? 0), String(row?.m ?? ''));
  }

  /** The predicate selecting rows that fail a row-level check, or undefined for aggregate checks. */
  protected failingRowPredicate(relation: string, check: ResolvedCheck): string | undefined {
    const col = (c: string) => `${relation}.${this.quoteIdent(c)}`;
    switch (check.type) {
      case 'not_null':
        return `${col(check.column)} is null`;
      case 'accepted_values':
        return `${col(check.column)} is not null and ${col(check.column)} not in (${check.values.map((v) => this.literal(v)).join(', ')})`;
      case 'relationships':
        return `${col(check.column)} is not null and not exists (select 1 from ${this.relation(check.to)} as assay_parent where assay_parent.${this.quoteIdent(check.toColumn)} = ${col(check.column)})`;
      case 'expression':
        return `not (${check.expression})`;
      default:
        return undefined;
    }
  }

  async runChecks(request: CheckRequest): Promise<NamedCheckOutcome[]> {
    const out: NamedCheckOutcome[] = [];
    for (const check of request.checks) {
      if (request.signal.aborted) break;
      out.push(await this.runCheck(request, check));
    }
    return out;
  }

  /** Evaluates one check with portable SQL. Override for engine-specific forms. */
  protected async runCheck(request: CheckRequest, check: ResolvedCheck): Promise<NamedCheckOutcome> {
    const rel = this.relation(request.assetKey);
    const opts = { signal: request.signal };
    const predicate = this.failingRowPredicate(rel, check);
    if (predicate !== undefined) {
      const [row] = await this.query(`select count(*) as n from ${rel} where ${predicate}`, [], opts);
      const failing = Number(row?.n ?? 0);
      if (failing === 0) return { name: check.name, passed: true, failingRows: 0 };
      const sample = await this.query(`select * from ${rel} where ${predicate} limit ${SAMPLE_SIZE}`, [], opts);
      if (request.quarantine) {
        const quarantined = await this.quarantineRows(request, rel, check, predicate);
        return { name: check.name, passed: true, failingRows: failing, sample, quarantinedRows: quarantined, message: `${quarantined} row(s) quarantined` };
      }
      return { name: check.name, passed: false, failingRows: failing, sample, message: `${failing} failing row(s)` };
    }
    switch (check.type) {
      case 'unique': {
        const cols = check.columns.map((c) => this.quoteIdent(c)).join(', ');
        const dupes = `select ${cols}, count(*) as assay_count from ${rel} group by ${cols} having count(*) > 1`;
        const [row] = await this.query(`select count(*) as k, coalesce(sum(assay_count), 0) as n from (${dupes}) d`, [], opts);
        const keys = Number(row?.k ?? 0);
        if (keys === 0) return { name: check.name, passed: true, failingRows: 0 };
        const sample = await this.query(`${dupes} order by assay_count desc limit ${SAMPLE_SIZE}`, [], opts);
        return { name: check.name, passed: false, failingRows: Number(row?.n ?? 0), sample, message: `${keys} duplicated value(s) over ${Number(row?.n ?? 0)} rows` };
      }
      case 'row_count': {
        const [row] = await this.query(`select count(*) as n from ${rel}`, [], opts);
        const n = Number(row?.n ?? 0);
        const passed = (check.min === undefined || n >= check.min) && (check.max === undefined || n <= check.max);
        return { name: check.name, passed, failingRows: passed ? 0 : 1, metadata: { rowCount: n }, message: passed ? `${n} rows` : `${n} rows, expected ${check.min ?? '-∞'}..${check.max ?? '∞'}` };
      }
      case 'freshness': {
        const [row] = await this.query(`select max(${this.quoteIdent(check.column)}) as m from ${rel}`, [], opts);
        const newest = row?.m instanceof Date ? row.m : row?.m == null ? undefined : new Date(String(row.m));
        if (!newest || Number.isNaN(newest.getTime())) return { name: check.name, passed: false, failingRows: 1, message: `no ${check.column} values` };
        const ageSeconds = Math.round((Date.now() - newest.getTime()) / 1000);
        const passed = ageSeconds <= check.maxAgeSeconds;
        return { name: check.name, passed, failingRows: passed ? 0 : 1, metadata: { newest: newest.toISOString(), ageSeconds }, message: `newest ${check.column} is ${ageSeconds}s old (max ${check.maxAgeSeconds}s)` };
      }
      case 'sql': {
        const rendered = renderSql(check.sql, { relation: (k) => (k === SELF_KEY ? rel : this.relation(k)), placeholder: (i) => this.placeholder(i) });
        const [row] = await this.query(`select count(*) as n from (${rendered.text}) assay_check`, rendered.params, opts);
        const failing = Number(row?.n ?? 0);
        if (failing === 0) return { name: check.name, passed: true, failingRows: 0 };
        const sample = await this.query(`select * from (${rendered.text}) assay_check limit ${SAMPLE_SIZE}`, rendered.params, opts);
        return { name: check.name, passed: false, failingRows: failing, sample, message: `${failing} failing row(s)` };
      }
      default:
        throw new UnsupportedError(`Check type "${check.type}" is evaluated by the executor, not the backend`, { assetKey: request.assetKey });
    }
  }

  /**
   * Moves rows matching `predicate` from `relation` to `<relation>__quarantine` with the check
   * name and time; returns how many moved. Override to make it atomic on engines with
   * transactions.
   */
  protected async quarantineRows(request: CheckRequest, relation: string, check: ResolvedCheck, predicate: string): Promise<number> {
    const q = this.relation(`${request.assetKey}__quarantine`);
    await this.query(
      `create table if not exists ${q} as select *, cast(null as varchar) as assay_check, cast(null as timestamp) as assay_quarantined_at, cast(null as varchar) as assay_run_id from ${relation} where 1 = 0`,
    );
    const [moved] = await this.query(`select count(*) as n from ${relation} where ${predicate}`);
    await this.query(
      `insert into ${q} select *, ${this.literal(check.name)}, current_timestamp, ${this.literal(request.runId)} from ${relation} where ${predicate}`,
    );
    await this.query(`delete from ${relation} where ${predicate}`);
    return Number(moved?.n ?? 0);
  }
}
