import { sql, type SqlFragment } from '@assay/core';

/** List prices of one model family, in USD per million tokens. */
export interface ModelRate {
  /** Matched against the dated model name (`gpt-4o-mini-2024-07-18`); the longest prefix wins. */
  modelPrefix: string;
  /** Uncached input tokens. */
  inputUsdPer1M: number;
  /** Input tokens served from the prompt cache. */
  cachedInputUsdPer1M: number;
  /** Output tokens (reasoning tokens included: they are billed as output). */
  outputUsdPer1M: number;
}

/**
 * The rate card the gold cost estimates use: OpenAI's standard-tier list prices as published
 * in mid-2025. Estimates only; edit this table when prices change (the daily summary's code
 * version changes with it, so the next `--stale` run rebuilds it).
 */
export const MODEL_RATES: readonly ModelRate[] = [
  { modelPrefix: 'gpt-4o', inputUsdPer1M: 2.5, cachedInputUsdPer1M: 1.25, outputUsdPer1M: 10 },
  { modelPrefix: 'gpt-4o-mini', inputUsdPer1M: 0.15, cachedInputUsdPer1M: 0.075, outputUsdPer1M: 0.6 },
  { modelPrefix: 'gpt-4.1', inputUsdPer1M: 2, cachedInputUsdPer1M: 0.5, outputUsdPer1M: 8 },
  { modelPrefix: 'gpt-4.1-mini', inputUsdPer1M: 0.4, cachedInputUsdPer1M: 0.1, outputUsdPer1M: 1.6 },
  { modelPrefix: 'gpt-4.1-nano', inputUsdPer1M: 0.1, cachedInputUsdPer1M: 0.025, outputUsdPer1M: 0.4 },
  { modelPrefix: 'o3', inputUsdPer1M: 2, cachedInputUsdPer1M: 0.5, outputUsdPer1M: 8 },
  { modelPrefix: 'o3-mini', inputUsdPer1M: 1.1, cachedInputUsdPer1M: 0.55, outputUsdPer1M: 4.4 },
  { modelPrefix: 'o4-mini', inputUsdPer1M: 1.1, cachedInputUsdPer1M: 0.275, outputUsdPer1M: 4.4 },
];

/** Share of the list price the Batch API charges (50% off). */
export const BATCH_PRICE_FACTOR = 0.5;

/**
 * The rate card as a SQL relation `(model_prefix, input_usd_per_1m, cached_input_usd_per_1m,
 * output_usd_per_1m)`, with every value a bound parameter.
 *
 * @example
 * ```ts
 * sql`with rates as (${modelRatesSql()}) select * from rates`;
 * ```
 */
export function modelRatesSql(rates: readonly ModelRate[] = MODEL_RATES): SqlFragment {
  const strings = ['select * from (values '];
  const values: unknown[] = [];
  rates.forEach((r, i) => {
    if (i > 0) strings[strings.length - 1] += ', ';
    strings[strings.length - 1] += '(cast(';
    values.push(r.modelPrefix, r.inputUsdPer1M, r.cachedInputUsdPer1M, r.outputUsdPer1M);
    strings.push(' as varchar), cast(', ' as double), cast(', ' as double), cast(', ' as double))');
  });
  strings[strings.length - 1] += ') as rates(model_prefix, input_usd_per_1m, cached_input_usd_per_1m, output_usd_per_1m)';
  return sql(strings, ...values);
}
