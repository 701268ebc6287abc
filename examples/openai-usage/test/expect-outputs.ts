// Assertions shared by the DuckDB and Snowflake runs of the pipeline: the silver and gold
// tables must hold what the exports say (recomputed in JavaScript by read-exports.ts). The SQL
// is written to run on both engines (count_if, CASE, unquoted names); rows are read with
// lower-cased column names because Snowflake upper-cases unquoted ones.
import { expect } from 'vitest';
import type { Backend, RunResult } from '@assay/core';
import type { ExpectedOutputs } from './read-exports.js';

type Row = Record<string, unknown>;

/** Fails with the failing assets and checks listed, so a red run says what broke. */
export function expectAllGreen(result: RunResult): void {
  const problems = result.assets.flatMap((a) => [
    ...(a.status === 'success' ? [] : [`${a.key}: ${a.status} ${a.error?.message ?? a.reason ?? ''}`]),
    ...a.checks.filter((c) => !c.passed).map((c) => `${a.key} check ${c.name}: ${c.message ?? ''}`),
  ]);
  expect(problems).toEqual([]);
  expect(result.status).toBe('success');
}

/** Rows of a query with lower-cased column names. */
export async function lowerRows(backend: Backend, text: string): Promise<Row[]> {
  return (await backend.query(text)).map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k.toLowerCase(), v])));
}

/** Compares the silver and gold tables with what the exports say. */
export async function expectSilverAndGoldMatch(backend: Backend, expected: ExpectedOutputs): Promise<void> {
  const rows = (text: string) => lowerRows(backend, text);
  const one = async (text: string) => (await rows(text))[0]!;

  // DT_COMPLETIONS: one row per choice; logged errors (no choices) drop out.
  const c = await one(`
    select count(*) as n, count_if(is_refusal) as refusals, count_if(is_structured_output) as structured,
           count_if(has_tool_calls) as with_tools, count(distinct case when choice_index = 1 then completion_id end) as multi
    from silver.dt_completions`);
  expect([c.n, c.refusals, c.structured, c.with_tools, c.multi].map(Number)).toEqual([
    expected.completionRows,
    expected.refusals,
    expected.structuredOutputs,
    expected.choicesWithToolCalls,
    expected.multiChoiceCompletions,
  ]);

  // DT_TOOL_CALLS: one row per call, arguments parsed or NULL.
  const t = await one('select count(*) as n, count_if(arguments_parsed is null) as unparseable, sum(argument_count) as args from silver.dt_tool_calls');
  expect([t.n, t.unparseable, t.args].map(Number)).toEqual([expected.toolCalls, expected.unparseableArguments, expected.argumentCountSum]);

  // DT_BATCH_OUTCOMES: outer flatten keeps the errors, one row each.
  const outcomes = await rows('select outcome, count(*) as n from silver.dt_batch_outcomes group by outcome');
  expect(Object.fromEntries(outcomes.map((r) => [r.outcome, Number(r.n)]))).toEqual(Object.fromEntries(expected.outcomes));
  expect(Number((await one('select count(*) as n from silver.dt_batch_outcomes where choice_index is null')).n)).toBe(expected.batchRowsWithoutChoice);

  // DT_USAGE_FLAT: one row per bucket result.
  expect(Number((await one('select count(*) as n from silver.dt_usage_flat')).n)).toBe(expected.usageRows);

  // Gold: daily tokens and cost per (day, model, batch), summed over projects.
  const daily = await rows(`
    select bucket_date as d, model, is_batch, sum(total_input_tokens) as input, sum(total_output_tokens) as output,
           sum(total_cached_tokens) as cached, sum(total_requests) as requests, sum(est_total_cost_usd) as cost
    from gold.dt_daily_token_summary group by all`);
  expect(daily).toHaveLength(expected.usageTotals.size);
  for (const row of daily) {
    const day = row.d instanceof Date ? row.d.toISOString().slice(0, 10) : String(row.d).slice(0, 10);
    const want = expected.usageTotals.get(`${day}|${row.model}|${row.is_batch}`);
    expect(want, `${day} ${row.model} batch=${row.is_batch}`).toBeDefined();
    expect([row.input, row.output, row.cached, row.requests].map(Number)).toEqual([want!.input, want!.output, want!.cached, want!.requests]);
    expect(Number(row.cost)).toBeCloseTo(want!.costUsd, 5);
  }

  // Gold: tool call analytics add up to the calls per function.
  const tca = await rows('select function_name, sum(invocation_count) as n from gold.dt_tool_call_analytics group by function_name');
  expect(Object.fromEntries(tca.map((r) => [r.function_name, Number(r.n)]))).toEqual(Object.fromEntries(expected.callsByFunction));

  // Gold: batch summary counts, shares and tokens.
  const bs = await rows('select outcome, sum(record_count) as n, sum(pct_of_total) as pct, sum(total_tokens_used) as tokens from gold.dt_batch_summary group by outcome');
  const batchRows = [...expected.outcomes.values()].reduce((a, b) => a + b, 0);
  for (const row of bs) {
    expect(Number(row.n)).toBe(expected.outcomes.get(String(row.outcome)));
    expect(Number(row.pct)).toBeCloseTo((100 * Number(row.n)) / batchRows, 1);
  }
  expect(bs.reduce((s, r) => s + Number(r.tokens), 0)).toBe(expected.batchTokens);
}
