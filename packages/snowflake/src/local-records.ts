import { gunzipSync } from 'node:zlib';
import { InvalidDefinitionError, jsonErrorOffset, type IngestFormat, type MalformedRecord } from '@assay/core';

/** What one local file holds, read before upload. */
export interface LocalRecords {
  /** Valid records as JSON text, one per record (JSON Lines). */
  jsonLines: string[];
  /** Parsed records (for column inference); `undefined` entries are not kept. */
  records: Record<string, unknown>[];
  /** For CSV: the header's column names in order. */
  header?: string[];
  malformed: MalformedRecord[];
}

/** Most of a whole malformed file kept in quarantine; the rest is cut. */
const MAX_QUARANTINED_TEXT = 1 << 20;

/** The bytes of a file as text, gunzipped when they start with the gzip magic number. */
export function decodeText(bytes: Uint8Array): string {
  const data = bytes.length > 2 && bytes[0] === 0x1f && bytes[1] === 0x8b ? gunzipSync(bytes) : bytes;
  return Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('utf8').replace(/^\uFEFF/, '');
}

/**
 * Reads a JSON, JSONL or CSV file for ingestion: every record as a JSON object line, plus the
 * malformed ones with their line numbers (invalid JSON lines, CSV rows with the wrong number
 * of fields, a JSON document that does not parse). CSV values are typed per column over all
 * records of the file: integers, numbers and booleans become JSON numbers and booleans when
 * every non-empty value of the column is one; empty fields are null.
 *
 * Reading locally (rather than letting COPY skip bad rows) gives the same semantics on every
 * account: exact line numbers, and the valid rows of a file with a bad line still load.
 */
export function readLocalRecords(text: string, format: Exclude<IngestFormat, 'parquet'>, readerOptions: Readonly<Record<string, string | number | boolean>>, assetKey: string): LocalRecords {
  switch (format) {
    case 'jsonl':
      return readJsonLines(text);
    case 'json':
      return readJsonDocument(text);
    case 'csv':
      return readCsv(text, readerOptions, assetKey);
    default:
      throw new InvalidDefinitionError(assetKey, `unknown ingest format "${String(format)}"`);
  }
}

function readJsonLines(text: string): LocalRecords {
  const out: LocalRecords = { jsonLines: [], records: [], malformed: [] };
  text.split('\n').forEach((raw, i) => {
    const line = raw.replace(/\r$/, '');
    if (line.trim() === '') return;
    try {
      const value = JSON.parse(line) as unknown;
      out.jsonLines.push(line);
      out.records.push(isObject(value) ? value : { value });
    } catch (error) {
      out.malformed.push({ line: i + 1, text: line, error: `invalid JSON: ${error instanceof Error ? error.message : String(error)}` });
    }
  });
  return out;
}

function readJsonDocument(text: string): LocalRecords {
  if (text.trim() === '') return { jsonLines: [], records: [], malformed: [] };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    // Several whitespace-separated documents (JSON Lines in a .json file) are accepted too.
    const lines = readJsonLines(text);
    if (lines.malformed.length === 0 && lines.records.length > 0) return lines;
    const message = error instanceof Error ? error.message : String(error);
    return { jsonLines: [], records: [], malformed: [{ line: jsonErrorLine(text, message), text: text.slice(0, MAX_QUARANTINED_TEXT), error: `invalid JSON: ${message}` }] };
  }
  const items = Array.isArray(value) ? value : [value];
  return { jsonLines: items.map((v) => JSON.stringify(v)), records: items.map((v) => (isObject(v) ? v : { value: v })), malformed: [] };
}

/**
 * The 1-based line of the first syntax error in a JSON text: from the parser's message when
 * it says (`at position N`, `line N column M`), else by scanning the text, since V8's
 * messages often omit the position. Null when the error cannot be placed.
 */
export function jsonErrorLine(text: string, message: string): number | null {
  const line = /line (\d+) column \d+/.exec(message);
  if (line) return Number(line[1]);
  const position = /at position (\d+)/.exec(message);
  const offset = position ? Number(position[1]) : jsonErrorOffset(text);
  if (offset === undefined) return null;
  // An error at the end of the input belongs to the last line with content.
  return text.slice(0, Math.min(offset, text.replace(/\s+$/, '').length)).split('\n').length;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

interface CsvRecord {
  fields: string[];
  /** Which fields were quoted (a quoted empty field is an empty string, not null). */
  quoted: boolean[];
  line: number;
  text: string;
}

/** Splits CSV text into records (RFC 4180: quoted fields with doubled quotes, CRLF or LF). */
export function parseCsv(text: string, delimiter = ',', quote = '"'): CsvRecord[] {
  const records: CsvRecord[] = [];
  let i = 0;
  let line = 1;
  const n = text.length;
  while (i < n) {
    const start = i;
    const startLine = line;
    const fields: string[] = [];
    const quoted: boolean[] = [];
    let field = '';
    let isQuoted = false;
    let end = false;
    while (!end) {
      if (i >= n) {
        fields.push(field);
        quoted.push(isQuoted);
        break;
      }
      const ch = text[i]!;
      if (ch === quote && field === '' && !isQuoted) {
        isQuoted = true;
        i++;
        for (;;) {
          if (i >= n) break;
          const c = text[i]!;
          if (c === quote) {
            if (text[i + 1] === quote) {
              field += quote;
              i += 2;
              continue;
            }
            i++;
            break;
          }
          if (c === '\n') line++;
          field += c;
          i++;
        }
        continue;
      }
      if (ch === delimiter) {
        fields.push(field);
        quoted.push(isQuoted);
        field = '';
        isQuoted = false;
        i++;
      } else if (ch === '\n' || ch === '\r') {
        fields.push(field);
        quoted.push(isQuoted);
        const textEnd = i;
        i += ch === '\r' && text[i + 1] === '\n' ? 2 : 1;
        line++;
        end = true;
        records.push({ fields, quoted, line: startLine, text: text.slice(start, textEnd) });
      } else {
        field += ch;
        i++;
      }
    }
    if (!end) records.push({ fields, quoted, line: startLine, text: text.slice(start) });
  }
  // A blank line is no record.
  return records.filter((r) => !(r.fields.length === 1 && r.fields[0] === '' && !r.quoted[0]));
}

const INTEGER = /^[+-]?\d+$/;
const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const BOOLEAN = /^(true|false)$/i;

function readCsv(text: string, options: Readonly<Record<string, string | number | boolean>>, assetKey: string): LocalRecords {
  const delimiter = String(options.delimiter ?? options.delim ?? options.sep ?? ',');
  const quote = String(options.quote ?? '"');
  const hasHeader = options.header === undefined ? true : options.header === true || options.header === 'true';
  if (delimiter.length !== 1 || quote.length !== 1) throw new InvalidDefinitionError(assetKey, 'readerOptions.delimiter and readerOptions.quote must be single characters');
  const all = parseCsv(text, delimiter, quote);
  if (all.length === 0) return { jsonLines: [], records: [], header: [], malformed: [] };
  const first = all[0]!;
  const header = hasHeader ? first.fields.map((h, i) => h.trim() || `column${i}`) : first.fields.map((_, i) => `column${i}`);
  const body = hasHeader ? all.slice(1) : all;
  const malformed: MalformedRecord[] = [];
  const good = body.filter((r) => {
    if (r.fields.length === header.length) return true;
    malformed.push({ line: r.line, text: r.text, error: `expected ${header.length} fields, found ${r.fields.length}` });
    return false;
  });
  const kinds = header.map((_, c) => {
    let kind: 'integer' | 'number' | 'boolean' | 'text' | undefined;
    for (const r of good) {
      const v = r.fields[c]!;
      if (v === '' && !r.quoted[c]) continue;
      const k = INTEGER.test(v) && Number.isSafeInteger(Number(v)) ? 'integer' : NUMBER.test(v) ? 'number' : BOOLEAN.test(v) ? 'boolean' : 'text';
      if (kind === undefined || kind === k) kind = k;
      else if ((kind === 'integer' && k === 'number') || (kind === 'number' && k === 'integer')) kind = 'number';
      else kind = 'text';
      if (kind === 'text') break;
    }
    return kind ?? 'text';
  });
  const records = good.map((r) => {
    const record: Record<string, unknown> = {};
    header.forEach((name, c) => {
      const v = r.fields[c]!;
      const kind = kinds[c];
      record[name] = v === '' && !r.quoted[c] ? null : kind === 'integer' || kind === 'number' ? Number(v) : kind === 'boolean' ? /^true$/i.test(v) : v;
    });
    return record;
  });
  return { jsonLines: records.map((r) => JSON.stringify(r)), records, header, malformed };
}
