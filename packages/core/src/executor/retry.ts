import type { RetryPolicy } from '../definitions/asset.js';

/**
 * Delay before retry number `attempt` (1-based): `delayMs × backoff^(attempt-1)`, capped at
 * `maxDelayMs`, and with jitter scaled into [0.5, 1.0] of that so parallel retries spread out.
 */
export function retryDelay(policy: RetryPolicy, attempt: number, random: () => number = Math.random): number {
  const base = (policy.delayMs ?? 500) * Math.pow(policy.backoff ?? 2, attempt - 1);
  const capped = Math.min(base, policy.maxDelayMs ?? 30_000);
  return Math.round(policy.jitter === false ? capped : capped * (0.5 + random() * 0.5));
}
