import { createPinia, setActivePinia } from 'pinia'
import { beforeEach, describe, expect, it, vi } from 'vitest'
import type { Run, RunnerStatus } from '../../src-shared/domain'
import { FakeBridge } from './fake-bridge'

const bridge = new FakeBridge()
vi.mock('../ipc', () => ({
  call: (method: never, args: unknown) => bridge.call(method, args),
  on: (event: never, listener: never) => bridge.on(event, listener),
}))
const { useRunnerStore, latestRunByJob } = await import('./runner')

const run = { id: 'r1', jobId: 'j1', type: 't', status: 'running', progress: { percent: 10, current: null, total: null, message: null } } as Run
const status = (): RunnerStatus => ({
  state: 'running',
  paused: false,
  draining: false,
  runnerId: 'x',
  runnerPid: 1,
  running: [{ job: { id: 'j1' } as RunnerStatus['running'][number]['job'], run, expected: null }],
  queued: [],
  limits: { concurrency: 1, lanes: {} },
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
    bridge.answer('runs.list', () => [])
  })

  it('loads the status once started and counts what waits', async () => {
    const store = useRunnerStore()
    store.start()
    await vi.waitFor(() => expect(store.status).not.toBeNull())
    expect(store.waitingCount).toBe(3)
    expect(store.state).toBe('running')
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

  it('lists failures still failed: not retried since, not waiting for an automatic retry', async () => {
    const failed = (id: string, jobId: string, startedAt: string): Run => ({ ...run, id, jobId, status: 'failed', startedAt }) as Run
    const f1 = failed('F1', 'JA', '2026-01-01T10:00:00.000Z')
    const f2 = failed('F2', 'JB', '2026-01-01T10:01:00.000Z')
    const f3 = failed('F3', 'JW', '2026-01-01T10:02:00.000Z')
    const later = { ...run, id: 'R9', jobId: 'JA', status: 'succeeded', startedAt: '2026-01-01T10:05:00.000Z' } as Run
    bridge.answer('runs.list', (args) => ((args as { status?: string }).status === 'failed' ? [f3, f2, f1] : [later, f3, f2, f1]))
    bridge.answer('runner.status', () => ({ ...status(), queued: [{ id: 'JW', status: 'retrying' } as RunnerStatus['queued'][number]] }))
    const store = useRunnerStore()
    store.start()
    await vi.waitFor(() => expect(store.failedRuns.map((r) => r.id)).toEqual(['F3', 'F2']))
    await vi.waitFor(() => expect(store.status).not.toBeNull())
    // JA was retried (and succeeded); JW waits for its automatic retry.
    expect(store.retriableFailures.map((r) => r.id)).toEqual(['F2'])
  })

  it('finds the latest run of each job', () => {
    const r = (id: string, jobId: string, startedAt: string): Run => ({ id, jobId, startedAt }) as Run
    const latest = latestRunByJob([r('a', 'J1', '2026-01-01T10:00:00Z'), r('b', 'J1', '2026-01-01T11:00:00Z'), r('c', 'J2', '2026-01-01T09:00:00Z')])
    expect(Object.fromEntries(latest)).toEqual({ J1: 'b', J2: 'c' })
  })
})
