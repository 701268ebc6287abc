/**
 * Silver: typed, flattened tables over the raw JSON (the seed's silver Dynamic Tables).
 *
 * SQL is given per dialect: `snowflake` is the seed's own idiom (`raw:choices` on VARIANT,
 * `LATERAL FLATTEN`, `TRY_PARSE_JSON`, `OBJECT_KEYS`), `duckdb` its translation.
 * The DuckDB translation: `raw:a.b::string` → `raw->>'$.a.b'`,
 * `LATERAL FLATTEN(x)` → `unnest(cast(x as json[]))` (OUTER → `left join lateral ... on true`),
 * `TRY_PARSE_JSON` → `try_cast(... as json)`, `OBJECT_KEYS` → `json_keys`,
 * `TO_TIMESTAMP_NTZ(epoch)` → `make_timestamp(epoch * 1e6)` (no session time zone involved).
 * `->>` binds more loosely than `is null` and `=`, hence the parentheses around it.
 */
import { checks, self, sql, sqlAsset } from '@assay/core';
import { rawBatchOutputs, rawChatCompletions, rawUsageBuckets } from './bronze.js';

/** TARGET_LAG of the seed on a table nothing else in the graph reads. */
const leafLag = { targetLag: '5 minutes' };
/** TARGET_LAG = DOWNSTREAM: refreshed when (and as often as) a gold table needs it. */
const downstreamLag = { targetLag: 'downstream' };

/**
 * DT_COMPLETIONS: one row per choice of each chat completion (LATERAL FLATTEN over
 * `raw:choices`). Logged error responses have no choices, so they drop out here.
 */
export const completions = sqlAsset({
  key: 'silver/DT_COMPLETIONS',
  description: 'Typed, flattened completions: content, refusal, tool call flags, cache ratio.',
  tags: { source: 'openai' },
  freshness: leafLag,
  checks: [
    checks.notNull('completion_id'),
    checks.unique(['completion_id', 'choice_index']),
    checks.acceptedValues('finish_reason', ['stop', 'length', 'tool_calls', 'content_filter', 'function_call']),
    checks.expression('cache_hit_ratio between 0 and 1'),
    checks.expression('reasoning_tokens <= completion_tokens'),
    checks.expression('not (is_refusal and content is not null)', { name: 'refusals_have_no_content' }),
  ],
})({
  duckdb: sql`
    select
      r.raw->>'$.id' as completion_id,
      cast(c.value->>'$.index' as integer) as choice_index,
      r.raw->>'$.model' as model,
      make_timestamp(cast(r.raw->>'$.created' as bigint) * 1000000) as created_at,
      c.value->>'$.finish_reason' as finish_reason,
      c.value->>'$.message.content' as content,
      c.value->>'$.message.refusal' as refusal,
      (c.value->>'$.message.refusal') is not null as is_refusal,
      coalesce(json_array_length(c.value->'$.message.tool_calls'), 0) > 0 as has_tool_calls,
      coalesce(json_type(try_cast(c.value->>'$.message.content' as json)) = 'OBJECT', false) as is_structured_output,
      length(c.value->>'$.message.content') as content_length,
      cast(r.raw->>'$.usage.prompt_tokens' as integer) as prompt_tokens,
      cast(r.raw->>'$.usage.completion_tokens' as integer) as completion_tokens,
      cast(r.raw->>'$.usage.total_tokens' as integer) as total_tokens,
      cast(r.raw->>'$.usage.prompt_tokens_details.cached_tokens' as integer) as cached_tokens,
      round(cast(r.raw->>'$.usage.prompt_tokens_details.cached_tokens' as integer) / nullif(cast(r.raw->>'$.usage.prompt_tokens' as integer), 0), 4) as cache_hit_ratio,
      cast(r.raw->>'$.usage.completion_tokens_details.reasoning_tokens' as integer) as reasoning_tokens,
      r.raw->>'$.service_tier' as service_tier,
      r.raw->>'$.system_fingerprint' as system_fingerprint,
      r.source_file,
      r.loaded_at
    from ${rawChatCompletions} as r,
      unnest(cast(r.raw->'$.choices' as json[])) as c(value)`,
  snowflake: sql`
    select
      r.raw:id::string as completion_id,
      c.value:index::int as choice_index,
      r.raw:model::string as model,
      to_timestamp_ntz(r.raw:created::number) as created_at,
      c.value:finish_reason::string as finish_reason,
      c.value:message.content::string as content,
      c.value:message.refusal::string as refusal,
      c.value:message.refusal::string is not null as is_refusal,
      coalesce(array_size(c.value:message.tool_calls), 0) > 0 as has_tool_calls,
      coalesce(is_object(try_parse_json(c.value:message.content::string)), false) as is_structured_output,
      length(c.value:message.content::string) as content_length,
      r.raw:usage.prompt_tokens::int as prompt_tokens,
      r.raw:usage.completion_tokens::int as completion_tokens,
      r.raw:usage.total_tokens::int as total_tokens,
      r.raw:usage.prompt_tokens_details.cached_tokens::int as cached_tokens,
      round(r.raw:usage.prompt_tokens_details.cached_tokens::int / nullif(r.raw:usage.prompt_tokens::int, 0), 4) as cache_hit_ratio,
      r.raw:usage.completion_tokens_details.reasoning_tokens::int as reasoning_tokens,
      r.raw:service_tier::string as service_tier,
      r.raw:system_fingerprint::string as system_fingerprint,
      r.source_file,
      r.loaded_at
    from ${rawChatCompletions} as r,
      lateral flatten(input => r.raw:choices) as c`,
});

/**
 * DT_TOOL_CALLS: one row per tool invocation (double FLATTEN: choices → tool_calls), with
 * the arguments string parsed (NULL when the model produced invalid JSON, e.g. when it was
 * cut off by max_tokens) and the number of top-level arguments.
 */
export const toolCalls = sqlAsset({
  key: 'silver/DT_TOOL_CALLS',
  description: 'One row per tool invocation: parsed arguments, argument count.',
  tags: { source: 'openai' },
  freshness: downstreamLag,
  checks: [
    checks.notNull('function_name'),
    checks.unique('tool_call_id'),
    checks.expression('argument_count is not null or arguments_parsed is null', { name: 'parsed_arguments_are_counted' }),
    // Truncated arguments happen; more than 5% of them means a prompt or max_tokens problem.
    // COUNT_IF: one spelling both engines accept (Snowflake has no FILTER clause).
    checks.sql('unparseable_arguments_below_5_pct', sql`
      select count_if(arguments_parsed is null) as unparseable, count(*) as calls
      from ${self} having count_if(arguments_parsed is null) > 0.05 * count(*)`, { severity: 'warn' }),
  ],
})({
  duckdb: sql`
    select
      r.raw->>'$.id' as completion_id,
      cast(c.value->>'$.index' as integer) as choice_index,
      cast(t.ordinality - 1 as integer) as tool_call_index,
      t.value->>'$.id' as tool_call_id,
      t.value->>'$.type' as tool_type,
      r.raw->>'$.model' as model,
      make_timestamp(cast(r.raw->>'$.created' as bigint) * 1000000) as created_at,
      t.value->>'$.function.name' as function_name,
      t.value->>'$.function.arguments' as arguments_json,
      try_cast(t.value->>'$.function.arguments' as json) as arguments_parsed,
      case when json_type(try_cast(t.value->>'$.function.arguments' as json)) = 'OBJECT'
           then len(json_keys(try_cast(t.value->>'$.function.arguments' as json))) end as argument_count,
      c.value->>'$.finish_reason' as finish_reason,
      cast(r.raw->>'$.usage.total_tokens' as integer) as total_tokens,
      r.source_file,
      r.loaded_at
    from ${rawChatCompletions} as r,
      unnest(cast(r.raw->'$.choices' as json[])) as c(value),
      unnest(cast(c.value->'$.message.tool_calls' as json[])) with ordinality as t(value, ordinality)`,
  snowflake: sql`
    select
      r.raw:id::string as completion_id,
      c.value:index::int as choice_index,
      t.index::int as tool_call_index,
      t.value:id::string as tool_call_id,
      t.value:type::string as tool_type,
      r.raw:model::string as model,
      to_timestamp_ntz(r.raw:created::number) as created_at,
      t.value:function.name::string as function_name,
      t.value:function.arguments::string as arguments_json,
      try_parse_json(t.value:function.arguments::string) as arguments_parsed,
      case when is_object(try_parse_json(t.value:function.arguments::string))
           then array_size(object_keys(try_parse_json(t.value:function.arguments::string))) end as argument_count,
      c.value:finish_reason::string as finish_reason,
      r.raw:usage.total_tokens::int as total_tokens,
      r.source_file,
      r.loaded_at
    from ${rawChatCompletions} as r,
      lateral flatten(input => r.raw:choices) as c,
      lateral flatten(input => c.value:message.tool_calls) as t`,
});

/**
 * DT_BATCH_OUTCOMES: one row per batch request and choice, keeping requests without choices
 * (FLATTEN OUTER => TRUE), routed to SUCCESS, REFUSAL, HTTP_ERROR (non-200 response) or
 * API_ERROR (the request never ran: `error` set, e.g. batch_expired).
 */
export const batchOutcomes = sqlAsset({
  key: 'silver/DT_BATCH_OUTCOMES',
  description: 'Success/error/refusal routing of Batch API results: parsed content, error metadata.',
  tags: { source: 'openai' },
  freshness: downstreamLag,
  checks: [
    checks.notNull('custom_id'),
    checks.unique(['batch_request_id', 'choice_index']),
    checks.acceptedValues('outcome', ['SUCCESS', 'API_ERROR', 'REFUSAL', 'HTTP_ERROR']),
    checks.expression("(outcome in ('API_ERROR', 'HTTP_ERROR')) = (error_code is not null)", { name: 'errors_have_a_code' }),
    checks.expression("outcome not in ('SUCCESS', 'REFUSAL') or status_code = 200", { name: 'answered_requests_are_http_200' }),
  ],
})({
  duckdb: sql`
    select
      r.raw->>'$.id' as batch_request_id,
      r.raw->>'$.custom_id' as custom_id,
      regexp_extract(r.source_file, '(batch_[0-9A-Za-z]+)_(output|errors)[.]jsonl$', 1) as batch_id,
      cast(r.raw->>'$.response.status_code' as integer) as status_code,
      r.raw->>'$.response.request_id' as request_id,
      r.raw->>'$.response.body.id' as completion_id,
      r.raw->>'$.response.body.model' as model,
      make_timestamp(cast(r.raw->>'$.response.body.created' as bigint) * 1000000) as created_at,
      cast(c.value->>'$.index' as integer) as choice_index,
      case
        when (r.raw->>'$.error.code') is not null or (r.raw->>'$.error.message') is not null then 'API_ERROR'
        when cast(r.raw->>'$.response.status_code' as integer) is distinct from 200 then 'HTTP_ERROR'
        when (c.value->>'$.message.refusal') is not null then 'REFUSAL'
        else 'SUCCESS'
      end as outcome,
      c.value->>'$.message.content' as content,
      try_cast(c.value->>'$.message.content' as json) as content_parsed,
      c.value->>'$.message.refusal' as refusal,
      c.value->>'$.finish_reason' as finish_reason,
      coalesce(r.raw->>'$.error.code', r.raw->>'$.response.body.error.code', r.raw->>'$.response.body.error.type') as error_code,
      coalesce(r.raw->>'$.error.message', r.raw->>'$.response.body.error.message') as error_message,
      cast(r.raw->>'$.response.body.usage.prompt_tokens' as integer) as prompt_tokens,
      cast(r.raw->>'$.response.body.usage.completion_tokens' as integer) as completion_tokens,
      cast(r.raw->>'$.response.body.usage.total_tokens' as integer) as total_tokens,
      r.source_file,
      r.loaded_at
    from ${rawBatchOutputs} as r
      left join lateral (select unnest(cast(r.raw->'$.response.body.choices' as json[])) as value) as c on true`,
  snowflake: sql`
    select
      r.raw:id::string as batch_request_id,
      r.raw:custom_id::string as custom_id,
      regexp_substr(split_part(r.source_file, '/', -1), '^batch_[0-9A-Za-z]+') as batch_id,
      r.raw:response.status_code::int as status_code,
      r.raw:response.request_id::string as request_id,
      r.raw:response.body.id::string as completion_id,
      r.raw:response.body.model::string as model,
      to_timestamp_ntz(r.raw:response.body.created::number) as created_at,
      c.value:index::int as choice_index,
      case
        when r.raw:error.code::string is not null or r.raw:error.message::string is not null then 'API_ERROR'
        when (r.raw:response.status_code::int is distinct from 200) then 'HTTP_ERROR'
        when c.value:message.refusal::string is not null then 'REFUSAL'
        else 'SUCCESS'
      end as outcome,
      c.value:message.content::string as content,
      try_parse_json(c.value:message.content::string) as content_parsed,
      c.value:message.refusal::string as refusal,
      c.value:finish_reason::string as finish_reason,
      coalesce(r.raw:error.code::string, r.raw:response.body.error.code::string, r.raw:response.body.error.type::string) as error_code,
      coalesce(r.raw:error.message::string, r.raw:response.body.error.message::string) as error_message,
      r.raw:response.body.usage.prompt_tokens::int as prompt_tokens,
      r.raw:response.body.usage.completion_tokens::int as completion_tokens,
      r.raw:response.body.usage.total_tokens::int as total_tokens,
      r.source_file,
      r.loaded_at
    from ${rawBatchOutputs} as r,
      lateral flatten(input => r.raw:response.body.choices, outer => true) as c`,
});

/**
 * DT_USAGE_FLAT: one row per usage result (LATERAL FLATTEN over `raw:results`); empty
 * buckets (hours without traffic) drop out.
 */
export const usageFlat = sqlAsset({
  key: 'silver/DT_USAGE_FLAT',
  description: 'Flattened Usage API records: bucket timestamps, model/project/key dimensions.',
  tags: { source: 'openai' },
  freshness: downstreamLag,
  checks: [
    checks.notNull('bucket_start'),
    checks.notNull('model'),
    checks.unique(['bucket_start', 'model', 'project_id', 'api_key_id', 'is_batch']),
    checks.expression('input_cached_tokens <= input_tokens'),
    checks.expression('bucket_end > bucket_start'),
  ],
})({
  duckdb: sql`
    select
      make_timestamp(cast(r.raw->>'$.start_time' as bigint) * 1000000) as bucket_start,
      make_timestamp(cast(r.raw->>'$.end_time' as bigint) * 1000000) as bucket_end,
      cast(date_trunc('day', make_timestamp(cast(r.raw->>'$.start_time' as bigint) * 1000000)) as date) as bucket_date,
      x.value->>'$.model' as model,
      x.value->>'$.project_id' as project_id,
      x.value->>'$.api_key_id' as api_key_id,
      x.value->>'$.user_id' as user_id,
      cast(x.value->>'$.batch' as boolean) as is_batch,
      cast(x.value->>'$.input_tokens' as bigint) as input_tokens,
      cast(x.value->>'$.output_tokens' as bigint) as output_tokens,
      cast(x.value->>'$.input_cached_tokens' as bigint) as input_cached_tokens,
      cast(x.value->>'$.input_audio_tokens' as bigint) as input_audio_tokens,
      cast(x.value->>'$.output_audio_tokens' as bigint) as output_audio_tokens,
      cast(x.value->>'$.num_model_requests' as bigint) as num_model_requests,
      r.source_file,
      r.loaded_at
    from ${rawUsageBuckets} as r,
      unnest(cast(r.raw->'$.results' as json[])) as x(value)`,
  snowflake: sql`
    select
      to_timestamp_ntz(r.raw:start_time::number) as bucket_start,
      to_timestamp_ntz(r.raw:end_time::number) as bucket_end,
      to_date(date_trunc('day', to_timestamp_ntz(r.raw:start_time::number))) as bucket_date,
      x.value:model::string as model,
      x.value:project_id::string as project_id,
      x.value:api_key_id::string as api_key_id,
      x.value:user_id::string as user_id,
      x.value:batch::boolean as is_batch,
      x.value:input_tokens::bigint as input_tokens,
      x.value:output_tokens::bigint as output_tokens,
      x.value:input_cached_tokens::bigint as input_cached_tokens,
      x.value:input_audio_tokens::bigint as input_audio_tokens,
      x.value:output_audio_tokens::bigint as output_audio_tokens,
      x.value:num_model_requests::bigint as num_model_requests,
      r.source_file,
      r.loaded_at
    from ${rawUsageBuckets} as r,
      lateral flatten(input => r.raw:results) as x`,
});
