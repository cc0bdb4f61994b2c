// What the runner and the services need from storage, independent of the database behind it.
import type { Job, JobStatus, LogLine, LogStream, Priority, Progress, Run, RunStatus } from '../../../src-shared/domain'
import type { JobTransition, RunOutcome } from '../model/transitions'
import type { StoredParams } from '../secrets/param-cipher'

export type { JobTransition, RunOutcome }

export interface NewJob {
  id: string
  type: string
  /** As stored: secret params already sealed by the enqueuer. */
  params: StoredParams
  priority: Priority
  lane: string
  /** The schedule that fired it (absent or null: enqueued by hand). */
  schedule?: string | null
}

export interface ClaimInput {
  now: number
  runnerId: string
  /** Global limit of concurrent runs of this runner. */
  concurrency: number
  laneLimit(lane: string): number
  /** Types that may start now: known to the config and not held back by the resource gate. */
  allowedTypes: readonly string[]
  /** Lanes that may not start now, beyond those at their limit. */
  blockedLanes?: readonly string[]
  /**
   * Types the resource gate holds now: a job of one of them is claimed only when "Start now"
   * was asked for it (its run records that it passed the gate).
   */
  gatedTypes?: readonly string[]
  /** Lane rates: how many more starts a lane may make now (absent: no lane has a rate). */
  startsLeft?(lane: string): number
}

export interface ClaimedRun {
  job: Job
  run: Run
}

/** A claim as the runner starts it: with the params as stored (secret ones sealed), for the executor alone. */
export interface ClaimedWork extends ClaimedRun {
  storedParams: StoredParams
}

export interface RunCompletion {
  runId: string
  runnerId: string
  now: number
  outcome: RunOutcome
  exitCode: number | null
  signal: string | null
  error: string | null
  progress: Progress
  itemsOk: number | null
  itemsFailed: number | null
  peakRssBytes?: number | null
  cpuSeconds?: number | null
  /** Processes Jobdeck stopped as the run ended (see Run.processesStopped). */
  processesStopped?: number
  /** Shared mode: when the work really started (the claim's time is when it was asked for). */
  startedAt?: number | null
  /** The job's next state, decided by the runner (model/transitions.ts); a store only applies it. */
  transition: JobTransition
}

export interface InterruptPolicy {
  onInterrupt(type: string): 'requeue' | 'fail'
  interruptLimit: number
}

export interface InterruptedRun {
  run: Run
  job: Job
}

export interface RunFilter {
  type?: string
  /** Runs mirrored from this source; `-` for Jobdeck's own runs only. */
  source?: string
  status?: RunStatus
  jobId?: string
  /** Epoch ms, inclusive. */
  since?: number
  until?: number
  limit: number
  /** Keyset cursor: runs strictly older than this (started_at, id). */
  before?: { startedAt: number; id: string }
  /** Words to find in the run's error or output (full-text, prefix match, all words). */
  search?: string
}

export interface TimelineQuery {
  since: number
  until: number
  groupBy: 'type' | 'lane'
  /** Runs shorter than this are counted per bucket instead of listed. */
  bucketMs: number
  maxItems: number
  now: number
  /** A source's runs only, `-` for Jobdeck's own only; absent for all. */
  source?: string
}

export interface LogAppend {
  runId: string
  stream: LogStream
  at: number
  text: string
}

export interface RunnerLockInfo {
  runnerId: string
  pid: number
  host: string
  startedAt: number
  heartbeatAt: number
}

export type StatusCounts = Record<JobStatus, number>

export type { LogLine }
