import { backoffDelay } from '../../../src-shared/backoff'
import type { RetryPolicy } from '../../../src-shared/config-schema'

/**
 * Delay before the next attempt after `failures` failed runs, or null when the retry budget is
 * spent. Jitter keeps the delay between half and all of the computed value so a burst of
 * failures does not come back as a burst.
 */
export function retryDelay(policy: RetryPolicy, failures: number, random: () => number = Math.random): number | null {
  if (failures > policy.max) return null
  const backoff = { baseMs: policy.base, maxMs: policy.maxDelay, growth: policy.backoff, jitter: policy.jitter }
  return backoffDelay(backoff, failures, random)
}
