// Schedules in the shared database (migration 8): the key of a fire, (schedule, scheduled time),
// is unique here, so across every instance a fire is recorded once and only the instance whose
// insert won enqueues its job, in the same transaction. Pauses here are every instance's.
import { PRIORITY_RANK } from '../../../../src-shared/domain'
import { fireRecordOf, type FireRow } from '../schedule-store'
import type { FireFilter, FireRecord, FireWrite, PreviousJob, SchedulePause } from '../schedule-store'
import type { JobRow } from '../sqlite/rows'
import type { PgConnection } from './pg-connection'

const keyOf = (schedule: string, at: number): string => `${schedule}\u0000${at}`

export class PgSchedules {
  constructor(private readonly conn: PgConnection) {}

  /**
   * Fires and, for those this call inserted, their jobs: one transaction. Returns the fires
   * inserted (a key another instance took is not among them) and the jobs' rows.
   */
  async record(writes: readonly FireWrite[], now: number): Promise<{ fires: FireRecord[]; jobs: JobRow[] }> {
    if (writes.length === 0) return { fires: [], jobs: [] }
    return this.conn.transaction(async (client) => {
      const fires = writes.map((w) => w.fire)
      const { rows } = await client.query<{ schedule: string; scheduled_for: number }>(
        `INSERT INTO jobdeck.schedule_fires (schedule, scheduled_for, fired_at, outcome, reason, job_id)
         SELECT * FROM unnest($1::text[], $2::int8[], $3::int8[], $4::text[], $5::text[], $6::text[])
         ON CONFLICT (schedule, scheduled_for) DO NOTHING RETURNING schedule, scheduled_for`,
        [
          fires.map((f) => f.schedule),
          fires.map((f) => f.scheduledFor),
          fires.map((f) => f.firedAt),
          fires.map((f) => f.outcome),
          fires.map((f) => f.reason),
          fires.map((f) => f.jobId),
        ],
      )
      const inserted = new Set(rows.map((r) => keyOf(r.schedule, r.scheduled_for)))
      const won = writes.filter((w) => inserted.has(keyOf(w.fire.schedule, w.fire.scheduledFor)))
      const jobs = won.flatMap((w, index) => (w.job ? [{ ...w.job, schedule: w.fire.schedule, ord: now * 1000 + (index % 1000) }] : []))
      let jobRows: JobRow[] = []
      if (jobs.length > 0) {
        const added = await client.query<JobRow>(
          `INSERT INTO jobdeck.jobs (id, type, params, priority, lane, status, ord, created_at, queued_at, schedule)
           SELECT id, type, params, priority, lane, 'queued', ord, $7, $7, schedule
           FROM unnest($1::text[], $2::text[], $3::text[], $4::int[], $5::text[], $6::float8[], $8::text[])
             AS j (id, type, params, priority, lane, ord, schedule)
           ON CONFLICT (id) DO NOTHING
           RETURNING *`,
          [
            jobs.map((j) => j.id),
            jobs.map((j) => j.type),
            jobs.map((j) => JSON.stringify(j.params)),
            jobs.map((j) => PRIORITY_RANK[j.priority]),
            jobs.map((j) => j.lane),
            jobs.map((j) => j.ord),
            now,
            jobs.map((j) => j.schedule),
          ],
        )
        jobRows = added.rows.map((row) => ({ ...row, seq: 0 }))
        await client.query(`SELECT pg_notify('jobdeck', 'jobs')`)
      }
      return { fires: won.map((w) => w.fire), jobs: jobRows }
    })
  }

  async latestFireTimes(names: readonly string[]): Promise<Map<string, number>> {
    const { rows } = await this.conn.query<{ schedule: string; at: number }>(
      `SELECT s.name AS schedule, (SELECT max(scheduled_for) FROM jobdeck.schedule_fires WHERE schedule = s.name) AS at
       FROM unnest($1::text[]) AS s (name)`,
      [names],
    )
    return new Map(rows.filter((r) => r.at !== null).map((r) => [r.schedule, r.at]))
  }

  async lastFires(names: readonly string[]): Promise<Map<string, FireRecord>> {
    const { rows } = await this.conn.query<FireRow>(
      `SELECT f.* FROM unnest($1::text[]) AS s (name),
         LATERAL (SELECT * FROM jobdeck.schedule_fires WHERE schedule = s.name ORDER BY scheduled_for DESC LIMIT 1) AS f`,
      [names],
    )
    return new Map(rows.map((r) => [r.schedule, fireRecordOf(r)]))
  }

  async fires(filter: FireFilter): Promise<FireRecord[]> {
    const { rows } = await this.conn.query<FireRow>(
      `SELECT * FROM jobdeck.schedule_fires
       WHERE ($1::text IS NULL OR schedule = $1) AND ($2::text IS NULL OR outcome = $2)
         AND ($3::int8 IS NULL OR scheduled_for >= $3) AND ($4::int8 IS NULL OR scheduled_for <= $4)
         AND ($5::int8 IS NULL OR (scheduled_for, schedule) < ($5, $6::text))
       ORDER BY scheduled_for DESC, schedule DESC LIMIT $7`,
      [filter.schedule ?? null, filter.outcome ?? null, filter.since ?? null, filter.until ?? null, filter.before?.at ?? null, filter.before?.schedule ?? '', filter.limit],
    )
    return rows.map(fireRecordOf)
  }

  async pauses(): Promise<Map<string, SchedulePause>> {
    const { rows } = await this.conn.query<{ schedule: string; paused_at: number; until: number | null }>(`SELECT * FROM jobdeck.schedule_pauses`)
    return new Map(rows.map((r) => [r.schedule, { pausedAt: r.paused_at, until: r.until }]))
  }

  async setPause(schedule: string, pause: SchedulePause | null): Promise<void> {
    if (pause === null) await this.conn.query(`DELETE FROM jobdeck.schedule_pauses WHERE schedule = $1`, [schedule])
    else {
      await this.conn.query(
        `INSERT INTO jobdeck.schedule_pauses (schedule, paused_at, until) VALUES ($1, $2, $3)
         ON CONFLICT (schedule) DO UPDATE SET paused_at = excluded.paused_at, until = excluded.until`,
        [schedule, pause.pausedAt, pause.until],
      )
    }
  }

  async unfinishedJobs(names: readonly string[]): Promise<Map<string, PreviousJob>> {
    const { rows } = await this.conn.query<{ schedule: string; id: string; status: PreviousJob['status'] }>(
      `SELECT s.name AS schedule, j.id, j.status FROM unnest($1::text[]) AS s (name),
         LATERAL (SELECT id, status FROM jobdeck.jobs WHERE schedule = s.name AND status IN ('queued','retrying','running')
                  ORDER BY created_at DESC LIMIT 1) AS j`,
      [names],
    )
    return new Map(rows.map((r) => [r.schedule, { id: r.id, status: r.status }]))
  }
}
