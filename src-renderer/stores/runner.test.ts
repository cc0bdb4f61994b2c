import { createPinia, setActivePinia } from 'pinia'
import { beforeEach, describe, expect, it, vi } from 'vitest'
import { computed } from 'vue'
import type { Job, Run, RunnerStatus } from '../../src-shared/domain'
import { FakeBridge } from '../test-support/fake-bridge'
import { concurrencyStripText } from '../wording'

const bridge = new FakeBridge()
vi.mock('../ipc', () => ({
  call: (method: never, args: unknown) => bridge.call(method, args),
  on: (event: never, listener: never) => bridge.on(event, listener),
}))
const { useRunnerStore, FAILURE_WINDOW_MS } = await import('./runner')

const run = { id: 'r1', jobId: 'j1', type: 't', status: 'running', progress: { percent: 10, current: null, total: null, message: null } } as Run
const status = (): RunnerStatus => ({
  state: 'running',
  paused: false,
  draining: false,
  runnerId: 'x',
  runnerPid: 1,
  running: [{ job: { id: 'j1' } as RunnerStatus['running'][number]['job'], run, expected: null }],
  queued: [],
  limits: { concurrency: 1, maxConcurrency: 1, minConcurrency: 1, adaptive: false, concurrencyReason: null, lanes: {}, rates: {} },
  counts: { queued: 2, running: 1, retrying: 1, succeeded: 0, partial: 0, failed: 0, canceled: 0 },
  health: null,
  breakers: [],
  connection: { mode: 'local', status: 'local', url: null, source: null, error: null, offlineSince: null, lastSyncAt: null, outboxPending: 0, retryAt: null },
  runners: [],
})

describe('useRunnerStore', () => {
  beforeEach(() => {
    setActivePinia(createPinia())
    bridge.reset()
    bridge.answer('runner.status', () => status())
    bridge.answer('jobs.list', () => ({ jobs: [], count: 0, countCapped: false, next: null }))
  })

  it('loads the status once started and counts what waits', async () => {
    const store = useRunnerStore()
    store.start()
    await vi.waitFor(() => expect(store.status).not.toBeNull())
    expect(store.waitingCount).toBe(3)
    expect(store.state).toBe('running')
  })

  it('issue 16: a step of adaptive concurrency reaches the strip at once, with its reason while under the maximum', async () => {
    bridge.answer('runner.status', () => ({ ...status(), limits: { ...status().limits, concurrency: 4, maxConcurrency: 4, adaptive: true } }))
    const store = useRunnerStore()
    store.start()
    await vi.waitFor(() => expect(store.status).not.toBeNull())
    expect(concurrencyStripText(store.status?.limits ?? status().limits)).toBeNull()
    bridge.emit('runner.concurrency', { change: { at: '2026-03-01T10:00:00.000Z', from: 4, to: 3, max: 4, reason: 'CPU 85% over 80%' } })
    expect(concurrencyStripText(store.status?.limits ?? status().limits)).toBe('concurrency 3 of 4: CPU 85% over 80%')
    bridge.emit('runner.concurrency', { change: { at: '2026-03-01T10:05:00.000Z', from: 3, to: 4, max: 4, reason: 'CPU 30% under 50%' } })
    expect(store.status?.limits).toMatchObject({ concurrency: 4, concurrencyReason: null })
    expect(concurrencyStripText(store.status?.limits ?? status().limits)).toBeNull()
    // runner.status is asked again (once) for the rest of what changed.
    await vi.waitFor(() => expect(bridge.count('runner.status')).toBe(2))
  })

  it('applies progress in place without refetching, and refetches once for a burst of changes', async () => {
    vi.useFakeTimers()
    const store = useRunnerStore()
    store.start()
    await vi.waitFor(() => expect(store.status).not.toBeNull())
    bridge.emit('run.progress', { runId: 'r1', jobId: 'j1', progress: { percent: 55, current: 55, total: 100, message: 'half' }, itemsOk: null, itemsFailed: null })
    expect(store.running[0]?.run.progress.percent).toBe(55)
    expect(bridge.count('runner.status')).toBe(1)
    for (let i = 0; i < 20; i++) bridge.emit('job.changed', { job: { id: `j${i}` } as never })
    await vi.advanceTimersByTimeAsync(300)
    expect(bridge.count('runner.status')).toBe(2)
    vi.useRealTimers()
  })

  it("issue 15: a source's rows changing never make the runner's queue read again (they are not the runner's)", async () => {
    vi.useFakeTimers()
    const store = useRunnerStore()
    store.start()
    await vi.waitFor(() => expect(store.status).not.toBeNull())
    for (let i = 0; i < 20; i++) {
      bridge.emit('job.changed', { job: { id: `legacy:${i}`, source: 'legacy', status: 'running' } as Job })
      bridge.emit('run.changed', { run: { ...run, id: `legacy:${i}/run`, source: 'legacy' } })
    }
    await vi.advanceTimersByTimeAsync(300)
    expect(bridge.count('runner.status')).toBe(1)
    bridge.emit('run.changed', { run: { ...run, source: null } })
    await vi.advanceTimersByTimeAsync(300)
    expect(bridge.count('runner.status')).toBe(2)
    vi.useRealTimers()
  })

  it('issue 12: the strip and the running row read the same progress, at the same moment', async () => {
    const store = useRunnerStore()
    store.start()
    await vi.waitFor(() => expect(store.status).not.toBeNull())
    // What the strip shows and what a running row shows, each derived from the store.
    const strip = computed(() => store.running[0]?.run.progress.percent)
    const row = computed(() => store.running.find((r) => r.run.id === 'r1')?.run.progress.percent)
    expect([strip.value, row.value]).toEqual([10, 10])
    bridge.emit('run.progress', { runId: 'r1', jobId: 'j1', progress: { percent: 30, current: null, total: null, message: null }, itemsOk: null, itemsFailed: null })
    expect([strip.value, row.value]).toEqual([30, 30])
  })

  it('counts the failures of the last 24 h still failed, with jobs.list, and recounts when one is retried', async () => {
    const failed = (id: string): Job => ({ id, status: 'failed', finishedAt: new Date().toISOString() }) as Job
    bridge.answer('jobs.list', () => ({ jobs: [failed('JB'), failed('JA')], count: 8, countCapped: false, next: null }))
    const store = useRunnerStore()
    store.start()
    await vi.waitFor(() => expect(store.failureCount).toBe(8))
    expect(store.recentFailures.map((j) => j.id)).toEqual(['JB', 'JA'])
    const asked = bridge.calls.find((c) => c.method === 'jobs.list')?.args as { status: string; since: number; source: string }
    expect(asked.status).toBe('failed')
    // Jobdeck's own only: a source's failed rows are not the runner's to retry (issue 15).
    expect(asked.source).toBe('-')
    expect(Date.now() - asked.since).toBeGreaterThanOrEqual(FAILURE_WINDOW_MS)
    expect(Date.now() - asked.since).toBeLessThan(FAILURE_WINDOW_MS + 60_000)
    // No second query over thousands of runs to find the ones retried since.
    expect(bridge.count('runs.list')).toBe(0)
    bridge.answer('jobs.list', () => ({ jobs: [failed('JA')], count: 7, countCapped: false, next: null }))
    bridge.emit('job.changed', { job: { id: 'JB', status: 'queued' } as Job })
    await vi.waitFor(() => expect(store.failureCount).toBe(7), { timeout: 3000 })
  })

  it('collects every failed job of the window for Retry failed, page by page', async () => {
    bridge.answer('jobs.list', (args) => {
      const before = (args as { before?: { id: string } }).before
      return before
        ? { jobs: [{ id: 'J3' } as Job], count: 0, countCapped: false, next: null }
        : { jobs: [{ id: 'J1' } as Job, { id: 'J2' } as Job], count: 0, countCapped: false, next: { at: '2026-01-01T00:00:00.000Z', id: 'J2' } }
    })
    const store = useRunnerStore()
    await expect(store.failedJobIds()).resolves.toEqual(['J1', 'J2', 'J3'])
    expect(bridge.calls.filter((c) => c.method === 'jobs.list').map((c) => (c.args as { source: string }).source)).toEqual(['-', '-'])
  })
})
