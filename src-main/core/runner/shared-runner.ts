// The runner of shared mode: claims from the PostgreSQL queue (SKIP LOCKED, lane limits across
// every runner), holds a lease on each run renewed by a heartbeat, rescues runs whose lease
// expired, and records each result locally and in the outbox in one SQLite transaction before
// pushing it with a fenced finish, so a result survives an outage and is applied exactly once.
// Never two copies at once: a rescuer first stops the processes of the runs it hands back that
// live on its own machine; and a runner that cannot renew a lease kills that run's processes
// before the lease runs out, so a rescuer on another machine never starts it beside them.
import os from 'node:os'
import { performance } from 'node:perf_hooks'
import type { GateBlock } from '../../../src-shared/wait-reason'
import type { JobTypeConfig } from '../../../src-shared/config-schema'
import type { LogStream, Progress, Run } from '../../../src-shared/domain'
import { JobdeckError } from '../../../src-shared/errors'
import { laneLimitSettings } from '../config/job-command'
import type { LoadedConfig } from '../config/load-config'
import type { EventBus } from '../events/event-bus'
import { KILL_NOW, type ExecutionResult } from '../executors/types'
import { newId } from '../ids'
import { isAlive, processStartTime } from '../process/process-tree'
import { killRunProcesses } from '../process/run-processes'
import { describeError } from '../store/postgres/pg-connection'
import { parseStoredParams, toJob, toRun } from '../store/sqlite/rows'
import type { SqliteStore } from '../store/sqlite/sqlite-store'
import type { ClaimedRun, ClaimedWork, RunCompletion, RunnerLockInfo } from '../store/store-types'
import type { SharedLink } from '../sync/shared-link'
import type { PgClaimInput, RowPair } from '../store/postgres/pg-queue'
import { decideAfterRun } from '../model/transitions'
import { LogBatcher } from './log-batcher'
import type { ExecutorFactory } from './runner'
import { executeWithSecrets, type ParamOpener } from './secret-run'

export interface SharedRunnerOptions {
  link: SharedLink
  /** The local cache (and this data dir's runner lock). */
  store: SqliteStore
  events: EventBus
  config: () => LoadedConfig
  executorFor: ExecutorFactory
  publishChanges: () => void
  leaseMs: number
  /** Fallback claim poll when no notification arrives. */
  pollMs?: number
  heartbeatMs?: number
  lockStaleMs?: number
  logFlushMs?: number
  progressSaveMs?: number
  now?: () => number
  gate?: (typeName: string, type: JobTypeConfig) => GateBlock | null
  usageOf?: (runId: string, type: string) => { peakRssBytes: number | null; cpuSeconds: number | null }
  log?: (line: string) => void
  /** Opens `secret: true` params just before the executor starts; without it such a run fails. */
  paramSecrets?: ParamOpener
}

interface ActiveRun {
  claimed: ClaimedRun
  abort: AbortController
  progress: Progress
  itemsOk: number | null
  itemsFailed: number | null
  lastProgressSave: number
  logLimit: number
  /**
   * shutdown: stop() re-queues it; lost: another runner rescued it (or may, its lease being
   * about to expire unrenewed), so its result must not be reported.
   */
  cancelReason: 'operator' | 'shutdown' | 'lost' | null
  /** Until when this runner surely holds the lease (monotonic ms: the request that set it was sent then + lease). */
  leaseHeldUntil: number
  pid: number | null
  /** When the executor started the work. */
  startedAt: number | null
  /** Records the start in the shared database if the run is still going after PID_RECORD_DELAY_MS. */
  startTimer: NodeJS.Timeout | null
  done: Promise<void>
}

/**
 * A run's start (pid, start time) is written to the shared database only if it is still running
 * this long after it started: the finish carries the start time, so short runs never pay a round
 * trip and a commit for it. Orphans are found by JOBDECK_RUN_ID in /proc, not by this pid.
 */
const PID_RECORD_DELAY_MS = 50

const EMPTY_PROGRESS: Progress = { percent: null, current: null, total: null, message: null }

/**
 * A run is fenced this long before its lease would lapse unrenewed, so its processes are gone
 * before any rescuer may take the job (bounded for very short and very long leases).
 */
function fenceMarginMs(leaseMs: number): number {
  return Math.min(5_000, Math.max(250, Math.floor(leaseMs / 6)))
}

export class SharedRunner {
  readonly runnerId: string
  private readonly opts: SharedRunnerOptions & { pollMs: number; heartbeatMs: number; lockStaleMs: number; now: () => number }
  private readonly active = new Map<string, ActiveRun>()
  private readonly startedAt: number
  private readonly logs: LogBatcher
  private timers: NodeJS.Timeout[] = []
  private paused = false
  private drainingFlag = false
  private started = false
  private stopping = false
  private ticking: Promise<void> | null = null
  private tickAgain = false
  private idleWaiters: Array<() => void> = []
  private pendingPushes = 0
  /** Results of this turn of the event loop, recorded and pushed together at its end. */
  private finishing: RunCompletion[] = []
  private finishScheduled = false
  /** Slots promised to claims in flight (a tick's, or one made with a finish): never claimed twice. */
  private reserved = 0
  private readonly pushes = new Set<Promise<void>>()
  private lastState: ReturnType<SharedRunner['state']> | null = null
  private orphansChecked = false

  constructor(options: SharedRunnerOptions) {
    this.opts = { pollMs: 1_000, heartbeatMs: Math.max(200, Math.floor(options.leaseMs / 3)), lockStaleMs: 15_000, now: Date.now, ...options }
    this.startedAt = this.opts.now()
    this.runnerId = `${os.hostname()}:${process.pid}:${this.startedAt.toString(36)}`
    this.logs = new LogBatcher({
      events: this.opts.events,
      write: (batch) => this.opts.link.recordLogs(batch, (runId) => this.active.get(runId)?.logLimit ?? 1024 * 1024),
      now: this.opts.now,
      flushMs: this.opts.logFlushMs ?? 200,
    })
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

  activeRuns(): Array<{ runId: string; jobId: string; type: string; pid: number | null; startedAt: number }> {
    return [...this.active.values()].map((a) => ({
      runId: a.claimed.run.id,
      jobId: a.claimed.job.id,
      type: a.claimed.run.type,
      pid: a.pid,
      startedAt: Date.parse(a.claimed.run.startedAt),
    }))
  }

  /** Takes this data dir's runner lock and starts claiming from the shared queue. */
  start(): void {
    const { store } = this.opts
    const now = this.opts.now()
    const me: RunnerLockInfo = { runnerId: this.runnerId, pid: process.pid, host: os.hostname(), startedAt: now, heartbeatAt: now }
    const lock = store.acquireLock(me, (holder) => holder.runnerId !== this.runnerId && now - holder.heartbeatAt < this.opts.lockStaleMs && (holder.host !== os.hostname() || isAlive(holder.pid)))
    if (!lock.ok) {
      throw new JobdeckError(
        'locked',
        `another runner (pid ${lock.holder.pid} on ${lock.holder.host}) already runs this data dir; stop it first, or use another --data-dir`,
        lock.holder,
      )
    }
    this.started = true
    this.paused = store.isPaused()
    this.timers.push(setInterval(() => void this.heartbeat(), this.opts.heartbeatMs))
    this.timers.push(setInterval(() => void this.rescue(), Math.max(250, Math.floor(this.opts.leaseMs / 2))))
    this.timers.push(setInterval(() => this.fenceExpiring(), Math.max(50, Math.floor(fenceMarginMs(this.opts.leaseMs) / 3))))
    this.timers.push(setInterval(() => this.tick(), this.opts.pollMs))
    this.emitState()
    this.tick()
  }

  /** Called by the link on NOTIFY and after every sync. */
  wake(reason: string): void {
    if (!this.started || this.stopping) return
    if (reason === 'cancel' || reason === 'paused' || reason === 'synced') void this.refresh()
    this.tick()
  }

  /** Before the first pull and on every reconnect: keep our leases, stop orphans of a dead predecessor. */
  async onReconnect(): Promise<void> {
    if (!this.started) return
    await this.renewLeases()
    if (!this.orphansChecked) await this.killOrphans()
  }

  private async killOrphans(): Promise<void> {
    const host = os.hostname()
    const runs = await this.opts.link.queue.runsOfHost(host, this.opts.now() - 86_400_000)
    const dead = runs.filter((r) => {
      const pid = Number(r.runnerId.split(':').at(-2))
      return r.runnerId !== this.runnerId && Number.isInteger(pid) && (pid === process.pid ? false : !isAlive(pid))
    })
    this.orphansChecked = true
    if (dead.length === 0) return
    // A runner of this machine died: its job processes must not keep running beside the rescued attempt.
    killRunProcesses(new Set(dead.map((r) => r.id)))
  }

  private async heartbeat(): Promise<void> {
    this.opts.store.heartbeat(this.runnerId, this.opts.now())
    if (!this.opts.link.online) return
    await this.renewLeases().catch(() => undefined)
  }

  private async renewLeases(): Promise<void> {
    const ids = [...this.active.keys()]
    const sentAt = performance.now()
    const owned = new Set(
      await this.opts.link.queue.renewLeases(this.runnerId, ids, this.opts.leaseMs, this.opts.now(), os.hostname(), process.pid, this.startedAt),
    )
    for (const id of ids) {
      const active = this.active.get(id)
      if (owned.has(id) && active) active.leaseHeldUntil = Math.max(active.leaseHeldUntil, sentAt + this.opts.leaseMs)
      if (owned.has(id) || !active) continue
      // Rescued by another runner while we could not renew (an outage longer than the lease):
      // that runner owns the job now, so this attempt stops and its result is dropped.
      this.opts.log?.(`run ${id} was rescued by another runner after its lease expired; stopping this attempt`)
      this.cancelLocal(id, 'lost')
    }
  }

  /**
   * Kills, at once, the processes of runs whose lease this runner could not renew and which are
   * about to lapse: past that instant a rescuer may start the job again, perhaps on another
   * machine, where nothing could stop this copy. Their results are dropped (the rescue records
   * the run as interrupted).
   */
  private fenceExpiring(): void {
    const fenceAt = performance.now() + fenceMarginMs(this.opts.leaseMs)
    for (const [id, active] of this.active) {
      if (active.cancelReason !== null || active.leaseHeldUntil > fenceAt) continue
      this.opts.log?.(
        `run ${id}: its lease could not be renewed and runs out in under ${fenceMarginMs(this.opts.leaseMs)} ms; ` +
          'killed its processes so that a rescued attempt never runs beside them',
      )
      active.cancelReason = 'lost'
      active.abort.abort(KILL_NOW)
    }
  }

  private async rescue(): Promise<void> {
    if (!this.opts.link.online || this.stopping) return
    const config = this.opts.config()
    const failTypes = [...config.types].filter(([, t]) => t.onInterrupt === 'fail').map(([name]) => name)
    try {
      const expired = await this.opts.link.queue.expiredRuns()
      await this.opts.link.queue.compactCounts()
      if (expired.length === 0) return
      // Ours too, if our own lease ran out: the job is about to be handed back.
      for (const id of expired) if (this.active.has(id)) this.cancelLocal(id, 'lost')
      // On this machine, their processes die before the jobs go back to the queue; processes on
      // other machines were killed by their own runner before the lease lapsed (fenceExpiring).
      killRunProcesses(new Set(expired))
      const rescued = await this.opts.link.queue.rescue(this.opts.now(), failTypes, config.raw.runner.interruptLimit, expired)
      if (rescued.length === 0) return
      for (const { run } of rescued) this.opts.log?.(`rescued run ${run.id} of ${run.runner_id}: its lease expired`)
      this.opts.link.schedulePull(0)
      this.tick()
    } catch (error) {
      // An outage is announced by the connection, which retries; anything else is worth a line.
      if (!(error instanceof JobdeckError && error.code === 'unavailable')) this.opts.log?.(`rescue failed: ${describeError(error)}`)
    }
  }

  /** Re-reads the shared paused flag and cancel requests for our runs. */
  async refresh(): Promise<void> {
    if (!this.opts.link.online) return
    try {
      const paused = await this.opts.link.queue.isPaused()
      if (paused !== this.paused) {
        this.paused = paused
        this.emitState()
        this.opts.events.emit('runner.changed', { paused, state: this.state() })
      }
      for (const runId of await this.opts.link.queue.cancelRequests([...this.active.keys()])) this.cancelLocal(runId, 'operator')
    } catch {
      // offline; the next refresh tries again
    }
  }

  cancelLocal(runId: string, reason: 'operator' | 'shutdown' | 'lost'): boolean {
    const active = this.active.get(runId)
    if (!active) return false
    active.cancelReason ??= reason
    active.abort.abort()
    return true
  }

  /** Claims whatever may start now; calls made during a claim make one more claim after it. */
  tick(): void {
    if (!this.started || this.stopping) return
    if (this.ticking) {
      this.tickAgain = true
      return
    }
    this.ticking = this.claimLoop().finally(() => {
      this.ticking = null
      this.emitState()
      this.checkIdle()
      if (this.tickAgain) {
        this.tickAgain = false
        this.tick()
      }
    })
  }

  private async claimLoop(): Promise<void> {
    const input = this.nextClaim()
    if (!input) return
    let claimed
    this.reserved += input.max
    const sentAt = performance.now()
    try {
      claimed = await this.opts.link.queue.claim(input)
    } catch (error) {
      if (!(error instanceof JobdeckError && error.code === 'unavailable')) this.opts.log?.(`claim failed: ${describeError(error)}`)
      return
    } finally {
      this.reserved -= input.max
    }
    this.launchClaimed(claimed, sentAt)
    if (claimed.length === input.max) this.tickAgain = true
  }

  /** What this runner may claim now (its free slots, the types its gate lets through), or null. */
  private nextClaim(): PgClaimInput | null {
    if (this.paused || this.drainingFlag || this.stopping || !this.opts.link.online) return null
    const config = this.opts.config()
    const room = config.raw.runner.concurrency - this.active.size - this.reserved
    if (room <= 0) return null
    const gate = this.opts.gate
    const allowedTypes = [...config.types].filter(([name, type]) => !gate || gate(name, type) === null).map(([name]) => name)
    const now = this.opts.now()
    return {
      runnerId: this.runnerId,
      now,
      max: room,
      allowedTypes,
      lanes: laneLimitSettings(config),
      leaseMs: this.opts.leaseMs,
      runIds: Array.from({ length: room }, () => newId(now)),
    }
  }

  /**
   * `sentAt`: when the claim was sent (its lease runs from no earlier). `cached`: the link writes
   * them to the cache and publishes them.
   */
  private launchClaimed(claimed: readonly RowPair[], sentAt: number, cached = false): void {
    if (claimed.length === 0) return
    for (const pair of claimed) {
      const claimedWork = { job: toJob(pair.job), run: toRun(pair.run), storedParams: parseStoredParams(pair.job.params, pair.job.id) }
      this.launch(claimedWork, sentAt + this.opts.leaseMs)
    }
    if (cached) return
    // The cache shows the claims at once; the sync would bring them too.
    this.cacheRows(claimed)
    this.opts.publishChanges()
  }

  private cacheRows(pairs: readonly RowPair[]): void {
    try {
      this.opts.link.cacheClaims(pairs)
    } catch (error) {
      this.opts.log?.(`could not cache claimed runs: ${describeError(error)}`)
    }
  }

  private launch(claimed: ClaimedWork, leaseHeldUntil: number): void {
    const config = this.opts.config()
    const type = config.types.get(claimed.job.type)
    const active: ActiveRun = {
      claimed,
      abort: new AbortController(),
      progress: { ...EMPTY_PROGRESS },
      itemsOk: null,
      itemsFailed: null,
      lastProgressSave: 0,
      logLimit: type?.logLimit ?? 1024 * 1024,
      cancelReason: null,
      pid: null,
      startedAt: null,
      startTimer: null,
      leaseHeldUntil,
      done: Promise.resolve(),
    }
    this.active.set(claimed.run.id, active)
    const { run, job } = claimed
    active.done = executeWithSecrets({
      executor: type ? this.opts.executorFor(job.type, type) : null,
      missing: `type ${job.type} is not in this instance's config; add it, or run it from an instance that has it`,
      stored: claimed.storedParams,
      opener: this.opts.paramSecrets,
      ctx: {
        runId: run.id,
        jobId: job.id,
        type: job.type,
        attempt: run.attempt,
        signal: active.abort.signal,
        onStarted: (pid) => {
          const startedAt = this.opts.now()
          active.startedAt = startedAt
          active.pid = pid
          active.startTimer = setTimeout(() => {
            active.startTimer = null
            if (this.active.get(run.id) !== active || !this.opts.link.online) return
            const pidStart = pid === null ? null : processStartTime(pid)
            void this.opts.link.queue.markStarted(run.id, this.runnerId, startedAt, pid, pidStart).catch(() => undefined)
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
    const { run, job } = active.claimed
    this.opts.events.emit('run.progress', { runId: run.id, jobId: job.id, progress, itemsOk: active.itemsOk, itemsFailed: active.itemsFailed })
    const now = this.opts.now()
    if (now - active.lastProgressSave < (this.opts.progressSaveMs ?? 1_000)) return
    active.lastProgressSave = now
    this.opts.store.saveProgress(run.id, progress, active.itemsOk, active.itemsFailed)
    if (this.opts.link.online) {
      void this.opts.link.queue
        .saveProgress(run.id, this.runnerId, { progress, itemsOk: active.itemsOk, itemsFailed: active.itemsFailed })
        .catch(() => undefined)
    }
  }

  private onLog(runId: string, stream: LogStream, text: string): void {
    this.logs.add(runId, stream, text)
  }

  private flushLogs(): void {
    this.logs.flush()
  }

  private complete(active: ActiveRun, result: ExecutionResult, type: JobTypeConfig | undefined): void {
    const { run } = active.claimed
    this.flushLogs()
    this.active.delete(run.id)
    if (active.startTimer) clearTimeout(active.startTimer)
    const usage = this.opts.usageOf?.(run.id, run.type) ?? { peakRssBytes: null, cpuSeconds: null }
    if (active.cancelReason === 'shutdown' || active.cancelReason === 'lost') {
      this.checkIdle()
      return
    }
    const now = this.opts.now()
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
      startedAt: active.startedAt,
      transition: decideAfterRun({ outcome: result.outcome, error: result.error, now }, active.claimed.job.failures, type?.retries ?? null),
    }
    this.pendingPushes++
    // The slot this run frees stays with its result until the result is pushed with the next claim.
    this.reserved++
    this.finishing.push(completion)
    if (!this.finishScheduled) {
      this.finishScheduled = true
      setImmediate(() => this.recordAndPush())
    }
    this.emitState()
  }

  /**
   * Results that came in during one turn of the event loop are recorded in one SQLite commit and
   * pushed in one statement, with the claim of the slots they free. (Splitting them so that two
   * statements alternate was slower: claims in one lane wait for each other on its lock anyway.)
   */
  private recordAndPush(): void {
    this.finishScheduled = false
    const batch = this.finishing
    this.finishing = []
    if (batch.length === 0) return
    const push = this.pushResults(batch)
      .catch((error: unknown) =>
        this.opts.log?.(`could not push the results of runs ${batch.map((b) => b.runId).join(', ')}: ${describeError(error)}`),
      )
      .finally(() => {
        this.pendingPushes -= batch.length
        this.pushes.delete(push)
        this.tick()
        this.checkIdle()
      })
    this.pushes.add(push)
  }

  /**
   * Results are pushed at once with the claim of the next runs in the same statement, into the
   * slots free at that moment (`held`: the slots the results kept), and announced once they
   * survive power loss: in PostgreSQL, or (not pushed: offline) in the local outbox once its WAL
   * is flushed.
   */
  private async pushResults(batch: readonly RunCompletion[]): Promise<void> {
    const { link } = this.opts
    // The held slots and any other free one go to the claim made with these results.
    this.reserved -= batch.length
    const next = this.nextClaim()
    const held = next?.max ?? 0
    this.reserved += held
    const sentAt = performance.now()
    try {
      const { pushed, claimed } = await link.finishRuns(batch, next)
      if (!pushed) {
        await link.durable()
        this.opts.publishChanges()
      }
      // Pushed: the link puts the claims in the cache and publishes them (see SharedLink.finishRuns).
      this.launchClaimed(claimed, sentAt, true)
    } finally {
      this.reserved -= held
    }
  }

  async pause(): Promise<void> {
    await this.opts.link.setPaused(true)
    this.paused = true
    this.emitState()
  }

  async resume(): Promise<void> {
    await this.opts.link.setPaused(false)
    this.paused = false
    this.emitState()
    this.tick()
  }

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

  /** Resolves when nothing runs here, nothing waits to be pushed, and the shared queue has nothing eligible. */
  whenIdle(): Promise<void> {
    return new Promise((resolve) => {
      this.idleWaiters.push(resolve)
      this.checkIdle()
    })
  }

  private checkIdle(): void {
    if (this.idleWaiters.length === 0 || this.active.size > 0 || this.pendingPushes > 0 || this.ticking) return
    if (!this.opts.link.online) return
    void this.opts.link.queue.hasPendingWork().then(
      (pending) => {
        if (pending || this.active.size > 0 || this.pendingPushes > 0) return
        const waiters = this.idleWaiters
        this.idleWaiters = []
        for (const resolve of waiters) resolve()
      },
      () => undefined,
    )
  }

  /** Stops claiming; running process trees are stopped and their runs handed back to the queue at once. */
  async stop(): Promise<void> {
    if (!this.started || this.stopping) return
    this.stopping = true
    for (const timer of this.timers) clearInterval(timer)
    this.timers = []
    await this.ticking?.catch(() => undefined)
    // Results being pushed may bring claimed runs with them: let them arrive, then stop them too.
    this.recordAndPush()
    await Promise.all([...this.pushes])
    const running = [...this.active.values()]
    for (const active of running) this.cancelLocal(active.claimed.run.id, 'shutdown')
    await Promise.all(running.map((a) => a.done))
    // Runs that finished on their own meanwhile.
    this.recordAndPush()
    await Promise.all([...this.pushes])
    this.flushLogs()
    if (this.opts.link.online) {
      try {
        await this.opts.link.pushOutbox()
        const config = this.opts.config()
        const failTypes = [...config.types].filter(([, t]) => t.onInterrupt === 'fail').map(([name]) => name)
        await this.opts.link.queue.releaseRuns(this.runnerId, this.opts.now(), failTypes, config.raw.runner.interruptLimit)
        await this.opts.link.queue.removeRunner(this.runnerId)
        await this.opts.link.pullNow()
      } catch (error) {
        this.opts.log?.(`could not hand running jobs back at stop (their leases expire instead): ${describeError(error)}`)
      }
    }
    this.opts.store.releaseLock(this.runnerId)
    this.started = false
    this.emitState()
  }

  /** For tests and status: runs started here, as the cache has them. */
  runs(): Run[] {
    return [...this.active.values()].map((a) => a.claimed.run)
  }
}
