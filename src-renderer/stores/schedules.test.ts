import { createPinia, setActivePinia } from 'pinia'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { Job } from '../../src-shared/domain'
import { FakeBridge } from '../test-support/fake-bridge'
import type { ForecastFire, ScheduleFire, ScheduleInfo } from '../../src-shared/schedules'

const bridge = new FakeBridge()
vi.mock('../ipc', () => ({
  call: (method: never, args: unknown) => bridge.call(method, args),
  on: (event: never, listener: never) => bridge.on(event, listener),
}))
const { useSchedulesStore, fireTimesBySchedule, FIRE_SETTLE_MS, MAX_AGE_MS, RELOAD_MS, UPCOMING_REFRESH_MS } = await import('./schedules')

const NOW = Date.parse('2026-12-05T01:00:00Z')
const MIN = 60_000

const info = (name: string, patch: Partial<ScheduleInfo> = {}): ScheduleInfo => ({
  name,
  job: 'fetch-prospects',
  params: { dealer_id: '12284' },
  cron: '0 2 * * *',
  every: null,
  description: 'At 02:00 AM',
  timezone: 'Europe/Berlin',
  priority: null,
  missed: 'latest',
  catchupWindowMs: 86_400_000,
  overlap: 'skip',
  jitterMs: 0,
  notifySkipped: false,
  enabled: true,
  paused: false,
  pausedUntil: null,
  lane: 'dealer:12284',
  nextFires: [new Date(NOW + 10 * MIN).toISOString()],
  lastFire: null,
  ...patch,
})

const forecastFire = (schedule: string, at: number): ForecastFire => ({ schedule, type: 'fetch-prospects', lane: 'dealer:12284', laneLimit: 1, at: new Date(at).toISOString(), expectedMs: 1000, basis: 'p95' })

let schedules: ScheduleInfo[] = []
let forecast: ForecastFire[] = []

function answerAll(): void {
  bridge.answer('schedules.list', () => schedules)
  bridge.answer('schedules.forecast', () => forecast)
  bridge.answer('schedules.fires', (args) => {
    const a = args as { schedule: string }
    const fire: ScheduleFire = { schedule: a.schedule, scheduledFor: new Date(NOW - MIN).toISOString(), firedAt: new Date(NOW - MIN).toISOString(), outcome: 'skipped', reason: 'previous job 01JX still running', jobId: null }
    return [fire]
  })
  bridge.answer('schedules.pause', (args) => {
    const a = args as { name: string; until?: number }
    return info(a.name, { paused: true, pausedUntil: a.until === undefined ? null : new Date(a.until).toISOString() })
  })
  bridge.answer('schedules.resume', (args) => info((args as { name: string }).name))
  bridge.answer('schedules.runNow', (args) => {
    const name = (args as { name: string }).name
    return {
      fire: { schedule: name, scheduledFor: new Date(NOW).toISOString(), firedAt: new Date(NOW).toISOString(), outcome: 'manual', reason: null, jobId: 'J1' },
      job: { id: 'J1' } as Job,
    }
  })
}

describe('useSchedulesStore', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: NOW })
    setActivePinia(createPinia())
    bridge.reset()
    schedules = [info('nightly'), info('hourly', { cron: '0 * * * *', nextFires: [new Date(NOW + 30 * MIN).toISOString()] })]
    forecast = [forecastFire('hourly', NOW + 90 * MIN), forecastFire('hourly', NOW + 30 * MIN), forecastFire('nightly', NOW + 10 * MIN)]
    answerAll()
  })
  afterEach(() => {
    useSchedulesStore().stop()
    vi.useRealTimers()
  })

  it('loads the schedules with their next five fires and the next 25 h of fires per schedule for the 24 h strips', async () => {
    const store = useSchedulesStore()
    store.start()
    await vi.advanceTimersByTimeAsync(0)
    expect(bridge.calls.find((c) => c.method === 'schedules.list')?.args).toEqual({ fires: 5 })
    expect(bridge.calls.find((c) => c.method === 'schedules.forecast')?.args).toEqual({ since: NOW, until: NOW + 25 * 3_600_000 })
    expect(store.list.map((s) => s.name)).toEqual(['nightly', 'hourly'])
    expect(store.upcoming.get('hourly')).toEqual([NOW + 30 * MIN, NOW + 90 * MIN])
    expect(store.loaded).toBe(true)
  })

  it('reloads when a scheduled job enters the queue (throttled), not for a job enqueued by hand nor for its later changes', async () => {
    const store = useSchedulesStore()
    store.start()
    await vi.advanceTimersByTimeAsync(0)
    const before = bridge.count('schedules.list')
    bridge.emit('job.changed', { job: { id: 'x', schedule: null, status: 'queued' } as unknown as Job })
    bridge.emit('job.changed', { job: { id: 'y', schedule: 'nightly', status: 'running' } as unknown as Job })
    bridge.emit('job.changed', { job: { id: 'z', schedule: 'nightly', status: 'succeeded' } as unknown as Job })
    await vi.advanceTimersByTimeAsync(RELOAD_MS + 10)
    expect(bridge.count('schedules.list')).toBe(before)
    for (let i = 0; i < 5; i++) bridge.emit('job.changed', { job: { id: `j${i}`, schedule: 'nightly', status: 'queued' } as unknown as Job })
    await vi.advanceTimersByTimeAsync(RELOAD_MS + 10)
    expect(bridge.count('schedules.list')).toBe(before + 1)
    // The forecast (the costly call) is not read again for a fire.
    expect(bridge.count('schedules.forecast')).toBe(1)
  })

  it('reads the forecast for the strips at start, after a pause or resume, on a config change and every 30 min', async () => {
    const store = useSchedulesStore()
    store.start()
    await vi.advanceTimersByTimeAsync(0)
    expect(bridge.count('schedules.forecast')).toBe(1)
    await store.pause('nightly')
    await store.resume('nightly')
    expect(bridge.count('schedules.forecast')).toBe(3)
    bridge.emit('config.changed', { path: 'x', ok: true, errors: [] })
    await vi.advanceTimersByTimeAsync(0)
    expect(bridge.count('schedules.forecast')).toBe(4)
    await vi.advanceTimersByTimeAsync(UPCOMING_REFRESH_MS)
    expect(bridge.count('schedules.forecast')).toBe(5)
  })

  it('reads the list again once the earliest next fire is due, so its outcome and the next time show', async () => {
    schedules = [info('soon', { nextFires: [new Date(NOW + 30_000).toISOString()] }), info('nightly')]
    const store = useSchedulesStore()
    store.start()
    await vi.advanceTimersByTimeAsync(0)
    expect(bridge.count('schedules.list')).toBe(1)
    await vi.advanceTimersByTimeAsync(30_000 + FIRE_SETTLE_MS - 100)
    expect(bridge.count('schedules.list')).toBe(1)
    await vi.advanceTimersByTimeAsync(200)
    expect(bridge.count('schedules.list')).toBe(2)
  })

  it('is never older than a minute while open, even with nothing due (a pause made elsewhere shows)', async () => {
    schedules = [info('paused', { paused: true, nextFires: [] })]
    const store = useSchedulesStore()
    store.start()
    await vi.advanceTimersByTimeAsync(MAX_AGE_MS + 10)
    expect(bridge.count('schedules.list')).toBe(2)
    store.stop()
    await vi.advanceTimersByTimeAsync(3 * MAX_AGE_MS)
    expect(bridge.count('schedules.list')).toBe(2)
  })

  it('pauses until a time, shows the answer at once, and marks the schedule busy meanwhile', async () => {
    const store = useSchedulesStore()
    store.start()
    await vi.advanceTimersByTimeAsync(0)
    const pending = store.pause('nightly', NOW + 3_600_000)
    expect(store.busy.has('nightly')).toBe(true)
    const paused = await pending
    expect(bridge.calls.find((c) => c.method === 'schedules.pause')?.args).toEqual({ name: 'nightly', until: NOW + 3_600_000 })
    expect(paused.pausedUntil).toBe(new Date(NOW + 3_600_000).toISOString())
    expect(store.byName.get('nightly')?.paused).toBe(true)
    expect(store.busy.has('nightly')).toBe(false)
    await store.resume('nightly')
    expect(store.byName.get('nightly')?.paused).toBe(false)
  })

  it('pauses until resumed when no time is given', async () => {
    const store = useSchedulesStore()
    store.start()
    await vi.advanceTimersByTimeAsync(0)
    await store.pause('nightly')
    expect(bridge.calls.find((c) => c.method === 'schedules.pause')?.args).toEqual({ name: 'nightly' })
    expect(store.byName.get('nightly')?.pausedUntil).toBeNull()
  })

  it('runs now: returns the job and reloads the list', async () => {
    const store = useSchedulesStore()
    store.start()
    await vi.advanceTimersByTimeAsync(0)
    const { job, fire } = await store.runNow('hourly')
    expect(job.id).toBe('J1')
    expect(fire.outcome).toBe('manual')
    await vi.advanceTimersByTimeAsync(RELOAD_MS + 10)
    expect(bridge.count('schedules.list')).toBe(2)
  })

  it('loads a schedule`s recent fires when "Why didn`t it run?" opens, and again with each reload while open', async () => {
    const store = useSchedulesStore()
    store.start()
    await vi.advanceTimersByTimeAsync(0)
    await store.loadFires('nightly')
    expect(bridge.calls.find((c) => c.method === 'schedules.fires')?.args).toEqual({ schedule: 'nightly', limit: 50 })
    expect(store.fires.get('nightly')?.[0]?.reason).toBe('previous job 01JX still running')
    await store.load()
    await vi.advanceTimersByTimeAsync(0)
    expect(bridge.count('schedules.fires')).toBe(2)
    store.closeFires('nightly')
    await store.load()
    expect(bridge.count('schedules.fires')).toBe(2)
  })

  it('says what failed when the engine cannot answer', async () => {
    bridge.answer('schedules.list', () => {
      throw new Error('engine gone')
    })
    const store = useSchedulesStore()
    store.start()
    await vi.advanceTimersByTimeAsync(0)
    expect(store.error).toBe('Could not load the schedules: engine gone')
    expect(store.loaded).toBe(false)
  })
})

describe('fireTimesBySchedule', () => {
  it('groups the forecast by schedule, each in time order', () => {
    const grouped = fireTimesBySchedule([forecastFire('a', 3), forecastFire('b', 2), forecastFire('a', 1)])
    expect([...grouped.entries()]).toEqual([
      ['a', [1, 3]],
      ['b', [2]],
    ])
  })
})
