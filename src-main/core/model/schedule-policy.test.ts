// The policies with a controllable clock: every function takes `now` (and `random`) as data.
import { describe, expect, it } from 'vitest'
import { catchUpSummary, decideOverlap, jitterDelay, judgeMissed, pausedAt } from './schedule-policy'

const H = 3_600_000
const NOW = Date.parse('2026-06-01T12:00:00Z')
/** Hourly fires missed over the last 30 hours, oldest first. */
const missedHourly = Array.from({ length: 30 }, (_, i) => NOW - (30 - i) * H)

describe('missed fires after downtime', () => {
  it('latest: one job for the most recent missed fire, the others recorded as missed', () => {
    const judged = judgeMissed(missedHourly.slice(-3), { missed: 'latest', catchupWindowMs: 6 * H }, NOW)
    expect(judged.map((j) => j.run)).toEqual([false, false, true])
    expect(judged[2]?.scheduledFor).toBe(NOW - H)
    expect(judged[0]).toMatchObject({ run: false, reason: expect.stringContaining('a later fire') })
    expect(catchUpSummary('nightly-prospects', judged, 'latest')).toBe('nightly-prospects missed 3 fires; ran the latest')
  })

  it('all: each fire inside the window runs, oldest first; older ones are missed', () => {
    const judged = judgeMissed(missedHourly, { missed: 'all', catchupWindowMs: 6 * H }, NOW)
    const ran = judged.filter((j) => j.run).map((j) => j.scheduledFor)
    expect(ran).toEqual([NOW - 6 * H, NOW - 5 * H, NOW - 4 * H, NOW - 3 * H, NOW - 2 * H, NOW - H])
    expect(judged.filter((j) => !j.run)).toHaveLength(24)
    expect(judged[0]).toMatchObject({ run: false, reason: expect.stringContaining('older than the catch-up window (6h 00m)') })
    expect(catchUpSummary('x', judged, 'all')).toBe('x missed 30 fires; ran the 6 inside the catch-up window')
  })

  it('skip: every missed fire is recorded as missed, none runs', () => {
    const judged = judgeMissed(missedHourly.slice(-4), { missed: 'skip', catchupWindowMs: 24 * H }, NOW)
    expect(judged.every((j) => !j.run)).toBe(true)
    expect(catchUpSummary('x', judged, 'skip')).toBe('x missed 4 fires; ran none (missed: skip)')
  })

  it('the catch-up window bounds latest too: a fire older than the window never runs', () => {
    const judged = judgeMissed([NOW - 7 * H], { missed: 'latest', catchupWindowMs: 6 * H }, NOW)
    expect(judged).toEqual([{ scheduledFor: NOW - 7 * H, run: false, reason: expect.stringContaining('catch-up window') }])
    // Exactly at the window's edge is inside.
    expect(judgeMissed([NOW - 6 * H], { missed: 'latest', catchupWindowMs: 6 * H }, NOW)[0]?.run).toBe(true)
    expect(catchUpSummary('x', judged, 'latest')).toBe('x missed 1 fire; ran none (all older than the catch-up window)')
  })
})

describe('overlap with the previous job of the same schedule', () => {
  it('skip names the previous job; queue holds the fire; allow enqueues', () => {
    const previous = { id: '01JPREVIOUS', status: 'running' as const }
    expect(decideOverlap('skip', previous)).toEqual({ action: 'skip', reason: 'previous job 01JPREVIOUS still running' })
    expect(decideOverlap('queue', previous)).toEqual({ action: 'wait', previous: '01JPREVIOUS', reason: 'previous job 01JPREVIOUS still running' })
    expect(decideOverlap('allow', previous)).toMatchObject({ action: 'enqueue', reason: expect.stringContaining('overlap: allow') })
    expect(decideOverlap('skip', { id: 'q', status: 'queued' }).reason).toBe('previous job q still queued')
  })

  it('without an unfinished previous job every policy enqueues', () => {
    for (const policy of ['skip', 'queue', 'allow'] as const) expect(decideOverlap(policy, null)).toEqual({ action: 'enqueue', reason: null })
  })
})

describe('jitter and pause', () => {
  it('jitter stays within 0..jitter, both ends reachable', () => {
    expect(jitterDelay(30_000, () => 0)).toBe(0)
    expect(jitterDelay(30_000, () => 0.999_999_999)).toBe(30_000)
    let seed = 42
    const random = (): number => ((seed = (seed * 16807) % 2147483647) - 1) / 2147483646
    for (let i = 0; i < 10_000; i++) {
      const d = jitterDelay(1_500, random)
      expect(d).toBeGreaterThanOrEqual(0)
      expect(d).toBeLessThanOrEqual(1_500)
      expect(Number.isInteger(d)).toBe(true)
    }
    expect(jitterDelay(0, () => 0.5)).toBe(0)
  })

  it('a pause with an end stops counting at the end; one without waits for resume', () => {
    expect(pausedAt(null, NOW)).toBe(false)
    expect(pausedAt({ pausedAt: NOW - H, until: null }, NOW + 1_000 * H)).toBe(true)
    expect(pausedAt({ pausedAt: NOW - H, until: NOW }, NOW - 1)).toBe(true)
    expect(pausedAt({ pausedAt: NOW - H, until: NOW }, NOW)).toBe(false)
  })
})
