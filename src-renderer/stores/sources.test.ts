import { createPinia, setActivePinia } from 'pinia'
import { beforeEach, describe, expect, it, vi } from 'vitest'
import type { SourceInfo } from '../../src-shared/sources'
import { FakeBridge } from '../test-support/fake-bridge'
import { sourceBadgeSuffix, sourceStateText } from '../wording'

const bridge = new FakeBridge()
vi.mock('../ipc', () => ({
  call: (method: never, args: unknown) => bridge.call(method, args),
  on: (event: never, listener: never) => bridge.on(event, listener),
}))
const { useSourcesStore } = await import('./sources')

const info = (name: string, over: Partial<SourceInfo> = {}): SourceInfo => ({
  name,
  preset: 'background_jobs',
  table: 'public.background_jobs',
  connection: 'app',
  url: 'postgres://readonly@db.internal:5432/app',
  status: 'online',
  error: null,
  offlineSince: null,
  lastSyncAt: '2026-03-01T10:41:00.000Z',
  rows: 1204,
  queued: 2,
  running: 1,
  stuck: 0,
  pollMs: 4,
  pollEveryMs: 10_000,
  listen: null,
  stuckAfter: { ms: 1_800_000 },
  index: { indexed: true, plan: 'Index Scan using background_jobs_pkey', createIndex: null },
  unmappedStatuses: [],
  actions: { markFailed: false },
  ...over,
})

describe('sources as the window follows them', () => {
  beforeEach(() => {
    setActivePinia(createPinia())
    bridge.reset()
    bridge.answer('sources.list', () => [info('legacy'), info('batches', { table: 'public.batch_jobs' })])
  })

  it("follows a source going offline through 'source.changed', and the badge then says offline with the last sync", async () => {
    const store = useSourcesStore()
    store.start()
    await vi.waitFor(() => expect(store.loaded).toBe(true))
    expect(store.list.map((s) => s.name)).toEqual(['batches', 'legacy'])
    expect(sourceBadgeSuffix(store.byName.get('legacy'))).toBe('')
    const offline = info('legacy', { status: 'offline', offlineSince: '2026-03-01T10:42:00.000Z', error: 'connect ECONNREFUSED 10.0.0.5:5432' })
    bridge.emit('source.changed', { source: offline, mirrored: 0 })
    const shown = store.byName.get('legacy')
    expect(shown?.status).toBe('offline')
    expect(sourceBadgeSuffix(shown)).toMatch(/^offline · synced \d\d:\d\d$/)
    expect(sourceStateText(offline)).toContain('offline since')
    expect(sourceStateText(offline)).toContain('ECONNREFUSED')
    expect(store.list).toHaveLength(2)
  })

  it('syncs one source and takes the state it answers with; a test keeps its button busy until answered', async () => {
    bridge.answer('sources.sync', () => [info('legacy', { rows: 1300, lastSyncAt: '2026-03-01T10:45:00.000Z' })])
    let release: () => void = () => {}
    bridge.answer('sources.test', () => new Promise((resolve) => (release = () => resolve({ ok: true, latencyMs: 3, problems: [], index: null, rowEstimate: 1300 }))))
    const store = useSourcesStore()
    store.start()
    await vi.waitFor(() => expect(store.loaded).toBe(true))
    await store.sync('legacy')
    expect(bridge.calls.find((c) => c.method === 'sources.sync')?.args).toEqual({ name: 'legacy' })
    expect(store.byName.get('legacy')?.rows).toBe(1300)
    const testing = store.test('batches')
    expect(store.busy.has('batches')).toBe(true)
    release()
    expect((await testing).ok).toBe(true)
    expect(store.busy.has('batches')).toBe(false)
  })

  it("marks a run's row failed by the run's id and gives back the row count", async () => {
    bridge.answer('sources.markFailed', () => ({ source: 'legacy', table: 'public.background_jobs', sourceId: '42', rowCount: 1 }))
    const store = useSourcesStore()
    expect((await store.markFailed('legacy:42/run')).rowCount).toBe(1)
    expect(bridge.calls.at(-1)).toEqual({ method: 'sources.markFailed', args: { id: 'legacy:42/run' } })
  })
})
