// The queue as it stands, read from the local SQLite file: jobs, runs, counts, what changed
// since a sequence number, and the runner lock's holder. Writes are SqliteStore's.
import type { Job, Run } from '../../../../src-shared/domain'
import type { SourceQueue } from '../../../../src-shared/sources'
import { JOB_STATUSES } from '../../../../src-shared/domain'
import { JobdeckError } from '../../../../src-shared/errors'
import type { ClaimedRun, RunnerLockInfo, StatusCounts } from '../store-types'
import type { SqliteDatabase } from './open-database'
import { toJob, toRun, type JobRow, type RunRow } from './rows'
import { prepareStatements, type Statements } from './sqlite-statements'

export class QueueReads {
  protected readonly stmt: Statements

  constructor(readonly db: SqliteDatabase) {
    this.stmt = prepareStatements(db)
  }

  currentSeq(): number {
    return Number((this.stmt.getMeta.get('seq') as { value: string }).value)
  }

  /** Changes when another connection commits; cheap enough to poll many times a second. */
  dataVersion(): number {
    return this.db.pragma('data_version', { simple: true }) as number
  }

  /** A value of the meta table (shared mode keeps its sync state there). */
  metaValue(key: string): string | null {
    return (this.stmt.getMeta.get(key) as { value: string } | undefined)?.value ?? null
  }

  isPaused(): boolean {
    return (this.stmt.getMeta.get('paused') as { value: string } | undefined)?.value === '1'
  }

  /** Starts of Jobdeck's own runs after `since` (epoch ms), oldest first: what lane rates count. */
  startsSince(since: number): Array<{ lane: string; at: number }> {
    return this.stmt.startsSince.all(since) as Array<{ lane: string; at: number }>
  }

  getJob(id: string): Job {
    const row = this.stmt.getJob.get(id) as JobRow | undefined
    if (!row) throw new JobdeckError('not_found', `no job with id ${id}`)
    return toJob(row)
  }

  getRun(id: string): Run {
    const row = this.stmt.getRun.get(id) as RunRow | undefined
    if (!row) throw new JobdeckError('not_found', `no run with id ${id}`)
    return toRun(row)
  }

  findRun(id: string): Run | null {
    const row = this.stmt.getRun.get(id) as RunRow | undefined
    return row ? toRun(row) : null
  }

  runsOfJob(jobId: string): Run[] {
    return (this.stmt.runsOfJob.all(jobId) as RunRow[]).map(toRun)
  }

  /** Waiting jobs in the order the runner would take them (ignoring lane limits). */
  listWaiting(limit: number): Job[] {
    return (this.stmt.waiting.all(limit) as JobRow[]).map(toJob)
  }

  listRunning(): ClaimedRun[] {
    return (this.stmt.runningRuns.all() as RunRow[]).map((row) => ({
      run: toRun(row),
      job: toJob(this.stmt.getJob.get(row.job_id) as JobRow),
    }))
  }

  counts(): StatusCounts {
    const counts = Object.fromEntries(JOB_STATUSES.map((s) => [s, 0])) as StatusCounts
    for (const row of this.stmt.counts.all() as Array<{ status: keyof StatusCounts; n: number }>) {
      counts[row.status] = row.n
    }
    return counts
  }

  /** Is anything queued, retrying or running? (Index lookups only.) */
  hasPendingWork(): boolean {
    return (this.stmt.hasPending.get() as { pending: number }).pending === 1
  }

  /** Rows changed after `seq`, for the event watcher. */
  changesSince(seq: number): { jobs: Job[]; runs: Run[]; seq: number } {
    // One read transaction, so the rows and the sequence they reach belong to the same snapshot.
    return this.db.transaction(() => ({
      jobs: (this.stmt.jobsSince.all(seq) as JobRow[]).map(toJob),
      runs: (this.stmt.runsSince.all(seq) as RunRow[]).map(toRun),
      seq: this.currentSeq(),
    }))()
  }

  /** Running jobs of this runner whose cancel was requested (possibly by another process). */
  cancelRequests(): Array<{ jobId: string; runId: string }> {
    return this.stmt.cancelRequested.all() as Array<{ jobId: string; runId: string }>
  }

  /** When the earliest retrying job becomes eligible. */
  nextRunAfter(): number | null {
    return (this.stmt.nextRunAfter.get() as { at: number | null }).at
  }

  runPidInfo(runId: string): { pid: number | null; pidStart: string | null } {
    const row = this.stmt.getRun.get(runId) as RunRow | undefined
    return { pid: row?.pid ?? null, pidStart: row?.pid_start ?? null }
  }

  lockInfo(): RunnerLockInfo | null {
    const row = this.stmt.getLock.get() as
      | { runner_id: string; pid: number; host: string; started_at: number; heartbeat_at: number }
      | undefined
    return row
      ? { runnerId: row.runner_id, pid: row.pid, host: row.host, startedAt: row.started_at, heartbeatAt: row.heartbeat_at }
      : null
  }

  /** Sources' rows waiting and running now (never Jobdeck's own: those are `listWaiting` / `listRunning`), by index. */
  sourceQueue(source: string | null, limit: number): SourceQueue {
    const bySource = source === null ? '' : 'AND source = @source'
    return this.db.transaction((): SourceQueue => {
      const waiting = this.db.prepare(`SELECT * FROM jobs INDEXED BY jobs_source_unfinished
        WHERE source IS NOT NULL ${bySource} AND status IN ('queued','retrying','running') AND status <> 'running'
        ORDER BY created_at, id LIMIT @limit`).all({ source, limit }) as JobRow[]
      const running = this.db.prepare(`SELECT * FROM runs INDEXED BY runs_source_running
        WHERE status = 'running' AND source IS NOT NULL ${bySource} ORDER BY started_at, id LIMIT @limit`).all({ source, limit }) as RunRow[]
      const counts = this.db.prepare(`SELECT
          (SELECT count(*) FROM jobs INDEXED BY jobs_source_unfinished WHERE source IS NOT NULL ${bySource} AND status IN ('queued','retrying','running') AND status <> 'running') AS waiting,
          (SELECT count(*) FROM runs INDEXED BY runs_source_running WHERE status = 'running' AND source IS NOT NULL ${bySource}) AS running,
          (SELECT count(*) FROM runs INDEXED BY runs_source_running WHERE status = 'running' AND source IS NOT NULL ${bySource} AND stuck_at IS NOT NULL) AS stuck`)
        .get({ source }) as SourceQueue['counts']
      return {
        waiting: waiting.map(toJob),
        running: running.map((row) => ({ run: toRun(row), job: toJob(this.stmt.getJob.get(row.job_id) as JobRow) })),
        counts,
      }
    })()
  }
}
