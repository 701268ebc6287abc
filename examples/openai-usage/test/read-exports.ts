/**
 * Reads the generated JSONL exports with plain `JSON.parse` and computes, in JavaScript,
 * what the pipeline's tables must contain. Shares no SQL with the pipeline, so the e2e test
 * compares two independent computations.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { BATCH_PRICE_FACTOR, MODEL_RATES } from '../assets/model-rates.js';

/** Per export folder: how many lines parsed and how many did not. */
export interface LineCounts {
  files: string[];
  valid: number;
  malformed: number;
}

/** One (day, model, batch flag) total from the usage buckets, with its estimated cost. */
export interface UsageTotal {
  date: string;
  model: string;
  isBatch: boolean;
  input: number;
  output: number;
  cached: number;
  requests: number;
  costUsd: number;
}

/** Everything the test checks against. */
export interface ExpectedOutputs {
  chat: LineCounts;
  batch: LineCounts;
  usage: LineCounts;
  /** Logged error responses: valid JSON without `choices`. */
  chatErrorRecords: number;
  completionRows: number;
  refusals: number;
  multiChoiceCompletions: number;
  structuredOutputs: number;
  choicesWithToolCalls: number;
  toolCalls: number;
  unparseableArguments: number;
  argumentCountSum: number;
  callsByFunction: Map<string, number>;
  outcomes: Map<string, number>;
  /** Batch rows with no choice (errors kept by FLATTEN OUTER). */
  batchRowsWithoutChoice: number;
  batchTokens: number;
  usageRows: number;
  usageTotals: Map<string, UsageTotal>;
}

type Json = Record<string, any>;

/** All `.jsonl` files under `dir`, recursively, as paths relative to `base`. */
function jsonlFiles(dir: string, base: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) out.push(...jsonlFiles(full, base));
    else if (name.endsWith('.jsonl')) out.push(full.slice(base.length + 1).split('\\').join('/'));
  }
  return out;
}

/** Parses every non-blank line of an export folder; malformed lines are counted, not kept. */
function readFolder(dataDir: string, folder: string): { counts: LineCounts; records: Json[] } {
  const files = jsonlFiles(join(dataDir, folder), dataDir);
  const records: Json[] = [];
  let malformed = 0;
  for (const file of files) {
    for (const line of readFileSync(join(dataDir, file), 'utf8').split('\n')) {
      if (line.trim() === '') continue;
      try {
        records.push(JSON.parse(line) as Json);
      } catch {
        malformed++;
      }
    }
  }
  return { counts: { files, valid: records.length, malformed }, records };
}

function parseObject(text: unknown): Json | undefined {
  if (typeof text !== 'string') return undefined;
  try {
    const value: unknown = JSON.parse(text);
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Json) : undefined;
  } catch {
    return undefined;
  }
}

/** Price of a (model, batch) total with the example's rate card, longest prefix first. */
export function estimateCost(model: string, isBatch: boolean, input: number, cached: number, output: number): number {
  const rate = [...MODEL_RATES].sort((a, b) => b.modelPrefix.length - a.modelPrefix.length).find((r) => model.startsWith(r.modelPrefix));
  if (!rate) return NaN;
  const factor = isBatch ? BATCH_PRICE_FACTOR : 1;
  return (((input - cached) * rate.inputUsdPer1M + cached * rate.cachedInputUsdPer1M + output * rate.outputUsdPer1M) / 1e6) * factor;
}

/** Computes the expected outputs from the files under `dataDir`. */
export function readExports(dataDir: string): ExpectedOutputs {
  const chat = readFolder(dataDir, 'chat_completions');
  const batch = readFolder(dataDir, 'batch_outputs');
  const usage = readFolder(dataDir, 'usage_buckets');
  const out: ExpectedOutputs = {
    chat: chat.counts,
    batch: batch.counts,
    usage: usage.counts,
    chatErrorRecords: 0,
    completionRows: 0,
    refusals: 0,
    multiChoiceCompletions: 0,
    structuredOutputs: 0,
    choicesWithToolCalls: 0,
    toolCalls: 0,
    unparseableArguments: 0,
    argumentCountSum: 0,
    callsByFunction: new Map(),
    outcomes: new Map(),
    batchRowsWithoutChoice: 0,
    batchTokens: 0,
    usageRows: 0,
    usageTotals: new Map(),
  };

  for (const record of chat.records) {
    const choices: Json[] | undefined = record.choices;
    if (!Array.isArray(choices)) {
      out.chatErrorRecords++;
      continue;
    }
    if (choices.length > 1) out.multiChoiceCompletions++;
    for (const choice of choices) {
      out.completionRows++;
      const message: Json = choice.message ?? {};
      if (message.refusal != null) out.refusals++;
      if (parseObject(message.content)) out.structuredOutputs++;
      const calls: Json[] = Array.isArray(message.tool_calls) ? message.tool_calls : [];
      if (calls.length > 0) out.choicesWithToolCalls++;
      for (const call of calls) {
        out.toolCalls++;
        const name = String(call.function.name);
        out.callsByFunction.set(name, (out.callsByFunction.get(name) ?? 0) + 1);
        const args = parseObject(call.function.arguments);
        if (args) out.argumentCountSum += Object.keys(args).length;
        else out.unparseableArguments++;
      }
    }
  }

  for (const record of batch.records) {
    const response: Json | null = record.response ?? null;
    const choices: (Json | null)[] = Array.isArray(response?.body?.choices) && response.body.choices.length > 0 ? response.body.choices : [null];
    for (const choice of choices) {
      let outcome: string;
      if (record.error?.code != null || record.error?.message != null) outcome = 'API_ERROR';
      else if (response?.status_code !== 200) outcome = 'HTTP_ERROR';
      else if (choice?.message?.refusal != null) outcome = 'REFUSAL';
      else outcome = 'SUCCESS';
      out.outcomes.set(outcome, (out.outcomes.get(outcome) ?? 0) + 1);
      if (choice === null) out.batchRowsWithoutChoice++;
      out.batchTokens += Number(response?.body?.usage?.total_tokens ?? 0);
    }
  }

  for (const bucket of usage.records) {
    const date = new Date(Number(bucket.start_time) * 1000).toISOString().slice(0, 10);
    for (const r of bucket.results as Json[]) {
      out.usageRows++;
      const key = `${date}|${r.model}|${r.batch}`;
      const t = out.usageTotals.get(key) ?? { date, model: String(r.model), isBatch: Boolean(r.batch), input: 0, output: 0, cached: 0, requests: 0, costUsd: 0 };
      t.input += Number(r.input_tokens);
      t.output += Number(r.output_tokens);
      t.cached += Number(r.input_cached_tokens);
      t.requests += Number(r.num_model_requests);
      out.usageTotals.set(key, t);
    }
  }
  for (const t of out.usageTotals.values()) t.costUsd = estimateCost(t.model, t.isBatch, t.input, t.cached, t.output);
  return out;
}
