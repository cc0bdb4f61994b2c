import { createPinia, setActivePinia } from 'pinia'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { AuditRecord } from '../../src-shared/access'
import type { ApiInput } from '../../src-shared/api'
import { FakeBridge } from '../test-support/fake-bridge'

const bridge = new FakeBridge()
vi.mock('../ipc', () => ({
  call: (method: never, args: unknown) => bridge.call(method, args),
  on: (event: never, listener: never) => bridge.on(event, listener),
}))
const { AUDIT_PAGE, AUDIT_POLL_MS, AUDITED_METHODS, useAuditStore } = await import('./audit')

const T0 = Date.parse('2026-03-01T12:00:00.000Z')
/** Record n was made n seconds after T0; ids grow with time. */
const record = (n: number, over: Partial<AuditRecord> = {}): AuditRecord => ({
  id: String(n).padStart(6, '0'),
  at: new Date(T0 + n * 1000).toISOString(),
  who: n % 2 === 0 ? 'ops-bot' : 'desktop',
  role: n % 2 === 0 ? 'operator' : 'admin',
  method: 'jobs.enqueue',
  targets: [`job-${n}`],
  targetCount: 1,
  summary: `type=report params={dealer_id:${n}}`,
  outcome: 'ok',
  message: null,
  ...over,
})

/** An engine holding `log` (oldest first) that answers audit.list as the contract says: newest first, filtered, keyset. */
function serve(log: AuditRecord[]): void {
  bridge.answer('audit.list', (raw) => {
    const args = raw as ApiInput<'audit.list'>
    const since = args.since === undefined ? -Infinity : Number(args.since)
    return log
      .filter((r) => Date.parse(r.at) >= since && (!args.who || r.who === args.who) && (!args.method || r.method === args.method))
      .filter((r) => !args.before || r.at < String(args.before.at) || (r.at === String(args.before.at) && r.id < args.before.id))
      .sort((a, b) => (a.at === b.at ? b.id.localeCompare(a.id) : b.at.localeCompare(a.at)))
      .slice(0, args.limit ?? 200)
  })
}

const flush = (): Promise<void> => new Promise((r) => setTimeout(r, 0))

describe('Settings → Audit', () => {
  beforeEach(() => {
    setActivePinia(createPinia())
    bridge.reset()
    vi.useFakeTimers({ toFake: ['Date', 'setInterval', 'clearInterval'] })
    vi.setSystemTime(T0 + 3600_000)
  })
  afterEach(() => vi.useRealTimers())

  it('pages newest first with Load more until the oldest record, each record once', async () => {
    const log = Array.from({ length: AUDIT_PAGE * 2 + 5 }, (_, i) => record(i + 1))
    serve(log)
    const store = useAuditStore()
    await store.start()
    expect(store.records).toHaveLength(AUDIT_PAGE)
    expect(store.records[0]?.id).toBe(log.at(-1)?.id)
    expect(store.complete).toBe(false)
    await store.loadMore()
    await store.loadMore()
    expect(store.complete).toBe(true)
    expect(store.records.map((r) => r.id)).toEqual(log.map((r) => r.id).reverse())
    expect(bridge.calls.at(-1)?.args).toMatchObject({ before: { at: log[5]?.at, id: log[5]?.id } })
    store.stop()
  })

  it('filters by who, method and window ask the engine for exactly those records', async () => {
    serve([record(1), record(2), record(3, { method: 'jobs.cancel' }), record(4, { method: 'config.reload', who: 'desktop' })])
    const store = useAuditStore()
    await store.start()
    await store.setFilters({ who: 'desktop' })
    expect(store.records.map((r) => r.id)).toEqual(['000004', '000003', '000001'])
    await store.setFilters({ method: 'jobs.cancel' })
    expect(store.records.map((r) => r.id)).toEqual(['000003'])
    expect(bridge.calls.at(-1)?.args).toEqual({ since: Date.now() - 7 * 86_400_000, who: 'desktop', method: 'jobs.cancel', limit: AUDIT_PAGE })
    await store.setFilters({ who: null, method: null, span: 'all' })
    expect(bridge.calls.at(-1)?.args).toEqual({ limit: AUDIT_PAGE })
    await store.setFilters({ span: '24h' })
    expect(bridge.calls.at(-1)?.args).toEqual({ since: Date.now() - 86_400_000, limit: AUDIT_PAGE })
    store.stop()
  })

  it('records made while the section is open appear on top at the next poll; while the pointer is over the list they wait and are counted', async () => {
    const log = [record(1), record(2)]
    serve(log)
    const store = useAuditStore()
    await store.start()
    log.push(record(3, { method: 'jobs.cancel' }))
    vi.advanceTimersByTime(AUDIT_POLL_MS)
    await flush()
    expect(store.records.map((r) => r.id)).toEqual(['000003', '000002', '000001'])

    store.setHold(true)
    log.push(record(4), record(5))
    vi.advanceTimersByTime(AUDIT_POLL_MS)
    await flush()
    expect(store.records.map((r) => r.id)).toEqual(['000003', '000002', '000001'])
    expect(store.pending.map((r) => r.id)).toEqual(['000005', '000004'])
    store.setHold(false)
    expect(store.records.map((r) => r.id)).toEqual(['000005', '000004', '000003', '000002', '000001'])
    expect(store.pending).toEqual([])

    store.stop()
    log.push(record(6))
    vi.advanceTimersByTime(AUDIT_POLL_MS * 3)
    await flush()
    expect(store.records).toHaveLength(5)
  })

  it('an engine without the audit log yet says so in place of the list, and the next answer replaces it', async () => {
    bridge.answer('audit.list', () => Promise.reject(new Error('audit.list is not built yet')))
    const store = useAuditStore()
    await expect(store.start()).rejects.toThrow('not built yet')
    expect(store.error).toBe('audit.list is not built yet')
    expect(store.loaded).toBe(false)
    serve([record(1)])
    await store.load()
    expect(store.error).toBeNull()
    expect(store.records).toHaveLength(1)
    store.stop()
  })

  it('the method filter offers every method that leaves a record, and only those', () => {
    expect(AUDITED_METHODS).toContain('jobs.enqueue')
    expect(AUDITED_METHODS).toContain('tokens.create')
    expect(AUDITED_METHODS).toContain('schedules.fire')
    expect(AUDITED_METHODS).not.toContain('runs.list')
    expect(AUDITED_METHODS).not.toContain('connection.test')
  })
})
