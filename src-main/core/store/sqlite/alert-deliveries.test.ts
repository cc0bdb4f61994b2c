import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { AlertChannelKind, AlertPayload } from '../../../../src-shared/alerts'
import { openTempStore, removeTempStore, type TempStore } from '../../test-support/temp-store'
import { AlertDeliveries, DIGEST_MAX_ALERTS, GIVE_UP_AFTER_MS, retryDelay } from './alert-deliveries'

let temp: TempStore
let deliveries: AlertDeliveries
const T0 = Date.parse('2026-03-01T10:00:00.000Z')
const window = { quietMs: 2_000, maxWaitMs: 10_000 }
const kinds = new Map<string, AlertChannelKind>([
  ['ops', 'webhook'],
  ['mail', 'email'],
])
const title = (alerts: AlertPayload[]): string => `${alerts.length} alerts`

beforeEach(() => {
  temp = openTempStore('jobdeck-alert-deliveries-')
  deliveries = new AlertDeliveries(temp.db, temp.store)
})
afterEach(() => removeTempStore(temp))

/** An alert as the rules write it. */
function addAlert(key: string, channel: string, at: number, rule = 0): void {
  const payload: AlertPayload = { id: `${key}:${channel}`, rule: 'failed', type: 'sync', title: `sync failed (${key})`, jobId: key, runId: `${key}/r`, status: 'failed', error: 'boom', startedAt: null, finishedAt: null, count: 1 }
  temp.db.prepare(`INSERT INTO alert_outbox (key, channel, rule, payload, created_at) VALUES (?, ?, ?, ?, ?)`).run(key, channel, rule, JSON.stringify(payload), at)
}

describe('grouping a burst into one delivery', () => {
  it('waits while alerts keep coming, groups once 2 s pass quietly, per channel', () => {
    for (let i = 0; i < 5; i++) addAlert(`j${i}`, 'ops', T0 + i * 500)
    addAlert('j0', 'mail', T0, 1)
    expect(deliveries.groupWaiting(T0 + 2_000 + 1_999, window, kinds, title).map((d) => d.channel)).toEqual(['mail'])
    const [digest] = deliveries.groupWaiting(T0 + 2_000 + 2_000, window, kinds, title)
    expect(digest).toMatchObject({ channel: 'ops', kind: 'webhook', title: '5 alerts', alerts: 5, rules: [0], status: 'pending', attempts: 0, test: false })
    expect(deliveries.alertsOf(digest!.id).map((a) => a.jobId)).toEqual(['j0', 'j1', 'j2', 'j3', 'j4'])
    expect(deliveries.groupWaiting(T0 + 60_000, window, kinds, title)).toEqual([])
  })

  it('a burst that never goes quiet is sent 10 s after its first alert', () => {
    for (let i = 0; i < 10; i++) addAlert(`j${i}`, 'ops', T0 + i * 1_000)
    expect(deliveries.nextGroupAt(window, kinds)).toBe(T0 + 10_000)
    expect(deliveries.groupWaiting(T0 + 9_999, window, kinds, title)).toEqual([])
    addAlert('j10', 'ops', T0 + 10_000)
    expect(deliveries.groupWaiting(T0 + 10_000, window, kinds, title).map((d) => d.alerts)).toEqual([11])
  })

  it('a burst larger than a digest is sent as several; a channel no longer configured keeps its alerts waiting', () => {
    for (let i = 0; i < DIGEST_MAX_ALERTS + 7; i++) addAlert(`j${i}`, 'ops', T0)
    addAlert('x', 'gone', T0)
    expect(deliveries.groupWaiting(T0 + 2_000, window, kinds, title).map((d) => d.alerts)).toEqual([DIGEST_MAX_ALERTS, 7])
    expect(temp.db.prepare(`SELECT channel FROM alert_outbox WHERE delivery_id IS NULL`).all()).toEqual([{ channel: 'gone' }])
  })
})

describe('attempts', () => {
  it('backs off 1 s, 2 s, 4 s … capped at 30 s, and gives up 24 h after the delivery was made', () => {
    addAlert('j', 'ops', T0)
    const [made] = deliveries.groupWaiting(T0 + 2_000, window, kinds, title)
    let now = T0 + 2_000
    const waits: number[] = []
    let delivery = made!
    for (let i = 0; i < 8; i++) {
      delivery = deliveries.recordFailed(delivery.id, now, 'HTTP 503 from http://127.0.0.1/…')
      waits.push(Date.parse(delivery.nextAttemptAt!) - now)
      now = Date.parse(delivery.nextAttemptAt!)
    }
    expect(waits).toEqual([1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000, 30_000])
    expect(delivery).toMatchObject({ status: 'pending', attempts: 8, lastError: 'HTTP 503 from http://127.0.0.1/…' })
    delivery = deliveries.recordFailed(delivery.id, T0 + 2_000 + GIVE_UP_AFTER_MS, 'still 503')
    expect(delivery).toMatchObject({ status: 'failed', attempts: 9, nextAttemptAt: null, lastError: 'still 503' })
    expect(deliveries.pendingCount()).toBe(0)
    expect(retryDelay(1_000)).toBe(30_000)
  })

  it("a channel's deliveries go in order: a later one waits while the oldest is retried", () => {
    addAlert('a', 'ops', T0)
    const [first] = deliveries.groupWaiting(T0 + 2_000, window, kinds, title)
    deliveries.recordFailed(first!.id, T0 + 2_000, 'refused')
    deliveries.recordFailed(first!.id, T0 + 3_000, 'refused')
    addAlert('b', 'ops', T0 + 2_500)
    addAlert('m', 'mail', T0 + 2_500)
    deliveries.groupWaiting(T0 + 4_500, window, kinds, title)
    // The second ops delivery would be due, but the first is not until 5 s: only mail goes.
    const mail = deliveries.due(T0 + 4_500)
    expect(mail.map((d) => d.delivery.channel)).toEqual(['mail'])
    deliveries.recordSent(mail[0]!.delivery.id, T0 + 4_500)
    expect(deliveries.nextAttemptAt()).toBe(T0 + 5_000)
    expect(deliveries.due(T0 + 5_000).map((d) => d.delivery.id)).toEqual([first!.id])
    deliveries.recordSent(first!.id, T0 + 5_000)
    expect(deliveries.due(T0 + 5_000).map((d) => d.alerts.map((a) => a.jobId))).toEqual([['b']])
    expect(deliveries.newest(10).map((d) => [d.channel, d.status, d.attempts])).toEqual([
      ['ops', 'pending', 0],
      ['mail', 'sent', 1],
      ['ops', 'sent', 3],
    ])
  })

  it('a test message is tried by its asker first (lease), once: a failure is final', () => {
    const alert: AlertPayload = { id: 'test:1', rule: 'test', type: null, title: 'Test', jobId: null, runId: null, status: null, error: null, startedAt: null, finishedAt: null, count: 1 }
    const test = deliveries.insertTest('ops', 'webhook', alert, T0, 40_000)
    expect(test).toMatchObject({ test: true, rules: [], alerts: 1, status: 'pending' })
    expect(deliveries.due(T0 + 39_999)).toEqual([])
    expect(deliveries.due(T0 + 40_000).map((d) => d.alerts)).toEqual([[alert]])
    expect(deliveries.recordFailed(test.id, T0 + 40_000, 'refused')).toMatchObject({ status: 'failed', attempts: 1 })
    expect(temp.db.prepare(`SELECT key, rule FROM alert_outbox`).all()).toEqual([{ key: 'test:test:1', rule: -1 }])
  })
})
