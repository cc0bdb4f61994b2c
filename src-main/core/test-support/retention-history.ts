// A history written row by row for the retention tests: jobs of given types, statuses and ages,
// their runs and output lines, through the schema's own triggers (counters, search documents),
// as the cache writes mirrored rows.
import type { JobStatus, RunStatus } from '../../../src-shared/domain'
import type { SqliteDatabase } from '../store/sqlite/open-database'

export const DAY = 86_400_000

export interface SeedRun {
  id: string
  status: RunStatus
  startedAt: number
  finishedAt: number | null
  error?: string
  /** Output lines, each written at `at`. */
  lines?: ReadonlyArray<{ at: number; text: string }>
}

export interface SeedJob {
  id: string
  type: string
  status: JobStatus
  finishedAt: number | null
  runs: readonly SeedRun[]
  source?: string
}

export function seedJobs(db: SqliteDatabase, jobs: readonly SeedJob[]): void {
  const insertJob = db.prepare(`INSERT INTO jobs (id, type, params, priority, lane, status, ord, attempts, created_at, queued_at,
    run_after, finished_at, last_run_id, seq, source, source_id) VALUES (?, ?, '{}', 0, 'default', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
  const insertRun = db.prepare(`INSERT INTO runs (id, job_id, type, lane, params, attempt, status, queued_at, started_at, finished_at,
    error, runner_id, log_bytes, seq, source, source_id) VALUES (?, ?, ?, 'default', '{}', ?, ?, ?, ?, ?, ?, 'seed', ?, ?, ?, ?)`)
  const insertLine = db.prepare(`INSERT INTO run_logs (run_id, stream, at, text) VALUES (?, 'stdout', ?, ?)`)
  db.transaction(() => {
    // On from the file's own sequence, so a process following it sees these rows as new.
    let seq = Number(db.prepare(`SELECT value FROM meta WHERE key = 'seq'`).pluck().get())
    for (const job of jobs) {
      const created = job.runs[0]?.startedAt ?? job.finishedAt ?? Date.now()
      const runAfter = job.status === 'retrying' ? Date.now() + 60_000 : null
      insertJob.run(job.id, job.type, job.status, created, job.runs.length, created, created, runAfter, job.finishedAt,
        job.runs.at(-1)?.id ?? null, ++seq, job.source ?? null, job.source ? job.id : null)
      job.runs.forEach((run, i) => {
        const bytes = (run.lines ?? []).reduce((n, line) => n + Buffer.byteLength(line.text) + 1, 0)
        insertRun.run(run.id, job.id, job.type, i + 1, run.status, created, run.startedAt, run.finishedAt, run.error ?? null, bytes, ++seq,
          job.source ?? null, job.source ? run.id : null)
        for (const line of run.lines ?? []) insertLine.run(run.id, line.at, line.text)
      })
    }
    db.prepare(`UPDATE meta SET value = ? WHERE key = 'seq'`).run(String(seq))
  })()
}

/** A finished job with one run of `lines` output lines, finished `ageMs` ago. */
export function finishedJob(id: string, type: string, status: 'succeeded' | 'partial' | 'failed' | 'canceled', ageMs: number, now: number, lines = 2): SeedJob {
  const finishedAt = now - ageMs
  const runStatus: RunStatus = status
  return {
    id,
    type,
    status,
    finishedAt,
    runs: [{
      id: `${id}-r1`,
      status: runStatus,
      startedAt: finishedAt - 1000,
      finishedAt,
      ...(status === 'failed' ? { error: `${id} failed` } : {}),
      lines: Array.from({ length: lines }, (_, i) => ({ at: finishedAt - 1000 + i, text: `${id} line ${i}` })),
    }],
  }
}
