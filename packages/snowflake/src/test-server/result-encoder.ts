/**
 * Encodes DuckDB results as Snowflake's JSON result format: `rowtype` column metadata and a
 * `rowset` where every value is a string in the encoding snowflake-sdk decodes (dates as days
 * since the epoch, timestamps as seconds with a 9-digit fraction, TIMESTAMP_TZ with a
 * minutes-offset index, booleans as "1"/"0", VARIANT as JSON text, BINARY as hex).
 */
import { DuckDBTypeId, type DuckDBResultReader, type DuckDBValue } from '@duckdb/node-api';
import type { SnowflakeTypeName } from './snowflake-types.js';

/** One entry of Snowflake's `rowtype` array. */
export interface SnowflakeColumnMetadata {
  readonly name: string;
  readonly database: string;
  readonly schema: string;
  readonly table: string;
  readonly type: string;
  readonly precision: number | null;
  readonly scale: number | null;
  readonly length: number | null;
  readonly byteLength: number | null;
  readonly nullable: boolean;
  readonly collation: null;
}

/** A result in Snowflake's JSON wire encoding. */
export interface EncodedResult {
  readonly rowtype: SnowflakeColumnMetadata[];
  readonly rowset: (string | null)[][];
}

type Encoder = (value: DuckDBValue) => string;

const TEXT_LENGTH = 16_777_216;

/** Builds a `rowtype` entry for a Snowflake type. */
export function columnMetadata(name: string, type: SnowflakeTypeName, precision?: number, scale?: number): SnowflakeColumnMetadata {
  const base = { name, database: '', schema: '', table: '', nullable: true, collation: null } as const;
  switch (type) {
    case 'NUMBER':
      return { ...base, type: 'fixed', precision: precision ?? 38, scale: scale ?? 0, length: null, byteLength: null };
    case 'FLOAT':
      return { ...base, type: 'real', precision: null, scale: null, length: null, byteLength: null };
    case 'TEXT':
      return { ...base, type: 'text', precision: null, scale: null, length: TEXT_LENGTH, byteLength: TEXT_LENGTH };
    case 'BINARY':
      return { ...base, type: 'binary', precision: null, scale: null, length: 8_388_608, byteLength: 8_388_608 };
    case 'BOOLEAN':
      return { ...base, type: 'boolean', precision: null, scale: null, length: null, byteLength: null };
    case 'DATE':
      return { ...base, type: 'date', precision: null, scale: null, length: null, byteLength: null };
    case 'TIME':
    case 'TIMESTAMP_NTZ':
    case 'TIMESTAMP_LTZ':
    case 'TIMESTAMP_TZ':
      return { ...base, type: type.toLowerCase(), precision: 0, scale: 9, length: null, byteLength: null };
    case 'VARIANT':
    case 'OBJECT':
    case 'ARRAY':
      return { ...base, type: type.toLowerCase(), precision: null, scale: null, length: TEXT_LENGTH, byteLength: TEXT_LENGTH };
  }
}

/** Seconds-with-9-digit-fraction text for an epoch offset in `unit`s (1e6 = micros, 1e9 = nanos). */
function epochText(value: bigint, unitsPerSecond: bigint): string {
  let seconds = value / unitsPerSecond;
  let frac = value % unitsPerSecond;
  if (frac < 0n) {
    // Floor toward -infinity so the fraction is always positive, as the driver expects.
    seconds -= 1n;
    frac += unitsPerSecond;
  }
  const digits = unitsPerSecond.toString().length - 1;
  return `${seconds}.${frac.toString().padStart(digits, '0').padEnd(9, '0')}`;
}

const offsetFormatters = new Map<string, Intl.DateTimeFormat>();

/** Offset of `timeZone` from UTC at the instant `epochMillis`, in minutes. */
export function timeZoneOffsetMinutes(timeZone: string, epochMillis: number): number {
  if (timeZone.toUpperCase() === 'UTC' || timeZone.toUpperCase() === 'GMT') return 0;
  let fmt = offsetFormatters.get(timeZone);
  if (!fmt) {
    fmt = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    offsetFormatters.set(timeZone, fmt);
  }
  const parts = Object.fromEntries(fmt.formatToParts(new Date(epochMillis)).map((p) => [p.type, p.value]));
  const asUtc = Date.UTC(Number(parts.year), Number(parts.month) - 1, Number(parts.day), Number(parts.hour), Number(parts.minute), Number(parts.second));
  return Math.round((asUtc - Math.floor(epochMillis / 1000) * 1000) / 60_000);
}

/** JSON-compatible form of a (possibly nested) DuckDB value. */
function toJsonValue(v: DuckDBValue): unknown {
  if (v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return v;
  if (typeof v === 'bigint') return Number.isSafeInteger(Number(v)) ? Number(v) : v.toString();
  const o = v as unknown as Record<string, unknown>;
  if (Array.isArray(o.items)) return (o.items as DuckDBValue[]).map(toJsonValue);
  if (Array.isArray(o.entries)) {
    const out: Record<string, unknown> = {};
    for (const e of o.entries as { key: DuckDBValue; value: DuckDBValue }[]) out[String(e.key)] = toJsonValue(e.value);
    return out;
  }
  if (o.entries && typeof o.entries === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(o.entries as Record<string, DuckDBValue>)) out[k] = toJsonValue(x);
    return out;
  }
  if ('tag' in o && 'value' in o) return toJsonValue(o.value as DuckDBValue);
  return String(v);
}

interface ColumnCodec {
  readonly meta: SnowflakeColumnMetadata;
  readonly encode: Encoder;
}

function codecFor(name: string, typeId: DuckDBTypeId, typeJson: Record<string, unknown>, override: SnowflakeTypeName | undefined, timeZone: string): ColumnCodec {
  const str: Encoder = (v) => String(v);
  switch (typeId) {
    case DuckDBTypeId.BOOLEAN:
      return { meta: columnMetadata(name, 'BOOLEAN'), encode: (v) => (v ? '1' : '0') };
    case DuckDBTypeId.TINYINT:
    case DuckDBTypeId.SMALLINT:
    case DuckDBTypeId.INTEGER:
    case DuckDBTypeId.BIGINT:
    case DuckDBTypeId.HUGEINT:
    case DuckDBTypeId.UTINYINT:
    case DuckDBTypeId.USMALLINT:
    case DuckDBTypeId.UINTEGER:
    case DuckDBTypeId.UBIGINT:
    case DuckDBTypeId.UHUGEINT:
    case DuckDBTypeId.BIGNUM:
      return { meta: columnMetadata(name, 'NUMBER', 38, 0), encode: str };
    case DuckDBTypeId.DECIMAL:
      return { meta: columnMetadata(name, 'NUMBER', Number(typeJson.width ?? 38), Number(typeJson.scale ?? 0)), encode: str };
    case DuckDBTypeId.FLOAT:
    case DuckDBTypeId.DOUBLE:
      return { meta: columnMetadata(name, 'FLOAT'), encode: str };
    case DuckDBTypeId.DATE:
      return { meta: columnMetadata(name, 'DATE'), encode: (v) => String((v as unknown as { days: number }).days) };
    case DuckDBTypeId.TIME:
      return { meta: columnMetadata(name, 'TIME'), encode: (v) => epochText((v as unknown as { micros: bigint }).micros, 1_000_000n) };
    case DuckDBTypeId.TIMESTAMP:
      return { meta: columnMetadata(name, 'TIMESTAMP_NTZ'), encode: (v) => epochText((v as unknown as { micros: bigint }).micros, 1_000_000n) };
    case DuckDBTypeId.TIMESTAMP_S:
      return { meta: columnMetadata(name, 'TIMESTAMP_NTZ'), encode: (v) => epochText((v as unknown as { seconds: bigint }).seconds, 1n) };
    case DuckDBTypeId.TIMESTAMP_MS:
      return { meta: columnMetadata(name, 'TIMESTAMP_NTZ'), encode: (v) => epochText((v as unknown as { millis: bigint }).millis, 1000n) };
    case DuckDBTypeId.TIMESTAMP_NS:
      return { meta: columnMetadata(name, 'TIMESTAMP_NTZ'), encode: (v) => epochText((v as unknown as { nanos: bigint }).nanos, 1_000_000_000n) };
    case DuckDBTypeId.TIMESTAMP_TZ:
      if (override === 'TIMESTAMP_TZ') {
        return {
          meta: columnMetadata(name, 'TIMESTAMP_TZ'),
          encode: (v) => {
            const micros = (v as unknown as { micros: bigint }).micros;
            // TIMESTAMP_TZ travels as "<seconds> <offset index>", index = offset minutes + 1440.
            const offset = timeZoneOffsetMinutes(timeZone, Number(micros / 1000n));
            return `${epochText(micros, 1_000_000n)} ${1440 + offset}`;
          },
        };
      }
      return { meta: columnMetadata(name, 'TIMESTAMP_LTZ'), encode: (v) => epochText((v as unknown as { micros: bigint }).micros, 1_000_000n) };
    case DuckDBTypeId.BLOB:
      return { meta: columnMetadata(name, 'BINARY'), encode: (v) => Buffer.from((v as unknown as { bytes: Uint8Array }).bytes).toString('hex').toUpperCase() };
    case DuckDBTypeId.VARCHAR:
      if (typeJson.alias === 'JSON') {
        const t = override === 'OBJECT' || override === 'ARRAY' ? override : 'VARIANT';
        return { meta: columnMetadata(name, t), encode: str };
      }
      return { meta: columnMetadata(name, 'TEXT'), encode: str };
    case DuckDBTypeId.LIST:
    case DuckDBTypeId.ARRAY:
      return { meta: columnMetadata(name, 'ARRAY'), encode: (v) => JSON.stringify(toJsonValue(v)) };
    case DuckDBTypeId.STRUCT:
    case DuckDBTypeId.MAP:
      return { meta: columnMetadata(name, 'OBJECT'), encode: (v) => JSON.stringify(toJsonValue(v)) };
    case DuckDBTypeId.UNION:
      return { meta: columnMetadata(name, 'VARIANT'), encode: (v) => JSON.stringify(toJsonValue(v)) };
    case DuckDBTypeId.SQLNULL:
      return { meta: columnMetadata(name, 'TEXT'), encode: () => '' };
    default:
      // UUID, INTERVAL, ENUM, BIT, TIME_TZ and anything newer: their text form.
      return { meta: columnMetadata(name, 'TEXT'), encode: str };
  }
}

/**
 * Encodes a fully read DuckDB result.
 *
 * @param overrides Snowflake types to report per column where DuckDB's type is ambiguous
 *   (TIMESTAMPTZ declared as TIMESTAMP_TZ; JSON declared as OBJECT or ARRAY).
 * @param timeZone The session's TIMEZONE, used for TIMESTAMP_TZ offsets.
 */
export function encodeDuckDbResult(reader: DuckDBResultReader, overrides: readonly (SnowflakeTypeName | undefined)[], timeZone: string): EncodedResult {
  const codecs: ColumnCodec[] = [];
  for (let c = 0; c < reader.columnCount; c++) {
    codecs.push(codecFor(reader.columnName(c), reader.columnTypeId(c), reader.columnTypeJson(c) as Record<string, unknown>, overrides[c], timeZone));
  }
  const rows = reader.getRows();
  const rowset: (string | null)[][] = new Array(rows.length);
  for (let r = 0; r < rows.length; r++) {
    const row = rows[r]!;
    const out: (string | null)[] = new Array(codecs.length);
    for (let c = 0; c < codecs.length; c++) {
      const v = row[c];
      out[c] = v === null || v === undefined ? null : codecs[c]!.encode(v);
    }
    rowset[r] = out;
  }
  return { rowtype: codecs.map((c) => c.meta), rowset };
}
