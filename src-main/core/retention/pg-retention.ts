// Shared mode: retention applied to the shared database by one instance at a time, under a
// session advisory lock held for the pass (another instance finds it taken and only follows in
// its cache). Each batch is one statement, so one short transaction: it deletes finished jobs
// (runs and output cascade, counters follow through jobdeck.jobs_counted and runs_counted) and
// records their ids in jobdeck.retention_deletes (PostgreSQL migration 11) in the same commit,
// which every cache's sync reads to delete the same jobs (sync/cache-sync.ts): a cache may keep
// less than the database, never more. The statement names the terminal status and the cutoff
// itself, so a job retried meanwhile (queued again) is never deleted.
import type pg from 'pg'
import { TERMINAL_JOB_STATUSES } from '../../../src-shared/domain'
import type { RetentionConfig } from '../../../src-shared/retention-config'
import type { PgConnection } from '../store/postgres/pg-connection'
import { jobCutoffs, noneDeleted, type RetentionDeleted } from './sqlite-retention'

/** pg_try_advisory_lock key of retention (any other lock Jobdeck takes uses other keys). */
export const RETENTION_LOCK_KEY = 7_416_000_016
/** The caches' record of deletes is kept this long; a cache offline longer applies the policy to itself. */
const DELETES_KEPT_MS = 30 * 86_400_000

export interface PgPass {
  deleted: RetentionDeleted
  longestTxMs: number
}

export class PgRetention {
  constructor(private readonly conn: PgConnection) {}

  /** One pass, or null when another instance holds the lock (it applies the policy now). */
  async apply(policy: RetentionConfig, now: number): Promise<PgPass | null> {
    const client = await this.conn.pool.connect()
    let broken: Error | undefined
    try {
      const { rows } = await client.query<{ locked: boolean }>('SELECT pg_try_advisory_lock($1) AS locked', [RETENTION_LOCK_KEY])
      if (!rows[0]?.locked) return null
      try {
        return await this.pass(client, policy, now)
      } finally {
        await client.query('SELECT pg_advisory_unlock($1)', [RETENTION_LOCK_KEY])
      }
    } catch (error) {
      broken = error as Error
      throw error
    } finally {
      client.release(broken)
    }
  }

  private async pass(client: pg.PoolClient, policy: RetentionConfig, now: number): Promise<PgPass> {
    const deleted = noneDeleted()
    let longestTxMs = 0
    const timed = async <R extends pg.QueryResultRow>(text: string, values: unknown[]): Promise<pg.QueryResult<R>> => {
      const started = performance.now()
      const result = await client.query<R>(text, values)
      longestTxMs = Math.max(longestTxMs, performance.now() - started)
      return result
    }
    // The newest keepLast finished jobs of each type, by finish: one scan of the finished jobs.
    const kept = policy.keepLast === 0 ? [] : (await client.query<{ id: string }>(
      `SELECT id FROM (SELECT id, row_number() OVER (PARTITION BY type ORDER BY finished_at DESC, id DESC) AS n
        FROM jobdeck.jobs WHERE status = ANY ($1) AND finished_at IS NOT NULL) ranked WHERE n <= $2`,
      [TERMINAL_JOB_STATUSES, policy.keepLast],
    )).rows.map((row) => row.id)
    const cutoffs = jobCutoffs(policy, now)
    for (const status of TERMINAL_JOB_STATUSES) {
      for (;;) {
        const { rows } = await timed<{ jobs: number; runs: number }>(
          `WITH doomed AS (
            SELECT id FROM jobdeck.jobs WHERE status = $1 AND finished_at < $2 AND NOT (id = ANY ($3))
            ORDER BY finished_at LIMIT $4
          ), gone AS (
            DELETE FROM jobdeck.jobs j USING doomed WHERE j.id = doomed.id AND j.status = $1 AND j.finished_at < $2 RETURNING j.id
          ), recorded AS (
            INSERT INTO jobdeck.retention_deletes (job_ids, at) SELECT array_agg(id), $5 FROM gone HAVING count(*) > 0
          )
          SELECT (SELECT count(*) FROM gone)::int AS jobs,
            (SELECT count(*) FROM jobdeck.runs r JOIN gone ON r.job_id = gone.id)::int AS runs`,
          [status, cutoffs[status], kept, policy.batch, now],
        )
        const batch = rows[0] ?? { jobs: 0, runs: 0 }
        deleted.jobs += batch.jobs
        deleted.runs += batch.runs
        if (batch.jobs === 0) break
      }
    }
    if (policy.logs.ageMs !== null) deleted.logLines = await this.deleteOldOutput(timed, now - policy.logs.ageMs, policy.batch)
    for (;;) {
      // Each schedule's newest fire stays: the schedulers read it to know where they left off.
      const { rowCount } = await timed(
        `DELETE FROM jobdeck.schedule_fires WHERE (schedule, scheduled_for) IN (
          SELECT schedule, scheduled_for FROM jobdeck.schedule_fires f WHERE scheduled_for < $1
            AND scheduled_for < (SELECT max(scheduled_for) FROM jobdeck.schedule_fires WHERE schedule = f.schedule)
          ORDER BY scheduled_for LIMIT $2)`,
        [now - policy.fires, policy.batch],
      )
      deleted.fires += rowCount ?? 0
      if (!rowCount) break
    }
    for (;;) {
      // Every instance's audit records, oldest first by the newest-first index.
      const { rowCount } = await timed(
        `DELETE FROM jobdeck.audit_log WHERE id IN (SELECT id FROM jobdeck.audit_log WHERE at < $1 ORDER BY at LIMIT $2)`,
        [now - policy.audit, policy.batch],
      )
      deleted.audit += rowCount ?? 0
      if (!rowCount) break
    }
    await client.query('DELETE FROM jobdeck.retention_deletes WHERE at < $1', [now - DELETES_KEPT_MS])
    if (deleted.jobs > 0) await client.query(`SELECT pg_notify('jobdeck', 'jobs')`)
    return { deleted, longestTxMs }
  }

  /** Output lines older than the cutoff of runs that are not running; the run says its output was cut. */
  private async deleteOldOutput(
    timed: <R extends pg.QueryResultRow>(text: string, values: unknown[]) => Promise<pg.QueryResult<R>>,
    cutoff: number,
    batch: number,
  ): Promise<number> {
    let total = 0
    for (;;) {
      const { rows } = await timed<{ lines: number }>(
        `WITH doomed AS (
          SELECT l.id FROM jobdeck.run_logs l JOIN jobdeck.runs r ON r.id = l.run_id
          WHERE l.at < $1 AND r.status <> 'running' ORDER BY l.id LIMIT $2
        ), gone AS (
          DELETE FROM jobdeck.run_logs l USING doomed WHERE l.id = doomed.id RETURNING l.run_id, octet_length(l.text) + 1 AS bytes
        ), per_run AS (
          SELECT run_id, sum(bytes) AS bytes FROM gone GROUP BY run_id
        ), marked AS (
          UPDATE jobdeck.runs r SET log_bytes = greatest(0, r.log_bytes - per_run.bytes), log_truncated = 1, tx = pg_current_xact_id()
          FROM per_run WHERE r.id = per_run.run_id
        )
        SELECT count(*)::int AS lines FROM gone`,
        [cutoff, batch],
      )
      const lines = rows[0]?.lines ?? 0
      total += lines
      if (lines === 0) return total
    }
  }
}
