import { describe, expect, it } from 'vitest'
import type { Job, Run } from '../../../src-shared/domain'
import { explainOne, explainWaiting, type WaitContext } from './wait-reasons'

const job = (id: string, extra: Partial<Job> = {}): Job => ({ id, type: 't', params: {}, priority: 'normal', lane: 'a', status: 'queued', attempts: 0, failures: 0, interruptions: 0, createdAt: '', runAfter: null, finishedAt: null, lastRunId: null, cancelRequested: false, error: null, schedule: null, source: null, sourceId: null, ...extra })
const running = (lane: string): Run => ({ lane }) as Run
const ctx = (extra: Partial<WaitContext> = {}): WaitContext => ({
  now: Date.parse('2026-03-01T16:59:00Z'),
  paused: false,
  runnerAlive: true,
  concurrency: 2,
  laneLimit: () => 1,
  knownType: () => true,
  running: [],
  ...extra,
})

describe('why a job waits, as data', () => {
  it('says the rule that holds each job, with its values and no words or clock of its own', () => {
    const waiting = [job('1'), job('2'), job('3', { lane: 'b' }), job('4', { lane: 'c' })]
    const reasons = explainWaiting(waiting, ctx({ running: [running('a'), running('x')] })).map((j) => j.waitReason)
    expect(reasons).toEqual([
      { kind: 'lane-busy', lane: 'a', running: 1, limit: 1 },
      { kind: 'lane-busy', lane: 'a', running: 1, limit: 1 },
      { kind: 'runner-busy', running: 2, concurrency: 2 },
      { kind: 'runner-busy', running: 2, concurrency: 2 },
    ])
    expect(explainWaiting([job('1'), job('2')], ctx({ laneLimit: () => 1 })).map((j) => j.waitReason)).toEqual([
      { kind: 'starting' },
      { kind: 'behind', lane: 'a', ahead: 1 },
    ])
  })

  it('gives a retry its time as an instant, and the error that caused it', () => {
    const retrying = job('1', { status: 'retrying', runAfter: '2026-03-01T17:00:15.000Z', error: 'exit code 2' })
    expect(explainOne(retrying, 0, ctx())).toEqual({ kind: 'retrying', at: '2026-03-01T17:00:15.000Z', error: 'exit code 2' })
  })

  it('puts what the operator must act on first: unknown type, no runner, paused, the gate', () => {
    expect(explainOne(job('1'), 0, ctx({ knownType: () => false }))).toEqual({ kind: 'unknown-type', type: 't' })
    expect(explainOne(job('1'), 0, ctx({ runnerAlive: false, shared: true, paused: true }))).toEqual({ kind: 'no-runner', shared: true })
    expect(explainOne(job('1'), 0, ctx({ paused: true }))).toEqual({ kind: 'paused' })
    const gate = { kind: 'memory', freeBytes: 1, needsBytes: 2 } as const
    expect(explainOne(job('1'), 0, ctx({ gate: () => gate }))).toEqual({ kind: 'gate', gate })
  })

  it('under adaptive concurrency, a runner-busy wait carries the maximum and why the limit is under it', () => {
    const adaptive = ctx({ concurrency: 1, maxConcurrency: 4, concurrencyReason: 'CPU 85% over 80%', running: [running('x')] })
    expect(explainOne(job('1'), 0, adaptive)).toEqual({ kind: 'runner-busy', running: 1, concurrency: 1, max: 4, reason: 'CPU 85% over 80%' })
    // At its maximum there is nothing to explain beyond the limit.
    expect(explainOne(job('1'), 0, ctx({ concurrency: 1, maxConcurrency: 1, running: [running('x')] }))).toEqual({ kind: 'runner-busy', running: 1, concurrency: 1 })
  })
})
