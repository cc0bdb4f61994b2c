import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { effectScope } from 'vue'
import { ago, useNow } from './now'

const T0 = Date.parse('2026-03-01T10:00:00.400Z')

beforeEach(() => {
  vi.useFakeTimers()
  vi.setSystemTime(T0)
})
afterEach(() => {
  vi.useRealTimers()
})

describe('useNow', () => {
  it('gives every view the same clock, on one timer that stops when the last view goes', () => {
    const runningList = effectScope()
    const history = effectScope()
    const running = runningList.run(() => useNow())!
    const listed = history.run(() => useNow(5000))!
    expect(vi.getTimerCount()).toBe(1)

    vi.advanceTimersByTime(3000)
    expect(running.value).toBe(T0 + 3000)
    // A 5 s step rounds up, so a list of "ago" labels changes at most every 5 s.
    expect(listed.value).toBe(Math.ceil((T0 + 3000) / 5000) * 5000)

    runningList.stop()
    expect(vi.getTimerCount()).toBe(1)
    history.stop()
    expect(vi.getTimerCount()).toBe(0)
  })
})

describe('ago', () => {
  it('reads an event newer than the stepped clock as just now, never "in a moment"', () => {
    const now = Date.parse('2026-03-01T10:00:05.000Z')
    expect(ago('2026-03-01T10:00:06.000Z', now)).toBe('just now')
    expect(ago('2026-03-01T09:57:05.000Z', now)).toBe('3 min ago')
    expect(ago(null, now)).toBe('—')
  })
})
