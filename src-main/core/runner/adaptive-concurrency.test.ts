import { describe, expect, it } from 'vitest'
import type { RunnerConcurrency } from '../../../src-shared/config-schema'
import { fakeSample } from '../test-support/host-samples'
import { AdaptiveConcurrency } from './adaptive-concurrency'

const GiB = 1024 ** 3
const ADAPTIVE: RunnerConcurrency = { min: 1, max: 4, adaptive: { cpuHigh: 80, cpuLow: 50, freeMemoryBytes: 2 * GiB } }

function stepper(concurrency: RunnerConcurrency = ADAPTIVE, samples = 3) {
  const settings = { concurrency, samples }
  const adaptive = new AdaptiveConcurrency(() => settings)
  let at = Date.parse('2026-03-01T10:00:00Z')
  /** Feeds one sample a second; returns the limit after each. */
  const feed = (cpus: number[], running = 0, extra: Parameters<typeof fakeSample>[0] = {}): number[] =>
    cpus.map((cpu) => {
      adaptive.observe(fakeSample({ ...extra, cpu, at: (at += 1000) }), running)
      return adaptive.limit()
    })
  return { adaptive, settings, feed }
}

describe('adaptive concurrency', () => {
  it('starts at max and steps down one only when CPU stays over high for the hysteresis count', () => {
    const { adaptive, feed } = stepper()
    expect(adaptive.limit()).toBe(4)
    // A spike does not count; the count starts over after each step.
    expect(feed([90, 90, 60, 90, 90, 90])).toEqual([4, 4, 4, 4, 4, 3])
    expect(adaptive.reason()).toBe('CPU 90% over 80%')
    expect(feed([95, 95, 95, 95, 95, 95, 95, 95, 95])).toEqual([3, 3, 2, 2, 2, 1, 1, 1, 1])
  })

  it('never goes under min, and steps back up one at a time while CPU stays under low, to max', () => {
    const { adaptive, feed } = stepper({ ...ADAPTIVE, min: 2 })
    expect(feed(Array(12).fill(99))).toEqual([4, 4, 3, 3, 3, 2, 2, 2, 2, 2, 2, 2])
    // Between low and high: it holds where it is.
    expect(feed([65, 65, 65, 65])).toEqual([2, 2, 2, 2])
    expect(feed(Array(9).fill(20))).toEqual([2, 2, 3, 3, 3, 4, 4, 4, 4])
    expect(adaptive.reason()).toBeNull()
  })

  it('steps down while free memory is under the floor, and not up until it is above it', () => {
    const { adaptive, feed } = stepper()
    expect(feed([10, 10, 10], 0, { availableBytes: 1.5 * GiB })).toEqual([4, 4, 3])
    expect(adaptive.reason()).toBe('free memory 1.5 GiB under 2.0 GiB')
    expect(feed([10, 10, 10], 0, { availableBytes: 1.5 * GiB })).toEqual([3, 3, 2])
    expect(feed([10, 10, 10], 0, { availableBytes: 6 * GiB })).toEqual([2, 2, 3])
  })

  it('says each step as a change: when, from, to, the maximum and why', () => {
    const { adaptive } = stepper()
    const changes = [91, 92, 93].map((cpu, i) => adaptive.observe(fakeSample({ cpu, at: Date.parse('2026-03-01T10:00:00Z') + i * 1000 }), 0))
    expect(changes).toEqual([null, null, { at: '2026-03-01T10:00:02.000Z', from: 4, to: 3, max: 4, reason: 'CPU 93% over 80%' }])
  })

  it('does not step down again while more runs run than the limit allows: they are never killed, the last step has not taken effect', () => {
    const { adaptive, feed } = stepper()
    expect(feed([99, 99, 99], 4)).toEqual([4, 4, 3])
    // Four still running (over the new limit of 3): held at 3 however long CPU stays high.
    expect(feed(Array(6).fill(99), 4)).toEqual(Array(6).fill(3))
    // One ended: the load that made the step is the load now, so it may step again.
    expect(feed([99, 99, 99], 3)).toEqual([3, 3, 2])
    expect(adaptive.limit()).toBe(2)
  })

  it('a plain number is fixed, and a reload that narrows the range moves the limit into it', () => {
    const fixed = stepper({ min: 3, max: 3, adaptive: null })
    expect(fixed.feed(Array(6).fill(100))).toEqual(Array(6).fill(3))
    const { adaptive, settings, feed } = stepper()
    feed(Array(9).fill(99))
    expect(adaptive.limit()).toBe(1)
    settings.concurrency = { ...ADAPTIVE, min: 2, max: 3 }
    expect(adaptive.limit()).toBe(2)
    settings.concurrency = { min: 6, max: 6, adaptive: null }
    expect(adaptive.limit()).toBe(6)
    expect(adaptive.reason()).toBeNull()
  })
})
