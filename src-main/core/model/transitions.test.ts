import { describe, expect, it } from 'vitest'
import type { RetryPolicy } from '../../../src-shared/config-schema'
import { decideAfterRun, jobAfterRun, statusAfter } from './transitions'

const policy = (max: number, over: Partial<RetryPolicy> = {}): RetryPolicy => ({ max, backoff: 'exponential', base: 1_000, maxDelay: 60_000, jitter: false, ...over })
const at = 1_700_000_000_000

describe('what a job becomes when its run ends', () => {
  it('a failed run with retries left waits its backoff, counting the failure', () => {
    const next = decideAfterRun({ outcome: 'failed', error: 'exit 1', now: at }, 1, policy(3))
    expect(next).toEqual({ kind: 'retry', failures: 2, runAfter: at + 2_000, error: 'exit 1' })
    expect(statusAfter(next)).toBe('retrying')
  })

  it('a failed run that spends the budget fails the job, with its error', () => {
    expect(decideAfterRun({ outcome: 'failed', error: 'exit 1', now: at }, 3, policy(3))).toEqual({
      kind: 'terminal',
      status: 'failed',
      failures: 4,
      finishedAt: at,
      error: 'exit 1',
    })
  })

  it('a type gone from the config is never retried', () => {
    expect(decideAfterRun({ outcome: 'failed', error: null, now: at }, 0, null)).toMatchObject({ kind: 'terminal', status: 'failed', failures: 1 })
  })

  it('success, partial and cancel end the job without touching its failure count', () => {
    expect(decideAfterRun({ outcome: 'succeeded', error: 'ignored', now: at }, 2, policy(5))).toEqual({
      kind: 'terminal',
      status: 'succeeded',
      failures: 2,
      finishedAt: at,
      error: null,
    })
    expect(decideAfterRun({ outcome: 'partial', error: '3 of 10 failed', now: at }, 0, policy(5))).toMatchObject({ status: 'partial', error: '3 of 10 failed' })
    expect(decideAfterRun({ outcome: 'canceled', error: null, now: at }, 1, policy(5))).toMatchObject({
      status: 'canceled',
      failures: 1,
      error: 'canceled by operator',
    })
    expect(decideAfterRun({ outcome: 'canceled', error: 'timed out', now: at }, 0, policy(5))).toMatchObject({ error: 'timed out' })
  })

  it('jitter keeps a retry between half and all of the backoff', () => {
    const low = decideAfterRun({ outcome: 'failed', error: null, now: at }, 0, policy(1, { jitter: true }), () => 0)
    const high = decideAfterRun({ outcome: 'failed', error: null, now: at }, 0, policy(1, { jitter: true }), () => 1)
    expect(low).toMatchObject({ kind: 'retry', runAfter: at + 500 })
    expect(high).toMatchObject({ kind: 'retry', runAfter: at + 1_000 })
  })

  it('a table of delays (what an older outbox entry carries) decides the same way', () => {
    const delays = [0, 60_000]
    const delayOf = (failures: number): number | null => delays[failures - 1] ?? null
    expect(jobAfterRun({ outcome: 'failed', error: 'x', now: at }, 0, delayOf)).toMatchObject({ kind: 'retry', runAfter: at })
    expect(jobAfterRun({ outcome: 'failed', error: 'x', now: at }, 1, delayOf)).toMatchObject({ kind: 'retry', runAfter: at + 60_000 })
    expect(jobAfterRun({ outcome: 'failed', error: 'x', now: at }, 2, delayOf)).toMatchObject({ kind: 'terminal', status: 'failed', failures: 3 })
  })
})
