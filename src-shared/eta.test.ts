import { describe, expect, it } from 'vitest'
import type { DurationHint, RunnerStatus } from './domain'
import { etaBasisText, etaLeftText, queueEtas, runEta, startEtas, startText } from './eta'

const typeHint = (p50Ms: number, samples = 20): DurationHint => ({ p50Ms, samples, basis: 'type' })
const left = (eta: ReturnType<typeof runEta>): number => (eta.kind === 'estimate' ? eta.leftMs : NaN)

describe('time left of a run (recorded cases)', () => {
  it('issue 12: a 120 s report at 15% after 20 s is ~113 s from the end, not ~13 s', () => {
    // The type's usual run is 33 s; this one reports its own pace.
    const eta = runEta({ elapsedMs: 20_000, percent: 15, expected: typeHint(33_000) })
    expect(left(eta)).toBeCloseTo(113_333, -2)
    expect(eta).toMatchObject({ basis: 'progress' })
    expect(etaLeftText(eta)).toBe('~1m 53s')
  })

  it('a nap of 120 s, 5% in after 6 s, with no history at all', () => {
    const eta = runEta({ elapsedMs: 6_000, percent: 5, expected: null })
    expect(left(eta)).toBeCloseTo(114_000, -2)
    expect(etaBasisText(eta)).toMatch(/own progress/)
  })

  it('while progress is young, leans on the history and moves to the run\'s own pace', () => {
    // 1% after 1 s says 100 s; the history says 120 s: mostly history yet.
    const early = runEta({ elapsedMs: 1_000, percent: 1, expected: typeHint(120_000) })
    expect(early).toMatchObject({ basis: 'progress+history' })
    expect(left(early)).toBeCloseTo(117_000, -2)
    // At 10% the run's own pace alone.
    expect(runEta({ elapsedMs: 20_000, percent: 10, expected: typeHint(120_000) })).toMatchObject({ basis: 'progress', totalMs: 200_000 })
  })

  it('without progress: the median of the same params, then of the type; past it, says by how much', () => {
    const params: DurationHint = { p50Ms: 90_000, samples: 3, basis: 'params' }
    expect(runEta({ elapsedMs: 30_000, percent: null, expected: params })).toMatchObject({ leftMs: 60_000, basis: 'params', samples: 3 })
    const over = runEta({ elapsedMs: 100_000, percent: null, expected: typeHint(90_000) })
    expect(over).toMatchObject({ leftMs: 0, overMs: 10_000 })
    expect(etaLeftText(over)).toBe('+10s over')
  })

  it('says "unknown" rather than guess with no data', () => {
    const eta = runEta({ elapsedMs: 5_000, percent: null, expected: null })
    expect(eta).toEqual({ kind: 'unknown' })
    expect(etaLeftText(eta)).toBe('unknown')
    // 0% tells nothing yet either.
    expect(runEta({ elapsedMs: 5_000, percent: 0, expected: null })).toEqual({ kind: 'unknown' })
  })
})

describe('when waiting jobs start', () => {
  it('is their place in their lane times the expected durations', () => {
    const starts = startEtas({
      concurrency: 4,
      laneLimit: () => 1,
      running: [{ lane: 'a', leftMs: 30_000 }],
      waiting: [
        { id: 'a1', lane: 'a', expectedMs: 60_000, notBeforeMs: 0, held: false },
        { id: 'b1', lane: 'b', expectedMs: 10_000, notBeforeMs: 0, held: false },
        { id: 'a2', lane: 'a', expectedMs: 60_000, notBeforeMs: 0, held: false },
      ],
    })
    expect(Object.fromEntries(starts)).toEqual({ a1: 30_000, b1: 0, a2: 90_000 })
  })

  it('follows the global limit, backoffs, and what it cannot know', () => {
    const starts = startEtas({
      concurrency: 1,
      laneLimit: () => 5,
      running: [{ lane: 'a', leftMs: 5_000 }],
      waiting: [
        { id: 'retry', lane: 'b', expectedMs: 1_000, notBeforeMs: 60_000, held: false },
        { id: 'next', lane: 'c', expectedMs: null, notBeforeMs: 0, held: false },
        { id: 'after', lane: 'd', expectedMs: 1_000, notBeforeMs: 0, held: false },
        { id: 'gated', lane: 'e', expectedMs: 1_000, notBeforeMs: 0, held: true },
      ],
    })
    expect(starts.get('next')).toBe(5_000)
    // `next` has no known length: what needs its slot after it cannot be timed.
    expect(starts.get('after')).toBeNull()
    expect(starts.get('retry')).toBeNull()
    expect(starts.get('gated')).toBeNull()
    expect(startText(5_000)).toBe('in ~5.0s')
    expect(startText(0)).toBe('now')
    expect(startText(null)).toBe('unknown')
  })

  it('from a runner status: nothing is timed while the runner is paused', () => {
    const now = Date.parse('2026-03-01T10:00:00Z')
    const waitingJob = { id: 'w', lane: 'a', runAfter: null, expected: typeHint(10_000), waitReason: { kind: 'lane-busy', lane: 'a', running: 1, limit: 1 } }
    const status = {
      state: 'running',
      running: [{ job: {}, run: { id: 'r', lane: 'a', startedAt: '2026-03-01T09:59:50.000Z', progress: { percent: 50 } }, expected: null }],
      queued: [waitingJob],
      limits: { concurrency: 1, lanes: { a: 1 } },
    } as unknown as RunnerStatus
    const etas = queueEtas(status, now)
    expect(etas.runs.get('r')).toMatchObject({ leftMs: 10_000, basis: 'progress' })
    expect(etas.starts.get('w')).toBe(10_000)
    expect(queueEtas({ ...status, state: 'paused' }, now).starts.get('w')).toBeNull()
  })
  it('issue 16: a rate-limited lane is not promised a start before its next allowed start, nor are the jobs behind it', () => {
    const now = Date.parse('2026-03-01T10:00:00Z')
    const nextAt = '2026-03-01T10:00:40.000Z'
    const held = { id: 'held', lane: 'crm:1', runAfter: null, expected: typeHint(1_000), waitReason: { kind: 'rate-limited', lane: 'crm:1', rate: '10/m', limit: 10, windowMs: 60_000, nextAt } }
    const behind = { id: 'behind', lane: 'crm:1', runAfter: null, expected: typeHint(1_000), waitReason: { kind: 'behind', lane: 'crm:1', ahead: 1 } }
    const other = { id: 'other', lane: 'mail', runAfter: null, expected: typeHint(1_000), waitReason: { kind: 'starting' } }
    const status = { state: 'running', running: [], queued: [held, behind, other], limits: { concurrency: 4, lanes: { 'crm:1': 1 } } } as unknown as RunnerStatus
    const starts = queueEtas(status, now).starts
    expect(starts.get('held')).toBe(40_000)
    expect(starts.get('behind')).toBe(41_000)
    expect(starts.get('other')).toBe(0)
  })
})
