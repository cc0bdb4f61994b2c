import { createPinia, setActivePinia } from 'pinia'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { Run, RunStatus } from '../../src-shared/domain'
import { OWN_RUNS } from '../../src-shared/sources'
import { FakeBridge } from '../test-support/fake-bridge'

const bridge = new FakeBridge()
vi.mock('../ipc', () => ({
  call: (method: never, args: unknown) => bridge.call(method, args),
  on: (event: never, listener: never) => bridge.on(event, listener),
}))
const { useHistoryStore, queryArgs, noFilters, PAGE_SIZE } = await import('./history')

const T0 = Date.parse('2026-03-01T12:00:00.000Z')

function run(i: number, over: Partial<Run> = {}): Run {
  return {
    id: `r${String(i).padStart(6, '0')}`,
    jobId: `j${i}`,
    type: i % 2 ? 'fetch' : 'sync',
    status: 'succeeded',
    attempt: 1,
    lane: 'default',
    params: {},
    queuedAt: new Date(T0 - i * 1000).toISOString(),
    startedAt: new Date(T0 - i * 1000).toISOString(),
    finishedAt: new Date(T0 - i * 1000 + 500).toISOString(),
    exitCode: 0,
    signal: null,
    error: null,
    progress: { percent: 100, current: null, total: null, message: null },
    itemsOk: null,
    itemsFailed: null,
    runnerId: 'x',
    pid: null,
    logBytes: 0,
    logTruncated: false,
    peakRssBytes: null,
    cpuSeconds: null,
    processesStopped: 0,
    source: null,
    sourceId: null,
    startKind: 'recorded',
    stuckAt: null,
    ...over,
  }
}

/** A history of `total` runs, one a second back from T0, served newest first with keyset paging. */
function serveHistory(total: number, extra: (args: ListArgs) => Run[] = () => []): Run[] {
  const all = Array.from({ length: total }, (_, i) => run(i))
  bridge.answer('runs.list', (raw) => {
    const args = raw as ListArgs
    let rows = all.filter((r) => (!args.type || r.type === args.type) && (!args.source || (r.source ?? '-') === args.source) && (!args.status || r.status === args.status))
    if (args.before) {
      const b = args.before
      rows = rows.filter((r) => r.startedAt < b.startedAt || (r.startedAt === b.startedAt && r.id < b.id))
    }
    return [...extra(args), ...rows].slice(0, args.limit)
  })
  return all
}
interface ListArgs {
  type?: string
  source?: string
  status?: RunStatus
  since?: number
  until?: number
  search?: string
  before?: { startedAt: string; id: string }
  limit: number
}
const listCalls = (): ListArgs[] => bridge.calls.filter((c) => c.method === 'runs.list').map((c) => c.args as ListArgs)

describe('history filters → API arguments', () => {
  it('leaves out filters that are off and resolves presets against now', () => {
    expect(queryArgs(noFilters(), T0)).toEqual({})
    expect(queryArgs({ type: 'fetch', source: null, status: 'failed', range: { preset: '24h' }, search: '  timeout  ' }, T0)).toEqual({
      type: 'fetch',
      status: 'failed',
      since: T0 - 86_400_000,
      search: 'timeout',
    })
    expect(queryArgs({ ...noFilters(), range: { preset: 'custom', since: 5, until: 9 } }, T0)).toEqual({ since: 5, until: 9 })
    expect(queryArgs({ ...noFilters(), range: { preset: 'custom', since: 5, until: null } }, T0)).toEqual({ since: 5 })
    expect(queryArgs({ ...noFilters(), search: '   ' }, T0)).toEqual({})
  })

  it('reloads the first page with the filters when they change', async () => {
    vi.useFakeTimers({ now: T0, toFake: ['Date'] })
    serveHistory(10)
    const store = useHistoryStore()
    store.start()
    await vi.waitFor(() => expect(store.loaded).toBe(true))
    expect(listCalls()[0]).toEqual({ limit: PAGE_SIZE })
    store.setFilters({ type: 'fetch', source: null, status: 'failed', range: { preset: '7d' }, search: 'disk full' })
    await vi.waitFor(() => expect(store.loading).toBe(false))
    const { since, ...rest } = listCalls()[1] ?? { limit: 0 }
    expect(rest).toEqual({ type: 'fetch', status: 'failed', search: 'disk full', limit: PAGE_SIZE })
    // vi.waitFor advances fake clocks a little while it waits.
    expect(since).toBeGreaterThanOrEqual(T0 - 7 * 86_400_000)
    expect(since).toBeLessThan(T0 - 7 * 86_400_000 + 5_000)
    expect(store.active).toBe(true)
    store.clearFilters()
    await vi.waitFor(() => expect(store.loading).toBe(false))
    expect(listCalls()[2]).toEqual({ limit: PAGE_SIZE })
    expect(store.active).toBe(false)
  })

  it('counts what the filters select (up to 10,000) and, with filters on, all runs too; a finished run counts again', async () => {
    vi.useFakeTimers({ now: T0, toFake: ['Date', 'setTimeout'] })
    serveHistory(10)
    const counted: unknown[] = []
    bridge.answer('runs.count', (args) => {
      counted.push(args)
      return Object.keys(args as object).length === 0 ? { count: 1_000_000, capped: false } : { count: 10_000, capped: true }
    })
    const store = useHistoryStore()
    store.start({ ...noFilters(), status: 'failed', search: 'warehouse' })
    await vi.waitFor(() => expect(store.total).not.toBeNull())
    expect(counted).toEqual([{ status: 'failed', search: 'warehouse', countUpTo: 10_000 }, {}])
    expect(store.count).toEqual({ count: 10_000, capped: true })
    expect(store.total).toEqual({ count: 1_000_000, capped: false })
    bridge.emit('run.changed', { run: run(-1, { status: 'failed' }) })
    await vi.advanceTimersByTimeAsync(1_100)
    expect(counted).toHaveLength(4)
    store.clearFilters()
    await vi.waitFor(() => expect(counted).toHaveLength(5))
    expect(counted[4]).toEqual({ countUpTo: 10_000 })
  })

  it('exports with the same filters', async () => {
    serveHistory(3)
    bridge.answer('runs.export', () => ({ csv: 'id\r\n', rows: 0, truncated: false }))
    const store = useHistoryStore()
    store.setFilters({ status: 'failed', search: 'x' })
    await store.exportCsv()
    expect(bridge.calls.find((c) => c.method === 'runs.export')?.args).toEqual({ status: 'failed', search: 'x', limit: 100_000 })
  })

  it('drops an answer to filters that have changed since', async () => {
    let release: (rows: Run[]) => void = () => {}
    bridge.answer('runs.list', (raw) => {
      const args = raw as ListArgs
      if (args.type === 'slow') return new Promise<Run[]>((resolve) => (release = resolve))
      return [run(1, { type: 'fast' })]
    })
    const store = useHistoryStore()
    store.setFilters({ type: 'slow' })
    store.setFilters({ type: 'fast' })
    await vi.waitFor(() => expect(store.rows).toHaveLength(1))
    release([run(2, { type: 'slow' }), run(3, { type: 'slow' })])
    await new Promise((r) => setTimeout(r, 0))
    expect(store.rows.map((r) => r.type)).toEqual(['fast'])
  })
})

describe('history keyset paging', () => {
  it('asks for the page before the last row and appends it without duplicates', async () => {
    const all = serveHistory(450)
    const store = useHistoryStore()
    store.start()
    await vi.waitFor(() => expect(store.rows).toHaveLength(200))
    expect(store.hasMore).toBe(true)
    // A live run arrives at the top meanwhile; the next page must not repeat anything.
    bridge.emit('run.changed', { run: run(-1) })
    await store.loadMore()
    const second = listCalls()[1]
    expect(second?.before).toEqual({ startedAt: all[199]?.startedAt, id: all[199]?.id })
    expect(second?.limit).toBe(200)
    await store.loadMore()
    expect(store.hasMore).toBe(false)
    const ids = store.rows.map((r) => r.id)
    expect(ids).toHaveLength(451)
    expect(new Set(ids).size).toBe(451)
    expect(ids[0]).toBe(run(-1).id)
    await store.loadMore()
    expect(listCalls()).toHaveLength(3)
  })

  it('skips rows it already shows when a page overlaps them', async () => {
    const all = serveHistory(300, (args) => (args.before ? [run(150)] : []))
    const store = useHistoryStore()
    store.start()
    await vi.waitFor(() => expect(store.rows).toHaveLength(200))
    const before = store.rows
    await store.loadMore()
    expect(store.rows).not.toBe(before)
    expect(store.rows).toHaveLength(300)
    expect(new Set(store.rows.map((r) => r.id)).size).toBe(300)
    expect(store.rows[299]?.id).toBe(all[299]?.id)
  })

  it('loads one page at a time', async () => {
    serveHistory(1000)
    const store = useHistoryStore()
    store.start()
    await vi.waitFor(() => expect(store.rows).toHaveLength(200))
    await Promise.all([store.loadMore(), store.loadMore(), store.loadMore()])
    expect(listCalls()).toHaveLength(2)
    expect(store.rows).toHaveLength(400)
  })
})

describe('history live updates', () => {
  beforeEach(() => serveHistory(5))

  async function started() {
    const store = useHistoryStore()
    store.start()
    await vi.waitFor(() => expect(store.loaded).toBe(true))
    return store
  }

  it('puts a new finished run at the top when nobody is looking at the list', async () => {
    const store = await started()
    bridge.emit('run.changed', { run: run(-1, { status: 'running', finishedAt: null }) })
    expect(store.rows).toHaveLength(5)
    bridge.emit('run.changed', { run: run(-1, { status: 'failed', error: 'boom' }) })
    expect(store.rows.map((r) => r.id).slice(0, 2)).toEqual([run(-1).id, run(0).id])
  })

  it('holds new runs back while pointed at or scrolled, and shows them on request or when released', async () => {
    const store = await started()
    const before = store.rows.map((r) => r.id)
    store.setHold(true)
    bridge.emit('run.changed', { run: run(-1) })
    bridge.emit('run.changed', { run: run(-2) })
    bridge.emit('run.changed', { run: run(-2) })
    expect(store.rows.map((r) => r.id)).toEqual(before)
    expect(store.pending.map((r) => r.id)).toEqual([run(-2).id, run(-1).id])
    store.flush()
    expect(store.pending).toHaveLength(0)
    expect(store.rows.map((r) => r.id).slice(0, 3)).toEqual([run(-2).id, run(-1).id, run(0).id])
    bridge.emit('run.changed', { run: run(-3) })
    expect(store.pending).toHaveLength(1)
    store.setHold(false)
    expect(store.pending).toHaveLength(0)
    expect(store.rows[0]?.id).toBe(run(-3).id)
  })

  it('changes a shown run in place, without moving the list', async () => {
    const store = await started()
    store.setHold(true)
    const ids = store.rows.map((r) => r.id)
    bridge.emit('run.changed', { run: run(2, { status: 'failed', error: 'late error' }) })
    expect(store.rows.map((r) => r.id)).toEqual(ids)
    expect(store.rows[2]?.error).toBe('late error')
    expect(store.pending).toHaveLength(0)
  })

  it('ignores runs the filters exclude', async () => {
    const store = await started()
    store.setFilters({ type: 'fetch', status: 'failed' })
    await vi.waitFor(() => expect(store.loading).toBe(false))
    bridge.emit('run.changed', { run: run(-1, { type: 'fetch', status: 'succeeded' }) })
    bridge.emit('run.changed', { run: run(-3, { type: 'sync', status: 'failed' }) })
    expect(store.rows).toHaveLength(0)
    bridge.emit('run.changed', { run: run(-5, { type: 'fetch', status: 'failed' }) })
    expect(store.rows.map((r) => r.id)).toEqual([run(-5).id])
  })

  it("issue 15: filtered by source, only that source's runs come in live; `-` keeps Jobdeck's own", async () => {
    const store = await started()
    store.setFilters({ source: 'legacy' })
    await vi.waitFor(() => expect(store.loading).toBe(false))
    expect(listCalls().at(-1)).toEqual({ source: 'legacy', limit: PAGE_SIZE })
    bridge.emit('run.changed', { run: run(-1, { type: 'billing/invoice', source: 'billing', sourceId: '9' }) })
    bridge.emit('run.changed', { run: run(-2) })
    expect(store.rows).toHaveLength(0)
    bridge.emit('run.changed', { run: run(-3, { type: 'legacy/report', source: 'legacy', sourceId: '42', status: 'failed', error: 'timeout' }) })
    expect(store.rows.map((r) => r.sourceId)).toEqual(['42'])
    store.setFilters({ source: OWN_RUNS })
    await vi.waitFor(() => expect(store.loading).toBe(false))
    expect(listCalls().at(-1)).toEqual({ source: '-', limit: PAGE_SIZE })
    const own = store.rows.length
    bridge.emit('run.changed', { run: run(-4, { type: 'legacy/report', source: 'legacy', sourceId: '43' }) })
    bridge.emit('run.changed', { run: run(-5) })
    expect(store.rows.length).toBe(own + 1)
    expect(store.rows[0]?.source).toBeNull()
  })

  it('asks the server whether a new run matches the search', async () => {
    const store = await started()
    bridge.answer('runs.list', (raw) => {
      const args = raw as ListArgs
      return args.limit === PAGE_SIZE ? [] : [run(-1), run(7)].filter((r) => Date.parse(r.startedAt) >= (args.since ?? 0))
    })
    store.setFilters({ search: 'disk' })
    await vi.waitFor(() => expect(store.loading).toBe(false))
    bridge.emit('run.changed', { run: run(-1) })
    bridge.emit('run.changed', { run: run(-2) })
    await vi.waitFor(() => expect(store.rows).toHaveLength(1))
    expect(store.rows[0]?.id).toBe(run(-1).id)
    const check = listCalls().at(-1)
    expect(check).toMatchObject({ search: 'disk', since: Date.parse(run(-1).startedAt), until: Date.parse(run(-2).startedAt) + 1 })
  })

  it('replaces the rows array on every change, so components given it as a prop see the change', async () => {
    const store = await started()
    const seen = [store.rows]
    bridge.emit('run.changed', { run: run(-1) })
    seen.push(store.rows)
    bridge.emit('run.changed', { run: run(-1, { error: 'later' }) })
    seen.push(store.rows)
    store.setHold(true)
    bridge.emit('run.changed', { run: run(-2) })
    store.flush()
    seen.push(store.rows)
    expect(new Set(seen).size).toBe(seen.length)
    expect(seen.map((r) => r.length)).toEqual([5, 6, 6, 7])
  })

  it('reloads when finished jobs are cleared', async () => {
    await started()
    bridge.emit('jobs.cleared', { count: 3, before: new Date(T0).toISOString() })
    await vi.waitFor(() => expect(listCalls()).toHaveLength(2))
  })
})

beforeEach(() => {
  setActivePinia(createPinia())
  bridge.reset()
})
afterEach(() => {
  vi.useRealTimers()
})
