// The one runner, over either queue engine (engines/queue-engine.ts): slots, lanes, the gate,
// executors, progress, output, idle and stop. It claims what may start now (priority, then age;
// lane and global limits; runAfter; the gate), runs it through an executor, decides what the job
// becomes (model/transitions.ts) and hands the result to the engine with the claim of the slots
// it frees. One runner per data dir holds the lock; any number of processes may enqueue and read.
import { performance } from 'node:perf_hooks'
import type { GateBlock } from '../../../src-shared/wait-reason'
import type { JobTypeConfig } from '../../../src-shared/config-schema'
import type { LogStream, Progress, Run } from '../../../src-shared/domain'
import { JobdeckError } from '../../../src-shared/errors'
import type { LoadedConfig } from '../config/load-config'
import type { ClaimRequest, FinishOutcome, QueueEngine, RunnerIdentity } from '../engines/queue-engine'
import { newRunnerIdentity } from '../engines/runner-id'
import type { EventBus } from '../events/event-bus'
import { KILL_NOW, type ExecutionResult, type Executor } from '../executors/types'
import { isAlive, processStartTime } from '../process/process-tree'
import type { ClaimedWork, InterruptedRun, RunCompletion, RunnerLockInfo } from '../store/store-types'
import { completionOf, newActiveRun, type ActiveRun } from './active-run'
import { LogBatcher } from './log-batcher'
import type { QueueRunner } from './queue-runner'
import { settle } from './settle'
import { executeWithSecrets, type ParamOpener } from './secret-run'

export type ExecutorFactory = (typeName: string, type: JobTypeConfig) => Executor

export interface RunnerOptions {
  engine: QueueEngine
  events: EventBus
  config: () => LoadedConfig
  executorFor: ExecutorFactory
  heartbeatMs?: number
  /** A lock whose heartbeat is older than this is taken over. */
  lockStaleMs?: number
  logFlushMs?: number
  progressSaveMs?: number
  now?: () => number
  /** The global limit now (adaptive concurrency, runner/adaptive-concurrency.ts); else `runner.concurrency`'s max. */
  concurrency?: () => number
  /** Extra reasons a type may not start now (resource gate); `null` when it may. */
  gate?: (typeName: string, type: JobTypeConfig) => GateBlock | null
  /** The sampled usage of a run that just ended (process tree peak RSS and CPU seconds). */
  usageOf?: (runId: string, type: string) => { peakRssBytes: number | null; cpuSeconds: number | null }
  /** Opens `secret: true` params just before the executor starts; without it such a run fails. */
  paramSecrets?: ParamOpener
  log?: (line: string) => void
}

/**
 * A run's start (pid, start time) is recorded only once it has run this long: a short run's
 * result carries it anyway, so it never pays an extra write. Recovery finds a run's orphans by
 * their JOBDECK_RUN_ID, not by this pid.
 */
const START_RECORD_DELAY_MS = 50

/** Runners alive in this process: a lock naming our pid is held only if its runner is one of them. */
const liveRunners = new Set<string>()

export class Runner implements QueueRunner {
  readonly runnerId: string
  private readonly me: RunnerIdentity
  private readonly engine: QueueEngine
  private readonly opts: RunnerOptions & { heartbeatMs: number; lockStaleMs: number; progressSaveMs: number; now: () => number }
  private dispatchListener: ((run: Run, claimToStartMs: number) => void) | null = null
  private readonly active = new Map<string, ActiveRun>()
  private readonly logs: LogBatcher
  private heartbeatTimer: NodeJS.Timeout | null = null
  private wakeTimer: NodeJS.Timeout | null = null
  private paused = false
  private drainingFlag = false
  private started = false
  private stopping = false
  /** A claim in flight (an engine that answers later); ticks meanwhile make one more claim after it. */
  private claiming: Promise<void> | null = null
  private inTick = false
  private tickAgain = false
  /** Slots promised to claims in flight and to results waiting to be finished: never claimed twice. */
  private reserved = 0
  /** Results of this turn of the event loop, for an engine that finishes them together. */
  private results: RunCompletion[] = []
  private flushScheduled = false
  /** Results handed to the engine and not yet announced. */
  private unannounced = 0
  private readonly announcing = new Set<Promise<void>>()
  private idleWaiters: Array<() => void> = []
  private lastState: ReturnType<Runner['state']> | null = null

  constructor(options: RunnerOptions) {
    this.opts = { heartbeatMs: 2_000, lockStaleMs: 15_000, progressSaveMs: 1_000, now: Date.now, ...options }
    this.engine = options.engine
    this.me = newRunnerIdentity(this.opts.now())
    this.runnerId = this.me.runnerId
    this.logs = new LogBatcher({
      events: this.opts.events,
      write: (batch) => this.engine.appendLogs(batch, (runId) => this.active.get(runId)?.logLimit ?? 1024 * 1024),
      now: this.opts.now,
      flushMs: this.opts.logFlushMs ?? 200,
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

  /** Takes the data dir's runner lock, lets the engine recover what a dead runner left, and starts. */
  start(): { interrupted: InterruptedRun[] } {
    const now = this.opts.now()
    const lockInfo: RunnerLockInfo = { runnerId: this.runnerId, pid: this.me.pid, host: this.me.host, startedAt: now, heartbeatAt: now }
    const lock = this.engine.acquireLock(lockInfo, (holder) => this.lockIsHeld(holder))
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
    const interrupted = this.engine.start(this.me, {
      activeRunIds: () => [...this.active.keys()],
      lose: (runId, killNow) => this.lose(runId, killNow),
      refresh: () => void this.refresh(),
      tick: () => this.tick(),
    })
    this.paused = this.engine.pausedNow()
    this.heartbeatTimer = setInterval(() => this.heartbeat(), this.opts.heartbeatMs)
    this.emitState()
    this.tick()
    return { interrupted }
  }

  /** Is the lock's holder alive? Another process's holder by its heartbeat and pid; ours by the runners alive here. */
  private lockIsHeld(holder: RunnerLockInfo): boolean {
    const fresh = this.opts.now() - holder.heartbeatAt < this.opts.lockStaleMs
    if (holder.host !== this.me.host) return fresh
    if (holder.pid === this.me.pid) return liveRunners.has(holder.runnerId)
    return fresh && isAlive(holder.pid)
  }

  private heartbeat(): void {
    if (this.engine.heartbeatLock(this.runnerId, this.opts.now())) return
    console.error('jobdeck: the runner lock was taken by another process; stopping this runner')
    void this.stop()
  }

  /** Re-reads the shared control state (pause, cancel requests) after a change from any process. */
  refresh(): Promise<void> | void {
    if (!this.started) return
    const applied = settle(
      this.engine.control([...this.active.keys()]),
      (control) => {
        if (control) {
          if (control.paused !== this.paused) {
            this.paused = control.paused
            this.emitState()
          }
          for (const runId of control.cancel) this.cancelLocal(runId, 'operator')
        }
        this.tick()
      },
      () => undefined,
    )
    return applied ?? undefined
  }

  cancelLocal(runId: string, reason: 'operator' | 'shutdown' | 'lost'): boolean {
    const active = this.active.get(runId)
    if (!active) return false
    active.cancelReason ??= reason
    active.abort.abort()
    return true
  }

  /** The engine says this run is no longer surely ours; `killNow`: its lease is about to lapse. */
  private lose(runId: string, killNow: boolean): void {
    if (!killNow) {
      this.cancelLocal(runId, 'lost')
      return
    }
    const active = this.active.get(runId)
    // A run already being stopped (canceled, or at shutdown) goes its own way.
    if (!active || active.cancelReason !== null) return
    active.cancelReason = 'lost'
    active.abort.abort(KILL_NOW)
  }

  /** What this runner may claim now (its free slots, the types its gate lets through), or null. */
  private nextClaim(now = this.opts.now()): ClaimRequest | null {
    if (this.paused || this.drainingFlag || this.stopping) return null
    const config = this.opts.config()
    const concurrency = this.opts.concurrency?.() ?? config.raw.runner.concurrency.max
    const room = concurrency - this.active.size - this.reserved
    if (room <= 0) return null
    const { gate } = this.opts
    const allowedTypes = [...config.types].filter(([name, type]) => !gate || gate(name, type) === null).map(([name]) => name)
    return { now, runnerId: this.runnerId, max: room, concurrency, allowedTypes }
  }

  /** Starts whatever may start now. Safe to call any time; does nothing when paused or stopping. */
  tick(): void {
    if (!this.started || this.stopping) return
    if (this.claiming || this.inTick) {
      this.tickAgain = true
      return
    }
    const request = this.nextClaim()
    if (!request) {
      this.afterTick()
      return
    }
    this.inTick = true
    this.reserved += request.max
    const claimedAt = performance.now()
    const release = (): void => {
      this.reserved -= request.max
      this.inTick = false
      this.claiming = null
    }
    let pending: Promise<void> | null = null
    try {
      const answer = this.engine.claim(request)
      // An answer that came later may have missed slots freed meanwhile; one that came at once filled them.
      const later = answer instanceof Promise
      pending = settle(
        answer,
        (claimed) => {
          release()
          for (const work of claimed) this.launch(work, claimedAt, null)
          if (later && claimed.length === request.max) this.tickAgain = true
        },
        () => release(),
      )
    } catch (error) {
      release()
      throw error
    }
    if (pending) {
      this.inTick = false
      this.claiming = pending.finally(() => {
        this.claiming = null
        this.afterTick()
      })
      return
    }
    this.afterTick()
  }

  private afterTick(): void {
    this.scheduleWake()
    this.emitState()
    this.checkIdle()
    if (this.tickAgain && !this.claiming) {
      this.tickAgain = false
      this.tick()
    }
  }

  private scheduleWake(): void {
    if (this.wakeTimer) clearTimeout(this.wakeTimer)
    this.wakeTimer = null
    if (!this.started || this.stopping) return
    const at = this.engine.nextRunAfter()
    if (at === null) return
    const delay = Math.max(0, at - this.opts.now()) + 5
    // Timers cannot be longer than ~24.8 days; the engine's poll covers the rest.
    this.wakeTimer = setTimeout(() => this.tick(), Math.min(delay, 2 ** 31 - 1))
  }

  /**
   * Starts a claimed run; called only once its claim is committed. `durable`: the claim commit
   * was not synced yet. Work that must not run twice (`onInterrupt: fail`) waits for it, so not
   * even a power cut can make it start a second time; anything else starts at once.
   */
  private launch(claimed: ClaimedWork, claimedAt: number, durable: Promise<void> | null): void {
    const type = this.opts.config().types.get(claimed.job.type)
    const active = newActiveRun(claimed, type)
    this.active.set(claimed.run.id, active)
    const begin = (): Promise<void> => this.execute(active, type, claimedAt)
    active.done = durable && type?.onInterrupt === 'fail' ? durable.then(begin) : begin()
  }

  private execute(active: ActiveRun, type: JobTypeConfig | undefined, claimedAt: number): Promise<void> {
    const { run, job } = active.claimed
    return executeWithSecrets({
      executor: type ? this.opts.executorFor(job.type, type) : null,
      missing: this.engine.missingType(job.type),
      stored: active.claimed.storedParams,
      opener: this.opts.paramSecrets,
      ctx: {
        runId: run.id,
        jobId: job.id,
        type: job.type,
        attempt: run.attempt,
        signal: active.abort.signal,
        onStarted: (pid) => this.onStarted(active, pid, claimedAt),
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

  private onStarted(active: ActiveRun, pid: number | null, claimedAt: number): void {
    const { run } = active.claimed
    this.dispatchListener?.(run, performance.now() - claimedAt)
    active.pid = pid
    if (pid === null && this.engine.startsAtClaim) return
    const startedAt = this.opts.now()
    if (!this.engine.startsAtClaim) active.startedAt = startedAt
    active.startTimer = setTimeout(() => {
      active.startTimer = null
      if (this.active.get(run.id) !== active) return
      this.engine.recordStart(run.id, startedAt, pid, pid === null ? null : processStartTime(pid))
    }, START_RECORD_DELAY_MS)
  }

  private onProgress(active: ActiveRun, progress: Progress): void {
    active.progress = progress
    active.progressDirty = true
    const { run, job } = active.claimed
    this.opts.events.emit('run.progress', { runId: run.id, jobId: job.id, progress, itemsOk: active.itemsOk, itemsFailed: active.itemsFailed })
    const now = this.opts.now()
    if (now - active.lastProgressSave < this.opts.progressSaveMs || !active.progressDirty) return
    active.progressDirty = false
    active.lastProgressSave = now
    this.engine.saveProgress(run.id, active.progress, active.itemsOk, active.itemsFailed)
  }

  private onLog(runId: string, stream: LogStream, text: string): void {
    this.logs.add(runId, stream, text)
  }

  private complete(active: ActiveRun, result: ExecutionResult, type: JobTypeConfig | undefined): void {
    const { run } = active.claimed
    if (active.startTimer) clearTimeout(active.startTimer)
    this.logs.flush()
    this.active.delete(run.id)
    const usage = this.opts.usageOf?.(run.id, run.type) ?? { peakRssBytes: null, cpuSeconds: null }
    if (active.cancelReason === 'shutdown' || active.cancelReason === 'lost') {
      // Left running on purpose: the engine hands it back at stop, or another runner has it.
      this.checkIdle()
      return
    }
    // One clock reading for the result and the claim of the slot it frees: a run claimed into it
    // starts when this one ended, never a millisecond before (the lane's runs would overlap).
    const now = this.opts.now()
    this.results.push(completionOf(active, result, { runnerId: this.runnerId, now, usage, retries: type?.retries ?? null }))
    // The slot this run frees stays with its result until the result is finished with the next claim.
    this.reserved++
    this.unannounced++
    if (this.engine.batching === 'each') this.finishResults(now)
    else if (!this.flushScheduled) {
      this.flushScheduled = true
      setImmediate(() => this.finishResults())
    }
    this.emitState()
  }

  /**
   * Hands the waiting results to the engine with the claim of the slots free now (those the
   * results held and any other). Results that came in during one turn of the event loop go
   * together: one commit, and for PostgreSQL one statement.
   */
  private finishResults(now = this.opts.now()): void {
    this.flushScheduled = false
    const batch = this.results
    this.results = []
    if (batch.length === 0) return
    this.reserved -= batch.length
    const next = this.nextClaim(now)
    const held = next?.max ?? 0
    this.reserved += held
    const claimedAt = performance.now()
    let announced: Promise<void> = Promise.resolve()
    const apply = (outcome: FinishOutcome): void => {
      this.reserved -= held
      for (const work of outcome.claimed) this.launch(work, claimedAt, outcome.claimsDurable)
      announced = outcome.announced
    }
    let later: Promise<void> | null
    try {
      later = settle(this.engine.finishAndClaim(batch, next), apply, () => {
        this.reserved -= held
      })
    } catch (error) {
      this.reserved -= held
      this.unannounced -= batch.length
      throw error
    }
    if (!later) {
      this.scheduleWake()
      this.emitState()
    }
    const settled = (): void => {
      this.unannounced -= batch.length
      this.announcing.delete(done)
      // Slots held while the results were on their way may be free again.
      if (later) this.tick()
      this.checkIdle()
    }
    const done: Promise<void> = (later ? later.then(() => announced) : announced).then(settled, settled)
    this.announcing.add(done)
  }

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

  /** Resolves when nothing runs here, no result waits to be recorded, and nothing is eligible to run (retrying jobs count). */
  whenIdle(): Promise<void> {
    return new Promise((resolve) => {
      this.idleWaiters.push(resolve)
      this.checkIdle()
    })
  }

  private busy(): boolean {
    return this.active.size > 0 || this.unannounced > 0 || this.claiming !== null
  }

  private checkIdle(): void {
    if (this.idleWaiters.length === 0 || this.busy()) return
    settle(
      this.engine.hasPendingWork(),
      (pending) => {
        if (pending || this.busy()) return
        const waiters = this.idleWaiters
        this.idleWaiters = []
        for (const resolve of waiters) resolve()
      },
      () => undefined,
    )
  }

  /**
   * Stops claiming, stops running process trees and hands their runs back to the queue as
   * interrupted (their jobs wait again), then releases the lock.
   */
  async stop(): Promise<void> {
    if (!this.started || this.stopping) return
    this.stopping = true
    if (this.heartbeatTimer) clearInterval(this.heartbeatTimer)
    if (this.wakeTimer) clearTimeout(this.wakeTimer)
    this.engine.halt()
    await this.claiming?.catch(() => undefined)
    // Results on their way may bring claimed runs with them: let them arrive, then stop them too.
    this.finishResults()
    await Promise.all([...this.announcing])
    const running = [...this.active.values()]
    for (const active of running) this.cancelLocal(active.claimed.run.id, 'shutdown')
    await Promise.all(running.map((a) => a.done))
    // Runs that finished on their own meanwhile.
    this.finishResults()
    await Promise.all([...this.announcing])
    this.logs.flush()
    await this.engine.handBack()
    this.engine.releaseLock(this.runnerId)
    liveRunners.delete(this.runnerId)
    this.started = false
    this.emitState()
  }
}
