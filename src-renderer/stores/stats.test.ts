import { createPinia, setActivePinia } from 'pinia'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { Run, TypeStats } from '../../src-shared/domain'
import { FakeBridge } from '../test-support/fake-bridge'

const bridge = new FakeBridge()
vi.mock('../ipc', () => ({
  call: (method: never, args: unknown) => bridge.call(method, args),
  on: (event: never, listener: never) => bridge.on(event, listener),
}))
const { useStatsStore } = await import('./stats')

const stat = (type: string, avg: number): TypeStats => ({
  type,
  runs: 10,
  succeeded: 8,
  partial: 1,
  failed: 1,
  canceled: 0,
  interrupted: 0,
  successRate: 0.8,
  avgDurationMs: avg,
  p95DurationMs: avg * 2,
  lastRunId: `${type}-last`,
  lastStatus: 'succeeded',
  lastFinishedAt: '2026-03-01T12:00:00.000Z',
  trend: [avg, avg],
})
const finished = { run: { id: 'r', status: 'succeeded' } as Run }
const started = { run: { id: 'r', status: 'running' } as Run }

describe('useStatsStore', () => {
  beforeEach(() => {
    setActivePinia(createPinia())
    bridge.reset()
    let avg = 100
    bridge.answer('stats.byType', () => [stat('fetch', avg++), stat('sync', 5)])
  })
  afterEach(() => {
    vi.useRealTimers()
  })

  it('loads once started and maps stats by type', async () => {
    const store = useStatsStore()
    store.start()
    store.start()
    await vi.waitFor(() => expect(store.loaded).toBe(true))
    expect(bridge.count('stats.byType')).toBe(1)
    expect(store.byType.get('fetch')?.avgDurationMs).toBe(100)
    expect(store.byType.get('sync')?.p95DurationMs).toBe(10)
    expect(store.totalRuns).toBe(20)
  })

  it('refreshes when runs finish, at most once a second, and not when they start', async () => {
    vi.useFakeTimers()
    const store = useStatsStore()
    store.start()
    await vi.waitFor(() => expect(store.loaded).toBe(true))
    bridge.emit('run.changed', started)
    await vi.advanceTimersByTimeAsync(1500)
    expect(bridge.count('stats.byType')).toBe(1)
    // A burst of finishes: one refresh, then nothing sooner than a second after it.
    for (let i = 0; i < 30; i++) bridge.emit('run.changed', finished)
    await vi.advanceTimersByTimeAsync(10)
    expect(bridge.count('stats.byType')).toBe(2)
    expect(store.byType.get('fetch')?.avgDurationMs).toBe(101)
    for (let i = 0; i < 30; i++) bridge.emit('run.changed', finished)
    await vi.advanceTimersByTimeAsync(900)
    expect(bridge.count('stats.byType')).toBe(2)
    await vi.advanceTimersByTimeAsync(200)
    expect(bridge.count('stats.byType')).toBe(3)
    bridge.emit('jobs.cleared', { count: 1, before: '2026-03-01T00:00:00.000Z' })
    await vi.advanceTimersByTimeAsync(1100)
    expect(bridge.count('stats.byType')).toBe(4)
    expect(store.byType.get('fetch')?.avgDurationMs).toBe(103)
  })

  it('keeps the last stats and says why when a refresh fails', async () => {
    const store = useStatsStore()
    store.start()
    await vi.waitFor(() => expect(store.loaded).toBe(true))
    bridge.answer('stats.byType', () => {
      throw new Error('engine gone')
    })
    await store.refresh()
    expect(store.error).toBe('engine gone')
    expect(store.stats).toHaveLength(2)
  })
})
