/**
 * Seed 000 as an Assay project: OpenAI API exports (chat completions, batch outputs, usage
 * buckets) → bronze RAW_* tables → silver DT_* tables → gold DT_* aggregates, on DuckDB.
 *
 * ```
 * RAW_CHAT_COMPLETIONS ─┬─ DT_COMPLETIONS
 *                       └─ DT_TOOL_CALLS ──── DT_TOOL_CALL_ANALYTICS
 * RAW_BATCH_OUTPUTS ────── DT_BATCH_OUTCOMES ─ DT_BATCH_SUMMARY
 * RAW_USAGE_BUCKETS ────── DT_USAGE_FLAT ──── DT_DAILY_TOKEN_SUMMARY
 * ```
 */
export * from './bronze.js';
export * from './silver.js';
export * from './gold.js';
