// Schedules in the local SQLite file (migration 9): fire records keyed by (schedule, scheduled
// time), pauses, and the unfinished jobs of a schedule. A fire and its job commit together: the
// fire row is inserted first and only a fire that was not recorded yet enqueues its job.
import type { Job } from '../../../../src-shared/domain'
import { fireRecordOf, type FireRow } from '../schedule-store'
import type { FireFilter, FireRecord, FireWrite, PreviousJob, SchedulePause, ScheduleStore } from '../schedule-store'
import type { SqliteStore } from './sqlite-store'

export class SqliteSchedules implements ScheduleStore {
  private readonly stmt

  constructor(private readonly store: SqliteStore) {
    const db = store.db
    this.stmt = {
      insertFire: db.prepare(`INSERT INTO schedule_fires (schedule, scheduled_for, fired_at, outcome, reason, job_id)
        VALUES (@schedule, @scheduledFor, @firedAt, @outcome, @reason, @jobId) ON CONFLICT (schedule, scheduled_for) DO NOTHING`),
      latest: db.prepare(`SELECT max(scheduled_for) FROM schedule_fires WHERE schedule = ?`).pluck(),
      last: db.prepare(`SELECT * FROM schedule_fires WHERE schedule = ? ORDER BY scheduled_for DESC LIMIT 1`),
      pauses: db.prepare(`SELECT schedule, paused_at, until FROM schedule_pauses`),
      pause: db.prepare(`INSERT INTO schedule_pauses (schedule, paused_at, until) VALUES (?, ?, ?)
        ON CONFLICT (schedule) DO UPDATE SET paused_at = excluded.paused_at, until = excluded.until`),
      resume: db.prepare(`DELETE FROM schedule_pauses WHERE schedule = ?`),
      withdraw: db.prepare(`DELETE FROM jobs WHERE id = ? AND status = 'queued'`),
      unfinished: db.prepare(`SELECT id, status FROM jobs INDEXED BY jobs_schedule_unfinished
        WHERE schedule = ? AND status IN ('queued','retrying','running') ORDER BY created_at DESC LIMIT 1`),
    }
  }

  /** For a caller inside `store.tx` (shared mode's offline path adds its outbox entry in the same commit). */
  recordInTx(writes: readonly FireWrite[], now: number): Array<{ fire: FireRecord; job: Job | null }> {
    const recorded: Array<{ fire: FireRecord; job: Job | null }> = []
    for (const { fire, job } of writes) {
      if (this.stmt.insertFire.run(fire).changes === 0) continue
      const [created] = job ? this.store.enqueue([{ ...job, schedule: fire.schedule }], now) : []
      recorded.push({ fire, job: created ?? null })
    }
    return recorded
  }

  async record(writes: readonly FireWrite[], now: number): Promise<Array<{ fire: FireRecord; job: Job | null }>> {
    if (writes.length === 0) return []
    return this.store.tx(() => this.recordInTx(writes, now))
  }

  async latestFireTimes(names: readonly string[]): Promise<Map<string, number>> {
    const out = new Map<string, number>()
    for (const name of names) {
      const at = this.stmt.latest.get(name) as number | null
      if (at !== null) out.set(name, at)
    }
    return out
  }

  async lastFires(names: readonly string[]): Promise<Map<string, FireRecord>> {
    const out = new Map<string, FireRecord>()
    for (const name of names) {
      const row = this.stmt.last.get(name) as FireRow | undefined
      if (row) out.set(name, fireRecordOf(row))
    }
    return out
  }

  async fires(filter: FireFilter): Promise<FireRecord[]> {
    return this.firesNow(filter)
  }

  firesNow(filter: FireFilter): FireRecord[] {
    const where: string[] = []
    const args: Record<string, unknown> = { limit: filter.limit }
    if (filter.schedule !== undefined) {
      where.push('schedule = @schedule')
      args.schedule = filter.schedule
    }
    if (filter.outcome !== undefined) {
      where.push('outcome = @outcome')
      args.outcome = filter.outcome
    }
    if (filter.since !== undefined) {
      where.push('scheduled_for >= @since')
      args.since = filter.since
    }
    if (filter.until !== undefined) {
      where.push('scheduled_for <= @until')
      args.until = filter.until
    }
    if (filter.before) {
      where.push('(scheduled_for < @beforeAt OR (scheduled_for = @beforeAt AND schedule < @beforeSchedule))')
      args.beforeAt = filter.before.at
      args.beforeSchedule = filter.before.schedule
    }
    const sql = `SELECT * FROM schedule_fires ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
      ORDER BY scheduled_for DESC, schedule DESC LIMIT @limit`
    return (this.store.db.prepare(sql).all(args) as FireRow[]).map(fireRecordOf)
  }

  async pauses(): Promise<Map<string, SchedulePause>> {
    const rows = this.stmt.pauses.all() as Array<{ schedule: string; paused_at: number; until: number | null }>
    return new Map(rows.map((r) => [r.schedule, { pausedAt: r.paused_at, until: r.until }]))
  }

  async setPause(schedule: string, pause: SchedulePause | null): Promise<void> {
    this.store.tx(() => {
      if (pause === null) this.stmt.resume.run(schedule)
      else this.stmt.pause.run(schedule, pause.pausedAt, pause.until)
    })
  }

  /**
   * Shared mode: the job of a fire made offline whose key another instance took first. It never
   * ran (nothing is claimed offline), and the shared database never had it: it leaves the cache.
   */
  withdraw(jobId: string): void {
    this.store.tx(() => this.stmt.withdraw.run(jobId))
  }

  /** Shared mode: the pauses as the shared database has them, kept for while it is unreachable. */
  async replacePauses(pauses: ReadonlyMap<string, SchedulePause>): Promise<void> {
    this.store.tx(() => {
      this.store.db.prepare(`DELETE FROM schedule_pauses`).run()
      for (const [name, pause] of pauses) this.stmt.pause.run(name, pause.pausedAt, pause.until)
    })
  }

  async unfinishedJobs(names: readonly string[]): Promise<Map<string, PreviousJob>> {
    const out = new Map<string, PreviousJob>()
    for (const name of names) {
      const row = this.stmt.unfinished.get(name) as PreviousJob | undefined
      if (row) out.set(name, { id: row.id, status: row.status })
    }
    return out
  }
}
