import { describe, expect, it } from 'vitest'
import { attemptCount, attemptCounts, attemptShort, attemptText, currentAttempt, failedAttempt } from './attempts'
import type { Job, Run } from './domain'

const run = (id: string, attempt: number, status: Run['status']) => ({ id, attempt, status })
const job = (status: Job['status'], failures: number, lastRunId: string) => ({ status, failures, lastRunId })

describe('attempts against the attempts allowed', () => {
  it('issue 12: a first run of a type with 3 retries is attempt 1 of 4, not 1 of 1', () => {
    expect(attemptText(currentAttempt(1, { failures: 0 }, 3))).toBe('attempt 1 of 4 (3 retries left)')
    expect(attemptText(currentAttempt(3, { failures: 2 }, 3))).toBe('attempt 3 of 4 (1 retry left)')
    expect(attemptText(currentAttempt(1, { failures: 0 }, 0))).toBe('attempt 1 of 1 (no retries left)')
  })

  it('replays a job\'s runs: an interruption spends nothing, a manual retry renews the budget', () => {
    const runs = [run('r1', 1, 'failed'), run('r2', 2, 'interrupted'), run('r3', 3, 'failed'), run('r4', 4, 'failed'), run('r5', 5, 'running')]
    const counts = attemptCounts(runs, job('running', 3, 'r5'), 3)
    expect([...counts.values()].map(attemptText)).toEqual([
      'attempt 1 of 4',
      // When it started, 2 retries were left; its interruption gave the job one more attempt.
      'attempt 2 of 4',
      'attempt 3 of 5',
      'attempt 4 of 5',
      'attempt 5 of 5 (no retries left)',
    ])
    // Failed for good at 2 of 2, then retried by hand: a fresh budget.
    const retried = attemptCounts([run('a', 1, 'failed'), run('b', 2, 'failed'), run('c', 3, 'succeeded')], job('succeeded', 0, 'c'), 1)
    expect([...retried.values()].map(attemptShort)).toEqual(['1 of 2', '2 of 2', '3 of 4'])
  })

  it('says the retries left on the run a failed or retrying job is on', () => {
    const counts = attemptCounts([run('r1', 1, 'failed')], job('retrying', 1, 'r1'), 3)
    expect(attemptText(counts.get('r1')!)).toBe('attempt 1 of 4 (2 retries left)')
  })

  it('a job failed for good reads as its last attempt of the allowed, with no retries left', () => {
    expect(attemptText(failedAttempt({ attempts: 4, failures: 4 }, 3))).toBe('attempt 4 of 4 (no retries left)')
    expect(attemptText(failedAttempt({ attempts: 1, failures: 1 }, 0))).toBe('attempt 1 of 1 (no retries left)')
  })

  it('without the job\'s runs, says only what cannot be wrong', () => {
    expect(attemptShort(attemptCount(1, 3))).toBe('1 of 4')
    expect(attemptShort(attemptCount(2, 3))).toBe('2')
    expect(attemptShort(attemptCount(1, null))).toBe('1')
  })
})
