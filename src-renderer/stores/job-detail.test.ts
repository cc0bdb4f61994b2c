import { createPinia, setActivePinia } from 'pinia'
import { beforeEach, describe, expect, it, vi } from 'vitest'
import type { JobDetail } from '../../src-shared/api'
import type { Job } from '../../src-shared/domain'
import { FakeBridge } from '../test-support/fake-bridge'

const bridge = new FakeBridge()
vi.mock('../ipc', () => ({
  call: (method: never, args: unknown) => bridge.call(method, args),
  on: (event: never, listener: never) => bridge.on(event, listener),
}))
const { useJobDetailStore } = await import('./job-detail')

const detail = (id: string, position: number | null): JobDetail => ({ job: { id, status: 'queued' } as Job, attempts: [], position, waitReason: { kind: 'paused' } })

describe('useJobDetailStore', () => {
  beforeEach(() => {
    setActivePinia(createPinia())
    bridge.reset()
  })

  it('loads a job and follows its place as the queue moves', async () => {
    let position = 3
    bridge.answer('jobs.get', (args) => detail((args as { id: string }).id, position))
    const store = useJobDetailStore()
    await store.open('J1')
    expect(store.detail?.position).toBe(3)
    position = 2
    bridge.emit('job.changed', { job: { id: 'OTHER' } as Job })
    await vi.waitFor(() => expect(store.detail?.position).toBe(2), { timeout: 2000 })
  })

  it('ignores an answer for a job it no longer shows', async () => {
    let release: (value: JobDetail) => void = () => undefined
    bridge.answer('jobs.get', (args) => ((args as { id: string }).id === 'SLOW' ? new Promise<JobDetail>((resolve) => (release = resolve)) : detail('FAST', 1)))
    const store = useJobDetailStore()
    const slow = store.open('SLOW')
    await store.open('FAST')
    release(detail('SLOW', 9))
    await slow
    expect(store.detail?.job.id).toBe('FAST')
  })

  it('says why it could not open a job', async () => {
    bridge.answer('jobs.get', () => {
      throw Object.assign(new Error('no job or run with id NOPE'), { code: 'not_found' })
    })
    const store = useJobDetailStore()
    await store.open('NOPE')
    expect(store.error).toEqual({ code: 'not_found', message: 'no job or run with id NOPE' })
  })
})
