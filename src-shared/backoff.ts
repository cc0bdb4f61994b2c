// The one formula for every wait after a failure: http and job retries, alert deliveries, the
// PostgreSQL reconnect, offline source polls, engine restarts, the browser's WebSocket reconnect.
// A pure function of the attempt number, because job and alert attempts are counted in database
// rows and outlive the process: a backoff object carrying its own state could not resume them.
import { MAX_TIMER_MS } from './units'

export interface BackoffPolicy {
  /** The wait after the first failure (ms). */
  baseMs: number
  /** No wait is longer (ms). Not finite: MAX_TIMER_MS, as every wait here ends in a timer. */
  maxMs: number
  /** `exponential` (the default) doubles the wait per failure; `fixed` waits baseMs each time. */
  growth?: 'exponential' | 'fixed'
  /**
   * Each wait drawn between half and all of its computed value, so that a burst of failures (an
   * outage seen by many jobs or clients at once) does not come back as a burst.
   */
  jitter?: boolean
}

/**
 * The wait after `attempt` failures (1-based: after the first failure it is baseMs), in whole ms:
 * finite, at least 0 and never above maxMs, for any attempt number however large.
 */
export function backoffDelay(policy: BackoffPolicy, attempt: number, random: () => number = Math.random): number {
  const maxMs = Number.isFinite(policy.maxMs) ? Math.max(0, Math.floor(policy.maxMs)) : MAX_TIMER_MS
  const baseMs = Number.isFinite(policy.baseMs) ? Math.max(0, policy.baseMs) : maxMs
  // 2^1023 is the largest finite power of two; the cap makes every larger attempt the same.
  const doublings = policy.growth === 'fixed' || !(attempt > 1) ? 0 : Math.min(Math.floor(attempt) - 1, 1023)
  const capped = baseMs === 0 ? 0 : Math.min(maxMs, baseMs * 2 ** doublings)
  const share = policy.jitter ? 0.5 + drawn(random) * 0.5 : 1
  return Math.min(maxMs, Math.round(capped * share))
}

/** random()'s value held to [0, 1]; NaN counts as 0. */
function drawn(random: () => number): number {
  const value = random()
  return value > 0 ? Math.min(1, value) : 0
}
