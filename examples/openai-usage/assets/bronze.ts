/**
 * Bronze: the three OpenAI exports loaded as they are, one JSON column `raw` per record plus
 * `source_file` and `loaded_at` (the seed's RAW_* VARIANT tables, filled by COPY INTO with
 * METADATA$FILENAME). Each run loads only files it has not loaded before; lines that are not
 * valid JSON go to `<table>__quarantine` instead of failing the load.
 */
import { checks, ingestAsset } from '@assay/core';

const common = {
  format: 'jsonl',
  shape: 'raw',
  onError: 'quarantine',
  tags: { source: 'openai' },
  checks: [checks.rowCount({ min: 1 })],
} as const;

/** Chat Completions API responses as the application logged them (`@openai_raw_stage/chat_completions/`). */
export const rawChatCompletions = ingestAsset({
  ...common,
  key: 'bronze/RAW_CHAT_COMPLETIONS',
  path: 'data/chat_completions/*.jsonl',
  description: 'Raw chat.completion objects (and logged error responses), one VARIANT-style JSON row per line.',
});

/** Batch API output and error files (`@openai_raw_stage/batch_outputs/`). */
export const rawBatchOutputs = ingestAsset({
  ...common,
  key: 'bronze/RAW_BATCH_OUTPUTS',
  path: 'data/batch_outputs/**/*.jsonl',
  description: 'Raw Batch API result lines: custom_id, response (status_code, body) and error.',
});

/** Usage API completions buckets (`@openai_raw_stage/usage_buckets/`). */
export const rawUsageBuckets = ingestAsset({
  ...common,
  key: 'bronze/RAW_USAGE_BUCKETS',
  path: 'data/usage_buckets/*.jsonl',
  description: 'Raw hourly Usage API buckets with their results grouped by model, project, API key and batch.',
});
