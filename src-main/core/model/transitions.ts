// What a job becomes when one of its runs ends, decided once, here, as plain data. The runner
// calls it; the SQLite and PostgreSQL engines only apply the result (fenced: only a run still
// running and owned by that runner changes anything), so the two never decide differently.
import type { RetryPolicy } from '../../../src-shared/config-schema'
import type { TerminalJobStatus } from '../../../src-shared/domain'
import { retryDelay } from './retry-delay'

/** How a run ended, as its executor reports it. */
export type RunOutcome = 'succeeded' | 'partial' | 'failed' | 'canceled'

/** The job's next state after a run: waits to try again, or is done. */
export type JobTransition =
  | {
      kind: 'retry'
      /** Failed runs counted against the retry budget, this one included. */
      failures: number
      runAfter: number
      error: string | null
    }
  | {
      kind: 'terminal'
      status: TerminalJobStatus
      failures: number
      finishedAt: number
      error: string | null
    }

export interface RunEnd {
  outcome: RunOutcome
  error: string | null
  /** When the run ended (epoch ms). */
  now: number
}

/** `failures` after this run: null to give up; otherwise the delay before the next attempt. */
export type RetryDelayOf = (failures: number) => number | null

export const retryable = (failures: number, runAfter: number, error: string | null): JobTransition => ({ kind: 'retry', failures, runAfter, error })

export const terminal = (status: TerminalJobStatus, failures: number, finishedAt: number, error: string | null): JobTransition => ({
  kind: 'terminal',
  status,
  failures,
  finishedAt,
  error,
})

/**
 * The job's next state after a run that ended with `end`, when the job had `failuresBefore`
 * failed runs counted before it (its count at claim: nothing else changes it while it runs).
 */
export function jobAfterRun(end: RunEnd, failuresBefore: number, delayOf: RetryDelayOf): JobTransition {
  switch (end.outcome) {
    case 'failed': {
      const failures = failuresBefore + 1
      const delay = delayOf(failures)
      return delay === null ? terminal('failed', failures, end.now, end.error) : retryable(failures, end.now + delay, end.error)
    }
    case 'canceled':
      return terminal('canceled', failuresBefore, end.now, end.error ?? 'canceled by operator')
    case 'partial':
      return terminal('partial', failuresBefore, end.now, end.error)
    case 'succeeded':
      return terminal('succeeded', failuresBefore, end.now, null)
  }
}

/** The decision with a type's retry policy; no policy (the type left the config): never retried. */
export function decideAfterRun(end: RunEnd, failuresBefore: number, policy: RetryPolicy | null, random: () => number = Math.random): JobTransition {
  return jobAfterRun(end, failuresBefore, (failures) => (policy ? retryDelay(policy, failures, random) : null))
}

/** The job status a transition leaves. */
export function statusAfter(transition: JobTransition): 'retrying' | TerminalJobStatus {
  return transition.kind === 'retry' ? 'retrying' : transition.status
}
