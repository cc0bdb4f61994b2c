import type { RetryPolicy } from '../../../src-shared/config-schema'

/**
 * Delay before the next attempt after `failures` failed runs, or null when the retry budget is
 * spent. Jitter keeps the delay between half and all of the computed value so a burst of
 * failures does not come back as a burst.
 */
export function retryDelay(policy: RetryPolicy, failures: number, random: () => number = Math.random): number | null {
  if (failures > policy.max) return null
  const raw = policy.backoff === 'fixed' ? policy.base : policy.base * 2 ** (failures - 1)
  const capped = Math.min(raw, policy.maxDelay)
  return Math.round(policy.jitter ? capped * (0.5 + random() * 0.5) : capped)
}
