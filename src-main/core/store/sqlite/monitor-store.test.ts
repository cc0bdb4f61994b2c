import { afterEach, describe, expect, it } from 'vitest'
import { openTempStore, removeTempStore, type TempStore } from '../../test-support/temp-store'
import { MonitorStore } from './monitor-store'

const DAY = 86_400_000
let temp: TempStore | undefined
afterEach(() => temp && removeTempStore(temp))

describe('MonitorStore: adaptive concurrency steps', () => {
  it('answers the steps in a span and the last one, and keeps them as long as the host minutes', () => {
    temp = openTempStore('jobdeck-monitor-store-')
    const monitor = new MonitorStore(temp.db, temp.store)
    const now = Date.parse('2026-03-31T12:00:00Z')
    const step = (ago: number, from: number, to: number, reason: string) => ({ at: new Date(now - ago).toISOString(), from, to, max: 4, reason })
    const old = step(31 * DAY, 4, 3, 'CPU 90% over 80%')
    const recent = [step(2 * DAY, 3, 2, 'CPU 85% over 80%'), step(DAY, 2, 3, 'CPU 20% under 50%')]
    expect(monitor.lastConcurrencyChange()).toBeNull()
    for (const change of [old, ...recent]) monitor.insertConcurrencyChange(change)
    expect(monitor.concurrencyChanges(now - 3 * DAY, now)).toEqual(recent)
    expect(monitor.lastConcurrencyChange()).toEqual(recent[1])
    monitor.prune(now, 3_600_000, 30 * DAY)
    expect(monitor.concurrencyChanges(0, now)).toEqual(recent)
  })
})
