// A finished run as both stores apply it: the run's columns and the job's next state, as plain
// named values (SQLite binds them by name; PostgreSQL's finish_and_claim reads them from JSON).
import { statusAfter } from '../model/transitions'
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
