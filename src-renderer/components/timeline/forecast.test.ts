import { describe, expect, it } from 'vitest'
import type { ForecastFire } from '../../../src-shared/schedules'
import { expectedEnd, predictConflicts, upcomingOf, type RunningNow, type Upcoming } from './forecast'

const MIN = 60_000
const NOW = Date.parse('2026-12-05T02:00:00Z')

const fire = (schedule: string, atMin: number, expectedMs: number | null, lane = 'reports', laneLimit = 1): Upcoming => ({
  id: `${schedule}@${atMin}`,
  schedule,
  type: `${schedule}-type`,
  lane,
  laneLimit,
  at: NOW + atMin * MIN,
  expectedMs,
  basis: expectedMs === null ? null : 'p95',
})

const running = (id: string, startedMinAgo: number, expectedMs: number | null, lane = 'reports'): RunningNow => ({
  id,
  type: 'export',
  lane,
  startedAt: NOW - startedMinAgo * MIN,
  expectedMs,
})

describe('predictConflicts', () => {
  it('two fires in a limit-1 lane: the second waits until the first is expected to end, and says behind what', () => {
    const conflicts = predictConflicts([fire('invoices', 10, 5 * MIN), fire('report', 12, 2 * MIN)], [], NOW)
    expect(conflicts).toHaveLength(1)
    const [c] = conflicts
    expect(c?.fire.schedule).toBe('report')
    expect(c?.waitMs).toBe(3 * MIN)
    expect(c?.startsAt).toBe(NOW + 15 * MIN)
    expect(c?.behind).toEqual([{ kind: 'fire', id: 'invoices@10', schedule: 'invoices', at: NOW + 10 * MIN }])
  })

  it('fires that do not overlap, or that touch, wait for nothing', () => {
    expect(predictConflicts([fire('a', 10, 2 * MIN), fire('b', 12, 2 * MIN), fire('c', 20, MIN)], [], NOW)).toEqual([])
  })

  it('a lane of limit 2 takes two at once and makes the third wait for the first to end', () => {
    const conflicts = predictConflicts([fire('a', 0, 10 * MIN, 'L', 2), fire('b', 1, 4 * MIN, 'L', 2), fire('c', 2, MIN, 'L', 2)], [], NOW)
    expect(conflicts.map((c) => [c.fire.schedule, c.waitMs])).toEqual([['c', 3 * MIN]])
    expect(conflicts[0]?.limit).toBe(2)
    expect(conflicts[0]?.behind.map((b) => (b.kind === 'fire' ? b.schedule : b.runId))).toEqual(['a', 'b'])
  })

  it('waits add up along a lane: the third fire waits behind the second, which waited too', () => {
    const conflicts = predictConflicts([fire('a', 0, 10 * MIN), fire('b', 1, 10 * MIN), fire('c', 2, 10 * MIN)], [], NOW)
    expect(conflicts.map((c) => [c.fire.schedule, c.waitMs])).toEqual([
      ['b', 9 * MIN],
      ['c', 18 * MIN],
    ])
  })

  it('a fire predicted to overlap a run already running waits for that run`s recorded end', () => {
    const conflicts = predictConflicts([fire('nightly', 5, 2 * MIN)], [running('r1', 10, 20 * MIN)], NOW)
    expect(conflicts).toHaveLength(1)
    expect(conflicts[0]?.waitMs).toBe(5 * MIN)
    expect(conflicts[0]?.behind).toEqual([{ kind: 'run', runId: 'r1', type: 'export', startedAt: NOW - 10 * MIN }])
  })

  it('a run in another lane, or one expected to end before the fire, is no conflict', () => {
    expect(predictConflicts([fire('nightly', 5, 2 * MIN)], [running('r1', 10, 12 * MIN), running('r2', 1, 60 * MIN, 'other')], NOW)).toEqual([])
  })

  it('behind a run that has outrun its recorded length, the fire at this very moment waits an unknown time; later ones are not guessed at', () => {
    const conflicts = predictConflicts([fire('now', 0, MIN), fire('later', 5, MIN)], [running('r1', 30, 10 * MIN)], NOW)
    expect(conflicts.map((c) => [c.fire.schedule, c.waitMs])).toEqual([['now', null]])
  })

  it('two fires at one instant of a type with no history: one waits, for how long is unknown', () => {
    const conflicts = predictConflicts([fire('b', 30, null), fire('a', 30, null), fire('c', 40, null)], [], NOW)
    expect(conflicts).toHaveLength(1)
    expect(conflicts[0]?.fire.schedule).toBe('b')
    expect(conflicts[0]?.waitMs).toBeNull()
    expect(conflicts[0]?.startsAt).toBe(NOW + 30 * MIN)
  })

  it('fires already past are not predicted', () => {
    expect(predictConflicts([fire('a', -10, 30 * MIN), fire('b', 1, MIN)], [], NOW)).toEqual([])
  })

  it('lists conflicts by time over all lanes', () => {
    const conflicts = predictConflicts(
      [fire('x1', 50, 5 * MIN, 'X'), fire('x2', 51, MIN, 'X'), fire('y1', 10, 5 * MIN, 'Y'), fire('y2', 11, MIN, 'Y')],
      [],
      NOW,
    )
    expect(conflicts.map((c) => c.fire.schedule)).toEqual(['y2', 'x2'])
  })
})

describe('upcomingOf', () => {
  it('reads each fire`s time once and names it by schedule and time', () => {
    const fires: ForecastFire[] = [{ schedule: 's', type: 't', lane: 'l', laneLimit: 1, at: '2026-12-05T02:10:00.000Z', expectedMs: 90_000, basis: 'average' }]
    const [u] = upcomingOf(fires)
    expect(u).toEqual({ id: 's@2026-12-05T02:10:00.000Z', schedule: 's', type: 't', lane: 'l', laneLimit: 1, at: NOW + 10 * MIN, expectedMs: 90_000, basis: 'average' })
    expect(expectedEnd(u as Upcoming)).toBe(NOW + 10 * MIN + 90_000)
    expect(expectedEnd({ ...(u as Upcoming), expectedMs: null })).toBeNaN()
  })
})
