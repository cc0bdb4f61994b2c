// "Attempt 2 of 4 (2 retries left)": a run's attempt against the attempts its job is allowed,
// worded the same in every view and in the CLI. Allowed = this attempt + the retries its budget
// still had; interruptions do not spend the budget and a manual retry renews it, so a job may
// have more attempts than `retries.max + 1`.
import type { Job, Run } from './domain'

export interface AttemptCount {
  attempt: number
  /** Attempts the run's retry budget allowed in all; null when it cannot be told. */
  of: number | null
  /** Automatic retries still to come for the job, shown on its current run only; else null. */
  retriesLeft: number | null
}

type RunPart = Pick<Run, 'id' | 'attempt' | 'status'>
type JobPart = Pick<Job, 'status' | 'failures' | 'lastRunId'>

/**
 * Counts for every run of one job (any order), replaying its retry budget: a failure spends
 * one retry; a run that ended otherwise than failed or interrupted, or a failure past the
 * budget, can only have been followed by a manual retry, which renews the budget.
 */
export function attemptCounts(runs: readonly RunPart[], job: JobPart | null, maxRetries: number | null): Map<string, AttemptCount> {
  const counts = new Map<string, AttemptCount>()
  let failures = 0
  for (const run of [...runs].sort((a, b) => a.attempt - b.attempt)) {
    const of = maxRetries === null ? null : run.attempt + Math.max(0, maxRetries - failures)
    counts.set(run.id, { attempt: run.attempt, of, retriesLeft: job && maxRetries !== null ? retriesLeftOn(run, job, maxRetries) : null })
    if (run.status === 'failed') failures++
    if (run.status === 'succeeded' || run.status === 'partial' || run.status === 'canceled' || (maxRetries !== null && failures > maxRetries)) failures = 0
  }
  return counts
}

/** A run seen without its job's other runs (History, Timeline): `of` only while it cannot be wrong. */
export function attemptCount(attempt: number, maxRetries: number | null): AttemptCount {
  // Attempt 1 always had the whole budget; a later one may follow an interruption or a manual retry.
  return { attempt, of: maxRetries !== null && attempt === 1 ? 1 + maxRetries : null, retriesLeft: null }
}

/** Retries left, said on the run the job is on now: running, or waiting to be retried, or failed for good. */
function retriesLeftOn(run: RunPart, job: JobPart, maxRetries: number): number | null {
  if (run.id !== job.lastRunId) return null
  if (job.status === 'running' || job.status === 'retrying' || job.status === 'failed') return Math.max(0, maxRetries - job.failures)
  return null
}

/** `attempt 2 of 4 (2 retries left)`, `attempt 1 of 1`, `attempt 5`. */
export function attemptText(count: AttemptCount): string {
  return `attempt ${attemptFigures(count)}`
}

/** `2 of 4 (2 retries left)`: the figures, beside a label that says "Attempt". */
export function attemptFigures(count: AttemptCount): string {
  return `${attemptShort(count)}${count.retriesLeft === null ? '' : ` (${retriesLeftText(count.retriesLeft)})`}`
}

/** `2 of 4`, for a column headed "Attempt". */
export function attemptShort(count: AttemptCount): string {
  return count.of === null ? String(count.attempt) : `${count.attempt} of ${count.of}`
}

export function retriesLeftText(left: number): string {
  return left === 0 ? 'no retries left' : `${left} ${left === 1 ? 'retry' : 'retries'} left`
}

/** The attempt a job is on now (running), from the job's own count of failures: exact whatever came before. */
export function currentAttempt(attempt: number, job: Pick<Job, 'failures'>, maxRetries: number | null): AttemptCount {
  if (maxRetries === null) return { attempt, of: null, retriesLeft: null }
  const left = Math.max(0, maxRetries - job.failures)
  return { attempt, of: attempt + left, retriesLeft: left }
}

/** The last attempt of a job whose last run failed (waiting to be retried, or failed for good), from the job alone. */
export function failedAttempt(job: Pick<Job, 'attempts' | 'failures'>, maxRetries: number | null): AttemptCount {
  if (maxRetries === null) return { attempt: job.attempts, of: null, retriesLeft: null }
  // Its own failure is counted in `failures`; the budget it started with was one more.
  const before = Math.max(0, job.failures - 1)
  return { attempt: job.attempts, of: job.attempts + Math.max(0, maxRetries - before), retriesLeft: Math.max(0, maxRetries - job.failures) }
}
