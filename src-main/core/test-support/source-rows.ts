// Rows as the source mirror writes them (a job per source row, one run once started), and
// Jobdeck's own runs beside them, put straight into a test's SQLite file: the reads (History,
// counts, search, CSV, Timeline, overlaps) are tested on them without a PostgreSQL source.
import type { RunStatus } from '../../../src-shared/domain'
import type { StartKind } from '../../../src-shared/sources'
import type { SqliteDatabase } from '../store/sqlite/open-database'

export interface TestRun {
  id: string
  /** Null for Jobdeck's own run. */
  source: string | null
  /** Without the source's `source/` prefix; it is added for a source run. */
  type: string
  lane: string
  status: RunStatus
  startedAt: number
  finishedAt: number | null
  startKind?: StartKind
  stuckAt?: number | null
  error?: string | null
}

/** Inserts each run with its job; a source run's job is `<source>:<n>` with source id `<n>`. */
export function insertRuns(db: SqliteDatabase, runs: readonly TestRun[]): void {
  const job = db.prepare(`INSERT INTO jobs (id, type, params, priority, lane, status, ord, attempts, created_at, queued_at, finished_at, last_run_id, error, seq, source, source_id)
    VALUES (@jobId, @type, '{}', 0, @lane, @jobStatus, @ord, 1, @startedAt, @startedAt, @finishedAt, @id, @error, 1, @source, @sourceId)`)
  const run = db.prepare(`INSERT INTO runs (id, job_id, type, lane, params, attempt, status, queued_at, started_at, finished_at, error, runner_id, seq, source, source_id, start_kind, stuck_at)
    VALUES (@id, @jobId, @type, @lane, '{}', 1, @status, @startedAt, @startedAt, @finishedAt, @error, @runnerId, 1, @source, @sourceId, @startKind, @stuckAt)`)
  db.transaction(() => {
    runs.forEach((r, i) => {
      const sourceId = r.source === null ? null : r.id
      const values = {
        id: r.source === null ? r.id : `${r.source}:${r.id}/run`,
        jobId: r.source === null ? `job-${r.id}` : `${r.source}:${r.id}`,
        type: r.source === null ? r.type : `${r.source}/${r.type}`,
        lane: r.lane,
        status: r.status,
        jobStatus: r.status === 'interrupted' ? 'failed' : r.status,
        ord: i,
        startedAt: r.startedAt,
        finishedAt: r.finishedAt,
        error: r.error ?? null,
        runnerId: r.source === null ? 'test-runner' : `source:${r.source}`,
        source: r.source,
        sourceId,
        startKind: r.startKind ?? 'recorded',
        stuckAt: r.stuckAt ?? null,
      }
      job.run(values)
      run.run(values)
    })
  })()
}

/** The run id `insertRuns` gives a test run. */
export const runIdOf = (r: Pick<TestRun, 'id' | 'source'>): string => (r.source === null ? r.id : `${r.source}:${r.id}/run`)

/**
 * A config with a `legacy` source (background_jobs) whose database is never reached, and one job
 * type of Jobdeck's own, `sync`: the source's rows are put into the cache with `insertRuns`.
 */
export const CONFIG_WITH_SOURCE = `
connections:
  app: { url: "postgres://readonly@127.0.0.1:9/app" }
sources:
  legacy: { connection: app, preset: background_jobs }
jobs:
  sync:
    command: [node, -e, "console.log('synced 12 dealers')"]
`
