/**
 * Gold: the aggregates analysts and dashboards read (the seed's gold Dynamic Tables,
 * TARGET_LAG = 5 minutes). Each has DuckDB and Snowflake SQL; two are portable as written.
 */
import { checks, raw, self, sql, sqlAsset, type SqlFragment } from '@assay/core';
import { BATCH_PRICE_FACTOR, modelRatesSql } from './model-rates.js';
import { batchOutcomes, toolCalls, usageFlat } from './silver.js';

const targetLag = { targetLag: '5 minutes' };
const owners = ['ai-platform@example.com'];

/**
 * The daily summary's query; the engines differ only in the name of the prefix test
 * (DuckDB `starts_with`, Snowflake `STARTSWITH`).
 */
function dailyTokenSummarySql(prefixTest: 'starts_with' | 'startswith'): SqlFragment {
  return sql`
    with rates as (${modelRatesSql()}),
    daily as (
      select
        bucket_date, model, project_id, is_batch,
        cast(sum(input_tokens) as bigint) as total_input_tokens,
        cast(sum(output_tokens) as bigint) as total_output_tokens,
        cast(sum(input_cached_tokens) as bigint) as total_cached_tokens,
        cast(sum(num_model_requests) as bigint) as total_requests
      from ${usageFlat}
      group by bucket_date, model, project_id, is_batch
    ),
    priced as (
      select
        d.*,
        ((d.total_input_tokens - d.total_cached_tokens) * r.input_usd_per_1m + d.total_cached_tokens * r.cached_input_usd_per_1m) / 1e6
          * case when d.is_batch then cast(${BATCH_PRICE_FACTOR} as double) else 1.0 end as input_cost,
        d.total_output_tokens * r.output_usd_per_1m / 1e6
          * case when d.is_batch then cast(${BATCH_PRICE_FACTOR} as double) else 1.0 end as output_cost
      from daily as d
        left join rates as r on ${raw(prefixTest)}(d.model, r.model_prefix)
      qualify row_number() over (partition by d.bucket_date, d.model, d.project_id, d.is_batch order by length(r.model_prefix) desc nulls last) = 1
    )
    select
      bucket_date, model, project_id, is_batch,
      total_input_tokens, total_output_tokens, total_cached_tokens, total_requests,
      round(input_cost, 6) as est_input_cost_usd,
      round(output_cost, 6) as est_output_cost_usd,
      round(input_cost + output_cost, 6) as est_total_cost_usd,
      round(total_cached_tokens / nullif(total_input_tokens, 0), 4) as overall_cache_hit_ratio,
      round((total_input_tokens + total_output_tokens) / nullif(total_requests, 0), 2) as avg_tokens_per_request
    from priced`;
}

/**
 * DT_DAILY_TOKEN_SUMMARY: tokens, requests and estimated cost per day, model, project and
 * batch flag. Cost uses the rate card in `model-rates.ts` (longest model-prefix match):
 * uncached input, cached input and output tokens at their own rates, batch at 50%.
 */
export const dailyTokenSummary = sqlAsset({
  key: 'gold/DT_DAILY_TOKEN_SUMMARY',
  description: 'Daily cost estimation: input/output/cached tokens, USD estimates.',
  tags: { source: 'openai', team: 'finance' },
  owners,
  freshness: targetLag,
  checks: [
    checks.unique(['bucket_date', 'model', 'project_id', 'is_batch']),
    checks.expression('total_cached_tokens <= total_input_tokens'),
    checks.expression('overall_cache_hit_ratio between 0 and 1'),
    // A model missing from the rate card has no cost estimate: worth a warning, not a stop.
    checks.notNull('est_total_cost_usd', { severity: 'warn', description: 'Every model has a rate in model-rates.ts' }),
  ],
})({
  duckdb: dailyTokenSummarySql('starts_with'),
  snowflake: dailyTokenSummarySql('startswith'),
});

const toolCallAnalyticsSql = sql`
    select
      function_name,
      model,
      count(*) as invocation_count,
      count(distinct completion_id) as unique_completions,
      round(avg(argument_count), 2) as avg_argument_count,
      round(avg(total_tokens), 2) as avg_tokens_per_call,
      min(created_at) as first_seen,
      max(created_at) as last_seen
    from ${toolCalls}
    group by function_name, model`;

/**
 * DT_TOOL_CALL_ANALYTICS: how often each function is called per model, with how many
 * arguments and how many tokens the calling completions used.
 */
export const toolCallAnalytics = sqlAsset({
  key: 'gold/DT_TOOL_CALL_ANALYTICS',
  description: 'Function frequency and argument patterns: invocation counts, avg tokens.',
  tags: { source: 'openai' },
  owners,
  freshness: targetLag,
  checks: [
    checks.unique(['function_name', 'model']),
    checks.expression('unique_completions <= invocation_count'),
    checks.expression('first_seen <= last_seen'),
  ],
})({
  // Portable SQL: the same text runs on both engines.
  duckdb: toolCallAnalyticsSql,
  snowflake: toolCallAnalyticsSql,
});

const batchSummarySql = sql`
    select
      outcome,
      error_code,
      model,
      count(*) as record_count,
      round(100.0 * count(*) / sum(count(*)) over (), 2) as pct_of_total,
      cast(coalesce(sum(total_tokens), 0) as bigint) as total_tokens_used,
      round(coalesce(sum(total_tokens), 0) / count(*), 2) as avg_tokens_per_record
    from ${batchOutcomes}
    group by outcome, error_code, model`;

/**
 * DT_BATCH_SUMMARY: batch health per outcome, error code and model, with each group's share
 * of all batch records (a window over the grouped counts, SUM() OVER ()).
 */
export const batchSummary = sqlAsset({
  key: 'gold/DT_BATCH_SUMMARY',
  description: 'Batch health: outcome distribution, error rates, token efficiency.',
  tags: { source: 'openai' },
  owners,
  freshness: targetLag,
  checks: [
    checks.acceptedValues('outcome', ['SUCCESS', 'API_ERROR', 'REFUSAL', 'HTTP_ERROR']),
    checks.sql('pct_of_total_sums_to_100', sql`select sum(pct_of_total) as total_pct from ${self} having abs(sum(pct_of_total) - 100) > 0.1`),
  ],
})({
  // Portable SQL: the same text runs on both engines.
  duckdb: batchSummarySql,
  snowflake: batchSummarySql,
});
