// Database rows ↔ domain objects. Rows are validated lightly: a row written by another version
// with an unknown status is reported, not silently mapped.
import type { Job, JobStatus, LogLine, LogStream, Params, Priority, Run, RunStatus } from '../../../../src-shared/domain'
import { JOB_STATUSES, PRIORITIES, RUN_STATUSES } from '../../../../src-shared/domain'
import { JobdeckError } from '../../../../src-shared/errors'
import { SECRET_MASK } from '../../../../src-shared/secret-params'
import type { StoredParams } from '../../secrets/param-cipher'

export interface JobRow {
  id: string
  type: string
  params: string
  priority: number
  lane: string
  status: string
  ord: number
  attempts: number
  failures: number
  interruptions: number
  created_at: number
  queued_at: number
  run_after: number | null
  finished_at: number | null
  last_run_id: string | null
  cancel_requested: number
  error: string | null
  seq: number
  /** Absent in rows of a shared database before its version 7. */
  schedule?: string | null
  /** Mirrored rows (SQLite version 10); absent in rows read from the shared database. */
  source?: string | null
  source_id?: string | null
  /** 1: "Start now" was asked (SQLite version 12, PostgreSQL version 10). */
  start_now?: number
}

export interface RunRow {
  id: string
  job_id: string
  type: string
  lane: string
  params: string
  attempt: number
  status: string
  queued_at: number
  started_at: number
  finished_at: number | null
  exit_code: number | null
  signal: string | null
  error: string | null
  progress_percent: number | null
  progress_current: number | null
  progress_total: number | null
  progress_message: string | null
  items_ok: number | null
  items_failed: number | null
  runner_id: string
  pid: number | null
  pid_start: string | null
  log_bytes: number
  log_truncated: number
  seq: number
  peak_rss_bytes: number | null
  cpu_seconds: number | null
  processes_stopped: number
  /** Mirrored rows (SQLite version 10); absent in rows read from the shared database. */
  source?: string | null
  source_id?: string | null
  start_kind?: string
  stuck_at?: number | null
  /** 1: started past the resource gate by "Start now" (SQLite version 12, PostgreSQL version 10). */
  gate_bypassed?: number
}

export interface LogRow {
  id: number
  run_id: string
  stream: string
  at: number
  text: string
}

export const iso = (ms: number): string => new Date(ms).toISOString()
export const isoOrNull = (ms: number | null): string | null => (ms === null ? null : iso(ms))

export function priorityName(rank: number): Priority {
  return PRIORITIES[rank] ?? 'normal'
}

function checkedStatus<T extends string>(value: string, allowed: readonly T[], what: string, id: string): T {
  if ((allowed as readonly string[]).includes(value)) return value as T
  throw new JobdeckError('internal', `${what} ${id} has status "${value}", which this version does not know`)
}

/** Params as stored: a `secret: true` param's value is sealed (param-cipher.ts). Only for the runner. */
export function parseStoredParams(text: string, id: string): StoredParams {
  try {
    const value: unknown = JSON.parse(text)
    if (value && typeof value === 'object' && !Array.isArray(value)) return value as StoredParams
  } catch {
    // reported below
  }
  throw new JobdeckError('internal', `job ${id} has unreadable params in the database`)
}

/**
 * Params as every reader sees them: a sealed value (or anything else that is not a plain value)
 * reads as the mask. Every job and run leaves the store through here, so no answer, event,
 * export or view can carry a secret, not even as ciphertext.
 */
function parseParams(text: string, id: string): Params {
  const params: Params = {}
  for (const [name, value] of Object.entries(parseStoredParams(text, id))) {
    params[name] = typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' ? value : SECRET_MASK
  }
  return params
}

export function toJob(row: JobRow): Job {
  return {
    id: row.id,
    type: row.type,
    params: parseParams(row.params, row.id),
    priority: priorityName(row.priority),
    lane: row.lane,
    status: checkedStatus<JobStatus>(row.status, JOB_STATUSES, 'job', row.id),
    attempts: row.attempts,
    failures: row.failures,
    interruptions: row.interruptions,
    createdAt: iso(row.created_at),
    runAfter: isoOrNull(row.run_after),
    finishedAt: isoOrNull(row.finished_at),
    lastRunId: row.last_run_id,
    cancelRequested: row.cancel_requested === 1,
    error: row.error,
    schedule: row.schedule ?? null,
    source: row.source ?? null,
    sourceId: row.source_id ?? null,
    ...(row.start_now === 1 ? { startNow: true as const } : {}),
  }
}

export function toRun(row: RunRow): Run {
  return {
    id: row.id,
    jobId: row.job_id,
    type: row.type,
    status: checkedStatus<RunStatus>(row.status, RUN_STATUSES, 'run', row.id),
    attempt: row.attempt,
    lane: row.lane,
    params: parseParams(row.params, row.job_id),
    queuedAt: iso(row.queued_at),
    startedAt: iso(row.started_at),
    finishedAt: isoOrNull(row.finished_at),
    exitCode: row.exit_code,
    signal: row.signal,
    error: row.error,
    progress: {
      percent: row.progress_percent,
      current: row.progress_current,
      total: row.progress_total,
      message: row.progress_message,
    },
    itemsOk: row.items_ok,
    itemsFailed: row.items_failed,
    runnerId: row.runner_id,
    pid: row.pid,
    logBytes: row.log_bytes,
    logTruncated: row.log_truncated === 1,
    peakRssBytes: row.peak_rss_bytes,
    cpuSeconds: row.cpu_seconds,
    processesStopped: row.processes_stopped ?? 0,
    source: row.source ?? null,
    sourceId: row.source_id ?? null,
    startKind: row.start_kind === 'observed' || row.start_kind === 'unknown' ? row.start_kind : 'recorded',
    stuckAt: isoOrNull(row.stuck_at ?? null),
    ...(row.gate_bypassed === 1 ? { gateBypassed: true as const } : {}),
  }
}

export function toLogLine(row: LogRow): LogLine {
  return { runId: row.run_id, stream: row.stream as LogStream, at: iso(row.at), text: row.text }
}
