// The seam between the one Runner and a database: data in, data out. The runner keeps slots,
// lanes, the gate, executors, progress and output; an engine keeps where the queue lives (the
// local SQLite file, or the shared PostgreSQL queue with its leases, rescue and outbox). A result
// or a claim may come back at once (SQLite) or later (PostgreSQL): see `Maybe`.
import type { LogAppend, RunCompletion, RunnerLockInfo, ClaimedWork, InterruptedRun } from '../store/store-types'
import type { Progress } from '../../../src-shared/domain'
import type { ScheduleStore } from '../store/schedule-store'

/** A value now, or once a round trip returns. The runner handles both without deferring the first. */
export type Maybe<T> = T | Promise<T>

/** Who this runner is: built once, the id never parsed back (see runner-id.ts). */
export interface RunnerIdentity {
  runnerId: string
  host: string
  pid: number
  startedAt: number
}

export interface ClaimRequest {
  now: number
  runnerId: string
  /** This runner's free slots (its concurrency less its runs and the claims in flight). */
  max: number
  /** The runner's global limit. */
  concurrency: number
  /** Types known to the config and let through by the gate. */
  allowedTypes: readonly string[]
  /** Types known to the config that the gate holds now: only a job asked to "Start now" passes. */
  gatedTypes: readonly string[]
  /**
   * Lane rates as this runner counts them: how many more starts a lane may make now. The local
   * engine bounds its claim by it; the shared one counts every runner's starts in PostgreSQL.
   */
  startsLeft?(lane: string): number
}

export interface FinishOutcome {
  claimed: ClaimedWork[]
  /**
   * null: the claims may start at once. Otherwise the claims are durable once it resolves: a
   * type that must not run twice (onInterrupt: fail) waits for it.
   */
  claimsDurable: Promise<void> | null
  /** Resolves once the results survive power loss and were announced. */
  announced: Promise<void>
}

/** What an engine may ask of its runner. */
export interface RunnerHooks {
  /** The runs this runner is running now. */
  activeRunIds(): string[]
  /**
   * A run whose result this runner may no longer report: another runner rescued it (stop it), or
   * its lease is about to lapse unrenewed (`killNow`: its processes die at once).
   */
  lose(runId: string, killNow: boolean): void
  /** Control state may have changed (pause, cancel requests): read it again. */
  refresh(): void
  /** Work may be waiting: claim. */
  tick(): void
}

export interface ControlState {
  paused: boolean
  /** Runs of this runner whose cancel the operator asked for. */
  cancel: readonly string[]
}

export interface QueueEngine {
  /** 'each': results are finished as they come; 'turn': those of one event-loop turn together. */
  readonly batching: 'each' | 'turn'
  /**
   * The claim's time is the run's start (local: the work starts right after the claim commits),
   * so a start is recorded only for its process, and a result carries no start time.
   */
  readonly startsAtClaim: boolean
  /**
   * Where schedules' fires and pauses live with this queue: a fire and its job commit together,
   * keyed by (schedule, scheduled time), so the one scheduler (runner/scheduler.ts) fires each once.
   */
  readonly schedules: ScheduleStore

  /** The data dir's runner lock (one runner per data dir, in both modes). */
  acquireLock(me: RunnerLockInfo, isHeld: (holder: RunnerLockInfo) => boolean): { ok: true } | { ok: false; holder: RunnerLockInfo }
  heartbeatLock(runnerId: string, now: number): boolean
  releaseLock(runnerId: string): void

  /** Starts the engine's own timers and recovers what a dead predecessor left; returns the runs it interrupted. */
  start(me: RunnerIdentity, hooks: RunnerHooks): InterruptedRun[]
  /** The paused flag as known locally, before the first control read. */
  pausedNow(): boolean
  claim(request: ClaimRequest): Maybe<ClaimedWork[]>
  /** Records results (fenced: only runs still this runner's) and claims into the slots they free. */
  finishAndClaim(results: readonly RunCompletion[], next: ClaimRequest | null): Maybe<FinishOutcome>
  /** Pause and cancel requests; null when they cannot be read now (offline). */
  control(activeRunIds: readonly string[]): Maybe<ControlState | null>
  /** The work started: when, and its process (null for sql/http). */
  recordStart(runId: string, startedAt: number, pid: number | null, pidStart: string | null): void
  saveProgress(runId: string, progress: Progress, itemsOk: number | null, itemsFailed: number | null): void
  appendLogs(lines: readonly LogAppend[], limitFor: (runId: string) => number): void
  /** Runs started after `since` (epoch ms), as recorded where this runner can read at once: lane rates' windows after a restart. */
  startsSince(since: number): Array<{ lane: string; at: number }>
  /** When the earliest waiting retry becomes eligible, if the engine wants a timer for it. */
  nextRunAfter(): number | null
  /** Anything queued, retrying or running (unknown counts as yes). */
  hasPendingWork(): Maybe<boolean>
  /** Why a claimed run of a type missing from the config cannot run. */
  missingType(type: string): string
  /** Stops the engine's timers (the runner is stopping). */
  halt(): void
  /** After every run ended: hands what is left back to the queue. */
  handBack(): Promise<void>
}
