import { createPinia, setActivePinia } from 'pinia'
import { beforeEach, describe, expect, it, vi } from 'vitest'
import type { Job, Run } from '../../src-shared/domain'
import type { SourceQueue } from '../../src-shared/sources'
import { FakeBridge } from '../test-support/fake-bridge'

const bridge = new FakeBridge()
vi.mock('../ipc', () => ({
  call: (method: never, args: unknown) => bridge.call(method, args),
  on: (event: never, listener: never) => bridge.on(event, listener),
}))
const { useSourceQueueStore } = await import('./source-queue')

const job = (id: string, source: string | null): Job => ({ id, source, sourceId: source ? id.split(':')[1] : null, status: 'running' }) as Job

describe('the Queue\'s source section (sources.queue)', () => {
  let answer: SourceQueue
  beforeEach(() => {
    setActivePinia(createPinia())
    bridge.reset()
    answer = { waiting: [job('legacy:7', 'legacy')], running: [], counts: { waiting: 1, running: 0, stuck: 0 } }
    bridge.answer('sources.queue', () => answer)
  })

  it('lists what waits and runs with counts, and reads again once for a burst of source rows changing', async () => {
    vi.useFakeTimers()
    const store = useSourceQueueStore()
    store.start()
    await vi.waitFor(() => expect(store.loaded).toBe(true))
    expect(store.queue.waiting.map((j) => j.id)).toEqual(['legacy:7'])
    expect(store.total).toBe(1)
    answer = {
      waiting: [],
      running: [{ job: job('legacy:7', 'legacy'), run: { id: 'legacy:7/run', source: 'legacy', stuckAt: '2026-03-01T10:00:00.000Z' } as Run }],
      counts: { waiting: 0, running: 1, stuck: 1 },
    }
    for (let i = 0; i < 10; i++) bridge.emit('job.changed', { job: job('legacy:7', 'legacy') })
    bridge.emit('run.changed', { run: { id: 'legacy:7/run', source: 'legacy' } as Run })
    await vi.advanceTimersByTimeAsync(600)
    expect(bridge.count('sources.queue')).toBe(2)
    expect(store.queue.counts.stuck).toBe(1)
    expect(store.queue.running[0]?.run.stuckAt).not.toBeNull()
    vi.useRealTimers()
  })

  it("ignores Jobdeck's own jobs: the runner's queue has those", async () => {
    vi.useFakeTimers()
    const store = useSourceQueueStore()
    store.start()
    await vi.waitFor(() => expect(store.loaded).toBe(true))
    for (let i = 0; i < 10; i++) bridge.emit('job.changed', { job: job(`01J${i}`, null) })
    bridge.emit('run.changed', { run: { id: '01J1/1', source: null } as Run })
    await vi.advanceTimersByTimeAsync(600)
    expect(bridge.count('sources.queue')).toBe(1)
    vi.useRealTimers()
  })

  it('says what failed when the engine cannot answer', async () => {
    bridge.answer('sources.queue', () => {
      throw new Error('database is locked')
    })
    const store = useSourceQueueStore()
    store.start()
    await vi.waitFor(() => expect(store.error).toBe('database is locked'))
  })
})
