import os from 'node:os'
import { performance } from 'node:perf_hooks'
import type { GateBlock } from '../../../src-shared/wait-reason'
import type { JobTypeConfig } from '../../../src-shared/config-schema'
import type { Job, LogStream, Progress, Run } from '../../../src-shared/domain'
import { JobdeckError } from '../../../src-shared/errors'
import type { LoadedConfig } from '../config/load-config'
import { laneLimit } from '../config/job-command'
import type { EventBus } from '../events/event-bus'
import type { ExecutionResult, Executor } from '../executors/types'
import { isAlive, killTree, processStartTime } from '../process/process-tree'
import { killRunProcesses } from '../process/run-processes'
import type { SqliteStore } from '../store/sqlite/sqlite-store'
import type { ClaimInput, ClaimedWork, RunCompletion, RunnerLockInfo } from '../store/store-types'
import { decideAfterRun } from '../model/transitions'
import { LogBatcher } from './log-batcher'
import { executeWithSecrets, type ParamOpener } from './secret-run'

export type ExecutorFactory = (typeName: string, type: JobTypeConfig) => Executor

export interface RunnerOptions {
  store: SqliteStore
  events: EventBus
  config: () => LoadedConfig
  executorFor: ExecutorFactory
  /** Emitted per change committed by this or another process. */
  publishChanges: () => void
  /** How often to look for commits by other processes (enqueues, cancels, pause). */
  pollMs?: number
  heartbeatMs?: number
  /** A lock whose heartbeat is older than this is taken over. */
  lockStaleMs?: number
  logFlushMs?: number
  progressSaveMs?: number
  now?: () => number
  /** Extra reasons a type may not start now (resource gate); `null` when it may. */
  gate?: (typeName: string, type: JobTypeConfig) => GateBlock | null
  /** The sampled usage of a run that just ended (process tree peak RSS and CPU seconds). */
  usageOf?: (runId: string, type: string) => { peakRssBytes: number | null; cpuSeconds: number | null }
  /** Opens `secret: true` params just before the executor starts; without it such a run fails. */
  paramSecrets?: ParamOpener
}

interface ActiveRun {
  claimed: ClaimedWork
  abort: AbortController
  progress: Progress
  itemsOk: number | null
  itemsFailed: number | null
  progressDirty: boolean
  lastProgressSave: number
  logLimit: number
  cancelReason: 'operator' | 'shutdown' | null
  pid: number | null
  pidTimer: NodeJS.Timeout | null
  done: Promise<void>
}

/**
 * A run's pid is recorded only once it has run this long: a short job's result commit makes the
 * extra write unnecessary, and recovery also finds a run's orphans by their JOBDECK_RUN_ID.
 */
const PID_RECORD_DELAY_MS = 50

/** Runners alive in this process: a lock naming our pid is held only if its runner is one of them. */
const liveRunners = new Set<string>()

const EMPTY_PROGRESS: Progress = { percent: null, current: null, total: null, message: null }

/**
 * Claims eligible jobs (priority, then age; lane and global limits; runAfter; gate) and runs
 * them through executors, recording every transition durably. One runner per data dir holds
 * the lock; any number of processes may enqueue and read.
 */
export class Runner {
  readonly runnerId: string
  private readonly opts: Required<Omit<RunnerOptions, 'gate' | 'usageOf' | 'paramSecrets'>> & Pick<RunnerOptions, 'gate' | 'usageOf' | 'paramSecrets'>
  private dispatchListener: ((run: Run, claimToStartMs: number) => void) | null = null
  private readonly active = new Map<string, ActiveRun>()
  private readonly logs: LogBatcher
  private timers: NodeJS.Timeout[] = []
  private wakeTimer: NodeJS.Timeout | null = null
  private dataVersion = -1
  private paused = false
  private drainingFlag = false
  private started = false
  private stopping = false
  private ticking = false
  private idleWaiters: Array<() => void> = []
  private readonly pendingSyncs = new Set<Promise<void>>()

  constructor(options: RunnerOptions) {
    this.opts = {
      pollMs: 100,
      heartbeatMs: 2_000,
      lockStaleMs: 15_000,
      logFlushMs: 200,
      progressSaveMs: 1_000,
      now: Date.now,
      ...options,
    }
    this.runnerId = `${os.hostname()}:${process.pid}:${Date.now().toString(36)}`
    this.logs = new LogBatcher({
      events: this.opts.events,
      write: (batch) => this.opts.store.appendLogs(batch, (runId) => this.active.get(runId)?.logLimit ?? 1024 * 1024),
      now: this.opts.now,
      flushMs: this.opts.logFlushMs,
    })
  }

  /** Reports, per run, the time from its claim to the executor starting the work (dispatch latency). */
  onDispatch(listener: (run: Run, claimToStartMs: number) => void): void {
    this.dispatchListener = listener
  }

  /** The runs this runner is running now, with their process ids once started. */
  activeRuns(): Array<{ runId: string; jobId: string; type: string; pid: number | null; startedAt: number }> {
    return [...this.active.values()].map((a) => ({
      runId: a.claimed.run.id,
      jobId: a.claimed.job.id,
      type: a.claimed.run.type,
      pid: a.pid,
      startedAt: Date.parse(a.claimed.run.startedAt),
    }))
  }

  get isPaused(): boolean {
    return this.paused
  }

  get draining(): boolean {
    return this.drainingFlag
  }

  setDraining(draining: boolean): void {
    this.drainingFlag = draining
    if (!draining) this.tick()
  }

  get runningCount(): number {
    return this.active.size
  }

  /** Takes the data dir's runner lock, recovers runs a dead runner left behind, and starts. */
  start(): { interrupted: Array<{ run: Run; job: Job }> } {
    const { store } = this.opts
    const now = this.opts.now()
    const me: RunnerLockInfo = { runnerId: this.runnerId, pid: process.pid, host: os.hostname(), startedAt: now, heartbeatAt: now }
    const lock = store.acquireLock(me, (holder) => this.lockIsHeld(holder))
    if (!lock.ok) {
      const { holder } = lock
      throw new JobdeckError(
        'locked',
        `another runner (pid ${holder.pid} on ${holder.host}, heartbeat ${Math.round((now - holder.heartbeatAt) / 1000)}s ago) ` +
          'already runs this data dir; stop it first, or use another --data-dir',
        holder,
      )
    }
    this.started = true
    liveRunners.add(this.runnerId)
    const interrupted = this.recover()
    this.paused = store.isPaused()
    this.dataVersion = store.dataVersion()
    this.timers.push(setInterval(() => this.heartbeat(), this.opts.heartbeatMs))
    this.timers.push(setInterval(() => this.poll(), this.opts.pollMs))
    this.opts.publishChanges()
    this.tick()
    return { interrupted }
  }

  private lockIsHeld(holder: RunnerLockInfo): boolean {
    const fresh = this.opts.now() - holder.heartbeatAt < this.opts.lockStaleMs
    if (holder.host !== os.hostname()) return fresh
    if (holder.pid === process.pid) return liveRunners.has(holder.runnerId)
    return fresh && isAlive(holder.pid)
  }

  private recover(): Array<{ run: Run; job: Job }> {
    const { store } = this.opts
    // A dead runner's job may have left its process tree behind; it must not keep running
    // alongside the re-queued attempt.
    const orphaned = store.listRunning().map(({ run }) => run.id)
    for (const runId of orphaned) {
      const { pid, pidStart } = store.runPidInfo(runId)
      if (pid && isAlive(pid) && (pidStart === null || processStartTime(pid) === pidStart)) killTree(pid, 'SIGKILL')
    }
    // Every started run was committed first, so its processes carry a run id listed here.
    killRunProcesses(new Set(orphaned))
    const config = this.opts.config()
    return store.recoverInterrupted(
      {
        onInterrupt: (type) => config.types.get(type)?.onInterrupt ?? 'requeue',
        interruptLimit: config.raw.runner.interruptLimit,
      },
      this.opts.now(),
      (run) => `interrupted: the runner stopped while attempt ${run.attempt} was running (runner ${run.runnerId})`,
    )
  }

  private heartbeat(): void {
    if (!this.opts.store.heartbeat(this.runnerId, this.opts.now())) {
      console.error('jobdeck: the runner lock was taken by another process; stopping this runner')
      void this.stop()
    }
  }

  /** Another process committed something: a new job, a cancel request, pause/resume. */
  private poll(): void {
    const version = this.opts.store.dataVersion()
    if (version === this.dataVersion) return
    this.dataVersion = version
    this.refresh()
  }

  /** Re-reads shared state after any change, from this process or another. */
  refresh(): void {
    const { store } = this.opts
    const paused = store.isPaused()
    if (paused !== this.paused) {
      this.paused = paused
      this.emitState()
    }
    for (const { runId } of store.cancelRequests()) this.cancelLocal(runId, 'operator')
    this.opts.publishChanges()
    this.tick()
  }

  cancelLocal(runId: string, reason: 'operator' | 'shutdown'): boolean {
    const active = this.active.get(runId)
    if (!active) return false
    active.cancelReason ??= reason
    active.abort.abort()
    return true
  }

  private claimInput(now = this.opts.now()): ClaimInput {
    const config = this.opts.config()
    const { gate } = this.opts
    const allowedTypes = [...config.types].filter(([name, type]) => !gate || gate(name, type) === null).map(([name]) => name)
    return {
      now,
      runnerId: this.runnerId,
      concurrency: config.raw.runner.concurrency,
      laneLimit: (lane) => laneLimit(config, lane),
      allowedTypes,
    }
  }

  /** Starts whatever may start now. Safe to call any time; does nothing when paused or stopping. */
  tick(): void {
    if (!this.started || this.stopping || this.ticking) return
    this.ticking = true
    try {
      if (!this.paused && !this.drainingFlag) {
        const claimedAt = performance.now()
        // A plain claim commits with a full sync: durable before anything starts.
        const claimed = this.opts.store.claim(this.claimInput())
        for (const run of claimed) this.launch(run, claimedAt, null)
        if (claimed.length > 0) this.opts.publishChanges()
      }
      this.scheduleWake()
      this.emitState()
      this.checkIdle()
    } finally {
      this.ticking = false
    }
  }

  private scheduleWake(): void {
    if (this.wakeTimer) clearTimeout(this.wakeTimer)
    this.wakeTimer = null
    const at = this.opts.store.nextRunAfter()
    if (at === null) return
    const delay = Math.max(0, at - this.opts.now()) + 5
    // Timers cannot be longer than ~24.8 days; poll() covers the rest.
    this.wakeTimer = setTimeout(() => this.tick(), Math.min(delay, 2 ** 31 - 1))
  }

  /**
   * Starts a claimed run; called only once its claim is committed. `durable`: the claim commit
   * was not synced yet. Work that must not run twice (`onInterrupt: fail`) waits for it, so not
   * even a power cut can make it start a second time; anything else starts at once.
   */
  private launch(claimed: ClaimedWork, claimedAt: number, durable: Promise<void> | null): void {
    const config = this.opts.config()
    const type = config.types.get(claimed.job.type)
    const active: ActiveRun = {
      claimed,
      abort: new AbortController(),
      progress: { ...EMPTY_PROGRESS },
      itemsOk: null,
      itemsFailed: null,
      progressDirty: false,
      lastProgressSave: 0,
      logLimit: type?.logLimit ?? 1024 * 1024,
      cancelReason: null,
      pid: null,
      pidTimer: null,
      done: Promise.resolve(),
    }
    this.active.set(claimed.run.id, active)
    const begin = (): Promise<void> => this.execute(active, type, claimedAt)
    active.done = durable && type?.onInterrupt === 'fail' ? durable.then(begin) : begin()
  }

  private execute(active: ActiveRun, type: JobTypeConfig | undefined, claimedAt: number): Promise<void> {
    const { run, job } = active.claimed
    return executeWithSecrets({
      executor: type ? this.opts.executorFor(job.type, type) : null,
      missing: `type ${job.type} is not in the config any more`,
      stored: active.claimed.storedParams,
      opener: this.opts.paramSecrets,
      ctx: {
        runId: run.id,
        jobId: job.id,
        type: job.type,
        attempt: run.attempt,
        signal: active.abort.signal,
        onStarted: (pid) => {
          this.dispatchListener?.(run, performance.now() - claimedAt)
          if (pid === null) return
          active.pid = pid
          active.pidTimer = setTimeout(() => {
            active.pidTimer = null
            if (this.active.has(run.id)) this.opts.store.setRunPid(run.id, pid, processStartTime(pid))
          }, PID_RECORD_DELAY_MS)
        },
        onProgress: (progress) => this.onProgress(active, progress),
        onItems: (ok, failed) => {
          active.itemsOk = ok
          active.itemsFailed = failed
          this.onProgress(active, active.progress)
        },
        onLog: (stream, text) => this.onLog(run.id, stream, text),
      },
    }).then((result) => this.complete(active, result, type))
  }

  private onProgress(active: ActiveRun, progress: Progress): void {
    active.progress = progress
    active.progressDirty = true
    const { run, job } = active.claimed
    this.opts.events.emit('run.progress', {
      runId: run.id,
      jobId: job.id,
      progress,
      itemsOk: active.itemsOk,
      itemsFailed: active.itemsFailed,
    })
    const now = this.opts.now()
    if (now - active.lastProgressSave >= this.opts.progressSaveMs) this.saveProgress(active, now)
  }

  private saveProgress(active: ActiveRun, now: number): void {
    if (!active.progressDirty) return
    active.progressDirty = false
    active.lastProgressSave = now
    this.opts.store.saveProgress(active.claimed.run.id, active.progress, active.itemsOk, active.itemsFailed)
  }

  private onLog(runId: string, stream: LogStream, text: string): void {
    this.logs.add(runId, stream, text)
  }

  private flushLogs(): void {
    this.logs.flush()
  }

  private complete(active: ActiveRun, result: ExecutionResult, type: JobTypeConfig | undefined): void {
    const { run } = active.claimed
    if (active.pidTimer) clearTimeout(active.pidTimer)
    this.flushLogs()
    this.active.delete(run.id)
    const usage = this.opts.usageOf?.(run.id, run.type) ?? { peakRssBytes: null, cpuSeconds: null }
    if (active.cancelReason === 'shutdown') {
      // Left `running` on purpose: stop() records it as interrupted, so the job is re-queued.
      this.checkIdle()
      return
    }
    // One clock reading for both: a run claimed into the slot this one frees starts when it ended,
    // never a millisecond before (the record would show the lane's runs overlapping).
    const now = this.opts.now()
    const next = this.stopping || this.paused || this.drainingFlag ? null : this.claimInput(now)
    const completion: RunCompletion = {
      runId: run.id,
      runnerId: this.runnerId,
      now,
      outcome: result.outcome,
      exitCode: result.exitCode,
      signal: result.signal,
      error: result.error,
      progress: active.progress,
      itemsOk: result.itemsOk ?? active.itemsOk,
      itemsFailed: result.itemsFailed ?? active.itemsFailed,
      peakRssBytes: usage.peakRssBytes,
      cpuSeconds: usage.cpuSeconds,
      processesStopped: result.processesStopped ?? 0,
      transition: decideAfterRun({ outcome: result.outcome, error: result.error, now }, active.claimed.job.failures, type?.retries ?? null),
    }
    const claimedAt = performance.now()
    const recorded = this.opts.store.finishAndClaim(completion, next)
    const durable = recorded.durable.catch(() => undefined)
    for (const claimed of recorded.claimed) this.launch(claimed, claimedAt, durable)
    this.scheduleWake()
    this.emitState()
    // The result is announced only once it is on disk.
    const announced = durable.then(() => {
      this.pendingSyncs.delete(announced)
      this.opts.publishChanges()
      this.checkIdle()
    })
    this.pendingSyncs.add(announced)
  }

  pause(): void {
    this.opts.store.setPaused(true)
    this.refresh()
  }

  resume(): void {
    this.opts.store.setPaused(false)
    this.refresh()
  }

  private lastState: ReturnType<Runner['state']> | null = null

  /** Announces running ↔ idle ↔ paused ↔ stopped, once per change. */
  private emitState(): void {
    const state = this.state()
    if (state === this.lastState) return
    this.lastState = state
    this.opts.events.emit('runner.changed', { paused: this.paused, state })
  }

  state(): 'running' | 'idle' | 'paused' | 'stopped' {
    if (!this.started) return 'stopped'
    if (this.paused) return 'paused'
    return this.active.size > 0 ? 'running' : 'idle'
  }

  /** Resolves when nothing runs and nothing is eligible to run (retrying jobs still count). */
  whenIdle(): Promise<void> {
    return new Promise((resolve) => {
      this.idleWaiters.push(resolve)
      this.checkIdle()
    })
  }

  private checkIdle(): void {
    if (this.idleWaiters.length === 0 || this.active.size > 0 || this.pendingSyncs.size > 0) return
    if (this.opts.store.hasPendingWork()) return
    const waiters = this.idleWaiters
    this.idleWaiters = []
    for (const resolve of waiters) resolve()
  }

  /**
   * Stops claiming, stops running process trees and records their runs as interrupted (their
   * jobs go back to the queue), then releases the lock.
   */
  async stop(): Promise<void> {
    if (!this.started || this.stopping) return
    this.stopping = true
    for (const timer of this.timers) clearInterval(timer)
    this.timers = []
    if (this.wakeTimer) clearTimeout(this.wakeTimer)
    const running = [...this.active.values()]
    for (const active of running) this.cancelLocal(active.claimed.run.id, 'shutdown')
    await Promise.all(running.map((a) => a.done))
    await Promise.all(this.pendingSyncs)
    this.flushLogs()
    this.recover()
    this.opts.publishChanges()
    this.opts.store.releaseLock(this.runnerId)
    liveRunners.delete(this.runnerId)
    this.started = false
    this.emitState()
  }
}
