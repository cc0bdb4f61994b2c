// The shared queue engine: claims from the PostgreSQL queue (SKIP LOCKED, lane limits across
// every runner), holds a lease on each run renewed by a heartbeat, rescues runs whose lease
// expired, and records each result locally and in the outbox in one SQLite transaction before
// pushing it with a fenced finish, so a result survives an outage and is applied exactly once.
// Never two copies at once: a rescuer first stops the processes of the runs it hands back that
// live on its own machine; and a runner that cannot renew a lease kills that run's processes
// before the lease runs out, so a rescuer on another machine never starts it beside them.
import { performance } from 'node:perf_hooks'
import type { Progress } from '../../../src-shared/domain'
import { JobdeckError } from '../../../src-shared/errors'
import { laneLimitSettings, laneRateSettings } from '../config/job-command'
import type { LoadedConfig } from '../config/load-config'
import { newId } from '../ids'
import { isAlive } from '../process/process-tree'
import { killRunProcesses } from '../process/run-processes'
import { describeError } from '../store/postgres/pg-connection'
import type { PgClaimInput, PgQueue, RowPair } from '../store/postgres/pg-queue'
import { parseStoredParams, toJob, toRun } from '../store/sqlite/rows'
import type { SqliteStore } from '../store/sqlite/sqlite-store'
import type { ClaimedWork, InterruptedRun, LogAppend, RunCompletion, RunnerLockInfo } from '../store/store-types'
import type { SharedLink } from '../sync/shared-link'
import type { ScheduleStore } from '../store/schedule-store'
import type { ClaimRequest, ControlState, FinishOutcome, QueueEngine, RunnerHooks, RunnerIdentity } from './queue-engine'
import { pidOfRunnerId } from './runner-id'

export interface PgEngineOptions {
  link: SharedLink
  queue: PgQueue
  /** The local cache (and this data dir's runner lock). */
  store: SqliteStore
  /** Fires and pauses in the shared database (the outbox while it is unreachable). */
  schedules: ScheduleStore
  config: () => LoadedConfig
  publishChanges: () => void
  leaseMs: number
  /** Fallback claim poll when no notification arrives. */
  pollMs?: number
  now: () => number
  log?: (line: string) => void
}

/**
 * A run is fenced this long before its lease would lapse unrenewed, so its processes are gone
 * before any rescuer may take the job (bounded for very short and very long leases).
 */
export function fenceMarginMs(leaseMs: number): number {
  return Math.min(5_000, Math.max(250, Math.floor(leaseMs / 6)))
}

const RESOLVED = Promise.resolve()

export class PgEngine implements QueueEngine {
  readonly batching = 'turn'
  readonly startsAtClaim = false
  readonly schedules: ScheduleStore
  private readonly link: SharedLink
  private readonly queue: PgQueue
  private me: RunnerIdentity | null = null
  private hooks: RunnerHooks | null = null
  private timers: NodeJS.Timeout[] = []
  /** Until when this runner surely holds each run's lease (monotonic ms: the request that set it was sent then + lease). */
  private readonly leases = new Map<string, number>()
  /** Runs fenced or rescued away: never fenced twice. */
  private readonly lost = new Set<string>()
  private orphansChecked = false
  private halted = false

  constructor(private readonly opts: PgEngineOptions) {
    this.link = opts.link
    this.queue = opts.queue
    this.schedules = opts.schedules
  }

  private get runnerId(): string {
    if (!this.me) throw new Error('the shared engine is not started')
    return this.me.runnerId
  }

  acquireLock(me: RunnerLockInfo, isHeld: (holder: RunnerLockInfo) => boolean): { ok: true } | { ok: false; holder: RunnerLockInfo } {
    return this.opts.store.acquireLock(me, isHeld)
  }

  heartbeatLock(runnerId: string, now: number): boolean {
    return this.opts.store.heartbeat(runnerId, now)
  }

  releaseLock(runnerId: string): void {
    this.opts.store.releaseLock(runnerId)
  }

  start(me: RunnerIdentity, hooks: RunnerHooks): InterruptedRun[] {
    this.me = me
    this.hooks = hooks
    const { leaseMs } = this.opts
    this.timers.push(
      setInterval(() => {
        if (this.link.online) void this.renewLeases().catch(() => undefined)
      }, Math.max(200, Math.floor(leaseMs / 3))),
    )
    this.timers.push(setInterval(() => void this.rescue(), Math.max(250, Math.floor(leaseMs / 2))))
    this.timers.push(setInterval(() => this.fenceExpiring(), Math.max(50, Math.floor(fenceMarginMs(leaseMs) / 3))))
    this.timers.push(setInterval(() => hooks.tick(), this.opts.pollMs ?? 1_000))
    if (this.link.online) void this.onReconnect().catch(() => undefined)
    // Runs of a dead predecessor are rescued when their leases expire (or at once, on this machine: onReconnect).
    return []
  }

  /** Called by the link on NOTIFY and after every sync. */
  wake(reason: string): void {
    if (!this.hooks || this.halted) return
    if (reason === 'cancel' || reason === 'paused' || reason === 'synced') this.hooks.refresh()
    this.hooks.tick()
  }

  /** Before the first pull and on every reconnect: keep our leases, stop orphans of a dead predecessor. */
  async onReconnect(): Promise<void> {
    if (!this.hooks || this.halted) return
    await this.renewLeases()
    if (!this.orphansChecked) await this.killOrphans()
  }

  private async killOrphans(): Promise<void> {
    const me = this.me
    if (!me) return
    const runs = await this.queue.runsOfHost(me.host, this.opts.now() - 86_400_000)
    const dead = runs.filter((r) => {
      const pid = pidOfRunnerId(r.runnerId)
      return r.runnerId !== me.runnerId && pid !== null && pid !== me.pid && !isAlive(pid)
    })
    this.orphansChecked = true
    if (dead.length === 0) return
    // A runner of this machine died: its job processes must not keep running beside the rescued attempt.
    killRunProcesses(new Set(dead.map((r) => r.id)))
  }

  private async renewLeases(): Promise<void> {
    const { me, hooks } = this
    // Not gated on `online`: onReconnect renews before the connection is announced online.
    if (!me || !hooks) return
    const ids = hooks.activeRunIds()
    const sentAt = performance.now()
    const owned = new Set(await this.queue.renewLeases(me.runnerId, ids, this.opts.leaseMs, this.opts.now(), me.host, me.pid, me.startedAt))
    const active = new Set(hooks.activeRunIds())
    for (const id of ids) {
      if (!active.has(id)) continue
      if (owned.has(id)) {
        this.leases.set(id, Math.max(this.leases.get(id) ?? 0, sentAt + this.opts.leaseMs))
        continue
      }
      // Rescued by another runner while we could not renew (an outage longer than the lease):
      // that runner owns the job now, so this attempt stops and its result is dropped.
      this.opts.log?.(`run ${id} was rescued by another runner after its lease expired; stopping this attempt`)
      this.lose(id, false)
    }
  }

  private lose(runId: string, killNow: boolean): void {
    this.lost.add(runId)
    this.hooks?.lose(runId, killNow)
  }

  /**
   * Kills, at once, the processes of runs whose lease this runner could not renew and which are
   * about to lapse: past that instant a rescuer may start the job again, perhaps on another
   * machine, where nothing could stop this copy. Their results are dropped (the rescue records
   * the run as interrupted).
   */
  private fenceExpiring(): void {
    const hooks = this.hooks
    if (!hooks) return
    const active = new Set(hooks.activeRunIds())
    for (const id of this.leases.keys()) if (!active.has(id)) this.leases.delete(id)
    for (const id of this.lost) if (!active.has(id)) this.lost.delete(id)
    const margin = fenceMarginMs(this.opts.leaseMs)
    const fenceAt = performance.now() + margin
    for (const [id, heldUntil] of this.leases) {
      if (this.lost.has(id) || heldUntil > fenceAt) continue
      this.opts.log?.(
        `run ${id}: its lease could not be renewed and runs out in under ${margin} ms; ` +
          'killed its processes so that a rescued attempt never runs beside them',
      )
      this.lose(id, true)
    }
  }

  private async rescue(): Promise<void> {
    const hooks = this.hooks
    if (!hooks || !this.link.online || this.halted) return
    const config = this.opts.config()
    const failTypes = [...config.types].filter(([, t]) => t.onInterrupt === 'fail').map(([name]) => name)
    try {
      const expired = await this.queue.expiredRuns()
      await this.queue.compactCounts()
      if (expired.length === 0) return
      // Ours too, if our own lease ran out: the job is about to be handed back.
      const active = new Set(hooks.activeRunIds())
      for (const id of expired) if (active.has(id)) this.lose(id, false)
      // On this machine, their processes die before the jobs go back to the queue; processes on
      // other machines were killed by their own runner before the lease lapsed (fenceExpiring).
      killRunProcesses(new Set(expired))
      const rescued = await this.queue.rescue(this.opts.now(), failTypes, config.raw.runner.interruptLimit, expired)
      if (rescued.length === 0) return
      for (const { run } of rescued) this.opts.log?.(`rescued run ${run.id} of ${run.runner_id}: its lease expired`)
      this.link.schedulePull(0)
      hooks.tick()
    } catch (error) {
      // An outage is announced by the connection, which retries; anything else is worth a line.
      if (!isOutage(error)) this.opts.log?.(`rescue failed: ${describeError(error)}`)
    }
  }

  pausedNow(): boolean {
    return this.opts.store.isPaused()
  }

  private pgClaim(request: ClaimRequest | null): PgClaimInput | null {
    if (!request || !this.link.online) return null
    return {
      runnerId: request.runnerId,
      now: request.now,
      max: request.max,
      allowedTypes: request.allowedTypes,
      gatedTypes: request.gatedTypes,
      lanes: laneLimitSettings(this.opts.config()),
      rates: laneRateSettings(this.opts.config()),
      leaseMs: this.opts.leaseMs,
      runIds: Array.from({ length: request.max }, () => newId(request.now)),
    }
  }

  async claim(request: ClaimRequest): Promise<ClaimedWork[]> {
    const input = this.pgClaim(request)
    if (!input) return []
    const sentAt = performance.now()
    try {
      const claimed = await this.queue.claim(input)
      if (claimed.length > 0) {
        // The cache shows the claims at once; the sync would bring them too.
        this.cacheRows(claimed)
        this.opts.publishChanges()
      }
      return this.started(claimed, sentAt)
    } catch (error) {
      if (!isOutage(error)) this.opts.log?.(`claim failed: ${describeError(error)}`)
      return []
    }
  }

  /** Claimed rows as the runner starts them; `sentAt`: when the claim was sent (its lease runs from no earlier). */
  private started(claimed: readonly RowPair[], sentAt: number): ClaimedWork[] {
    return claimed.map((pair) => {
      this.leases.set(pair.run.id, sentAt + this.opts.leaseMs)
      return { job: toJob(pair.job), run: toRun(pair.run), storedParams: parseStoredParams(pair.job.params, pair.job.id) }
    })
  }

  private cacheRows(pairs: readonly RowPair[]): void {
    try {
      this.link.cacheClaims(pairs)
    } catch (error) {
      this.opts.log?.(`could not cache claimed runs: ${describeError(error)}`)
    }
  }

  /**
   * Results are pushed at once with the claim of the next runs in the same statement, and
   * announced once they survive power loss: in PostgreSQL, or (not pushed: offline) in the local
   * outbox once its WAL is flushed. Pushed claims are cached and published by the link.
   */
  async finishAndClaim(results: readonly RunCompletion[], next: ClaimRequest | null): Promise<FinishOutcome> {
    const sentAt = performance.now()
    try {
      const { pushed, claimed } = await this.link.finishRuns(results, this.pgClaim(next))
      if (!pushed) {
        await this.link.durable()
        this.opts.publishChanges()
      }
      return { claimed: this.started(claimed, sentAt), claimsDurable: null, announced: RESOLVED }
    } catch (error) {
      this.opts.log?.(`could not push the results of runs ${results.map((r) => r.runId).join(', ')}: ${describeError(error)}`)
      return { claimed: [], claimsDurable: null, announced: RESOLVED }
    }
  }

  async control(activeRunIds: readonly string[]): Promise<ControlState | null> {
    if (!this.link.online) return null
    try {
      return { paused: await this.queue.isPaused(), cancel: await this.queue.cancelRequests(activeRunIds) }
    } catch {
      // offline; the next refresh tries again
      return null
    }
  }

  recordStart(runId: string, startedAt: number, pid: number | null, pidStart: string | null): void {
    if (!this.link.online) return
    void this.queue.markStarted(runId, this.runnerId, startedAt, pid, pidStart).catch(() => undefined)
  }

  saveProgress(runId: string, progress: Progress, itemsOk: number | null, itemsFailed: number | null): void {
    this.opts.store.saveProgress(runId, progress, itemsOk, itemsFailed)
    if (!this.link.online) return
    void this.queue.saveProgress(runId, this.runnerId, { progress, itemsOk, itemsFailed }).catch(() => undefined)
  }

  appendLogs(lines: readonly LogAppend[], limitFor: (runId: string) => number): void {
    this.link.recordLogs(lines, limitFor)
  }

  /** From the cache: every instance's runs as last synced (the claim counts in PostgreSQL; this only sets a timer). */
  startsSince(since: number): Array<{ lane: string; at: number }> {
    return this.opts.store.startsSince(since)
  }

  /** Retries become eligible in the shared queue; the claim poll finds them. */
  nextRunAfter(): null {
    return null
  }

  async hasPendingWork(): Promise<boolean> {
    if (!this.link.online) return true
    return this.queue.hasPendingWork().catch(() => true)
  }

  missingType(type: string): string {
    return `type ${type} is not in this instance's config; add it, or run it from an instance that has it`
  }

  halt(): void {
    this.halted = true
    for (const timer of this.timers) clearInterval(timer)
    this.timers = []
  }

  /** At a clean stop the runs stopped are handed back at once, not when their leases expire. */
  async handBack(): Promise<void> {
    if (!this.link.online) return
    try {
      await this.link.pushOutbox()
      const config = this.opts.config()
      const failTypes = [...config.types].filter(([, t]) => t.onInterrupt === 'fail').map(([name]) => name)
      await this.queue.releaseRuns(this.runnerId, this.opts.now(), failTypes, config.raw.runner.interruptLimit)
      await this.queue.removeRunner(this.runnerId)
      await this.link.pullNow()
    } catch (error) {
      this.opts.log?.(`could not hand running jobs back at stop (their leases expire instead): ${describeError(error)}`)
    }
  }
}

function isOutage(error: unknown): boolean {
  return error instanceof JobdeckError && error.code === 'unavailable'
}
