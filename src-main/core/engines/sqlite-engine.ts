// The local queue engine: the queue in this data dir's SQLite file, one runner at a time (the
// lock). Everything is synchronous: a claim is committed before anything starts, and a result is
// recorded with the claim of the slots it frees in one commit. Other processes' commits (an
// enqueue, a cancel, a pause) are found by polling SQLite's data_version.
import type { LoadedConfig } from '../config/load-config'
import { laneLimit } from '../config/job-command'
import { isAlive, killTree, processStartTime } from '../process/process-tree'
import { killRunProcesses } from '../process/run-processes'
import type { SqliteStore } from '../store/sqlite/sqlite-store'
import type { ScheduleStore } from '../store/schedule-store'
import type { ClaimInput, ClaimedWork, InterruptedRun, LogAppend, RunCompletion, RunnerLockInfo } from '../store/store-types'
import type { Progress } from '../../../src-shared/domain'
import type { ClaimRequest, ControlState, FinishOutcome, QueueEngine, RunnerHooks, RunnerIdentity } from './queue-engine'

export interface SqliteEngineOptions {
  store: SqliteStore
  /** Fires and pauses in the same file (store/sqlite/schedule-fires.ts). */
  schedules: ScheduleStore
  config: () => LoadedConfig
  publishChanges: () => void
  now: () => number
  /** How often to look for commits by other processes (enqueues, cancels, pause). */
  pollMs?: number
}

export class SqliteEngine implements QueueEngine {
  readonly batching = 'each'
  readonly startsAtClaim = true
  readonly schedules: ScheduleStore
  private readonly store: SqliteStore
  private pollTimer: NodeJS.Timeout | null = null
  private dataVersion = -1

  constructor(private readonly opts: SqliteEngineOptions) {
    this.store = opts.store
    this.schedules = opts.schedules
  }

  acquireLock(me: RunnerLockInfo, isHeld: (holder: RunnerLockInfo) => boolean): { ok: true } | { ok: false; holder: RunnerLockInfo } {
    return this.store.acquireLock(me, isHeld)
  }

  heartbeatLock(runnerId: string, now: number): boolean {
    return this.store.heartbeat(runnerId, now)
  }

  releaseLock(runnerId: string): void {
    this.store.releaseLock(runnerId)
  }

  start(_me: RunnerIdentity, hooks: RunnerHooks): InterruptedRun[] {
    const interrupted = this.recover()
    this.dataVersion = this.store.dataVersion()
    this.pollTimer = setInterval(() => {
      const version = this.store.dataVersion()
      if (version === this.dataVersion) return
      this.dataVersion = version
      hooks.refresh()
    }, this.opts.pollMs ?? 100)
    this.opts.publishChanges()
    return interrupted
  }

  /**
   * Runs left `running` by a runner that died: their process trees are stopped (a job must not
   * keep running beside its re-queued attempt), then they are recorded as interrupted.
   */
  private recover(): InterruptedRun[] {
    const orphaned = this.store.listRunning().map(({ run }) => run.id)
    for (const runId of orphaned) {
      const { pid, pidStart } = this.store.runPidInfo(runId)
      if (pid && isAlive(pid) && (pidStart === null || processStartTime(pid) === pidStart)) killTree(pid, 'SIGKILL')
    }
    // Every started run was committed first, so its processes carry a run id listed here.
    killRunProcesses(new Set(orphaned))
    const config = this.opts.config()
    return this.store.recoverInterrupted(
      {
        onInterrupt: (type) => config.types.get(type)?.onInterrupt ?? 'requeue',
        interruptLimit: config.raw.runner.interruptLimit,
      },
      this.opts.now(),
      (run) => `interrupted: the runner stopped while attempt ${run.attempt} was running (runner ${run.runnerId})`,
    )
  }

  pausedNow(): boolean {
    return this.store.isPaused()
  }

  private claimInput(request: ClaimRequest): ClaimInput {
    const config = this.opts.config()
    // The lane and global limits are counted from the runs recorded running: all of them are this runner's.
    return {
      now: request.now,
      runnerId: request.runnerId,
      concurrency: request.concurrency,
      laneLimit: (lane) => laneLimit(config, lane),
      allowedTypes: request.allowedTypes,
      gatedTypes: request.gatedTypes,
      ...(request.startsLeft ? { startsLeft: request.startsLeft } : {}),
    }
  }

  claim(request: ClaimRequest): ClaimedWork[] {
    // A plain claim commits with a full sync: durable before anything starts.
    const claimed = this.store.claim(this.claimInput(request))
    if (claimed.length > 0) this.opts.publishChanges()
    return claimed
  }

  finishAndClaim(results: readonly RunCompletion[], next: ClaimRequest | null): FinishOutcome {
    const recorded = this.store.finishAndClaim(results, next ? this.claimInput(next) : null)
    const durable = recorded.durable.catch(() => undefined)
    // A result is announced only once it is on disk.
    return { claimed: recorded.claimed, claimsDurable: durable, announced: durable.then(() => this.opts.publishChanges()) }
  }

  control(): ControlState {
    const state = { paused: this.store.isPaused(), cancel: this.store.cancelRequests().map((r) => r.runId) }
    // Whatever another process committed is announced here.
    this.opts.publishChanges()
    return state
  }

  recordStart(runId: string, _startedAt: number, pid: number | null, pidStart: string | null): void {
    if (pid !== null) this.store.setRunPid(runId, pid, pidStart)
  }

  saveProgress(runId: string, progress: Progress, itemsOk: number | null, itemsFailed: number | null): void {
    this.store.saveProgress(runId, progress, itemsOk, itemsFailed)
  }

  appendLogs(lines: readonly LogAppend[], limitFor: (runId: string) => number): void {
    this.store.appendLogs(lines, limitFor)
  }

  startsSince(since: number): Array<{ lane: string; at: number }> {
    return this.store.startsSince(since)
  }

  nextRunAfter(): number | null {
    return this.store.nextRunAfter()
  }

  hasPendingWork(): boolean {
    return this.store.hasPendingWork()
  }

  missingType(type: string): string {
    return `type ${type} is not in the config any more`
  }

  halt(): void {
    if (this.pollTimer) clearInterval(this.pollTimer)
    this.pollTimer = null
  }

  /** Runs stopped by the shutdown are recorded as interrupted; their jobs go back to the queue. */
  handBack(): Promise<void> {
    this.recover()
    this.opts.publishChanges()
    return Promise.resolve()
  }
}
