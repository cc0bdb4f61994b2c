// Retention of finished jobs in SQLite: each terminal status by its age, except the newest
// `keepLast` of each type. A job goes with its runs, output, usage and search documents (foreign
// keys cascade; migration 7's run_search_delete drops each run's document, and the per-line
// trigger stays quiet for lines whose run is already gone), and the counters follow through
// their delete triggers (job_counts_delete, type_stats_delete).
//
// Only a job that is finished at the moment of its delete goes: the DELETE itself names the
// terminal status and the cutoff, so a job retried between the scan and the write (queued
// again, finished_at NULL) is not touched. Queued, retrying and running work never matches.
//
// Mirrored rows (jobs.source NOT NULL) follow the same policy. Deleting them here is safe: a
// source's poll reads rows changed after its watermark (less a few seconds of margin) and reads
// again by id only the rows the cache holds unfinished (core/sources/source-poll.ts), so a
// finished row older than the watermark is not mirrored again unless it changes in its table.
import { TERMINAL_JOB_STATUSES, type TerminalJobStatus } from '../../../src-shared/domain'
import type { SqliteDatabase } from '../store/sqlite/open-database'
import type { BatchClock } from './batch-clock'

export type JobCutoffs = Readonly<Record<TerminalJobStatus, number>>

export interface JobCounts {
  jobs: number
  runs: number
}

function statements(db: SqliteDatabase) {
  return {
    types: db.prepare(`SELECT type FROM type_stats`).pluck(),
    // Newest runs first: their jobs, finished or not (an unfinished one is skipped by the caller).
    newestRuns: db.prepare(`SELECT r.job_id AS jobId, j.status FROM runs r INDEXED BY runs_type_started JOIN jobs j ON j.id = r.job_id
      WHERE r.type = ? ORDER BY r.started_at DESC, r.id DESC`),
    oldest: db.prepare(`SELECT id, finished_at AS finishedAt FROM jobs INDEXED BY jobs_status_finished
      WHERE status = ? AND finished_at IS NOT NULL AND finished_at < ? AND (finished_at, id) > (?, ?)
      ORDER BY finished_at, id LIMIT ?`),
    runsOf: db.prepare(`SELECT count(*) FROM runs WHERE job_id = ?`).pluck(),
    deleteJob: db.prepare(`DELETE FROM jobs WHERE id = ? AND status = ? AND finished_at IS NOT NULL AND finished_at < ?`),
  }
}

export class JobRetention {
  private readonly stmt: ReturnType<typeof statements>

  constructor(db: SqliteDatabase) {
    this.stmt = statements(db)
  }

  /**
   * The newest `keepLast` finished jobs of each type, by their latest run's start (the order
   * History shows them in): one short index walk per type. A job canceled before it ever ran has
   * no run, is not among them and goes by its age.
   */
  kept(keepLast: number): Set<string> {
    const kept = new Set<string>()
    if (keepLast === 0) return kept
    for (const type of this.stmt.types.all() as string[]) {
      const seen = new Set<string>()
      let found = 0
      for (const row of this.stmt.newestRuns.iterate(type) as Iterable<{ jobId: string; status: string }>) {
        if (seen.has(row.jobId)) continue
        seen.add(row.jobId)
        if (!(TERMINAL_JOB_STATUSES as readonly string[]).includes(row.status)) continue
        kept.add(row.jobId)
        if (++found >= keepLast) break
      }
    }
    return kept
  }

  /** Finished jobs past their status's cutoff (with their runs), counted up to `cap` jobs in all (a preview). */
  count(cutoffs: JobCutoffs, kept: ReadonlySet<string>, cap: number): JobCounts & { capped: boolean } {
    const counts = { jobs: 0, runs: 0, capped: false }
    for (const status of TERMINAL_JOB_STATUSES) {
      let after: [number, string] = [-Infinity, '']
      for (;;) {
        const rows = this.stmt.oldest.all(status, cutoffs[status], after[0], after[1], 1000) as Array<{ id: string; finishedAt: number }>
        for (const row of rows) {
          if (kept.has(row.id)) continue
          if (counts.jobs === cap) return { ...counts, capped: true }
          counts.jobs += 1
          counts.runs += this.stmt.runsOf.get(row.id) as number
        }
        const last = rows.at(-1)
        if (!last || rows.length < 1000) break
        after = [last.finishedAt, last.id]
      }
    }
    return counts
  }

  /** Deletes them, a batch per write transaction. */
  async delete(cutoffs: JobCutoffs, kept: ReadonlySet<string>, clock: BatchClock): Promise<JobCounts> {
    const counts: JobCounts = { jobs: 0, runs: 0 }
    for (const status of TERMINAL_JOB_STATUSES) {
      let after: [number, string] = [-Infinity, '']
      for (;;) {
        const rows = this.stmt.oldest.all(status, cutoffs[status], after[0], after[1], clock.batch) as Array<{ id: string; finishedAt: number }>
        const last = rows.at(-1)
        if (!last) break
        after = [last.finishedAt, last.id]
        const doomed = rows.filter((row) => !kept.has(row.id))
        if (doomed.length === 0) continue
        const done = await clock.write(() => {
          const n = { jobs: 0, runs: 0 }
          for (const row of doomed) {
            const runs = this.stmt.runsOf.get(row.id) as number
            if (this.stmt.deleteJob.run(row.id, status, cutoffs[status]).changes === 0) continue
            n.jobs += 1
            n.runs += runs
          }
          return n
        })
        counts.jobs += done.jobs
        counts.runs += done.runs
      }
    }
    return counts
  }
}
