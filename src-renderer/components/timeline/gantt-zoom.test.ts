import { describe, expect, it } from 'vitest'
import {
  brushWindow,
  clampWindow,
  EMPTY_FIT_MS,
  FIT_LEAD,
  FIT_LOOKBACK_MS,
  fitSpan,
  MAX_FIT_MS,
  MIN_FIT_MS,
  panBy,
  sameWindow,
  wheelFactor,
  wheelNotches,
  zoomAround,
} from './gantt-zoom'

const MIN = 60_000
const HOUR = 3_600_000
const NOW = Date.parse('2026-03-02T12:00:00Z')

describe('fitSpan', () => {
  it('opens a fresh install with runs from the last 40 minutes on about 40 minutes, not a day', () => {
    const span = fitSpan({ first: NOW - 40 * MIN, last: NOW - 2 * MIN }, NOW)
    expect(span).toBeGreaterThanOrEqual(40 * MIN)
    expect(span).toBeLessThan(45 * MIN)
    expect(span).toBe(Math.round(40 * MIN * (1 + FIT_LEAD)))
  })

  it('opens a day with runs all day long on that day, as before', () => {
    expect(fitSpan({ first: NOW - 24 * HOUR + 1000, last: NOW - 1000 }, NOW)).toBe(FIT_LOOKBACK_MS)
  })

  it('leaves a few quick runs of the last minute room to be seen as bars', () => {
    expect(fitSpan({ first: NOW - 20_000, last: NOW - 5000 }, NOW)).toBeGreaterThanOrEqual(MIN_FIT_MS)
  })

  it('reaches back to the latest run when nothing ran in the last day, and never past 30 days', () => {
    expect(fitSpan({ first: null, last: NOW - 3 * 24 * HOUR }, NOW)).toBeGreaterThanOrEqual(3 * 24 * HOUR)
    expect(fitSpan({ first: null, last: NOW - 90 * 24 * HOUR }, NOW)).toBe(MAX_FIT_MS)
  })

  it('opens an empty data dir on a short range', () => {
    expect(fitSpan({ first: null, last: null }, NOW)).toBe(EMPTY_FIT_MS)
  })
})

describe('zoom and pan steps', () => {
  const range = { since: NOW - 24 * HOUR, until: NOW }
  const view = { since: NOW - 10 * HOUR, until: NOW - 2 * HOUR }

  it('halves the span around the middle (+) and doubles it (-)', () => {
    const middle = (view.since + view.until) / 2
    const zin = zoomAround(view, middle, 1 / 2, range, 10_000)
    expect(zin).toEqual({ since: middle - 2 * HOUR, until: middle + 2 * HOUR })
    // Doubled around the middle would end 2 h after the range: it stops at the end instead.
    const zout = zoomAround(view, middle, 2, range, 10_000)
    expect(zout).toEqual({ since: NOW - 16 * HOUR, until: NOW })
  })

  it('keeps the time under the pointer where it is while the wheel zooms', () => {
    const anchor = view.since + 0.25 * (view.until - view.since)
    const next = zoomAround(view, anchor, wheelFactor(-100, 0), range, 10_000)
    expect((anchor - next.since) / (next.until - next.since)).toBeCloseTo(0.25)
  })

  it('halves or doubles the span in three wheel notches, whatever the device reports in', () => {
    let w = view
    for (let i = 0; i < 3; i++) w = zoomAround(w, (w.since + w.until) / 2, wheelFactor(-100, 0), range, 10_000)
    expect(w.until - w.since).toBeCloseTo(4 * HOUR)
    for (let i = 0; i < 3; i++) w = zoomAround(w, (w.since + w.until) / 2, wheelFactor(3, 1), range, 10_000)
    expect(w.until - w.since).toBeCloseTo(8 * HOUR)
    // A touchpad's small deltas add up to the same; one wild event is at most three notches.
    expect(wheelNotches(10, 0)).toBeCloseTo(0.1)
    expect(wheelNotches(5000, 0)).toBe(3)
  })

  it('stops at the range and at the smallest window', () => {
    expect(zoomAround(view, view.since, 10, range, 10_000)).toEqual(range)
    const tiny = zoomAround({ since: NOW - 20_000, until: NOW - 8000 }, NOW - 14_000, 0.1, range, 10_000)
    expect(tiny.until - tiny.since).toBe(10_000)
    expect(tiny.since).toBe(NOW - 19_000)
  })

  it('moves by a share of the span with the arrows, and not past either end', () => {
    expect(panBy(view, 0.25, range, 10_000)).toEqual({ since: view.since + 2 * HOUR, until: view.until + 2 * HOUR })
    expect(panBy(view, 1, range, 10_000)).toEqual({ since: NOW - 8 * HOUR, until: NOW })
    expect(panBy(view, -5, range, 10_000)).toEqual({ since: range.since, until: range.since + 8 * HOUR })
  })

  it('clamps a window into bounds without changing its span when it fits', () => {
    expect(clampWindow({ since: NOW - 30 * HOUR, until: NOW - 26 * HOUR }, range, 10_000)).toEqual({ since: range.since, until: range.since + 4 * HOUR })
  })
})

describe('brushWindow', () => {
  const view = { since: 0, until: 1000 * 1000 }

  it('turns the dragged pixels into the span under them, either direction', () => {
    expect(brushWindow(300, 100, 100, 1000, view)).toEqual({ since: 0, until: 200_000 })
    expect(brushWindow(600, 1400, 100, 1000, view)).toEqual({ since: 500_000, until: 1_000_000 })
  })

  it('is a click, not a brush, under a few pixels', () => {
    expect(brushWindow(300, 303, 100, 1000, view)).toBeNull()
  })
})

describe('sameWindow', () => {
  it('ignores the slider’s rounding but not a zoom', () => {
    const w = { since: 0, until: 86_400_000 }
    expect(sameWindow({ since: 3, until: 86_400_010 }, w)).toBe(true)
    expect(sameWindow({ since: 3_600_000, until: 86_400_000 }, w)).toBe(false)
  })
})
