// The alert rules' side of the SQLite file (migration 11): the outbox rows they decide, written in
// the same transaction as the history watermark (`alerts.seq`) and the streak counts, so a kill
// between a failure's commit and its alert loses nothing and a restart repeats nothing; the
// finished jobs past that watermark; and the local snoozes.
import type { AlertPayload, AlertSnooze } from '../../../../src-shared/alerts'
import { newId } from '../../ids'
import type { SqliteStore } from './sqlite-store'

/** One alert for one channel, as the rules decided it. */
export interface OutboxAlert {
  key: string
  channel: string
  /** Index into `alerts.rules`. */
  rule: number
  payload: AlertPayload
}

/** A job that reached a terminal outcome the rules read (succeeded, partial or failed). */
export interface FinishedJob {
  seq: number
  id: string
  type: string
  status: 'succeeded' | 'partial' | 'failed'
  error: string | null
  schedule: string | null
  source: string | null
  lastRunId: string | null
  startedAt: number | null
  finishedAt: number
}

/** Where the rules' reading of history moves: from the watermark read, to the one after the page. */
export interface Progress {
  from: number
  watermark: number
  streaks: Streaks
}

/** addAlerts' answer when the watermark moved meanwhile (nothing written: read again). */
export const STALE = -1

/** Failures in a row per job type, as of the watermark. */
export type Streaks = Record<string, number>

/** A job fired by a schedule, for the deadline check. */
export interface ScheduledJob {
  id: string
  status: string
  createdAt: number
  finishedAt: number | null
}

const FINISHED_STATUSES = `('succeeded','partial','failed')`

export class AlertStore {
  constructor(private readonly store: SqliteStore) {}

  private get db(): SqliteStore['db'] {
    return this.store.db
  }

  /** The last jobs.seq the rules decided. */
  watermark(): number {
    return Number(this.store.metaValue('alerts.seq') ?? 0)
  }

  streaks(): Streaks {
    const text = this.store.metaValue('alerts.streaks')
    return text ? (JSON.parse(text) as Streaks) : {}
  }

  /**
   * When this data file began deciding alerts (set once, at the first start): history older than
   * that (a shared cache's first pull of months of failures) is never alerted.
   */
  since(now: number): number {
    const value = this.store.metaValue('alerts.since')
    if (value !== null) return Number(value)
    this.store.tx(() => this.setMeta('alerts.since', String(now)))
    return now
  }

  /** This data file's stable name in shared mode's claims (survives restarts, unlike a runner id). */
  instance(hostname: string): string {
    const value = this.store.metaValue('alerts.instance')
    if (value !== null) return value
    const made = `${hostname}:${newId()}`
    this.store.tx(() => this.setMeta('alerts.instance', made))
    return made
  }

  private setMeta(key: string, value: string): void {
    this.db.prepare(`INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`).run(key, value)
  }

  /**
   * Inserts the alerts (a (key, channel) already there inserts nothing) and, when given, moves the
   * watermark and the streak counts: one transaction, only if the watermark is still where the
   * page was read from (else STALE). Returns how many rows were new. Relaxed (no
   * fsync of its own): power loss may take the commit back, but whole, rows with the watermark, so
   * the facts are decided again; the runner's next full commit makes it durable.
   */
  addAlerts(rows: readonly OutboxAlert[], now: number, progress?: Progress): number {
    if (rows.length === 0 && progress === undefined) return 0
    const insert = this.db.prepare(
      `INSERT INTO alert_outbox (key, channel, rule, payload, created_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (key, channel) DO NOTHING`,
    )
    return this.store.relaxedTx(() => {
      // Another process on this file decided from `from` first: its rows and watermark stand.
      if (progress && this.watermark() !== progress.from) return STALE
      let added = 0
      for (const row of rows) added += insert.run(row.key, row.channel, row.rule, JSON.stringify(row.payload), now).changes
      if (progress) {
        this.setMeta('alerts.seq', String(progress.watermark))
        this.setMeta('alerts.streaks', JSON.stringify(progress.streaks))
      }
      return added
    })
  }

  /**
   * Finished jobs with lo < seq ≤ hi, oldest change first, at most `limit`. Every row with a seq
   * up to the current one is committed (the seq is bumped in the transaction that writes it), so
   * a page that is not full lets the watermark move to `hi`.
   */
  finishedBetween(lo: number, hi: number, limit: number): FinishedJob[] {
    const rows = this.db
      .prepare(
        `SELECT j.seq, j.id, j.type, j.status, j.error, j.schedule, j.source, j.last_run_id, j.finished_at, r.started_at
         FROM jobs j LEFT JOIN runs r ON r.id = j.last_run_id
         WHERE j.seq > ? AND j.seq <= ? AND j.status IN ${FINISHED_STATUSES}
         ORDER BY j.seq LIMIT ?`,
      )
      .all(lo, hi, limit) as Array<{
      seq: number
      id: string
      type: string
      status: FinishedJob['status']
      error: string | null
      schedule: string | null
      source: string | null
      last_run_id: string | null
      finished_at: number | null
      started_at: number | null
    }>
    return rows.map((r) => ({
      seq: r.seq,
      id: r.id,
      type: r.type,
      status: r.status,
      error: r.error,
      schedule: r.schedule,
      source: r.source,
      lastRunId: r.last_run_id,
      startedAt: r.started_at,
      finishedAt: r.finished_at ?? 0,
    }))
  }

  /**
   * When a rule last wrote an alert about `type` (null: about no type), from the outbox's newest
   * rows backwards (the quiet period's memory; AlertWatch keeps the answer after the first ask).
   */
  lastAlertAt(rule: number, type: string | null): number | null {
    const row = this.db
      .prepare(`SELECT created_at FROM alert_outbox WHERE rule = ? AND json_extract(payload, '$.type') IS ? ORDER BY id DESC LIMIT 1`)
      .get(rule, type) as { created_at: number } | undefined
    return row?.created_at ?? null
  }

  /** Jobs a schedule fired that were made in (from, to]: by the jobs' schedule column. */
  jobsOfSchedule(schedule: string, from: number, to: number): ScheduledJob[] {
    return (
      this.db
        .prepare(`SELECT id, status, created_at, finished_at FROM jobs WHERE schedule = ? AND created_at > ? AND created_at <= ? LIMIT 1000`)
        .all(schedule, from, to) as Array<{ id: string; status: string; created_at: number; finished_at: number | null }>
    ).map((r) => ({ id: r.id, status: r.status, createdAt: r.created_at, finishedAt: r.finished_at }))
  }

  jobsById(ids: readonly string[]): ScheduledJob[] {
    if (ids.length === 0) return []
    return (
      this.db
        .prepare(`SELECT id, status, created_at, finished_at FROM jobs WHERE id IN (SELECT value FROM json_each(?))`)
        .all(JSON.stringify(ids)) as Array<{ id: string; status: string; created_at: number; finished_at: number | null }>
    ).map((r) => ({ id: r.id, status: r.status, createdAt: r.created_at, finishedAt: r.finished_at }))
  }

  // ── snoozes (local mode) ─────────────────────────────────────────────────────────────────

  /** Snoozes still holding at `now`, soonest end first. */
  snoozes(now: number): AlertSnooze[] {
    return (this.db.prepare(`SELECT type, until, by FROM alert_snoozes WHERE until > ? ORDER BY until, type`).all(now) as Array<{ type: string; until: number; by: string | null }>).map(
      (r) => ({ type: r.type, until: new Date(r.until).toISOString(), by: r.by }),
    )
  }

  /** `until` null lifts the snooze. Past snoozes are dropped on the way. */
  setSnooze(type: string, until: number | null, by: string | null, now: number): void {
    this.store.tx(() => {
      this.db.prepare(`DELETE FROM alert_snoozes WHERE type = ? OR until <= ?`).run(type, now)
      if (until !== null) this.db.prepare(`INSERT INTO alert_snoozes (type, until, by) VALUES (?, ?, ?)`).run(type, until, by)
    })
  }
}
