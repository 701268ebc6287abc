/**
 * Synthetic OpenAI API exports for the openai-usage example: chat completions, Batch API
 * output/error files and Usage API buckets, one set of JSONL files per UTC day.
 *
 * Everything is generated with DuckDB SQL from `hash(seed, day, record, salt)`, so a day's
 * files are byte-identical for a given seed and scale no matter when, or in which order,
 * days are generated (`--add-day` produces exactly what a longer first run would have).
 */
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';

/** The three export folders under `data/`, one per OpenAI API. */
export type ExportSource = 'chat_completions' | 'batch_outputs' | 'usage_buckets';

/** Options of {@link generateOpenAiExports}. */
export interface GenerateOptions {
  /** Folder the exports go to (the example's `data/`). Created when missing. */
  outDir: string;
  /** Seed of every random choice. Defaults to 42. */
  seed?: number;
  /**
   * Volume multiplier: 1 means 600 chat completions and 2 batches of 100 requests per day.
   * Defaults to 1. Any positive number; small scales keep at least a handful of records.
   */
  scale?: number;
  /** Day 0, as a UTC date `YYYY-MM-DD`. Defaults to {@link DEFAULT_START_DATE}. */
  startDate?: string;
  /** Day indexes to generate (0 = `startDate`). Defaults to `[0, 1, 2]`. */
  days?: readonly number[];
}

/** One file written by the generator. */
export interface GeneratedFile {
  /** Which export it belongs to. */
  source: ExportSource;
  /** Path relative to `outDir`, with `/` separators. */
  path: string;
  /** UTC date of the records in it. */
  date: string;
  /** Lines written, malformed ones included. */
  lines: number;
  /** Lines that are deliberately not valid JSON. */
  malformedLines: number;
}

/** What `data/manifest.json` records, so `--add-day` continues with the same parameters. */
export interface GenerationManifest {
  seed: number;
  scale: number;
  startDate: string;
  /** Every day index present in the folder, ascending. */
  days: number[];
}

/** Day 0 when no start date is given: a Monday. */
export const DEFAULT_START_DATE = '2025-06-02';

/** Name of the manifest file inside `outDir`. */
export const MANIFEST_FILE = 'manifest.json';

/** Chat completions per day at scale 1. */
const CHAT_PER_DAY = 600;
/** Requests per batch at scale 1 (two batches a day). */
const BATCH_REQUESTS = 100;

/**
 * Writes the exports of the given days into `outDir` and updates its manifest.
 *
 * Layout (the stage folders of the seed):
 * - `chat_completions/<date>.jsonl`: chat.completion objects as an app logs them, with a
 *   few logged error responses (no `choices`);
 * - `batch_outputs/<date>/<batch_id>_output.jsonl` and `..._errors.jsonl`: Batch API
 *   result lines (`custom_id`, `response.status_code`, `response.body`, `error`);
 * - `usage_buckets/<date>.jsonl`: one hourly Usage API bucket per line, `results` grouped by
 *   model, project, API key and batch, summing exactly the usage of the records above.
 *
 * Every chat and batch output file, and every usage file, carries at least one malformed
 * line: a half-written copy of the record that follows it (an exporter that crashed
 * mid-write and retried) or a Python-repr dump of it. The complete record is always there,
 * so malformed lines lose no data.
 *
 * @example
 * ```ts
 * const files = await generateOpenAiExports({ outDir: 'data', scale: 1, days: [0, 1, 2] });
 * ```
 */
export async function generateOpenAiExports(options: GenerateOptions): Promise<GeneratedFile[]> {
  const seed = options.seed ?? 42;
  const scale = options.scale ?? 1;
  const startDate = options.startDate ?? DEFAULT_START_DATE;
  const days = [...new Set(options.days ?? [0, 1, 2])].sort((a, b) => a - b);
  if (!Number.isSafeInteger(seed)) throw new RangeError(`seed must be an integer (got ${seed})`);
  if (!(scale > 0) || !Number.isFinite(scale)) throw new RangeError(`scale must be a positive number (got ${scale})`);
  if (days.some((d) => !Number.isInteger(d) || d < 0)) throw new RangeError(`days must be non-negative integers (got ${days.join(', ')})`);
  const startMs = parseDate(startDate);

  const manifestPath = join(options.outDir, MANIFEST_FILE);
  const previous = await readManifest(options.outDir);
  if (previous && (previous.seed !== seed || previous.scale !== scale || previous.startDate !== startDate)) {
    throw new RangeError(
      `${manifestPath} was generated with seed ${previous.seed}, scale ${previous.scale}, start ${previous.startDate}; ` +
        'delete the folder to generate with other parameters',
    );
  }

  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  const files: GeneratedFile[] = [];
  try {
    await connection.run(MACROS);
    for (const day of days) files.push(...(await generateDay(connection, { outDir: options.outDir, seed, scale, day, startMs })));
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
  const manifest: GenerationManifest = { seed, scale, startDate, days: [...new Set([...(previous?.days ?? []), ...days])].sort((a, b) => a - b) };
  await writeFile(manifestPath, `${JSON.stringify(manifest, null, 2)}\n`);
  return files;
}

/** The manifest of a data folder, or undefined when it has none. */
export async function readManifest(outDir: string): Promise<GenerationManifest | undefined> {
  try {
    return JSON.parse(await readFile(join(outDir, MANIFEST_FILE), 'utf8')) as GenerationManifest;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** Removes the generated export folders and manifest from `outDir` (other files stay). */
export async function cleanExports(outDir: string): Promise<void> {
  for (const name of ['chat_completions', 'batch_outputs', 'usage_buckets', MANIFEST_FILE]) await rm(join(outDir, name), { recursive: true, force: true });
}

/** The UTC date (`YYYY-MM-DD`) of day `index` counted from `startDate`. */
export function dayDate(startDate: string, index: number): string {
  return new Date(parseDate(startDate) + index * 86_400_000).toISOString().slice(0, 10);
}

function parseDate(text: string): number {
  const ms = /^\d{4}-\d{2}-\d{2}$/.test(text) ? Date.parse(`${text}T00:00:00Z`) : NaN;
  if (Number.isNaN(ms)) throw new RangeError(`start date must be YYYY-MM-DD (got "${text}")`);
  return ms;
}

/** A SQL string literal of trusted text. */
function lit(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}

/** A SQL list literal of trusted strings. */
function list(items: readonly string[]): string {
  return `[${items.map(lit).join(', ')}]`;
}

/** Repeats each item by its weight, so `pick(list, u)` draws with those weights. */
function weighted(items: readonly (readonly [string, number])[]): string {
  return list(items.flatMap(([item, weight]) => Array<string>(weight).fill(item)));
}

// `u` is a uniform draw in [0, 1) and `hex` an id, both pure functions of (seed, day, record,
// salt): nothing depends on row order or threads, so output is reproducible.
const MACROS = `
create or replace macro u(i, s) as (hash(getvariable('seed'), getvariable('day'), i, s) % 1000000) / 1000000.0;
create or replace macro hex(i, s, n) as substr(md5(concat_ws(':', getvariable('seed'), getvariable('day'), i, s)), 1, n);
create or replace macro pick(l, r) as l[1 + least(floor(r * len(l))::int, len(l) - 1)];
create or replace macro sentences() as ${list([
  'Thanks for reaching out about this.',
  'Your order shipped on Tuesday and should arrive within three business days.',
  'I checked the account and the last invoice was paid in full.',
  'To reset your password, open Settings and choose Security.',
  'The error usually means the API key was revoked or rotated.',
  'Here is a short summary of the document you shared.',
  'The quarterly numbers show revenue up 12% against the same period last year.',
  'You can export the report as CSV from the Downloads menu.',
  'I could not find a ticket with that reference, could you double-check it?',
  'The integration retries failed webhooks up to five times with exponential backoff.',
  'Most customers resolve this by clearing the cache and signing in again.',
  'Let me know if you would like me to escalate this to a specialist.',
  'The refund will appear on your statement within five to ten days.',
  'Based on the logs, the job failed because the input file was empty.',
  'Your plan includes 10 seats; two of them are currently unassigned.',
  'I have updated the shipping address on the pending order.',
])};
-- k distinct sentences: a random start and an odd stride over the 16-sentence pool.
create or replace macro prose(i, s, k) as array_to_string(
  [sentences()[1 + (floor(u(i, s) * 16)::int + x * (1 + 2 * floor(u(i, s || '_step') * 8)::int)) % 16] for x in range(k)], ' ');
`;

const CHAT_MODELS = weighted([
  ['gpt-4o-mini-2024-07-18', 6],
  ['gpt-4.1-mini-2025-04-14', 5],
  ['gpt-4o-2024-08-06', 4],
  ['gpt-4.1-2025-04-14', 3],
  ['o4-mini-2025-04-16', 2],
]);

// Projects and API keys as the Usage API reports them (opaque ids); README maps them to apps.
const SUPPORT = `{'project_id': 'proj_Vq3mK8sT2xLwN9pR4cYe6hJd', 'keys': ['key_Jd82nQwLx0PzT5aB', 'key_Rm4sYv7Kc1HuE9gW']}`;
const SEARCH = `{'project_id': 'proj_b7TzQ1nW5kXc3LrM8vPa2sGe', 'keys': ['key_Ft6pLa9Xe3QbN2wC']}`;
const ANALYTICS = `{'project_id': 'proj_H2wR9cLm4TqZ7xVb1nKs5pDy', 'keys': ['key_Wc5mTz1Rb8YkP3sN']}`;
const BATCH_PROJECT = 'proj_H2wR9cLm4TqZ7xVb1nKs5pDy';
const BATCH_KEY = 'key_Bt7qXn4Lm2VcR9dH';

// Weight of each UTC hour in chat traffic: business hours in Europe and the Americas.
const HOUR_WEIGHTS = [1, 1, 1, 1, 1, 1, 2, 4, 6, 7, 8, 8, 8, 8, 8, 8, 7, 6, 5, 4, 3, 2, 2, 1];
const HOURS = `[${HOUR_WEIGHTS.flatMap((w, h) => Array<number>(w).fill(h)).join(', ')}]`;

const QUERIES = list(['refund policy for annual plans', 'how to rotate API keys', 'webhook retry schedule', 'SSO setup with Okta', 'export invoices as CSV', 'rate limits per project']);
const TITLES = list(['Customer cannot sign in after password reset', 'Invoice shows wrong VAT rate', 'Webhook deliveries failing with 502', 'Request to add seats to plan']);

const FUNCTIONS = weighted([
  ['search_documents', 4],
  ['lookup_order', 3],
  ['create_ticket', 2],
  ['get_weather', 2],
  ['send_email', 1],
  ['get_current_time', 1],
]);

interface DayParams {
  outDir: string;
  seed: number;
  scale: number;
  day: number;
  startMs: number;
}

async function generateDay(connection: DuckDBConnection, p: DayParams): Promise<GeneratedFile[]> {
  const date = new Date(p.startMs + p.day * 86_400_000).toISOString().slice(0, 10);
  const dayStart = Math.round((p.startMs + p.day * 86_400_000) / 1000);
  const nChat = Math.max(8, Math.round(CHAT_PER_DAY * p.scale));
  const nBatch = Math.max(4, Math.round(BATCH_REQUESTS * p.scale));
  await connection.run(`set variable seed = ${p.seed}; set variable day = ${p.day}; set variable day_start = ${dayStart}; set variable n_chat = ${nChat}; set variable n_batch = ${nBatch}; set variable day_text = ${lit(date)};`);
  for (const [name, statements] of [['chat completions', CHAT_SQL], ['batch outputs', BATCH_SQL], ['usage buckets', USAGE_SQL]] as const) {
    try {
      await connection.run(statements);
    } catch (error) {
      throw new Error(`generating the ${name} of ${date} failed: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    }
  }

  const files: GeneratedFile[] = [];
  const write = async (source: ExportSource, relPath: string, table: string, where: string): Promise<void> => {
    const counts = (await connection.runAndReadAll(`select count(*)::int as n, count(*) filter (where sub = 0)::int as bad from ${table} where ${where}`)).getRowObjectsJS()[0]!;
    if (counts.n === 0) return; // the API writes no error file for a batch without errors
    const absolute = join(p.outDir, ...relPath.split('/'));
    await mkdir(join(absolute, '..'), { recursive: true });
    // Lines are JSON text already: CSV with no quoting and no escaping writes them verbatim.
    await connection.run(`copy (select line from ${table} where ${where} order by ts, i, sub) to ${lit(absolute)} (format csv, header false, quote '', escape '')`);
    files.push({ source, path: relPath, date, lines: Number(counts.n), malformedLines: Number(counts.bad) });
  };
  await write('chat_completions', `chat_completions/${date}.jsonl`, 'chat_lines', 'true');
  const batches = (await connection.runAndReadAll('select distinct batch_id from batch order by batch_id')).getRowObjectsJS();
  for (const { batch_id: id } of batches) {
    const batchId = String(id);
    await write('batch_outputs', `batch_outputs/${date}/${batchId}_output.jsonl`, 'batch_lines', `batch_id = ${lit(batchId)} and status_code = 200`);
    await write('batch_outputs', `batch_outputs/${date}/${batchId}_errors.jsonl`, 'batch_lines', `batch_id = ${lit(batchId)} and status_code is distinct from 200`);
  }
  await write('usage_buckets', `usage_buckets/${date}.jsonl`, 'usage_lines', 'true');
  return files;
}

/**
 * Half-written copies (sub = 0) of some records of `source`, placed right before the
 * complete record (sub = 1): either the first 60% of the line or a Python-repr dump with
 * single quotes. `guaranteed` picks the records that always get one, so every file has a
 * malformed line to quarantine.
 */
function malformedCopies(source: string, salt: string, guaranteed: string, extraColumns = ''): string {
  return `
  select ts, i, 0 as sub, ${extraColumns}
    case when u(i, '${salt}_bad_kind') < 0.6 then substr(line, 1, greatest(1, floor(length(line) * 0.6)::int))
         else replace(replace(replace(replace(line, '"', ''''), ':null', ':None'), ':true', ':True'), ':false', ':False') end as line
  from ${source}
  where u(i, '${salt}_bad') < 0.004 or ${guaranteed}`;
}

const CHAT_SQL = `
create or replace temp table chat_base as
with b as (
  select i,
    u(i, 'kind') as rk,
    pick(${CHAT_MODELS}, u(i, 'model')) as model,
    getvariable('day_start') + pick(${HOURS}, u(i, 'hour')) * 3600 + floor(u(i, 'sec') * 3600)::int as created,
    pick([${SUPPORT}, ${SUPPORT}, ${SUPPORT}, ${SUPPORT}, ${SUPPORT}, ${SUPPORT}, ${SEARCH}, ${SEARCH}, ${SEARCH}, ${ANALYTICS}], u(i, 'project')) as project
  from range(getvariable('n_chat')) t(i)
)
select i, model, created, project.project_id as project_id, pick(project.keys, u(i, 'key')) as api_key_id,
  case when rk < 0.01 then 'error' when rk < 0.21 then 'tools' when rk < 0.29 then 'structured'
       when rk < 0.32 then 'refusal' when rk < 0.34 then 'length' else 'text' end as kind,
  case when rk >= 0.34 and u(i, 'n') < 0.05 then 2 else 1 end as n_choices,
  1 + (u(i, 'calls') < 0.3)::int + (u(i, 'calls') < 0.08)::int as n_calls,
  u(i, 'trunc') < 0.05 as truncated_args,
  'chatcmpl-' || hex(i, 'id', 29) as completion_id
from b;

create or replace temp table chat_calls as
with calls as (
  select c.i, r.j, c.truncated_args, c.n_calls, pick(${FUNCTIONS}, u(c.i * 10 + r.j, 'fn')) as fn, c.i * 10 + r.j as k
  from chat_base c, range(c.n_calls) r(j)
  where c.kind = 'tools'
), args as (
  select *, case fn
  when 'get_weather' then json_object('location', pick(${list(['Paris', 'Berlin', 'New York, NY', 'Tokyo', 'São Paulo', 'Lagos', 'Sydney', 'Toronto'])}, u(k, 'city')),
                                      'unit', pick(['celsius', 'fahrenheit'], u(k, 'unit')))
  -- Optional arguments are left out at times, as models do: argument counts vary per call.
  when 'search_documents' then case when u(k, 'filters') < 0.5
    then json_object('query', pick(${QUERIES}, u(k, 'q')), 'top_k', pick([3, 5, 10], u(k, 'topk')),
                     'filters', json_object('source', pick(['kb', 'tickets', 'changelog'], u(k, 'src')), 'updated_after', '2025-01-01'))
    else json_object('query', pick(${QUERIES}, u(k, 'q')), 'top_k', pick([3, 5, 10], u(k, 'topk'))) end
  when 'create_ticket' then case when u(k, 'assignee') < 0.4
    then json_object('title', pick(${TITLES}, u(k, 'title')), 'priority', pick(['low', 'medium', 'high', 'urgent'], u(k, 'prio')),
                     'component', pick(['auth', 'billing', 'integrations', 'accounts'], u(k, 'comp')), 'assignee', pick(['oncall-billing', 'oncall-auth'], u(k, 'who')))
    else json_object('title', pick(${TITLES}, u(k, 'title')), 'priority', pick(['low', 'medium', 'high', 'urgent'], u(k, 'prio')),
                     'component', pick(['auth', 'billing', 'integrations', 'accounts'], u(k, 'comp'))) end
  when 'lookup_order' then json_object('order_id', 'ORD-' || lpad((hash(getvariable('seed'), getvariable('day'), k, 'order') % 1000000)::varchar, 6, '0'))
  when 'send_email' then json_object('to', [pick(${list(['ana@example.com', 'li.wei@example.org', 'sam@example.net'])}, u(k, 'to'))],
                                     'subject', pick(${list(['Your support request', 'Order update', 'Invoice correction'])}, u(k, 'subj')),
                                     'body', prose(k, 'mail', 2))
  else json_object() end::varchar as args
  from calls
)
select i, j, k, fn,
  case when truncated_args and j = n_calls - 1 then substr(args, 1, greatest(1, floor(length(args) * 0.6)::int)) else args end as args
from args;

create or replace temp table chat as
with calls as (
  select i, list(json_object('id', 'call_' || hex(k, 'call', 24), 'type', 'function', 'function', json_object('name', fn, 'arguments', args)) order by j) as tool_calls,
         sum(length(args)) as args_chars
  from chat_calls group by i
), texts as (
  select c.*, calls.tool_calls, calls.args_chars,
    case kind
      when 'text' then [prose(i * 10 + x, 'content', 1 + floor(u(i * 10 + x, 'len') * 5)::int) for x in range(n_choices)]
      when 'length' then [substr(prose(i, 'content', 8), 1, floor(length(prose(i, 'content', 8)) * 0.7)::int)]
      when 'structured' then [json_object('intent', pick(['billing', 'technical_issue', 'account', 'feature_request', 'other'], u(i, 'intent')),
                                          'sentiment', pick(['positive', 'neutral', 'negative'], u(i, 'sent')),
                                          'confidence', round(0.5 + 0.5 * u(i, 'conf'), 2),
                                          'needs_human', u(i, 'human') < 0.2)::varchar]
      else []::varchar[] end as contents,
    pick(${list(["I'm sorry, but I can't help with that.", "I can't assist with that request.", "I'm not able to provide that information."])}, u(i, 'refusal')) as refusal_text,
    40 + floor(pow(u(i, 'prompt'), 2) * 6000)::int + case when kind = 'tools' then 350 else 0 end as prompt_tokens,
    case when model like 'o4-mini%' then 64 * (1 + floor(u(i, 'reason') * 40)::int) else 0 end as reasoning_tokens
  from chat_base c left join calls using (i)
), usage as (
  select *,
    case when prompt_tokens >= 1024 and u(i, 'cache') < 0.45
         then least(prompt_tokens, 1024 + floor((prompt_tokens - 1024) * u(i, 'cfrac') / 128)::int * 128) else 0 end as cached_tokens,
    reasoning_tokens + case kind
      when 'tools' then ceil(args_chars / 4)::int + 12 * n_calls
      when 'refusal' then ceil(length(refusal_text) / 4)::int
      else list_sum([ceil(length(t) / 4)::int for t in contents]) end as completion_tokens
  from texts
)
select *,
  case kind
    when 'error' then json_object('error', json_object(
      'message', 'Rate limit reached for ' || model || ' in organization org-Qm4T8sLx2VbN on tokens per min (TPM): Limit 30000, Used 29874, Requested ' || prompt_tokens || '. Please try again in 2.672s.',
      'type', 'tokens', 'param', null, 'code', 'rate_limit_exceeded'))::varchar
    else json_object(
      'id', completion_id, 'object', 'chat.completion', 'created', created, 'model', model,
      'choices', case kind
        when 'tools' then [json_object('index', 0,
            'message', json_object('role', 'assistant', 'content', null, 'refusal', null, 'tool_calls', tool_calls, 'annotations', []::json[]),
            'logprobs', null, 'finish_reason', case when truncated_args then 'length' else 'tool_calls' end)]
        when 'refusal' then [json_object('index', 0,
            'message', json_object('role', 'assistant', 'content', null, 'refusal', refusal_text, 'annotations', []::json[]),
            'logprobs', null, 'finish_reason', 'stop')]
        else [json_object('index', x,
            'message', json_object('role', 'assistant', 'content', contents[x + 1], 'refusal', null, 'annotations', []::json[]),
            'logprobs', null, 'finish_reason', case when kind = 'length' then 'length' else 'stop' end) for x in range(n_choices)] end,
      'usage', json_object(
        'prompt_tokens', prompt_tokens, 'completion_tokens', completion_tokens, 'total_tokens', prompt_tokens + completion_tokens,
        'prompt_tokens_details', json_object('cached_tokens', cached_tokens, 'audio_tokens', 0),
        'completion_tokens_details', json_object('reasoning_tokens', reasoning_tokens, 'audio_tokens', 0, 'accepted_prediction_tokens', 0, 'rejected_prediction_tokens', 0)),
      'service_tier', 'default',
      'system_fingerprint', 'fp_' || substr(md5(model), 1, 10))::varchar end as line
from usage;

create or replace temp table chat_lines as
select created as ts, i, 1 as sub, line from chat
union all
${malformedCopies('(select created as ts, * from chat)', 'chat', 'i = 7')};
`;

// Two nightly batch jobs: ticket triage with structured outputs, and call summaries.
const BATCH_SQL = `
create or replace temp table batch_base as
select b, i, b * 1000000 + i as rid,
  'batch_' || hex(b, 'batch', 32) as batch_id,
  case b when 0 then 'gpt-4o-mini-2024-07-18' else 'gpt-4.1-mini-2025-04-14' end as model,
  case b when 0 then 'triage' else 'summary' end || '-' || getvariable('day_text') || '-' || lpad(i::varchar, 6, '0') as custom_id,
  getvariable('day_start') + (1 + 2 * b) * 3600 + floor(u(b * 1000000 + i, 'sec') * 7200)::int as created,
  u(b * 1000000 + i, 'outcome') as ro
from range(2) bb(b), range(getvariable('n_batch')) t(i);

create or replace temp table batch as
with o as (
  select *,
    case when ro < 0.04 then 'API_ERROR' when ro < 0.09 then 'HTTP_ERROR' when ro < 0.12 then 'REFUSAL' else 'SUCCESS' end as outcome,
    u(rid, 'http') < 0.6 as context_too_long,
    b = 0 and u(rid, 'cut') < 0.03 as cut_short
  from batch_base
), c as (
  select *,
    case
      when outcome = 'REFUSAL' then null
      when b = 0 then json_object('category', pick(['billing', 'bug', 'how_to', 'account', 'feature_request'], u(rid, 'cat')),
                                  'priority', pick(['p1', 'p2', 'p3'], u(rid, 'prio')),
                                  'language', pick(['en', 'en', 'en', 'de', 'fr', 'es'], u(rid, 'lang')),
                                  'confidence', round(0.55 + 0.45 * u(rid, 'conf'), 2))::varchar
      else prose(rid, 'summary', 2 + floor(u(rid, 'len') * 3)::int) end as full_content,
    pick(${list(["I'm sorry, but I can't help with that.", "I can't assist with that request."])}, u(rid, 'refusal')) as refusal_text,
    200 + floor(u(rid, 'prompt') * 2400)::int as prompt_tokens
  from o
), t as (
  select *,
    case when cut_short then substr(full_content, 1, floor(length(full_content) * 0.6)::int) else full_content end as content,
    case when prompt_tokens >= 1024 and u(rid, 'cache') < 0.7
         then least(prompt_tokens, 1024 + floor((prompt_tokens - 1024) * u(rid, 'cfrac') / 128)::int * 128) else 0 end as cached_tokens
  from c
), tk as (
  select *, ceil(length(coalesce(content, refusal_text)) / 4)::int as completion_tokens from t
)
select *, case outcome when 'API_ERROR' then null when 'HTTP_ERROR' then case when context_too_long then 400 else 500 end else 200 end as status_code,
  json_object(
    'id', 'batch_req_' || hex(rid, 'req', 32),
    'custom_id', custom_id,
    'response', case outcome
      when 'API_ERROR' then null
      when 'HTTP_ERROR' then json_object('status_code', case when context_too_long then 400 else 500 end, 'request_id', hex(rid, 'request', 32),
        'body', json_object('error', case when context_too_long
          then json_object('message', 'This model''s maximum context length is 128000 tokens. However, your messages resulted in ' || (128000 + prompt_tokens * 7) || ' tokens. Please reduce the length of the messages.',
                           'type', 'invalid_request_error', 'param', 'messages', 'code', 'context_length_exceeded')
          else json_object('message', 'The server had an error while processing your request. Sorry about that!', 'type', 'server_error', 'param', null, 'code', null) end))
      else json_object('status_code', 200, 'request_id', hex(rid, 'request', 32), 'body', json_object(
        'id', 'chatcmpl-' || hex(rid, 'batch_completion_id', 29), 'object', 'chat.completion', 'created', created, 'model', model,
        'choices', [json_object('index', 0,
          'message', json_object('role', 'assistant', 'content', content, 'refusal', case when outcome = 'REFUSAL' then refusal_text end, 'annotations', []::json[]),
          'logprobs', null, 'finish_reason', case when cut_short then 'length' else 'stop' end)],
        'usage', json_object('prompt_tokens', prompt_tokens, 'completion_tokens', completion_tokens, 'total_tokens', prompt_tokens + completion_tokens,
          'prompt_tokens_details', json_object('cached_tokens', cached_tokens, 'audio_tokens', 0),
          'completion_tokens_details', json_object('reasoning_tokens', 0, 'audio_tokens', 0, 'accepted_prediction_tokens', 0, 'rejected_prediction_tokens', 0)),
        'service_tier', 'default', 'system_fingerprint', 'fp_' || substr(md5(model), 1, 10)))
      end,
    'error', case when outcome = 'API_ERROR' then json_object('code', 'batch_expired', 'message', 'This request could not be executed before the completion window expired.') end
  )::varchar as line
from tk;

create or replace temp table batch_lines as
select created as ts, rid as i, 1 as sub, batch_id, status_code, line from batch
union all
${malformedCopies('(select created as ts, rid as i, * exclude (i) from batch)', 'batch', '(status_code = 200 and rid in (select min(rid) from batch where status_code = 200 group by b))', 'batch_id, status_code,')};
`;

// The Usage API sums every request that produced tokens: chat completions (not the logged
// error responses) and batch requests answered with HTTP 200 (successes and refusals).
const USAGE_SQL = `
create or replace temp table usage_lines as
with requests as (
  select created, model, project_id, api_key_id, false as is_batch, prompt_tokens, completion_tokens, cached_tokens from chat where kind <> 'error'
  union all
  select created, model, ${lit(BATCH_PROJECT)}, ${lit(BATCH_KEY)}, true, prompt_tokens, completion_tokens, cached_tokens from batch where status_code = 200
), results as (
  select (created - getvariable('day_start')) // 3600 as h,
    json_object('object', 'organization.usage.completions.result',
      'input_tokens', sum(prompt_tokens), 'output_tokens', sum(completion_tokens), 'input_cached_tokens', sum(cached_tokens),
      'input_audio_tokens', 0, 'output_audio_tokens', 0, 'num_model_requests', count(*),
      'project_id', project_id, 'user_id', null, 'api_key_id', api_key_id, 'model', model, 'batch', is_batch) as result,
    model, project_id, api_key_id, is_batch
  from requests group by 1, model, project_id, api_key_id, is_batch
), buckets as (
  select h, getvariable('day_start') + h * 3600 as start_time,
    coalesce(list(r.result order by r.model, r.project_id, r.api_key_id, r.is_batch) filter (where r.result is not null), []::json[]) as results
  from range(24) t(h) left join results r using (h)
  group by h
), lines as (
  select start_time as ts, h as i, 1 as sub,
    json_object('object', 'bucket', 'start_time', start_time, 'end_time', start_time + 3600, 'results', results)::varchar as line
  from buckets
)
select * from lines
union all
${malformedCopies('lines', 'usage', 'i = 12')};
`;
