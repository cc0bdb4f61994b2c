// A finished run as both stores apply it: the run's columns and the job's next state, as plain
// named values (SQLite binds them by name; PostgreSQL's finish_and_claim reads them from JSON).
import { statusAfter } from '../model/transitions'
import type { JobRow, RunRow } from './sqlite/rows'
import type { RunCompletion } from './store-types'

export interface ResultRecord {
  runId: string
  runnerId: string
  status: RunCompletion['outcome']
  now: number
  exitCode: number | null
  signal: string | null
  error: string | null
  percent: number | null
  current: number | null
  total: number | null
  message: string | null
  itemsOk: number | null
  itemsFailed: number | null
  peakRss: number | null
  cpuSeconds: number | null
  processesStopped: number
  /** When the work really started, if the runner knows it better than the claim. */
  startedAt: number | null
  jobStatus: ReturnType<typeof statusAfter>
  failures: number
  /** A retry: when the job may run again. */
  runAfter: number | null
  /** A terminal state: when the job ended. */
  finishedAt: number | null
  jobError: string | null
}

export function resultRecord(c: RunCompletion): ResultRecord {
  const t = c.transition
  return {
    runId: c.runId,
    runnerId: c.runnerId,
    status: c.outcome,
    now: c.now,
    exitCode: c.exitCode,
    signal: c.signal,
    error: c.error,
    percent: c.outcome === 'succeeded' ? 100 : c.progress.percent,
    current: c.progress.current,
    total: c.progress.total,
    message: c.progress.message,
    itemsOk: c.itemsOk,
    itemsFailed: c.itemsFailed,
    peakRss: c.peakRssBytes ?? null,
    cpuSeconds: c.cpuSeconds ?? null,
    processesStopped: c.processesStopped ?? 0,
    startedAt: c.startedAt ?? null,
    jobStatus: statusAfter(t),
    failures: t.failures,
    runAfter: t.kind === 'retry' ? t.runAfter : null,
    finishedAt: t.kind === 'terminal' ? t.finishedAt : null,
    jobError: t.error,
  }
}

/**
 * A claimed job and run as they read once the result is applied: what SqliteStore.finishInTx
 * (finishRun + jobAfterRun) makes of them, computed without writing them twice. Shared mode's
 * cache writes a run that was claimed and finished within one batch once, in its final state
 * (result-record.test.ts holds it equal to the two statements).
 */
export function rowsAfterResult(job: JobRow, run: RunRow, r: ResultRecord): { job: JobRow; run: RunRow } {
  return {
    run: {
      ...run,
      status: r.status,
      finished_at: r.now,
      exit_code: r.exitCode,
      signal: r.signal,
      error: r.error,
      progress_percent: r.percent,
      progress_current: r.current,
      progress_total: r.total,
      progress_message: r.message,
      items_ok: r.itemsOk,
      items_failed: r.itemsFailed,
      peak_rss_bytes: r.peakRss,
      cpu_seconds: r.cpuSeconds,
      processes_stopped: r.processesStopped,
      started_at: r.startedAt ?? run.started_at,
    },
    job: {
      ...job,
      status: r.jobStatus,
      failures: r.failures,
      run_after: r.runAfter,
      queued_at: r.runAfter ?? job.queued_at,
      finished_at: r.finishedAt ?? job.finished_at,
      error: r.jobError,
      cancel_requested: 0,
    },
  }
}
