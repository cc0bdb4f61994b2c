import { createPinia, setActivePinia } from 'pinia'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { RunnerStatus, TimelinePage } from '../../src-shared/domain'
import { FakeBridge } from '../test-support/fake-bridge'
import type { ForecastFire, ScheduleFire } from '../../src-shared/schedules'

const bridge = new FakeBridge()
vi.mock('../ipc', () => ({
  call: (method: never, args: unknown) => bridge.call(method, args),
  on: (event: never, listener: never) => bridge.on(event, listener),
}))
const { useTimelineStore, headroomMs } = await import('./timeline')
const { useTimelineAheadStore, AUTO_AHEAD_MIN_MS, AHEAD_TICK_MS, autoAheadMs } = await import('./timeline-ahead')
const { useConfigStore } = await import('./config')
const { useRunnerStore } = await import('./runner')

const MIN = 60_000
const HOUR = 60 * MIN
const NOW = Date.parse('2026-12-05T01:00:00Z')

interface Window {
  since: number
  until: number
}

const forecastFire = (schedule: string, at: number, expectedMs: number | null = 2 * MIN): ForecastFire => ({
  schedule,
  type: 'export',
  lane: 'reports',
  laneLimit: 1,
  at: new Date(at).toISOString(),
  expectedMs,
  basis: expectedMs === null ? null : 'p95',
})

let schedules: string[] = []
let forecast: ForecastFire[] = []
let fires: ScheduleFire[] = []

function answerAll(): void {
  bridge.answer('timeline.extent', () => ({ first: NOW - 24 * HOUR + MIN, last: NOW - MIN }))
  bridge.answer('timeline.range', (args): TimelinePage => {
    const a = args as Window & { groupBy: 'type' | 'lane' }
    return { since: a.since, until: a.until, groupBy: a.groupBy, rows: [], items: [], buckets: [], total: 0 }
  })
  bridge.answer('monitor.range', () => ({ resolution: 'raw', samples: [], minutes: [], concurrency: [] }))
  bridge.answer('config.get', () => ({ path: 'x', ok: true, errors: [], types: [], monitor: {} as never, runner: { concurrency: 1, minConcurrency: 1, adaptive: false, interruptLimit: 3 }, lanes: {}, rates: {}, schedules, sources: [] }))
  bridge.answer('schedules.forecast', (args) => {
    const a = args as Window
    return forecast.filter((f) => Date.parse(f.at) >= a.since && Date.parse(f.at) <= a.until)
  })
  bridge.answer('schedules.fires', (args) => fires.filter((f) => f.outcome === (args as { outcome: string }).outcome))
}

const callsOf = (method: 'timeline.range' | 'schedules.forecast' | 'schedules.fires'): Array<Record<string, unknown>> =>
  bridge.calls.filter((c) => c.method === method).map((c) => c.args as Record<string, unknown>)

async function opened(): Promise<ReturnType<typeof useTimelineStore>> {
  await useConfigStore().load()
  const store = useTimelineStore()
  store.start(1200)
  await vi.advanceTimersByTimeAsync(0)
  return store
}

describe('the Timeline ahead of now', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: NOW })
    setActivePinia(createPinia())
    bridge.reset()
    schedules = []
    forecast = []
    fires = []
    answerAll()
  })
  afterEach(() => {
    useTimelineStore().stop()
    vi.useRealTimers()
  })

  it('without schedules, the range ends just after now as before and nothing about schedules is asked', async () => {
    const store = await opened()
    expect(store.range.until - NOW).toBe(headroomMs(24 * HOUR))
    expect(callsOf('schedules.forecast')).toEqual([])
    expect(callsOf('schedules.fires')).toEqual([])
    expect(useTimelineAheadStore().active).toBe(false)
  })

  it('with schedules, the range reaches a quarter of its span ahead, and loads the fires in it and the skipped and missed ones behind', async () => {
    schedules = ['nightly']
    forecast = [forecastFire('nightly', NOW + HOUR)]
    fires = [{ schedule: 'nightly', scheduledFor: new Date(NOW - HOUR).toISOString(), firedAt: new Date(NOW - HOUR).toISOString(), outcome: 'missed', reason: null, jobId: null }]
    const store = await opened()
    expect(autoAheadMs(24 * HOUR)).toBe(6 * HOUR)
    expect(store.range).toEqual({ since: NOW - 24 * HOUR, until: NOW + 6 * HOUR })
    // The first query is already the range with room ahead: no second one.
    expect(callsOf('timeline.range').map((a) => a.until)).toEqual([NOW + 6 * HOUR])
    expect(callsOf('schedules.forecast').at(-1)).toEqual({ since: NOW, until: NOW + 6 * HOUR })
    expect(callsOf('schedules.fires').map((a) => a.outcome).sort()).toEqual(['missed', 'skipped'])
    const ahead = useTimelineAheadStore()
    expect(ahead.upcoming.map((f) => f.schedule)).toEqual(['nightly'])
    expect(ahead.marks.map((f) => f.outcome)).toEqual(['missed'])
    // Rows include the fires' type even with no run of it in view.
    expect(store.rows).toContain('export')
  })

  it('a short fitted range still reaches 15 min ahead', () => {
    expect(autoAheadMs(3 * MIN)).toBe(AUTO_AHEAD_MIN_MS)
  })

  it('the operator picks how far ahead: the range is drawn anew reaching that far', async () => {
    schedules = ['nightly']
    const store = await opened()
    store.setAhead('24h')
    await vi.advanceTimersByTimeAsync(0)
    expect(store.range.until).toBe(NOW + 24 * HOUR)
    expect(callsOf('schedules.forecast').at(-1)).toEqual({ since: NOW, until: NOW + 24 * HOUR })
    store.setAhead('off')
    await vi.advanceTimersByTimeAsync(0)
    expect(store.range.until - NOW).toBe(headroomMs(24 * HOUR))
  })

  it('predicts the conflict of two fires at one time in a lane of limit 1, and one behind a run running now', async () => {
    schedules = ['a', 'b']
    forecast = [forecastFire('a', NOW + 30 * MIN), forecastFire('b', NOW + 30 * MIN), forecastFire('c', NOW + 2 * MIN)]
    const runner = useRunnerStore()
    runner.status = {
      running: [{ job: {} as never, run: { id: 'R1', type: 'export', lane: 'reports', startedAt: new Date(NOW - MIN).toISOString() } as never, expected: null }],
      queued: [],
    } as unknown as RunnerStatus
    await opened()
    const ahead = useTimelineAheadStore()
    // The running export is expected to take the forecast's 2 min: it holds the lane until NOW + 1 min.
    expect(ahead.conflicts.map((c) => [c.fire.schedule, c.waitMs])).toEqual([['b', 2 * MIN]])
    forecast = [forecastFire('c', NOW + 30_000)]
    useTimelineStore().setAhead('1h')
    await vi.advanceTimersByTimeAsync(0)
    expect(ahead.conflicts.map((c) => [c.fire.schedule, c.waitMs, c.behind[0]?.kind])).toEqual([['c', 30_000, 'run']])
    // A progress report of the same run changes nothing the prediction reads: the same conflicts.
    const before = ahead.conflicts
    runner.status = {
      running: [{ job: {} as never, run: { id: 'R1', type: 'export', lane: 'reports', startedAt: new Date(NOW - MIN).toISOString(), progress: { percent: 40 } } as never, expected: null }],
      queued: [],
    } as unknown as RunnerStatus
    expect(ahead.conflicts).toBe(before)
  })

  it('reads the fires ahead again when the config changes (schedules edited)', async () => {
    schedules = ['a']
    forecast = [forecastFire('a', NOW + 30 * MIN)]
    await opened()
    const before = callsOf('schedules.forecast').length
    forecast = [forecastFire('a', NOW + 20 * MIN), forecastFire('b', NOW + 40 * MIN)]
    bridge.emit('config.changed', { path: 'x', ok: true, errors: [] })
    await vi.advanceTimersByTimeAsync(0)
    expect(callsOf('schedules.forecast').length).toBe(before + 1)
    expect(useTimelineAheadStore().upcoming.map((f) => f.schedule)).toEqual(['a', 'b'])
  })

  it('a fire that passes leaves what is drawn ahead as the clock moves', async () => {
    schedules = ['a']
    forecast = [forecastFire('a', NOW + 3_000), forecastFire('a', NOW + 30 * MIN)]
    await opened()
    const ahead = useTimelineAheadStore()
    expect(ahead.upcoming).toHaveLength(2)
    const before = ahead.upcoming
    await vi.advanceTimersByTimeAsync(AHEAD_TICK_MS)
    expect(ahead.upcoming).toHaveLength(1)
    const after = ahead.upcoming
    await vi.advanceTimersByTimeAsync(AHEAD_TICK_MS)
    // Nothing passed: the same array, so the chart keeps its layers.
    expect(ahead.upcoming).toBe(after)
    expect(before).not.toBe(after)
  })
})
