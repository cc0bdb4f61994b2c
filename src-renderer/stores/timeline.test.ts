import { createPinia, setActivePinia } from 'pinia'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { Run, TimelineExtent, TimelineItem, TimelinePage } from '../../src-shared/domain'
import { FakeBridge } from '../test-support/fake-bridge'

const bridge = new FakeBridge()
vi.mock('../ipc', () => ({
  call: (method: never, args: unknown) => bridge.call(method, args),
  on: (event: never, listener: never) => bridge.on(event, listener),
}))
const { useTimelineStore, LIVE_FLUSH_MS, WINDOW_DEBOUNCE_MS, MAX_ITEMS, COARSEST_BUCKET } = await import('./timeline')

const HOUR = 3_600_000
const NOW = Date.parse('2026-03-02T12:00:00Z')

interface RangeArgs {
  since: number
  until: number
  groupBy: 'type' | 'lane'
  bucketMs: number
  maxItems: number
}

const item = (id: string, startedAt: number, finishedAt: number | null): TimelineItem => ({
  id,
  jobId: `j-${id}`,
  type: 'fetch',
  lane: 'dealer:1',
  status: finishedAt === null ? 'running' : 'succeeded',
  attempt: 1,
  queuedAt: startedAt - 1000,
  startedAt,
  finishedAt,
})

let pageItems: TimelineItem[] = []
/** Where the engine says the runs are: by default, a day of them. */
let extent: TimelineExtent | null = null

function answerAll(): void {
  bridge.answer('timeline.extent', () => {
    if (!extent) throw new Error('timeline.extent: unknown method')
    return extent
  })
  bridge.answer('timeline.range', (args): TimelinePage => {
    const a = args as RangeArgs
    return { since: a.since, until: a.until, groupBy: a.groupBy, rows: ['fetch'], items: pageItems, buckets: [], total: pageItems.length }
  })
  bridge.answer('monitor.range', () => ({ resolution: 'raw', samples: [], minutes: [], concurrency: [] }))
  bridge.answer('config.get', () => ({ path: 'x', ok: true, errors: [], types: [], monitor: {} as never, runner: { concurrency: 1, minConcurrency: 1, adaptive: false, interruptLimit: 3 }, lanes: {}, rates: {}, schedules: [], sources: [] }))
}

const rangeCalls = (): RangeArgs[] => bridge.calls.filter((c) => c.method === 'timeline.range').map((c) => c.args as RangeArgs)

const runOf = (i: TimelineItem, patch: Partial<Run> = {}): Run =>
  ({
    id: i.id,
    jobId: i.jobId,
    type: i.type,
    lane: i.lane,
    status: i.status,
    attempt: i.attempt,
    queuedAt: new Date(i.queuedAt).toISOString(),
    startedAt: new Date(i.startedAt).toISOString(),
    finishedAt: i.finishedAt === null ? null : new Date(i.finishedAt).toISOString(),
    ...patch,
  }) as Run

describe('useTimelineStore', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: NOW })
    setActivePinia(createPinia())
    bridge.reset()
    pageItems = []
    extent = { first: NOW - 24 * HOUR + 60_000, last: NOW - 60_000 }
    answerAll()
  })
  afterEach(() => {
    useTimelineStore().stop()
    vi.useRealTimers()
  })

  it('opens on the range that fits the recent runs, with one pixel per bucket and at most 5k items', async () => {
    extent = { first: NOW - 40 * 60_000, last: NOW - 2 * 60_000 }
    const store = useTimelineStore()
    store.start(1200)
    await vi.advanceTimersByTimeAsync(0)
    expect(bridge.calls.find((c) => c.method === 'timeline.extent')?.args).toEqual({ since: NOW - 24 * HOUR })
    // The day asked for beside the extent, then the fitted range; only the fitted one is drawn.
    expect(rangeCalls()).toHaveLength(2)
    const first = rangeCalls()[1]
    expect(store.loaded?.window).toEqual({ since: first?.since, until: first?.until })
    expect(first?.since).toBeLessThanOrEqual(NOW - 40 * 60_000)
    expect(first?.since).toBeGreaterThan(NOW - 45 * 60_000)
    expect(first?.until).toBeGreaterThan(NOW)
    expect(first?.bucketMs).toBeCloseTo(((first?.until ?? 0) - (first?.since ?? 0)) / 1200)
    expect(first?.maxItems).toBe(MAX_ITEMS)
    expect(first?.groupBy).toBe('type')
    expect(store.preset).toBe('fit')
    expect(store.activePreset).toBe('fit')
    expect(store.loaded?.total).toBe(0)
  })

  it('opens a day with runs all day long on that day, with the one query asked beside the extent', async () => {
    pageItems = [item('a', NOW - 20 * HOUR, NOW - 20 * HOUR + 60_000)]
    const store = useTimelineStore()
    store.start(1200)
    await vi.advanceTimersByTimeAsync(0)
    expect(rangeCalls()).toHaveLength(1)
    expect(rangeCalls()[0]?.since).toBe(NOW - 24 * HOUR)
    expect(store.items.map((i) => i.id)).toEqual(['a'])
    expect(store.activePreset).toBe('fit')
  })

  it('opens on the last 24 h when the engine cannot say where the runs are', async () => {
    extent = null
    const store = useTimelineStore()
    store.start(1200)
    await vi.advanceTimersByTimeAsync(0)
    expect(rangeCalls()[0]?.since).toBe(NOW - 24 * HOUR)
  })

  it('marks no preset while zoomed in, and the preset again when zoomed back out to its range', async () => {
    const store = useTimelineStore()
    store.start(1000)
    await vi.advanceTimersByTimeAsync(0)
    store.setPreset('6h')
    await vi.advanceTimersByTimeAsync(WINDOW_DEBOUNCE_MS + 10)
    expect(store.activePreset).toBe('6h')
    store.setWindow({ since: NOW - 3 * HOUR, until: NOW - 2 * HOUR }, 1000)
    expect(store.zoomed).toBe(true)
    expect(store.activePreset).toBeNull()
    store.setWindow(store.range, 1000)
    expect(store.activePreset).toBe('6h')
  })

  it('draws a zoom the loaded answer covers finely enough without asking again', async () => {
    const store = useTimelineStore()
    store.start(1000)
    await vi.advanceTimersByTimeAsync(WINDOW_DEBOUNCE_MS + 10)
    const before = rangeCalls().length
    const { since, until } = store.range
    // One wheel notch in, then a second: buckets still under COARSEST_BUCKET pixels.
    const span = until - since
    store.setWindow({ since: since + span * 0.1, until: until - span * 0.1 }, 1000)
    await vi.advanceTimersByTimeAsync(WINDOW_DEBOUNCE_MS + 10)
    expect(rangeCalls().length).toBe(before)
    expect(store.view.until - store.view.since).toBeCloseTo(span * 0.8)
    // Deeper than COARSEST_BUCKET: the window is asked for.
    store.setWindow({ since: since + span * 0.5, until: since + span * (0.5 + 0.9 / COARSEST_BUCKET / 2) }, 1000)
    await vi.advanceTimersByTimeAsync(WINDOW_DEBOUNCE_MS + 10)
    expect(rangeCalls().length).toBe(before + 1)
  })

  it('zooming back out draws the whole range from its answer at once, while nothing newer is needed', async () => {
    pageItems = [item('a', NOW - 5 * HOUR, NOW - 5 * HOUR + 60_000)]
    const store = useTimelineStore()
    store.start(1000)
    await vi.advanceTimersByTimeAsync(WINDOW_DEBOUNCE_MS + 10)
    const whole = store.range
    pageItems = []
    store.setWindow({ since: NOW - 2 * HOUR, until: NOW - HOUR }, 1000)
    await vi.advanceTimersByTimeAsync(WINDOW_DEBOUNCE_MS + 10)
    expect(store.items).toHaveLength(0)
    const before = rangeCalls().length
    store.setWindow(whole, 1000)
    // At once, from the range's answer: its run is back without a query.
    expect(store.items.map((i) => i.id)).toEqual(['a'])
    await vi.advanceTimersByTimeAsync(WINDOW_DEBOUNCE_MS + 10)
    expect(rangeCalls().length).toBe(before)
  })

  it('re-queries exactly the visible window when zoomed, with bucketMs = span / plot width', async () => {
    const store = useTimelineStore()
    store.start(1000)
    await vi.advanceTimersByTimeAsync(WINDOW_DEBOUNCE_MS + 10)
    const window = { since: NOW - 3 * HOUR, until: NOW - 2 * HOUR }
    store.setWindow(window, 800)
    await vi.advanceTimersByTimeAsync(0)
    const last = rangeCalls().at(-1)
    expect(last).toMatchObject({ since: window.since, until: window.until, bucketMs: HOUR / 800 })
    expect(store.loaded?.window).toEqual(window)
  })

  it('turns a burst of zoom steps beyond the loaded window into one immediate query and one trailing query', async () => {
    const store = useTimelineStore()
    store.start(1000)
    await vi.advanceTimersByTimeAsync(WINDOW_DEBOUNCE_MS + 10)
    store.setWindow({ since: NOW - 3 * HOUR, until: NOW - 2 * HOUR }, 1000)
    await vi.advanceTimersByTimeAsync(WINDOW_DEBOUNCE_MS + 10)
    const before = rangeCalls().length
    // Panning back in time by a minute a frame: each step leaves the window loaded last.
    for (let i = 1; i <= 10; i++) {
      store.setWindow({ since: NOW - 3 * HOUR - i * 60_000, until: NOW - 2 * HOUR - i * 60_000 }, 1000)
      await vi.advanceTimersByTimeAsync(16)
    }
    expect(rangeCalls().length - before).toBe(1)
    await vi.advanceTimersByTimeAsync(WINDOW_DEBOUNCE_MS + 10)
    expect(rangeCalls().length - before).toBe(2)
    expect(rangeCalls().at(-1)?.since).toBe(NOW - 3 * HOUR - 10 * 60_000)
  })

  it('ignores an answer overtaken by a newer query', async () => {
    const store = useTimelineStore()
    let release: (() => void) | null = null
    bridge.answer('timeline.range', async (args) => {
      const a = args as RangeArgs
      if (a.until - a.since > 20 * HOUR) await new Promise<void>((r) => (release = r))
      return { since: a.since, until: a.until, groupBy: a.groupBy, rows: ['fetch'], items: [item(String(a.since), a.since, a.since + 1)], buckets: [], total: 1 }
    })
    store.start(1000)
    await vi.advanceTimersByTimeAsync(WINDOW_DEBOUNCE_MS + 10)
    store.setWindow({ since: NOW - 2 * HOUR, until: NOW - HOUR }, 1000)
    await vi.advanceTimersByTimeAsync(WINDOW_DEBOUNCE_MS + 10)
    expect(store.loaded?.window.since).toBe(NOW - 2 * HOUR)
    ;(release as (() => void) | null)?.()
    await vi.advanceTimersByTimeAsync(0)
    expect(store.loaded?.window.since).toBe(NOW - 2 * HOUR)
    expect(store.items.map((i) => i.id)).toEqual([String(NOW - 2 * HOUR)])
  })

  it('updates a running item in place from run.changed and appends new runs in the window, without refetching', async () => {
    pageItems = [item('a', NOW - HOUR, NOW - HOUR + 60_000), item('r', NOW - 10 * 60_000, null)]
    const store = useTimelineStore()
    store.start(1000)
    await vi.advanceTimersByTimeAsync(0)
    expect(store.hasRunning).toBe(true)
    const calls = rangeCalls().length

    const running = store.items.find((i) => i.id === 'r') as TimelineItem
    bridge.emit('run.changed', { run: runOf(running, { status: 'failed', finishedAt: new Date(NOW).toISOString() }) })
    bridge.emit('run.changed', { run: runOf(item('new', NOW - 5000, null)) })
    bridge.emit('run.changed', { run: runOf(item('old', NOW - 40 * HOUR, NOW - 39 * HOUR)) })
    await vi.advanceTimersByTimeAsync(LIVE_FLUSH_MS + 10)

    expect(rangeCalls().length).toBe(calls)
    expect(store.items.map((i) => i.id)).toEqual(['a', 'r', 'new'])
    expect(store.items[1]).toMatchObject({ id: 'r', status: 'failed', finishedAt: NOW })
    expect(store.items[2]?.finishedAt).toBeNull()
  })

  it('ticks the clock each second while a run is running, so its bar grows without a refetch', async () => {
    pageItems = [item('r', NOW - 60_000, null)]
    const store = useTimelineStore()
    store.start(1000)
    await vi.advanceTimersByTimeAsync(0)
    const calls = rangeCalls().length
    const t0 = store.now
    await vi.advanceTimersByTimeAsync(3000)
    expect(store.now).toBeGreaterThanOrEqual(t0 + 3000)
    expect(rangeCalls().length).toBe(calls)
  })

  it('finds overlaps among the loaded runs using the lane limits from config', async () => {
    pageItems = [item('a', NOW - HOUR, NOW - HOUR + 60_000), item('b', NOW - HOUR + 30_000, NOW - HOUR + 90_000)]
    const store = useTimelineStore()
    store.start(1000)
    await vi.advanceTimersByTimeAsync(0)
    expect(store.overlaps).toHaveLength(1)
    expect(store.overlaps[0]).toMatchObject({ lane: 'dealer:1', limit: 1, runIds: ['a', 'b'] })
  })

  it('switching rows to lanes re-queries with groupBy lane', async () => {
    const store = useTimelineStore()
    store.start(1000)
    await vi.advanceTimersByTimeAsync(0)
    store.setGroupBy('lane')
    await vi.advanceTimersByTimeAsync(0)
    expect(rangeCalls().at(-1)?.groupBy).toBe('lane')
  })

  it('a source filter asks for that source\'s runs only and keeps other runs\' live updates out', async () => {
    const store = useTimelineStore()
    store.start(1000)
    await vi.advanceTimersByTimeAsync(0)
    expect(rangeCalls().at(-1)).not.toHaveProperty('source')
    store.setSource('legacy')
    await vi.advanceTimersByTimeAsync(0)
    expect(rangeCalls().at(-1)).toMatchObject({ source: 'legacy' })
    const calls = rangeCalls().length
    bridge.emit('run.changed', { run: runOf(item('own', NOW - 5000, null), { source: null }) })
    bridge.emit('run.changed', { run: runOf(item('legacy:7/run', NOW - 4000, null), { source: 'legacy' }) })
    bridge.emit('run.changed', { run: runOf(item('batch:1/run', NOW - 3000, null), { source: 'batch' }) })
    await vi.advanceTimersByTimeAsync(LIVE_FLUSH_MS + 10)
    expect(rangeCalls().length).toBe(calls)
    expect(store.items.map((i) => i.id)).toEqual(['legacy:7/run'])
    // Jobdeck's own only, then all again: each asks once more.
    store.setSource('-')
    await vi.advanceTimersByTimeAsync(0)
    expect(rangeCalls().at(-1)).toMatchObject({ source: '-' })
    store.setSource(null)
    await vi.advanceTimersByTimeAsync(0)
    expect(rangeCalls().at(-1)).not.toHaveProperty('source')
  })
})

describe('useTimelineStore overlap list', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: NOW })
    setActivePinia(createPinia())
    bridge.reset()
    pageItems = [item('a', NOW - HOUR, NOW - HOUR + 60_000), item('b', NOW - HOUR + 30_000, NOW - HOUR + 90_000)]
    extent = { first: NOW - 24 * HOUR + 60_000, last: NOW - 60_000 }
    answerAll()
  })
  afterEach(() => {
    useTimelineStore().stop()
    vi.useRealTimers()
  })

  it('keeps overlaps found in the range while zooming elsewhere and when rows switch to lanes', async () => {
    const store = useTimelineStore()
    store.start(1000)
    await vi.advanceTimersByTimeAsync(0)
    expect(store.overlapList).toHaveLength(1)
    pageItems = []
    store.setWindow({ since: NOW - 5 * HOUR, until: NOW - 4 * HOUR }, 1000)
    await vi.advanceTimersByTimeAsync(WINDOW_DEBOUNCE_MS + 10)
    expect(store.overlaps).toHaveLength(0)
    expect(store.overlapList).toHaveLength(1)
    store.setGroupBy('lane')
    await vi.advanceTimersByTimeAsync(0)
    expect(store.overlapList).toHaveLength(1)
    store.setPreset('6h')
    await vi.advanceTimersByTimeAsync(0)
    expect(store.overlapList).toHaveLength(0)
  })
})
