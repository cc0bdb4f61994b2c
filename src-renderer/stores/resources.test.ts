import { createPinia, setActivePinia } from 'pinia'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { Run } from '../../src-shared/domain'
import { FakeBridge } from '../test-support/fake-bridge'

const bridge = new FakeBridge()
vi.mock('../ipc', () => ({
  call: (method: never, args: unknown) => bridge.call(method, args),
  on: (event: never, listener: never) => bridge.on(event, listener),
}))
const { useResourcesStore, TOP_REFRESH_MS, TOP_SCAN_LIMIT } = await import('./resources')

const run = (id: string, cpuSeconds: number, peakRssBytes: number, finished = true): Run =>
  ({
    id,
    startedAt: new Date(Date.now() - 60_000).toISOString(),
    finishedAt: finished ? new Date().toISOString() : null,
    cpuSeconds,
    peakRssBytes,
    status: finished ? 'succeeded' : 'running',
  }) as Run

describe('useResourcesStore', () => {
  beforeEach(() => {
    vi.useFakeTimers()
    setActivePinia(createPinia())
    bridge.reset()
    bridge.answer('runs.list', () => [run('small', 1, 10), run('cpu', 50, 20), run('mem', 2, 9000)])
    bridge.answer('monitor.range', () => ({ resolution: 'minute', samples: [], minutes: [], concurrency: [] }))
  })
  afterEach(() => {
    useResourcesStore().stop()
    vi.useRealTimers()
  })

  it('loads the top runs of the last 24 h, sorted client-side', async () => {
    const store = useResourcesStore()
    store.start()
    await vi.advanceTimersByTimeAsync(0)
    const args = bridge.calls.find((c) => c.method === 'runs.list')?.args as { since: number; limit: number }
    expect(Date.now() - args.since).toBe(86_400_000)
    expect(args.limit).toBe(TOP_SCAN_LIMIT)
    expect(store.top?.byCpu[0]?.run.id).toBe('cpu')
    expect(store.top?.byRss[0]?.run.id).toBe('mem')
    expect(store.top?.truncated).toBe(false)
  })

  it('loads older host history per minute for a chosen range, nothing for live', async () => {
    const store = useResourcesStore()
    store.start()
    store.setSpan('24h')
    await vi.advanceTimersByTimeAsync(0)
    const args = bridge.calls.find((c) => c.method === 'monitor.range')?.args as { since: number; until: number; resolution: string }
    expect(args.until - args.since).toBe(86_400_000)
    expect(args.resolution).toBe('minute')
    expect(store.history?.resolution).toBe('minute')
    store.setSpan('live')
    expect(store.history).toBeNull()
  })

  it('keeps running runs’ latest usage and refreshes the top lists at most every 30 s as runs finish', async () => {
    const store = useResourcesStore()
    store.start()
    await vi.advanceTimersByTimeAsync(0)
    bridge.emit('run.usage', { runId: 'r1', cpuPercent: 150, rssBytes: 1024, cpuSeconds: null, peakRssBytes: null })
    expect(store.usage.r1?.cpuPercent).toBe(150)
    for (let i = 0; i < 5; i++) bridge.emit('run.changed', { run: run(`f${i}`, 1, 1) })
    bridge.emit('run.changed', { run: { ...run('r1', 1, 1), id: 'r1' } })
    expect(store.usage.r1).toBeUndefined()
    expect(bridge.count('runs.list')).toBe(1)
    await vi.advanceTimersByTimeAsync(TOP_REFRESH_MS + 10)
    expect(bridge.count('runs.list')).toBe(2)
  })
})
