// The words of DESIGN.md as types. No node, electron or DOM here: every side imports this.
import type { BreakerState, DatabaseState } from './connection'
import type { WaitReason } from './wait-reason'
import type { StartKind } from './sources'

export const PRIORITIES = ['normal', 'high', 'urgent'] as const
export type Priority = (typeof PRIORITIES)[number]

/** Higher runs first. */
export const PRIORITY_RANK: Record<Priority, number> = { normal: 0, high: 1, urgent: 2 }

export const JOB_STATUSES = [
  'queued',
  'running',
  'retrying',
  'succeeded',
  'partial',
  'failed',
  'canceled',
] as const
export type JobStatus = (typeof JOB_STATUSES)[number]

export const TERMINAL_JOB_STATUSES = ['succeeded', 'partial', 'failed', 'canceled'] as const
export type TerminalJobStatus = (typeof TERMINAL_JOB_STATUSES)[number]

export function isTerminalJobStatus(status: JobStatus): status is TerminalJobStatus {
  return (TERMINAL_JOB_STATUSES as readonly string[]).includes(status)
}

export const RUN_STATUSES = [
  'running',
  'succeeded',
  'partial',
  'failed',
  'canceled',
  'interrupted',
] as const
export type RunStatus = (typeof RUN_STATUSES)[number]

export const PARAM_TYPES = [
  'string',
  'integer',
  'number',
  'boolean',
  'enum',
  'date',
  'datetime',
] as const
export type ParamType = (typeof PARAM_TYPES)[number]

export type ParamValue = string | number | boolean
export type Params = Record<string, ParamValue>

export interface Progress {
  /** 0..100 when known. */
  percent: number | null
  current: number | null
  total: number | null
  message: string | null
}

export interface Job {
  id: string
  type: string
  params: Params
  priority: Priority
  lane: string
  status: JobStatus
  /** Number of runs made so far. */
  attempts: number
  /** Failed runs counted against the retry budget (`retries.max`); a manual retry resets it. */
  failures: number
  interruptions: number
  createdAt: string
  /**
   * When the job may next start (retry backoff); null when it may start now. A job canceled
   * while it waited keeps it, so an undo puts it back as it was.
   */
  runAfter: string | null
  finishedAt: string | null
  lastRunId: string | null
  cancelRequested: boolean
  error: string | null
  /** The schedule that fired it; null for a job enqueued by hand. */
  schedule: string | null
  /** Mirrored from another system's job table (`sources:` name); null for Jobdeck's own jobs. */
  source: string | null
  /** The row's id in its own table (shown in views, used by actions); null for Jobdeck's own. */
  sourceId: string | null
  /** "Start now" was asked (jobs.startNow): its next start passes the resource gate once. */
  startNow?: true
}

export interface Run {
  id: string
  jobId: string
  type: string
  status: RunStatus
  attempt: number
  lane: string
  params: Params
  /** When the job became eligible for this attempt (enqueue, or end of backoff). */
  queuedAt: string
  startedAt: string
  finishedAt: string | null
  exitCode: number | null
  signal: string | null
  error: string | null
  progress: Progress
  itemsOk: number | null
  itemsFailed: number | null
  runnerId: string
  pid: number | null
  logBytes: number
  logTruncated: boolean
  /** Highest resident memory of the run's whole process tree, sampled. */
  peakRssBytes: number | null
  /** CPU time of the run's whole process tree (children included). */
  cpuSeconds: number | null
  /**
   * Processes Jobdeck stopped when the run ended: at cancel or timeout, or left running after
   * its main process exited (even in sessions of their own). 0 when nothing was left.
   */
  processesStopped: number
  /** Mirrored from another system's job table; null for Jobdeck's own runs. */
  source: string | null
  sourceId: string | null
  /** How its start is known (`observed`: when Jobdeck first saw it running; `unknown`: first seen finished). */
  startKind: StartKind
  /** A source row running past its `stuckAfter`; ISO-8601 of when it was flagged, else null. */
  stuckAt: string | null
  /** Started by "Start now", past the resource gate (absent otherwise). */
  gateBypassed?: true
}

export type LogStream = 'stdout' | 'stderr' | 'system'

export interface LogLine {
  runId: string
  stream: LogStream
  at: string
  text: string
}

export type RunnerState = 'running' | 'idle' | 'paused' | 'stopped'

export interface WaitingJob extends Job {
  /** Why this job is not running right now, as data each surface words (see wait-reason.ts). */
  waitReason: WaitReason
  /** What a job like this usually takes, for the estimate of when it starts. */
  expected: DurationHint | null
}

/** How long runs like this one usually take, from recent finished runs (for ETAs). */
export interface DurationHint {
  /** Median duration (ms) of the recent successful runs it is based on. */
  p50Ms: number
  samples: number
  /** `params`: runs of the same type with the same params; `type`: any runs of the type. */
  basis: 'params' | 'type'
}

export interface RunningEntry {
  job: Job
  run: Run
  expected: DurationHint | null
}

export interface RunnerStatus {
  /** `stopped` when no runner process holds the data dir. */
  state: RunnerState
  paused: boolean
  /** This process's runner takes no new jobs (runner.drain), e.g. while the app waits to quit. */
  draining: boolean
  runnerId: string | null
  runnerPid: number | null
  running: RunningEntry[]
  queued: WaitingJob[]
  /**
   * The limits the runner applies: `concurrency` is the effective one (adaptive concurrency may
   * hold it under `maxConcurrency`, saying why in `concurrencyReason`), and the limit and start
   * rate of each lane shown here.
   */
  limits: {
    concurrency: number
    maxConcurrency: number
    minConcurrency: number
    adaptive: boolean
    /** "CPU 85% over 80%" while held under the maximum; else null. */
    concurrencyReason: string | null
    lanes: Record<string, number>
    /** Lanes with a start rate: the rate as written (`10/m`). */
    rates: Record<string, string>
  }
  counts: Record<JobStatus, number>
  /** The host as last sampled by the runner's monitor; null before the first sample. */
  health: HostHealthSummary | null
  /** Circuit breakers of `http` jobs, per host (only hosts seen by this runner). */
  breakers: BreakerState[]
  /** Local or shared mode, and the database connection. */
  connection: DatabaseState
  /** Shared mode: the runners sharing the queue, with their last heartbeat. */
  runners: Array<{ id: string; host: string; pid: number; heartbeatAt: string; running: number }>
}

export interface HostHealthSummary {
  level: 'healthy' | 'warning' | 'critical'
  reasons: string[]
  /** When the sample was taken (ISO-8601). */
  sampledAt: string
  cpu: number
  memory: { usedPercent: number; availableBytes: number; totalBytes: number }
  disk: Array<{ path: string; usedPercent: number; freeBytes: number }>
}

export interface TypeStats {
  type: string
  runs: number
  succeeded: number
  partial: number
  failed: number
  canceled: number
  interrupted: number
  /** succeeded / (succeeded + partial + failed); null before the first such run. */
  successRate: number | null
  avgDurationMs: number | null
  /** Over the most recent 100 finished runs. */
  p95DurationMs: number | null
  lastRunId: string | null
  lastStatus: RunStatus | null
  lastFinishedAt: string | null
  /** Durations (ms) of the most recent finished runs, oldest first, for a sparkline. */
  trend: number[]
}

/** One run on the timeline; times are epoch ms to keep large ranges light. */
export interface TimelineItem {
  id: string
  jobId: string
  type: string
  lane: string
  status: RunStatus
  attempt: number
  queuedAt: number
  startedAt: number
  finishedAt: number | null
  /** Source runs only: how the start is known when not recorded, and whether it is stuck. */
  startKind?: StartKind
  stuck?: true
}

/** Runs shorter than a bucket, counted together: what a pixel of the chart holds. */
/**
 * The runs of one row counted per bucket rather than listed: flat numbers, BUCKET_STRIDE per
 * bucket (a day of 200k runs holds ~23k buckets; as one object each they were 2.5 MB of JSON).
 */
export interface TimelineBuckets {
  row: string
  /** Width of every bucket, ms: bucket `i` spans [i × bucketMs, (i + 1) × bucketMs). */
  bucketMs: number
  /** Per bucket: its index, then its runs of each status in RUN_STATUSES order. */
  counts: number[]
}

export const BUCKET_STRIDE = 1 + RUN_STATUSES.length

/** One row's buckets as objects, for what is not on the drawing path (tests, a tooltip). */
export function bucketList(b: TimelineBuckets): Array<{ start: number; end: number; count: number; byStatus: Partial<Record<RunStatus, number>> }> {
  const out = []
  for (let at = 0; at + BUCKET_STRIDE <= b.counts.length; at += BUCKET_STRIDE) {
    const index = b.counts[at] as number
    const byStatus: Partial<Record<RunStatus, number>> = {}
    let count = 0
    RUN_STATUSES.forEach((status, s) => {
      const n = b.counts[at + 1 + s] as number
      if (n > 0) byStatus[status] = n
      count += n
    })
    out.push({ start: index * b.bucketMs, end: (index + 1) * b.bucketMs, count, byStatus })
  }
  return out
}

/** Runs counted in `buckets` in all. */
export function bucketedRuns(buckets: readonly TimelineBuckets[]): number {
  let n = 0
  for (const { counts } of buckets) for (let i = 0; i < counts.length; i++) if (i % BUCKET_STRIDE !== 0) n += counts[i] as number
  return n
}

export interface TimelinePage {
  since: number
  until: number
  groupBy: 'type' | 'lane'
  rows: string[]
  items: TimelineItem[]
  buckets: TimelineBuckets[]
  /** Runs in range in all (individual plus bucketed). */
  total: number
}

/** Where the runs are, for opening the timeline on a range that fits them (epoch ms). */
export interface TimelineExtent {
  /** The earliest start at or after the asked `since`; null when nothing started since then. */
  first: number | null
  /** The latest start of any run; null when there are no runs at all. */
  last: number | null
}
