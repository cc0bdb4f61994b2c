// The outbox's delivery side (migration 11): waiting alerts of a channel grouped into one delivery
// once their burst is over, the deliveries due now (a channel's oldest first, so a channel gets its
// messages in order), and each attempt's outcome with exponential backoff. The rules write the
// waiting rows (alert-store.ts); nothing here decides what is an alert.
import type { AlertChannelKind, AlertDelivery, AlertPayload, DeliveryStatus } from '../../../../src-shared/alerts'
import { backoffDelay } from '../../../../src-shared/backoff'
import type { SqliteDatabase } from './open-database'
import type { SqliteStore } from './sqlite-store'

/** The most alerts one digest carries; the rest of a burst goes in the next (at once: its oldest waited long enough). */
export const DIGEST_MAX_ALERTS = 100
/** Backoff after the first failed attempt, doubled per attempt… */
export const RETRY_BASE_MS = 1_000
/** …up to this. */
export const RETRY_MAX_MS = 30_000
/** A delivery still failing this long after it was made is given up (status `failed`). */
export const GIVE_UP_AFTER_MS = 24 * 60 * 60_000

/** The wait before the next try after `failures` failed attempts (1 s, 2 s, 4 s … 30 s). */
export function retryDelay(failures: number): number {
  return backoffDelay({ baseMs: RETRY_BASE_MS, maxMs: RETRY_MAX_MS }, failures)
}

export interface DigestWindow {
  /** A burst is over once its newest alert is this old… */
  quietMs: number
  /** …or its oldest this old. */
  maxWaitMs: number
}

/** A delivery with the alerts it carries, oldest first: what a channel is handed. */
export interface DueDelivery {
  delivery: AlertDelivery
  alerts: AlertPayload[]
}

interface DeliveryRow {
  id: number
  channel: string
  kind: AlertChannelKind
  title: string
  rules: string
  alerts: number
  test: number
  status: DeliveryStatus
  attempts: number
  created_at: number
  next_attempt_at: number | null
  sent_at: number | null
  last_error: string | null
}

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString())

function toDelivery(row: DeliveryRow): AlertDelivery {
  return {
    id: String(row.id),
    channel: row.channel,
    kind: row.kind,
    rules: JSON.parse(row.rules) as number[],
    title: row.title,
    alerts: row.alerts,
    test: row.test === 1,
    status: row.status,
    attempts: row.attempts,
    createdAt: new Date(row.created_at).toISOString(),
    nextAttemptAt: iso(row.next_attempt_at),
    sentAt: iso(row.sent_at),
    lastError: row.last_error,
  }
}

function prepare(db: SqliteDatabase) {
  return {
    waitingByChannel: db.prepare(
      `SELECT channel, min(created_at) AS oldest, max(created_at) AS newest FROM alert_outbox WHERE delivery_id IS NULL GROUP BY channel`,
    ),
    waitingOf: db.prepare(`SELECT id, rule, payload FROM alert_outbox WHERE delivery_id IS NULL AND channel = ? ORDER BY created_at, id LIMIT ?`),
    insertDelivery: db.prepare(
      `INSERT INTO alert_deliveries (channel, kind, title, rules, alerts, test, status, created_at, next_attempt_at)
       VALUES (@channel, @kind, @title, @rules, @alerts, @test, 'pending', @now, @nextAttemptAt)`,
    ),
    assign: db.prepare(`UPDATE alert_outbox SET delivery_id = ? WHERE id = ?`),
    insertAlert: db.prepare(`INSERT INTO alert_outbox (key, channel, rule, payload, created_at, delivery_id) VALUES (?, ?, ?, ?, ?, ?)`),
    // Test messages are sent by whoever asked (alerts.test), so they stand outside a channel's order.
    heads: db.prepare(
      `SELECT d.* FROM alert_deliveries d
       WHERE d.id IN (SELECT min(id) FROM alert_deliveries WHERE status = 'pending' AND test = 0 GROUP BY channel)
          OR (d.status = 'pending' AND d.test = 1)`,
    ),
    get: db.prepare(`SELECT * FROM alert_deliveries WHERE id = ?`),
    payloads: db.prepare(`SELECT payload FROM alert_outbox WHERE delivery_id = ? ORDER BY created_at, id`),
    sent: db.prepare(
      `UPDATE alert_deliveries SET status = 'sent', attempts = attempts + 1, sent_at = @now, next_attempt_at = NULL WHERE id = @id AND status = 'pending'`,
    ),
    failed: db.prepare(
      `UPDATE alert_deliveries SET status = @status, attempts = attempts + 1, next_attempt_at = @next, last_error = @error WHERE id = @id AND status = 'pending'`,
    ),
    newest: db.prepare(`SELECT * FROM alert_deliveries ORDER BY created_at DESC, id DESC LIMIT ?`),
    pending: db.prepare(`SELECT count(*) AS n FROM alert_deliveries WHERE status = 'pending'`),
    waiting: db.prepare(`SELECT count(*) AS n FROM alert_outbox WHERE delivery_id IS NULL AND channel IN (SELECT value FROM json_each(?))`),
  }
}

export class AlertDeliveries {
  private readonly stmt: ReturnType<typeof prepare>

  constructor(
    db: SqliteDatabase,
    private readonly store: Pick<SqliteStore, 'tx'>,
  ) {
    this.stmt = prepare(db)
  }

  /**
   * Groups each channel's waiting alerts into one delivery when their burst is over, in one
   * transaction per delivery (the delivery and its rows' delivery_id together). Channels not in
   * `kinds` (removed from the config) keep their rows waiting. Returns the new deliveries.
   */
  groupWaiting(now: number, window: DigestWindow, kinds: ReadonlyMap<string, AlertChannelKind>, titleOf: (alerts: AlertPayload[]) => string): AlertDelivery[] {
    const made: AlertDelivery[] = []
    const bursts = this.stmt.waitingByChannel.all() as Array<{ channel: string; oldest: number; newest: number }>
    for (const burst of bursts) {
      const kind = kinds.get(burst.channel)
      if (kind === undefined) continue
      if (now - burst.newest < window.quietMs && now - burst.oldest < window.maxWaitMs) continue
      // A burst larger than a digest is sent as several, each as soon as the one before is made.
      for (;;) {
        const delivery = this.store.tx(() => this.groupOne(burst.channel, kind, now, titleOf))
        if (delivery === null) break
        made.push(delivery)
        if (delivery.alerts < DIGEST_MAX_ALERTS) break
      }
    }
    return made
  }

  private groupOne(channel: string, kind: AlertChannelKind, now: number, titleOf: (alerts: AlertPayload[]) => string): AlertDelivery | null {
    const rows = this.stmt.waitingOf.all(channel, DIGEST_MAX_ALERTS) as Array<{ id: number; rule: number; payload: string }>
    if (rows.length === 0) return null
    const alerts = rows.map((row) => JSON.parse(row.payload) as AlertPayload)
    const rules = [...new Set(rows.map((row) => row.rule).filter((rule) => rule >= 0))].sort((a, b) => a - b)
    const id = Number(
      this.stmt.insertDelivery.run({ channel, kind, title: titleOf(alerts), rules: JSON.stringify(rules), alerts: rows.length, test: 0, now, nextAttemptAt: now }).lastInsertRowid,
    )
    for (const row of rows) this.stmt.assign.run(id, row.id)
    return this.get(id)
  }

  /**
   * A test message (rule -1) as a delivery of its own. `leaseMs`: the asker tries it at once; only
   * if it is gone by then (killed) does the delivering process try it.
   */
  insertTest(channel: string, kind: AlertChannelKind, alert: AlertPayload, now: number, leaseMs: number): AlertDelivery {
    return this.store.tx(() => {
      const id = Number(
        this.stmt.insertDelivery.run({ channel, kind, title: alert.title, rules: '[]', alerts: 1, test: 1, now, nextAttemptAt: now + leaseMs }).lastInsertRowid,
      )
      this.stmt.insertAlert.run(`test:${alert.id}`, channel, -1, JSON.stringify(alert), now, id)
      return this.get(id)
    })
  }

  /**
   * What may be tried now: per channel its oldest pending delivery when that is due (a later one
   * never overtakes it, so a receiver down for a while still gets them in order), and test
   * messages whose lease ran out. Oldest first.
   */
  due(now: number): DueDelivery[] {
    const heads = (this.stmt.heads.all() as DeliveryRow[]).filter((row) => row.next_attempt_at !== null && row.next_attempt_at <= now)
    return heads.sort((a, b) => a.id - b.id).map((row) => ({ delivery: toDelivery(row), alerts: this.alertsOf(row.id) }))
  }

  /** When the earliest pending delivery that `due` may return is next tried (null: none pending). */
  nextAttemptAt(): number | null {
    let next: number | null = null
    for (const row of this.stmt.heads.all() as DeliveryRow[]) {
      if (row.next_attempt_at !== null && (next === null || row.next_attempt_at < next)) next = row.next_attempt_at
    }
    return next
  }

  /** When the earliest waiting burst is over (null: nothing waiting in a channel of `kinds`). */
  nextGroupAt(window: DigestWindow, kinds: ReadonlyMap<string, AlertChannelKind>): number | null {
    let next: number | null = null
    for (const burst of this.stmt.waitingByChannel.all() as Array<{ channel: string; oldest: number; newest: number }>) {
      if (!kinds.has(burst.channel)) continue
      const at = Math.min(burst.newest + window.quietMs, burst.oldest + window.maxWaitMs)
      if (next === null || at < next) next = at
    }
    return next
  }

  alertsOf(deliveryId: number | string): AlertPayload[] {
    return (this.stmt.payloads.all(Number(deliveryId)) as Array<{ payload: string }>).map((row) => JSON.parse(row.payload) as AlertPayload)
  }

  get(id: number | string): AlertDelivery {
    const row = this.stmt.get.get(Number(id)) as DeliveryRow | undefined
    if (!row) throw new Error(`no alert delivery ${id}`)
    return toDelivery(row)
  }

  recordSent(id: string, now: number): AlertDelivery {
    this.store.tx(() => this.stmt.sent.run({ id: Number(id), now }))
    return this.get(id)
  }

  /**
   * A failed attempt: tried again after the backoff, or given up (`failed`) when it is a test
   * message (tried once, for the one who asked) or older than `giveUpAfterMs`. `error` must
   * already be fit to show (secrets masked).
   */
  recordFailed(id: string, now: number, error: string, giveUpAfterMs = GIVE_UP_AFTER_MS): AlertDelivery {
    this.store.tx(() => {
      const row = this.stmt.get.get(Number(id)) as DeliveryRow | undefined
      if (!row || row.status !== 'pending') return
      const giveUp = row.test === 1 || now - row.created_at >= giveUpAfterMs
      this.stmt.failed.run({
        id: row.id,
        status: giveUp ? 'failed' : 'pending',
        next: giveUp ? null : now + retryDelay(row.attempts + 1),
        error,
      })
    })
    return this.get(id)
  }

  /** Newest first. */
  newest(limit: number): AlertDelivery[] {
    return (this.stmt.newest.all(limit) as DeliveryRow[]).map(toDelivery)
  }

  pendingCount(): number {
    return (this.stmt.pending.get() as { n: number }).n
  }

  /** Alerts not yet sent: deliveries pending, and alerts of these channels not yet grouped into one. */
  unsentCount(channels: readonly string[]): number {
    return this.pendingCount() + (this.stmt.waiting.get(JSON.stringify(channels)) as { n: number }).n
  }
}
