import { createPinia, setActivePinia } from 'pinia'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { SNOOZE_UNTIL_LIFTED, type AlertDelivery, type AlertsOverview } from '../../src-shared/alerts'
import { FakeBridge } from '../test-support/fake-bridge'
import { deliveryOutcome, snoozeUntil, snoozeUntilText } from '../wording'

const bridge = new FakeBridge()
vi.mock('../ipc', () => ({
  call: (method: never, args: unknown) => bridge.call(method, args),
  on: (event: never, listener: never) => bridge.on(event, listener),
}))
const { useAlertsStore } = await import('./alerts')

const delivery = (id: string, over: Partial<AlertDelivery> = {}): AlertDelivery => ({
  id,
  channel: 'ops-hook',
  kind: 'webhook',
  rules: [0],
  title: 'sync-inventory failed',
  alerts: 1,
  test: false,
  status: 'pending',
  attempts: 0,
  createdAt: '2026-03-01T10:00:00.000Z',
  nextAttemptAt: null,
  sentAt: null,
  lastError: null,
  ...over,
})

const overview = (over: Partial<AlertsOverview> = {}): AlertsOverview => ({
  channels: [{ name: 'ops-hook', kind: 'webhook', target: 'https://hooks.example.com/…', format: 'slack', problem: null }],
  rules: [{ index: 0, on: 'failed', channels: ['ops-hook'], summary: 'failed, every type → ops-hook' }],
  deliveries: [delivery('d1', { status: 'sent', attempts: 1, sentAt: '2026-03-01T10:00:01.000Z' })],
  snoozes: [],
  pending: 0,
  ...over,
})

const flush = (): Promise<void> => new Promise((r) => setTimeout(r, 0))

describe('alerts as Settings → Alerts follows them', () => {
  beforeEach(() => {
    setActivePinia(createPinia())
    bridge.reset()
    bridge.answer('alerts.list', () => overview())
  })
  afterEach(() => vi.useRealTimers())

  it('a delivery tried by the engine shows at once: a new one on top, a known one changes in place', async () => {
    const store = useAlertsStore()
    store.start()
    await flush()
    expect(store.configured).toBe(true)
    bridge.emit('alert.delivered', { delivery: delivery('d2', { status: 'pending', attempts: 1, nextAttemptAt: '2026-03-01T10:00:03.000Z', lastError: 'HTTP 503 from hooks.example.com' }) })
    expect(store.overview?.deliveries.map((d) => [d.id, d.status])).toEqual([
      ['d2', 'pending'],
      ['d1', 'sent'],
    ])
    bridge.emit('alert.delivered', { delivery: delivery('d2', { status: 'sent', attempts: 2, sentAt: '2026-03-01T10:00:03.500Z' }) })
    expect(store.overview?.deliveries.map((d) => [d.id, d.status])).toEqual([
      ['d2', 'sent'],
      ['d1', 'sent'],
    ])
    // …and the list is asked again for what the events do not carry (the outbox's depth).
    await vi.waitFor(() => expect(bridge.count('alerts.list')).toBe(2))
  })

  it('the outbox depth is asked again after deliveries, once for a burst of them', async () => {
    vi.useFakeTimers()
    const store = useAlertsStore()
    store.start()
    await vi.advanceTimersByTimeAsync(0)
    const before = bridge.count('alerts.list')
    for (let i = 0; i < 5; i++) bridge.emit('alert.delivered', { delivery: delivery(`b${i}`, { status: 'sent', attempts: 1 }) })
    await vi.advanceTimersByTimeAsync(1500)
    expect(bridge.count('alerts.list') - before).toBe(1)
  })

  it('"Send test" keeps what came of it per channel: the delivery, or why it could not be sent', async () => {
    const store = useAlertsStore()
    store.start()
    await flush()
    bridge.answer('alerts.test', () => delivery('t1', { test: true, rules: [], status: 'sent', attempts: 1, sentAt: '2026-03-01T10:05:00.000Z' }))
    const sent = await store.test('ops-hook')
    expect(sent).toMatchObject({ ok: true, delivery: { id: 't1', status: 'sent' } })
    expect(store.tests['ops-hook']).toEqual(sent)
    expect(store.overview?.deliveries[0]?.id).toBe('t1')
    expect(store.testing.size).toBe(0)

    bridge.answer('alerts.test', () => Promise.reject(new Error('unknown channel "nope"; configured: ops-hook')))
    expect(await store.test('nope')).toEqual({ ok: false, error: 'unknown channel "nope"; configured: ops-hook' })
    expect(store.testing.size).toBe(0)
  })

  it('a snooze holds until its time, "until lifted" until lifted, and Lift sends null', async () => {
    const store = useAlertsStore()
    store.start()
    await flush()
    const now = Date.parse('2026-03-01T10:00:00.000Z')
    bridge.answer('alerts.snooze', (args) => {
      const { type, until } = args as { type: string; until: string | null }
      return until === null ? [] : [{ type, until, by: null }, { type: 'old', until: '2026-03-01T09:00:00.000Z', by: null }]
    })
    await store.snooze('sync-inventory', snoozeUntil(8 * 3_600_000, now))
    expect([...store.snoozesAt(now).keys()]).toEqual(['sync-inventory'])
    expect(store.snoozesAt(now + 8 * 3_600_000).size).toBe(0)

    await store.snooze('sync-inventory', snoozeUntil(null, now))
    expect(bridge.calls.at(-1)?.args).toEqual({ type: 'sync-inventory', until: SNOOZE_UNTIL_LIFTED })
    expect(snoozeUntilText(store.overview?.snoozes[0]?.until ?? '')).toBe('until lifted')
    expect(store.snoozesAt(Date.parse('2500-01-01T00:00:00Z')).has('sync-inventory')).toBe(true)

    await store.snooze('sync-inventory', null)
    expect(bridge.calls.at(-1)?.args).toEqual({ type: 'sync-inventory', until: null })
    expect(store.snoozesAt(now).size).toBe(0)
  })

  it('without `alerts:` in the config the card says so instead of empty tables', async () => {
    bridge.answer('alerts.list', () => overview({ channels: [], rules: [], deliveries: [] }))
    const store = useAlertsStore()
    store.start()
    await flush()
    expect(store.loaded).toBe(true)
    expect(store.configured).toBe(false)
  })
})

describe('a delivery\'s outcome in words', () => {
  it('sent, retrying at a time with the error, waiting, given up', () => {
    const at = (h: number, m: number, s: number): string => new Date(2026, 2, 1, h, m, s).toISOString()
    expect(deliveryOutcome(delivery('a', { status: 'sent', attempts: 1, sentAt: at(14, 2, 7) }))).toEqual({ tone: 'sent', label: 'sent', detail: 'at 14:02:07' })
    expect(deliveryOutcome(delivery('a', { status: 'sent', attempts: 3, sentAt: at(14, 2, 7) })).detail).toBe('at 14:02:07 after 3 attempts')
    expect(deliveryOutcome(delivery('a', { status: 'pending', attempts: 2, nextAttemptAt: at(14, 2, 37), lastError: 'HTTP 503 from hooks.example.com' }))).toEqual({
      tone: 'retrying',
      label: 'retrying at 14:02:37',
      detail: '2 attempts failed: HTTP 503 from hooks.example.com',
    })
    expect(deliveryOutcome(delivery('a', { status: 'pending', attempts: 0 }))).toMatchObject({ tone: 'waiting', detail: 'not tried yet' })
    expect(deliveryOutcome(delivery('a', { status: 'failed', attempts: 40, lastError: 'connection refused' }))).toEqual({ tone: 'given-up', label: 'given up', detail: 'after 40 attempts: connection refused' })
  })
})
