import { describe, expect, it } from 'vitest'
import { backoffDelay } from './backoff'
import { MAX_TIMER_MS } from './units'

const waits = (policy: Parameters<typeof backoffDelay>[0], attempts: number[], random?: () => number): number[] =>
  attempts.map((attempt) => backoffDelay(policy, attempt, random))

describe('backoffDelay', () => {
  it('doubles from the first wait and holds at the cap', () => {
    expect(waits({ baseMs: 1_000, maxMs: 30_000 }, [1, 2, 3, 4, 5, 6, 7, 8])).toEqual([
      1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000, 30_000,
    ])
  })

  it('fixed waits the first wait every time, and is capped too', () => {
    expect(waits({ baseMs: 5_000, maxMs: 60_000, growth: 'fixed' }, [1, 2, 10, 1_000])).toEqual([5_000, 5_000, 5_000, 5_000])
    expect(backoffDelay({ baseMs: 90_000, maxMs: 60_000, growth: 'fixed' }, 1)).toBe(60_000)
  })

  it('a first wait above the cap is the cap from the first failure on', () => {
    expect(waits({ baseMs: 50_000, maxMs: 30_000 }, [1, 2, 3])).toEqual([30_000, 30_000, 30_000])
  })

  it('huge attempt numbers stay finite and at the cap: a job retried for weeks, a tab left open for a year', () => {
    for (const attempt of [31, 54, 1_024, 1_025, 1e6, Number.MAX_SAFE_INTEGER, Number.MAX_VALUE, Infinity]) {
      const wait = backoffDelay({ baseMs: 3_600_000, maxMs: MAX_TIMER_MS }, attempt)
      expect(wait).toBe(MAX_TIMER_MS)
      expect(backoffDelay({ baseMs: 250, maxMs: 10_000, jitter: true }, attempt, () => 1)).toBe(10_000)
    }
  })

  it('a first wait of 0 never becomes NaN (0 × 2^1024 would)', () => {
    expect(waits({ baseMs: 0, maxMs: 30_000 }, [1, 2, 1_025, Infinity])).toEqual([0, 0, 0, 0])
  })

  it('attempts below 1 or not a number wait the first wait', () => {
    expect(waits({ baseMs: 500, maxMs: 30_000 }, [0, -3, Number.NaN])).toEqual([500, 500, 500])
  })

  it('a cap that is not finite is the longest wait a timer can keep', () => {
    expect(backoffDelay({ baseMs: 1_000, maxMs: Infinity }, 100)).toBe(MAX_TIMER_MS)
    expect(backoffDelay({ baseMs: 1_000, maxMs: Number.NaN }, 1)).toBe(1_000)
  })

  it('jitter draws between half and all of the wait, never above the cap', () => {
    const policy = { baseMs: 1_000, maxMs: 30_000, jitter: true }
    expect(backoffDelay(policy, 3, () => 0)).toBe(2_000)
    expect(backoffDelay(policy, 3, () => 0.5)).toBe(3_000)
    expect(backoffDelay(policy, 3, () => 0.999_999)).toBe(4_000)
    expect(backoffDelay(policy, 3, () => 1)).toBe(4_000)
    expect(backoffDelay(policy, 9, () => 0)).toBe(15_000)
    expect(backoffDelay(policy, 9, () => 1)).toBe(30_000)
    for (let i = 0; i < 1_000; i++) {
      const wait = backoffDelay(policy, 1 + (i % 12))
      const full = Math.min(30_000, 1_000 * 2 ** (i % 12))
      expect(wait).toBeGreaterThanOrEqual(full / 2)
      expect(wait).toBeLessThanOrEqual(full)
    }
  })

  it('a random source outside [0, 1) cannot push a wait outside its bounds', () => {
    const policy = { baseMs: 1_000, maxMs: 30_000, jitter: true }
    expect(backoffDelay(policy, 1, () => -5)).toBe(500)
    expect(backoffDelay(policy, 1, () => 7)).toBe(1_000)
    expect(backoffDelay(policy, 1, () => Number.NaN)).toBe(500)
  })

  it('without jitter the random source is never asked', () => {
    expect(backoffDelay({ baseMs: 1_000, maxMs: 30_000 }, 2, () => {
      throw new Error('asked')
    })).toBe(2_000)
  })

  it('waits are whole milliseconds', () => {
    expect(backoffDelay({ baseMs: 1_000, maxMs: 30_000, jitter: true }, 1, () => 0.123_456)).toBe(562)
    expect(backoffDelay({ baseMs: 2.5, maxMs: 30_000 }, 1)).toBe(3)
  })
})
